import { startTelemetry } from '@shop/platform/telemetry';

// Telemetry starts before the service's modules load so their libraries get instrumented.
const telemetry = await startTelemetry({ serviceName: 'payment-sandbox' });
const { runService, runSettingsFrom } = await import('@shop/platform');
const { loadPaymentSandboxConfig } = await import('./config.ts');
const { createPaymentSandboxService } = await import('./app.ts');

const config = loadPaymentSandboxConfig();
const app = await createPaymentSandboxService(config);
await runService(app, { ...runSettingsFrom(config), afterClose: () => telemetry.shutdown() });
