import { randomBytes } from 'node:crypto';
import { createArgon2PasswordHasher } from './security/argon2-password-hasher.ts';

// npm run auth:client-secret -- <client id>: a new random secret for a service's OAuth client and its
// argon2id hash (the hasher auth checks it with). The secret goes into that service's Secret
// (SERVICE_CLIENT_SECRET), the hash into auth's SERVICE_CLIENTS; see "Service identity" in the root README.

const clientId = process.argv[2];
if (!clientId || !/^[a-z][a-z0-9-]{0,62}$/.test(clientId)) {
  process.stderr.write('usage: npm run auth:client-secret -- <client id, e.g. order>\n');
  process.exit(2);
}
const hasher = await createArgon2PasswordHasher({ memoryCostKiB: 19_456, maxConcurrency: 1, maxQueue: 0 });
const secret = randomBytes(32).toString('base64url');
const secretHash = await hasher.hash(secret);
// The JSON alone on stdout, so a script can read it; what to do with it on stderr.
process.stdout.write(`${JSON.stringify({ clientId, SERVICE_CLIENT_SECRET: secret, secretHash }, null, 2)}\n`);
process.stderr.write(
  `Put SERVICE_CLIENT_SECRET in the ${clientId} service's Secret and add secretHash to the ${clientId} ` +
    "entry of auth's SERVICE_CLIENTS (first, keeping the old hash second until every replica uses the new secret).\n",
);
