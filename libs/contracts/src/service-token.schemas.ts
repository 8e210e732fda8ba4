import Type, { type Static } from 'typebox';

/**
 * What each service lets other services do, by audience (the callee's name, the `aud` of the tokens it
 * accepts) and scope. The auth service grants only scopes listed here, and every internal route names
 * the one it requires, so caller and callee agree at compile time.
 */
export const SERVICE_SCOPES = {
  product: {
    'products:lookup': 'Read several products with their current price and stock',
    'inventory:read': "Read a product's stock and an order's reservation",
    'inventory:reserve': 'Hold stock for an order',
    'inventory:commit': "Sell an order's held stock",
    'inventory:release': "Put an order's held stock back on sale",
  },
  order: {
    'orders:read': "Read any order's owner, state and amount",
  },
} as const satisfies Record<string, Record<string, string>>;

/** A service that accepts service tokens: the `aud` of the tokens issued for it. */
export type ServiceAudience = keyof typeof SERVICE_SCOPES;
/** A scope one of the services grants. */
export type ServiceScope = { [A in ServiceAudience]: keyof (typeof SERVICE_SCOPES)[A] }[ServiceAudience];

/** Whether `scope` is one that `audience` grants. */
export function isServiceScope(audience: string, scope: string): boolean {
  return (
    Object.hasOwn(SERVICE_SCOPES, audience) &&
    Object.hasOwn(SERVICE_SCOPES[audience as ServiceAudience], scope)
  );
}

/**
 * The calls each service makes, by audience: what its development client is granted (and what a
 * production registry gives it: "Service identity" in the root README). The least each one needs.
 */
export const SERVICE_CALLS = {
  order: { product: ['products:lookup', 'inventory:reserve', 'inventory:release'] },
  payment: { order: ['orders:read'] },
} as const satisfies Record<string, Partial<Record<ServiceAudience, readonly ServiceScope[]>>>;

/** The `sub` of a service token: the calling service's client id under a prefix no user id can have. */
export const SERVICE_SUBJECT_PREFIX = 'svc:';

/**
 * The claims of a service token (RFC 9068 with the client-credentials grant): `client_id` is what tells
 * it from a customer's access token, which never has one, and it carries no roles.
 */
export const ServiceTokenClaimsSchema = Type.Object({
  iss: Type.String({ minLength: 1 }),
  /** The callee: one of the ServiceAudience names. */
  aud: Type.String({ minLength: 1 }),
  /** `svc:<client id>`. */
  sub: Type.String({ minLength: 1, pattern: `^${SERVICE_SUBJECT_PREFIX}` }),
  client_id: Type.String({ minLength: 1 }),
  /** Space-separated scopes (RFC 6749 §3.3). */
  scope: Type.String(),
  jti: Type.String({ minLength: 1 }),
  iat: Type.Integer(),
  exp: Type.Integer(),
});
export type ServiceTokenClaims = Static<typeof ServiceTokenClaimsSchema>;
