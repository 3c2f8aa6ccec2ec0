-- A cancelled job leaves its worker's processing list (its handler was
-- aborted, or it finished after the cancel): nothing else changes.
-- KEYS[1] processing list
-- ARGV[1] envelope as taken
-- Returns 1, or 0 when the job was no longer owned by this worker.
return redis.call('LREM', KEYS[1], 1, ARGV[1])
