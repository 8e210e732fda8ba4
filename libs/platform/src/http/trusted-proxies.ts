import ipaddr from 'ipaddr.js';

// proxy-addr's (Fastify's) names for the private ranges, for a deployment whose every private hop is a proxy.
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const HOP_COUNT = /^\d+$/;
const MAX_PREFIX = { ipv4: 32, ipv6: 128 } as const;

/** What Fastify's `trustProxy` is given: off, or the addresses and ranges of the proxies. */
export type TrustedProxies = false | string[];

function entryProblem(entry: string): string | undefined {
  if (NAMED_RANGES.has(entry)) return undefined;
  const [address = '', prefix, ...rest] = entry.split('/');
  const kind = ipaddr.IPv4.isValidFourPartDecimal(address)
    ? 'ipv4'
    : ipaddr.IPv6.isValid(address)
      ? 'ipv6'
      : undefined;
  if (!kind || rest.length > 0) {
    return `"${entry}" is not an IP address, a CIDR range (10.0.0.0/8, fd00::/8) or one of ${[...NAMED_RANGES].join(', ')}`;
  }
  if (prefix !== undefined && !(/^\d+$/.test(prefix) && +prefix >= 1 && +prefix <= MAX_PREFIX[kind])) {
    return `"${entry}" has a prefix length outside 1-${MAX_PREFIX[kind]}`;
  }
  return undefined;
}

/**
 * Why a `TRUST_PROXY` value is refused, or undefined when it is valid. `true` and hop counts are refused
 * (Fastify 5 ignores a count too): neither tells a proxy from a client that reaches the service directly,
 * so such a client could name its own IP in X-Forwarded-For and slip past per-IP limits.
 */
export function trustProxyProblem(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'false') return undefined;
  if (trimmed === 'true' || HOP_COUNT.test(trimmed)) {
    return (
      `${trimmed} cannot tell a proxy from a client that names its own IP; list the addresses or CIDR ranges ` +
      'of your load balancers or ingress (e.g. 10.0.0.0/8), or leave it unset'
    );
  }
  const problems = trimmed.split(',').flatMap((entry) => entryProblem(entry.trim()) ?? []);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/**
 * Turns a `TRUST_PROXY` value into Fastify's `trustProxy`: unset, empty or `false` trust no proxy (the
 * peer's address is the client's); otherwise a comma-separated list of the proxies' addresses and CIDR
 * ranges, whose X-Forwarded-For entries are believed. Throws on a value `trustProxyProblem` refuses.
 */
export function trustedProxies(value: string | undefined): TrustedProxies {
  const trimmed = value?.trim() ?? '';
  const problem = trustProxyProblem(trimmed);
  if (problem) throw new Error(`TRUST_PROXY=${JSON.stringify(value)}: ${problem}.`);
  if (trimmed === '' || trimmed === 'false') return false;
  return trimmed.split(',').map((entry) => entry.trim());
}
