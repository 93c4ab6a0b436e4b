-- CreateTable
CREATE TABLE "KubeObject" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uid" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    "firstSeen" TIMESTAMP(3) NOT NULL,
    "lastSeen" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "KubeObject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Finding" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "resourceKind" TEXT NOT NULL,
    "resourceNamespace" TEXT,
    "resourceName" TEXT NOT NULL,
    "location" TEXT,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "fixJson" TEXT,
    "evidenceJson" TEXT NOT NULL,
    "firstSeen" TIMESTAMP(3),
    "lastSeen" TIMESTAMP(3),
    "suppressedBy" TEXT,
    "analyzedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Finding_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "KubeObject_kind_namespace_name_idx" ON "KubeObject"("kind", "namespace", "name");

-- CreateIndex
CREATE UNIQUE INDEX "KubeObject_kind_uid_key" ON "KubeObject"("kind", "uid");

-- CreateIndex
CREATE UNIQUE INDEX "Finding_key_key" ON "Finding"("key");

-- CreateIndex
CREATE INDEX "Finding_code_idx" ON "Finding"("code");

-- CreateIndex
CREATE INDEX "Finding_severity_idx" ON "Finding"("severity");
