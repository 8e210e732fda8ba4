import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// npm run budget -w @shop/web (after npm run build -w @shop/web): the JavaScript the home page loads (the
// entry script and every module it preloads, as dist/index.html lists them), gzipped at level 9, must stay
// under BUDGET_BYTES. Prints each file and the total.

const BUDGET_BYTES = 200 * 1024;
const dist = join(import.meta.dirname, '..', 'dist');
const html = await readFile(join(dist, 'index.html'), 'utf8').catch(() => {
  process.stderr.write(
    '[budget] apps/web/dist/index.html is missing: run npm run build -w @shop/web first.\n',
  );
  process.exit(1);
});
const scripts = [
  ...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="([^"]+\.js)"/g),
].map((match) => match[1]!);
if (scripts.length === 0) {
  process.stderr.write('[budget] no script in dist/index.html: is it a Vite build?\n');
  process.exit(1);
}
let total = 0;
for (const script of scripts) {
  const bytes = gzipSync(await readFile(join(dist, script.replace(/^\//, ''))), { level: 9 }).length;
  total += bytes;
  process.stdout.write(`[budget] ${script}: ${(bytes / 1024).toFixed(1)} KiB gzipped\n`);
}
const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER';
process.stdout.write(
  `[budget] home page JavaScript: ${(total / 1024).toFixed(1)} KiB gzipped, ${verdict} the ${BUDGET_BYTES / 1024} KiB budget\n`,
);
if (total > BUDGET_BYTES) {
  process.stderr.write('[budget] split a route out (React.lazy) or drop a dependency, then build again.\n');
  process.exit(1);
}
