-- Recover the jobs of workers whose heartbeat has expired: move their
-- processing lists back to the head of the ready list, oldest first, and
-- count the loss on each job's status. Atomic, so two live workers reaping
-- at once cannot both requeue a job.
--
-- A dead worker stays registered for ARGV[3] ms after it was first found
-- dead, and its list is emptied on every reap meanwhile: a move Redis
-- carries out late for it (a BLMOVE read before a freeze, executed after)
-- still lands in a list the reapers look at. A worker that beats again is
-- simply alive again.
-- KEYS[1] workers set, KEYS[2] ready list, KEYS[3] dead-since zset
-- ARGV[1] queue base key, ARGV[2] now (ms), ARGV[3] forget after (ms)
-- Returns {jobs recovered, workers newly found dead}.
local now, forget = tonumber(ARGV[2]), tonumber(ARGV[3])
local moved, found = 0, 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. ':heartbeat:' .. worker) == 0 then
    local processing = ARGV[1] .. ':processing:' .. worker
    while true do
      local envelope = redis.call('LMOVE', processing, KEYS[2], 'RIGHT', 'LEFT')
      if not envelope then break end
      moved = moved + 1
      local ok, job = pcall(cjson.decode, envelope)
      if ok and type(job) == 'table' and type(job.id) == 'string' then
        local key = ARGV[1] .. ':job:' .. job.id
        redis.call('HSET', key, 'state', 'queued', 'updated_at', ARGV[2])
        redis.call('HINCRBY', key, 'lost', 1)
      end
    end
    local since = tonumber(redis.call('ZSCORE', KEYS[3], worker))
    if not since then
      redis.call('ZADD', KEYS[3], now, worker)
      found = found + 1
    elseif now - since >= forget then
      redis.call('SREM', KEYS[1], worker)
      redis.call('ZREM', KEYS[3], worker)
    end
  else
    redis.call('ZREM', KEYS[3], worker)
  end
end
return {moved, found}
