import type { EventContract, EventData } from '@shop/contracts';
import type { SqlTransaction } from '../sql.ts';
import { Outbox } from './outbox.ts';

/** Writes one integration event in the transaction it was made for. */
export type Publish = <TContract extends EventContract>(
  contract: TContract,
  subject: string,
  data: EventData<TContract>,
) => Promise<void>;

export interface OutboxPublisherOptions {
  /** The outbox to write to (default: the `outbox_events` table on the connection's search_path). */
  outbox?: Outbox;
  /** The request id to carry in the event's headers, read when the event is written. */
  requestId?: () => string | undefined;
}

/**
 * The `publish` capability of a unit of work: given a transaction, a function that validates an event
 * against its contract and writes it to the outbox in that transaction (so it leaves if and only if the
 * transaction commits).
 */
export function outboxPublisher(options: OutboxPublisherOptions = {}): (tx: SqlTransaction) => Publish {
  const outbox = options.outbox ?? new Outbox();
  return (tx) => async (contract, subject, data) => {
    const requestId = options.requestId?.();
    await outbox.enqueue(tx, contract, { subject, data, ...(requestId === undefined ? {} : { requestId }) });
  };
}
