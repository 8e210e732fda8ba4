import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The image's HEALTHCHECK (the runtime base has no shell or curl): exits 0 when the service's GET /health
// answers 200 on its port (PORT, else the shop.port of its package.json), 1 otherwise.

const app = process.env['SHOP_APP'] ?? '';
const manifest = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'apps', app, 'package.json'), 'utf8'),
) as {
  shop?: { port?: number };
};
const port = process.env['PORT'] ?? String(manifest.shop?.port ?? '');
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok)
    process.stderr.write(`[healthcheck] GET /health on port ${port} answered ${response.status}\n`);
  process.exitCode = response.ok ? 0 : 1;
} catch (error) {
  process.stderr.write(
    `[healthcheck] GET /health on port ${port} failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
