import { startTelemetry } from '@shop/platform/telemetry';

// Telemetry starts before the service's modules load so their libraries get instrumented.
const telemetry = await startTelemetry({ serviceName: 'order' });
const { runService, runSettingsFrom } = await import('@shop/platform');
const { loadOrderConfig } = await import('./config.ts');
const { createOrderService } = await import('./app.ts');

const config = loadOrderConfig();
const app = await createOrderService(config);
await runService(app, { ...runSettingsFrom(config), afterClose: () => telemetry.shutdown() });
