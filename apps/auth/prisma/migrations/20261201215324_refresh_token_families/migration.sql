-- CreateTable
CREATE TABLE "refresh_token_families" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refresh_token_families_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "refresh_token_families_user_id_idx" ON "refresh_token_families"("user_id");

-- AddForeignKey
ALTER TABLE "refresh_token_families" ADD CONSTRAINT "refresh_token_families_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill (by hand): a family row for every family already in use, living 90 days (the default of
-- REFRESH_FAMILY_MAX_AGE_SECONDS) from its first token. Revocation always covered a whole family, so a
-- family with any revoked token is revoked, including tokens a racing rotation added after it.
INSERT INTO "refresh_token_families" ("id", "user_id", "expires_at", "revoked_at", "created_at")
SELECT "family_id", (array_agg("user_id"))[1], min("created_at") + interval '90 days', max("revoked_at"), min("created_at")
FROM "refresh_tokens"
GROUP BY "family_id";

-- AddForeignKey
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "refresh_token_families"("id") ON DELETE CASCADE ON UPDATE CASCADE;

