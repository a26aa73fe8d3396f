//! The request span (docs/ARCHITECTURE.md, "Logs"): every line logged while a request is served
//! names the ids its extractors learned — the user, connector, version, job and run — and the
//! `answered` line closes it with the status. Served through [`devportal_api::router`] on the
//! embedded adapters, with the lines captured by a subscriber of this test's own.

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use devportal_domain::identity::TokenSecret;
use devportal_wiring::{embedded, EmbeddedOptions};
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

const TOKEN: &str = "dps_request-span-test-token-0123456789";

/// Lines written by the test's subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// The captured `answered` lines, emptied.
    fn take_answered(&self) -> Vec<String> {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap());
        String::from_utf8(bytes).unwrap().lines().filter(|l| l.contains("answered")).map(str::to_string).collect()
    }
}

async fn call(router: &axum::Router, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .unwrap();
    let response = router.clone().oneshot(request).await.expect("the router is infallible");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

// A current-thread runtime: the subscriber set for this thread sees every line of the requests.
#[tokio::test(flavor = "current_thread")]
async fn every_line_names_the_ids_the_request_is_about() {
    let dir = tempfile::tempdir().unwrap();
    let app = embedded(EmbeddedOptions::ephemeral(dir.path().join("data"))).await.expect("embedded adapters").app;
    app.bootstrap(Some(TokenSecret::parse_preset(TOKEN).unwrap())).await.unwrap();
    let router = devportal_api::router(app);
    let (status, me) = call(&router, "GET", "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let user = me["user"]["id"].as_str().unwrap().to_string();
    let created = json!({"name": "Span Shop", "type": "datasource", "description": "for the request span"});
    let (status, connector) = call(&router, "POST", "/api/v1/connectors", Some(created)).await;
    assert_eq!(status, StatusCode::CREATED, "{connector}");
    let id = connector["id"].as_str().unwrap().to_string();

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let (status, body) = call(&router, "GET", &format!("/api/v1/connectors/{id}/versions/1"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lines = captured.take_answered();
    assert_eq!(lines.len(), 1, "{lines:?}");
    for expected in [format!("user_id={user}"), format!("connector_id={id}"), "version=1".into(), "status=200".into()] {
        assert!(lines[0].contains(&expected), "`{expected}` missing from {}", lines[0]);
    }

    // Ids learned before the request fails still name it.
    let job = uuid::Uuid::new_v4();
    let (status, _) = call(&router, "GET", &format!("/api/v1/jobs/{job}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let run = uuid::Uuid::new_v4();
    let (status, _) = call(&router, "GET", &format!("/api/v1/runs/{run}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let lines = captured.take_answered();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains(&format!("job_id={job}")) && lines[0].contains("status=404"), "{}", lines[0]);
    assert!(lines[1].contains(&format!("run_id={run}")) && lines[1].contains("status=404"), "{}", lines[1]);
    assert!(lines.iter().all(|l| l.contains(&format!("user_id={user}"))), "{lines:?}");
}
