/**
 * Shortens `ttl` by a random share of at most `ratio`, so entries filled together do not expire
 * together. The result stays within [ttl * (1 - ratio), ttl]: never longer than asked.
 */
export function jitterTtl(ttl: number, ratio: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(ttl - ttl * ratio * random()));
}
