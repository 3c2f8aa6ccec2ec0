-- Enqueue one job, now or later; with a unique key, only when no job with
-- that key is unfinished in the queue.
-- KEYS[1] ready list, KEYS[2] scheduled zset, KEYS[3] the job's status hash,
-- KEYS[4] (with a unique key) the unique key's record
-- ARGV[1] envelope, ARGV[2] run_at (ms), ARGV[3] now (ms), ARGV[4] type,
-- ARGV[5] max_attempts, ARGV[6] wake channel, ARGV[7] unique key or '',
-- ARGV[8] the unique record's time to live (ms), ARGV[9] job id,
-- ARGV[10] queue base key, ARGV[11] the producer's trace id or ''
-- The holder's status hash `P:{q}:job:ID` is derived from ARGV[10] (same
-- hash tag). A holder that is done, dead, cancelled or gone frees the key.
-- Returns {1} when scheduled, {0} when queued, {2, id, state} when the job
-- with the unique key, id, is still unfinished (nothing was created).
local envelope, run_at, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if ARGV[7] ~= '' then
  local holder = redis.call('GET', KEYS[4])
  if holder then
    local held = redis.call('HGET', ARGV[10] .. ':job:' .. holder, 'state')
    if held and held ~= 'done' and held ~= 'dead' and held ~= 'cancelled' then
      return {2, holder, held}
    end
  end
  redis.call('SET', KEYS[4], ARGV[9], 'PX', ARGV[8])
end
local state = 'queued'
if run_at > now then
  state = 'scheduled'
  redis.call('ZADD', KEYS[2], run_at, envelope)
else
  redis.call('RPUSH', KEYS[1], envelope)
end
redis.call('HSET', KEYS[3], 'state', state, 'type', ARGV[4], 'attempts', 0,
  'max_attempts', ARGV[5], 'enqueued_at', ARGV[3], 'run_at', ARGV[2], 'updated_at', ARGV[3])
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[3], 'unique', ARGV[7])
end
if ARGV[11] ~= '' then
  redis.call('HSET', KEYS[3], 'trace_id', ARGV[11])
end
if state == 'scheduled' then
  -- Wake the promoters only when this job is now the earliest one.
  local first = redis.call('ZRANGE', KEYS[2], 0, 0)
  if first[1] == envelope then
    redis.call('PUBLISH', ARGV[6], ARGV[2])
  end
  return {1}
end
return {0}
