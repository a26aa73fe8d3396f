//! The web UI's static files (`static-site/dist`, built by Vite) beside the API: deep links
//! fall back to `index.html`, hashed assets are cached for a year and `index.html` never, and
//! every answer of the site carries the strict policy the UI is built to work under
//! (docs/ARCHITECTURE.md, "Web UI").

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::util::future::EitherResponseFuture;
use tower::util::Either;
use tower::{Service, ServiceExt};
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

/// The APIs and the site side by side: a request for an API path goes to the API (which
/// answers an unknown one as JSON `not_found`, never with the page), any other to the site's
/// files. Decided by the path's prefix, so an API request meets one router only.
#[derive(Clone)]
pub struct ApiBesideSite<A> {
    api: A,
    site: Option<SiteFiles>,
}

impl<A> ApiBesideSite<A> {
    /// `site` is the built site's directory; without one every request goes to the API.
    pub fn new(api: A, site: Option<PathBuf>) -> Self {
        Self { api, site: site.map(|dir| SiteFiles { dir }) }
    }
}

impl<A> Service<Request> for ApiBesideSite<A>
where
    A: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EitherResponseFuture<A::Future, <SiteFiles as Service<Request>>::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The site's files are always ready, and so is the API (a router and response maps):
        // a layer that reserves capacity here (a `Buffer`, a concurrency limit) would have to
        // be readied only for the requests that go to it, not for every one.
        self.api.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let mut chosen: Either<&mut A, &mut SiteFiles> = match &mut self.site {
            Some(site) if !devportal_api::is_api_path(req.uri().path()) => Either::Right(site),
            _ => Either::Left(&mut self.api),
        };
        chosen.call(req)
    }
}

/// The built site's files as a service (see [`serve`]).
#[derive(Clone)]
pub struct SiteFiles {
    dir: PathBuf,
}

impl Service<Request> for SiteFiles {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let dir = self.dir.clone();
        Box::pin(async move { Ok(serve(dir, req).await) })
    }
}

/// Answers a request for a path outside the APIs, under the pages' policy
/// ([`CONTENT_SECURITY_POLICY`]; the other security headers come with every answer from
/// `devportal_api::serve`).
async fn serve(dir: PathBuf, req: Request) -> Response {
    let mut res = serve_file(dir, req).await;
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    res
}

/// A file of the site, or `index.html` for a deep link.
async fn serve_file(dir: PathBuf, req: Request) -> Response {
    let path = req.uri().path();
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
