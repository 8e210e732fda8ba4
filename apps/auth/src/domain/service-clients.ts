import { OAuthErrors } from './oauth.errors.ts';
import type { AuthDeps } from './ports.ts';

/** A service's OAuth client as the Auth DB holds it. */
export interface ServiceClient {
  id: string;
  /** argon2id hashes: one, or two during a rotation. */
  secretHashes: readonly string[];
  /** Granted scopes by audience. */
  scopes: Readonly<Record<string, readonly string[]>>;
  disabledAt: Date | null;
}

/** A client as the configuration names it. */
export interface ServiceClientSpec {
  id: string;
  scopes: Readonly<Record<string, readonly string[]>>;
  /** From SERVICE_CLIENTS: argon2id hashes, made with `npm run auth:client-secret`. */
  secretHashes?: readonly string[];
  /** Development clients only: the published secret, hashed here unless a stored hash already matches it. */
  secret?: string;
}

async function verifiesAny(deps: AuthDeps, hashes: readonly string[], secret: string): Promise<boolean> {
  for (const hash of hashes) if (await deps.passwords.verify(hash, secret)) return true;
  return false;
}

/**
 * Makes the stored clients what the configuration says: added, changed (a new secret is a rotation), or
 * disabled when no longer named. Running it again with the same configuration changes nothing, so every
 * replica may run it at start-up.
 */
export async function syncServiceClients(
  deps: AuthDeps,
  specs: readonly ServiceClientSpec[],
): Promise<{ changed: string[]; disabled: string[] }> {
  const desired = [];
  for (const spec of specs) {
    let secretHashes = spec.secretHashes ?? [];
    if (spec.secret !== undefined) {
      // A fresh hash would differ (a new salt) and look like a rotation on every start.
      const stored = await deps.serviceClients.findById(spec.id);
      let kept: string | undefined;
      for (const hash of stored?.secretHashes ?? []) {
        if (await deps.passwords.verify(hash, spec.secret)) kept ??= hash;
      }
      secretHashes = [kept ?? (await deps.passwords.hash(spec.secret))];
    }
    desired.push({ id: spec.id, scopes: spec.scopes, secretHashes });
  }
  return deps.serviceClients.replaceAll(desired, deps.now());
}

/**
 * Production refuses a configured client whose secret is the published development one: whoever read the
 * repository could otherwise call the services as it.
 */
export async function refusePublishedClientSecrets(
  deps: AuthDeps,
  specs: readonly ServiceClientSpec[],
  publishedSecretOf: (clientId: string) => string,
): Promise<void> {
  for (const spec of specs) {
    if (await verifiesAny(deps, spec.secretHashes ?? [], publishedSecretOf(spec.id))) {
      throw new Error(
        `SERVICE_CLIENTS: the client ${spec.id} has the published development secret, which production ` +
          'refuses; make a secret of its own with npm run auth:client-secret and put its hash here.',
      );
    }
  }
}

export interface ServiceTokenRequest {
  grantType: string;
  /** The credentials the client authenticated with; null when it sent none that could be read. */
  client: { id: string; secret: string } | null;
  audience?: string;
  /** Space-separated; unset: every scope the client is granted for the audience (RFC 6749 §3.3). */
  scope?: string;
  ip: string;
}

export interface IssuedServiceToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
}

/**
 * The client-credentials grant (RFC 6749 §4.4): the client's secret is checked like a password (counted
 * before it is checked, the same work for an unknown client), then a short-lived token is signed for one
 * audience with the requested scopes, each of which the client must be granted there.
 */
export async function issueServiceToken(
  deps: AuthDeps,
  request: ServiceTokenRequest,
): Promise<IssuedServiceToken> {
  if (request.grantType !== 'client_credentials') {
    throw OAuthErrors.unsupportedGrantType(
      `grant_type ${JSON.stringify(request.grantType)} is not supported here; send grant_type=client_credentials.`,
    );
  }
  const { audience } = request;
  if (!audience) {
    throw OAuthErrors.invalidRequest(
      'Name the service the token is for in the audience parameter, e.g. audience=product.',
    );
  }
  const credentials = request.client;
  if (!credentials) {
    throw OAuthErrors.invalidClient(
      'Authenticate the client: HTTP Basic (client_secret_basic), or client_id and client_secret in the body.',
    );
  }
  await deps.clientThrottle.consumeAttempt(credentials.id, request.ip);
  const client = await deps.serviceClients.findById(credentials.id);
  const valid =
    client && client.disabledAt === null
      ? await verifiesAny(deps, client.secretHashes, credentials.secret)
      : await deps.passwords.verifyDummy(credentials.secret).then(() => false);
  if (!client || !valid) throw OAuthErrors.invalidClient();
  await deps.clientThrottle.recordSuccess(credentials.id, request.ip);

  const granted = Object.hasOwn(client.scopes, audience) ? (client.scopes[audience] ?? []) : [];
  if (granted.length === 0) {
    throw OAuthErrors.invalidTarget(
      `The client ${client.id} may not call ${audience}; grant it scopes there in the auth service's SERVICE_CLIENTS.`,
    );
  }
  const requested = request.scope === undefined ? [...granted] : request.scope.split(' ').filter(Boolean);
  const refused = requested.filter((scope) => !granted.includes(scope));
  if (requested.length === 0 || refused.length > 0) {
    throw OAuthErrors.invalidScope(
      `The client ${client.id} is granted ${granted.join(' ')} for ${audience}` +
        (refused.length > 0 ? `, not ${refused.join(' ')}.` : '; ask for at least one of them.'),
    );
  }
  const scopes = [...new Set(requested)];
  const { token, expiresIn } = await deps.serviceTokens.issueServiceToken(
    { clientId: client.id, audience, scopes },
    deps.serviceTokenTtlSeconds,
  );
  return { accessToken: token, expiresIn, scope: scopes.join(' ') };
}
