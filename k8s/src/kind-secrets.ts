// `node k8s/src/kind-secrets.ts`: the Secrets the manifests reference, with fresh random values, as YAML on
// stdout for `kubectl apply -f -` (deploy/kind.sh pipes it, once: existing Secrets are kept). Nothing here is
// committed anywhere; on EKS the same Secrets come from AWS Secrets Manager (overlays/eks/external-secrets.yaml).
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { NAMESPACE } from './apps.ts';
import { K8S_ROOT } from './generate.ts';

/** What each calling service may ask auth for (libs/contracts SERVICE_CALLS, by audience). */
const CLIENTS: Record<string, Record<string, string[]>> = {
  order: { product: ['products:lookup', 'inventory:reserve', 'inventory:release'] },
  payment: { order: ['orders:read'] },
};

function clientSecret(id: string): { secret: string; hash: string } {
  // The auth service's own tool: a random secret and its argon2id hash, made by the hasher auth checks with.
  const result = spawnSync(
    process.execPath,
    [join(K8S_ROOT, '..', 'apps', 'auth', 'src', 'client-secret.ts'), id],
    {
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) {
    throw new Error(`apps/auth/src/client-secret.ts ${id} failed: ${result.stderr}. Run \`npm ci\` first.`);
  }
  const out = JSON.parse(result.stdout) as { SERVICE_CLIENT_SECRET: string; secretHash: string };
  return { secret: out.SERVICE_CLIENT_SECRET, hash: out.secretHash };
}

const secret = (name: string, data: Record<string, string>): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'shop' } },
  type: 'Opaque',
  stringData: data,
});

const { privateKey } = generateKeyPairSync('ed25519');
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `kind-${randomBytes(4).toString('hex')}` };
const clients = Object.keys(CLIENTS).map((id) => ({ id, ...clientSecret(id) }));
const providerKey = `sk_sandbox_${randomBytes(24).toString('base64url')}`;

const secrets = [
  secret('auth-signing-keys', { keys: JSON.stringify([jwk]) }),
  secret('auth-admin', { email: 'admin@shop.local', password: randomBytes(18).toString('base64url') }),
  secret('auth-service-clients', {
    'clients.json': JSON.stringify(
      clients.map((c) => ({ id: c.id, secretHashes: [c.hash], scopes: CLIENTS[c.id] })),
    ),
  }),
  ...clients.map((c) => secret(`${c.id}-service-client`, { secret: c.secret })),
  secret('payment-provider', {
    'api-key': providerKey,
    'webhook-secret': randomBytes(32).toString('base64url'),
  }),
];
process.stdout.write(secrets.map((s) => stringify(s)).join('---\n'));
