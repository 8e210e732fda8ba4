import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { pino, type DestinationStream } from 'pino';
import { errorHandlerPlugin } from '../errors/error-handler.ts';
import { healthPlugin } from '../health/health.plugin.ts';
import { runWithRequestId } from '../http-client/request-context.ts';
import { loggerOptions } from '../logging/logger.ts';
import { RequestLogController } from '../logging/request-log.controller.ts';
import { metricsPlugin } from '../metrics/metrics.plugin.ts';
import { refuseLoneSurrogatesInJson } from './json-body-parser.ts';

/** The settings every service passes to the platform (from its validated config). */
export interface ServiceSettings {
  name: string;
  version?: string;
  description?: string;
  logLevel: string;
  prettyLogs: boolean;
  bodyLimitBytes: number;
  /** Where log lines go instead of stdout (tests capture them here); pretty printing is then off. */
  logDestination?: DestinationStream;
  /** A readiness check slower than this counts as down (default 2 s). */
  readinessCheckTimeoutMs?: number;
}

// An inbound id is echoed in headers and logs and forwarded upstream, so only a short, plain one is kept.
const INBOUND_REQUEST_ID = /^[\w.:=+/-]{1,128}$/;

function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && INBOUND_REQUEST_ID.test(sent) ? sent : randomUUID();
}

export type Service = FastifyInstance;

/**
 * Builds a Fastify instance with every platform default: logging with trace and request ids, problem+json
 * errors, health and readiness, Prometheus metrics, and the OpenAPI document at `/openapi.json` generated
 * from route schemas. The caller registers its own plugin and routes on the result.
 */
export async function buildService<Options extends Record<string, unknown>>(
  settings: ServiceSettings,
  plugin: FastifyPluginAsync<Options>,
  options: Options,
  fastifyOptions: Partial<FastifyServerOptions> = {},
): Promise<Service> {
  const pretty = settings.prettyLogs && !settings.logDestination;
  const logger = loggerOptions({ service: settings.name, level: settings.logLevel, pretty });
  // Synchronous stdout: a line still being written asynchronously at exit() is reordered or lost, and
  // the line explaining a crash is the one written just before exiting.
  const stream = settings.logDestination ?? (pretty ? undefined : pino.destination({ dest: 1, sync: true }));
  const app = Fastify({
    logger: stream ? { ...logger, stream } : logger,
    bodyLimit: settings.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: requestIdOf,
    logController: new RequestLogController({
      debug: pino.levels.values[settings.logLevel]! <= pino.levels.values['debug']!,
    }),
    // Only private-network hops count as proxies: with `true`, any client could name its own IP in
    // X-Forwarded-For and slip past per-IP limits (login throttling, rate limits).
    trustProxy: ['loopback', 'linklocal', 'uniquelocal'],
    ajv: {
      customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true },
    },
    ...fastifyOptions,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Callback-style hooks: on the hottest path an async hook costs a promise and a microtask per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  // Not earlier: a request body is read in callbacks that would not carry this context to the handler.
  app.addHook('preHandler', (request, _reply, done) => runWithRequestId(request.id, done));

  await app.register(errorHandlerPlugin);
  refuseLoneSurrogatesInJson(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `${settings.name} service`,
        version: settings.version ?? '1.0.0',
        description: settings.description,
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  await app.register(healthPlugin, { checkTimeoutMs: settings.readinessCheckTimeoutMs });
  await app.register(metricsPlugin, { service: settings.name });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(plugin, options);
  return app;
}
