-- File a cache entry under a tag, and keep the tag index no larger than its
-- live entries.
-- KEYS[1]: the tag index (zset: full entry key -> its expiry, ms)
-- ARGV[1]: the entry's full key; ARGV[2]: its expiry (ms since the epoch);
-- ARGV[3]: now (ms)
-- Members whose entries have expired are dropped on every add, and the
-- index itself expires with its longest-lived entry, so anonymous traffic
-- (unknown ids, unknown slugs) leaves nothing behind once its TTL passed.
-- Returns the index's size.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
-- GT: a member's expiry only moves later (new members are added as usual).
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return redis.call('ZCARD', KEYS[1])
