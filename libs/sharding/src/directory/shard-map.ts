import { SERVER_NAME } from '../shard-servers.ts';
import { ShardMapError } from '../sharding.errors.ts';

/** `frozen`: the shard refuses writes (503 + Retry-After) while a move to another server finishes. */
export type ShardState = 'active' | 'frozen';

export interface ShardAssignment {
  readonly shard: number;
  readonly server: string;
  readonly state: ShardState;
}

/** One version of the shard map: where every logical shard lives, ordered by shard. */
export interface ShardMap {
  readonly version: number;
  readonly shardCount: number;
  readonly assignments: readonly ShardAssignment[];
}

/** What a map must agree with: the replica's configured shard count and, where known, its servers. */
export interface ShardMapExpectations {
  readonly shardCount: number;
  /** Server names this replica has URLs for; a map naming another server is refused. */
  readonly servers?: readonly string[];
}

const STATES: readonly string[] = ['active', 'frozen'];

/**
 * Checks a map as read from (or about to be written to) the directory and returns it with its assignments
 * sorted by shard: a positive integer version, the configured shard count, every shard 0..count-1 exactly
 * once, known server names, a valid state. Throws ShardMapError naming every problem.
 */
export function validateShardMap(raw: unknown, expected: ShardMapExpectations): ShardMap {
  const problems: string[] = [];
  const map = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const version = map['version'];
  const shardCount = map['shardCount'];
  const assignments = map['assignments'];
  const label = `shard map version ${String(version)}`;

  if (!Number.isSafeInteger(version) || (version as number) < 1) {
    problems.push(`the version must be a positive integer, not ${JSON.stringify(version)}`);
  }
  if (shardCount !== expected.shardCount) {
    // Changing the count is a re-shard (every customer's shard changes), not a map change.
    throw new ShardMapError(
      'SHARD_ERR_INVALID_MAP',
      `The ${label} has ${String(shardCount)} shards but this deployment is configured for ` +
        `${expected.shardCount}. Changing the shard count is a re-shard, which moving shards cannot do: ` +
        `configure ${String(shardCount)} shards if the map is right, or publish a map with ${expected.shardCount}.`,
    );
  }
  const seen = new Map<number, number>();
  const known = expected.servers === undefined ? undefined : new Set(expected.servers);
  if (!Array.isArray(assignments)) {
    problems.push('assignments must be an array of {shard, server, state}');
  } else {
    for (const [index, entry] of (assignments as unknown[]).entries()) {
      const { shard, server, state } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
        string,
        unknown
      >;
      if (!Number.isInteger(shard) || (shard as number) < 0 || (shard as number) >= expected.shardCount) {
        problems.push(
          `assignment ${index} names shard ${JSON.stringify(shard)}, not one of 0..${expected.shardCount - 1}`,
        );
      } else {
        seen.set(shard as number, (seen.get(shard as number) ?? 0) + 1);
      }
      if (typeof server !== 'string' || !SERVER_NAME.test(server)) {
        problems.push(`assignment ${index} has the invalid server name ${JSON.stringify(server)}`);
      } else if (known !== undefined && !known.has(server)) {
        problems.push(
          `shard ${String(shard)} is on server "${server}", which this replica has no URL for ` +
            `(configured: ${[...known].join(', ') || 'none'})`,
        );
      }
      if (typeof state !== 'string' || !STATES.includes(state)) {
        problems.push(`shard ${String(shard)} has the state ${JSON.stringify(state)}, not active or frozen`);
      }
    }
    for (let shard = 0; shard < expected.shardCount; shard++) {
      const count = seen.get(shard) ?? 0;
      if (count === 0) problems.push(`shard ${shard} is not assigned`);
      if (count > 1) problems.push(`shard ${shard} is assigned ${count} times`);
    }
  }
  if (problems.length > 0) {
    throw new ShardMapError(
      'SHARD_ERR_INVALID_MAP',
      `The ${label} is invalid: ${problems.join('; ')}. Publish a corrected version ` +
        '(every shard exactly once, on a server every replica has a URL for).',
    );
  }
  const sorted = (assignments as ShardAssignment[])
    .map(({ shard, server, state }) => ({ shard, server, state }))
    .sort((a, b) => a.shard - b.shard);
  return { version: version as number, shardCount: shardCount as number, assignments: sorted };
}

/**
 * Assignments from the compact form operators write: `a:0-7,b:8-15`, `a:0-15`, `a:0,2,b:1,3` (a bare
 * number or range continues the previous server). Every shard starts active.
 */
export function parseAssignments(text: string, shardCount: number): ShardAssignment[] {
  const assignments: ShardAssignment[] = [];
  let server: string | undefined;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const colon = part.indexOf(':');
    let range = part;
    if (colon >= 0) {
      server = part.slice(0, colon).trim();
      range = part.slice(colon + 1).trim();
    }
    const match = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (server === undefined || match === null) {
      throw new ShardMapError(
        'SHARD_ERR_CONFIG',
        `The shard assignment "${text}" cannot be read at "${part}": write it as server:first-last,..., ` +
          'e.g. a:0-7,b:8-15.',
      );
    }
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let shard = first; shard <= last; shard++) assignments.push({ shard, server, state: 'active' });
  }
  // Validated here too, so a typo is reported against the text the operator wrote.
  validateShardMap({ version: 1, shardCount, assignments }, { shardCount });
  return assignments;
}

/** Contiguous, nearly equal ranges over the servers in the order given: a, b -> a:0-7, b:8-15. */
export function spreadAssignments(servers: readonly string[], shardCount: number): ShardAssignment[] {
  if (servers.length === 0) {
    throw new ShardMapError('SHARD_ERR_CONFIG', 'No shard servers are configured: configure at least one.');
  }
  return Array.from({ length: shardCount }, (_, shard) => ({
    shard,
    server: servers[Math.floor((shard * servers.length) / shardCount)]!,
    state: 'active' as const,
  }));
}

/** The compact form of a map's assignments, for logs and notes: `a:0-7,b:8-15 (frozen: 3)`. */
export function describeAssignments(assignments: readonly ShardAssignment[]): string {
  const parts: string[] = [];
  const sorted = [...assignments].sort((a, b) => a.shard - b.shard);
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (
      j + 1 < sorted.length &&
      sorted[j + 1]!.server === sorted[i]!.server &&
      sorted[j + 1]!.shard === sorted[j]!.shard + 1
    )
      j++;
    parts.push(
      `${sorted[i]!.server}:${sorted[i]!.shard === sorted[j]!.shard ? sorted[i]!.shard : `${sorted[i]!.shard}-${sorted[j]!.shard}`}`,
    );
    i = j + 1;
  }
  const frozen = sorted.filter((a) => a.state === 'frozen').map((a) => a.shard);
  return parts.join(',') + (frozen.length > 0 ? ` (frozen: ${frozen.join(', ')})` : '');
}
