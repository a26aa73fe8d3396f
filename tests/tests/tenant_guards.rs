//! Issue 9, parts 6–8, as attacks over HTTP (on either backend, `DEVPORTAL_TEST_BACKEND`):
//! dev sites and projects are private to their organization; quotas and rate limits;
//! token scopes and expiry, a revoked preset token stays revoked, organization roles,
//! framework rejections in the JSON error shape, and answers that leak neither secret
//! references nor the host's data directory.

use devportal_app::limits::Limits;
use devportal_tests::connector_fixtures::good_repo;
use devportal_tests::{Backend, Client, Portal, ADMIN_TOKEN};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// A new user (created by the platform admin) and a client acting as them.
async fn new_user(portal: &Portal, email: &str) -> (Client, Value) {
    let created = portal.admin().post("/users", json!({"email": email, "name": email})).await.expect(201);
    (portal.as_user(created["token"].as_str().unwrap()), created["user"].clone())
}

async fn default_org(c: &Client) -> String {
    c.get("/organizations").await.expect(200)["items"][0]["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

/// Whether `key` occurs anywhere in `v`.
fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
        Value::Array(a) => a.iter().any(|x| has_key(x, key)),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Part 8: tokens, roles, framework rejections.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_read_token_reads_but_cannot_mint_tokens_or_change_anything() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let connector = admin.create_connector("Readable", "upload").await;
    let id = connector["id"].as_str().unwrap();
    let created = admin.post("/tokens", json!({"name": "dashboard", "scope": "read"})).await.expect(201);
    assert_eq!(created["scope"], "read");
    let reader = portal.as_user(created["token"].as_str().unwrap());

    let me = reader.get("/me").await.expect(200);
    assert_eq!(me["token_scope"], "read");
    reader.get(&format!("/connectors/{id}")).await.expect(200);
    reader.get("/connectors").await.expect(200);

    reader.post("/tokens", json!({"scope": "write"})).await.expect_error(403, "insufficient_scope");
    reader.post("/tokens", json!({})).await.expect_error(403, "insufficient_scope");
    reader.post("/connectors", json!({"name": "Nope", "type": "upload"})).await.expect_error(403, "insufficient_scope");
    reader.patch(&format!("/connectors/{id}"), json!({"name": "Renamed"})).await.expect_error(403, "insufficient_scope");
    reader.delete(&format!("/connectors/{id}")).await.expect_error(403, "insufficient_scope");
    reader.delete(&format!("/tokens/{}", created["id"].as_str().unwrap())).await.expect_error(403, "insufficient_scope");
    reader.post("/organizations", json!({"name": "Mine"})).await.expect_error(403, "insufficient_scope");
    // Nothing changed.
    assert_eq!(admin.get(&format!("/connectors/{id}")).await.expect(200)["name"], "Readable");
    let tokens = admin.get("/tokens").await.expect(200);
    assert_eq!(tokens["items"].as_array().unwrap().len(), 2, "the preset token and the read token only: {tokens}");
    assert!(tokens["items"].as_array().unwrap().iter().any(|t| t["scope"] == "read" && t["name"] == "dashboard"));
}

#[tokio::test]
async fn tokens_expire_with_a_clear_code_and_expiry_is_checked() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let created = admin.post("/tokens", json!({"name": "short", "expires_at": soon})).await.expect(201);
    assert_eq!(created["scope"], "write", "write is the default scope");
    assert!(created["expires_at"].is_string());
    let short = portal.as_user(created["token"].as_str().unwrap());
    short.get("/me").await.expect(200);

    let days = admin.post("/tokens", json!({"expires_in_days": 30})).await.expect(201);
    let at: chrono::DateTime<chrono::Utc> = days["expires_at"].as_str().unwrap().parse().unwrap();
    assert!((at - chrono::Utc::now() - chrono::Duration::days(30)).num_seconds().abs() < 60);

    let e = admin.post("/tokens", json!({"expires_at": "2001-01-01T00:00:00Z"})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "expires_at");
    let e = admin.post("/tokens", json!({"expires_at": soon, "expires_in_days": 1})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "expires_at");
    let e = admin.post("/tokens", json!({"expires_in_days": 0})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "expires_in_days");
    let e = admin.post("/tokens", json!({"expires_at": "tomorrow"})).await.expect_error(422, "invalid_body");
    assert_eq!(e["fields"][0]["field"], "expires_at");
    let e = admin.post("/tokens", json!({"scope": "admin"})).await.expect_error(422, "invalid_body");
    assert_eq!(e["fields"][0]["field"], "scope");

    tokio::time::sleep(Duration::from_millis(2500)).await;
    let answer = short.get("/me").await;
    assert!(answer.headers.contains_key("www-authenticate"));
    answer.expect_error(401, "token_expired");
    let listed = admin.get("/tokens").await.expect(200);
    let entry = listed["items"].as_array().unwrap().iter().find(|t| t["id"] == created["id"]).expect("still listed").clone();
    assert_eq!(entry["expired"], true, "{entry}");
}

