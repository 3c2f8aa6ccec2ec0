-- Move a job that failed for good (or could not be read) to the dead set.
-- KEYS[1] processing list, KEYS[2] dead zset, KEYS[3] status hash,
-- KEYS[4] stats hash, KEYS[5] this minute's counters
-- ARGV[1] envelope as taken, ARGV[2] envelope to keep, ARGV[3] now (ms),
-- ARGV[4] attempts, ARGV[5] last error, ARGV[6] status retention (s),
-- ARGV[7] minute counters' time to live (s), ARGV[8] most jobs the dead
-- set keeps, ARGV[9] longest a dead job is kept (ms), ARGV[10] queue base
-- key, ARGV[11] job id (its unique key, if any, is freed)
-- The dead set stays bounded: jobs older than ARGV[9] leave it, then the
-- oldest beyond the newest ARGV[8]. (Their status records expire on their
-- own, ARGV[6].)
-- Returns 1, or 0 when the job was no longer owned by this worker.
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
if redis.call('HGET', KEYS[3], 'state') == 'cancelled' then
  return 1 -- cancelled while it ran: it stays cancelled
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[3]) - tonumber(ARGV[9])))
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[8]) + 1))
redis.call('HSET', KEYS[3], 'state', 'dead', 'attempts', ARGV[4], 'last_error', ARGV[5],
  'updated_at', ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[6])
local unique = redis.call('HGET', KEYS[3], 'unique')
if unique then
  local u = ARGV[10] .. ':unique:' .. unique
  if redis.call('GET', u) == ARGV[11] then redis.call('DEL', u) end
end
redis.call('HINCRBY', KEYS[4], 'dead', 1)
redis.call('HINCRBY', KEYS[5], 'failed', 1)
redis.call('EXPIRE', KEYS[5], ARGV[7])
return 1
