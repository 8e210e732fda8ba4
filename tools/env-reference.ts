import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { discoverServices } from './dev/services.ts';

// npm run docs:env [-- --check]: the README's table of every environment variable of every service, made
// from each service's config schema (`<Name>EnvSchema` in apps/<app>/src/config.ts): the variable, who
// reads it, its type and default from the schema, and what it means from the JSDoc comment on it (or the
// schema's description). --check exits 1 when the README's table is not the generated one.

const ROOT = join(import.meta.dirname, '..');
const README = join(ROOT, 'README.md');
const START = '<!-- env:start -->';
const END = '<!-- env:end -->';

interface JsonSchema {
  type?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  description?: string;
  secret?: boolean;
  anyOf?: JsonSchema[];
  const?: unknown;
}

export interface EnvVariable {
  name: string;
  services: string[];
  type: string;
  defaults: Map<string, string>;
  description: string;
}

const schemaExportOf = (app: string) =>
  `${app.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase())}EnvSchema`;

/** What the schema accepts, in a few words. */
function typeOf(schema: JsonSchema): string {
  if (schema.anyOf?.every((option) => option.const !== undefined)) {
    return `one of ${schema.anyOf.map((option) => String(option.const)).join(', ')}`;
  }
  const secret = schema.secret ? 'secret ' : '';
  if (schema.type === 'integer' || schema.type === 'number') {
    const range =
      schema.minimum !== undefined || schema.maximum !== undefined
        ? ` ${schema.minimum ?? ''}..${schema.maximum ?? ''}`
        : '';
    return `${schema.type}${range}`;
  }
  if (schema.type === 'boolean') return 'boolean';
  if (schema.pattern?.startsWith('^postgres')) return `${secret}PostgreSQL URL`;
  if (schema.pattern?.startsWith('^https?://') || schema.pattern?.startsWith('^http')) return `${secret}URL`;
  if (schema.format) return `${secret}${schema.format}`;
  return `${secret}string`;
}

/** The JSDoc comment on each property of `<Name>EnvSchema`'s object, as the type checker resolves it. */
function jsDocs(files: Map<string, string>): Map<string, Map<string, string>> {
  const program = ts.createProgram([...files.values()], {
    allowImportingTsExtensions: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const docs = new Map<string, Map<string, string>>();
  for (const [app, file] of files) {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    const symbol = module && checker.getExportsOfModule(module).find((s) => s.name === schemaExportOf(app));
    const declaration = symbol?.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) continue;
    if (!ts.isCallExpression(declaration.initializer)) continue;
    const argument = declaration.initializer.arguments[0];
    if (!argument) continue;
    const own = new Map<string, string>();
    for (const property of checker.getTypeAtLocation(argument).getProperties()) {
      const text = ts.displayPartsToString(property.getDocumentationComment(checker)).replace(/\s+/g, ' ');
      if (text.trim()) own.set(property.name, text.trim());
    }
    docs.set(app, own);
  }
  return docs;
}

/** Every variable of every service with a `shop` block, in the order of the services, then by name. */
export async function environmentVariables(): Promise<EnvVariable[]> {
  const services = await discoverServices(ROOT);
  const files = new Map(services.map((s) => [s.name, join(ROOT, 'apps', s.name, 'src', 'config.ts')]));
  const docs = jsDocs(files);
  const variables = new Map<string, EnvVariable>();
  for (const { name: app } of services) {
    const module = (await import(pathToFileURL(files.get(app)!).href)) as Record<string, unknown>;
    const schema = module[schemaExportOf(app)] as { properties?: Record<string, JsonSchema> } | undefined;
    if (!schema?.properties) {
      throw new Error(
        `apps/${app}/src/config.ts exports no ${schemaExportOf(app)}; export the service's env schema under that name.`,
      );
    }
    for (const [name, property] of Object.entries(schema.properties)) {
      const variable: EnvVariable = variables.get(name) ?? {
        name,
        services: [],
        type: typeOf(property),
        defaults: new Map(),
        description: '',
      };
      variable.services.push(app);
      if (property.default !== undefined) variable.defaults.set(app, String(property.default));
      variable.description ||= docs.get(app)?.get(name) ?? property.description ?? '';
      variables.set(name, variable);
    }
  }
  return [...variables.values()];
}

const cell = (text: string) => text.replaceAll('|', '\\|').replace(/\s+/g, ' ').trim();

function defaultsOf(variable: EnvVariable): string {
  const values = new Set(variable.defaults.values());
  if (values.size === 0) return '';
  if (values.size === 1 && variable.defaults.size === variable.services.length)
    return `\`${[...values][0]}\``;
  return [...variable.defaults].map(([app, value]) => `\`${value}\` (${app})`).join(', ');
}

/** The README's table of `variables`. */
export function tableOf(variables: readonly EnvVariable[]): string {
  const services = new Set(variables.flatMap((v) => v.services));
  const rows = variables.map((v) => {
    const who = v.services.length === services.size ? 'every service' : v.services.join(', ');
    return `| \`${v.name}\` | ${who} | ${cell(v.type)} | ${cell(defaultsOf(v))} | ${cell(v.description)} |`;
  });
  return [
    '| variable | read by | type | default | what it is |',
    '| -------- | ------- | ---- | ------- | ---------- |',
    ...rows,
  ].join('\n');
}

/** The README's table, from the services as they are. */
export async function environmentTable(): Promise<string> {
  return tableOf(await environmentVariables());
}

/** The README with its table between the markers replaced by `table`. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) {
    throw new Error(`README.md has no ${START} ... ${END} section; put the markers where the table goes.`);
  }
  return `${readme.slice(0, start + START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

async function main(): Promise<void> {
  const { format, resolveConfig } = await import('prettier');
  const readme = await readFile(README, 'utf8');
  const options = { ...(await resolveConfig(README)), filepath: README };
  const next = await format(withTable(readme, await environmentTable()), options);
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      process.stderr.write('README.md: the table of environment variables is stale; run npm run docs:env.\n');
      process.exit(1);
    }
    return;
  }
  await writeFile(README, next);
  process.stderr.write('README.md: the table of environment variables is written.\n');
}

if (import.meta.main) await main();
