-- CreateTable
CREATE TABLE "service_clients" (
    "id" TEXT NOT NULL,
    "secret_hashes" TEXT[],
    "scopes" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rotated_at" TIMESTAMPTZ(3),
    "disabled_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "service_clients_pkey" PRIMARY KEY ("id")
);

