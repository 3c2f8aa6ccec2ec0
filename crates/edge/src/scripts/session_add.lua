-- Index a new session of a user, and keep the index bounded.
-- KEYS[1]: the user's session index (sorted set: session digest -> creation
-- time in microseconds, by Redis's clock, strictly increasing per user so
-- the oldest is always the one ended)
-- ARGV[1]: the new session's digest; ARGV[2]: a session's absolute
-- lifetime (ms); ARGV[3]: most sessions a user keeps
-- Entries older than a session can live are dropped (their records have
-- expired), then the oldest beyond ARGV[3]. The index lives as long as its
-- newest session can.
-- Returns the digests of the live sessions it ended, for the caller to
-- delete their records (each in its own slot, so not from here).
local life, most = tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) >= now then
  now = tonumber(newest[2]) + 1
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - life * 1000))
local ended = {}
local extra = redis.call('ZCARD', KEYS[1]) - most
if extra > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[1], extra)
  for i = 1, #oldest, 2 do
    ended[#ended + 1] = oldest[i]
  end
end
redis.call('PEXPIRE', KEYS[1], life)
return ended
