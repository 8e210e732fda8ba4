import type { LockedRefreshFamily, RefreshTokenRepository } from '../domain/ports.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

interface FamilyRow {
  user_id: string;
  expires_at: Date;
  revoked_at: Date | null;
}

function lockedFamily(
  tx: Prisma.TransactionClient,
  familyId: string,
  family: FamilyRow,
  token: { id: string; usedAt: Date | null; expiresAt: Date },
): LockedRefreshFamily {
  return {
    userId: family.user_id,
    expiresAt: family.expires_at,
    revokedAt: family.revoked_at,
    token: { usedAt: token.usedAt, expiresAt: token.expiresAt },
    async rotate(next, now) {
      await tx.refreshToken.update({ where: { id: token.id }, data: { usedAt: now } });
      await tx.refreshToken.create({ data: { ...next, familyId, userId: family.user_id } });
    },
    async revoke(now) {
      await tx.refreshTokenFamily.update({ where: { id: familyId }, data: { revokedAt: now } });
      await tx.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: now } });
    },
  };
}

export function createRefreshTokenRepository(prisma: PrismaClient): RefreshTokenRepository {
  return {
    async startFamily(family, token) {
      await prisma.refreshTokenFamily.create({
        data: { ...family, tokens: { create: { ...token, userId: family.userId } } },
      });
    },

    async withFamilyOf(tokenHash, work) {
      return prisma.$transaction(async (tx) => {
        const presented = await tx.refreshToken.findUnique({
          where: { tokenHash },
          select: { familyId: true },
        });
        if (!presented) return null;
        // The lock serialises every rotation, reuse detection and logout of one family; what was read
        // before it may be stale, so the token is read again under it.
        const [family] = await tx.$queryRaw<FamilyRow[]>`
          SELECT user_id, expires_at, revoked_at FROM refresh_token_families
          WHERE id = ${presented.familyId}::uuid FOR UPDATE`;
        const token = await tx.refreshToken.findUnique({
          where: { tokenHash },
          select: { id: true, usedAt: true, expiresAt: true },
        });
        if (!family || !token) return null;
        return work(lockedFamily(tx, presented.familyId, family, token));
      });
    },
  };
}
