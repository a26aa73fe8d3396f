//! The OpenAPI document: served without a token, covering every route of the API, and
//! describing the answers the API really gives — each answer of a walk through every route
//! is validated against the schema the document declares for its status.

use devportal_domain::pipeline::Stage;
use devportal_tests::{Client, Portal};
use reqwest::Method;
use serde_json::{json, Value};

/// Every route (method, path template) the API serves today.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/me"),
    ("post", "/api/v1/tokens"),
    ("get", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/organizations"),
    ("post", "/api/v1/organizations"),
    ("post", "/api/v1/organizations/{id}/members"),
    ("get", "/api/v1/connectors"),
    ("post", "/api/v1/connectors"),
    ("get", "/api/v1/connectors/{id}"),
    ("patch", "/api/v1/connectors/{id}"),
    ("get", "/api/v1/connectors/{id}/versions"),
    ("get", "/api/v1/connectors/{id}/versions/{v}"),
    ("get", "/api/v1/connectors/{id}/versions/{v}/steps/{step}"),
    ("put", "/api/v1/connectors/{id}/versions/{v}/steps/{step}"),
    ("post", "/api/v1/connectors/{id}/versions/{v}/vcs/test"),
    ("post", "/api/v1/connectors/{id}/versions/{v}/build"),
    ("post", "/api/v1/connectors/{id}/versions/{v}/sync-runtime"),
    ("post", "/api/v1/connectors/{id}/versions/{v}/sync-dev"),
    ("post", "/api/v1/connectors/{id}/versions/{v}/sync-prod"),
    ("put", "/api/v1/connectors/{id}/versions/{v}/access"),
    ("post", "/api/v1/connectors/{id}/versions/{v}/release"),
    ("post", "/api/v1/connectors/{id}/versions/{v}/unrelease"),
    ("get", "/api/v1/connectors/{id}/versions/{v}/jobs"),
    ("get", "/api/v1/connectors/{id}/versions/{v}/transitions"),
    ("get", "/api/v1/jobs/{job}"),
    ("get", "/api/v1/jobs/{job}/log"),
    ("post", "/api/v1/jobs/{job}/cancel"),
    ("post", "/api/v1/jobs/{job}/retry"),
    ("get", "/api/v1/dead-letters"),
    ("get", "/api/v1/accounts"),
    ("post", "/api/v1/accounts"),
    ("get", "/api/v1/projects"),
    ("post", "/api/v1/projects"),
    ("get", "/api/v1/sites"),
    ("post", "/api/v1/sites"),
    ("get", "/api/v1/catalog"),
    ("post", "/api/v1/connectors/{id}/versions"),
    ("delete", "/api/v1/connectors/{id}/versions/{v}"),
    ("get", "/api/v1/connectors/{id}/versions/{v}/releases"),
    ("post", "/api/v1/connectors/{id}/versions/{v}/rollback"),
    ("delete", "/api/v1/connectors/{id}"),
    ("get", "/api/v1/bin"),
    ("post", "/api/v1/bin/{id}/restore"),
    ("delete", "/api/v1/bin/{id}"),
    ("post", "/api/v1/connectors/{id}/copy"),
    ("put", "/api/v1/connectors/{id}/logo"),
    ("get", "/api/v1/connectors/{id}/logo"),
    ("post", "/api/v1/sites/{site}/runs"),
    ("get", "/api/v1/runs"),
    ("get", "/api/v1/runs/{id}"),
    ("post", "/api/v1/runs/{id}/cancel"),
    ("get", "/api/v1/runs/{id}/logs"),
    ("get", "/api/v1/runs/{id}/stdio"),
    ("get", "/api/v1/runs/{id}/output"),
    ("get", "/api/v1/connectors/{id}/logs"),
    ("put", "/api/v1/vault/{path}"),
    ("get", "/api/v1/vault"),
    ("delete", "/api/v1/vault/{path}"),
];

