import type { UpstreamName } from '../config.ts';

export type ProxyMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call a route: anyone, or only a caller with a valid access token (checked at the edge). */
export type Access = 'public' | 'token';

/**
 * The limits a route counts against besides the per-IP (or per-user) one: stricter limits for the
 * routes an attacker or a bot hammers, or whose work is expensive.
 */
export type LimitClass = 'login' | 'register' | 'checkout' | 'webhooks';

/** One family of public paths and the service that owns it. */
export interface ProxyRoute {
  upstream: UpstreamName;
  /** HEAD is answered wherever GET is (Fastify adds it). */
  methods: readonly ProxyMethod[];
  /** Fastify URL patterns: an exact path, or `/*` for everything under one. */
  urls: readonly string[];
  access: Access;
  limit?: LimitClass;
  /** Work that is slow by design upstream gets the longer timeout (UPSTREAM_SLOW_TIMEOUT_MS). */
  slow?: boolean;
  /** Tighter than the gateway's body limit where the service takes less. */
  bodyLimitBytes?: number;
}

const READS: readonly ProxyMethod[] = ['GET'];
const WRITES: readonly ProxyMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
const ALL: readonly ProxyMethod[] = [...READS, ...WRITES];
const under = (prefix: string) => [prefix, `${prefix}/*`];

// The auth service takes a few KiB at most (apps/auth/src/routes/auth/auth.schemas.ts).
const AUTH_BODY_LIMIT_BYTES = 16 * 1024;
const WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Every path the gateway serves, by owner. Nothing else reaches a service: not `/internal/*`, not a
 * service's `/metrics`, `/health`, `/ready` or `/openapi.json` (those are the gateway's own or 404).
 */
export const ROUTE_TABLE: readonly ProxyRoute[] = [
  // auth: sign-up, login and the refresh-token flows need no access token; logout revokes by refresh token.
  {
    upstream: 'auth',
    methods: ['POST'],
    urls: ['/api/v1/auth/login'],
    access: 'public',
    limit: 'login',
    slow: true,
    bodyLimitBytes: AUTH_BODY_LIMIT_BYTES,
  },
  {
    upstream: 'auth',
    methods: ['POST'],
    urls: ['/api/v1/auth/register'],
    access: 'public',
    limit: 'register',
    slow: true,
    bodyLimitBytes: AUTH_BODY_LIMIT_BYTES,
  },
  {
    upstream: 'auth',
    methods: ['POST'],
    urls: ['/api/v1/auth/refresh', '/api/v1/auth/logout'],
    access: 'public',
    bodyLimitBytes: AUTH_BODY_LIMIT_BYTES,
  },
  {
    upstream: 'auth',
    methods: ALL,
    urls: ['/api/v1/auth/*'],
    access: 'token',
    bodyLimitBytes: AUTH_BODY_LIMIT_BYTES,
  },
  { upstream: 'auth', methods: READS, urls: ['/.well-known/jwks.json'], access: 'public' },

  // product: the catalog is public to read; its writes and the admin views need a token (admin, upstream).
  { upstream: 'product', methods: READS, urls: under('/api/v1/products'), access: 'public' },
  { upstream: 'product', methods: WRITES, urls: under('/api/v1/products'), access: 'token' },
  { upstream: 'product', methods: READS, urls: under('/api/v1/categories'), access: 'public' },
  { upstream: 'product', methods: WRITES, urls: under('/api/v1/categories'), access: 'token' },
  { upstream: 'product', methods: ALL, urls: under('/api/v1/admin/products'), access: 'token' },

  // order: carts, checkout (the stricter limit) and orders, a customer's or an admin's.
  { upstream: 'order', methods: ALL, urls: under('/api/v1/cart'), access: 'token' },
  {
    upstream: 'order',
    methods: ['POST'],
    urls: ['/api/v1/orders'],
    access: 'token',
    limit: 'checkout',
    slow: true,
  },
  {
    upstream: 'order',
    methods: ['GET', 'PUT', 'PATCH', 'DELETE'],
    urls: ['/api/v1/orders'],
    access: 'token',
  },
  { upstream: 'order', methods: ALL, urls: ['/api/v1/orders/*'], access: 'token' },
  { upstream: 'order', methods: ALL, urls: under('/api/v1/admin/orders'), access: 'token' },

  // payment: paying is checkout's second half; the provider's webhooks carry a signature, not a token.
  {
    upstream: 'payment',
    methods: ['POST'],
    urls: ['/api/v1/payments'],
    access: 'token',
    limit: 'checkout',
    slow: true,
  },
  {
    upstream: 'payment',
    methods: ['GET', 'PUT', 'PATCH', 'DELETE'],
    urls: ['/api/v1/payments'],
    access: 'token',
  },
  { upstream: 'payment', methods: ALL, urls: ['/api/v1/payments/*'], access: 'token', slow: true },
  {
    upstream: 'payment',
    methods: ['POST'],
    urls: ['/api/v1/payments/webhooks/*'],
    access: 'public',
    limit: 'webhooks',
    bodyLimitBytes: WEBHOOK_BODY_LIMIT_BYTES,
  },
  { upstream: 'payment', methods: ALL, urls: under('/api/v1/admin/payments'), access: 'token' },
];

/** The route of the table that serves `method` on `path` (an OpenAPI path such as `/api/v1/products/{id}`). */
export function routeFor(method: string, path: string): ProxyRoute | undefined {
  const upper = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  let best: { route: ProxyRoute; specificity: number } | undefined;
  for (const route of ROUTE_TABLE) {
    if (!route.methods.includes(upper as ProxyMethod)) continue;
    for (const url of route.urls) {
      const specificity = matchLength(url, path);
      if (specificity >= 0 && (best === undefined || specificity > best.specificity)) {
        best = { route, specificity };
      }
    }
  }
  return best?.route;
}

// An exact pattern outranks any wildcard; a longer wildcard prefix outranks a shorter one (as Fastify routes).
function matchLength(pattern: string, path: string): number {
  if (!pattern.endsWith('/*')) return pattern === path ? Number.MAX_SAFE_INTEGER : -1;
  const prefix = pattern.slice(0, -1);
  return path.startsWith(prefix) ? prefix.length : -1;
}
