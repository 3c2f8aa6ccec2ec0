-- Cancel a job for good. A scheduled one (or one waiting for a retry)
-- leaves the delay set (found by its due time, the status's run_at); a
-- queued one is dropped by the claim that reaches it (fetch.lua checks the
-- state); a running one is aborted by its worker, told on the cancel
-- channel. It is never retried or run again, its unique key is free, and
-- its status expires after the retention, as a finished job's.
-- KEYS[1] status hash, KEYS[2] scheduled zset
-- ARGV[1] job id, ARGV[2] now (ms), ARGV[3] retention (s),
-- ARGV[4] cancel channel, ARGV[5] queue base key
-- Returns {1, state before} when cancelled, {0, state} when it had
-- already finished, {-1, ''} when unknown.
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {-1, ''} end
if state == 'done' or state == 'dead' or state == 'cancelled' then
  return {0, state}
end
if state == 'scheduled' or state == 'failed' then
  local at = redis.call('HGET', KEYS[1], 'run_at')
  if at then
    for _, envelope in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], at, at)) do
      local ok, job = pcall(cjson.decode, envelope)
      if ok and type(job) == 'table' and job.id == ARGV[1] then
        redis.call('ZREM', KEYS[2], envelope)
      end
    end
  end
end
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'updated_at', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
local unique = redis.call('HGET', KEYS[1], 'unique')
if unique then
  local key = ARGV[5] .. ':unique:' .. unique
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
if state == 'running' then
  redis.call('PUBLISH', ARGV[4], ARGV[1])
end
return {1, state}
