import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ProblemSchema, registerPeriodicTask } from '@shop/platform';
import type { GatewayConfig, UpstreamName } from '../../config.ts';
import { mergeOpenApi, type OpenApiDocument } from '../../domain/merge-openapi.ts';
import type { Upstream } from '../../plugins/upstreams.plugin.ts';

const FETCH_TIMEOUT_MS = 3_000;

async function fetchDocument(upstream: Upstream): Promise<OpenApiDocument> {
  const { statusCode, body } = await upstream.pool.request({
    method: 'GET',
    path: '/openapi.json',
    headers: { accept: 'application/json' },
    headersTimeout: FETCH_TIMEOUT_MS,
    bodyTimeout: FETCH_TIMEOUT_MS,
  });
  if (statusCode !== 200) {
    await body.dump();
    throw new Error(`${upstream.name} answered ${statusCode} for /openapi.json`);
  }
  return (await body.json()) as OpenApiDocument;
}

/**
 * `/docs`: Swagger UI over one document of every public route (`/docs/json`), merged from the services' own
 * `/openapi.json`, fetched at start and again every OPENAPI_REFRESH_SECONDS. A service that cannot be
 * reached keeps the last document it gave (or is missing until it answers), and never delays the start.
 */
export async function docsRoutes(app: FastifyInstance, { config }: { config: GatewayConfig }): Promise<void> {
  const latest: Partial<Record<UpstreamName, OpenApiDocument>> = {};
  let merged: OpenApiDocument | undefined;
  const info = {
    title: 'Black Friday Shop API',
    version: '1.0.0',
    description:
      'Every public route of the shop, through the gateway. Routes marked with a lock need an access ' +
      'token in an `Authorization: Bearer` header: POST /api/v1/auth/login gives one.',
  };

  const refresh = async (): Promise<number> => {
    const upstreams = Object.values(app.upstreams);
    const results = await Promise.allSettled(upstreams.map((upstream) => fetchDocument(upstream)));
    results.forEach((result, index) => {
      const upstream = upstreams[index]!;
      if (result.status === 'fulfilled') latest[upstream.name] = result.value;
      else app.log.warn({ err: result.reason, upstream: upstream.name }, 'API document not refreshed');
    });
    merged = mergeOpenApi(latest, { info, problemSchema: ProblemSchema });
    return 0;
  };
  app.addHook('onReady', async () => {
    void refresh();
  });
  registerPeriodicTask(app, {
    name: 'refreshing the aggregated API document',
    intervalMs: config.OPENAPI_REFRESH_SECONDS * 1000,
    round: refresh,
  });

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformSpecificationClone: false,
    transformSpecification: () => merged ?? mergeOpenApi({}, { info, problemSchema: ProblemSchema }),
    uiConfig: { deepLinking: true, validatorUrl: null },
  });
}
