import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { compareMigrationsWithSchema, migrate } from '@shop/database';
import { createTestDatabase, testMigrationsMatchSchema } from '@shop/testing';
import pg from 'pg';
import { appDir } from '../helper.ts';

const migrationsDir = path.join(appDir, 'prisma', 'migrations');

testMigrationsMatchSchema({ appDir, compare: compareMigrationsWithSchema, minimumObjects: 11 });

test('when refresh tokens from before families existed are migrated, then each family gets a row and a revoked one stays revoked', async () => {
  const db = await createTestDatabase('auth-family-backfill');
  const initOnly = await mkdtemp(path.join(tmpdir(), 'auth-migrations-'));
  const client = new pg.Client({ connectionString: db.url });
  try {
    await cp(path.join(migrationsDir, 'migration_lock.toml'), path.join(initOnly, 'migration_lock.toml'));
    await cp(path.join(migrationsDir, '20261126170000_init'), path.join(initOnly, '20261126170000_init'), {
      recursive: true,
    });
    await migrate({ databaseUrl: db.url, migrationsDir: initOnly });
    await client.connect();
    const [user, live, revoked] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await client.query(
      `INSERT INTO users (id, email, name, password_hash, updated_at) VALUES ($1, 'old@example.com', 'Old', 'x', now())`,
      [user],
    );
    const token = (family: string, createdAt: string, usedAt: string | null, revokedAt: string | null) =>
      client.query(
        `INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at, used_at, revoked_at, created_at)
         VALUES ($1, $2, $3, $4, now() + interval '1 day', $5, $6, $7)`,
        [crypto.randomUUID(), family, user, crypto.randomUUID(), usedAt, revokedAt, createdAt],
      );
    await token(live, '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', null);
    await token(live, '2026-01-02T00:00:00Z', null, null);
    await token(revoked, '2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z', '2026-01-05T00:00:00Z');
    // Issued by a rotation that raced the revocation: the family row must revoke it too.
    await token(revoked, '2026-01-04T00:00:00Z', null, null);

    await migrate({ databaseUrl: db.url, migrationsDir });

    const { rows } = await client.query(
      `SELECT id, user_id, created_at, expires_at, revoked_at FROM refresh_token_families ORDER BY created_at`,
    );
    assert.deepEqual(
      rows.map((r) => ({
        ...r,
        created_at: r.created_at.toISOString(),
        expires_at: r.expires_at.toISOString(),
      })),
      [
        {
          id: live,
          user_id: user,
          created_at: '2026-01-01T00:00:00.000Z',
          expires_at: '2026-04-01T00:00:00.000Z',
          revoked_at: null,
        },
        {
          id: revoked,
          user_id: user,
          created_at: '2026-01-03T00:00:00.000Z',
          expires_at: '2026-04-03T00:00:00.000Z',
          revoked_at: new Date('2026-01-05T00:00:00Z'),
        },
      ],
    );
  } finally {
    await client.end();
    await rm(initOnly, { recursive: true, force: true });
    await db.drop();
  }
});
