//! The release pipeline end to end on the local host: real `git` and `buildah`, the durable
//! local queue and the stage workers. Fixtures are tiny connector repositories made here.

use devportal_tests::connector_fixtures::*;
use devportal_tests::git_fixtures::{BareRepo, GitDaemon, SmartHttpServer};
use devportal_tests::{Client, Portal};
use reqwest::Method;
use serde_json::{json, Value};

fn states(transitions: &Value) -> Vec<(String, String)> {
    transitions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["from"].as_str().unwrap().to_string(), t["to"].as_str().unwrap().to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

async fn catalog_titles(c: &Client, query: &str) -> Vec<String> {
    let cat = c.get(&format!("/catalog?{query}")).await.expect(200);
    cat["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_good_connector_goes_from_created_to_released_through_five_calls() {
    let repo = good_repo();
    let portal = Portal::start().await;
    let c = portal.admin();
    let id = c.ready_connector("Good", &repo.file_url()).await;

    // Build: the job log is readable while the build runs.
    let job = c.post(&format!("/connectors/{id}/versions/1/build"), json!({})).await.expect(202);
    assert_eq!(job["status"], "pending");
    assert_eq!(job["stage"], "build");
    let job_id = job["id"].as_str().unwrap().to_string();
    assert_eq!(c.get(&format!("/connectors/{id}/versions/1")).await.expect(200)["state"], "building");
    let mut seen_live = false;
    let mut cursor: Option<String> = None;
    let mut lines = vec![];
    for _ in 0..600 {
        let path = match &cursor {
            Some(cur) => format!("/jobs/{job_id}/log?cursor={cur}"),
            None => format!("/jobs/{job_id}/log"),
        };
        let page = c.get(&path).await.expect(200);
        let new: Vec<String> = page["items"].as_array().unwrap().iter().map(|l| l["text"].as_str().unwrap().to_string()).collect();
        if page["job_status"] == "running" && !new.is_empty() {
            seen_live = true;
        }
        lines.extend(new);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen_live, "log lines were readable while the build ran");
    let log = lines.join("\n");
    assert!(log.contains("build-step-one") && log.contains("build-step-two"), "the builder's real output is in the log:\n{log}");
    let job = c.get(&format!("/jobs/{job_id}")).await.expect(200);
    assert_eq!(job["status"], "done", "{job}\n{log}");
    assert_eq!(job["result"]["commit"], repo.head_commit());
    let digest = job["result"]["digest"].as_str().unwrap().to_string();
    assert!(digest.starts_with("sha256:"));
    assert!(job["result"]["size_bytes"].as_u64().unwrap() > 0);
    let v = c.get(&format!("/connectors/{id}/versions/1")).await.expect(200);
    assert_eq!(v["state"], "built");

    // Sync with runtime, dev and prod.
    let job = c.run_stage(&id, "sync-runtime", None).await;
    assert_eq!(job["status"], "done", "{job}");
    assert!(c.job_log_text(job["id"].as_str().unwrap()).await.contains(&digest));
    let job = c.run_stage(&id, "sync-dev", None).await;
    assert_eq!(job["status"], "done", "{job}");
    let log = c.job_log_text(job["id"].as_str().unwrap()).await;
    for sub in ["1/3", "2/3", "3/3"] {
        assert!(log.contains(sub), "sync-dev logs its three sub-steps: {log}");
    }
    let dev_site = job["result"]["site_id"].as_str().unwrap().to_string();
    assert!(c.get("/sites").await.expect(200)["items"].as_array().unwrap().iter().any(|s| s["id"] == dev_site.as_str() && s["kind"] == "dev"));
    // Production targets must exist and be named.
    let e = c
        .post(&format!("/connectors/{id}/versions/1/sync-prod"), json!({"targets": {"sites": ["nowhere"]}}))
        .await
        .expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "targets.sites[0]");
    c.post(&format!("/connectors/{id}/versions/1/sync-prod"), json!({"targets": {}})).await.expect_error(422, "validation_failed");
    let job = c.run_stage(&id, "sync-prod", Some(json!({"targets": {"accounts": ["acme"]}}))).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["result"]["digest"], digest.as_str(), "production promotes the digest dev ran");
    assert_eq!(c.get(&format!("/connectors/{id}/versions/1")).await.expect(200)["state"], "synchronized-to-prod");

    // Enable access: nothing is visible before a grant or a release.
    assert!(catalog_titles(&c, "site_id=acme-shop-live").await.is_empty());
    let e = c.put(&format!("/connectors/{id}/versions/1/access"), json!({"sites": ["globex-live"]})).await.expect_error(422, "validation_failed");
    assert!(e["message"].as_str().unwrap().contains("outside the production targets"));
    let job = c.send(Method::PUT, &format!("/connectors/{id}/versions/1/access"), Some(json!({"sites": ["acme-shop-live"]}))).await.expect(202);
    assert_eq!(c.wait_job(job["id"].as_str().unwrap(), 30).await["status"], "done");
    assert_eq!(catalog_titles(&c, "site_id=acme-shop-live").await, ["Good v1"]);
    assert!(catalog_titles(&c, "site_id=acme-b2b-live").await.is_empty(), "granted to one site only");
    let job = c.run_stage(&id, "release", None).await;
    assert_eq!(job["status"], "done");
    assert_eq!(catalog_titles(&c, "site_id=acme-b2b-live").await, ["Good v1"], "released within the targets");
    assert!(catalog_titles(&c, "site_id=globex-live").await.is_empty(), "never outside the targets");
    assert_eq!(c.get("/connectors?released=true").await.expect(200)["items"].as_array().unwrap().len(), 1);
    let job = c.run_stage(&id, "unrelease", None).await;
    assert_eq!(job["status"], "done");
    assert!(catalog_titles(&c, "site_id=acme-b2b-live").await.is_empty());

    let t = c.get(&format!("/connectors/{id}/versions/1/transitions")).await.expect(200);
    assert_eq!(
        states(&t),
        pairs(&[
            ("created", "building"),
            ("building", "built"),
            ("built", "synchronizing-to-runtime"),
            ("synchronizing-to-runtime", "synchronized-to-runtime"),
            ("synchronized-to-runtime", "synchronizing-to-dev"),
            ("synchronizing-to-dev", "synchronized-to-dev"),
            ("synchronized-to-dev", "synchronizing-to-prod"),
            ("synchronizing-to-prod", "synchronized-to-prod"),
        ])
    );
    for tr in t["items"].as_array().unwrap() {
        assert!(tr["job_id"].is_string() && tr["at"].is_string() && tr["by"].is_object(), "{tr}");
    }
    let jobs = c.get(&format!("/connectors/{id}/versions/1/jobs")).await.expect(200);
    assert_eq!(jobs["items"].as_array().unwrap().len(), 7);
    assert!(jobs["items"].as_array().unwrap().iter().all(|j| j["status"] == "done"));
}

