-- CreateTable
CREATE TABLE "RecordRollupHour" (
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

    CONSTRAINT "RecordRollupHour_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RecordRollupHour_sourceId_periodStart_idx" ON "RecordRollupHour"("sourceId", "periodStart");

-- CreateIndex
CREATE UNIQUE INDEX "RecordRollupHour_period_dimensions_key" ON "RecordRollupHour"("periodMinutes", "periodStart", "sourceId", "cluster", "upstreamHost", "upstreamIp", "upstreamKind", "upstreamNamespace", "upstreamPod", "upstreamService", "status", "responseFlags");

-- AddForeignKey
ALTER TABLE "RecordRollupHour" ADD CONSTRAINT "RecordRollupHour_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The hour rows move from RecordRollup to their own table (new ids, from its own sequence).
INSERT INTO "RecordRollupHour" ("periodMinutes", "periodStart", "sourceId", "cluster", "upstreamHost", "upstreamIp", "upstreamKind", "upstreamNamespace", "upstreamPod", "upstreamService", "status", "responseFlags", "records", "ambiguous", "timed", "durationSumMs", "histogram")
SELECT "periodMinutes", "periodStart", "sourceId", "cluster", "upstreamHost", "upstreamIp", "upstreamKind", "upstreamNamespace", "upstreamPod", "upstreamService", "status", "responseFlags", "records", "ambiguous", "timed", "durationSumMs", "histogram"
FROM "RecordRollup" WHERE "periodMinutes" = 60 ORDER BY "periodStart";

DELETE FROM "RecordRollup" WHERE "periodMinutes" = 60;