struct Checker {
    doc: Value,
    client: Client,
    checked: Vec<(String, String, u16)>,
}

impl Checker {
    fn template_of(&self, path: &str) -> String {
        let path = path.split('?').next().unwrap();
        let full = format!("/api/v1{path}");
        let segs: Vec<&str> = full.split('/').collect();
        self.doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .find(|t| {
                let ts: Vec<&str> = t.split('/').collect();
                ts.len() == segs.len() && ts.iter().zip(&segs).all(|(a, b)| a.starts_with('{') || a == b)
            })
            .unwrap_or_else(|| panic!("{full} is not in the OpenAPI document"))
            .clone()
    }

    /// Sends a request and validates the answer against the documented schema.
    async fn call(&mut self, method: Method, path: &str, body: Option<Value>) -> Value {
        let answer = self.client.send(method.clone(), path, body).await;
        let template = self.template_of(path);
        let m = method.as_str().to_ascii_lowercase();
        let op = &self.doc["paths"][&template][&m];
        assert!(op.is_object(), "{m} {template} is not documented");
        let status = answer.status.as_u16();
        let response = &op["responses"][status.to_string()];
        assert!(response.is_object(), "{m} {template} answered {status}, which is not documented: {}", answer.text);
        if let Some(schema) = response["content"]["application/json"]["schema"].as_object() {
            let mut root = Value::Object(schema.clone());
            root["components"] = self.doc["components"].clone();
            let validator = jsonschema::validator_for(&root).expect("the schema compiles");
            let errors: Vec<String> = validator.iter_errors(&answer.body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(errors.is_empty(), "{m} {template} {status} does not match its schema: {errors:?}\n{}", answer.text);
        } else {
            assert!(answer.text.is_empty(), "{m} {template} {status} has an undocumented body: {}", answer.text);
        }
        self.checked.push((m, template, status));
        answer.body
    }
}

#[tokio::test]
async fn the_document_is_public_openapi_3_1_with_every_route_and_bearer_security() {
    let portal = Portal::start().await;
    let res = portal.http.get(portal.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for (m, p) in ROUTES {
        let op = &doc["paths"][p][m];
        assert!(op.is_object(), "{m} {p} is missing from the document");
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{m} {p} documents no responses");
    }
    // And nothing is documented that the API does not serve.
    let documented: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, ROUTES.len());
    // Every operation has its own operationId (the spec requires it; generators refuse
    // documents that repeat one, e.g. the web UI's `npm run gen:api`).
    let mut ids = std::collections::BTreeMap::new();
    for (p, ops) in doc["paths"].as_object().unwrap() {
        for (m, op) in ops.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{m} {p} has no operationId")).to_string();
            if let Some(other) = ids.insert(id.clone(), format!("{m} {p}")) {
                panic!("operationId `{id}` is used by {other} and by {m} {p}");
            }
        }
    }
}

