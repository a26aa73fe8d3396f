//! Cursor pagination (PRODUCT.md §9): `{"items": [...], "next_cursor": "…" | null}` with an
//! opaque cursor. The cursor encodes the sort key of the last item returned.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

/// Opaque cursor: base64url of `v1:<key>`, so clients cannot rely on its contents.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{key}"))
}

/// The key inside a cursor, or `None` when it was not issued by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("v1:").map(str::to_string)
}

/// Validates a requested page size.
pub fn parse_limit(limit: Option<u32>) -> Result<u32, crate::ValidationErrors> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(l) if (1..=MAX_LIMIT).contains(&l) => Ok(l),
        Some(_) => Err(crate::ValidationErrors::single("limit", "out_of_range", format!("`limit` must be between 1 and {MAX_LIMIT}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_rejected() {
        let c = encode_cursor("0190-abc");
        assert_eq!(decode_cursor(&c).as_deref(), Some("0190-abc"));
        assert_eq!(decode_cursor("not base64!"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("v2:x")), None);
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_LIMIT);
        assert!(parse_limit(Some(0)).is_err());
        assert!(parse_limit(Some(MAX_LIMIT + 1)).is_err());
    }
}
