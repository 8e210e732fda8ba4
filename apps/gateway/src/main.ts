import { startTelemetry } from '@shop/platform/telemetry';

// Telemetry starts before the service's modules load so their libraries get instrumented.
const telemetry = await startTelemetry({ serviceName: 'gateway' });
const { runService, runSettingsFrom } = await import('@shop/platform');
const { loadGatewayConfig } = await import('./config.ts');
const { createGatewayService } = await import('./app.ts');

const config = loadGatewayConfig();
const app = await createGatewayService(config);
await runService(app, { ...runSettingsFrom(config), afterClose: () => telemetry.shutdown() });
