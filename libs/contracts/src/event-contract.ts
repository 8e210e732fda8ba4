import type { Static, TSchema } from 'typebox';

/**
 * The published shape of one integration event: its versioned past-tense `type`, the producing
 * service (`source`), the topic it travels on and the schema of its `data`.
 *
 * Every type of one aggregate shares a topic, keyed by the aggregate id (`subject`), so a
 * consumer sees one aggregate's events in the order they happened.
 */
export interface EventContract<TType extends string = string, TData extends TSchema = TSchema> {
  readonly type: TType;
  readonly source: string;
  readonly topic: string;
  readonly schema: TData;
}

/** The `data` payload type of a contract. */
export type EventData<TContract extends EventContract> = Static<TContract['schema']>;

/** Declares a contract, keeping its literal `type` for typed handlers. */
export function defineEventContract<const TType extends string, const TData extends TSchema>(
  contract: EventContract<TType, TData>,
): EventContract<TType, TData> {
  return Object.freeze(contract);
}
