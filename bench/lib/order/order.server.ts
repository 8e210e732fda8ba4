import { startTelemetry } from '@shop/platform/telemetry';

// The order service started like its main.ts (telemetry first), on the shards and stub named in its env.
const telemetry = await startTelemetry({ serviceName: 'bench-order' });
const { runService } = await import('@shop/platform');
const { loadOrderConfig } = await import('../../../apps/order/src/config.ts');
const { createOrderService } = await import('../../../apps/order/src/app.ts');
const { announceListening } = await import('../serve-in-child.ts');

const config = loadOrderConfig();
const app = await createOrderService(config);
await runService(app, {
  host: '127.0.0.1',
  port: 0,
  opsPort: 0,
  drainDelayMs: 0,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  afterClose: () => telemetry.shutdown(),
});
announceListening(app.server, app.opsServer);
