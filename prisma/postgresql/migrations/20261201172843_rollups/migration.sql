-- CreateTable
CREATE TABLE "RecordRollup" (
    "id" SERIAL NOT NULL,
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

    CONSTRAINT "RecordRollup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RollupState" (
    "id" INTEGER NOT NULL,
    "rolledThroughId" INTEGER NOT NULL DEFAULT 0,
    "uncoveredFrom" INTEGER,
    "uncoveredTo" INTEGER,

    CONSTRAINT "RollupState_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RecordRollup_sourceId_periodStart_idx" ON "RecordRollup"("sourceId", "periodStart");

-- CreateIndex
CREATE UNIQUE INDEX "RecordRollup_period_dimensions_key" ON "RecordRollup"("periodMinutes", "periodStart", "sourceId", "cluster", "upstreamHost", "upstreamIp", "upstreamKind", "upstreamNamespace", "upstreamPod", "upstreamService", "status", "responseFlags");

-- AddForeignKey
ALTER TABLE "RecordRollup" ADD CONSTRAINT "RecordRollup_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Records stored before this migration are not counted in RecordRollup: mark the whole hours they span as uncovered
-- (readers take those periods from AccessRecord until `envoy-lens rollups --rebuild`), and every record id so far as
-- handled, so ingest does not try to count them all in its first transaction. (The SQLite twin does the same on
-- epoch-ms integers.)
INSERT INTO "RollupState" ("id", "rolledThroughId", "uncoveredFrom", "uncoveredTo")
SELECT 1, COALESCE((SELECT MAX("id") FROM "AccessRecord"), 0),
  (FLOOR(EXTRACT(EPOCH FROM "lo") / 3600) * 60)::int,
  (FLOOR(EXTRACT(EPOCH FROM "hi") / 3600) * 60 + 60)::int
FROM (SELECT MIN("startTime") AS "lo", MAX("startTime") AS "hi" FROM "AccessRecord") AS "span";
