//! The connector setup wizard end to end: one connector of each type, every step filled,
//! completeness and the execution preview read back.

use devportal_tests::{Client, Portal};
use serde_json::{json, Value};

const TYPES: [&str; 8] = ["datasource", "export", "export-delta", "data-service", "download", "transform", "write", "upload"];

fn step_status<'a>(version: &'a Value, step: &str) -> &'a Value {
    version["steps"].as_array().unwrap().iter().find(|s| s["step"] == step).unwrap()
}

async fn fill_every_step(c: &Client, id: &str, connector_type: &str) {
    let base = format!("/connectors/{id}/versions/1/steps");
    c.put(&format!("{base}/vcs"), json!({"authorization": "public", "url": "https://git.example.com/org/repo.git"})).await.expect(200);
    c.put(&format!("{base}/application"), json!({"command": "python", "arguments": "main.py run", "health_check": "--health-check"}))
        .await
        .expect(200);
    c.put(
        &format!("{base}/auth"),
        json!({
            "authentications": [{"name": "shop", "kind": "oauth2", "authorize_url": "https://shop.example/auth", "token_url": "https://shop.example/token", "scopes": ["read"]}],
            "secrets": [{"path": "vault/acme-api", "fields": ["key"]}]
        }),
    )
    .await
    .expect(200);
    c.put(
        &format!("{base}/individual"),
        json!({"fields": [
            {"key": "shop-url", "type": "url", "label": "Shop URL", "required": true, "default": "https://shop.example"},
            {"key": "api_key", "type": "password", "label": "API key", "required": true},
            {"key": "mode", "type": "select", "label": "Mode", "options": ["full", "delta"], "default": "delta"}
        ]}),
    )
    .await
    .expect(200);
    let type_specific = match connector_type {
        "datasource" => Some(json!({"categories": ["shop_systems", "orders"]})),
        "export" | "export-delta" => {
            Some(json!({"channels": ["google-shopping"], "feedback_file": true, "source_column": "sku", "target_column": "id"}))
        }
        "data-service" => Some(json!({"settings": {"batch": 100}})),
        _ => None,
    };
    match type_specific {
        Some(body) => {
            c.put(&format!("{base}/type-specific"), body).await.expect(200);
        }
        None => {
            c.put(&format!("{base}/type-specific"), json!({})).await.expect_error(422, "validation_failed");
        }
    }
}

#[tokio::test]
async fn every_connector_type_can_be_set_up_completely() {
    let portal = Portal::start().await;
    let c = portal.admin();
    for t in TYPES {
        let connector = c.create_connector(&format!("My {t}"), t).await;
        assert_eq!(connector["type"], t);
        let id = connector["id"].as_str().unwrap();
        let fresh = c.get(&format!("/connectors/{id}/versions/1")).await.expect(200);
        assert_eq!(fresh["state"], "created");
        assert_eq!(fresh["buildable"], false, "{t}: a new version is not buildable");
        let expected_ts = match t {
            "datasource" | "export" | "export-delta" => "required",
            "data-service" => "optional",
            _ => "not_applicable",
        };
        assert_eq!(step_status(&fresh, "type-specific")["requirement"], expected_ts, "{t}");
        assert_eq!(step_status(&fresh, "vcs")["complete"], false);

        fill_every_step(&c, id, t).await;

        let version = c.get(&format!("/connectors/{id}/versions/latest")).await.expect(200);
        assert_eq!(version["buildable"], true, "{t}: {version}");
        assert_eq!(version["state"], "created", "editing a never-built version keeps it `created`");
        for s in version["steps"].as_array().unwrap() {
            if s["requirement"] == "required" {
                assert_eq!(s["complete"], true, "{t}: {s}");
            }
        }
        assert_eq!(step_status(&version, "auth")["complete"], true);
        assert_eq!(step_status(&version, "individual")["complete"], true);
        assert_eq!(version["configuration"]["individual"]["fields"].as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn the_execution_preview_follows_the_execution_mode() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let env = c.post("/connectors", json!({"name": "Env", "type": "datasource"})).await.expect(201);
    let opts = c.post("/connectors", json!({"name": "Opts", "type": "datasource", "execution_mode": "options"})).await.expect(201);
    for conn in [&env, &opts] {
        fill_every_step(&c, conn["id"].as_str().unwrap(), "datasource").await;
    }

    let preview = c.get(&format!("/connectors/{}/versions/1/steps/execution", env["id"].as_str().unwrap())).await.expect(200);
    let data = &preview["data"];
    assert_eq!(data["execution_mode"], "env");
    assert_eq!(data["argv"], json!(["python", "main.py", "run"]));
    assert_eq!(data["health_check_argv"], json!(["python", "main.py", "run", "--health-check"]));
    let env_vars: Vec<(String, String)> = data["environment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["value"].as_str().unwrap().to_string()))
        .collect();
    let names: Vec<&str> = env_vars.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "CDE_RUN_ID",
            "CDE_SITE_ID",
            "CDE_CONNECTOR_VERSION",
            "CDE_RUN_API",
            "CDE_RUN_TOKEN",
            "SHOP_URL",
            "API_KEY",
            "MODE",
            "CDE_AUTH_ACCESS_TOKEN",
            "CDE_SECRET_ACME_API_KEY"
        ]
    );
    let value = |n: &str| env_vars.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(value("SHOP_URL"), "https://shop.example");
    assert_eq!(value("API_KEY"), "********", "password values are masked");
    assert_eq!(value("CDE_RUN_TOKEN"), "********", "the run token is listed, masked");
    assert_eq!(value("MODE"), "delta");
    assert_eq!(value("CDE_CONNECTOR_VERSION"), "1");
    assert!(value("CDE_RUN_API").starts_with(&portal.base) && value("CDE_RUN_API").ends_with("/run-api/v1"));

    let preview = c.get(&format!("/connectors/{}/versions/1/steps/execution", opts["id"].as_str().unwrap())).await.expect(200);
    let data = &preview["data"];
    assert_eq!(data["execution_mode"], "options");
    assert_eq!(
        data["argv"],
        json!([
            "python",
            "main.py",
            "run",
            "--shop-url=https://shop.example",
            "--api_key=********",
            "--mode=delta",
            "--cde-auth-access_token=********"
        ])
    );
    let names: Vec<_> = data["environment"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["CDE_RUN_ID", "CDE_SITE_ID", "CDE_CONNECTOR_VERSION", "CDE_RUN_API", "CDE_RUN_TOKEN", "CDE_SECRET_ACME_API_KEY"]);
    // Execution is computed: it cannot be written.
    c.put(&format!("/connectors/{}/versions/1/steps/execution", opts["id"].as_str().unwrap()), json!({}))
        .await
        .expect_error(405, "method_not_allowed");
}

#[tokio::test]
async fn the_preview_waits_for_the_application_step() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let conn = c.create_connector("Bare", "upload").await;
    let preview = c.get(&format!("/connectors/{}/versions/1/steps/execution", conn["id"].as_str().unwrap())).await.expect(200);
    assert_eq!(preview["data"], Value::Null);
    assert_eq!(preview["status"]["complete"], false);
}

