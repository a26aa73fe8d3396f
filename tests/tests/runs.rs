//! Runs end to end on the local host: a test connector built by the pipeline (busybox on
//! scratch) runs on its dev site in a real container, talks to the run API with its own
//! token, prints to stdout and stderr, echoes its password, makes a malformed call and exits
//! with a chosen code — in both execution modes. Then every run field, log filter, download,
//! the masking everywhere, time limits, cancel, the run token's reach and tenancy.

use devportal_tests::connector_fixtures::{base_image, dockerfile};
use devportal_tests::git_fixtures::BareRepo;
use devportal_tests::{Client, Portal};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PASSWORD: &str = "hunter2-Sup3r-secret";
const VAULT_VALUE: &str = "vault-value-9f8e7d";

/// The test connector: logs at several levels, output rows, stdout and stderr, its password
/// echoed, a malformed call, its input read back, an optional sleep, a chosen exit code.
/// Values arrive as environment variables (`env` mode) or `--key=value` options.
const RUN_SCRIPT: &str = r#"#!/bin/sh
case "$1" in --health-check) echo healthy; exit 0 ;; esac
PW="$PASSWORD"; CODE="${EXIT_CODE:-0}"; SLEEP="${SLEEP_SECS:-0}"
for a in "$@"; do
  case "$a" in
    --password=*) PW="${a#--password=}" ;;
    --exit-code=*) CODE="${a#--exit-code=}" ;;
    --sleep-secs=*) SLEEP="${a#--sleep-secs=}" ;;
  esac
done
api() { wget -q -O /dev/null --header "Authorization: Bearer $CDE_RUN_TOKEN" --header "Content-Type: application/json" --post-data "$2" "$CDE_RUN_API/$1"; }
echo "stdout line one"
echo "the password is $PW"
echo "vault says $CDE_SECRET_SHOP_API_KEY"
echo "stderr line" >&2
api logs '{"entries":[{"level":6,"message":"fetched 3 products"},{"level":4,"message":"slow shop answer"},{"level":3,"message":"product 7 failed","context":{"sku":"7"}},{"level":"success","message":"all done"},{"level":7,"message":"debug detail"}]}'
api logs "{\"entries\":[{\"level\":6,\"message\":\"logging my password $PW\",\"context\":{\"pw\":\"$PW\"}}]}"
api output '{"rows":[{"sku":"1","price":{"amount":10,"currency":"EUR"}},{"sku":"2","price":{"amount":20,"currency":"EUR"}}]}'
api progress '{"percent":50,"message":"half way"}'
api logs '{"entries":[{"level":12,"message":"bad level"}]}' || echo "malformed call refused"
wget -q -O - --header "Authorization: Bearer $CDE_RUN_TOKEN" "$CDE_RUN_API/input" && echo
sleep "$SLEEP"
exit "$CODE"
"#;

fn run_repo() -> BareRepo {
    base_image();
    BareRepo::create(&[("Dockerfile", &dockerfile("")), ("main.sh", RUN_SCRIPT)], "main")
}

/// A connector in `mode`, configured, built and synced to its dev site; its dev site id.
async fn runnable_connector(c: &Client, repo: &BareRepo, mode: &str) -> (String, String) {
    let created = c.post("/connectors", json!({"name": format!("Runner {mode}"), "type": "upload", "execution_mode": mode})).await.expect(201);
    let id = created["id"].as_str().unwrap().to_string();
    let v = format!("/connectors/{id}/versions/1");
    c.put(&format!("{v}/steps/vcs"), json!({"authorization": "public", "url": repo.file_url()})).await.expect(200);
    c.put(&format!("{v}/steps/application"), json!({"command": "sh", "arguments": "/app/main.sh", "health_check": "--health-check"}))
        .await
        .expect(200);
    c.put(
        &format!("{v}/steps/individual"),
        json!({"fields": [
            {"key": "password", "type": "password", "label": "Password", "required": true},
            {"key": "exit-code", "type": "number", "label": "Exit code", "default": "0"},
            {"key": "sleep-secs", "type": "number", "label": "Sleep", "default": "0"}
        ]}),
    )
    .await
    .expect(200);
    c.put(&format!("{v}/steps/auth"), json!({"secrets": [{"path": "shops/shop", "fields": ["api-key"]}]})).await.expect(200);
    for stage in ["build", "sync-runtime", "sync-dev"] {
        let job = c.run_stage(&id, stage, None).await;
        assert_eq!(job["status"], "done", "{stage}: {job}\n{}", c.job_log_text(job["id"].as_str().unwrap()).await);
    }
    let version = c.get(&v).await.expect(200);
    let site = version["deployment"]["dev"]["site_id"].as_str().expect("the version's view names its dev site").to_string();
    (id, site)
}