#[tokio::test]
async fn a_revoked_preset_token_stays_revoked_after_a_restart() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let tokens = admin.get("/tokens").await.expect(200);
    let preset_id = admin.get("/me").await.expect(200)["token_id"].as_str().unwrap().to_string();
    assert!(ids(&tokens).contains(&preset_id));
    // A second token of the administrator to look with afterwards.
    let other = admin.post("/tokens", json!({"name": "other"})).await.expect(201);
    let other = portal.as_user(other["token"].as_str().unwrap());
    admin.delete(&format!("/tokens/{preset_id}")).await.expect(204);
    admin.get("/me").await.expect_error(401, "unauthenticated");

    // The host starts again with the same DEVPORTAL_TOKEN.
    let restarted = match portal.backend() {
        Backend::Embedded => Portal::start_in(portal.stop()).await,
        Backend::Aws => {
            let mut aws = portal.aws.clone().unwrap();
            aws.create_resources = false;
            drop(portal);
            Portal::start_on_aws(aws).await
        }
    };
    restarted.as_user(ADMIN_TOKEN).get("/me").await.expect_error(401, "unauthenticated");
    let other = restarted.as_user(other.token.as_deref().unwrap());
    let listed = other.get("/tokens").await.expect(200);
    assert!(!ids(&listed).contains(&preset_id), "the revoked token is not listed again: {listed}");
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "no token was registered again: {listed}");
}

#[tokio::test]
async fn members_cannot_delete_permanently_or_manage_members() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let org = default_org(&admin).await;
    let (member, _) = new_user(&portal, "member@example.com").await;
    new_user(&portal, "third@example.com").await;
    admin.post(&format!("/organizations/{org}/members"), json!({"email": "member@example.com"})).await.expect(201);

    let connector = member.create_connector("Members", "upload").await;
    let id = connector["id"].as_str().unwrap();
    member.delete(&format!("/connectors/{id}")).await.expect(200);
    member.delete(&format!("/bin/{id}")).await.expect_error(403, "forbidden");
    member.post(&format!("/organizations/{org}/members"), json!({"email": "third@example.com"})).await.expect_error(403, "forbidden");
    member
        .post(&format!("/organizations/{org}/members"), json!({"email": "third@example.com", "role": "admin"}))
        .await
        .expect_error(403, "forbidden");
    // Binning and restoring stay with members; the admin deletes for good.
    member.post(&format!("/bin/{id}/restore"), json!({})).await.expect(200);
    member.delete(&format!("/connectors/{id}")).await.expect(200);
    admin.delete(&format!("/bin/{id}")).await.expect(204);
    member.get(&format!("/connectors/{id}")).await.expect_error(404, "not_found");
}

