/** An event (or its data) does not match its contract. */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  readonly details: readonly string[];

  constructor(message: string, details: readonly string[]) {
    super(message);
    this.details = details;
  }
}

/**
 * Thrown by a handler for an event that can never succeed (it breaks a business rule the producer
 * guaranteed): the consumer dead-letters it at once instead of retrying.
 */
export class PoisonEventError extends Error {
  override readonly name = 'PoisonEventError';
}
