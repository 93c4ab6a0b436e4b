-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Source" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "namespace" TEXT,
    "pod" TEXT,
    "container" TEXT,
    "location" TEXT,
    "format" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Source_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessRecord" (
    "id" SERIAL NOT NULL,
    "sourceId" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "startTime" TIMESTAMP(3),
    "startTimeNanos" INTEGER,
    "method" TEXT,
    "path" TEXT,
    "protocol" TEXT,
    "status" INTEGER,
    "bytesReceived" BIGINT,
    "bytesSent" BIGINT,
    "durationMs" INTEGER,
    "upstreamServiceTimeMs" INTEGER,
    "requestId" TEXT,
    "userAgent" TEXT,
    "forwardedFor" TEXT,
    "authority" TEXT,
    "upstreamHost" TEXT,
    "upstreamIp" TEXT,
    "upstreamPort" INTEGER,
    "upstreamCluster" TEXT,
    "responseFlags" TEXT,
    "downstreamRemoteIp" TEXT,
    "ambiguousFields" TEXT,
    "extraJson" TEXT,

    CONSTRAINT "AccessRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RejectedLine" (
    "id" SERIAL NOT NULL,
    "sourceId" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "column" INTEGER,
    "raw" TEXT NOT NULL,
    "rawLength" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RejectedLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IngestCheckpoint" (
    "sourceId" INTEGER NOT NULL,
    "linesRead" INTEGER NOT NULL DEFAULT 0,
    "bytesRead" BIGINT NOT NULL DEFAULT 0,
    "fingerprint" TEXT,
    "watermarkTime" TIMESTAMP(3),
    "watermarkCount" INTEGER NOT NULL DEFAULT 0,
    "records" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "ambiguous" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "IngestCheckpoint_pkey" PRIMARY KEY ("sourceId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Source_key_key" ON "Source"("key");

-- CreateIndex
CREATE INDEX "AccessRecord_startTime_idx" ON "AccessRecord"("startTime");

-- CreateIndex
CREATE INDEX "AccessRecord_requestId_idx" ON "AccessRecord"("requestId");

-- CreateIndex
CREATE INDEX "AccessRecord_upstreamHost_durationMs_idx" ON "AccessRecord"("upstreamHost", "durationMs");

-- CreateIndex
CREATE INDEX "AccessRecord_sourceId_startTime_idx" ON "AccessRecord"("sourceId", "startTime");

-- CreateIndex
CREATE UNIQUE INDEX "AccessRecord_sourceId_seq_key" ON "AccessRecord"("sourceId", "seq");

-- CreateIndex
CREATE INDEX "RejectedLine_createdAt_idx" ON "RejectedLine"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "RejectedLine_sourceId_seq_key" ON "RejectedLine"("sourceId", "seq");

-- AddForeignKey
ALTER TABLE "AccessRecord" ADD CONSTRAINT "AccessRecord_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RejectedLine" ADD CONSTRAINT "RejectedLine_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IngestCheckpoint" ADD CONSTRAINT "IngestCheckpoint_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE CASCADE ON UPDATE CASCADE;
