//! The portal API (PRODUCT.md §9–10): one axum router, served on Lambda by `lambda_http`
//! (see `main.rs`) and locally by the `devportal` binary. Handlers are thin: extract, call
//! a use case from `devportal-app`, shape the answer; every failure is an [`ApiError`].

pub mod error;
pub mod extract;
pub mod openapi;
pub mod routes;

use crate::error::ErrorCode;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use devportal_app::App;
use error::ApiError;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use error::ErrorBody;

/// Largest accepted request body. Wizard steps and README texts fit well within it.
pub const BODY_LIMIT: usize = 256 * 1024;

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
}

/// The `/api/v1` routes, with errors, limits, panics and tracing handled.
pub fn router(app: App) -> Router {
    use routes::{connectors, directory, identity, lifecycle, pipeline, run_api, runs, vault, wizard};
    let api = Router::new()
        .route("/openapi.json", get(openapi::serve))
        .route("/me", get(identity::me))
        .route("/tokens", post(identity::create_token).get(identity::list_tokens))
        .route("/tokens/{id}", axum::routing::delete(identity::revoke_token))
        .route("/users", post(identity::create_user))
        .route("/organizations", get(identity::list_organizations).post(identity::create_organization))
        .route("/organizations/{id}/members", post(identity::add_member))
        .route("/connectors", get(connectors::list).post(connectors::create))
        .route("/connectors/{id}", get(connectors::get).patch(connectors::edit).delete(lifecycle::bin_connector))
        .route("/connectors/{id}/copy", post(lifecycle::duplicate))
        .route("/connectors/{id}/logo", get(lifecycle::get_logo).put(lifecycle::put_logo))
        .route("/connectors/{id}/versions", get(connectors::list_versions).post(lifecycle::add_version))
        .route("/connectors/{id}/versions/{v}", get(connectors::get_version).delete(lifecycle::delete_version))
        .route("/connectors/{id}/versions/{v}/releases", get(lifecycle::releases))
        .route("/connectors/{id}/versions/{v}/rollback", post(lifecycle::rollback))
        .route("/bin", get(lifecycle::list_bin))
        .route("/bin/{id}/restore", post(lifecycle::restore))
        .route("/bin/{id}", axum::routing::delete(lifecycle::delete_permanently))
        .route("/connectors/{id}/versions/{v}/steps/{step}", get(wizard::get_step).put(wizard::put_step))
        .route("/connectors/{id}/versions/{v}/vcs/test", post(wizard::test_vcs))
        .route("/connectors/{id}/versions/{v}/build", post(pipeline::build))
        .route("/connectors/{id}/versions/{v}/sync-runtime", post(pipeline::sync_runtime))
        .route("/connectors/{id}/versions/{v}/sync-dev", post(pipeline::sync_dev))
        .route("/connectors/{id}/versions/{v}/sync-prod", post(pipeline::sync_prod))
        .route("/connectors/{id}/versions/{v}/access", axum::routing::put(pipeline::access))
        .route("/connectors/{id}/versions/{v}/release", post(pipeline::release))
        .route("/connectors/{id}/versions/{v}/unrelease", post(pipeline::unrelease))
        .route("/connectors/{id}/versions/{v}/jobs", get(pipeline::list_jobs))
        .route("/connectors/{id}/versions/{v}/transitions", get(pipeline::transitions))
        .route("/jobs/{job}", get(pipeline::get_job))
        .route("/jobs/{job}/log", get(pipeline::job_log))
        .route("/jobs/{job}/cancel", post(pipeline::cancel_job))
        .route("/jobs/{job}/retry", post(pipeline::retry_job))
        .route("/dead-letters", get(pipeline::dead_letters))
        .route("/accounts", get(directory::accounts).post(directory::add_account))
        .route("/projects", get(directory::projects).post(directory::add_project))
        .route("/sites", get(directory::sites).post(directory::add_site))
        .route("/catalog", get(directory::catalog))
        .route("/sites/{site}/runs", post(runs::start))
        .route("/runs", get(runs::list))
        .route("/runs/{id}", get(runs::get))
        .route("/runs/{id}/cancel", post(runs::cancel))
        .route("/runs/{id}/logs", get(runs::logs))
        .route("/runs/{id}/stdio", get(runs::stdio))
        .route("/runs/{id}/output", get(runs::output))
        .route("/connectors/{id}/logs", get(runs::connector_logs))
        .route("/vault", get(vault::list))
        .route("/vault/{*path}", axum::routing::put(vault::put).delete(vault::delete))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(json_rejections))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(AppState { app: app.clone() });
    // The run API has its own token kind and body limit (1 MiB, checked by each handler so
    // an oversized call is recorded in the run's log).
    let run_api = Router::new()
        .route("/logs", post(run_api::logs))
        .route("/output", post(run_api::output))
        .route("/input", get(run_api::input))
        .route("/progress", post(run_api::progress))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(json_rejections))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(AppState { app });
    Router::new()
        .nest("/api/v1", api)
        .nest("/run-api/v1", run_api)
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| panic_response()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        user_id = tracing::field::Empty,
                        connector_id = tracing::field::Empty,
                        version = tracing::field::Empty,
                        job_id = tracing::field::Empty,
                        run_id = tracing::field::Empty,
                    )
                })
                .on_response(|res: &Response, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(status = res.status().as_u16(), latency_us = latency.as_micros() as u64, "answered");
                }),
        )
}

