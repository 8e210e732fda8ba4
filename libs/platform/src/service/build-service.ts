import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { pino, type DestinationStream } from 'pino';
import { errorHandlerPlugin, frameworkErrorResponse } from '../errors/error-handler.ts';
import { healthPlugin } from '../health/health.plugin.ts';
import { runWithRequestId } from '../http-client/request-context.ts';
import { trustedProxies } from '../http/trusted-proxies.ts';
import { loggerOptions } from '../logging/logger.ts';
import { RequestLogController } from '../logging/request-log.controller.ts';
import { lazyRequestLogger } from '../logging/request-logger.ts';
import { metricsPlugin } from '../metrics/metrics.plugin.ts';
import { refuseLoneSurrogatesInJson } from './json-body-parser.ts';
import { addOpsListener, servedPublicly } from './ops-listener.ts';
import { bodiesValidatedExactly } from './validators.ts';

/** The settings every service passes to the platform (from its validated config). */
export interface ServiceSettings {
  name: string;
  version?: string;
  description?: string;
  logLevel: string;
  prettyLogs: boolean;
  /** The service-wide body limit; a route that takes less sets Fastify's route option `bodyLimit`. */
  bodyLimitBytes: number;
  /** The `TRUST_PROXY` setting (see `platformEnv`): which hops may name the client; unset trusts none. */
  trustProxy?: string;
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

const INTERNAL_PREFIX = '/internal/';

// Service-to-service routes are not part of the public API: their document is on the operational listener.
function withoutInternalRoutes<D extends { paths?: Record<string, unknown> }>(document: D): D {
  const paths = Object.entries(document.paths ?? {}).filter(([path]) => !path.startsWith(INTERNAL_PREFIX));
  return { ...document, paths: Object.fromEntries(paths) };
}

/**
 * Builds a Fastify instance with every platform default: logging with trace and request ids, problem+json
 * errors, health and readiness, Prometheus metrics, and the OpenAPI document at `/openapi.json` generated
 * from route schemas. The caller registers its own plugin and routes on the result.
 *
 * Operational endpoints are answered only on `app.opsServer` (and by `inject`): `/metrics` and any route
 * flagged `config: { operational: true }`; there `/openapi.json` also describes the `/internal/` routes,
 * which the public document leaves out. `/health` and `/ready` answer on both listeners.
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
  const logController = new RequestLogController({
    debug: pino.levels.values[settings.logLevel]! <= pino.levels.values['debug']!,
  });
  const app = Fastify({
    logger: stream ? { ...logger, stream } : logger,
    bodyLimit: settings.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: requestIdOf,
    frameworkErrors: (error, request, reply) => frameworkErrorResponse(error, request, reply),
    // Each method's routing tree is compiled to code at ready: the same matches, found in a fraction of the
    // tree walk's time (find-my-way's compiler mode).
    routerOptions: { compile: true },
    logController,
    childLoggerFactory: lazyRequestLogger,
    // Off unless configured: behind an L4 load balancer even a private hop may be a client naming its
    // own IP in X-Forwarded-For to slip past per-IP limits (login throttling, rate limits).
    trustProxy: trustedProxies(settings.trustProxy),
    ajv: {
      // Every failing field is reported (clients fix a form in one go); the problem lists at most 10 of
      // them, and the work of finding them is bounded by the body limit (~45 ms for 740 KiB of bad keys).
      customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true },
    },
    schemaController: bodiesValidatedExactly,
    ...fastifyOptions,
  }).withTypeProvider<TypeBoxTypeProvider>();
  addOpsListener(app);

  // Callback-style hooks: on the hottest path an async hook costs a promise and a microtask per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
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
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          // OAuth clients authenticating at a token endpoint (client_secret_basic, RFC 6749 §2.3.1).
          clientBasic: { type: 'http', scheme: 'basic' },
        },
      },
    },
  });
  await app.register(healthPlugin, { checkTimeoutMs: settings.readinessCheckTimeoutMs });
  await app.register(metricsPlugin, { service: settings.name, responses: logController });
  let publicDocument: ReturnType<typeof app.swagger> | undefined;
  app.get('/openapi.json', { schema: { hide: true } }, async (request) => {
    if (!servedPublicly(request)) return app.swagger();
    publicDocument ??= withoutInternalRoutes(app.swagger());
    return publicDocument;
  });

  await app.register(plugin, options);
  return app;
}
