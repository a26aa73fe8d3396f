//! Route handlers, one module per area of PRODUCT.md §10. Handlers only extract, call a
//! use case and shape the answer.

pub mod connectors;
pub mod directory;
pub mod identity;
pub mod lifecycle;
pub mod pipeline;
pub mod run_api;
pub mod runs;
pub mod vault;
pub mod wizard;

use serde::Serialize;

/// `{"items": [...], "next_cursor": …}`, the shape of every list (PRODUCT.md §9).
#[derive(Debug, Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Names the OpenAPI schema of one list answer: `list_schema!(ConnectorPage of Connector)`
/// declares `ConnectorPage` as `{"items": [Connector], "next_cursor": string | null}`, the
/// shape [`Items`] serialises (a handler answers `Items<Connector>`; the named schema is only
/// for the document and the generated client types).
macro_rules! list_schema {
    ($(#[$doc:meta])* $name:ident of $item:ty) => {
        $(#[$doc])*
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)]
        pub struct $name {
            items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page.
            next_cursor: Option<String>,
        }
    };
}
pub(crate) use list_schema;

impl<T> Items<T> {
    /// A complete list (small collections answer in one page).
    pub fn all(items: Vec<T>) -> Self {
        Self { items, next_cursor: None }
    }
}

/// 201 for a resource a create made now, 200 for the one a retry with the same
/// `Idempotency-Key` answers.
pub fn created_or_replayed(created: bool) -> axum::http::StatusCode {
    if created {
        axum::http::StatusCode::CREATED
    } else {
        axum::http::StatusCode::OK
    }
}

/// A list answered from the stored JSON of its items (the [`Items`] shape, the items' text
/// as the store holds it: no decode and encode per item).
pub struct StoredItems<T>(pub devportal_domain::page::Page<devportal_domain::stored::StoredJson<T>>);

impl<T> axum::response::IntoResponse for StoredItems<T> {
    fn into_response(self) -> axum::response::Response {
        let page = self.0;
        let mut body = String::with_capacity(32 + page.items.iter().map(|i| i.as_str().len() + 1).sum::<usize>());
        body.push_str("{\"items\":[");
        for (i, item) in page.items.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(item.as_str());
        }
        body.push_str("],\"next_cursor\":");
        body.push_str(&serde_json::to_string(&page.next_cursor).unwrap_or_else(|_| "null".into()));
        body.push('}');
        json_text(body.into())
    }
}

/// One record answered from its stored JSON, as `Json(record)` would answer it.
pub struct Stored<T>(pub devportal_domain::stored::StoredJson<T>);

impl<T> axum::response::IntoResponse for Stored<T> {
    fn into_response(self) -> axum::response::Response {
        // The body shares the stored text (a read cache's entry, say) instead of copying it.
        json_text(axum::body::Bytes::from_owner(SharedText(self.0.into_shared())))
    }
}

/// A 200 answer of JSON text, as `Json` answers: its content type a static header value (the
/// `[(name, &str)]` form parses and copies it on every answer).
fn json_text(body: axum::body::Bytes) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let mut response = axum::response::Response::new(axum::body::Body::from(body));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Shared text as the bytes of a response body.
struct SharedText(std::sync::Arc<str>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl<T> From<devportal_domain::page::Page<T>> for Items<T> {
    fn from(page: devportal_domain::page::Page<T>) -> Self {
        Self { items: page.items, next_cursor: page.next_cursor }
    }
}
