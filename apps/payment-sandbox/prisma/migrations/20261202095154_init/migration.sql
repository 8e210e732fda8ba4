-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "payment_sandboxs" (
    "id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_sandboxs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payment_sandboxs_owner_id_created_at_idx" ON "payment_sandboxs"("owner_id", "created_at");

