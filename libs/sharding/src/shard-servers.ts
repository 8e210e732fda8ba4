import { ShardMapError } from './sharding.errors.ts';

/** Server name -> PostgreSQL URL, as each replica configures them (the directory holds names only). */
export type ShardServers = Readonly<Record<string, string>>;

/** Names as the shard map stores them: short, lower case, safe in logs and application names. */
export const SERVER_NAME = /^[a-z][a-z0-9_-]{0,30}$/;

/**
 * Parses `a=postgres://user:pw@host-a/orders,b=postgres://user:pw@host-b/orders` (whitespace and a
 * trailing comma tolerated). A comma inside a URL must be percent-encoded (%2C). Errors name the variable
 * and never echo a password.
 */
export function parseShardServers(text: string, variable = 'the shard server list'): ShardServers {
  const servers: Record<string, string> = {};
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw configError(variable, 'is empty', 'list at least one server');
  }
  for (const [index, entry] of entries.entries()) {
    const equals = entry.indexOf('=');
    if (equals < 0) {
      throw configError(
        variable,
        `entry ${index + 1} has no "name="`,
        'write each entry as name=postgres://...',
      );
    }
    const name = entry.slice(0, equals).trim();
    const url = entry.slice(equals + 1).trim();
    if (!SERVER_NAME.test(name)) {
      throw configError(
        variable,
        `entry ${index + 1} has the server name "${name.slice(0, 40)}"`,
        'use a lower-case letter followed by up to 30 letters, digits, "_" or "-"',
      );
    }
    if (Object.hasOwn(servers, name)) {
      throw configError(variable, `names server "${name}" twice`, 'give every server its own name');
    }
    servers[name] = checkedUrl(url, name, variable);
  }
  return servers;
}

/** A server's URL with its password masked, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function checkedUrl(url: string, name: string, variable: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError(
      variable,
      `server "${name}" has no valid URL`,
      'write it as postgres://user:password@host:5432/database (percent-encode commas and other reserved characters)',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw configError(
      variable,
      `server "${name}" has a ${parsed.protocol} URL`,
      'use a postgres:// or postgresql:// URL',
    );
  }
  if (parsed.hostname === '' || parsed.pathname.length <= 1) {
    throw configError(
      variable,
      `server "${name}" (${redactUrl(url)}) names no host or no database`,
      'write it as postgres://user:password@host:5432/database',
    );
  }
  return url;
}

function configError(variable: string, problem: string, fix: string): ShardMapError {
  return new ShardMapError('SHARD_ERR_CONFIG', `${variable} ${problem}: ${fix}.`);
}
