-- Take up to N jobs for one worker: move them from the ready list to the
-- worker's processing list and mark them running, as far as the queue's
-- switches allow (KEYS[5]: paused, a concurrency limit, a rate limit).
-- The claim also registers the worker and, if its heartbeat is missing
-- (expired during a stall, or lost with a Redis restart), sets it: no
-- processing list that receives jobs is unknown to the reapers.
-- KEYS[1] ready list, KEYS[2] the worker's processing list,
-- KEYS[3] workers set, KEYS[4] the worker's heartbeat key,
-- KEYS[5] control hash, KEYS[6] recent starts zset (the rate's window)
-- ARGV[1] N, ARGV[2] now (ms), ARGV[3] queue base key,
-- ARGV[4] an envelope already moved by BLMOVE, or '' (claimed like the
-- others; when the switches allow none it goes back to the ready list's
-- head), ARGV[5] worker id, ARGV[6] heartbeat time to live (ms),
-- ARGV[7] how long a paused or full queue asks the worker to wait (ms)
-- A job cancelled while queued (its status says so) is dropped, not run.
-- Returns {wait, envelope, lost, envelope, lost, ...}: wait is 0, or how
-- long (ms) before claiming again may succeed when the switches allowed
-- fewer than N; lost counts the times a job was recovered from a dead
-- worker.
redis.call('SADD', KEYS[3], ARGV[5])
redis.call('SET', KEYS[4], '1', 'PX', ARGV[6], 'NX')
local blocked = ARGV[4]
local want, wait = tonumber(ARGV[1]), 0
local control = redis.call('HMGET', KEYS[5], 'paused', 'rate', 'per_ms', 'concurrency')
local function cap(free, retry)
  if free < want then
    want = math.max(free, 0)
    wait = math.max(wait, retry)
  end
end
if control[1] == '1' then
  cap(0, tonumber(ARGV[7]))
end
local concurrency = tonumber(control[4])
if concurrency and want > 0 then
  local running = 0
  for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    running = running + redis.call('LLEN', ARGV[3] .. ':processing:' .. w)
  end
  if blocked ~= '' then running = running - 1 end
  cap(concurrency - running, tonumber(ARGV[7]))
end
local rate, per = tonumber(control[2]), tonumber(control[3])
local now = 0
if rate and per and want > 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. (now - per))
  local oldest = redis.call('ZRANGE', KEYS[6], 0, 0, 'WITHSCORES')
  local retry = oldest[2] and (tonumber(oldest[2]) + per - now) or per
  cap(rate - redis.call('ZCARD', KEYS[6]), math.max(retry, 1))
else
  rate = nil
end
local out = {wait}
local starts = {}
local function claim(envelope)
  local lost = 0
  local ok, job = pcall(cjson.decode, envelope)
  local id = ''
  if ok and type(job) == 'table' and type(job.id) == 'string' then
    id = job.id
    local key = ARGV[3] .. ':job:' .. id
    local status = redis.call('HMGET', key, 'state', 'lost')
    if status[1] == 'cancelled' then
      -- Cancelled while queued: dropped here, never run.
      redis.call('LREM', KEYS[2], -1, envelope)
      return
    end
    redis.call('HSET', key, 'state', 'running', 'updated_at', ARGV[2])
    lost = tonumber(status[2] or '0') or 0
  end
  if rate then
    starts[#starts + 1] = now
    starts[#starts + 1] = now .. ':' .. id .. ':' .. #out
  end
  out[#out + 1] = envelope
  out[#out + 1] = lost
end
if blocked ~= '' then
  if want > 0 then
    claim(blocked)
  else
    redis.call('LREM', KEYS[2], -1, blocked)
    redis.call('LPUSH', KEYS[1], blocked)
  end
end
for _ = (#out - 1) / 2 + 1, want do
  local envelope = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
  if not envelope then break end
  claim(envelope)
end
if #starts > 0 then
  redis.call('ZADD', KEYS[6], unpack(starts))
  redis.call('PEXPIRE', KEYS[6], per)
end
return out
