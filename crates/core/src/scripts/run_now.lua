-- Run a scheduled job now (an operator's action): move it from the
-- scheduled set to the ready list as a new envelope due now.
-- KEYS[1] scheduled zset, KEYS[2] ready list, KEYS[3] the job's status hash
-- ARGV[1] envelope as scheduled, ARGV[2] envelope to queue, ARGV[3] now (ms)
-- Returns 1, or 0 when it was no longer scheduled (promoted meanwhile).
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'state', 'queued', 'run_at', ARGV[3], 'updated_at', ARGV[3])
return 1
