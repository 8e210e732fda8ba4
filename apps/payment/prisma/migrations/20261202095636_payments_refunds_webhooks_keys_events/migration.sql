-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('processing', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "RefundStatus" AS ENUM ('pending', 'succeeded', 'failed');

-- Hand-written: the generated placeholder's rows (a title per customer) are no payments.
DELETE FROM "payments";

-- DropIndex
DROP INDEX "payments_owner_id_created_at_idx";

-- AlterTable
ALTER TABLE "payments" DROP COLUMN "owner_id",
DROP COLUMN "title",
ADD COLUMN     "amount" INTEGER NOT NULL,
ADD COLUMN     "currency" CHAR(3) NOT NULL,
ADD COLUMN     "customer_id" UUID NOT NULL,
ADD COLUMN     "failure_code" VARCHAR(64),
ADD COLUMN     "live_order_id" UUID,
ADD COLUMN     "order_id" UUID NOT NULL,
ADD COLUMN     "payment_method" VARCHAR(67) NOT NULL,
ADD COLUMN     "provider" VARCHAR(32) NOT NULL,
ADD COLUMN     "provider_charge_id" VARCHAR(255),
ADD COLUMN     "refund_pending_amount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refunded_amount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "status" "PaymentStatus" NOT NULL,
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "refunds" (
    "id" UUID NOT NULL,
    "payment_id" UUID NOT NULL,
    "amount" INTEGER NOT NULL,
    "reason" VARCHAR(200) NOT NULL,
    "request_key" VARCHAR(64),
    "requested_by" VARCHAR(64) NOT NULL,
    "status" "RefundStatus" NOT NULL,
    "provider_refund_id" VARCHAR(255),
    "failure_code" VARCHAR(64),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_webhook_events" (
    "provider" VARCHAR(32) NOT NULL,
    "event_id" VARCHAR(255) NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_webhook_events_pkey" PRIMARY KEY ("provider","event_id")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "scope" VARCHAR(255) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "fingerprint" CHAR(64) NOT NULL,
    "resource_id" VARCHAR(255),
    "locked_until" TIMESTAMPTZ(3),
    "response_status" SMALLINT,
    "response_headers" JSONB,
    "response_body" VARCHAR(1048576),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("scope","key")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "processed_events" (
    "consumer" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("consumer","event_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "refunds_provider_refund_id_key" ON "refunds"("provider_refund_id");

-- CreateIndex
CREATE INDEX "refunds_status_updated_at_idx" ON "refunds"("status", "updated_at");

-- CreateIndex
CREATE UNIQUE INDEX "refunds_payment_id_request_key_key" ON "refunds"("payment_id", "request_key");

-- CreateIndex
CREATE INDEX "processed_webhook_events_received_at_idx" ON "processed_webhook_events"("received_at");

-- CreateIndex
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"("created_at");

-- CreateIndex
CREATE INDEX "processed_events_processed_at_idx" ON "processed_events"("processed_at");

-- CreateIndex
CREATE UNIQUE INDEX "payments_live_order_id_key" ON "payments"("live_order_id");

-- CreateIndex
CREATE UNIQUE INDEX "payments_provider_charge_id_key" ON "payments"("provider_charge_id");

-- CreateIndex
CREATE INDEX "payments_order_id_idx" ON "payments"("order_id");

-- CreateIndex
CREATE INDEX "payments_customer_id_created_at_idx" ON "payments"("customer_id", "created_at");

-- CreateIndex
CREATE INDEX "payments_status_updated_at_idx" ON "payments"("status", "updated_at");

-- CreateIndex
CREATE INDEX "payments_created_at_idx" ON "payments"("created_at");

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written (schema.prisma cannot express these; the schema check leaves CHECKs out).
ALTER TABLE "payments" ADD CONSTRAINT "payments_amount_non_negative" CHECK ("amount" >= 0);
ALTER TABLE "payments" ADD CONSTRAINT "payments_currency_iso" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "payments" ADD CONSTRAINT "payments_live_order_id_while_live" CHECK (
  ("status" IN ('processing', 'succeeded') AND "live_order_id" = "order_id")
  OR ("status" = 'failed' AND "live_order_id" IS NULL)
);
ALTER TABLE "payments" ADD CONSTRAINT "payments_refunds_within_capture" CHECK (
  "refunded_amount" >= 0 AND "refund_pending_amount" >= 0
  AND "refunded_amount" + "refund_pending_amount" <= "amount"
  AND ("status" = 'succeeded' OR "refunded_amount" + "refund_pending_amount" = 0)
);
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_amount_positive" CHECK ("amount" > 0);
