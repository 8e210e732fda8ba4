import { randomUUID } from 'node:crypto';
import { EventEnvelopeSchema, type EventContract, type EventData, type EventEnvelope } from '@shop/contracts';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Validator } from 'typebox/compile';
import { EventValidationError } from './events.errors.ts';

/** What a producer supplies for one event; the rest of the envelope is filled in. */
export interface EventInput<TContract extends EventContract> {
  /** The aggregate id; becomes the message key, so one aggregate's events stay in order. */
  subject: string;
  data: EventData<TContract>;
  /** Defaults to a random UUID. Pass a stable one to make a retried write idempotent. */
  id?: string;
  occurredAt?: Date;
  /** Travels as the `x-request-id` header. */
  requestId?: string;
}

/** An envelope checked against its contract, with the topic it goes to. */
export interface PreparedEvent<TContract extends EventContract = EventContract> {
  readonly topic: string;
  readonly envelope: EventEnvelope<EventData<TContract>, TContract['type']>;
  readonly requestId?: string;
}

const validators = new WeakMap<object, Validator>();

/** The compiled validator of a schema, compiled once. */
export function validatorOf(schema: TSchema): Validator {
  let validator = validators.get(schema);
  if (validator === undefined) {
    validator = Compile(schema);
    validators.set(schema, validator);
  }
  return validator;
}

/** Builds the envelope for `input` and checks it; a mismatch is a bug in the producer, so it throws. */
export function prepareEvent<TContract extends EventContract>(
  contract: TContract,
  input: EventInput<TContract>,
): PreparedEvent<TContract> {
  const envelope = {
    id: input.id ?? randomUUID(),
    type: contract.type,
    source: contract.source,
    subject: input.subject,
    occurredAt: (input.occurredAt ?? new Date()).toISOString(),
    data: input.data,
  } as EventEnvelope<EventData<TContract>, TContract['type']>;
  assertValid(validatorOf(EventEnvelopeSchema), envelope, `envelope of ${contract.type}`);
  assertValid(validatorOf(contract.schema), envelope.data, `data of ${contract.type}`);
  return {
    topic: contract.topic,
    envelope,
    ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
  };
}

function assertValid(validator: Validator, value: unknown, what: string): void {
  if (validator.Check(value)) return;
  const details = validator
    .Errors(value)
    .slice(0, 5)
    .map((error) => `${error.instancePath || '/'} ${error.message}`);
  throw new EventValidationError(
    `Invalid ${what}: ${details.join('; ')}. Fix the producer to match the contract in @shop/contracts.`,
    details,
  );
}
