import { startTelemetry } from '@shop/platform/telemetry';

// Telemetry starts before the service's modules load so their libraries get instrumented.
const telemetry = await startTelemetry({ serviceName: 'auth' });
const { runService, runSettingsFrom } = await import('@shop/platform');
const { loadAuthConfig } = await import('./config.ts');
const { createAuthService } = await import('./app.ts');

const config = loadAuthConfig();
const app = await createAuthService(config);
await runService(app, { ...runSettingsFrom(config), afterClose: () => telemetry.shutdown() });
