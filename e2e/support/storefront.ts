import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
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

/**
 * The storefront as production serves it: `vite build` into a directory of its own, then `vite preview`
 * (static files, the SPA fallback, and apps/web/vite.config.ts's proxy of /api to `gatewayUrl`).
 */
export async function startStorefront(gatewayUrl: string): Promise<Storefront> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'shop-web-'));
  const build = run(['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {});
  let buildLog = '';
  build.stdout!.on('data', (chunk: Buffer) => (buildLog += chunk.toString()));
  build.stderr!.on('data', (chunk: Buffer) => (buildLog += chunk.toString()));
  const [code] = (await once(build, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`vite build of apps/web exited with ${code}:\n${buildLog}`);

  const port = await findFreePort();
  const preview = run(['preview', '--outDir', outDir], { GATEWAY_URL: gatewayUrl, WEB_PORT: String(port) });
  let previewLog = '';
  preview.stdout!.on('data', (chunk: Buffer) => (previewLog += chunk.toString()));
  preview.stderr!.on('data', (chunk: Buffer) => (previewLog += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (preview.exitCode !== null)
      throw new Error(`vite preview exited with ${preview.exitCode}:\n${previewLog}`);
    const up = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline)
      throw new Error(`vite preview was not up on ${url} within 30 s:\n${previewLog}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    close: async () => {
      if (preview.exitCode === null) {
        const exited = once(preview, 'exit');
        preview.kill('SIGTERM');
        await exited;
      }
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
