import type { Catalog } from './catalog.ts';

/** One object that differs; `undefined` on a side means the object is missing there. */
export interface CatalogDifference {
  readonly object: string;
  readonly left: string | undefined;
  readonly right: string | undefined;
}

export function diffCatalogs(left: Catalog, right: Catalog): CatalogDifference[] {
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort((a, b) => a.localeCompare(b));
  return keys
    .map((object) => ({ object, left: left.get(object), right: right.get(object) }))
    .filter((difference) => difference.left !== difference.right);
}

/** One line per difference, e.g. `~ column users.email: migrations: text NOT NULL | schema.prisma: ...`. */
export function formatDifferences(
  differences: readonly CatalogDifference[],
  labels: { left: string; right: string },
): string {
  return differences
    .map(({ object, left, right }) => {
      if (left === undefined) return `  + ${object} only in ${labels.right}: ${right}`;
      if (right === undefined) return `  - ${object} only in ${labels.left}: ${left}`;
      return `  ~ ${object}\n      ${labels.left}: ${left}\n      ${labels.right}: ${right}`;
    })
    .join('\n');
}
