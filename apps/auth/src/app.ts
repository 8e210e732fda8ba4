import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { redisConnectionFrom } from '@shop/cache';
import { redisPlugin } from '@shop/cache/fastify';
import { databaseSettingsFrom } from '@shop/database';
import { buildService, devServiceClientSecret, jwtAuthPlugin, type Service } from '@shop/platform';
import { DEV_ADMIN, type AuthConfig } from './config.ts';
import { createRefreshTokenRepository } from './data-access/refresh-token.repository.ts';
import { createServiceClientRepository } from './data-access/service-client.repository.ts';
import { createUserRepository } from './data-access/user.repository.ts';
import { ensureAdmin, refusePublishedCredentials } from './domain/ensure-admin.ts';
import type { AuthDeps } from './domain/ports.ts';
import { refusePublishedClientSecrets, syncServiceClients } from './domain/service-clients.ts';
import { prismaPlugin } from './plugins/prisma.plugin.ts';
import { authRoutes } from './routes/auth/index.ts';
import { jwksRoutes } from './routes/jwks/index.ts';
import { oauthRoutes } from './routes/oauth/index.ts';
import { createArgon2PasswordHasher } from './security/argon2-password-hasher.ts';
import { loadBreachedPasswords } from './security/breached-passwords.ts';
import { createLoginThrottle } from './security/login-throttle.ts';
import { opaqueTokens } from './security/opaque-tokens.ts';
import { createRegistrationThrottle } from './security/registration-throttle.ts';
import { SigningKeyRing } from './security/signing-key-ring.ts';

declare module 'fastify' {
  interface FastifyInstance {
    keyRing: SigningKeyRing;
  }
}

export interface AuthAppOptions extends Record<string, unknown> {
  config: AuthConfig;
}

/** The auth service as one plugin: users, sessions, token signing and the JWKS. */
export const authApp = fp(
  async function authApp(app: FastifyInstance, { config }: AuthAppOptions): Promise<void> {
    await app.register(prismaPlugin, databaseSettingsFrom('AUTH', config));
    await app.register(redisPlugin, { connection: redisConnectionFrom(config) });

    const keyRing = await SigningKeyRing.create({
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      privateJwks: config.AUTH_SIGNING_KEYS,
    });
    if (!config.AUTH_SIGNING_KEYS) {
      app.log.warn(
        'AUTH_SIGNING_KEYS is not set: generated a signing key; fine for one replica, set it for several',
      );
    }
    app.decorate('keyRing', keyRing);
    const limitStore = { redis: app.redis, keyPrefix: config.REDIS_KEY_PREFIX };
    const throttleLimits = {
      maxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
      lockoutSeconds: config.LOGIN_LOCKOUT_SECONDS,
      maxLockoutSeconds: config.LOGIN_LOCKOUT_MAX_SECONDS,
    };

    const deps: AuthDeps = {
      users: createUserRepository(app.prisma),
      refreshTokens: createRefreshTokenRepository(app.prisma),
      passwords: await createArgon2PasswordHasher({
        memoryCostKiB: config.ARGON2_MEMORY_KIB,
        maxConcurrency: config.ARGON2_MAX_CONCURRENCY,
        maxQueue: config.ARGON2_MAX_QUEUE,
      }),
      breachedPasswords: await loadBreachedPasswords(config.BREACHED_PASSWORDS_FILE),
      accessTokens: keyRing,
      throttle: createLoginThrottle(throttleLimits, limitStore),
      registrationThrottle: createRegistrationThrottle(
        {
          maxPerIp: config.REGISTRATION_MAX_PER_IP,
          ipWindowSeconds: config.REGISTRATION_IP_WINDOW_SECONDS,
          maxPerMinute: config.REGISTRATION_MAX_PER_MINUTE,
        },
        limitStore,
      ),
      opaqueTokens,
      serviceClients: createServiceClientRepository(app.prisma),
      serviceTokens: keyRing,
      clientThrottle: createLoginThrottle(throttleLimits, limitStore, {
        name: 'client-auth',
        what: 'failed client authentications',
      }),
      serviceTokenTtlSeconds: config.SERVICE_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      refreshFamilyMaxAgeSeconds: config.REFRESH_FAMILY_MAX_AGE_SECONDS,
      newId: randomUUID,
      now: () => new Date(),
    };

    await app.register(jwtAuthPlugin, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      keys: keyRing.verificationKeys,
    });
    await app.register(authRoutes, { prefix: '/api/v1/auth', deps });
    await app.register(oauthRoutes, { prefix: '/api/v1/auth/oauth', deps });
    await app.register(jwksRoutes, { keyRing });

    if (config.NODE_ENV === 'production') {
      await refusePublishedClientSecrets(deps, config.serviceClients, devServiceClientSecret);
    }
    const synced = await syncServiceClients(deps, config.serviceClients);
    app.log.info(
      { clients: config.serviceClients.map((client) => client.id), ...synced },
      'service clients ready',
    );

    if (config.NODE_ENV === 'production') await refusePublishedCredentials(deps, DEV_ADMIN);
    if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
      const outcome = await ensureAdmin(deps, { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD });
      // Only the well-known development default is ever printed; a configured password never is.
      const shown =
        config.ADMIN_PASSWORD === DEV_ADMIN.password ? ` / ${DEV_ADMIN.password} (development default)` : '';
      app.log.info({ outcome }, `admin account ready: ${config.ADMIN_EMAIL}${shown}`);
    }
  },
  { name: 'auth-app' },
);

/** The auth service with every platform default, ready to listen or to be tested with inject(). */
export function createAuthService(config: AuthConfig): Promise<Service> {
  return buildService(
    {
      name: 'auth',
      description:
        'Users, sessions and access tokens (EdDSA JWTs verified by every service through the JWKS)',
      logLevel: config.LOG_LEVEL,
      prettyLogs: config.NODE_ENV === 'development',
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      trustProxy: config.TRUST_PROXY,
    },
    authApp,
    { config },
  );
}
