-- A worker shutting down hands its unfinished jobs back: its processing list
-- goes to the head of the ready list, oldest first, and it deregisters.
-- KEYS[1] processing list, KEYS[2] ready list, KEYS[3] workers set,
-- KEYS[4] heartbeat key, KEYS[5] dead-workers zset
-- ARGV[1] queue base key, ARGV[2] now (ms), ARGV[3] worker id
-- Returns the number of jobs handed back.
local moved = 0
while true do
  local envelope = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not envelope then break end
  moved = moved + 1
  local ok, job = pcall(cjson.decode, envelope)
  if ok and type(job) == 'table' and type(job.id) == 'string' then
    redis.call('HSET', ARGV[1] .. ':job:' .. job.id, 'state', 'queued', 'updated_at', ARGV[2])
  end
end
redis.call('SREM', KEYS[3], ARGV[3])
redis.call('DEL', KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[3])
return moved