#[tokio::test]
async fn each_bad_fixture_fails_at_the_right_step_with_the_right_reason() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let cases: Vec<(BareRepo, &str, Option<i64>)> = vec![
        (failing_check_repo(), "health check exited with code 3", Some(3)),
        (sleeping_check_repo(), "health check timed out", None),
        (broken_dockerfile_repo(), "Dockerfile invalid", None),
        (BareRepo::create(&[("README.md", "no dockerfile\n")], "main"), "Dockerfile missing", None),
    ];
    for (i, (repo, reason, exit_code)) in cases.iter().enumerate() {
        let id = c.ready_connector(&format!("Bad {i}"), &repo.file_url()).await;
        let job = c.run_stage(&id, "build", None).await;
        assert_eq!(job["status"], "failed", "{job}");
        let got = job["reason"].as_str().unwrap();
        assert!(got.to_lowercase().contains(&reason.to_lowercase()), "expected `{reason}` in `{got}`");
        if let Some(code) = exit_code {
            assert_eq!(job["exit_code"], *code);
        }
        let v = c.get(&format!("/connectors/{id}/versions/1")).await.expect(200);
        assert_eq!(v["state"], "created", "a failed build returns the version to its previous state");
        let t = c.get(&format!("/connectors/{id}/versions/1/transitions")).await.expect(200);
        assert_eq!(states(&t), pairs(&[("created", "building"), ("building", "created")]));
        assert_eq!(t["items"][1]["reason"], job["reason"]);
        assert!(!c.job_log_text(job["id"].as_str().unwrap()).await.is_empty(), "a failed job keeps its log");
    }
    // A missing repository fails the clone.
    let id = c.ready_connector("Gone", "file:///nonexistent/repo.git").await;
    let job = c.run_stage(&id, "build", None).await;
    assert!(job["reason"].as_str().unwrap().contains("git clone failed"), "{job}");
}

