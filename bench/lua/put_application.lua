-- Wizard PUT /api/v1/connectors/{id}/versions/1/steps/application on a random loaded connector.
-- `arguments` carries a per-thread counter, so every PUT changes the stored configuration
-- (a body equal to the stored one is a no-op in the portal and would not measure a write).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require("common")

local ids = {}
local auth = "Bearer " .. os.getenv("BENCH_TOKEN")
local counter = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  math.randomseed(os.time() + tid * 104729)
end

function request()
  counter = counter + 1
  local id = ids[math.random(#ids)]
  local body = string.format('{"command":"python","arguments":"main.py run --bench %d-%d"}', tid, counter)
  return wrk.format("PUT", "/api/v1/connectors/" .. id .. "/versions/1/steps/application",
    { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, body)
end
