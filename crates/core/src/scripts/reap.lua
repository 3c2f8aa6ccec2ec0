-- Recover the jobs of workers whose heartbeat has expired: move their
-- processing lists back to the head of the ready list, oldest first, and
-- count the loss on each job's status. Atomic, so two live workers reaping
-- at once cannot both requeue a job.
-- KEYS[1] workers set, KEYS[2] ready list
-- ARGV[1] queue base key, ARGV[2] now (ms)
-- Returns {jobs recovered, workers reaped}.
local moved, reaped = 0, 0
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
    redis.call('SREM', KEYS[1], worker)
    reaped = reaped + 1
  end
end
return {moved, reaped}
