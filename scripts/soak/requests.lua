-- wrk script for scripts/soak.sh and scripts/sanitize.sh: a mix of sticky (JSESSIONID with a route), new
-- (no cookie) and cached requests, gzipped or not. Non-2xx answers are counted by wrk itself.
local sessions = {}
local i = 0

function init(args)
  for n = 1, 64 do
    local route = (n % 2 == 0) and "tomcat1" or "tomcat2"
    sessions[n] = string.format("JSESSIONID=%016X%08X.%s", n * 7919, math.random(0, 0x7fffffff), route)
  end
end

function request()
  i = i + 1
  local k = i % 8
  local s = sessions[(i % #sessions) + 1]
  if k == 0 then
    return wrk.format("GET", "/login", { ["Accept-Encoding"] = "gzip" })
  elseif k == 1 or k == 2 then
    return wrk.format("GET", "/1k.bin", { Cookie = s })
  elseif k == 3 then
    return wrk.format("GET", "/10k.txt", { Cookie = s, ["Accept-Encoding"] = "gzip" })
  elseif k == 4 then
    return wrk.format("GET", "/10k.txt", { Cookie = s })
  elseif k == 5 then
    -- 500 keys in a 2 MiB cache valid for 2 s: hits, misses, expiries and evictions all happen.
    return wrk.format("GET", "/cached/10k.txt?k=" .. (i % 500), { ["Accept-Encoding"] = "gzip" })
  else
    return wrk.format("GET", "/cached/1k.bin?k=" .. (i % 50), { Cookie = s })
  end
end
