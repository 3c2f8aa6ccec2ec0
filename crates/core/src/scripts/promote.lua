-- Move due jobs from the scheduled zset to the ready list, atomically, so
-- any number of workers can promote side by side without duplicates.
-- KEYS[1] scheduled zset, KEYS[2] ready list, KEYS[3] schedules' due zset
-- ARGV[1] now (ms), ARGV[2] batch limit, ARGV[3] queue base key
-- Returns {promoted, next due score or -1, the earliest schedule's next
-- tick or -1} (the promoter sleeps until the earlier of the two).
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then
  -- The due members are exactly the lowest ranks.
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #due - 1)
  redis.call('RPUSH', KEYS[2], unpack(due))
  for _, envelope in ipairs(due) do
    local ok, job = pcall(cjson.decode, envelope)
    if ok and type(job) == 'table' and type(job.id) == 'string' then
      redis.call('HSET', ARGV[3] .. ':job:' .. job.id, 'state', 'queued', 'updated_at', ARGV[1])
    end
  end
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local tick = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
return {#due, nxt[2] or -1, tick[2] or -1}
