-- SQLite compares text byte by byte already: nothing to change here (the PostgreSQL twin makes its text columns that
-- are searched by range compare the same way).
SELECT 1;