async fn wait_run(c: &Client, run_id: &str, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let run = c.get(&format!("/runs/{run_id}")).await.expect(200);
        if !matches!(run["status"].as_str(), Some("queued" | "running")) {
            return run;
        }
        assert!(Instant::now() < deadline, "run {run_id} did not end within {secs} s: {run}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn start_run(c: &Client, site: &str, id: &str, values: Value) -> Value {
    c.post(&format!("/sites/{site}/runs"), json!({"connector_id": id, "version": 1, "values": values, "test_input": [{"sku": "in-1"}]}))
        .await
        .expect(202)
}

fn messages(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap().to_string()).collect()
}

async fn check_a_full_run(mode: &str) {
    let repo = run_repo();
    let portal = Portal::start().await;
    let c = portal.admin();
    c.put("/vault/shops/shop", json!({"fields": {"api-key": VAULT_VALUE}})).await.expect(200);
    let (id, site) = runnable_connector(&c, &repo, mode).await;

    let queued = start_run(&c, &site, &id, json!({"password": PASSWORD, "exit-code": 3})).await;
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["site_id"], site.as_str());
    assert_eq!(queued["trigger"]["kind"], "api");
    let run_id = queued["id"].as_str().unwrap().to_string();
    let run = wait_run(&c, &run_id, 120).await;

    // Every field of the run record.
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(run["exit_code"], 3);
    assert_eq!(run["reason"], "exited with code 3");
    assert_eq!(run["version"], 1);
    assert_eq!(run["connector_id"], id.as_str());
    assert!(run["process_id"].as_str().is_some_and(|p| p.len() == 36), "{run}");
    let (started, finished) = (run["started_at"].as_str().unwrap(), run["finished_at"].as_str().unwrap());
    assert!(started <= finished);
    assert!(run["duration_ms"].as_u64().is_some());
    assert_eq!(run["progress"]["percent"], 50);
    assert_eq!(run["progress"]["message"], "half way");
    let record = run.to_string();
    assert!(!record.contains(PASSWORD) && !record.contains(VAULT_VALUE), "no secret in the run record: {record}");
    let command_line = run["command_line"].as_str().unwrap();
    if mode == "options" {
        assert!(command_line.contains("--password=********") && command_line.contains("--exit-code=3"), "{command_line}");
    } else {
        assert_eq!(command_line, "sh /app/main.sh");
        let env: Vec<(String, String)> = run["environment"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["name"].as_str().unwrap().into(), e["value"].as_str().unwrap().into()))
            .collect();
        assert!(env.contains(&("PASSWORD".into(), "********".into())), "{env:?}");
        assert!(env.contains(&("EXIT_CODE".into(), "3".into())), "{env:?}");
        assert!(env.contains(&("CDE_RUN_TOKEN".into(), "********".into())), "{env:?}");
    }

    // Logs: every entry, thresholds, text, the refused call recorded at level 3, the mask.
    let all = c.get(&format!("/runs/{run_id}/logs")).await.expect(200);
    let text = messages(&all).join("\n");
    for expected in ["fetched 3 products", "slow shop answer", "product 7 failed", "all done", "debug detail", "stderr line"] {
        assert!(text.contains(expected), "`{expected}` in the logs:\n{text}");
    }
    assert!(text.contains("run API call POST /logs refused: entries[0].level"), "the malformed call is in the log:\n{text}");
    assert!(text.contains("logging my password ****"), "{text}");
    assert!(!all.to_string().contains(PASSWORD), "the password never reaches the logs: {all}");
    assert_eq!(all["total_matches"].as_u64().unwrap() as usize, all["items"].as_array().unwrap().len());
    let errors = c.get(&format!("/runs/{run_id}/logs?min_level=3")).await.expect(200);
    let levels: Vec<Value> = errors["items"].as_array().unwrap().iter().map(|e| e["level"].clone()).collect();
    assert!(levels.iter().all(|l| l.as_u64().is_some_and(|n| n <= 3)), "{levels:?}");
    assert!(messages(&errors).contains(&"product 7 failed".to_string()));
    assert!(messages(&errors).contains(&"stderr line".to_string()), "stderr counts as error");
    let warnings = messages(&c.get(&format!("/runs/{run_id}/logs?min_level=4")).await.expect(200));
    assert!(warnings.contains(&"slow shop answer".to_string()) && !warnings.contains(&"fetched 3 products".to_string()));
    let found = c.get(&format!("/runs/{run_id}/logs?q=PRODUCT")).await.expect(200);
    assert_eq!(messages(&found), ["fetched 3 products", "product 7 failed"]);
    assert_eq!(found["total_matches"], 2);
    let success = c.get(&format!("/runs/{run_id}/logs?min_level=success")).await.expect(200);
    assert!(messages(&success).contains(&"all done".to_string()) && !messages(&success).contains(&"debug detail".to_string()));
    let entry = &errors["items"].as_array().unwrap().iter().find(|e| e["message"] == "product 7 failed").unwrap().clone();
    assert_eq!(entry["context"]["sku"], "7");
    assert_eq!(entry["run_id"], run_id.as_str());
    // Time window and pagination.
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(c.get(&format!("/runs/{run_id}/logs?from={future}")).await.expect(200)["items"].as_array().unwrap().is_empty());
    let first = c.get(&format!("/runs/{run_id}/logs?limit=2")).await.expect(200);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = c.get(&format!("/runs/{run_id}/logs?limit=2&cursor={cursor}")).await.expect(200);
    assert!(second["items"][0]["seq"].as_u64().unwrap() > first["items"][1]["seq"].as_u64().unwrap());
    c.get(&format!("/runs/{run_id}/logs?min_level=9")).await.expect_error(422, "validation_failed");

    // Downloads of the whole log.
    let res = c.raw(Method::GET, &format!("/runs/{run_id}/logs")).header("accept", "application/x-ndjson").send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    let body = res.text().await.unwrap();
    assert_eq!(body.lines().count(), all["items"].as_array().unwrap().len());
    assert!(body.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()));
    let plain =
        c.raw(Method::GET, &format!("/runs/{run_id}/logs?min_level=3")).header("accept", "text/plain").send().await.unwrap().text().await.unwrap();
    assert!(plain.contains("[error] product 7 failed"), "{plain}");
    assert!(!body.contains(PASSWORD) && !plain.contains(PASSWORD));

    // Raw stdio, line by line, with streams; the password and the vault value masked.
    let stdio = c.get(&format!("/runs/{run_id}/stdio")).await.expect(200);
    let lines: Vec<(String, String)> =
        stdio["items"].as_array().unwrap().iter().map(|l| (l["stream"].as_str().unwrap().into(), l["line"].as_str().unwrap().into())).collect();
    assert!(lines.contains(&("stdout".into(), "stdout line one".into())), "{lines:?}");
    assert!(lines.contains(&("stdout".into(), "the password is ****".into())), "{lines:?}");
    assert!(lines.contains(&("stdout".into(), "vault says ****".into())), "{lines:?}");
    assert!(lines.contains(&("stderr".into(), "stderr line".into())), "{lines:?}");
    assert!(lines.contains(&("stdout".into(), "malformed call refused".into())), "{lines:?}");
    assert!(lines.iter().any(|(_, l)| l.contains("in-1")), "the run read its test input back: {lines:?}");
    assert!(!stdio.to_string().contains(PASSWORD) && !stdio.to_string().contains(VAULT_VALUE));
    let only_err = c.get(&format!("/runs/{run_id}/stdio?stream=stderr")).await.expect(200);
    assert!(only_err["items"].as_array().unwrap().iter().all(|l| l["stream"] == "stderr"));
    assert!(!only_err.to_string().contains("subprocess exited"), "the runtime's own lines are not the connector's: {only_err}");

    // Output rows, flattened.
    let output = c.get(&format!("/runs/{run_id}/output")).await.expect(200);
    let rows: Vec<Value> = output["items"].as_array().unwrap().iter().map(|r| r["row"].clone()).collect();
    assert_eq!(
        rows,
        [json!({"sku": "1", "price-amount": 10, "price-currency": "EUR"}), json!({"sku": "2", "price-amount": 20, "price-currency": "EUR"})]
    );

    // The run history and its filters; connector-wide logs.
    let listed = c.get(&format!("/runs?connector_id={id}&status=failed")).await.expect(200);
    assert_eq!(listed["items"][0]["id"], run_id.as_str());
    assert!(c.get(&format!("/runs?connector_id={id}&status=succeeded")).await.expect(200)["items"].as_array().unwrap().is_empty());
    let pid = run["process_id"].as_str().unwrap();
    assert_eq!(c.get(&format!("/runs?process_id={pid}")).await.expect(200)["items"].as_array().unwrap().len(), 1);
    assert_eq!(c.get(&format!("/runs?site_id={site}&version=1")).await.expect(200)["items"].as_array().unwrap().len(), 1);
    c.get("/runs?status=exploded").await.expect_error(422, "validation_failed");
    let across = c.get(&format!("/connectors/{id}/logs?min_level=3")).await.expect(200);
    assert!(messages(&across).contains(&"product 7 failed".to_string()));

    // A second run that succeeds.
    let ok = start_run(&c, &site, &id, json!({"password": PASSWORD})).await;
    let ok = wait_run(&c, ok["id"].as_str().unwrap(), 120).await;
    assert_eq!(ok["status"], "succeeded", "{ok}");
    assert_eq!(ok["exit_code"], 0);
}

