import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { formatFiles, generateFiles, names, type GeneratorCallback, type Tree } from '@nx/devkit';

export interface ServiceGeneratorOptions {
  name: string;
  port?: number;
  description?: string;
  skipInstall?: boolean;
}

// The ports the architecture gives each service (README, Ports); others get the next free one.
const RESERVED_PORTS: Record<string, number> = {
  web: 3000,
  auth: 3001,
  product: 3002,
  order: 3003,
  payment: 3004,
  provider: 3005,
  gateway: 8080,
};
const FIRST_FREE_PORT = 3006;
const PORT_DEFAULT = /PORT: Type\.Integer\(\{[^}]*default: (\d+)/;

function portsInUse(tree: Tree): Set<number> {
  const used = new Set<number>();
  for (const app of tree.children('apps')) {
    const config = `apps/${app}/src/config.ts`;
    const port = tree.exists(config) ? PORT_DEFAULT.exec(tree.read(config, 'utf8') ?? '')?.[1] : undefined;
    if (port !== undefined) used.add(Number(port));
  }
  return used;
}

function choosePort(tree: Tree, name: string): number {
  const used = portsInUse(tree);
  const reserved = RESERVED_PORTS[name];
  if (reserved !== undefined && !used.has(reserved)) return reserved;
  const taken = new Set([...used, ...Object.values(RESERVED_PORTS)]);
  let port = FIRST_FREE_PORT;
  while (taken.has(port)) port += 1;
  return port;
}

/** The names a template needs, from the service name (kebab case). */
export function templateNames(name: string) {
  const { className, propertyName, fileName, constantName } = names(name);
  return {
    name,
    words: name.replaceAll('-', ' '),
    className,
    propertyName,
    fileName,
    plural: `${fileName}s`,
    pluralProperty: `${propertyName}s`,
    tableName: `${constantName.toLowerCase()}s`,
    // The service's database on a shared server: shop_<name>, as auth's shop_auth.
    databaseName: `shop_${constantName.toLowerCase()}`,
    envPrefix: constantName,
    errorPrefix: constantName,
  };
}

/**
 * `nx g @shop/tools:service <name>`: a new Fastify service in the house shape (main, app, config, plugins,
 * routes, domain, data-access, Prisma schema, tests), with a first resource named after the service that a
 * customer can create and read back. Afterwards it installs the workspace, writes the first migration from
 * schema.prisma and generates the Prisma client, so the new service's tests pass at once.
 */
export default async function serviceGenerator(
  tree: Tree,
  options: ServiceGeneratorOptions,
): Promise<GeneratorCallback> {
  const values = templateNames(options.name);
  const root = `apps/${options.name}`;
  if (tree.exists(root)) {
    throw new Error(`${root} already exists; choose another name or delete it first.`);
  }
  generateFiles(tree, join(import.meta.dirname, 'files'), root, {
    ...values,
    port: options.port ?? choosePort(tree, options.name),
    description: (options.description ?? `The ${options.name} service`).replaceAll("'", "\\'"),
    tmpl: '',
  });
  await formatFiles(tree);

  return () => {
    if (options.skipInstall) return;
    const run = (command: string, args: string[]) =>
      execFileSync(command, args, { cwd: tree.root, stdio: 'inherit' });
    run('npm', ['install', '--no-audit', '--no-fund']);
    run('npm', ['run', 'db:migration', '--', options.name, 'init']);
    run('npm', ['run', 'prisma:generate', '--', options.name]);
    process.stderr.write(
      `\n${root} is ready: npm test -- ${root} runs its tests; npm start runs it with the others.\n`,
    );
  };
}
