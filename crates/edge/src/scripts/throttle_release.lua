-- Give back an attempt that turned out well.
-- KEYS: the counters; ARGV[1]: how many of KEYS, from the first, to clear
-- (deleted); the rest are counted down by one (never below zero).
-- Returns 0.
local clear = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if i <= clear then
    redis.call('DEL', key)
  else
    local n = tonumber(redis.call('GET', key) or '0')
    if n ~= nil and n > 0 then
      redis.call('DECR', key)
    end
  end
end
return 0
