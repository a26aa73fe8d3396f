//! The portal API (PRODUCT.md §9–10): one axum router, served on Lambda by `lambda_http`
//! (see `main.rs`) and locally by the `devportal` binary. Handlers are thin: extract, call
//! a use case from `devportal-app`, shape the answer; every failure is an [`ApiError`].

pub mod access_log;
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
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

pub use error::ErrorBody;

/// Largest accepted request body. Wizard steps and README texts fit well within it.
pub const BODY_LIMIT: usize = 256 * 1024;

/// State shared by every handler. Behind one `Arc`: axum clones the state for every
/// extractor of every request, and cloning `App` itself touches each of its ports' counters
/// (measured: ~3 % of a `GET /connectors/{id}`'s CPU).
#[derive(Clone)]
pub struct AppState {
    pub app: std::sync::Arc<App>,
}

/// Where the portal API lives: every route and every path of its OpenAPI document starts here.
pub const API_BASE: &str = "/api/v1";

/// Where the run API lives: the calls a running connector makes with its run token.
pub const RUN_API_BASE: &str = "/run-api/v1";

/// Whether `path` belongs to one of the APIs, whose unknown routes are answered as JSON
/// `not_found`, never with the web UI's page.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/run-api/")
}

/// Every `/api/v1` route with its documentation, declared once: `routes!` takes each
/// handler's method and path from its `#[utoipa::path]` (paths relative to `/api/v1`; one
/// `routes!` per path). The OpenAPI document is this router's ([`openapi::document`]).
pub fn api_routes() -> OpenApiRouter<AppState> {
    use routes::{connectors, directory, identity, lifecycle, pipeline, runs, vault, wizard};
    Based::new(API_BASE)
        .routes(routes!(identity::me))
        .routes(routes!(identity::create_token, identity::list_tokens))
        .routes(routes!(identity::revoke_token))
        .routes(routes!(identity::create_user))
        .routes(routes!(identity::list_organizations, identity::create_organization))
        .routes(routes!(identity::add_member))
        .routes(routes!(connectors::list, connectors::create))
        .routes(routes!(connectors::get, connectors::edit, lifecycle::bin_connector))
        .routes(routes!(lifecycle::duplicate))
        .routes(routes!(lifecycle::get_logo, lifecycle::put_logo))
        .routes(routes!(connectors::list_versions, lifecycle::add_version))
        .routes(routes!(connectors::get_version, lifecycle::delete_version))
        .routes(routes!(lifecycle::releases))
        .routes(routes!(lifecycle::rollback))
        .routes(routes!(lifecycle::list_bin))
        .routes(routes!(lifecycle::restore))
        .routes(routes!(lifecycle::delete_permanently))
        .routes(routes!(wizard::get_step, wizard::put_step))
        .routes(routes!(wizard::test_vcs))
        .routes(routes!(pipeline::build))
        .routes(routes!(pipeline::sync_runtime))
        .routes(routes!(pipeline::sync_dev))
        .routes(routes!(pipeline::sync_prod))
        .routes(routes!(pipeline::access))
        .routes(routes!(pipeline::release))
        .routes(routes!(pipeline::unrelease))
        .routes(routes!(pipeline::list_jobs))
        .routes(routes!(pipeline::transitions))
        .routes(routes!(pipeline::get_job))
        .routes(routes!(pipeline::job_log))
        .routes(routes!(pipeline::cancel_job))
        .routes(routes!(pipeline::retry_job))
        .routes(routes!(pipeline::dead_letters))
        .routes(routes!(directory::accounts, directory::add_account))
        .routes(routes!(directory::projects, directory::add_project))
        .routes(routes!(directory::sites, directory::add_site))
        .routes(routes!(directory::catalog))
        .routes(routes!(runs::start))
        .routes(routes!(runs::list))
        .routes(routes!(runs::get))
        .routes(routes!(runs::cancel))
        .routes(routes!(runs::logs))
        .routes(routes!(runs::stdio))
        .routes(routes!(runs::output))
        .routes(routes!(runs::connector_logs))
        .routes(routes!(vault::list))
        // A vault path has slashes: the route is a wildcard, which OpenAPI cannot express, so
        // it is routed here and documented as `/vault/{path}` (`openapi::ApiDoc`).
        .route("/vault/{*path}", axum::routing::put(vault::put).delete(vault::delete))
        .router
}

/// An [`OpenApiRouter`] whose routes are declared relative to a base path and registered
/// at their full path, in the router and in the document alike. `OpenApiRouter::nest`
/// would do the same through axum's `nest`, which strips the prefix again on every request
/// (a second URI per request, and a layer around each route); full paths are matched once.
struct Based {
    base: &'static str,
    router: OpenApiRouter<AppState>,
}

impl Based {
    fn new(base: &'static str) -> Self {
        Self { base, router: OpenApiRouter::new() }
    }

