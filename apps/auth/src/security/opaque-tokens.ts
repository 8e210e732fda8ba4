import { createHash, randomBytes } from 'node:crypto';
import type { OpaqueTokens } from '../domain/ports.ts';

/** 256-bit random tokens; only their SHA-256 is stored, so a database leak yields no usable token. */
export const opaqueTokens: OpaqueTokens = {
  create() {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: opaqueTokens.hash(token) };
  },
  hash: (token) => createHash('sha256').update(token).digest('base64url'),
};
