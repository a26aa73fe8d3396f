-- GET /api/v1/connectors/{id} with a random one of the loaded ids per request.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require("common")

local ids = {}
local auth = "Bearer " .. os.getenv("BENCH_TOKEN")

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  math.randomseed(os.time() + tid * 7919)
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/api/v1/connectors/" .. id, { ["Authorization"] = auth })
end
