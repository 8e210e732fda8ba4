import { Type, type TInteger, type TString } from 'typebox';

type DatabaseUrlVariable<Service extends string> = `${Service}_DATABASE_URL`;

/** The database part of a service's environment, as {@link databaseEnv} returns it. */
export type DatabaseEnv<Service extends string> = { [K in DatabaseUrlVariable<Service>]: TString } & {
  /** Connections per replica; size it as replicas x pool size <= what the server allows. */
  DATABASE_POOL_SIZE: TInteger;
  /** How long a request waits for a pooled connection before it is answered 503 (retry later). */
  DATABASE_CONNECT_TIMEOUT_MS: TInteger;
};

/**
 * The database part of a service's environment, spread into its env schema like `kafkaEnv`: the
 * service's own URL variable (`databaseEnv('PRODUCT')` -> `PRODUCT_DATABASE_URL`), the pool size and how
 * long a request waits for a pooled connection before it is answered 503.
 */
export function databaseEnv<Service extends string>(service: Service): DatabaseEnv<Service> {
  return {
    [`${service}_DATABASE_URL`]: Type.String({
      pattern: '^postgres(ql)?://',
      description: `PostgreSQL URL of the ${service.toLowerCase()} service's database`,
    }),
    DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, default: 10 }),
    DATABASE_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5_000 }),
  } as DatabaseEnv<Service>;
}

/** The prismaPlugin's settings from a config that spread `databaseEnv(service)`. */
export function databaseSettingsFrom<Service extends string>(
  service: Service,
  config: { [K in DatabaseUrlVariable<Service>]: string } & {
    DATABASE_POOL_SIZE: number;
    DATABASE_CONNECT_TIMEOUT_MS: number;
  },
): { databaseUrl: string; poolSize: number; connectTimeoutMs: number } {
  return {
    databaseUrl: (config as Record<DatabaseUrlVariable<Service>, string>)[`${service}_DATABASE_URL`],
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
  };
}
