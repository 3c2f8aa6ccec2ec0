-- Fire one tick of a schedule. The tick is claimed by a compare-and-set on
-- the schedule's score in the due set, and the job's id is derived from
-- the schedule and the tick, so however many promoters see the tick due,
-- one job is created.
-- KEYS[1] schedules' due zset, KEYS[2] the schedule's hash, KEYS[3] ready
-- list, KEYS[4] the tick's job status hash
-- ARGV[1] name, ARGV[2] the due score as read, ARGV[3] tick (ms),
-- ARGV[4] next tick (ms) or -1 (none: the schedule leaves the due set),
-- ARGV[5] envelope, ARGV[6] now (ms), ARGV[7] type, ARGV[8] max_attempts
-- Returns 1 when this call created the tick's job, 0 when another did or
-- the schedule changed meanwhile.
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) ~= tonumber(ARGV[2]) then
  return 0
end
if tonumber(ARGV[4]) < 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[2], 'last_run_at', ARGV[3], 'next_run_at', '')
else
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
  redis.call('HSET', KEYS[2], 'last_run_at', ARGV[3], 'next_run_at', ARGV[4])
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  return 0
end
redis.call('RPUSH', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[4], 'state', 'queued', 'type', ARGV[7], 'attempts', 0,
  'max_attempts', ARGV[8], 'enqueued_at', ARGV[6], 'run_at', ARGV[3],
  'updated_at', ARGV[6], 'schedule', ARGV[1], 'tick_at', ARGV[3])
return 1
