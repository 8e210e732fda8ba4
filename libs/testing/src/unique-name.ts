import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';

/** Lower-case `[a-z0-9_]` slug of the label, or of the running test file's name when no label is given. */
export function labelSlug(label?: string, maxLength = 24): string {
  const source = label ?? basename(process.argv[1] ?? 'test').replace(/(\.test)?\.[cm]?[jt]s$/, '');
  const slug = source
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, maxLength);
  return slug === '' ? 'test' : slug;
}

/** Short random suffix that keeps names unique across parallel test processes. */
export function randomSuffix(): string {
  return randomBytes(5).toString('hex');
}
