-- CreateEnum
CREATE TYPE "charge_status" AS ENUM ('succeeded', 'failed', 'processing');

-- CreateEnum
CREATE TYPE "charge_failure_code" AS ENUM ('card_declined', 'insufficient_funds');

-- CreateEnum
CREATE TYPE "webhook_status" AS ENUM ('pending', 'delivered', 'failed');

-- DropTable
DROP TABLE "payment_sandboxs";

-- CreateTable
CREATE TABLE "charges" (
    "id" VARCHAR(64) NOT NULL,
    "status" "charge_status" NOT NULL,
    "failure_code" "charge_failure_code",
    "amount" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount_refunded" INTEGER NOT NULL DEFAULT 0,
    "payment_method" VARCHAR(64) NOT NULL,
    "reference" VARCHAR(255) NOT NULL,
    "description" VARCHAR(1000),
    "settles_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "charges_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refunds" (
    "id" VARCHAR(64) NOT NULL,
    "charge_id" VARCHAR(64) NOT NULL,
    "amount" INTEGER NOT NULL,
    "reason" VARCHAR(500),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "id" VARCHAR(64) NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "payload" TEXT NOT NULL,
    "status" "webhook_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_error" VARCHAR(1000),
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
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

-- CreateIndex
CREATE INDEX "charges_created_at_id_idx" ON "charges"("created_at", "id");

-- CreateIndex
CREATE INDEX "charges_settles_at_idx" ON "charges"("settles_at");

-- CreateIndex
CREATE INDEX "refunds_charge_id_idx" ON "refunds"("charge_id");

-- CreateIndex
CREATE INDEX "webhook_events_status_next_attempt_at_idx" ON "webhook_events"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"("created_at");

-- AddForeignKey
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_charge_id_fkey" FOREIGN KEY ("charge_id") REFERENCES "charges"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

