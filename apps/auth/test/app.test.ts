import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import argon2 from 'argon2';
import pg from 'pg';
import { getRedis, uniqueKeyPrefix } from '@shop/testing';
import { DEV_ADMIN } from '../src/config.ts';
import { startAuth, type AuthTestContext } from './helper.ts';

describe('starting auth in production', () => {
  let development: AuthTestContext;
  let production: Record<string, string>;
  let freshProduction: Record<string, string>;
  before(async () => {
    // A development start seeds the published admin, as a database copied into production might hold.
    development = await startAuth({ NODE_ENV: 'development' });
    const productionSettings = {
      NODE_ENV: 'production',
      REDIS_URL: (await getRedis()).url,
      REDIS_KEY_PREFIX: uniqueKeyPrefix('auth'),
      SERVICE_CLIENTS: JSON.stringify([
        {
          id: 'order',
          secretHashes: [await argon2.hash('a-secret-of-the-order-service-0123456789')],
          scopes: { product: ['products:lookup'] },
        },
      ]),
    };
    production = { ...productionSettings, AUTH_DATABASE_URL: development.databaseUrl };
    freshProduction = productionSettings;
  });
  after(() => development.close());

  const setAdminPassword = async (password: string) => {
    const db = new pg.Client({ connectionString: development.databaseUrl });
    await db.connect();
    try {
      await db.query('UPDATE users SET password_hash = $2 WHERE email = $1', [
        DEV_ADMIN.email,
        await argon2.hash(password),
      ]);
    } finally {
      await db.end();
    }
  };

  test('when the development admin still has its published password, then production refuses to start and says what to do', async () => {
    await assert.rejects(startAuth(production), {
      message: new RegExp(`${DEV_ADMIN.email} still has the published development password.*Delete it`),
    });
  });

  test('when the development admin has another password, then production starts and seeds no admin', async () => {
    await setAdminPassword('a password nobody published');
    const ctx = await startAuth(production);
    try {
      await ctx.http.post('/api/v1/auth/login').send(DEV_ADMIN).expect(401);
    } finally {
      await ctx.app.close();
    }
  });

  test('when the database has no development admin, then production does not create one', async () => {
    const ctx = await startAuth(freshProduction);
    try {
      await ctx.http.post('/api/v1/auth/login').send(DEV_ADMIN).expect(401);
      const db = new pg.Client({ connectionString: ctx.databaseUrl });
      await db.connect();
      const { rowCount } = await db.query('SELECT 1 FROM users');
      await db.end();
      assert.equal(rowCount, 0);
    } finally {
      await ctx.close();
    }
  });
});
