import type { Charge, Refund } from './charge.ts';

/** A charge's place in the listing order (createdAt, then id): where the next page starts. */
export interface ChargeKey {
  createdAt: Date;
  id: string;
}

export interface ChargePageQuery {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  after?: ChargeKey;
  limit: number;
}

export interface ChargeReader {
  find(id: string): Promise<Charge | null>;
  /** Charges in (createdAt, id) order, after `after`, at most `limit`. */
  page(query: ChargePageQuery): Promise<Charge[]>;
}

/** Charges in one transaction. */
export interface ChargeRepository {
  insert(charge: Charge): Promise<void>;
  /** The charge, locked until the transaction ends (refunds of one charge queue here), or null. */
  lock(id: string): Promise<Charge | null>;
  addRefunded(id: string, amount: number): Promise<Charge>;
  /** Processing charges due by `now`, at most `limit`, set to succeeded; rows another settler holds are skipped. */
  settleDue(now: Date, limit: number): Promise<Charge[]>;
}

export interface RefundRepository {
  insert(refund: Refund): Promise<void>;
}

export interface WebhookEventRow {
  id: string;
  type: WebhookEventType;
  /** The exact JSON body that will be signed and sent. */
  payload: string;
  createdAt: Date;
}

export type WebhookEventType = 'charge.succeeded' | 'charge.failed' | 'charge.refunded';

/** The webhook outbox, written in the transaction of the change an event reports. */
export interface WebhookOutbox {
  /** False when no webhook URL is configured: then no event is recorded. */
  readonly enabled: boolean;
  add(event: WebhookEventRow): Promise<void>;
}

/** What a use case writes through, all on one transaction. */
export interface SandboxStore {
  charges: ChargeRepository;
  refunds: RefundRepository;
  webhooks: WebhookOutbox;
}

export interface PendingWebhook {
  id: string;
  payload: string;
  /** Attempts made before this one. */
  attempts: number;
}

/** The outbox as the deliverer sees it. */
export interface WebhookQueue {
  /** Due events, each leased for `leaseMs` (a deliverer that dies mid-way leaves it due again after that). */
  claimDue(now: Date, leaseMs: number, limit: number): Promise<PendingWebhook[]>;
  markDelivered(id: string, at: Date): Promise<void>;
  /** One more failed attempt; `retryAt` null marks it failed for good. */
  markAttemptFailed(id: string, attempts: number, retryAt: Date | null, error: string): Promise<void>;
}

/** POSTs one signed webhook; resolves to why it failed, or undefined when the receiver took it (2xx). */
export interface WebhookSender {
  send(payload: string): Promise<string | undefined>;
}

export interface SandboxDeps {
  charges: ChargeReader;
  /** Runs `work` in one database transaction. */
  transaction<T>(work: (store: SandboxStore) => Promise<T>): Promise<T>;
  /** A new id with the prefix (`ch`, `re`, `evt`). */
  newId(prefix: string): string;
  now(): Date;
  /** How long a `pm_card_processing` charge stays processing. */
  processingDelayMs: number;
}
