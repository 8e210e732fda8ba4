import { startTelemetry } from '@shop/platform/telemetry';

// The gateway started like its main.ts (telemetry first), on a free port, for gateway.bench.ts.
const telemetry = await startTelemetry({ serviceName: 'bench-gateway' });
const { runService } = await import('@shop/platform');
const { loadGatewayConfig } = await import('../../../apps/gateway/src/config.ts');
const { createGatewayService } = await import('../../../apps/gateway/src/app.ts');
const { announceListening } = await import('../serve-in-child.ts');

const config = loadGatewayConfig();
const app = await createGatewayService(config);
await runService(app, {
  host: '127.0.0.1',
  port: 0,
  opsPort: 0,
  drainDelayMs: 0,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  afterClose: () => telemetry.shutdown(),
});
announceListening(app.server, app.opsServer);
