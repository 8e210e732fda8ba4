import type pg from 'pg';

export interface SequenceValue {
  readonly name: string;
  /** Null when the sequence was never used. */
  readonly lastValue: string | null;
}

export async function readSequences(client: pg.ClientBase, schema: string): Promise<SequenceValue[]> {
  const result = await client.query<{ name: string; last_value: string | null }>(
    'SELECT sequencename AS name, last_value::text FROM pg_sequences WHERE schemaname = $1 ORDER BY 1',
    [schema],
  );
  return result.rows.map((row) => ({ name: row.name, lastValue: row.last_value }));
}

/**
 * Logical replication copies rows but not sequences: the target's sequences would hand out values the
 * copied rows already hold. Sets each one to the source's value, never lowering it (so a re-run is harmless).
 */
export async function setSequencesPast(
  client: pg.ClientBase,
  schema: string,
  source: readonly SequenceValue[],
): Promise<SequenceValue[]> {
  const set: SequenceValue[] = [];
  for (const sequence of source) {
    if (sequence.lastValue === null) continue;
    const name = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(sequence.name)}`;
    const result = await client.query<{ value: string }>(
      `SELECT setval($1::regclass, greatest($2::bigint, coalesce(
         (SELECT last_value FROM pg_sequences WHERE schemaname = $3 AND sequencename = $4), $2::bigint)), true)::text AS value`,
      [name, sequence.lastValue, schema, sequence.name],
    );
    set.push({ name: sequence.name, lastValue: result.rows[0]?.value ?? sequence.lastValue });
  }
  return set;
}

export interface TableChecksum {
  readonly table: string;
  readonly rows: string;
  /** Sum of the first 64 bits of each row's MD5: independent of row order and physical layout. */
  readonly checksum: string;
}

// Row text depends on these settings; both servers render every row the same way under them.
const STABLE_TEXT = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
  'SET LOCAL extra_float_digits = 3',
  "SET LOCAL bytea_output = 'hex'",
];

/** Row count and an order-independent checksum of every row, per table, in one snapshot. */
export async function tableChecksums(
  client: pg.ClientBase,
  schema: string,
  tables: readonly string[],
): Promise<TableChecksum[]> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    for (const statement of STABLE_TEXT) await client.query(statement);
    const checksums: TableChecksum[] = [];
    for (const table of tables) {
      const result = await client.query<{ rows: string; checksum: string }>(
        `SELECT count(*)::text AS rows,
                coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric), 0)::text AS checksum
         FROM ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)} AS t`,
      );
      const row = result.rows[0];
      checksums.push({ table, rows: row?.rows ?? '0', checksum: row?.checksum ?? '0' });
    }
    return checksums;
  } finally {
    await client.query('COMMIT').catch(() => undefined);
  }
}
