import type { RefreshOutcome, RefreshTokenRepository } from '../domain/ports.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export function createRefreshTokenRepository(prisma: PrismaClient): RefreshTokenRepository {
  return {
    async create(token) {
      await prisma.refreshToken.create({ data: token });
    },

    async consume(tokenHash, now): Promise<RefreshOutcome> {
      // The conditional update is the race guard: of two concurrent uses of one token, exactly one wins.
      const { count } = await prisma.refreshToken.updateMany({
        where: { tokenHash, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
      });
      const token = await prisma.refreshToken.findUnique({
        where: { tokenHash },
        select: { userId: true, familyId: true, usedAt: true, revokedAt: true },
      });
      if (!token) return { kind: 'invalid' };
      if (count === 1) return { kind: 'rotated', userId: token.userId, familyId: token.familyId };
      if (token.usedAt && !token.revokedAt) return { kind: 'reused', familyId: token.familyId };
      return { kind: 'invalid' };
    },

    async revokeFamily(familyId, now) {
      const { count } = await prisma.refreshToken.updateMany({
        where: { familyId, revokedAt: null },
        data: { revokedAt: now },
      });
      return count;
    },

    async findFamily(tokenHash) {
      const token = await prisma.refreshToken.findUnique({
        where: { tokenHash },
        select: { familyId: true },
      });
      return token?.familyId ?? null;
    },
  };
}
