/** The services `npm start` runs, in start order, with their default ports (the same everywhere). */
export interface DevService {
  name: string;
  port: number;
  /** Env variable holding its database URL, and the database it gets on the embedded server. */
  database?: { variable: string; name: string };
  /** Extra environment for the embedded start. */
  env?: Record<string, string>;
}

export const DEV_SERVICES: readonly DevService[] = [
  { name: 'auth', port: 3001, database: { variable: 'AUTH_DATABASE_URL', name: 'shop_auth' } },
  // No REDIS_URL / KAFKA_BROKERS: an in-process cache, and the stand-in bus in the Product DB (EVENT_BUS_DATABASE_URL unset).
  { name: 'product', port: 3002, database: { variable: 'PRODUCT_DATABASE_URL', name: 'shop_product' } },
];
