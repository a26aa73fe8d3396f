-- GET /api/v1/connectors/{id} with a random one of the loaded ids per request. The requests
-- are built once, in init (as wrk builds a static one): per request the client only picks one,
-- so its own CPU (shared with the servers) is not spent on string building.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require("common")

local requests = {}

function init(args)
  local auth = "Bearer " .. os.getenv("BENCH_TOKEN")
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("GET", "/api/v1/connectors/" .. line, { ["Authorization"] = auth })
    end
  end
  math.randomseed(os.time() + tid * 7919)
end

function request()
  return requests[math.random(#requests)]
end
