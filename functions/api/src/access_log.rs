//! The request span and the access line (docs/ARCHITECTURE.md, "Logs"): every request runs in
//! a `request` span (method, path, and the user, connector, version, job and run ids the
//! extractors record as they learn them), so every line logged while serving it names them;
//! when the answer is ready one `answered` line gives its status and latency.
//!
//! The extractors record the ids with [`record_on_request`].
//!
//! A small layer of its own rather than `tower_http`'s `TraceLayer`: that one also wraps the
//! response body to report its end, entering the span again for each frame, and classifies
//! every answer — a share of a cached read's whole cost, for nothing the portal logs.

use axum::extract::Request;
use axum::response::Response;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Instant;
use tracing::field::Empty;
use tracing::Span;

/// Adds the request span and the `answered` line to a service.
#[derive(Clone, Copy, Debug, Default)]
pub struct AccessLogLayer;

impl<S> tower::Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AccessLog { inner }
    }
}

/// See [`AccessLogLayer`].
#[derive(Clone, Debug)]
pub struct AccessLog<S> {
    inner: S,
}

impl<S> tower::Service<Request> for AccessLog<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Answering<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let span = tracing::info_span!(
            "request",
            method = %req.method(),
            path = %req.uri().path(),
            user_id = Empty,
            connector_id = Empty,
            version = Empty,
            job_id = Empty,
            run_id = Empty,
        );
        let started = Instant::now();
        let inner = span.in_scope(|| self.inner.call(req));
        Answering { inner, span, started }
    }
}

pin_project! {
    /// A request being served inside its span; logs `answered` when the response is ready.
    pub struct Answering<F> {
        #[pin]
        inner: F,
        span: Span,
        started: Instant,
    }
}

impl<F, E> Future for Answering<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let result = ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            tracing::info!(status = response.status().as_u16(), latency_us = this.started.elapsed().as_micros() as u64, "answered");
        }
        Poll::Ready(result)
    }
}

/// Records `value` as the field `name` of the current span: the request span while a request is
/// served (a field the span does not declare is ignored, as `Span::record` does).
///
/// Rather than `Span::current().record(..)`: that clones a handle to the span (a reference
/// count taken and given back in the span registry, the dispatcher's too) only to drop it
/// right after; this looks the span up and records on it in place.
pub(crate) fn record_on_request(name: &str, value: &dyn tracing::Value) {
    tracing::dispatcher::get_default(|dispatch| {
        let Some((id, metadata)) = dispatch.current_span().into_inner() else {
            return;
        };
        let fields = metadata.fields();
        if let Some(field) = fields.field(name) {
            let values = [(&field, Some(value))];
            dispatch.record(&id, &tracing::span::Record::new(&fields.value_set(&values)));
        }
    });
}
