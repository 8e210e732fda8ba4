import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

// node docker/collect.ts <app> <out>: copies into <out> only what <app> needs at run time, from a workspace
// where `npm ci` and `npm run prisma:generate` have run: the app's sources, migrations and generated Prisma
// client, the sources of the workspace libraries it uses, and the npm packages its production dependencies
// reach (read from package-lock.json: `npm ci --omit=dev --workspace` still installs every workspace's
// dependencies, which would put the test kit's embedded PostgreSQL and the Prisma CLI in every image).
// Run by docker/Dockerfile's build stage; prints what it kept and its size.

interface LockEntry {
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const ROOT = join(import.meta.dirname, '..');
// What every image's jobs load besides the app itself: the migrate job (docker/entrypoint.ts) runs
// tools/dev/migrate-apps.ts, which imports these two.
const JOB_DEPENDENCIES = ['@shop/database', '@shop/sharding'];
// The Prisma CLI (51 MB with its config loader): @shop/database runs it for `prisma generate` and schema
// diffs, at build and development time only; the images apply migrations with @shop/database's own runner.
const BUILD_TIME_ONLY = new Set(['prisma']);
// Files no program reads at run time; source maps and type declarations are most of some packages.
const NOT_AT_RUN_TIME = /(\.map|\.d\.[mc]?ts|\.tsbuildinfo|\.md|\.markdown)$/i;
// Inside an npm package, also TypeScript sources (Node strips types only outside node_modules), test
// suites, examples, docs, and prebuilt binaries for other platforms than this build's.
const NOT_IN_PACKAGES =
  /\/(test|tests|__tests__|example|examples|benchmark|benchmarks|docs|\.github)$|\.[mc]?ts$/;
const PREBUILD = /\/prebuilds\/([^/]+)$/;
const THIS_PLATFORM = `${process.platform}-${process.arch}`;
// @prisma/client ships the query engines and compilers of every database (70 MB); the generated client
// (engineType "client") loads runtime/client and the PostgreSQL query compiler only.
const PRISMA_RUNTIME = 'node_modules/@prisma/client/runtime';
const PRISMA_RUNTIME_KEPT =
  /^(client\.m?js|index-browser\.m?js|query_compiler_bg\.postgresql\.(m?js|wasm-base64\.m?js))$/;

function fail(message: string): never {
  process.stderr.write(`[collect] ${message}\n`);
  process.exit(1);
}

const [appArgument, outArgument] = process.argv.slice(2);
if (appArgument === undefined || outArgument === undefined)
  fail('usage: node docker/collect.ts <app> <out directory>');
const app: string = appArgument;
const out: string = outArgument;
const appDir = `apps/${app}`;
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const packages = lock.packages;
if (packages[appDir] === undefined) {
  const apps = Object.keys(packages).filter(
    (path) => path.startsWith('apps/') && !path.includes('/node_modules/'),
  );
  fail(`${appDir} is not a workspace in package-lock.json; choose one of ${apps.join(', ')}.`);
}

/** Where Node finds `name` required from the package at `from` (a lockfile path), as a lockfile path. */
function resolvePackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = posix.dirname(dir)) {
    const base = dir === '.' ? '' : `${dir}/`;
    const candidate = `${base}node_modules/${name}`;
    if (packages[candidate] !== undefined && existsSync(join(ROOT, candidate))) return candidate;
    if (dir === '.' || dir === '') return undefined;
  }
}

const kept = new Set<string>();
const workspaces = new Set<string>();
const links = new Map<string, string>();

function visit(path: string): void {
  if (kept.has(path)) return;
  kept.add(path);
  const entry = packages[path]!;
  if (!path.includes('node_modules/')) workspaces.add(path);
  const optionalPeers = entry.peerDependenciesMeta ?? {};
  // An optional peer is not followed: it is kept only when something else depends on it.
  const required = [
    ...Object.keys(entry.dependencies ?? {}),
    ...Object.keys(entry.peerDependencies ?? {}).filter((name) => optionalPeers[name]?.optional !== true),
  ].filter((name) => !BUILD_TIME_ONLY.has(name));
  for (const name of required) {
    follow(
      resolvePackage(path, name) ?? fail(`${path} needs ${name}, which is not installed: run npm ci first.`),
    );
  }
  // An optional dependency (a platform's prebuilt binary, say) is kept when npm installed it here.
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    const found = resolvePackage(path, name);
    if (found !== undefined) follow(found);
  }
}

function follow(path: string): void {
  const entry = packages[path]!;
  if (entry.link === true && entry.resolved !== undefined) {
    links.set(path, entry.resolved);
    visit(entry.resolved);
    return;
  }
  visit(path);
}

visit(appDir);
for (const name of JOB_DEPENDENCIES)
  follow(resolvePackage(appDir, name) ?? fail(`${name} is not installed.`));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

function copy(path: string, filter: (source: string) => boolean = () => true): void {
  const source = join(ROOT, path);
  if (!existsSync(source)) return;
  cpSync(source, join(out, path), {
    recursive: true,
    verbatimSymlinks: true,
    filter: (file) => !NOT_AT_RUN_TIME.test(file) && filter(file),
  });
}

function neededInPackage(file: string): boolean {
  if (NOT_IN_PACKAGES.test(file)) return false;
  const prebuild = PREBUILD.exec(file)?.[1];
  return prebuild === undefined || prebuild.startsWith(THIS_PLATFORM);
}

const isTest = (file: string): boolean => /\.test\.ts$/.test(file) || file.includes('/test/');
for (const path of [...kept].sort()) {
  if (workspaces.has(path)) {
    copy(`${path}/package.json`);
    copy(`${path}/src`, (file) => !isTest(file));
    continue;
  }
  // Nested node_modules are packages of their own: kept (or not) by their own lockfile entry.
  const nested = join(ROOT, path, 'node_modules');
  copy(path, (file) => file !== nested && !file.startsWith(`${nested}/`) && neededInPackage(file));
}
copy(`${appDir}/prisma`);
copy(`${appDir}/tools`, (file) => !isTest(file));
// The migrate job's tools/dev/services.ts reads every app's shop block (an app's startAfter must name
// another app): their package.json files, nothing else of theirs.
for (const entry of readdirSync(join(ROOT, 'apps'), { withFileTypes: true })) {
  if (entry.isDirectory()) copy(`apps/${entry.name}/package.json`);
}
copy('tools/dev/migrate-apps.ts');
copy('tools/dev/services.ts');
copy('docker/entrypoint.ts');
copy('docker/healthcheck.ts');
for (const [link, target] of links) {
  mkdirSync(dirname(join(out, link)), { recursive: true });
  symlinkSync(relative(dirname(join(out, link)), join(out, target)), join(out, link));
}
if (existsSync(join(out, PRISMA_RUNTIME))) {
  for (const file of readdirSync(join(out, PRISMA_RUNTIME))) {
    if (!PRISMA_RUNTIME_KEPT.test(file)) rmSync(join(out, PRISMA_RUNTIME, file), { recursive: true });
  }
}
writeFileSync(
  join(out, 'package.json'),
  `${JSON.stringify({ name: `shop-${app}-image`, private: true, type: 'module' }, null, 2)}\n`,
);

const npmPackages = [...kept].filter((path) => !workspaces.has(path)).length;
process.stderr.write(
  `[collect] ${app}: ${workspaces.size} workspace(s) (${[...workspaces].sort().join(', ')}) and ${npmPackages} npm package(s) into ${out}\n`,
);