#[tokio::test]
async fn framework_rejections_use_the_json_error_shape() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let id = admin.create_connector("Shapes", "upload").await["id"].as_str().unwrap().to_string();
    // 413 on a JSON route and on the logo (an SVG body).
    let huge = "x".repeat(devportal_api::BODY_LIMIT + 10);
    let a =
        Client::answer(admin.raw(Method::POST, "/connectors").header("content-type", "application/json").body(format!("{{\"name\":\"{huge}\"}}")))
            .await;
    a.expect_error(413, "payload_too_large");
    let a = Client::answer(
        admin.raw(Method::PUT, &format!("/connectors/{id}/logo")).header("content-type", "image/svg+xml").body(format!("<svg>{huge}</svg>")),
    )
    .await;
    a.expect_error(413, "payload_too_large");
    // 405, 404, 415, 400.
    admin.send(Method::DELETE, "/me", None).await.expect_error(405, "method_not_allowed");
    admin.send(Method::PUT, "/tokens", Some(json!({}))).await.expect_error(405, "method_not_allowed");
    admin.get("/no/such/route").await.expect_error(404, "not_found");
    let a = Client::answer(admin.raw(Method::POST, "/connectors").header("content-type", "text/plain").body("name=x")).await;
    a.expect_error(415, "unsupported_media_type");
    let a = Client::answer(admin.raw(Method::POST, "/connectors").header("content-type", "application/json").body("{\"name\":")).await;
    a.expect_error(400, "malformed_json");
    let a = Client::answer(admin.raw(Method::GET, "/connectors/not-a-uuid")).await;
    a.expect_error(400, "invalid_path_parameter");
    // Without a token, also on routes that do not exist for that method.
    portal.anonymous().get("/connectors").await.expect_error(401, "unauthenticated");
}

// ---------------------------------------------------------------------------------------
// Part 7: quotas and rate limits.
// ---------------------------------------------------------------------------------------

fn unlimited() -> Limits {
    Limits {
        user_requests_per_second: 0,
        org_requests_per_second: 0,
        auth_failures_per_minute: 0,
        max_connectors_per_org: 0,
        max_versions_per_connector: 0,
        max_tokens_per_user: 0,
        max_concurrent_connection_tests: 0,
        ..Limits::default()
    }
}

#[track_caller]
fn expect_rate_limited(a: devportal_tests::Answer) -> Value {
    let retry_after: u64 = a.headers.get("retry-after").expect("a Retry-After header").to_str().unwrap().parse().expect("seconds");
    let body = a.expect_error(429, "rate_limited");
    assert!(retry_after >= 1);
    assert_eq!(body["retry_after_seconds"], retry_after, "the body repeats Retry-After: {body}");
    body
}

#[tokio::test]
async fn one_user_beyond_its_request_rate_gets_429_with_retry_after() {
    let portal = Portal::start_with_limits(Limits { user_requests_per_second: 1, user_burst: 3, ..unlimited() }).await;
    let admin = portal.admin();
    let started = std::time::Instant::now();
    let (other, _) = new_user(&portal, "other@example.com").await; // 1
                                                                   // Until the bucket is empty: it refills one request per second meanwhile (requests are
                                                                   // slow on moto under load), so the count is bounded by the time taken.
    let mut passed = 1;
    let body = loop {
        let answer = admin.get("/me").await;
        if answer.status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            break expect_rate_limited(answer);
        }
        answer.expect(200);
        passed += 1;
        assert!(passed < 20, "{passed} requests passed: the user's rate is not limited");
    };
    let refills = started.elapsed().as_secs() as usize + 1;
    assert!((3..=3 + refills).contains(&passed), "{passed} requests passed in {:?} (burst 3, 1 per second)", started.elapsed());
    assert!(body["message"].as_str().unwrap().contains("per user"), "{body}");
    // Another user is metered apart; the first recovers after the wait.
    other.get("/me").await.expect(200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    admin.get("/me").await.expect(200);
}

