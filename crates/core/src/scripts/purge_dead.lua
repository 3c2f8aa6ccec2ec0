-- Empty a queue's dead set, however large: UNLINK frees it off Redis's
-- main thread.
-- KEYS[1] dead zset
-- Returns how many members it held.
local n = redis.call('ZCARD', KEYS[1])
redis.call('UNLINK', KEYS[1])
return n
