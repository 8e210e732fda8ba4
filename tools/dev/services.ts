/** The services `npm start` runs, in start order, with their default ports (the same everywhere). */
export interface DevService {
  name: string;
  port: number;
  /** Env variable holding its database URL, and the database it gets on the embedded server. */
  database?: { variable: string; name: string };
  /** Extra environment for the embedded start. */
  env?: Record<string, string>;
  /** Seeds its database with demo data (`npm run seed`) when it is empty. */
  seedWhenEmpty?: boolean;
}

export const DEV_SERVICES: readonly DevService[] = [
  { name: 'auth', port: 3001, database: { variable: 'AUTH_DATABASE_URL', name: 'shop_auth' } },
  // Without REDIS_URL the product cache is in-process; without KAFKA_BROKERS events go through the stand-in bus.
  {
    name: 'product',
    port: 3002,
    database: { variable: 'PRODUCT_DATABASE_URL', name: 'shop_product' },
    seedWhenEmpty: true,
  },
];
