//! The web UI's static files (`static-site/dist`, built by Vite) beside the API: deep links
//! fall back to `index.html`, hashed assets are cached for a year and `index.html` never, and
//! every answer carries the strict security headers the UI is built to work under
//! (docs/ARCHITECTURE.md, "Web UI").

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// The Content-Security-Policy of every page: scripts and styles only from files of this
/// origin (no inline script, no `eval`), API calls only to this origin, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
     connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Vite writes content-hashed file names here, so they never change under the same URL.
const HASHED_ASSETS: &str = "/assets/";

/// Where `devportal serve` finds the site when not told: the Vite output, relative to the
/// repository root it is started from.
pub const DEFAULT_DIR: &str = "static-site/dist";

/// The command that builds the site, named in the start-up warning when it is missing.
pub const BUILD_COMMAND: &str = "npm --prefix static-site ci && npm --prefix static-site run build";

/// Whether `dir` holds a built site (its `index.html`).
pub fn is_built(dir: &Path) -> bool {
    dir.join("index.html").is_file()
}

/// Answers a request that no API route took: a file of the site, or `index.html` for a deep
/// link. API paths are never answered with the page.
pub async fn serve(dir: PathBuf, req: Request) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") || path.starts_with("/run-api/") {
        let body = serde_json::json!({"status": 404, "code": "not_found", "message": "no such API route"});
        return (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")], "method not allowed").into_response();
    }
    let hashed = path.starts_with(HASHED_ASSETS);
    let files = ServeDir::new(&dir).append_index_html_on_directories(true);
    let mut res = if hashed {
        // A missing hashed asset is a 404, not the page (the browser asked for a script).
        files.oneshot(req).await.map(IntoResponse::into_response).unwrap_or_else(|e| match e {})
    } else {
        files.fallback(ServeFile::new(dir.join("index.html"))).oneshot(req).await.map(IntoResponse::into_response).unwrap_or_else(|e| match e {})
    };
    let cache = if hashed && res.status().is_success() { "public, max-age=31536000, immutable" } else { "no-cache" };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// Adds the security headers to every answer (pages, assets and API alike).
pub fn security_headers(mut res: Response<Body>) -> Response<Body> {
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}
