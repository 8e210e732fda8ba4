import { routeFor } from './route-table.ts';

/** The parts of an OpenAPI 3.x document the aggregation reads and writes. */
export interface OpenApiDocument {
  openapi?: string;
  info?: Record<string, unknown>;
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; [other: string]: unknown };
  tags?: { name: string; [other: string]: unknown }[];
  [other: string]: unknown;
}

type Operation = {
  responses?: Record<string, unknown>;
  security?: unknown[];
  tags?: string[];
  [other: string]: unknown;
};

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'];
const SCHEMA_REF = '#/components/schemas/';
const PROBLEM = 'Problem';

const problemResponse = (status: number, why: string, problemRef: string) => ({
  description: `${why} (answered by the gateway; problem details, RFC 9457)`,
  content: { 'application/problem+json': { schema: { $ref: `${SCHEMA_REF}${problemRef}` } } },
  ...(status === 429 || status === 503
    ? {
        headers: {
          'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
        },
      }
    : {}),
});

// $refs of a service's document name its own components; renamed ones are rewritten everywhere in it.
function renameRefs(value: unknown, renamed: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => renameRefs(item, renamed));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => {
      if (key === '$ref' && typeof member === 'string' && member.startsWith(SCHEMA_REF)) {
        const name = member.slice(SCHEMA_REF.length);
        return [key, `${SCHEMA_REF}${renamed.get(name) ?? name}`];
      }
      return [key, renameRefs(member, renamed)];
    }),
  );
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * One OpenAPI document of every public route behind the gateway, from the services' own documents (by
 * service name): only the operations the gateway routes to that service (never `/internal/`), each with the
 * responses the gateway itself may give (401 where a token is needed, 429, 503, 504). Component schemas
 * keep their names unless two services mean different things by one name; the later one is then renamed
 * `<service>_<name>`.
 */
export function mergeOpenApi(
  documents: Readonly<Record<string, OpenApiDocument>>,
  options: { info: Record<string, unknown>; problemSchema: unknown },
): OpenApiDocument {
  const schemas: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Map<string, { name: string }>();

  for (const [service, document] of Object.entries(documents)) {
    const renamed = new Map<string, string>();
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      if (name in schemas && !sameJson(schemas[name], schema)) renamed.set(name, `${service}_${name}`);
    }
    const own = renameRefs(document, renamed) as OpenApiDocument;
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      schemas[renamed.get(name) ?? name] = renameRefs(schema, renamed);
    }
    for (const tag of own.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);

    for (const [published, item] of Object.entries(own.paths ?? {})) {
      if (published.startsWith('/internal/')) continue;
      const path = withoutTrailingSlash(published);
      for (const [method, operation] of Object.entries(item)) {
        if (!METHODS.includes(method)) continue;
        const route = routeFor(method, path);
        if (route?.upstream !== service) continue;
        paths[path] ??= {};
        paths[path][method] = withGatewayResponses(operation as Operation, route.access === 'token');
      }
    }
  }

  if (!(PROBLEM in schemas)) schemas[PROBLEM] = options.problemSchema;
  return {
    openapi: '3.1.0',
    info: options.info,
    tags: [...tags.values()],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

// A plugin prefix publishes its root as `/api/v1/products/`; clients call it, and Fastify answers it, without.
const withoutTrailingSlash = (path: string) =>
  path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;

function withGatewayResponses(operation: Operation, needsToken: boolean): Operation {
  const responses = { ...operation.responses };
  const add = (status: number, why: string) => {
    responses[String(status)] ??= problemResponse(status, why, PROBLEM);
  };
  if (needsToken) add(401, 'No valid access token');
  add(429, 'Rate limit exceeded');
  add(503, 'Service unavailable, its circuit open, or the gateway overloaded');
  add(504, 'The service did not answer in time');
  return {
    ...operation,
    responses,
    ...(needsToken && !operation.security ? { security: [{ bearerAuth: [] }] } : {}),
  };
}
