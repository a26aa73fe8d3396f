//! Route handlers, one module per area of PRODUCT.md §10. Handlers only extract, call a
//! use case and shape the answer.

pub mod connectors;
pub mod identity;
pub mod lifecycle;
pub mod pipeline;
pub mod wizard;

use serde::Serialize;

/// `{"items": [...], "next_cursor": …}`, the shape of every list (PRODUCT.md §9).
#[derive(Debug, Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Items<T> {
    /// A complete list (small collections answer in one page).
    pub fn all(items: Vec<T>) -> Self {
        Self { items, next_cursor: None }
    }
}
