import { startTelemetry } from '@shop/platform/telemetry';

// The product service started like its main.ts (telemetry first), plus one no-op route on the same
// instance, so a cached read can be compared with the cheapest request the same service can answer.
const telemetry = await startTelemetry({ serviceName: 'bench-product' });
const { runService } = await import('@shop/platform');
const { loadProductConfig } = await import('../../../apps/product/src/config.ts');
const { createProductService } = await import('../../../apps/product/src/app.ts');
const { announceListening } = await import('../serve-in-child.ts');

// product-cache.bench.ts requests this path.
const NOOP_PATH = '/bench/noop';

const config = loadProductConfig();
const app = await createProductService(config);
app.get(NOOP_PATH, { schema: { hide: true } }, async () => ({ ok: true }));
await runService(app, {
  host: '127.0.0.1',
  port: 0,
  opsPort: 0,
  drainDelayMs: 0,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  afterClose: () => telemetry.shutdown(),
});
announceListening(app.server, app.opsServer);
