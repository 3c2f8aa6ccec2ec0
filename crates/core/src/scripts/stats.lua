-- Counts for one queue in one round trip.
-- KEYS[1] ready, KEYS[2] scheduled, KEYS[3] dead, KEYS[4] workers,
-- KEYS[5] stats hash, KEYS[6] control hash
-- ARGV[1] queue base key
-- Returns {ready, scheduled, processing, dead, workers, done, retried, buried,
-- control}: control is the control hash's fields and values, flat.
local processing = 0
local workers = redis.call('SMEMBERS', KEYS[4])
for _, worker in ipairs(workers) do
  processing = processing + redis.call('LLEN', ARGV[1] .. ':processing:' .. worker)
end
local counters = redis.call('HMGET', KEYS[5], 'done', 'retried', 'dead')
return {
  redis.call('LLEN', KEYS[1]),
  redis.call('ZCARD', KEYS[2]),
  processing,
  redis.call('ZCARD', KEYS[3]),
  #workers,
  tonumber(counters[1] or 0),
  tonumber(counters[2] or 0),
  tonumber(counters[3] or 0),
  redis.call('HGETALL', KEYS[6]),
}
