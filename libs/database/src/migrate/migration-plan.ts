import type { MigrationHistoryRow } from './migration-history.repository.ts';
import { MigrationChecksumMismatchError, UnfinishedMigrationError } from './migrate.errors.ts';
import { checksumMatches, type MigrationFile } from './migrations-folder.ts';

export interface MigrationPlan {
  readonly pending: readonly MigrationFile[];
  readonly alreadyApplied: readonly string[];
  /** Applied to the database but absent from the folder, e.g. while an older release rolls back. */
  readonly unknown: readonly string[];
}

/** Decides what to apply, refusing when the recorded history and the folder contradict each other. */
export function planMigrations(
  files: readonly MigrationFile[],
  history: readonly MigrationHistoryRow[],
  where: string,
): MigrationPlan {
  const applied = new Map(
    history
      .filter((row) => row.finishedAt !== null && row.rolledBackAt === null)
      .map((row) => [row.migrationName, row]),
  );
  const unfinished = history
    .filter((row) => row.finishedAt === null && row.rolledBackAt === null && !applied.has(row.migrationName))
    .map((row) => row.migrationName);
  if (unfinished.length > 0) throw new UnfinishedMigrationError([...new Set(unfinished)], where);

  const edited = files
    .filter((file) => {
      const row = applied.get(file.name);
      return row !== undefined && !checksumMatches(file.sql, row.checksum);
    })
    .map((file) => file.name);
  if (edited.length > 0) throw new MigrationChecksumMismatchError(edited, where);

  const inFolder = new Set(files.map((file) => file.name));
  return {
    pending: files.filter((file) => !applied.has(file.name)),
    alreadyApplied: files.filter((file) => applied.has(file.name)).map((file) => file.name),
    unknown: [...applied.keys()].filter((name) => !inFolder.has(name)),
  };
}
