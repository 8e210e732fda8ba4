import { startTelemetry } from '@shop/platform/telemetry';

// Telemetry starts before the service's modules load so their libraries get instrumented.
const telemetry = await startTelemetry({ serviceName: 'product' });
const { runService, runSettingsFrom } = await import('@shop/platform');
const { loadProductConfig } = await import('./config.ts');
const { createProductService } = await import('./app.ts');

const config = loadProductConfig();
const app = await createProductService(config);
await runService(app, { ...runSettingsFrom(config), afterClose: () => telemetry.shutdown() });
