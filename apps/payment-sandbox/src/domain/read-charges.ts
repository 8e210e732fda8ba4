import type { Charge } from './charge.ts';
import { SandboxErrors } from './payment-sandbox.errors.ts';
import type { ChargeKey, SandboxDeps } from './ports.ts';

export async function getCharge(deps: Pick<SandboxDeps, 'charges'>, id: string): Promise<Charge> {
  const charge = await deps.charges.find(id);
  if (charge === null) throw SandboxErrors.chargeNotFound(`No charge has the id ${id}.`);
  return charge;
}

export interface ChargeList {
  charges: Charge[];
  /** Where the next page starts; absent on the last page. */
  nextCursor?: string;
}

/** Charges created in [from, to), oldest first, by keyset (createdAt, id): each appears on exactly one page. */
export async function listCharges(
  deps: Pick<SandboxDeps, 'charges'>,
  query: { from?: Date; to?: Date; limit: number; cursor?: string },
): Promise<ChargeList> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rows = await deps.charges.page({
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
    ...(after === undefined ? {} : { after }),
    limit: query.limit + 1,
  });
  const charges = rows.slice(0, query.limit);
  const last = charges.at(-1);
  return rows.length > query.limit && last !== undefined
    ? { charges, nextCursor: encodeCursor(last) }
    : { charges };
}

export function encodeCursor(key: ChargeKey): string {
  return Buffer.from(`${key.createdAt.toISOString()}|${key.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): ChargeKey {
  const [at, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (extra !== undefined || !id || !/^ch_[A-Za-z0-9]{1,60}$/.test(id) || Number.isNaN(createdAt.getTime())) {
    throw SandboxErrors.badCursor();
  }
  return { createdAt, id };
}
