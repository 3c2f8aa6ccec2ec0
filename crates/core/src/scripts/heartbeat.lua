-- Register a worker on a queue and refresh its heartbeat. Idempotent, so a
-- worker that was presumed dead (and reaped) registers itself again.
-- KEYS[1] workers set, KEYS[2] heartbeat key
-- ARGV[1] worker id, ARGV[2] heartbeat time to live (ms),
-- ARGV[3] the worker's description (JSON, shown to operators)
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
return 1
