export {
  ACCESS_TOKEN_ALGORITHMS,
  ACCESS_TOKEN_TYPE,
  AccessTokenClaimsSchema,
  RoleSchema,
  ROLES,
} from './access-token.schemas.ts';
export type { AccessTokenClaims, Role } from './access-token.schemas.ts';
export { defineEventContract } from './event-contract.ts';
export type { EventContract, EventData } from './event-contract.ts';
export { EVENT_HEADERS, EVENT_TYPE_PATTERN, EventEnvelopeSchema } from './envelope.schemas.ts';
export type { EventEnvelope } from './envelope.schemas.ts';
export { CurrencyCodeSchema, MoneySchema } from './money.schemas.ts';
export type { Money } from './money.schemas.ts';
export {
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPaidV1,
  OrderPlacedV1,
  OrderRefundedV1,
  OrderRefundRequestedV1,
} from './order.contracts.ts';
export { PaymentFailedV1, PaymentRefundedV1, PaymentSucceededV1 } from './payment.contracts.ts';
export {
  DEV_SANDBOX_API_KEY,
  DEV_SANDBOX_WEBHOOK_SECRET,
  SANDBOX_MAX_AMOUNT,
  SANDBOX_SIGNATURE_HEADER,
  SANDBOX_TEST_PAYMENT_METHODS,
  SandboxChargePageSchema,
  SandboxChargeSchema,
  SandboxChargeStatusSchema,
  SandboxEventSchema,
  SandboxEventTypeSchema,
  SandboxFailureCodeSchema,
  SandboxRefundSchema,
} from './payment-sandbox.contracts.ts';
export type {
  SandboxCharge,
  SandboxChargePage,
  SandboxEvent,
  SandboxRefund,
  SandboxTestPaymentMethod,
} from './payment-sandbox.contracts.ts';
export {
  InventoryAdjustedV1,
  InventoryCommitFailedV1,
  InventoryCommittedV1,
  InventoryReleasedV1,
  InventoryReservationFailedV1,
  InventoryReservedV1,
} from './inventory.contracts.ts';
export { ProductCreatedV1, ProductDeletedV1, ProductUpdatedV1 } from './product.contracts.ts';
export type { AsJson, Assert, Equals } from './type-equality.ts';
export {
  isServiceScope,
  SERVICE_CALLS,
  SERVICE_SCOPES,
  SERVICE_SUBJECT_PREFIX,
  ServiceTokenClaimsSchema,
} from './service-token.schemas.ts';
export type { ServiceAudience, ServiceScope, ServiceTokenClaims } from './service-token.schemas.ts';
