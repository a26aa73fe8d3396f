//! No request path or schedule scans the DynamoDB table: a portal on the AWS adapters talks
//! to moto through a recording proxy on 127.0.0.1, goes through a release, the bin, the
//! retention purge, a permanent deletion, the re-send of pending jobs and the catalog, and the
//! proxy must have seen queries but not one `Scan`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use chrono::{Duration, Utc};
use devportal_tests::connector_fixtures::good_repo;
use devportal_tests::{fresh_aws_backend, moto, Portal};
use serde_json::json;
use std::sync::{Arc, Mutex};

/// Forwards every request to moto and records each DynamoDB operation (`X-Amz-Target`).
#[derive(Clone)]
struct Recorder {
    moto: String,
    http: reqwest::Client,
    targets: Arc<Mutex<Vec<String>>>,
}

async fn forward(State(r): State<Recorder>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> (StatusCode, HeaderMap, Bytes) {
    if let Some(t) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        r.targets.lock().unwrap().push(t.to_string());
    }
    let url = format!("{}{}", r.moto, uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let mut req = r.http.request(reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(), url).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            req = req.header(name.as_str(), value.as_bytes());
        }
    }
    let res = req.send().await.expect("moto answers");
    let status = StatusCode::from_u16(res.status().as_u16()).unwrap();
    let mut out = HeaderMap::new();
    for (name, value) in res.headers() {
        if name != "transfer-encoding" && name != "content-length" && name != "connection" {
            out.insert(
                axum::http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                axum::http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
            );
        }
    }
    (status, out, res.bytes().await.unwrap())
}

async fn start_recorder() -> (String, Arc<Mutex<Vec<String>>>) {
    let targets = Arc::new(Mutex::new(vec![]));
    let state = Recorder { moto: moto::endpoint_async().await, http: reqwest::Client::new(), targets: targets.clone() };
    let app = axum::Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), targets)
}

#[tokio::test]
async fn housekeeping_and_request_paths_query_and_never_scan() {
    let (endpoint, targets) = start_recorder().await;
    let mut aws = fresh_aws_backend().await;
    aws.sdk = Some(moto::sdk_config(&endpoint));
    let portal = Portal::start_on_aws(aws).await;
    let c = portal.admin();
    let repo = good_repo();

    // A release: jobs, transitions, the catalog.
    let live = c.ready_connector("Live", &repo.file_url()).await;
    c.release_version(&live, 1, json!({"sites": ["acme-shop-live"]})).await;
    c.get("/catalog?site_id=acme-shop-live").await.expect(200);
    // The bin, a permanent deletion, the retention purge and the re-send of pending jobs.
    let doomed = c.ready_connector("Doomed", &repo.file_url()).await;
    c.run_stage(&doomed, "build", None).await;
    c.delete(&format!("/connectors/{doomed}")).await.expect(200);
    c.delete(&format!("/bin/{doomed}")).await.expect(204);
    let old = c.create_connector("Old", "upload").await["id"].as_str().unwrap().to_string();
    c.delete(&format!("/connectors/{old}")).await.expect(200);
    let app = portal.app().await;
    let report = sweeper::sweep(&app, Duration::days(30), Utc::now() + Duration::days(31)).await.unwrap();
    assert_eq!(report.purged_connectors, 1, "the purge found the binned connector through the index");
    c.get(&format!("/connectors/{old}")).await.expect_error(404, "not_found");
    app.resend_pending_jobs(Utc::now()).await.unwrap();

    let seen = targets.lock().unwrap().clone();
    assert!(seen.iter().any(|t| t.ends_with(".Query")), "the proxy saw the portal's queries: {seen:?}");
    let scans: Vec<_> = seen.iter().filter(|t| t.ends_with(".Scan")).collect();
    assert!(scans.is_empty(), "{} Scan call(s) among {} DynamoDB calls", scans.len(), seen.len());
}
