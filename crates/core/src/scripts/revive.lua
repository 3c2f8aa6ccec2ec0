-- Send a dead job back to the ready list with a fresh attempt budget.
-- KEYS[1] dead zset, KEYS[2] ready list, KEYS[3] status hash
-- ARGV[1] envelope in the dead set, ARGV[2] envelope to queue, ARGV[3] now (ms)
-- Returns 1, or 0 when it was no longer in the dead set.
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'state', 'queued', 'attempts', 0, 'lost', 0, 'updated_at', ARGV[3])
redis.call('PERSIST', KEYS[3])
return 1
