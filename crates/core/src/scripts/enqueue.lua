-- Enqueue one job, now or later.
-- KEYS[1] ready list, KEYS[2] scheduled zset, KEYS[3] the job's status hash
-- ARGV[1] envelope, ARGV[2] run_at (ms), ARGV[3] now (ms), ARGV[4] type,
-- ARGV[5] max_attempts, ARGV[6] wake channel
-- Returns 1 when scheduled, 0 when queued.
local envelope, run_at, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local state = 'queued'
if run_at > now then
  state = 'scheduled'
  redis.call('ZADD', KEYS[2], run_at, envelope)
else
  redis.call('RPUSH', KEYS[1], envelope)
end
redis.call('HSET', KEYS[3], 'state', state, 'type', ARGV[4], 'attempts', 0,
  'max_attempts', ARGV[5], 'enqueued_at', ARGV[3], 'run_at', ARGV[2], 'updated_at', ARGV[3])
if state == 'scheduled' then
  -- Wake the promoters only when this job is now the earliest one.
  local first = redis.call('ZRANGE', KEYS[2], 0, 0)
  if first[1] == envelope then
    redis.call('PUBLISH', ARGV[6], ARGV[2])
  end
  return 1
end
return 0
