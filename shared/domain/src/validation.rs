//! Field-level validation errors. Parsing functions collect every problem of an input
//! before answering, so a client can fix a form in one round trip.

use serde::Serialize;

/// One rule broken by one field. `field` is a dotted path (`fields[2].key`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    /// Stable machine code of the rule, e.g. `required`, `too_long`, `invalid_format`.
    pub code: String,
    pub message: String,
}

/// Every field error found in one input.
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("validation failed: {}", .fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors {
    pub fields: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.push(field, code, message);
        e
    }

    pub fn push(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.fields.push(FieldError { field: field.into(), code: code.to_string(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `Ok(value)` when nothing was pushed.
    pub fn finish<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Merge the errors of a nested input under `prefix`.
    pub fn absorb(&mut self, prefix: &str, other: ValidationErrors) {
        for f in other.fields {
            let field = if prefix.is_empty() { f.field } else { format!("{prefix}.{}", f.field) };
            self.fields.push(FieldError { field, ..f });
        }
    }
}

/// Checks shared by many text fields: trimmed, bounded, no control characters.
pub fn check_text(errors: &mut ValidationErrors, field: &str, value: &str, required: bool, max_chars: usize) {
    if required && value.trim().is_empty() {
        errors.push(field, "required", format!("`{field}` is required and cannot be blank"));
        return;
    }
    if value.chars().count() > max_chars {
        errors.push(field, "too_long", format!("`{field}` must be at most {max_chars} characters"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.push(field, "invalid_characters", format!("`{field}` must not contain control characters"));
    }
}

/// Like [`check_text`] for single-line values (no line breaks or tabs allowed).
pub fn check_line(errors: &mut ValidationErrors, field: &str, value: &str, required: bool, max_chars: usize) {
    if required && value.trim().is_empty() {
        errors.push(field, "required", format!("`{field}` is required and cannot be blank"));
        return;
    }
    if value.chars().count() > max_chars {
        errors.push(field, "too_long", format!("`{field}` must be at most {max_chars} characters"));
    }
    if value.chars().any(char::is_control) {
        errors.push(field, "invalid_characters", format!("`{field}` must be a single line without control characters"));
    }
}
