-- AlterTable
ALTER TABLE "Source" ADD COLUMN "containerId" TEXT;
ALTER TABLE "Source" ADD COLUMN "podUid" TEXT;

-- CreateTable
CREATE TABLE "IngestGap" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "sourceId" INTEGER,
    "namespace" TEXT NOT NULL,
    "pod" TEXT NOT NULL,
    "podUid" TEXT,
    "container" TEXT NOT NULL,
    "containerId" TEXT,
    "fromTime" TEXT,
    "toTime" TEXT,
    "reason" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "IngestGap_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PodIp" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "ip" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "pod" TEXT NOT NULL,
    "podUid" TEXT NOT NULL,
    "node" TEXT,
    "fromTime" DATETIME NOT NULL,
    "toTime" DATETIME
);

-- CreateTable
CREATE TABLE "ServiceIp" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "ip" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "serviceUid" TEXT NOT NULL,
    "fromTime" DATETIME NOT NULL,
    "toTime" DATETIME
);

-- CreateTable
CREATE TABLE "EndpointMember" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "namespace" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "pod" TEXT,
    "podUid" TEXT,
    "fromTime" DATETIME NOT NULL,
    "toTime" DATETIME
);

-- CreateTable
CREATE TABLE "CollectorStatus" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "json" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AccessRecord" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "sourceId" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "startTime" DATETIME,
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
    "logTime" DATETIME,
    "upstreamKind" TEXT,
    "upstreamNamespace" TEXT,
    "upstreamPod" TEXT,
    "upstreamService" TEXT,
    "upstreamAmbiguous" BOOLEAN NOT NULL DEFAULT false,
    "downstreamKind" TEXT,
    "downstreamNamespace" TEXT,
    "downstreamPod" TEXT,
    "ambiguousFields" TEXT,
    "extraJson" TEXT,
    CONSTRAINT "AccessRecord_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_AccessRecord" ("ambiguousFields", "authority", "bytesReceived", "bytesSent", "downstreamRemoteIp", "durationMs", "extraJson", "forwardedFor", "id", "method", "path", "protocol", "requestId", "responseFlags", "seq", "sourceId", "startTime", "startTimeNanos", "status", "upstreamCluster", "upstreamHost", "upstreamIp", "upstreamPort", "upstreamServiceTimeMs", "userAgent") SELECT "ambiguousFields", "authority", "bytesReceived", "bytesSent", "downstreamRemoteIp", "durationMs", "extraJson", "forwardedFor", "id", "method", "path", "protocol", "requestId", "responseFlags", "seq", "sourceId", "startTime", "startTimeNanos", "status", "upstreamCluster", "upstreamHost", "upstreamIp", "upstreamPort", "upstreamServiceTimeMs", "userAgent" FROM "AccessRecord";
DROP TABLE "AccessRecord";
ALTER TABLE "new_AccessRecord" RENAME TO "AccessRecord";
CREATE INDEX "AccessRecord_startTime_idx" ON "AccessRecord"("startTime");
CREATE INDEX "AccessRecord_requestId_idx" ON "AccessRecord"("requestId");
CREATE INDEX "AccessRecord_upstreamHost_durationMs_idx" ON "AccessRecord"("upstreamHost", "durationMs");
CREATE INDEX "AccessRecord_sourceId_startTime_idx" ON "AccessRecord"("sourceId", "startTime");
CREATE INDEX "AccessRecord_upstreamService_idx" ON "AccessRecord"("upstreamService");
CREATE UNIQUE INDEX "AccessRecord_sourceId_seq_key" ON "AccessRecord"("sourceId", "seq");
CREATE TABLE "new_IngestCheckpoint" (
    "sourceId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "linesRead" INTEGER NOT NULL DEFAULT 0,
    "bytesRead" BIGINT NOT NULL DEFAULT 0,
    "fingerprint" TEXT,
    "watermark" TEXT,
    "watermarkCount" INTEGER NOT NULL DEFAULT 0,
    "records" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "ambiguous" INTEGER NOT NULL DEFAULT 0,
    "otherLines" INTEGER NOT NULL DEFAULT 0,
    "finished" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "IngestCheckpoint_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_IngestCheckpoint" ("ambiguous", "bytesRead", "fingerprint", "linesRead", "records", "rejected", "sourceId", "updatedAt", "watermarkCount") SELECT "ambiguous", "bytesRead", "fingerprint", "linesRead", "records", "rejected", "sourceId", "updatedAt", "watermarkCount" FROM "IngestCheckpoint";
DROP TABLE "IngestCheckpoint";
ALTER TABLE "new_IngestCheckpoint" RENAME TO "IngestCheckpoint";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "IngestGap_namespace_pod_idx" ON "IngestGap"("namespace", "pod");

-- CreateIndex
CREATE INDEX "IngestGap_createdAt_idx" ON "IngestGap"("createdAt");

-- CreateIndex
CREATE INDEX "PodIp_ip_fromTime_idx" ON "PodIp"("ip", "fromTime");

-- CreateIndex
CREATE UNIQUE INDEX "PodIp_podUid_ip_key" ON "PodIp"("podUid", "ip");

-- CreateIndex
CREATE INDEX "ServiceIp_ip_fromTime_idx" ON "ServiceIp"("ip", "fromTime");

-- CreateIndex
CREATE UNIQUE INDEX "ServiceIp_serviceUid_ip_key" ON "ServiceIp"("serviceUid", "ip");

-- CreateIndex
CREATE INDEX "EndpointMember_namespace_service_fromTime_idx" ON "EndpointMember"("namespace", "service", "fromTime");

-- CreateIndex
CREATE INDEX "EndpointMember_ip_idx" ON "EndpointMember"("ip");

-- CreateIndex
CREATE INDEX "Source_namespace_pod_idx" ON "Source"("namespace", "pod");
