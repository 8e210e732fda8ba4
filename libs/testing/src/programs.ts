import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute path of `name` on the PATH, or undefined. */
export function findProgram(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory; keep looking.
    }
  }
  return undefined;
}

/** Like findProgram, but throws an error that says how to install the program or what to set instead. */
export function requireProgram(name: string, remedy: string): string {
  const found = findProgram(name);
  if (found === undefined) {
    throw new Error(`[testing] \`${name}\` was not found on the PATH. ${remedy}`);
  }
  return found;
}