#[tokio::test]
async fn wizard_steps_validate_on_the_server_naming_each_field() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let conn = c.create_connector("Checked", "datasource").await;
    let base = format!("/connectors/{}/versions/1/steps", conn["id"].as_str().unwrap());
    let before = c.get(&format!("/connectors/{}/versions/1", conn["id"].as_str().unwrap())).await.expect(200);

    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        ("vcs", json!({"authorization": "public", "url": "ftp://nope"}), vec!["url"]),
        ("vcs", json!({"authorization": "basic", "url": "https://h/r.git"}), vec!["username", "token"]),
        ("vcs", json!({"authorization": "public", "url": "https://h/r.git", "branch": "bad..branch"}), vec!["branch"]),
        ("vcs", json!({"authorization": "deploy-key", "url": "https://h/r.git"}), vec!["url"]),
        ("application", json!({"arguments": "x"}), vec!["command"]),
        ("application", json!({"command": "python", "arguments": "'unbalanced"}), vec!["arguments"]),
        ("individual", json!({"fields": [{"key": "1bad", "type": "input", "label": "x"}]}), vec!["fields[0].key"]),
        ("individual", json!({"fields": [{"key": "a", "type": "select", "label": "x"}]}), vec!["fields[0].options"]),
        ("individual", json!({"fields": [{"key": "a", "type": "checkbox", "label": "x", "default": "yes"}]}), vec!["fields[0].default"]),
        (
            "individual",
            json!({"fields": [{"key": "a", "type": "input", "label": "x"}, {"key": "a", "type": "input", "label": "y"}]}),
            vec!["fields[1].key"],
        ),
        ("auth", json!({"secrets": [{"path": "../etc", "fields": []}]}), vec!["secrets[0].path", "secrets[0].fields"]),
        ("type-specific", json!({"categories": []}), vec!["categories"]),
        ("type-specific", json!({"channels": ["x"]}), vec!["channels"]),
    ];
    for (step, body, fields) in cases {
        let e = c.put(&format!("{base}/{step}"), body.clone()).await.expect_error(422, "validation_failed");
        let got: Vec<&str> = e["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(got, fields, "{step} {body}");
    }
    // Enum values outside the product's lists are named too.
    let e = c.put(&format!("{base}/vcs"), json!({"authorization": "oauth", "url": "https://h/r.git"})).await.expect_error(422, "invalid_body");
    assert_eq!(e["fields"][0]["field"], "authorization");
    let e = c
        .put(&format!("{base}/individual"), json!({"fields": [{"key": "a", "type": "color", "label": "x"}]}))
        .await
        .expect_error(422, "invalid_body");
    assert_eq!(e["fields"][0]["field"], "fields[0].type");
    c.get(&format!("{base}/nonsense")).await.expect_error(404, "not_found");

    let after = c.get(&format!("/connectors/{}/versions/1", conn["id"].as_str().unwrap())).await.expect(200);
    assert_eq!(before, after, "refused input changes nothing");
}

