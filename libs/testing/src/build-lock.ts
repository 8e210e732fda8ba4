import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// One build of a cached binary at a time across processes (the test kit's Jaeger, k8s/src/tools.ts's tools):
// a directory beside the binary is the lock, and a file in it names the owner and where it logs.

export interface BuildLockOwner {
  pid: number;
  log: string;
}

export const buildLockOf = (binary: string) => `${binary}.lock`;

/** Takes the lock of `binary`'s build; false when another process holds it. `logVariable` names its log. */
export async function takeBuildLock(binary: string, logVariable: string): Promise<boolean> {
  await mkdir(dirname(binary), { recursive: true });
  try {
    await mkdir(buildLockOf(binary));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  const owner: BuildLockOwner = { pid: process.pid, log: process.env[logVariable] ?? 'this process' };
  await writeFile(join(buildLockOf(binary), 'owner'), JSON.stringify(owner));
  return true;
}

/** Who holds the lock; undefined while it is being taken; pid -1 for a lock left without owner by a crash. */
export async function readBuildLockOwner(binary: string): Promise<BuildLockOwner | undefined> {
  const text = await readFile(join(buildLockOf(binary), 'owner'), 'utf8').catch(() => undefined);
  if (text === undefined) {
    // Just created and not written yet, or gone: an old lock without owner is a crash between the two.
    const age = await stat(buildLockOf(binary)).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    return age > 60_000 ? { pid: -1, log: 'none' } : undefined;
  }
  try {
    return JSON.parse(text) as BuildLockOwner;
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
