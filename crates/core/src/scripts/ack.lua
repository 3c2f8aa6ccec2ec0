-- Acknowledge finished jobs: drop them from the worker's processing list and
-- mark them done for the retention period, freeing their unique keys. (A
-- job whose handler finished before its cancel reached it is done.) A job no longer in the list (it
-- was recovered from this worker meanwhile) is not counted.
-- KEYS[1] processing list, KEYS[2] stats hash, KEYS[3] this minute's counters
-- ARGV[1] now (ms), ARGV[2] retention (s), ARGV[3] queue base key,
-- ARGV[4] minute counters' time to live (s), ARGV[5..] triples of
-- (envelope, job id, unique key or '')
-- Returns the number acknowledged.
local n = 0
for i = 5, #ARGV, 3 do
  if redis.call('LREM', KEYS[1], 1, ARGV[i]) > 0 then
    n = n + 1
    local key = ARGV[3] .. ':job:' .. ARGV[i + 1]
    redis.call('HSET', key, 'state', 'done', 'updated_at', ARGV[1])
    redis.call('EXPIRE', key, ARGV[2])
    if ARGV[i + 2] ~= '' then
      local u = ARGV[3] .. ':unique:' .. ARGV[i + 2]
      if redis.call('GET', u) == ARGV[i + 1] then redis.call('DEL', u) end
    end
  end
end
if n > 0 then
  redis.call('HINCRBY', KEYS[2], 'done', n)
  redis.call('HINCRBY', KEYS[3], 'done', n)
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return n
