import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { SERVICE_CALLS } from '@shop/contracts';
import { envOf, envValue, parseEnvFile } from './env-file.ts';

// The secrets compose.yaml reads from .env, generated: what `node tools/compose-secrets.ts` writes.

const ROOT = join(import.meta.dirname, '..', '..');

/** A random password of letters and digits only (it goes into postgres:// and redis:// URLs as it is). */
const password = () => randomBytes(24).toString('hex');

/** One private Ed25519 JWK with a kid, as auth's AUTH_SIGNING_KEYS holds them. */
function signingKeys(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return JSON.stringify([{ ...jwk, kid: `compose-${randomUUID()}` }]);
}

interface ClientSecret {
  SERVICE_CLIENT_SECRET: string;
  secretHash: string;
}

/** A client secret and its argon2id hash, from auth's own tool (`npm run auth:client-secret`). */
async function clientSecret(clientId: string): Promise<ClientSecret> {
  const child = spawn(process.execPath, [join(ROOT, 'apps', 'auth', 'src', 'client-secret.ts'), clientId], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    throw new Error(
      `apps/auth/src/client-secret.ts ${clientId} exited with ${code}: ${err.trim()}; run npm run auth:client-secret -- ${clientId} to see why.`,
    );
  }
  return JSON.parse(out) as ClientSecret;
}

/** Every variable of SERVICE_CALLS' clients: each one's secret, and auth's registry of their hashes. */
const CLIENT_VARIABLES = ['ORDER_CLIENT_SECRET', 'PAYMENT_CLIENT_SECRET', 'SHOP_SERVICE_CLIENTS'] as const;
const clientSecretVariable = (clientId: string) =>
  `${clientId.toUpperCase().replaceAll('-', '_')}_CLIENT_SECRET`;

const SIMPLE: Record<string, () => string> = {
  POSTGRES_PASSWORD: password,
  AUTH_DB_PASSWORD: password,
  PRODUCT_DB_PASSWORD: password,
  ORDER_DB_PASSWORD: password,
  PAYMENT_DB_PASSWORD: password,
  PAYMENT_SANDBOX_DB_PASSWORD: password,
  REDIS_PASSWORD: password,
  SHOP_ADMIN_PASSWORD: password,
  GRAFANA_ADMIN_PASSWORD: password,
  SHOP_AUTH_SIGNING_KEYS: signingKeys,
  SHOP_SANDBOX_API_KEY: () => `sk_test_${randomBytes(24).toString('base64url')}`,
  SHOP_SANDBOX_WEBHOOK_SECRET: () => `whsec_${randomBytes(24).toString('base64url')}`,
};

export interface SecretsResult {
  /** The .env text to write. */
  text: string;
  generated: string[];
  kept: string[];
}

/**
 * `.env` made from `.env.example`'s text: each variable keeps its value in `existing` (an earlier .env),
 * else its example value, else (empty in the example) a generated secret. The client secrets and
 * SERVICE_CLIENTS are made together, since auth holds the hashes of exactly those secrets.
 */
export async function composeSecrets(exampleText: string, existingText = ''): Promise<SecretsResult> {
  const example = parseEnvFile(exampleText, '.env.example');
  const existing = envOf(parseEnvFile(existingText, '.env'));
  const values = new Map<string, string>();
  const generated: string[] = [];
  const wanted = example.filter((line) => line.name !== undefined && line.value === '').map((l) => l.name!);
  const missing = wanted.filter((name) => !existing.get(name));

  const clientsMissing = CLIENT_VARIABLES.some((name) => missing.includes(name));
  if (clientsMissing) {
    const registry = [];
    for (const [clientId, scopes] of Object.entries(SERVICE_CALLS)) {
      const variable = clientSecretVariable(clientId);
      if (!wanted.includes(variable)) {
        throw new Error(
          `.env.example has no ${variable}, but SERVICE_CALLS names the client ${clientId}; add ${variable}= to it and to compose.yaml.`,
        );
      }
      const secret = await clientSecret(clientId);
      values.set(variable, secret.SERVICE_CLIENT_SECRET);
      registry.push({ id: clientId, secretHashes: [secret.secretHash], scopes });
    }
    values.set('SHOP_SERVICE_CLIENTS', JSON.stringify(registry));
    generated.push(...CLIENT_VARIABLES);
  }
  for (const name of missing) {
    if (values.has(name)) continue;
    const make = SIMPLE[name];
    if (!make) {
      throw new Error(
        `tools/compose-secrets.ts does not know how to make ${name}; set it in .env yourself (see its comment in .env.example).`,
      );
    }
    values.set(name, make());
    generated.push(name);
  }

  const written = new Set<string>();
  const lines = example.map((line) => {
    if (line.name === undefined) return line.text;
    written.add(line.name);
    const value = values.get(line.name) ?? (existing.get(line.name) || line.value || '');
    return value === line.value ? line.text : `${line.name}=${envValue(value)}`;
  });
  // Variables the user added to .env that the example does not name are kept, at the end.
  const extra = [...existing].filter(([name]) => !written.has(name));
  if (extra.length > 0) {
    lines.push('', '# ---- kept from the previous .env ----');
    for (const [name, value] of extra) lines.push(`${name}=${envValue(value)}`);
  }
  const kept = wanted.filter((name) => !generated.includes(name));
  return { text: `${lines.join('\n').trimEnd()}\n`, generated, kept };
}
