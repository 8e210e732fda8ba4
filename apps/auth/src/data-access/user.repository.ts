import { AuthErrors } from '../domain/auth.errors.ts';
import type { UserRepository } from '../domain/ports.ts';
import type { User, UserWithPassword } from '../domain/user.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';

const profile = { id: true, email: true, name: true, roles: true, createdAt: true } as const;

export function createUserRepository(prisma: PrismaClient): UserRepository {
  return {
    async findByEmail(email): Promise<UserWithPassword | null> {
      return prisma.user.findUnique({ where: { email }, select: { ...profile, passwordHash: true } });
    },
    async findById(id): Promise<User | null> {
      return prisma.user.findUnique({ where: { id }, select: profile });
    },
    async create(user): Promise<User> {
      try {
        return await prisma.user.create({ data: user, select: profile });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw AuthErrors.emailTaken();
        }
        throw error;
      }
    },
    async updatePasswordHash(id, passwordHash) {
      await prisma.user.update({ where: { id }, data: { passwordHash } });
    },
  };
}
