import { randomBytes } from 'node:crypto';

/**
 * Order ids are UUIDv7 (RFC 9562) with the logical shard in the top 8 of the 12 `rand_a` bits:
 *
 *   tttttttt-tttt-7SSr-vrrr-rrrrrrrrrrrr   t: Unix time in ms (48 bits)   7: version
 *                                          SS: logical shard (8 bits)     v: variant 10xx   r: random
 *
 * So any replica routes GET /orders/:id from the id alone (no lookup table, no broadcast), ids still sort by
 * creation time (B-tree inserts stay at the right edge of the index), and they fit PostgreSQL's `uuid` type.
 * 66 random bits remain per millisecond and shard.
 */
const ORDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function newOrderId(shard: number, now: number = Date.now(), random: Buffer = randomBytes(9)): string {
  if (!Number.isInteger(shard) || shard < 0 || shard > 255) {
    throw new RangeError(`shard must be an integer from 0 to 255, not ${shard}`);
  }
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (shard >> 4);
  bytes[7] = ((shard & 0x0f) << 4) | (random[0]! & 0x0f);
  bytes[8] = 0x80 | (random[1]! & 0x3f);
  random.copy(bytes, 9, 2, 9);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The logical shard an order id names, or undefined when the text is not an order id of ours or names a
 * shard this deployment does not have: the caller answers 404 without touching any shard.
 */
export function shardOfOrderId(id: string, shardCount: number): number | undefined {
  if (!ORDER_ID.test(id)) return undefined;
  const shard = Number.parseInt(id.slice(15, 17), 16);
  return shard < shardCount ? shard : undefined;
}
