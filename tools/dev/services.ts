import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

// What `npm start` needs to know of a service lives beside it, in the `shop` block of
// apps/<name>/package.json, so adding a service to the workspace adds it to `npm start`.
const ShopBlock = Type.Object(
  {
    // Its default port, the same in development, compose and Kubernetes.
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    // The variable holding its database URL, and the database it gets on the embedded server.
    database: Type.Optional(
      Type.Object(
        {
          variable: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }),
          name: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
        },
        { additionalProperties: false },
      ),
    ),
    // A service whose data is split over logical shards (one schema each) on several servers, placed by
    // the shard map of @shop/sharding; `npm run db:migrate` migrates every shard where the map puts it.
    sharded: Type.Optional(
      Type.Object(
        {
          // The variable listing the servers: name=postgres://...,name=postgres://...
          servers: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }),
          // The variable holding the URL of the directory database (the shard map).
          directory: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }),
          // Logical shards, fixed per deployment (changing it is a re-shard).
          count: Type.Integer({ minimum: 1, maximum: 256 }),
          // Shard n lives in schema <schemaPrefix><n, two digits>.
          schemaPrefix: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
          // The variable with version 1's placement (a:0-7,b:8-15) for an empty directory; default:
          // contiguous ranges over the servers in the order listed.
          initialAssignment: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' })),
        },
        { additionalProperties: false },
      ),
    ),
    // Extra environment for the embedded start.
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    // Seeds its database with demo data when it is empty.
    seedWhenEmpty: Type.Optional(Type.Boolean()),
    // Services that must be ready before this one starts.
    startAfter: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

/** A service `npm start` runs: an app of the workspace with a `shop` block in its package.json. */
export type DevService = Static<typeof ShopBlock> & { name: string };

/**
 * Finds the services under `<root>/apps` (each directory whose package.json has a `shop` block) and returns
 * them in start order: after the services each names in `startAfter`, otherwise by name. Throws naming the
 * file to fix when a block is malformed, two services claim one port, or `startAfter` names no service.
 */
export async function discoverServices(root: string): Promise<DevService[]> {
  const appsDir = join(root, 'apps');
  const entries = await readdir(appsDir, { withFileTypes: true }).catch(() => []);
  const services: DevService[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const manifestPath = join(appsDir, entry.name, 'package.json');
    const manifest = await readFile(manifestPath, 'utf8').then(
      (text) => JSON.parse(text) as { shop?: unknown },
      () => undefined,
    );
    if (manifest?.shop === undefined) continue;
    if (!Value.Check(ShopBlock, manifest.shop)) {
      const problems = [...Value.Errors(ShopBlock, manifest.shop)].map(
        (e) => `${e.instancePath || '(shop)'} ${e.message}`,
      );
      throw new Error(
        `${manifestPath}: the "shop" block is invalid: ${problems.join('; ')}. Fix it and start again.`,
      );
    }
    services.push({ name: entry.name, ...manifest.shop });
  }
  checkPorts(services);
  return inStartOrder(services);
}

function checkPorts(services: readonly DevService[]): void {
  const byPort = new Map<number, string>();
  for (const service of services) {
    const other = byPort.get(service.port);
    if (other !== undefined) {
      throw new Error(
        `apps/${other} and apps/${service.name} both use port ${service.port}; give one of them another "shop.port".`,
      );
    }
    byPort.set(service.port, service.name);
  }
}

function inStartOrder(services: readonly DevService[]): DevService[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const ordered: DevService[] = [];
  const visiting = new Set<string>();
  const visit = (service: DevService): void => {
    if (ordered.includes(service)) return;
    if (visiting.has(service.name)) {
      throw new Error(`apps/${service.name}: "shop.startAfter" forms a cycle; remove one of its entries.`);
    }
    visiting.add(service.name);
    for (const name of service.startAfter ?? []) {
      const dependency = byName.get(name);
      if (dependency === undefined) {
        throw new Error(
          `apps/${service.name}: "shop.startAfter" names ${name}, which is no service (${[...byName.keys()].join(', ')}).`,
        );
      }
      visit(dependency);
    }
    visiting.delete(service.name);
    ordered.push(service);
  };
  services.forEach(visit);
  return ordered;
}
