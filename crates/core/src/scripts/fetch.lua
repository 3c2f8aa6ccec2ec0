-- Take up to N jobs for one worker: move them from the ready list to the
-- worker's processing list and mark them running.
-- The claim also registers the worker and, if its heartbeat is missing
-- (expired during a stall, or lost with a Redis restart), sets it: no
-- processing list that receives jobs is unknown to the reapers.
-- KEYS[1] ready list, KEYS[2] the worker's processing list,
-- KEYS[3] workers set, KEYS[4] the worker's heartbeat key
-- ARGV[1] N, ARGV[2] now (ms), ARGV[3] queue base key,
-- ARGV[4] an envelope already moved by BLMOVE, or '' (it is marked too),
-- ARGV[5] worker id, ARGV[6] heartbeat time to live (ms)
-- Returns a flat list {envelope, lost, envelope, lost, ...} where lost counts
-- the times the job was recovered from a dead worker.
redis.call('SADD', KEYS[3], ARGV[5])
redis.call('SET', KEYS[4], '1', 'PX', ARGV[6], 'NX')
local out = {}
local function claim(envelope)
  local lost = 0
  local ok, job = pcall(cjson.decode, envelope)
  if ok and type(job) == 'table' and type(job.id) == 'string' then
    local key = ARGV[3] .. ':job:' .. job.id
    redis.call('HSET', key, 'state', 'running', 'updated_at', ARGV[2])
    lost = tonumber(redis.call('HGET', key, 'lost') or '0') or 0
  end
  out[#out + 1] = envelope
  out[#out + 1] = lost
end
if ARGV[4] ~= '' then
  claim(ARGV[4])
end
for _ = #out / 2 + 1, tonumber(ARGV[1]) do
  local envelope = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
  if not envelope then break end
  claim(envelope)
end
return out
