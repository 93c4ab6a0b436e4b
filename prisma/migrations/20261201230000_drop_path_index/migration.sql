-- The path index goes: it made every insert dearer (the collector's soak went past its 500 MB bound while the index
-- was kept) for rare-path searches only, which walk the start-time index instead.
DROP INDEX IF EXISTS "AccessRecord_path_startTime_idx";