#[tokio::test]
async fn an_organization_beyond_its_request_rate_gets_429() {
    let portal = Portal::start_with_limits(Limits { org_requests_per_second: 1, org_burst: 6, ..unlimited() }).await;
    let admin = portal.admin();
    let started = std::time::Instant::now();
    let org = default_org(&admin).await; // 1
    let (member, _) = new_user(&portal, "member@example.com").await; // 2
    let (outsider, _) = new_user(&portal, "outsider@example.com").await; // 3
    admin.post(&format!("/organizations/{org}/members"), json!({"email": "member@example.com"})).await.expect(201); // 4
                                                                                                                    // The two members take turns until the organization's bucket is empty. The bucket refills
                                                                                                                    // one request per second meanwhile (requests are slow on moto under load), so the count is
                                                                                                                    // bounded by the time taken; a bucket per user would let through 6 requests each.
    let mut passed = 4;
    let body = loop {
        let answer = if passed % 2 == 0 { member.get("/me").await } else { admin.get("/me").await };
        if answer.status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            break expect_rate_limited(answer);
        }
        answer.expect(200);
        passed += 1;
        assert!(passed < 12, "two members passed {passed} requests: the organization's burst of 6 is not shared");
    };
    let refills = started.elapsed().as_secs() as usize + 1;
    assert!((6..=6 + refills).contains(&passed), "{passed} requests passed in {:?} (burst 6, 1 per second)", started.elapsed());
    assert!(body["message"].as_str().unwrap().contains("per organization"), "{body}");
    // A user outside the organization is not held back by it.
    outsider.get("/me").await.expect(200);
}

#[tokio::test]
async fn failed_authentications_are_throttled_per_client_address() {
    let portal = Portal::start_with_limits(Limits { auth_failures_per_minute: 3, ..unlimited() }).await;
    let guesser = portal.as_user("dpt_0000000000000000000000000000000000000000000000000000000000000000");
    for _ in 0..3 {
        guesser.get("/me").await.expect_error(401, "unauthenticated");
    }
    // The fourth guess is refused before the token is looked at, and a right guess as well:
    // guessing gives nothing away while the address is throttled.
    let body = expect_rate_limited(guesser.get("/me").await);
    assert!(body["message"].as_str().unwrap().contains("failed authentications"), "{body}");
    expect_rate_limited(portal.admin().get("/me").await);
    expect_rate_limited(portal.anonymous().get("/connectors").await);
    assert!(body["retry_after_seconds"].as_u64().unwrap() <= 20, "one failure refills in 20 s at 3 per minute: {body}");
}

#[tokio::test]
async fn counts_of_connectors_versions_and_tokens_are_limited() {
    let portal =
        Portal::start_with_limits(Limits { max_connectors_per_org: 2, max_versions_per_connector: 2, max_tokens_per_user: 2, ..unlimited() }).await;
    let admin = portal.admin();
    let first = admin.create_connector("One", "upload").await;
    let id = first["id"].as_str().unwrap();
    admin.create_connector("Two", "upload").await;
    let e = admin.post("/connectors", json!({"name": "Three", "type": "upload"})).await.expect_error(409, "quota_exceeded");
    assert_eq!((e["limit"].as_str(), e["max"].as_u64()), (Some("max_connectors_per_org"), Some(2)), "{e}");
    admin.post(&format!("/connectors/{id}/copy"), json!({})).await.expect_error(409, "quota_exceeded");
    // Another organization has its own count.
    let other = admin.post("/organizations", json!({"name": "Second"})).await.expect(201);
    admin.post("/connectors", json!({"name": "Elsewhere", "type": "upload", "owner": other["id"]})).await.expect(201);
    // Binning frees a place.
    admin.delete(&format!("/connectors/{id}")).await.expect(200);
    admin.post("/connectors", json!({"name": "Three", "type": "upload", "owner": first["owner"]})).await.expect(201);

    let id = admin.get("/connectors").await.expect(200)["items"][0]["id"].as_str().unwrap().to_string();
    admin.post(&format!("/connectors/{id}/versions"), json!({})).await.expect(201);
    let e = admin.post(&format!("/connectors/{id}/versions"), json!({})).await.expect_error(409, "quota_exceeded");
    assert_eq!(e["limit"], "max_versions_per_connector");

    admin.post("/tokens", json!({"name": "second"})).await.expect(201);
    let e = admin.post("/tokens", json!({"name": "third"})).await.expect_error(409, "quota_exceeded");
    assert_eq!(e["limit"], "max_tokens_per_user");
}

