-- CreateTable
CREATE TABLE "KubeObject" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uid" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    "firstSeen" DATETIME NOT NULL,
    "lastSeen" DATETIME NOT NULL,
    "deletedAt" DATETIME
);

-- CreateTable
CREATE TABLE "Finding" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    "firstSeen" DATETIME,
    "lastSeen" DATETIME,
    "suppressedBy" TEXT,
    "analyzedAt" DATETIME NOT NULL
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
