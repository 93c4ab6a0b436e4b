-- Prefix searches (path, request id) are ranges: `path >= '/api' AND path < '/api' || U+10FFFF`. Under a linguistic
-- collation (a database created with en_US.UTF-8, the default of many managed servers) such a range also holds
-- '/API/…' and sorts differently from SQLite. Byte order ("C") makes both exact and the same on both databases, and
-- lets their indexes serve the range.
ALTER TABLE "AccessRecord" ALTER COLUMN "path" TYPE TEXT COLLATE "C";
ALTER TABLE "AccessRecord" ALTER COLUMN "requestId" TYPE TEXT COLLATE "C";