#[tokio::test]
async fn a_user_runs_a_limited_number_of_connection_tests_at_once() {
    // A "Git server" that accepts connections and never answers: a test against it hangs.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (accepted_tx, mut accepted_rx) = tokio::sync::mpsc::channel::<tokio::net::TcpStream>(8);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let _ = accepted_tx.send(socket).await;
        }
    });
    let portal = Portal::start_with_limits(Limits { max_concurrent_connection_tests: 1, ..unlimited() }).await;
    let admin = portal.admin();
    let id = admin.ready_connector("Slow", &format!("http://127.0.0.1:{port}/repo.git")).await;
    let test_path = format!("/connectors/{id}/versions/1/vcs/test");
    let first = {
        let admin = admin.clone();
        let path = test_path.clone();
        tokio::spawn(async move { admin.post(&path, json!({})).await })
    };
    let held = tokio::time::timeout(Duration::from_secs(20), accepted_rx.recv()).await.expect("the first test reaches the server").unwrap();
    expect_rate_limited(admin.post(&test_path, json!({})).await);
    // Once the first test ends, the next may run.
    drop(held);
    let answer = tokio::time::timeout(Duration::from_secs(60), first).await.expect("the first test ends").unwrap();
    answer.expect(200);
    let second = {
        let admin = admin.clone();
        tokio::spawn(async move { admin.post(&test_path, json!({})).await })
    };
    let held = tokio::time::timeout(Duration::from_secs(20), accepted_rx.recv()).await.expect("a new test runs").unwrap();
    drop(held);
    tokio::time::timeout(Duration::from_secs(60), second).await.unwrap().unwrap().expect(200);
}

// ---------------------------------------------------------------------------------------
// Part 6 (dev sites are private) and part 8 (snapshots, data directory), on real releases.
// ---------------------------------------------------------------------------------------

async fn run_to_dev(c: &Client, id: &str) -> Value {
    for stage in ["build", "sync-runtime", "sync-dev"] {
        let job = c.run_stage(id, stage, None).await;
        assert_eq!(job["status"], "done", "{stage}: {job}");
        if stage == "sync-dev" {
            return job;
        }
    }
    unreachable!()
}

