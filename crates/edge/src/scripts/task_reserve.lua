-- Reserve a place for one more unfinished task of an owner, and record
-- who owns the task, in one step (the quota holds under bursts).
-- KEYS[1]: the owner's task ids (zset, scored by reservation time, ms)
-- KEYS[2]: the new task's owner record
-- ARGV[1]: the new task id; ARGV[2]: the owner; ARGV[3]: most unfinished
-- tasks; ARGV[4]: now (ms); ARGV[5]: how long the records live (ms);
-- ARGV[6]: the queue's base key `P:{q}`; ARGV[7]: grace (ms)
-- The status hashes `P:{q}:job:ID` are derived from ARGV[6]: they share the
-- queue's hash tag `{q}` with KEYS[1], so they are in the same slot.
-- A task counts until its status says done, dead or cancelled; one with no status
-- yet counts for `grace` (its enqueue is in flight), then not (it expired
-- or its enqueue failed).
-- Returns 1 when reserved, 0 when the owner has too many unfinished tasks.
local ids = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local now, grace = tonumber(ARGV[4]), tonumber(ARGV[7])
local live = 0
for i = 1, #ids, 2 do
  local id, at = ids[i], tonumber(ids[i + 1]) or 0
  local state = redis.call('HGET', ARGV[6] .. ':job:' .. id, 'state')
  if state == 'done' or state == 'dead' or state == 'cancelled' or (not state and now - at > grace) then
    redis.call('ZREM', KEYS[1], id)
  else
    live = live + 1
  end
end
if live >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[5])
return 1
