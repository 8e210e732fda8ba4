import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { composeSecrets } from './compose/secrets.ts';

// node tools/compose-secrets.ts [--out .env]: writes .env for docker compose from .env.example, with
// every secret the example leaves empty generated (database and Redis passwords, auth's signing key, the
// order and payment services' client secrets with auth's SERVICE_CLIENTS holding their argon2id hashes,
// the sandbox's API key and webhook secret, the admin's and Grafana's passwords). Run again, it keeps every
// value the file already has and fills only what is missing; delete a line to have it made anew.

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, '.env') } } });
const target = values.out;
const log = (message: string) => process.stderr.write(`[compose-secrets] ${message}\n`);

try {
  const example = await readFile(join(ROOT, '.env.example'), 'utf8');
  const existing = await readFile(target, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  log(existing ? `reading ${target}, keeping its values ...` : 'no .env yet ...');
  log('generating the missing secrets (argon2id hashes of the client secrets take a second or two) ...');
  const result = await composeSecrets(example, existing);
  await writeFile(target, result.text, { mode: 0o600 });
  log(`generated: ${result.generated.join(', ') || 'nothing (every secret was set)'}`);
  if (result.kept.length > 0) log(`kept: ${result.kept.join(', ')}`);
  log(`wrote ${target} (mode 600, not in git); next: docker compose up --build (see docs/COMPOSE.md)`);
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
