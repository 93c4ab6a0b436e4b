-- Path searches (the Requests page, exports): a rare path over a long window is read from this index instead of
-- walking the window by start time. The planner chooses it from statistics (ANALYZE).
-- CreateIndex
CREATE INDEX "AccessRecord_path_startTime_idx" ON "AccessRecord"("path", "startTime");
