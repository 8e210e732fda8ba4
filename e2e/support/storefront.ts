import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { access, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '@shop/testing';

const WEB = path.join(import.meta.dirname, '..', '..', 'apps', 'web');
const vite = path.join(
  path.dirname(createRequire(path.join(WEB, 'package.json')).resolve('vite/package.json')),
  'bin',
  'vite.js',
);

export interface Storefront {
  /** http://127.0.0.1:<port>: the built page, /api proxied to the gateway. */
  readonly url: string;
  close(): Promise<void>;
}

function run(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [vite, ...args], {
    cwd: WEB,
    // eslint-disable-next-line no-restricted-properties -- vite needs PATH, HOME and the like
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
}

/** `vite build` of apps/web into a directory of its own (deleted by the caller). */
async function buildStorefront(): Promise<string> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'shop-web-'));
  const build = run(['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {});
  const buildLog = collect(build);
  const [code] = (await once(build, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`vite build of apps/web exited with ${code}:\n${buildLog()}`);
  return outDir;
}

/** Waits until `url` answers, or throws with the server's log when it exits or 30 s pass. */
async function waitUntilUp(
  url: string,
  server: ChildProcess,
  name: string,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`${name} exited with ${server.exitCode}:\n${log()}`);
    const up = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${name} was not up on ${url} within 30 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function collect(child: ChildProcess): () => string {
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return () => output;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/**
 * The built page under `vite preview` (static files, the SPA fallback, and apps/web/vite.config.ts's proxy of
 * /api to `gatewayUrl`): what the browser tests drive.
 */
export async function startStorefront(gatewayUrl: string): Promise<Storefront> {
  const outDir = await buildStorefront();
  const port = await findFreePort();
  const preview = run(['preview', '--outDir', outDir], { GATEWAY_URL: gatewayUrl, WEB_PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(url, preview, 'vite preview', collect(preview));
  return {
    url,
    close: async () => {
      await stop(preview, 'SIGTERM');
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

// eslint-disable-next-line no-restricted-properties -- where the OS nginx is, for a machine that has it elsewhere
const NGINX_PATH = process.env['NGINX_PATH'] ?? '/usr/sbin/nginx';
const DOCKER_WEB = path.join(WEB, '..', '..', 'docker', 'web');

/**
 * The built page served exactly as the storefront's image serves it: the OS nginx with the image's own
 * configuration (docker/web/nginx.conf and apps/web/nginx.conf: gzip, immutable hashed assets, the CSP, /api
 * to the gateway), its paths moved into a scratch directory and its port a free one on 127.0.0.1.
 */
export async function startNginxStorefront(gatewayUrl: string): Promise<Storefront> {
  await access(NGINX_PATH, constants.X_OK).catch(() => {
    throw new Error(
      `no nginx at ${NGINX_PATH}: install it with \`apt-get install nginx\` or set NGINX_PATH.`,
    );
  });
  const outDir = await buildStorefront();
  const scratch = await mkdtemp(path.join(tmpdir(), 'shop-web-nginx-'));
  // nginx's workers run as nobody when the master is root: they must read the files.
  await chmod(outDir, 0o755);
  await chmod(scratch, 0o755);
  const port = await findFreePort();
  const gateway = new URL(gatewayUrl);
  const server = (await readFile(path.join(WEB, 'nginx.conf'), 'utf8'))
    .replace(/^(\s*)listen 3000;$/m, `$1listen 127.0.0.1:${port};`)
    .replace(/^(\s*)root \/usr\/share\/nginx\/html;$/m, `$1root ${outDir};`);
  const main = (await readFile(path.join(DOCKER_WEB, 'nginx.conf'), 'utf8'))
    .replaceAll('/tmp/', `${scratch}/`)
    .replaceAll('/etc/nginx/shop/', `${scratch}/`)
    // A child's stdout here is a socket, which nginx cannot open by path.
    .replace('access_log /dev/stdout;', `access_log ${scratch}/access.log;`);
  if (!server.includes(String(port)) || !server.includes(outDir) || !main.includes(`${scratch}/web.conf`))
    throw new Error(
      'apps/web/nginx.conf or docker/web/nginx.conf changed shape: update startNginxStorefront.',
    );
  await writeFile(path.join(scratch, 'web.conf'), server);
  await writeFile(path.join(scratch, 'upstream.conf'), `server ${gateway.host};\n`);
  await writeFile(path.join(scratch, 'nginx.conf'), main);
  const nginx = spawn(
    NGINX_PATH,
    ['-e', 'stderr', '-p', scratch, '-c', path.join(scratch, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: 'pipe',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${url}/healthz`, nginx, 'nginx', collect(nginx));
  return {
    url,
    close: async () => {
      await stop(nginx, 'SIGQUIT');
      await rm(outDir, { recursive: true, force: true });
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
