import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateApiTypes } from './api-types-lib.ts';

// npm run api:types -w @shop/web [-- --check]: regenerates src/api/schema.d.ts from a running gateway's
// merged OpenAPI document (GATEWAY_URL, default http://127.0.0.1:8080: `npm start` runs one). --check
// writes nothing and exits 1 when the checked-in file differs.

const SCHEMA_FILE = join(import.meta.dirname, '..', 'src', 'api', 'schema.d.ts');
// eslint-disable-next-line no-restricted-properties -- a developer's script, not a service
const gateway = process.env['GATEWAY_URL'] ?? 'http://127.0.0.1:8080';
const check = process.argv.includes('--check');

process.stderr.write(`[api-types] reading ${gateway}/docs/json ...\n`);
const generated = await generateApiTypes(gateway).catch((error: unknown) => {
  process.stderr.write(
    `[api-types] ${error instanceof Error ? error.message : String(error)}\n` +
      'Start the shop (npm start) or set GATEWAY_URL to a running gateway, then run this again.\n',
  );
  process.exit(1);
});
if (check) {
  const current = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
  if (current !== generated) {
    process.stderr.write(
      `[api-types] ${SCHEMA_FILE} is out of date with the gateway's API; run npm run api:types -w @shop/web.\n`,
    );
    process.exit(1);
  }
  process.stderr.write('[api-types] up to date\n');
} else {
  await writeFile(SCHEMA_FILE, generated);
  process.stderr.write(`[api-types] wrote ${SCHEMA_FILE}\n`);
}
