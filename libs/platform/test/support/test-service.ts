import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildService, type Service, type ServiceSettings } from '../../src/index.ts';
import { captureLogs, type CapturedLogs } from './log-capture.ts';

/** A service built with every platform default, its routes from `routes`, and its log lines captured. */
export async function buildTestService(
  routes: (app: FastifyInstance) => Promise<void> = async () => {},
  settings: Partial<ServiceSettings> = {},
  fastifyOptions: Partial<FastifyServerOptions> = {},
): Promise<{ app: Service; logs: CapturedLogs }> {
  const logs = captureLogs();
  const app = await buildService(
    {
      name: 'test',
      logLevel: 'info',
      prettyLogs: false,
      bodyLimitBytes: 4_096,
      logDestination: logs.destination,
      ...settings,
    },
    routes,
    {},
    fastifyOptions,
  );
  return { app, logs };
}
