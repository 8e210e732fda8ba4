/**
 * True when A and B are the same type, not merely assignable one way: an optional field, a wider union
 * or an extra member makes them differ.
 */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * Compiles only when `T` is `true`, so drift between a domain type and the schema that renders it is a
 * typecheck error: `type _ProductView = Assert<Equals<AsJson<Product>, Static<typeof ProductView>>>`.
 */
export type Assert<T extends true> = T;

/** `T` as a JSON response renders it: a Date becomes its ISO string, recursively. */
export type AsJson<T> = T extends Date
  ? string
  : T extends readonly (infer Item)[]
    ? AsJson<Item>[]
    : T extends object
      ? { [K in keyof T]: AsJson<T[K]> }
      : T;
