-- AlterTable
ALTER TABLE "Source" ADD COLUMN     "containerId" TEXT,
ADD COLUMN     "podUid" TEXT;

-- AlterTable
ALTER TABLE "AccessRecord" ADD COLUMN     "downstreamKind" TEXT,
ADD COLUMN     "downstreamNamespace" TEXT,
ADD COLUMN     "downstreamPod" TEXT,
ADD COLUMN     "logTime" TIMESTAMP(3),
ADD COLUMN     "upstreamAmbiguous" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "upstreamKind" TEXT,
ADD COLUMN     "upstreamNamespace" TEXT,
ADD COLUMN     "upstreamPod" TEXT,
ADD COLUMN     "upstreamService" TEXT;

-- AlterTable
ALTER TABLE "IngestCheckpoint" DROP COLUMN "watermarkTime",
ADD COLUMN     "finished" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "otherLines" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "watermark" TEXT;

-- CreateTable
CREATE TABLE "IngestGap" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IngestGap_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PodIp" (
    "id" SERIAL NOT NULL,
    "ip" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "pod" TEXT NOT NULL,
    "podUid" TEXT NOT NULL,
    "node" TEXT,
    "fromTime" TIMESTAMP(3) NOT NULL,
    "toTime" TIMESTAMP(3),

    CONSTRAINT "PodIp_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServiceIp" (
    "id" SERIAL NOT NULL,
    "ip" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "serviceUid" TEXT NOT NULL,
    "fromTime" TIMESTAMP(3) NOT NULL,
    "toTime" TIMESTAMP(3),

    CONSTRAINT "ServiceIp_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EndpointMember" (
    "id" SERIAL NOT NULL,
    "namespace" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "pod" TEXT,
    "podUid" TEXT,
    "fromTime" TIMESTAMP(3) NOT NULL,
    "toTime" TIMESTAMP(3),

    CONSTRAINT "EndpointMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CollectorStatus" (
    "id" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CollectorStatus_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE INDEX "AccessRecord_upstreamService_idx" ON "AccessRecord"("upstreamService");

-- AddForeignKey
ALTER TABLE "IngestGap" ADD CONSTRAINT "IngestGap_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE CASCADE ON UPDATE CASCADE;
