import { startTelemetry } from '@shop/platform/telemetry';

// Started like a service's main.ts: telemetry first (a no-op with OTEL_TRACES_EXPORTER=none), then the
// platform and the route, so that when tracing is on, http and Fastify are instrumented as in production.
const telemetry = await startTelemetry({ serviceName: 'bench-platform' });
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
  opsPort: 0,
  drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  afterClose: () => telemetry.shutdown(),
});
announceListening(app.server, app.opsServer);
