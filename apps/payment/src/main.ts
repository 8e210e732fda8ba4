import { startTelemetry } from '@shop/platform/telemetry';

// Telemetry starts before the service's modules load so their libraries get instrumented.
const telemetry = await startTelemetry({ serviceName: 'payment' });
const { runService, runSettingsFrom } = await import('@shop/platform');
const { loadPaymentConfig } = await import('./config.ts');
const { createPaymentService } = await import('./app.ts');

const config = loadPaymentConfig();
const app = await createPaymentService(config);
await runService(app, { ...runSettingsFrom(config), afterClose: () => telemetry.shutdown() });
