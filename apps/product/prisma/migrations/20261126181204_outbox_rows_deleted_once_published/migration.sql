-- Hand-written: rows the old relay had marked published are done; without this they would look pending
-- once the column is gone and be published a second time.
DELETE FROM "outbox_events" WHERE "published_at" IS NOT NULL;

-- DropIndex
DROP INDEX "outbox_events_id_key";

-- DropIndex
DROP INDEX "outbox_events_published_at_seq_idx";

-- DropIndex
DROP INDEX "outbox_events_key_seq_idx";

-- AlterTable
ALTER TABLE "outbox_events" DROP COLUMN "published_at";

