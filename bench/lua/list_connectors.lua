-- GET /api/v1/connectors?limit=50 (the first page).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
require("common")

wrk.method = "GET"
wrk.path = "/api/v1/connectors?limit=50"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
