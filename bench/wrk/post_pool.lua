-- wrk script of bench/serve_bench.sh: POSTs JSON bodies from a pool file (one body a line,
-- written by bench/peer_fastapi/pool.py bodies). Each wrk thread cycles through the whole
-- pool from its own offset, request after request, so consecutive requests never repeat a
-- (creator, caption) pair and nothing measures a cache.
--   wrk -t2 -c8 -d10s --latency -s bench/wrk/post_pool.lua URL -- PATH BODIES [BEARER_KEY]
-- PATH is the route ("/api/v1/plep"); with BEARER_KEY every request carries
-- "Authorization: Bearer KEY". The pool file is read once per wrk thread.

local bodies = {}
local path, auth
local next_body = 1
local thread_count = 0
local threads = {}

-- Runs in the main Lua state: numbers the threads so each starts at a different offset.
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  local file = args[2]
  if path == nil or file == nil then
    error("usage: wrk ... -s post_pool.lua URL -- PATH BODIES [BEARER_KEY]")
  end
  for line in io.lines(file) do
    if #line > 0 then table.insert(bodies, line) end
  end
  if #bodies == 0 then error(file .. ": no request bodies") end
  local headers = {["Content-Type"] = "application/json"}
  if args[3] ~= nil and #args[3] > 0 then
    headers["Authorization"] = "Bearer " .. args[3]
  end
  auth = headers
  -- Threads start a prime stride apart in the pool.
  next_body = ((thread_index or 1) - 1) * 97 % #bodies + 1
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format("POST", path, auth, body)
end
