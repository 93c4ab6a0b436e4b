-- A btree entry holds at most 2,704 bytes, and a logged path (client-controlled) can be longer: with this index the
-- first such record made its whole ingest transaction fail. Path searches read the start-time index here instead.
DROP INDEX IF EXISTS "AccessRecord_path_startTime_idx";
