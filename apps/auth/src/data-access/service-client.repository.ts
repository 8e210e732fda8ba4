import { isDeepStrictEqual } from 'node:util';
import type { DesiredServiceClient, ServiceClientRepository } from '../domain/ports.ts';
import type { ServiceClient } from '../domain/service-clients.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

const columns = { id: true, secretHashes: true, scopes: true, disabledAt: true } as const;
// pg_advisory_xact_lock's key: replicas starting together sync one after another.
const SYNC_LOCK = 7_240_101;

const asClient = (row: {
  id: string;
  secretHashes: string[];
  scopes: unknown;
  disabledAt: Date | null;
}): ServiceClient => ({ ...row, scopes: row.scopes as ServiceClient['scopes'] });

// Key order in JSON does not make two grants different.
const sameScopes = (a: unknown, b: DesiredServiceClient['scopes']) =>
  isDeepStrictEqual(
    Object.fromEntries(Object.entries(a as object).sort(([x], [y]) => x.localeCompare(y))),
    Object.fromEntries(Object.entries(b).sort(([x], [y]) => x.localeCompare(y))),
  );

export function createServiceClientRepository(prisma: PrismaClient): ServiceClientRepository {
  return {
    async findById(id) {
      const row = await prisma.serviceClient.findUnique({ where: { id }, select: columns });
      return row ? asClient(row) : null;
    },

    async replaceAll(clients, now) {
      return prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SYNC_LOCK})`;
        const stored = new Map((await tx.serviceClient.findMany({ select: columns })).map((r) => [r.id, r]));
        const changed: string[] = [];
        for (const client of clients) {
          const row = stored.get(client.id);
          const secretHashes = [...client.secretHashes];
          const scopes = client.scopes as Record<string, string[]>;
          if (!row) {
            await tx.serviceClient.create({ data: { id: client.id, secretHashes, scopes } });
            changed.push(client.id);
            continue;
          }
          const rotated = !isDeepStrictEqual(row.secretHashes, secretHashes);
          if (!rotated && sameScopes(row.scopes, client.scopes) && row.disabledAt === null) continue;
          await tx.serviceClient.update({
            where: { id: client.id },
            data: { secretHashes, scopes, disabledAt: null, ...(rotated ? { rotatedAt: now } : {}) },
          });
          changed.push(client.id);
        }
        const named = new Set(clients.map((client) => client.id));
        const disabled = [...stored.values()]
          .filter((row) => !named.has(row.id) && row.disabledAt === null)
          .map((row) => row.id);
        if (disabled.length > 0) {
          await tx.serviceClient.updateMany({ where: { id: { in: disabled } }, data: { disabledAt: now } });
        }
        return { changed, disabled };
      });
    },
  };
}