#[tokio::test]
async fn every_answer_matches_the_documented_schema() {
    let portal = Portal::start_without_workers().await;
    let doc: Value = portal.http.get(portal.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut ck = Checker { doc, client: portal.admin(), checked: vec![] };

    ck.call(Method::GET, "/me", None).await;
    let tok = ck.call(Method::POST, "/tokens", Some(json!({"name": "ci"}))).await;
    ck.call(Method::GET, "/tokens", None).await;
    ck.call(Method::DELETE, &format!("/tokens/{}", tok["id"].as_str().unwrap()), None).await;
    ck.call(Method::DELETE, &format!("/tokens/{}", tok["id"].as_str().unwrap()), None).await; // 404
    ck.call(Method::POST, "/users", Some(json!({"email": "u@example.com", "name": "U"}))).await;
    ck.call(Method::POST, "/users", Some(json!({"email": "bad", "name": "U"}))).await; // 422
    let orgs = ck.call(Method::GET, "/organizations", None).await;
    let org = orgs["items"][0]["id"].as_str().unwrap().to_string();
    ck.call(Method::POST, &format!("/organizations/{org}/members"), Some(json!({"email": "u@example.com", "role": "member"}))).await;
    ck.call(Method::POST, &format!("/organizations/{org}/members"), Some(json!({"email": "u@example.com"}))).await; // 409

    let conn = ck.call(Method::POST, "/connectors", Some(json!({"name": "Doc", "type": "export", "execution_mode": "options"}))).await;
    let id = conn["id"].as_str().unwrap().to_string();
    ck.call(Method::POST, "/connectors", Some(json!({"type": "export"}))).await; // 422
    ck.call(Method::GET, "/connectors?limit=1", None).await;
    ck.call(Method::GET, &format!("/connectors/{id}"), None).await;
    ck.call(Method::GET, "/connectors/not-a-uuid", None).await; // 400
    ck.call(Method::PATCH, &format!("/connectors/{id}"), Some(json!({"description": "d", "revision": 1}))).await;
    ck.call(Method::PATCH, &format!("/connectors/{id}"), Some(json!({"description": "d2", "revision": 1}))).await; // 409
    let v = format!("/connectors/{id}/versions/1");
    ck.call(Method::PUT, &format!("{v}/steps/vcs"), Some(json!({"authorization": "deploy-key", "url": "git@git.example.com:org/r.git"}))).await;
    ck.call(Method::PUT, &format!("{v}/steps/application"), Some(json!({"command": "node", "arguments": "index.js"}))).await;
    ck.call(Method::PUT, &format!("{v}/steps/auth"), Some(json!({"secrets": [{"path": "a/b", "fields": ["k"]}]}))).await;
    ck.call(
        Method::PUT,
        &format!("{v}/steps/individual"),
        Some(json!({"fields": [{"key": "url", "type": "url", "label": "URL"}, {"key": "on", "type": "checkbox", "label": "On", "default": false}]})),
    )
    .await;
    ck.call(Method::PUT, &format!("{v}/steps/type-specific"), Some(json!({"channels": ["c"]}))).await;
    ck.call(Method::PUT, &format!("{v}/steps/type-specific"), Some(json!({"categories": ["orders"]}))).await; // 422
    ck.call(Method::PUT, &format!("{v}/steps/application"), Some(json!({"command": "x", "revision": 1}))).await; // 409
    for step in ["vcs", "application", "auth", "individual", "type-specific", "execution"] {
        ck.call(Method::GET, &format!("{v}/steps/{step}"), None).await;
    }
    ck.call(Method::GET, &format!("/connectors/{id}/versions"), None).await;
    ck.call(Method::GET, &v, None).await;
    ck.call(Method::GET, &format!("/connectors/{id}/versions/main"), None).await; // 404
    ck.call(Method::POST, &format!("{v}/vcs/test"), None).await;
    // The pipeline, stepped by hand so every state can be observed.
    let app = portal.app().await;
    let repo = devportal_tests::connector_fixtures::good_repo();
    let pid = ck.client.ready_connector("Pipe", &repo.file_url()).await;
    let pv = format!("/connectors/{pid}/versions/1");
    ck.call(Method::POST, &format!("{v}/build"), None).await; // 422: incomplete
    ck.call(Method::POST, &format!("{pv}/sync-dev"), None).await; // 409: out of order
    let job = ck.call(Method::POST, &format!("{pv}/build"), None).await;
    let job_id = job["id"].as_str().unwrap().to_string();
    ck.call(Method::POST, &format!("{pv}/build"), None).await; // 409: running
    ck.call(Method::POST, &format!("/jobs/{job_id}/cancel"), None).await;
    ck.call(Method::POST, &format!("/jobs/{job_id}/cancel"), None).await; // 409
    let retried = ck.call(Method::POST, &format!("/jobs/{job_id}/retry"), None).await;
    let stages = [Stage::Build, Stage::SyncRuntime, Stage::SyncDev, Stage::SyncProd, Stage::Access];
    let step = |stage: Stage| {
        let app = app.clone();
        async move {
            // Drain: the cancelled job's message is skipped, the live one is run.
            while devportal_worker::run_once(&app, stage, move |app, m| async move { devportal_worker::handle(&app, stage, &m).await }).await {}
        }
    };
    step(stages[0]).await;
    ck.call(Method::GET, &format!("/jobs/{}", retried["id"].as_str().unwrap()), None).await;
    ck.call(Method::GET, &format!("/jobs/{}/log?limit=5", retried["id"].as_str().unwrap()), None).await;
    ck.call(Method::GET, &format!("/jobs/{}/log?cursor=bogus", retried["id"].as_str().unwrap()), None).await; // 422
    ck.call(Method::POST, &format!("{pv}/sync-runtime"), None).await;
    step(stages[1]).await;
    ck.call(Method::POST, &format!("{pv}/sync-dev"), None).await;
    step(stages[2]).await;
    // Runs on the dev site (no launcher here: the run stays queued until cancelled), the vault.
    let synced = ck.call(Method::GET, &pv, None).await;
    let site = synced["deployment"]["dev"]["site_id"].as_str().unwrap().to_string();
    ck.call(Method::PUT, "/vault/acme", Some(json!({"fields": {"api-key": "v-1"}}))).await;
    ck.call(Method::PUT, "/vault/acme", Some(json!({"fields": {}}))).await; // 422
    ck.call(Method::GET, "/vault", None).await;
    let run = ck.call(Method::POST, &format!("/sites/{site}/runs"), Some(json!({"connector_id": pid, "version": 1}))).await;
    ck.call(Method::POST, "/sites/nowhere/runs", Some(json!({"connector_id": pid, "version": 1}))).await; // 404
    ck.call(Method::POST, &format!("/sites/{site}/runs"), Some(json!({"connector_id": pid, "version": 0}))).await; // 422
    let run_id = run["id"].as_str().unwrap().to_string();
    ck.call(Method::GET, "/runs", None).await;
    ck.call(Method::GET, "/runs?status=nope", None).await; // 422
    ck.call(Method::GET, &format!("/runs/{run_id}"), None).await;
    ck.call(Method::GET, &format!("/runs/{}", uuid::Uuid::now_v7()), None).await; // 404
    ck.call(Method::GET, &format!("/runs/{run_id}/logs?min_level=3"), None).await;
    ck.call(Method::GET, &format!("/runs/{run_id}/logs?min_level=x"), None).await; // 422
    ck.call(Method::GET, &format!("/runs/{run_id}/stdio"), None).await;
    ck.call(Method::GET, &format!("/runs/{run_id}/output"), None).await;
    ck.call(Method::GET, &format!("/connectors/{pid}/logs"), None).await;
    ck.call(Method::POST, &format!("/runs/{run_id}/cancel"), None).await;
    ck.call(Method::POST, &format!("/runs/{run_id}/cancel"), None).await; // 409
    ck.call(Method::DELETE, "/vault/acme", None).await;
    ck.call(Method::DELETE, "/vault/acme", None).await; // 404
    ck.call(Method::POST, &format!("{pv}/sync-prod"), Some(json!({"targets": {"accounts": ["nope"]}}))).await; // 422
    ck.call(Method::POST, &format!("{pv}/sync-prod"), Some(json!({"targets": {"accounts": ["acme"]}}))).await;
    step(stages[3]).await;
    ck.call(Method::PUT, &format!("{pv}/access"), Some(json!({"sites": ["acme-shop-live"]}))).await;
    step(stages[4]).await;
    ck.call(Method::POST, &format!("{pv}/release"), None).await;
    step(stages[4]).await;
    ck.call(Method::POST, &format!("{pv}/unrelease"), None).await;
    step(stages[4]).await;
    ck.call(Method::GET, &format!("{pv}/jobs"), None).await;
    ck.call(Method::GET, &format!("{pv}/transitions"), None).await;
    ck.call(Method::GET, "/dead-letters", None).await;
    ck.call(Method::GET, "/accounts", None).await;
    ck.call(Method::POST, "/accounts", Some(json!({"id": "initech", "name": "Initech"}))).await;
    ck.call(Method::POST, "/accounts", Some(json!({"id": "initech", "name": "Initech"}))).await; // 422: taken
    ck.call(Method::GET, "/projects", None).await;
    ck.call(Method::POST, "/projects", Some(json!({"id": "initech-web", "account_id": "initech", "name": "Web"}))).await;
    ck.call(Method::GET, "/sites", None).await;
    ck.call(Method::POST, "/sites", Some(json!({"id": "initech-live", "project_id": "initech-web", "name": "Live"}))).await;
    ck.call(Method::GET, "/catalog?account_id=acme", None).await;
    ck.call(Method::GET, "/catalog?site_id=acme-shop-live&limit=1", None).await;
    ck.call(Method::GET, "/catalog", None).await; // 422

    // Versions, releases, rollback, the bin, duplicate.
    let releases = ck.call(Method::GET, &format!("{pv}/releases"), None).await;
    ck.call(Method::POST, &format!("{pv}/rollback"), Some(json!({"release_id": releases["items"][0]["release_id"], "reason": "x"}))).await; // 422: live
    ck.call(Method::POST, &format!("/connectors/{pid}/versions"), None).await;
    ck.call(Method::DELETE, &format!("/connectors/{pid}/versions/1"), None).await; // 409: production
    ck.call(Method::DELETE, &format!("/connectors/{pid}/versions/2"), None).await;
    ck.call(Method::DELETE, &format!("/connectors/{pid}"), None).await; // 409: production
    let copy = ck.call(Method::POST, &format!("/connectors/{pid}/copy"), None).await;
    let cid = copy["id"].as_str().unwrap().to_string();
    ck.call(Method::GET, &format!("/connectors/{cid}/logo"), None).await; // 404
    ck.call(Method::DELETE, &format!("/connectors/{cid}"), None).await;
    ck.call(Method::GET, "/bin", None).await;
    ck.call(Method::POST, &format!("/bin/{cid}/restore"), None).await;
    ck.call(Method::DELETE, &format!("/bin/{cid}"), None).await; // 404: not binned
    ck.call(Method::DELETE, &format!("/connectors/{cid}"), None).await;
    ck.call(Method::DELETE, &format!("/bin/{cid}"), None).await;
    // The logo travels as SVG, not JSON.
    let logo = format!("/connectors/{pid}/logo");
    let a =
        Client::answer(ck.client.raw(Method::PUT, &logo).header("content-type", "image/svg+xml").body("<svg xmlns='http://www.w3.org/2000/svg'/>"))
            .await;
    assert_eq!(a.status, 200, "{}", a.text);
    ck.checked.push(("put".into(), "/api/v1/connectors/{id}/logo".into(), 200));
    let res = ck.client.raw(Method::GET, &logo).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let documented = ck.doc["paths"]["/api/v1/connectors/{id}/logo"]["get"]["responses"]["200"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(documented, ["image/svg+xml"]);
    ck.checked.push(("get".into(), "/api/v1/connectors/{id}/logo".into(), 200));

    ck.call(Method::POST, "/organizations", Some(json!({"name": "Second"}))).await;
    ck.call(Method::POST, "/organizations", Some(json!({"name": " "}))).await; // 422

    let covered: std::collections::HashSet<(String, String)> = ck.checked.iter().map(|(m, t, _)| (m.clone(), t.clone())).collect();
    for (m, p) in ROUTES {
        assert!(covered.contains(&(m.to_string(), p.to_string())), "{m} {p} was not exercised");
    }
}
