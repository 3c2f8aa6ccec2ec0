-- Load a session and slide its idle expiry, capped by its absolute one.
-- KEYS[1]: the session key, whose value is "<absolute expiry ms>|<json>"
-- ARGV[1]: now (ms); ARGV[2]: the idle timeout (ms)
-- Returns the stored value, or false for a missing or expired session
-- (which is deleted).
local v = redis.call('GET', KEYS[1])
if not v then
  return false
end
local abs = tonumber(string.match(v, '^(%d+)|'))
local now = tonumber(ARGV[1])
if abs == nil or abs <= now then
  redis.call('DEL', KEYS[1])
  return false
end
local ttl = math.min(tonumber(ARGV[2]), abs - now)
redis.call('PEXPIRE', KEYS[1], ttl)
return v
