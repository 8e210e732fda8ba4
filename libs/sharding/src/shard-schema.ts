/** The schema of a logical shard: `orders_s` + 3 -> `orders_s03` (two digits, so names sort by shard). */
export function shardSchema(schemaPrefix: string, shard: number): string {
  return `${schemaPrefix}${String(shard).padStart(2, '0')}`;
}
