-- Take one attempt against every counter, all or nothing.
-- KEYS: the counters (plain integers, one fixed window each)
-- ARGV[1]: the window, ms; ARGV[1 + i]: the most attempts KEYS[i] allows
-- Returns 0 when the attempt is counted in every counter, else the ms until
-- the last exceeded window ends (nothing is counted then).
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n == nil then
    return redis.error_reply('ERR throttle counter is not a number')
  end
  if n >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      -- A counter that lost its expiry would lock out for ever: give it one.
      redis.call('PEXPIRE', key, window)
      ttl = window
    end
    if ttl > wait then
      wait = ttl
    end
  end
end
if wait > 0 then
  return wait
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('PEXPIRE', key, window)
  end
end
return 0
