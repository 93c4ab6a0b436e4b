-- Dropped on PostgreSQL already by 20261201220000_path_index_sqlite_only, a twin of the SQLite migration.
DROP INDEX IF EXISTS "AccessRecord_path_startTime_idx";
