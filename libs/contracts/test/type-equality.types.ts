// Checked by `tsc` (npm run typecheck), not at run time: each line compiles only if the helper is right.
import type { AsJson, Assert, Equals } from '../src/index.ts';

export type Same = Assert<Equals<{ a: string; b: number[] }, { a: string; b: number[] }>>;
export type DatesRenderAsStrings = Assert<
  Equals<AsJson<{ at: Date; nested: { at: Date }[] }>, { at: string; nested: { at: string }[] }>
>;
// @ts-expect-error a member the schema lacks is drift
export type ExtraMember = Assert<Equals<{ a: string; b: number }, { a: string }>>;
// @ts-expect-error an optional member is not a required one
export type OptionalMember = Assert<Equals<{ a?: string }, { a: string }>>;
// @ts-expect-error a wider union is drift
export type WiderUnion = Assert<Equals<{ role: 'admin' | 'customer' }, { role: string }>>;