#[tokio::test]
async fn dev_sites_are_private_and_answers_leak_no_secret_reference_or_data_directory() {
    let repo = good_repo();
    let portal = Portal::start().await;
    let a = portal.admin();
    // Organization B: its own user and organization.
    let (b, _) = new_user(&portal, "b@example.com").await;
    let b_org = b.post("/organizations", json!({"name": "B"})).await.expect(201)["id"].as_str().unwrap().to_string();

    // A's connector uses a Git token, so its configuration holds a secret reference.
    let a_id = a.ready_connector("A's", &repo.file_url()).await;
    a.put(
        &format!("/connectors/{a_id}/versions/1/steps/vcs"),
        json!({"authorization": "basic", "url": repo.file_url(), "username": "ci", "token": "tok-A-Secret-1"}),
    )
    .await
    .expect(200);
    let a_dev = run_to_dev(&a, &a_id).await;
    let (a_site, a_project) = (a_dev["result"]["site_id"].as_str().unwrap().to_string(), a_dev["result"]["project_id"].as_str().unwrap().to_string());

    let b_conn = b.post("/connectors", json!({"name": "B's", "type": "upload", "owner": b_org})).await.expect(201);
    let b_id = b_conn["id"].as_str().unwrap().to_string();
    b.put(&format!("/connectors/{b_id}/versions/1/steps/vcs"), json!({"authorization": "public", "url": repo.file_url()})).await.expect(200);
    b.put(
        &format!("/connectors/{b_id}/versions/1/steps/application"),
        json!({"command": "sh", "arguments": "/app/main.sh", "health_check": "--health-check"}),
    )
    .await
    .expect(200);
    let b_dev = run_to_dev(&b, &b_id).await;
    let b_site = b_dev["result"]["site_id"].as_str().unwrap().to_string();

    // Each organization sees its own dev project and site only; customer sites stay shared.
    let b_sites = ids(&b.get("/sites").await.expect(200));
    assert!(b_sites.contains(&b_site) && !b_sites.contains(&a_site), "{b_sites:?}");
    assert!(b_sites.contains(&"acme-shop-live".to_string()));
    assert!(!ids(&b.get("/projects").await.expect(200)).contains(&a_project));
    let a_sites = ids(&a.get("/sites").await.expect(200));
    assert!(a_sites.contains(&a_site) && !a_sites.contains(&b_site), "{a_sites:?}");

    // B cannot publish into A's dev site or project, nor into the shared dev account.
    let sync_prod = format!("/connectors/{b_id}/versions/1/sync-prod");
    let e = b.post(&sync_prod, json!({"targets": {"sites": [a_site]}})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "targets.sites[0]");
    let e = b.post(&sync_prod, json!({"targets": {"projects": [a_project]}})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "targets.projects[0]");
    let e = b.post(&sync_prod, json!({"targets": {"accounts": ["dev"]}})).await.expect_error(422, "validation_failed");
    assert_eq!((e["fields"][0]["field"].as_str(), e["fields"][0]["code"].as_str()), (Some("targets.accounts[0]"), Some("shared_dev_account")));
    let e = b.get(&format!("/catalog?site_id={a_site}")).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "site_id");
    // Its own dev site and a customer site are fine; a grant into A's dev site is not.
    let job = b.run_stage(&b_id, "sync-prod", Some(json!({"targets": {"sites": [b_site.clone(), "acme-shop-live"]}}))).await;
    assert_eq!(job["status"], "done", "{job}");
    let e = b.put(&format!("/connectors/{b_id}/versions/1/access"), json!({"sites": [a_site]})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "grants.sites[0]");
    let job = b.send(Method::PUT, &format!("/connectors/{b_id}/versions/1/access"), Some(json!({"sites": [b_site.clone()]}))).await.expect(202);
    assert_eq!(b.wait_job(job["id"].as_str().unwrap(), 30).await["status"], "done");
    assert!(a.get(&format!("/catalog?site_id={a_site}")).await.expect(200)["items"].as_array().unwrap().is_empty(), "nothing of B in A's dev site");
    assert_eq!(b.get(&format!("/catalog?site_id={b_site}")).await.expect(200)["items"].as_array().unwrap().len(), 1);

    // A's release: the snapshot shows `has_token`, never the reference.
    let prod = a.run_stage(&a_id, "sync-prod", Some(json!({"targets": {"accounts": ["acme"]}}))).await;
    assert_eq!(prod["status"], "done", "{prod}");
    let releases = a.get(&format!("/connectors/{a_id}/versions/1/releases")).await;
    let text = releases.text.clone();
    let releases = releases.expect(200);
    assert_eq!(releases["items"][0]["configuration"]["vcs"]["has_token"], true, "{releases}");
    for answer in [&text, &prod.to_string()] {
        assert!(!answer.contains("local:") && !answer.contains("arn:aws"), "no secret reference: {answer}");
        assert!(!answer.contains("tok-A-Secret-1"));
    }
    assert!(!has_key(&releases["items"][0]["configuration"]["vcs"], "token"), "{releases}");
    assert!(!has_key(&prod["result"]["configuration"]["vcs"], "token"), "{prod}");

    // No answer shows where the host keeps its data.
    let data_dir = portal.data_dir.path().to_string_lossy().to_string();
    let canonical = portal.data_dir.path().canonicalize().unwrap().to_string_lossy().to_string();
    for stage_job in a.get(&format!("/connectors/{a_id}/versions/1/jobs")).await.expect(200)["items"].as_array().unwrap() {
        let job_id = stage_job["id"].as_str().unwrap();
        let shown = format!("{stage_job}\n{}\n{}", a.get(&format!("/jobs/{job_id}")).await.text, a.job_log_text(job_id).await);
        assert!(!shown.contains(&data_dir) && !shown.contains(&canonical), "the data directory {data_dir} shows in job {job_id}:\n{shown}");
    }
    let build = a.get(&format!("/connectors/{a_id}/versions/1/jobs")).await.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["stage"] == "build")
        .cloned()
        .unwrap();
    assert!(build["result"]["image_ref"].as_str().unwrap().contains("<data>"), "{build}");
}
