import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createTestDatabase } from '@shop/testing';
import autocannon from 'autocannon';
import pg from 'pg';
import { startChildServer, type ChildServer } from './lib/child-server.ts';
import type { BenchContext, Figure } from './lib/figure.ts';
import { median, round } from './lib/stats.ts';

// What the Idempotency-Key layer (libs/idempotency) costs on a trivial route: POST /effects inserts one row
// in one transaction; the idempotent contender claims the key first (its own transaction) and records the
// response in the effect's transaction, as checkout and payments do. Same server, same database, same
// body, alternating rounds; every request carries a fresh key, so every idempotent request executes.

const CONNECTIONS = 20;
const WARMUP_SECONDS = 2;
const RUN_SECONDS = 3;
const ROUNDS = 5;
const KEYS_SQL = new URL('../libs/idempotency/test/fixtures/idempotency-keys.sql', import.meta.url);
const SERVER = new URL('./lib/idempotency/idempotency.server.ts', import.meta.url);

interface Run {
  round: number;
  rps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  responsesPerCpuSecond: number;
}

async function createSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const quoted = pg.escapeIdentifier(schema);
    await client.query(
      `CREATE SCHEMA ${quoted}; SET search_path TO ${quoted}; ${await readFile(KEYS_SQL, 'utf8')}`,
    );
    await client.query(`CREATE TABLE ${quoted}.effects (id uuid PRIMARY KEY, amount int NOT NULL)`);
  } finally {
    await client.end();
  }
}

/** Closed-loop POSTs with a fresh key each; refuses a run with any answer other than 201. */
async function load(server: ChildServer, seconds: number): Promise<Omit<Run, 'round'>> {
  const cpuBefore = await server.cpuSeconds();
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/effects',
        setupRequest: (request) => ({
          ...request,
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ amount: 1 + Math.floor(Math.random() * 1000) }),
        }),
      },
    ],
  });
  const cpu = (await server.cpuSeconds()) - cpuBefore;
  const created = result.statusCodeStats?.['201']?.count ?? 0;
  if (result.errors + result.timeouts + result.non2xx > 0 || created !== result['2xx'] || created === 0) {
    throw new Error(
      `POST /effects on '${server.name}' got ${result.errors} errors, ${result.timeouts} timeouts and the codes ` +
        `${JSON.stringify(result.statusCodeStats)}: start bench/lib/idempotency/idempotency.server.ts by hand to see why.`,
    );
  }
  return {
    rps: round(created / result.duration),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    responsesPerCpuSecond: round(created / cpu),
  };
}

export default async function idempotencyBench(ctx: BenchContext): Promise<Figure[]> {
  const database = await createTestDatabase('bench_idempotency');
  const servers: ChildServer[] = [];
  try {
    for (const idempotent of [false, true]) {
      const schema = idempotent ? 'idempotent' : 'plain';
      await createSchema(database.url, schema);
      ctx.progress(`starting the ${schema} route`);
      servers.push(
        await startChildServer({
          name: schema,
          entry: SERVER,
          env: {
            NODE_ENV: 'production',
            BENCH_DATABASE_URL: database.url,
            BENCH_SCHEMA: schema,
            BENCH_IDEMPOTENT: idempotent ? '1' : '0',
          },
        }),
      );
    }
    for (const server of servers) {
      ctx.progress(`warming up '${server.name}' for ${WARMUP_SECONDS} s`);
      await load(server, WARMUP_SECONDS);
    }
    const runs = new Map<string, Run[]>(servers.map((s) => [s.name, []]));
    for (let r = 1; r <= ROUNDS; r++) {
      for (const server of servers) {
        const run = { round: r, ...(await load(server, RUN_SECONDS)) };
        runs.get(server.name)!.push(run);
        ctx.progress(`round ${r}/${ROUNDS} '${server.name}': ${run.rps} req/s, p50 ${run.latencyP50Ms} ms`);
      }
    }
    const med = (name: string, field: keyof Run) => median(runs.get(name)!.map((run) => run[field]));
    return [
      {
        name: 'idempotent_vs_plain_route_rps',
        value: round(med('idempotent', 'rps') / med('plain', 'rps'), 3),
        unit: 'ratio',
        goal: { op: '>=', value: 0.5 },
        detail: {
          idempotentMedianRps: med('idempotent', 'rps'),
          plainMedianRps: med('plain', 'rps'),
          idempotentP50Ms: med('idempotent', 'latencyP50Ms'),
          plainP50Ms: med('plain', 'latencyP50Ms'),
          responsesPerCpuSecondRatio: round(
            med('idempotent', 'responsesPerCpuSecond') / med('plain', 'responsesPerCpuSecond'),
            3,
          ),
          connections: CONNECTIONS,
          runs: Object.fromEntries(runs),
        },
      },
    ];
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
  }
}