/// The router as the Lambda function serves it: the caller's address (API Gateway's
/// `requestContext.http.sourceIp`) is put where [`extract::Auth`] throttles failed
/// authentications by address.
pub fn lambda_router(app: App) -> Router {
    router(app).layer(axum::middleware::map_request(|mut req: Request| async move {
        use lambda_http::RequestExt;
        #[allow(unreachable_patterns)]
        let ip = match req.request_context_ref() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => c.http.source_ip.as_deref().and_then(|ip| ip.parse().ok()),
            _ => None,
        };
        if let Some(ip) = ip {
            req.extensions_mut().insert(extract::ClientAddr(ip));
        }
        req
    }))
}

/// The last line of defence for the one error shape: a failure answered by the framework
/// itself (an extractor's plain-text rejection, say a body over the limit on the logo route)
/// leaves as [`ApiError`] JSON with a code for its status.
async fn json_rejections(response: Response) -> Response {
    let status = response.status();
    let is_json =
        response.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::PayloadTooLarge, format!("the body is larger than the limit of {BODY_LIMIT} bytes")),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (ErrorCode::UnsupportedMediaType, "the body's content type is not accepted here".to_string()),
        StatusCode::METHOD_NOT_ALLOWED => (ErrorCode::MethodNotAllowed, "this route does not accept that method".to_string()),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such API route".to_string()),
        StatusCode::BAD_REQUEST => (ErrorCode::BadRequest, "the request could not be read".to_string()),
        s if s.is_server_error() => (ErrorCode::Internal, "the portal failed to complete the request".to_string()),
        _ => (ErrorCode::Rejected, format!("the request was rejected ({status})")),
    };
    tracing::debug!(status = status.as_u16(), "framework rejection answered in the JSON error shape");
    let mut rewritten = ApiError::with_status(status, code, message).into_response();
    // Keep headers the framework set for the client (e.g. `Allow` on 405).
    for (name, value) in response.headers() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rewritten.headers_mut().entry(name.clone()).or_insert(value.clone());
        }
    }
    rewritten
}

async fn unknown_route() -> ApiError {
    ApiError::not_found("no such API route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, "this route does not accept that method")
}

fn panic_response() -> Response {
    tracing::error!("handler panicked");
    ApiError::new(ErrorCode::Internal, "the portal failed to complete the request").into_response()
}
