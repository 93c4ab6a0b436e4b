-- The path index stays on SQLite (its twin drops it on PostgreSQL, whose btree entries hold at most 2,704 bytes).
SELECT 1;
