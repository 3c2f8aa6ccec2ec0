-- Reschedule a failed job for another attempt.
-- KEYS[1] processing list, KEYS[2] scheduled zset, KEYS[3] status hash,
-- KEYS[4] stats hash, KEYS[5] this minute's counters
-- ARGV[1] old envelope, ARGV[2] new envelope, ARGV[3] run_at (ms),
-- ARGV[4] now (ms), ARGV[5] attempts, ARGV[6] last error, ARGV[7] wake channel,
-- ARGV[8] minute counters' time to live (s)
-- Returns 1, or 0 when the job was no longer owned by this worker.
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
if redis.call('HGET', KEYS[3], 'state') == 'cancelled' then
  return 1 -- cancelled while it ran: never retried
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[3], 'state', 'failed', 'attempts', ARGV[5], 'last_error', ARGV[6],
  'run_at', ARGV[3], 'updated_at', ARGV[4])
redis.call('HINCRBY', KEYS[4], 'retried', 1)
redis.call('HINCRBY', KEYS[5], 'failed', 1)
redis.call('EXPIRE', KEYS[5], ARGV[8])
local first = redis.call('ZRANGE', KEYS[2], 0, 0)
if first[1] == ARGV[2] then
  redis.call('PUBLISH', ARGV[7], ARGV[3])
end
return 1
