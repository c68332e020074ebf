-- The requests a browser makes for the page: the HTML, its stylesheet and script, the icon,
-- each asking for gzip, in turn. Each request comes from one of 8192 client addresses per wrk
-- thread (X-Forwarded-For, which the shipped config believes from 127.0.0.1 in the benchmark,
-- as it would from a trusted ingress), so nginx's per-client limits (20 requests/s per
-- address) see many ordinary clients, as in production, not one client asking 40000 times a
-- second. The requests are built once, so sending them costs wrk no more than before.
local requests = {}
local i = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  local paths = {}
  for _, p in ipairs(args) do paths[#paths + 1] = p end
  local t = thread_id or 1
  for n = 0, 8191 do
    local address = string.format("10.%d.%d.%d", t, math.floor(n / 256), n % 256)
    requests[#requests + 1] = wrk.format("GET", paths[(n % #paths) + 1],
      { ["Accept-Encoding"] = "gzip, deflate, br", ["X-Forwarded-For"] = address })
  end
end

request = function()
  i = (i % #requests) + 1
  return requests[i]
end
