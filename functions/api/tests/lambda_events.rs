//! The API Gateway HTTP API samples of `events/` (the single source of the sample events) as
//! Lambda hands them to the `api` function: deserialised by `lambda_http`, sent through the
//! router `main.rs` gives `lambda_http::run`, on the embedded adapters in a temporary directory.

use axum::body::to_bytes;
use axum::http::StatusCode;
use devportal_domain::identity::TokenSecret;
use devportal_wiring::{embedded, EmbeddedOptions};
use serde_json::Value;
use std::path::PathBuf;
use tower::ServiceExt;

/// The token in the samples' `Authorization` header.
const SAMPLE_TOKEN: &str = "dps_sample-token-for-events-0123456789";

fn event(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fresh app on the embedded adapters, bootstrapped with the samples' token.
async fn app(dir: &tempfile::TempDir) -> devportal_app::App {
    let options = EmbeddedOptions::ephemeral(dir.path().join("data"));
    let app = embedded(options).await.expect("embedded adapters").app;
    app.bootstrap(Some(TokenSecret::parse_preset(SAMPLE_TOKEN).expect("sample token is a valid preset"))).await.expect("bootstrap");
    app
}

/// Sends one sample through the router as `lambda_http::run` would; status and JSON body.
async fn send(app: &devportal_app::App, sample: &str) -> (StatusCode, Value) {
    let request = lambda_http::request::from_str(&event(sample)).unwrap_or_else(|e| panic!("{sample} is not an API Gateway request: {e}"));
    let response = devportal_api::lambda_router(app.clone()).oneshot(request).await.expect("router is infallible");
    let status = response.status();
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(content_type.starts_with("application/json"), "{sample}: content type {content_type:?}");
    let bytes = to_bytes(response.into_body(), usize::MAX).await.expect("body");
    let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{sample}: body is not JSON ({e})"));
    (status, body)
}

#[tokio::test]
async fn samples_are_http_api_payload_v2_requests() {
    for sample in ["api-get-me.json", "api-post-connectors.json", "api-get-openapi.json"] {
        let raw: Value = serde_json::from_str(&event(sample)).unwrap();
        assert_eq!(raw["version"], "2.0", "{sample}");
        assert_eq!(raw["routeKey"], "ANY /api/{proxy+}", "{sample}: the template's route");
        let request = lambda_http::request::from_str(&event(sample)).unwrap();
        assert_eq!(request.uri().path(), raw["rawPath"].as_str().unwrap(), "{sample}");
        assert_eq!(request.method().as_str(), raw["requestContext"]["http"]["method"].as_str().unwrap(), "{sample}");
    }
}

#[tokio::test]
async fn get_me_answers_the_bootstrap_admin() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir).await;
    let (status, body) = send(&app, "api-get-me.json").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["email"], "admin@localhost", "{body}");
    assert_eq!(body["user"]["platform_admin"], true, "{body}");
    assert!(body["token_id"].is_string(), "{body}");
    let orgs = body["organizations"].as_array().expect("organizations");
    assert_eq!(orgs.len(), 1, "{body}");
}

#[tokio::test]
async fn get_me_without_bootstrap_is_unauthenticated() {
    // The same request against an installation that never registered the sample token.
    let dir = tempfile::tempdir().unwrap();
    let options = EmbeddedOptions::ephemeral(dir.path().join("data"));
    let app = embedded(options).await.unwrap().app;
    let (status, body) = send(&app, "api-get-me.json").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["status"], 401, "{body}");
    assert_eq!(body["code"], "unauthenticated", "{body}");
    assert!(body["message"].is_string(), "{body}");
}

#[tokio::test]
async fn post_connectors_creates_the_connector_of_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir).await;
    let raw: Value = serde_json::from_str(&event("api-post-connectors.json")).unwrap();
    let sent: Value = serde_json::from_str(raw["body"].as_str().unwrap()).unwrap();

    let (status, body) = send(&app, "api-post-connectors.json").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(uuid::Uuid::parse_str(body["id"].as_str().expect("id")).is_ok(), "{body}");
    assert_eq!(body["name"], sent["name"], "{body}");
    assert_eq!(body["type"], sent["type"], "{body}");
    assert_eq!(body["description"], sent["description"], "{body}");
    assert_eq!(body["revision"], 1, "{body}");
    assert_eq!(body["latest_version"], 1, "{body}");

    // The same delivery again (Lambda may invoke twice): a second connector, not an error.
    let (again, second) = send(&app, "api-post-connectors.json").await;
    assert_eq!(again, StatusCode::CREATED, "{second}");
    assert_ne!(second["id"], body["id"]);
}

#[tokio::test]
async fn get_openapi_needs_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir).await;
    let raw: Value = serde_json::from_str(&event("api-get-openapi.json")).unwrap();
    assert!(raw["headers"].get("authorization").is_none(), "the sample sends no token");

    let (status, body) = send(&app, "api-get-openapi.json").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["openapi"].as_str().unwrap_or_default().starts_with("3.1"), "{}", body["openapi"]);
    let paths = body["paths"].as_object().expect("paths");
    for path in ["/api/v1/me", "/api/v1/connectors"] {
        assert!(paths.contains_key(path), "{path} missing from the document");
    }
}

#[tokio::test]
async fn failed_authentications_are_throttled_by_the_callers_source_ip() {
    // An installation that never registered the sample token: every request fails to
    // authenticate. Two failures per minute per address, then 429 for that address only.
    let dir = tempfile::tempdir().unwrap();
    let options = EmbeddedOptions::ephemeral(dir.path().join("data"));
    let limits = devportal_app::limits::Limits { auth_failures_per_minute: 2, ..devportal_app::limits::Limits::default() };
    let app = embedded(options).await.unwrap().app.with_limits(limits);
    let router = devportal_api::lambda_router(app);
    let from = |ip: &str| {
        let mut raw: Value = serde_json::from_str(&event("api-get-me.json")).unwrap();
        raw["requestContext"]["http"]["sourceIp"] = Value::String(ip.into());
        lambda_http::request::from_str(&raw.to_string()).expect("an API Gateway request")
    };
    for _ in 0..2 {
        let res = router.clone().oneshot(from("203.0.113.7")).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = router.clone().oneshot(from("203.0.113.7")).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = serde_json::from_slice(&to_bytes(res.into_body(), usize::MAX).await.unwrap()).unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    let res = router.clone().oneshot(from("198.51.100.9")).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "another address is not held back");
}

#[tokio::test]
async fn the_run_api_route_reaches_the_run_api_handlers() {
    // CloudFront's /run-api/* behaviour and the `ANY /run-api/{proxy+}` route hand connectors'
    // calls to this function: the router must serve them, not answer "no such API route".
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir).await;
    let raw: Value = serde_json::from_str(&event("run-api-post-logs.json")).unwrap();
    assert_eq!(raw["routeKey"], "ANY /run-api/{proxy+}", "the template's run-API route");
    let (status, body) = send(&app, "run-api-post-logs.json").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "unauthenticated", "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("CDE_RUN_TOKEN"), "the run API's own answer: {body}");

    // The same request to a path the run API does not have is the router's 404, so the answer
    // above came from the run-API handler.
    let other = event("run-api-post-logs.json").replace("/run-api/v1/logs", "/run-api/v1/nothing-here");
    let request = lambda_http::request::from_str(&other).unwrap();
    let response = devportal_api::lambda_router(app.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
