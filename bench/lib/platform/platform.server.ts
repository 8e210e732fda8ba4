import { startTelemetry } from '@shop/platform/telemetry';

// Started like a service's main.ts: telemetry first (unless the breakdown turns it off), then the
// platform and the route, so that http and Fastify are instrumented exactly as in production.
const telemetry =
  process.env['BENCH_TELEMETRY'] === 'off'
    ? undefined
    : await startTelemetry({ serviceName: 'bench-platform' });
const { buildService, loadConfig, platformEnv, runService } = await import('@shop/platform');
const { Type } = await import('typebox');
const { announceListening } = await import('../serve-in-child.ts');
const { catalogItemRoutes } = await import('./catalog-item.ts');

const config = loadConfig(Type.Object({ ...platformEnv }));
const app = await buildService(
  {
    name: 'bench-platform',
    logLevel: config.LOG_LEVEL,
    prettyLogs: config.NODE_ENV === 'development',
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
  },
  catalogItemRoutes,
  {},
);
await runService(app, {
  host: '127.0.0.1',
  port: 0,
  drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  afterClose: () => telemetry?.shutdown() ?? Promise.resolve(),
});
announceListening(app.server);
