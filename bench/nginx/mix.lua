-- The requests a browser makes for the page: the HTML, its stylesheet and script, the icon,
-- each asking for gzip, in turn.
local paths = {}
local i = 0

function init(args)
  for _, p in ipairs(args) do paths[#paths + 1] = p end
end

request = function()
  i = (i % #paths) + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip, deflate, br" })
end