#[tokio::test]
async fn a_private_repository_builds_with_the_stored_token_only() {
    // The build itself prints the token, its basic header and a URL password: the job log
    // stores them masked (docs/ARCHITECTURE.md, "Secrets in logs").
    let basic = "Y2k6dG9rLVByaXZhdGVWYWx1ZS00Mg=="; // base64("ci:tok-PrivateValue-42")
    let repo = connector_repo(
        "echo healthy; exit 0",
        &format!(
            "RUN echo leak tok-PrivateValue-42; echo 'Authorization: Basic {basic}'; echo 'Authorization: Bearer abc.def-123'; \
             echo clone https://ci:pw-Hidden-77@git.example/r.git\n"
        ),
    );
    let server = SmartHttpServer::start(&repo.base_dir(), "ci", "tok-PrivateValue-42");
    let url = server.url(repo.name());
    let portal = Portal::start().await;
    let c = portal.admin();
    let id = c.ready_connector("Private", &url).await;
    let job = c.run_stage(&id, "build", None).await;
    assert_eq!(job["status"], "failed", "a public clone of a private repository fails");
    assert!(job["reason"].as_str().unwrap().contains("git clone failed"), "{job}");
    c.put(
        &format!("/connectors/{id}/versions/1/steps/vcs"),
        json!({"authorization": "basic", "url": url, "username": "ci", "token": "tok-PrivateValue-42"}),
    )
    .await
    .expect(200);
    let job = c.run_stage(&id, "build", None).await;
    assert_eq!(job["status"], "done", "{job}");
    let log = c.job_log_text(job["id"].as_str().unwrap()).await;
    assert!(!log.contains("tok-PrivateValue-42"), "the token never reaches the job log");
    assert!(!log.contains(basic) && !log.contains("abc.def-123") && !log.contains("pw-Hidden-77"), "{log}");
    assert!(log.contains("leak ****"), "{log}");
    assert!(log.contains("Authorization: Basic ****") && log.contains("Authorization: Bearer ****"), "{log}");
    assert!(log.contains("clone https://ci:****@git.example/r.git"), "{log}");
    assert!(!job.to_string().contains("tok-PrivateValue-42"));
}

