//! The portal API (PRODUCT.md §9–10): one axum router, served on Lambda by `lambda_http`
//! (see `main.rs`) and locally by the `devportal` binary. Handlers are thin: extract, call
//! a use case from `devportal-app`, shape the answer; every failure is an [`ApiError`].

pub mod error;
pub mod extract;
pub mod openapi;
pub mod routes;

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
    use routes::{connectors, identity, lifecycle, pipeline, wizard};
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
        .route("/accounts", get(pipeline::accounts))
        .route("/projects", get(pipeline::projects))
        .route("/sites", get(pipeline::sites))
        .route("/catalog", get(pipeline::catalog))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(AppState { app });
    Router::new()
        .nest("/api/v1", api)
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
                    )
                })
                .on_response(|res: &Response, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(status = res.status().as_u16(), latency_us = latency.as_micros() as u64, "answered");
                }),
        )
}

async fn unknown_route() -> ApiError {
    ApiError::not_found("no such API route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not accept that method")
}

fn panic_response() -> Response {
    tracing::error!("handler panicked");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the portal failed to complete the request").into_response()
}
