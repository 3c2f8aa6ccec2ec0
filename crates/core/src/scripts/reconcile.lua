-- A live worker hands back what its processing list holds but it is not
-- running: envelopes moved by a claim or BLMOVE whose reply never arrived
-- (timeout, dropped connection, Redis frozen), or rolled back to the list
-- by a failover after their ack. They go back to the head of the ready list.
-- Counts matter: an envelope held twice and running once is handed back once.
-- KEYS[1] the worker's processing list, KEYS[2] ready list
-- ARGV[1] queue base key, ARGV[2] now (ms), ARGV[3..] the envelopes the
-- worker is running (or still acknowledging)
-- Returns the number handed back.
local running = {}
for i = 3, #ARGV do
  running[ARGV[i]] = (running[ARGV[i]] or 0) + 1
end
local orphans = {}
for _, envelope in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local n = running[envelope] or 0
  if n > 0 then
    running[envelope] = n - 1
  else
    orphans[#orphans + 1] = envelope
  end
end
-- The oldest orphan ends up at the very head.
for i = #orphans, 1, -1 do
  local envelope = orphans[i]
  redis.call('LREM', KEYS[1], -1, envelope)
  redis.call('LPUSH', KEYS[2], envelope)
  local ok, job = pcall(cjson.decode, envelope)
  if ok and type(job) == 'table' and type(job.id) == 'string' then
    redis.call('HSET', ARGV[1] .. ':job:' .. job.id, 'state', 'queued', 'updated_at', ARGV[2])
  end
end
return #orphans