#[tokio::test]
async fn one_transition_at_a_time_in_order_and_only_when_complete() {
    let repo = good_repo();
    let portal = Portal::start().await;
    let c = portal.admin();
    // Incomplete: 422 naming each incomplete step.
    let bare = c.create_connector("Incomplete", "datasource").await;
    let e = c.post(&format!("/connectors/{}/versions/1/build", bare["id"].as_str().unwrap()), json!({})).await.expect_error(422, "validation_failed");
    let fields: Vec<_> = e["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["steps.vcs", "steps.application", "steps.type-specific"]);

    let id = c.ready_connector("Busy", &repo.file_url()).await;
    // Out of order.
    let e = c.post(&format!("/connectors/{id}/versions/1/sync-dev"), json!({})).await.expect_error(409, "transition_not_allowed");
    assert_eq!(e["state"], "created");
    // A second trigger and a configuration edit during a running step: 409 with the state.
    let job = c.post(&format!("/connectors/{id}/versions/1/build"), json!({})).await.expect(202);
    let e = c.post(&format!("/connectors/{id}/versions/1/build"), json!({})).await.expect_error(409, "transition_not_allowed");
    assert_eq!(e["message"], "transition not allowed, version is `building`");
    let e =
        c.put(&format!("/connectors/{id}/versions/1/steps/application"), json!({"command": "x"})).await.expect_error(409, "transition_not_allowed");
    assert_eq!(e["state"], "building");
    assert_eq!(c.wait_job(job["id"].as_str().unwrap(), 120).await["status"], "done");
    // Editing a built version marks it `updated`; the next step needs a rebuild.
    c.put(
        &format!("/connectors/{id}/versions/1/steps/application"),
        json!({"command": "sh", "arguments": "/app/main.sh", "health_check": "--health-check --verbose"}),
    )
    .await
    .expect(200);
    assert_eq!(c.get(&format!("/connectors/{id}/versions/1")).await.expect(200)["state"], "updated");
    c.post(&format!("/connectors/{id}/versions/1/sync-runtime"), json!({})).await.expect_error(409, "transition_not_allowed");
    let t = c.get(&format!("/connectors/{id}/versions/1/transitions")).await.expect(200);
    assert_eq!(states(&t).last().unwrap(), &("built".to_string(), "updated".to_string()));
}

#[tokio::test]
async fn an_idempotency_key_answers_the_original_job() {
    let portal = Portal::start_without_workers().await;
    let c = portal.admin();
    let id = c.ready_connector("Idem", "file:///nowhere.git").await;
    let req = || c.raw(Method::POST, &format!("/connectors/{id}/versions/1/build")).header("Idempotency-Key", "ci-run-42");
    let first = Client::answer(req()).await.expect(202);
    let again = Client::answer(req()).await.expect(200);
    assert_eq!(first["id"], again["id"]);
    let jobs = c.get(&format!("/connectors/{id}/versions/1/jobs")).await.expect(200);
    assert_eq!(jobs["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn cancel_and_retry_from_the_failed_step() {
    let portal = Portal::start_without_workers().await;
    let app = portal.app().await;
    let c = portal.admin();
    let repo = failing_check_repo();
    let id = c.ready_connector("Retry", &repo.file_url()).await;

    // Cancel a pending job: the version goes back, the worker later skips it.
    let job = c.post(&format!("/connectors/{id}/versions/1/build"), json!({})).await.expect(202);
    let cancelled = c.post(&format!("/jobs/{}/cancel", job["id"].as_str().unwrap()), json!({})).await.expect(200);
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["reason"].as_str().unwrap().contains("cancelled by admin@localhost"));
    assert_eq!(c.get(&format!("/connectors/{id}/versions/1")).await.expect(200)["state"], "created");
    assert!(devportal_worker::run_once(&app, devportal_domain::pipeline::Stage::Build, stage_build::handle).await);
    assert_eq!(c.get(&format!("/jobs/{}", job["id"].as_str().unwrap())).await.expect(200)["status"], "cancelled");
    c.post(&format!("/jobs/{}/cancel", job["id"].as_str().unwrap()), json!({})).await.expect_error(409, "transition_not_allowed");

    // Fail, fix the repository, retry the failed step.
    let job = c.post(&format!("/connectors/{id}/versions/1/build"), json!({})).await.expect(202);
    devportal_worker::run_once(&app, devportal_domain::pipeline::Stage::Build, stage_build::handle).await;
    let failed = c.get(&format!("/jobs/{}", job["id"].as_str().unwrap())).await.expect(200);
    assert_eq!(failed["status"], "failed");
    repo.commit("main", &[("main.sh", HEALTHY_SCRIPT)], "fix the health check");
    let retry = c.post(&format!("/jobs/{}/retry", job["id"].as_str().unwrap()), json!({})).await.expect(202);
    assert_eq!(retry["retry_of"], job["id"]);
    assert_eq!(retry["stage"], "build");
    devportal_worker::run_once(&app, devportal_domain::pipeline::Stage::Build, stage_build::handle).await;
    let done = c.get(&format!("/jobs/{}", retry["id"].as_str().unwrap())).await.expect(200);
    assert_eq!(done["status"], "done", "{done}");
    c.post(&format!("/jobs/{}/retry", retry["id"].as_str().unwrap()), json!({})).await.expect_error(409, "transition_not_allowed");
}

#[tokio::test]
async fn duplicate_delivery_of_every_message_changes_nothing() {
    use devportal_domain::pipeline::Stage;
    let repo = good_repo();
    let portal = Portal::start_without_workers().await;
    let app = portal.app().await;
    let c = portal.admin();
    let id = c.ready_connector("Twice", &repo.file_url()).await;
    let steps: [(&str, Stage, Option<Value>); 5] = [
        ("build", Stage::Build, None),
        ("sync-runtime", Stage::SyncRuntime, None),
        ("sync-dev", Stage::SyncDev, None),
        ("sync-prod", Stage::SyncProd, Some(json!({"targets": {"projects": ["acme-shop"]}}))),
        ("release", Stage::Access, None),
    ];
    for (path, stage, body) in steps {
        let job = c.send(Method::POST, &format!("/connectors/{id}/versions/1/{path}"), body).await.expect(202);
        let job_id = job["id"].as_str().unwrap();
        // The message is delivered, then delivered again (the same message sent twice).
        let message =
            devportal_domain::pipeline::StageMessage { job_id: job_id.parse().unwrap(), connector_id: id.parse().unwrap(), version: 1, stage };
        app.ports.queue.send(&message).await.unwrap();
        let handler = |app, m| async move { devportal_worker::handle(&app, stage, &m).await };
        assert!(devportal_worker::run_once(&app, stage, handler).await);
        let after_first = (c.get(&format!("/jobs/{job_id}")).await.expect(200), c.get(&format!("/connectors/{id}/versions/1")).await.expect(200));
        assert_eq!(after_first.0["status"], "done", "{}", after_first.0);
        assert!(devportal_worker::run_once(&app, stage, handler).await);
        let after_second = (c.get(&format!("/jobs/{job_id}")).await.expect(200), c.get(&format!("/connectors/{id}/versions/1")).await.expect(200));
        assert_eq!(after_first, after_second, "{path}: a second delivery changes nothing");
        assert!(!devportal_worker::run_once(&app, stage, handler).await, "both deliveries were acknowledged");
    }
    let t = c.get(&format!("/connectors/{id}/versions/1/transitions")).await.expect(200);
    assert_eq!(states(&t).len(), 8, "one transition per change, none doubled");
}

#[tokio::test]
async fn the_previous_production_release_serves_until_the_new_one_switches() {
    use devportal_domain::pipeline::Stage;
    let repo = good_repo();
    let portal = Portal::start_without_workers().await;
    let app = portal.app().await;
    let c = portal.admin();
    let id = c.ready_connector("Switch", &repo.file_url()).await;
    let run = |stage: Stage| {
        let app = app.clone();
        async move {
            let handler = move |app, m| async move { devportal_worker::handle(&app, stage, &m).await };
            assert!(devportal_worker::run_once(&app, stage, handler).await);
        }
    };
    for (path, stage) in [("build", Stage::Build), ("sync-runtime", Stage::SyncRuntime), ("sync-dev", Stage::SyncDev)] {
        c.post(&format!("/connectors/{id}/versions/1/{path}"), json!({})).await.expect(202);
        run(stage).await;
    }
    c.post(&format!("/connectors/{id}/versions/1/sync-prod"), json!({"targets": {"accounts": ["acme"]}})).await.expect(202);
    run(Stage::SyncProd).await;
    c.post(&format!("/connectors/{id}/versions/1/release"), json!({})).await.expect(202);
    run(Stage::Access).await;
    let first = c.get("/catalog?site_id=acme-shop-live").await.expect(200)["items"][0].clone();
    let first_release = first["release_id"].as_str().unwrap().to_string();

    // A new commit goes through build, runtime and dev while the old release serves.
    repo.commit("main", &[("NOTES.md", "v1.1\n")], "a change");
    for (path, stage) in [("build", Stage::Build), ("sync-runtime", Stage::SyncRuntime), ("sync-dev", Stage::SyncDev)] {
        c.post(&format!("/connectors/{id}/versions/1/{path}"), json!({})).await.expect(202);
        assert_eq!(c.get("/catalog?site_id=acme-shop-live").await.expect(200)["items"][0]["release_id"], first_release.as_str());
        run(stage).await;
    }
    let job = c.post(&format!("/connectors/{id}/versions/1/sync-prod"), json!({"targets": {"accounts": ["acme"]}})).await.expect(202);
    assert_eq!(c.get(&format!("/connectors/{id}/versions/1")).await.expect(200)["state"], "resynchronizing-to-prod");
    // During the sync the catalog still answers the previous release.
    let during = c.get("/catalog?site_id=acme-shop-live").await.expect(200);
    assert_eq!(during["items"][0]["release_id"], first_release.as_str());
    run(Stage::SyncProd).await;
    let job = c.get(&format!("/jobs/{}", job["id"].as_str().unwrap())).await.expect(200);
    let after = c.get("/catalog?site_id=acme-shop-live").await.expect(200)["items"][0].clone();
    assert_ne!(after["release_id"], first_release.as_str(), "switched to the new release");
    assert_eq!(after["digest"], job["result"]["digest"]);
    assert_ne!(after["digest"], first["digest"]);
}

#[tokio::test]
async fn a_repository_served_by_git_daemon_builds() {
    let repo = good_repo();
    let daemon = GitDaemon::start(&repo.base_dir());
    let portal = Portal::start().await;
    let c = portal.admin();
    let id = c.ready_connector("Daemon", &daemon.url(repo.name())).await;
    let job = c.run_stage(&id, "build", None).await;
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["result"]["commit"], repo.head_commit());
}

async fn version_view(c: &Client, id: &str) -> Value {
    c.get(&format!("/connectors/{id}/versions/1")).await.expect(200)
}

#[tokio::test]
async fn the_version_view_shows_its_deployment_without_internal_references() {
    let repo = good_repo();
    let portal = Portal::start().await;
    let c = portal.admin();
    let id = c.ready_connector("Deployed", &repo.file_url()).await;
    let d = version_view(&c, &id).await["deployment"].clone();
    assert_eq!(d["image"], Value::Null, "{d}");
    assert_eq!(d["released"], false);
    assert_eq!(d["main"], false);

    let build = c.run_stage(&id, "build", None).await;
    assert_eq!(build["status"], "done", "{build}");
    let v = version_view(&c, &id).await;
    let image = &v["deployment"]["image"];
    assert_eq!(image["commit"], repo.head_commit());
    assert_eq!(image["digest"], build["result"]["digest"]);
    assert_eq!(image["size_bytes"], build["result"]["size_bytes"]);
    assert_eq!(image["job_id"], build["id"]);
    assert_eq!(image["built_at"], build["finished_at"]);
    assert!(image.get("image_ref").is_none(), "where the image is stored stays internal: {image}");
    assert_eq!(v["deployment"]["runtime"], Value::Null);
    assert_eq!(v["deployment"]["active_job"], Value::Null);

    // While a step runs, its job is the active one.
    let job = c.post(&format!("/connectors/{id}/versions/1/sync-runtime"), json!({})).await.expect(202);
    let v = version_view(&c, &id).await;
    if v["state"] == "synchronizing-to-runtime" {
        assert_eq!(v["deployment"]["active_job"], job["id"]);
    }
    assert_eq!(c.wait_job(job["id"].as_str().unwrap(), 30).await["status"], "done");
    let digest = image["digest"].clone();
    assert_eq!(version_view(&c, &id).await["deployment"]["runtime"]["digest"], digest);

    let dev = c.run_stage(&id, "sync-dev", None).await;
    assert_eq!(dev["status"], "done", "{dev}");
    let d = version_view(&c, &id).await["deployment"].clone();
    assert_eq!(d["dev"]["site_id"], dev["result"]["site_id"]);
    assert!(d["dev"]["account_id"].is_string() && d["dev"]["project_id"].is_string(), "{d}");
    assert_eq!(d["dev"]["digest"], digest);

    let prod = c.run_stage(&id, "sync-prod", Some(json!({"targets": {"accounts": ["acme"]}}))).await;
    assert_eq!(prod["status"], "done", "{prod}");
    let job = c.send(Method::PUT, &format!("/connectors/{id}/versions/1/access"), Some(json!({"sites": ["acme-shop-live"]}))).await.expect(202);
    assert_eq!(c.wait_job(job["id"].as_str().unwrap(), 30).await["status"], "done");
    let d = version_view(&c, &id).await["deployment"].clone();
    assert_eq!(d["production"]["release_id"], prod["result"]["release_id"]);
    assert_eq!(d["production"]["digest"], digest);
    assert_eq!(d["production"]["targets"]["accounts"], json!(["acme"]));
    assert!(d["production"]["released_at"].is_string(), "{d}");
    assert!(d["production"].get("configuration").is_none(), "the configuration snapshot (secret references) is not shown: {d}");
    assert_eq!(d["access"]["grants"]["sites"], json!(["acme-shop-live"]));
    assert_eq!(d["released"], false);
    assert_eq!(d["main"], true, "the first version in production becomes the main version");

    let rel = c.run_stage(&id, "release", None).await;
    assert_eq!(rel["status"], "done");
    let d = version_view(&c, &id).await["deployment"].clone();
    assert_eq!(d["released"], true);
    // Nothing internal: no secret references, ARNs or filesystem paths anywhere in it.
    let text = d.to_string();
    for internal in ["local:", "arn:", "/tmp", "oci:", "runtime_ref", "image_ref"] {
        assert!(!text.contains(internal), "`{internal}` in the deployment view: {text}");
    }
    // The list of versions carries the same view.
    let list = c.get(&format!("/connectors/{id}/versions")).await.expect(200);
    assert_eq!(list["items"][0]["deployment"], d);
}