#[tokio::test]
async fn the_git_token_is_write_only() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let conn = c.create_connector("Private repo", "upload").await;
    let id = conn["id"].as_str().unwrap();
    let saved = c
        .put(
            &format!("/connectors/{id}/versions/1/steps/vcs"),
            json!({"authorization": "basic", "url": "https://git.example.com/org/private.git", "username": "ci", "token": "ghp_SuperSecretValue123"}),
        )
        .await;
    assert!(!saved.text.contains("ghp_SuperSecretValue123"));
    assert_eq!(saved.body["data"]["has_token"], true);
    // Saving again without a token keeps the stored one.
    let kept = c
        .put(
            &format!("/connectors/{id}/versions/1/steps/vcs"),
            json!({"authorization": "basic", "url": "https://git.example.com/org/private.git", "username": "ci2"}),
        )
        .await
        .expect(200);
    assert_eq!(kept["data"]["has_token"], true);
    assert_eq!(kept["data"]["username"], "ci2");
    for path in [format!("/connectors/{id}/versions/1"), format!("/connectors/{id}/versions/1/steps/vcs"), format!("/connectors/{id}/versions")] {
        let a = c.get(&path).await;
        assert!(!a.text.contains("ghp_SuperSecretValue123"), "{path} leaks the token");
    }
    // Switching to public drops it.
    let public = c
        .put(&format!("/connectors/{id}/versions/1/steps/vcs"), json!({"authorization": "public", "url": "https://git.example.com/org/private.git"}))
        .await
        .expect(200);
    assert_eq!(public["data"]["has_token"], false);
    assert_eq!(public["data"]["username"], Value::Null);
}

#[tokio::test]
async fn wizard_puts_honour_the_version_revision() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let conn = c.create_connector("Rev", "upload").await;
    let step = format!("/connectors/{}/versions/1/steps/application", conn["id"].as_str().unwrap());
    let first = c.put(&step, json!({"command": "a", "revision": 1})).await.expect(200);
    assert_eq!(first["revision"], 2);
    let stale = c.put(&step, json!({"command": "b", "revision": 1})).await.expect_error(409, "stale_revision");
    assert_eq!(stale["current_revision"], 2);
    // If-Match works as well as the body field.
    let a = devportal_tests::Client::answer(c.raw(reqwest::Method::PUT, &step).header("If-Match", "\"1\"").json(&json!({"command": "c"}))).await;
    a.expect_error(409, "stale_revision");
    c.put(&step, json!({"command": "b", "revision": 2})).await.expect(200);
    // The same values again change nothing, not even the revision.
    let same = c.put(&step, json!({"command": "b"})).await.expect(200);
    assert_eq!(same["revision"], 3);
    assert_eq!(c.get(&step).await.expect(200)["data"]["command"], "b");
}

/// Saves that name no `revision` are not stale to their callers: one that loses a race with
/// another save is applied again on what that save left. A save loses only to another save that
/// landed, so as many concurrent saves as there are attempts all land, whatever the store's speed.
#[tokio::test]
async fn concurrent_saves_without_a_revision_all_land() {
    const SAVES: u64 = devportal_app::wizard::UNPINNED_SAVE_ATTEMPTS as u64;
    let portal = Portal::start().await;
    let c = portal.admin();
    let connector = c.create_connector("Busy", "datasource").await;
    let id = connector["id"].as_str().unwrap().to_string();
    let before = c.get(&format!("/connectors/{id}/versions/1")).await.expect(200)["revision"].as_u64().unwrap();
    let mut saves = tokio::task::JoinSet::new();
    for i in 0..SAVES {
        let (c, path) = (c.clone(), format!("/connectors/{id}/versions/1/steps/application"));
        saves.spawn(async move { c.put(&path, json!({"command": "python", "arguments": format!("main.py run --save {i}")})).await });
    }
    while let Some(answer) = saves.join_next().await {
        answer.unwrap().expect(200);
    }
    let after = c.get(&format!("/connectors/{id}/versions/1")).await.expect(200);
    assert_eq!(after["revision"].as_u64(), Some(before + SAVES), "every save applied once: {after}");

    // A save naming a revision that has moved on is still refused.
    c.put(&format!("/connectors/{id}/versions/1/steps/application"), json!({"command": "python", "revision": before}))
        .await
        .expect_error(409, "stale_revision");
}
