-- CreateTable
CREATE TABLE "RecordRollup" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "periodMinutes" INTEGER NOT NULL,
    "periodStart" INTEGER NOT NULL,
    "sourceId" INTEGER NOT NULL,
    "cluster" TEXT NOT NULL DEFAULT '',
    "upstreamHost" TEXT NOT NULL DEFAULT '',
    "upstreamIp" TEXT NOT NULL DEFAULT '',
    "upstreamKind" TEXT NOT NULL DEFAULT '',
    "upstreamNamespace" TEXT NOT NULL DEFAULT '',
    "upstreamPod" TEXT NOT NULL DEFAULT '',
    "upstreamService" TEXT NOT NULL DEFAULT '',
    "status" INTEGER NOT NULL DEFAULT -1,
    "responseFlags" TEXT NOT NULL DEFAULT '',
    "records" INTEGER NOT NULL DEFAULT 0,
    "ambiguous" INTEGER NOT NULL DEFAULT 0,
    "timed" INTEGER NOT NULL DEFAULT 0,
    "durationSumMs" BIGINT NOT NULL DEFAULT 0,
    "histogram" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "RecordRollup_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RollupState" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "rolledThroughId" INTEGER NOT NULL DEFAULT 0,
    "uncoveredFrom" INTEGER,
    "uncoveredTo" INTEGER
);

-- CreateIndex
CREATE INDEX "RecordRollup_sourceId_periodStart_idx" ON "RecordRollup"("sourceId", "periodStart");

-- CreateIndex
CREATE UNIQUE INDEX "RecordRollup_period_dimensions_key" ON "RecordRollup"("periodMinutes", "periodStart", "sourceId", "cluster", "upstreamHost", "upstreamIp", "upstreamKind", "upstreamNamespace", "upstreamPod", "upstreamService", "status", "responseFlags");

-- Records stored before this migration are not counted in RecordRollup: mark the whole hours they span as uncovered
-- (readers take those periods from AccessRecord until `envoy-lens rollups --rebuild`), and every record id so far as
-- handled, so ingest does not try to count them all in its first transaction. Start times are epoch ms here; the
-- floor of a negative one is taken by hand (integer division truncates towards zero).
INSERT INTO "RollupState" ("id", "rolledThroughId", "uncoveredFrom", "uncoveredTo")
SELECT 1, COALESCE((SELECT MAX("id") FROM "AccessRecord"), 0),
  CASE WHEN "lo" IS NULL THEN NULL ELSE ("lo" / 3600000 - CASE WHEN "lo" < 0 THEN 1 ELSE 0 END) * 60 END,
  CASE WHEN "hi" IS NULL THEN NULL ELSE ("hi" / 3600000 + 1) * 60 END
FROM (SELECT MIN("startTime") AS "lo", MAX("startTime") AS "hi" FROM "AccessRecord");