    /// What one `routes!` declares, its paths under the base.
    fn routes(self, (schemas, mut paths, method_router): UtoipaMethodRouter<AppState>) -> Self {
        paths.paths = std::mem::take(&mut paths.paths).into_iter().map(|(path, item)| (format!("{}{path}", self.base), item)).collect();
        Self { router: self.router.routes((schemas, paths, method_router)), base: self.base }
    }

    /// A route the document does not list: the run API's, and the vault's wildcard (described
    /// by hand in [`openapi::ApiDoc`]).
    fn route(self, path: &str, method_router: axum::routing::MethodRouter<AppState>) -> Self {
        Self { router: self.router.route(&format!("{}{path}", self.base), method_router), base: self.base }
    }
}

/// The `/api/v1` routes, with errors, limits, panics, tracing (the request span and access
/// line: [`access_log`]) and security headers handled, as a [`Router`] that accepts any
/// request body type.
pub fn router(app: App) -> Router {
    Router::new().fallback_service(serve(routes(app)))
}

/// The `/api/v1` and `/run-api/v1` routes with their limits and error shape, without the
/// request span, panic catching and security headers that [`serve`] puts around a whole
/// service (a host puts the static site beside them, then serves both through [`serve`]).
///
/// One router with full paths: a request is matched once. Every failure the framework
/// answers itself, and every path that matches no route, leaves in the JSON error shape.
pub fn routes(app: App) -> impl HttpService {
    use routes::run_api;
    let state = AppState { app: std::sync::Arc::new(app) };
    // The run API has its own token kind, and its own body limit (1 MiB, checked by each
    // handler on the raw body so an oversized call is recorded in the run's log).
    let run_api = Based::new(RUN_API_BASE)
        .route("/logs", post(run_api::logs))
        .route("/output", post(run_api::output))
        .route("/input", get(run_api::input))
        .route("/progress", post(run_api::progress));
    let api = api_routes().route(&format!("{API_BASE}/openapi.json"), get(openapi::serve));
    let (router, _) = api.merge(run_api.router).split_for_parts();
    let router = router.fallback(unknown_route).method_not_allowed_fallback(method_not_allowed).with_state(state);
    // Layers go around the router as a whole: `Router::layer` would wrap (and box) every
    // route, and a request clones each box it passes through. The body limit is the
    // extractors' that read a body (`extract::LimitedBytes`); the run API has its own.
    ServiceBuilder::new().map_response(json_rejections).service(router)
}

/// A service a host can serve: what [`routes`] and [`serve`] give, cheap to clone per
/// connection.
pub trait HttpService:
    tower::Service<Request, Response = Response, Error = std::convert::Infallible, Future: Send + 'static> + Clone + Send + Sync + 'static
{
}

impl<S> HttpService for S where
    S: tower::Service<Request, Response = Response, Error = std::convert::Infallible, Future: Send + 'static> + Clone + Send + Sync + 'static
{
}

/// Serves `service` with every request in its span, its `answered` line, a panic answered as
/// `internal`, and the security headers on every answer (a panic's too) — once around the
/// whole service, not around each route.
pub fn serve(service: impl HttpService) -> impl HttpService {
    ServiceBuilder::new()
        .layer(access_log::AccessLogLayer)
        .map_response(|res: Response<_>| security_headers(res.into_response()))
        .layer(CatchPanicLayer::custom(panic_response))
        .service(service)
}

/// The Content-Security-Policy of an API answer: JSON is never a document that loads or runs
/// anything, nor one to frame (a page of the local host's site sets its own, see
/// docs/ARCHITECTURE.md, "Web UI").
pub const API_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Adds the security headers an answer did not set itself: a page keeps its policy, a logo
/// its sandbox.
fn security_headers(mut res: Response) -> Response {
    use axum::http::{header, HeaderValue};
    let h = res.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, API_CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    res
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
fn json_rejections(response: Response) -> Response {
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

fn panic_response(_: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!("handler panicked");
    ApiError::new(ErrorCode::Internal, "the portal failed to complete the request").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;
    use tower::ServiceExt;

    async fn answer(service: impl HttpService) -> Response {
        service.oneshot(Request::new(axum::body::Body::empty())).await.unwrap_or_else(|e| match e {})
    }

    #[tokio::test]
    async fn every_answer_carries_the_security_headers_a_panic_too_and_its_own_policy_stays() {
        let panicking = tower::service_fn(|_: Request| async { panic!("a handler panicked") });
        let res = answer(serve(panicking)).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let own_policy = tower::service_fn(|_: Request| async {
            Ok::<_, std::convert::Infallible>(([(header::CONTENT_SECURITY_POLICY, "sandbox")], "svg").into_response())
        });
        let kept = answer(serve(own_policy)).await;
        for (res, policy) in [(&res, API_CONTENT_SECURITY_POLICY), (&kept, "sandbox")] {
            let h = res.headers();
            assert_eq!(h.get(header::CONTENT_SECURITY_POLICY).unwrap(), policy);
            assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
            assert_eq!(h.get(header::REFERRER_POLICY).unwrap(), "no-referrer");
            assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        }
    }
}
