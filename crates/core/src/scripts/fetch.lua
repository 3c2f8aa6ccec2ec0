-- Take up to N jobs for one worker: move them from the ready list to the
-- worker's processing list and mark them running.
-- KEYS[1] ready list, KEYS[2] the worker's processing list
-- ARGV[1] N, ARGV[2] now (ms), ARGV[3] queue base key,
-- ARGV[4] an envelope already moved by BLMOVE, or '' (it is marked too)
-- Returns a flat list {envelope, lost, envelope, lost, ...} where lost counts
-- the times the job was recovered from a dead worker.
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