#[tokio::test]
async fn a_run_in_env_mode_reports_everything_it_did_with_secrets_masked() {
    check_a_full_run("env").await;
}

#[tokio::test]
async fn a_run_in_options_mode_reports_everything_it_did_with_secrets_masked() {
    check_a_full_run("options").await;
}

#[tokio::test]
async fn time_limits_cancel_tokens_and_tenancy() {
    let repo = run_repo();
    let portal = Portal::start_with(|c| c.host.run_time_limit = Duration::from_secs(3)).await;
    let c = portal.admin();
    c.put("/vault/shops/shop", json!({"fields": {"api-key": VAULT_VALUE}})).await.expect(200);
    let (id, site) = runnable_connector(&c, &repo, "env").await;

    // Past its limit: timed-out.
    let slow = start_run(&c, &site, &id, json!({"password": PASSWORD, "sleep-secs": 60})).await;
    let slow = wait_run(&c, slow["id"].as_str().unwrap(), 60).await;
    assert_eq!(slow["status"], "timed-out", "{slow}");
    assert!(slow["duration_ms"].as_u64().unwrap() < 30_000, "{slow}");

    // Cancelled while running: stops.
    let portal2 = Portal::start().await;
    let c2 = portal2.admin();
    c2.put("/vault/shops/shop", json!({"fields": {"api-key": VAULT_VALUE}})).await.expect(200);
    let (id2, site2) = runnable_connector(&c2, &repo, "env").await;
    let run = start_run(&c2, &site2, &id2, json!({"password": PASSWORD, "sleep-secs": 60})).await;
    let run_id = run["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    while c2.get(&format!("/runs/{run_id}")).await.expect(200)["status"] != "running" {
        assert!(Instant::now() < deadline, "the run never started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    let asked = c2.post(&format!("/runs/{run_id}/cancel"), json!({})).await.expect(200);
    assert_eq!(asked["cancel_requested"], true);
    let done = wait_run(&c2, &run_id, 30).await;
    assert_eq!(done["status"], "cancelled", "{done}");
    assert!(started.elapsed() < Duration::from_secs(30));
    c2.post(&format!("/runs/{run_id}/cancel"), json!({})).await.expect_error(409, "conflict");

    // The run API: no token and a user token are refused.
    run_api(&portal2, None, "/logs", json!({"entries": []})).await.expect_error(401, "unauthenticated");
    run_api(&portal2, Some(devportal_tests::ADMIN_TOKEN), "/logs", json!({"entries": []})).await.expect_error(401, "unauthenticated");

    // Another organization sees none of it.
    let other = c2.post("/users", json!({"email": "eve@other.example", "name": "Eve"})).await.expect(201);
    let eve = portal2.as_user(other["token"].as_str().unwrap());
    eve.post("/organizations", json!({"name": "Other"})).await.expect(201);
    for path in [
        format!("/runs/{run_id}"),
        format!("/runs/{run_id}/logs"),
        format!("/runs/{run_id}/stdio"),
        format!("/runs/{run_id}/output"),
        format!("/connectors/{id2}/logs"),
    ] {
        eve.get(&path).await.expect_error(404, "not_found");
    }
    eve.post(&format!("/runs/{run_id}/cancel"), json!({})).await.expect_error(404, "not_found");
    eve.post(&format!("/sites/{site2}/runs"), json!({"connector_id": id2, "version": 1, "values": {"password": "x"}}))
        .await
        .expect_error(404, "not_found");
    assert!(eve.get("/runs").await.expect(200)["items"].as_array().unwrap().is_empty());
    assert!(eve.get("/vault").await.expect(200)["items"].as_array().unwrap().is_empty());
}

/// A call to the run API with `token`.
async fn run_api(portal: &Portal, token: Option<&str>, path: &str, body: Value) -> devportal_tests::Answer {
    let mut req = reqwest::Client::new().post(portal.url(&format!("/run-api/v1{path}"))).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    Client::answer(req).await
}

/// The token a run was given (read from its sealed values, as only the launcher does).
async fn token_of(app: &devportal_app::App, run_id: &str) -> String {
    let run = app.ports.runs.get_run(run_id.parse().unwrap()).await.unwrap().unwrap();
    let sealed = app.ports.secrets.get(run.values_ref.as_ref().unwrap()).await.unwrap().unwrap();
    let sealed: Value = serde_json::from_str(sealed.expose()).unwrap();
    sealed["run_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_run_token_reaches_only_its_own_run_while_it_runs() {
    let repo = run_repo();
    let portal = Portal::start().await;
    let c = portal.admin();
    c.put("/vault/shops/shop", json!({"fields": {"api-key": VAULT_VALUE}})).await.expect(200);
    let (id, site) = runnable_connector(&c, &repo, "env").await;
    let app = portal.app().await;
    let a = start_run(&c, &site, &id, json!({"password": PASSWORD, "sleep-secs": 30})).await;
    let b = start_run(&c, &site, &id, json!({"password": PASSWORD, "sleep-secs": 30})).await;
    let (a_id, b_id) = (a["id"].as_str().unwrap().to_string(), b["id"].as_str().unwrap().to_string());
    let deadline = Instant::now() + Duration::from_secs(60);
    for r in [&a_id, &b_id] {
        while c.get(&format!("/runs/{r}")).await.expect(200)["status"] != "running" {
            assert!(Instant::now() < deadline, "runs never started");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let a_token = token_of(&app, &a_id).await;
    let b_token = token_of(&app, &b_id).await;
    assert_ne!(a_token, b_token);
    // A's token writes to A only.
    run_api(&portal, Some(&a_token), "/logs", json!({"entries": [{"level": 6, "message": "written with the token of A"}]})).await.expect(202);
    let in_a = messages(&c.get(&format!("/runs/{a_id}/logs?q=token%20of%20A")).await.expect(200));
    let in_b = messages(&c.get(&format!("/runs/{b_id}/logs?q=token%20of%20A")).await.expect(200));
    assert_eq!(in_a, ["written with the token of A"]);
    assert!(in_b.is_empty());
    // A run token is not a user token.
    Client { base: portal.url(""), token: Some(a_token.clone()), http: reqwest::Client::new() }.get("/me").await.expect_error(401, "unauthenticated");
    // Oversized and malformed calls are refused with a clear error and recorded at level 3.
    let huge = json!({"entries": [{"level": 6, "message": "x".repeat(1024 * 1024 + 10)}]});
    run_api(&portal, Some(&a_token), "/logs", huge).await.expect_error(413, "payload_too_large");
    run_api(&portal, Some(&a_token), "/output", json!({"rows": [1]})).await.expect_error(422, "validation_failed");
    let refused = messages(&c.get(&format!("/runs/{a_id}/logs?min_level=3&q=refused")).await.expect(200));
    assert!(refused.iter().any(|m| m.contains("POST /logs refused") && m.contains("1048576")), "{refused:?}");
    assert!(refused.iter().any(|m| m.contains("POST /output refused: rows[0]")), "{refused:?}");
    // When A ends, its token stops working; B's still works.
    c.post(&format!("/runs/{a_id}/cancel"), json!({})).await.expect(200);
    wait_run(&c, &a_id, 30).await;
    run_api(&portal, Some(&a_token), "/logs", json!({"entries": []})).await.expect_error(401, "run_token_expired");
    run_api(&portal, Some(&b_token), "/progress", json!({"percent": 10})).await.expect(202);
    c.post(&format!("/runs/{b_id}/cancel"), json!({})).await.expect(200);
    wait_run(&c, &b_id, 30).await;
}

#[tokio::test]
async fn starting_a_run_checks_the_site_the_version_and_the_values() {
    let portal = Portal::start_without_workers().await;
    let c = portal.admin();
    let created = c.create_connector("Not synced", "upload").await;
    let id = created["id"].as_str().unwrap();
    c.post("/sites/nowhere/runs", json!({"connector_id": id, "version": 1})).await.expect_error(404, "not_found");
    c.post("/sites/acme-shop-live/runs", json!({"connector_id": id, "version": 1})).await.expect_error(409, "transition_not_allowed");
    c.post("/sites/acme-shop-live/runs", json!({"connector_id": id, "version": "first"})).await.expect_error(422, "validation_failed");
    c.post("/sites/acme-shop-live/runs", json!({"connector_id": id, "version": 1, "surprise": 1})).await.expect_error(422, "invalid_body");
    c.get("/runs/not-a-uuid").await.expect_error(400, "invalid_path_parameter");
    c.get(&format!("/runs/{}", uuid::Uuid::now_v7())).await.expect_error(404, "not_found");

    // The vault: write-only, paths checked, values never listed.
    let stored = c.put("/vault/shops/acme/api", json!({"fields": {"api-key": "v-123456", "user": "bob"}})).await.expect(200);
    assert_eq!(stored["fields"], json!(["api-key", "user"]));
    let listed = c.get("/vault").await.expect(200);
    assert_eq!(listed["items"][0]["path"], "shops/acme/api");
    assert!(!listed.to_string().contains("v-123456"));
    c.put("/vault/..%2Fetc", json!({"fields": {"a": "b"}})).await.expect_error(422, "validation_failed");
    c.put("/vault/shops/x", json!({"fields": {"1bad": "b"}})).await.expect_error(422, "validation_failed");
    c.put("/vault/shops/x", json!({"fields": {}})).await.expect_error(422, "validation_failed");
    c.delete("/vault/shops/acme/api").await.expect(204);
    c.delete("/vault/shops/acme/api").await.expect_error(404, "not_found");
}
