/** The slice of a pino logger the cache uses, so any pino (or Fastify) logger fits. */
export interface CacheLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export const silentLogger: CacheLogger = { info() {}, warn() {} };
