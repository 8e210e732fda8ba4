interface WithSqlState {
  originalCode?: unknown;
  code?: unknown;
}

/**
 * The SQLSTATE behind an error as Prisma's driver adapter surfaces it: a DriverAdapterError (model
 * queries), a known request error carrying one in `meta` (raw queries, P2010/P2020), or pg's own error.
 */
export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { cause, meta, code } = error as {
    cause?: WithSqlState;
    meta?: { driverAdapterError?: unknown };
    code?: unknown;
  };
  const fromAdapter = (value: unknown) => {
    const original = (value as { cause?: WithSqlState } | undefined)?.cause?.originalCode;
    return typeof original === 'string' ? original : undefined;
  };
  if (typeof cause?.originalCode === 'string') return cause.originalCode;
  return (
    fromAdapter(meta?.driverAdapterError) ??
    (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined)
  );
}
