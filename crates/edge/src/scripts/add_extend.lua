-- Add a member to a set and keep the set alive at least ARGV[2] ms.
-- KEYS[1]: the set (a tag set or a user's session index)
-- ARGV[1]: the member; ARGV[2]: the lifetime the member needs, ms
-- Returns 1 if the member is new.
local added = redis.call('SADD', KEYS[1], ARGV[1])
local need = tonumber(ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < need then
  redis.call('PEXPIRE', KEYS[1], need)
end
return added
