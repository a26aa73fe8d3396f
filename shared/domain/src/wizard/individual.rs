//! Step 5, individual configuration: the end-user form, field by field.

use super::{env_name, is_identifier};
use crate::validation::{check_line, check_text, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Input,
    Textarea,
    Password,
    Checkbox,
    Select,
    SelectMultiple,
    Number,
    Url,
    Email,
}

impl FieldType {
    pub fn is_select(self) -> bool {
        matches!(self, Self::Select | Self::SelectMultiple)
    }
}

/// One field of the end-user form, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormField {
    pub key: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub label: String,
    pub required: bool,
    pub placeholder: String,
    pub description: String,
    /// Checkbox: `0`/`1`; select: one of `options`; select_multiple: comma-separated options.
    pub default: Option<String>,
    pub options: Vec<String>,
    pub order: i64,
}

/// One field as a client sends it: `default` may be a string, number or boolean.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormFieldInput {
    pub key: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub placeholder: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub order: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndividualConfig {
    pub fields: Vec<FormField>,
}

pub const MAX_FIELDS: usize = 100;

impl IndividualConfig {
    /// Validates the form; fields come back sorted by `order` (missing order = position).
    pub fn parse(inputs: Vec<FormFieldInput>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if inputs.len() > MAX_FIELDS {
            errors.push("fields", "too_many", format!("the form has at most {MAX_FIELDS} fields"));
        }
        let mut keys = HashSet::new();
        let mut fields = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.into_iter().enumerate() {
            let at = format!("fields[{i}]");
            let key = input.key.trim().to_string();
            if !is_identifier(&key) || key.len() > 64 {
                errors.push(format!("{at}.key"), "invalid_key", "`key` must start with a letter, then letters, digits, `-` or `_` (at most 64)");
            } else if env_name(&key).starts_with("CDE_") {
                errors.push(format!("{at}.key"), "reserved", "keys starting with `cde` are reserved for the platform's variables");
            } else if !keys.insert(env_name(&key)) {
                errors.push(
                    format!("{at}.key"),
                    "duplicate",
                    format!("`{key}` is not unique (keys are compared as the variable {})", env_name(&key)),
                );
            }
            let label = input.label.unwrap_or_default().trim().to_string();
            check_line(&mut errors, &format!("{at}.label"), &label, true, 200);
            check_line(&mut errors, &format!("{at}.placeholder"), &input.placeholder, false, 200);
            check_text(&mut errors, &format!("{at}.description"), &input.description, false, 2_000);
            let t = input.field_type;
            if t.is_select() {
                if input.options.is_empty() {
                    errors.push(format!("{at}.options"), "required", "`options` are required for select fields");
                }
                let mut seen = HashSet::new();
                for (j, o) in input.options.iter().enumerate() {
                    if o.trim().is_empty() || o.len() > 200 || o.contains(',') && t == FieldType::SelectMultiple {
                        errors.push(format!("{at}.options[{j}]"), "invalid_option", "an option is 1 to 200 characters (no commas in multi-selects)");
                    } else if !seen.insert(o.as_str()) {
                        errors.push(format!("{at}.options[{j}]"), "duplicate", format!("option `{o}` is listed twice"));
                    }
                }
                if input.options.len() > 200 {
                    errors.push(format!("{at}.options"), "too_many", "at most 200 options");
                }
            } else if !input.options.is_empty() {
                errors.push(format!("{at}.options"), "not_applicable", "`options` apply only to select fields");
            }
            let default = match normalise_default(input.default) {
                Ok(d) => d,
                Err(()) => {
                    errors.push(format!("{at}.default"), "invalid_default", "`default` must be a string, number or boolean");
                    None
                }
            };
            if let Some(d) = &default {
                if let Err(msg) = check_default(t, d, &input.options) {
                    errors.push(format!("{at}.default"), "invalid_default", msg);
                }
            }
            fields.push(FormField {
                key,
                field_type: t,
                label,
                required: input.required,
                placeholder: input.placeholder,
                description: input.description,
                default,
                options: input.options,
                order: input.order.unwrap_or(i as i64),
            });
        }
        fields.sort_by_key(|f| f.order);
        errors.finish(IndividualConfig { fields })
    }
}

fn normalise_default(v: Option<serde_json::Value>) -> Result<Option<String>, ()> {
    use serde_json::Value;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Bool(b)) => Ok(Some(if b { "1" } else { "0" }.into())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(()),
    }
}

fn check_default(t: FieldType, d: &str, options: &[String]) -> Result<(), String> {
    if d.len() > 2_000 {
        return Err("`default` must be at most 2000 characters".into());
    }
    match t {
        FieldType::Checkbox if d != "0" && d != "1" => Err("a checkbox default is `0` or `1`".into()),
        FieldType::Select if !options.iter().any(|o| o == d) => Err(format!("default `{d}` is not one of the options")),
        FieldType::SelectMultiple => match d.split(',').map(str::trim).find(|v| !options.iter().any(|o| o == v)) {
            Some(v) => Err(format!("default `{v}` is not one of the options")),
            None => Ok(()),
        },
        FieldType::Number if d.parse::<f64>().map(|n| !n.is_finite()).unwrap_or(true) => Err("a number default must be a number".into()),
        FieldType::Url if !(d.starts_with("https://") || d.starts_with("http://")) || d.contains(char::is_whitespace) => {
            Err("a url default must start with http:// or https://".into())
        }
        FieldType::Email if !d.contains('@') || d.starts_with('@') || d.ends_with('@') || d.contains(char::is_whitespace) => {
            Err("an email default must be an e-mail address".into())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: serde_json::Value) -> Vec<FormFieldInput> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_valid_form_is_sorted_by_order() {
        let cfg = IndividualConfig::parse(input(json!([
            {"key": "shop-url", "type": "url", "label": "Shop URL", "required": true, "order": 2},
            {"key": "api_key", "type": "password", "label": "API key", "order": 1},
            {"key": "mode", "type": "select", "label": "Mode", "options": ["full", "delta"], "default": "delta"},
            {"key": "dry", "type": "checkbox", "label": "Dry run", "default": true}
        ])))
        .unwrap();
        let keys: Vec<_> = cfg.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["api_key", "shop-url", "mode", "dry"]);
        assert_eq!(cfg.fields[3].default.as_deref(), Some("1"));
    }

    #[test]
    fn keys_must_start_with_a_letter_and_be_unique() {
        let e = IndividualConfig::parse(input(json!([
            {"key": "1st", "type": "input", "label": "x"},
            {"key": "a-b", "type": "input", "label": "x"},
            {"key": "A_B", "type": "input", "label": "x"},
            {"key": "cde-run-id", "type": "input", "label": "x"}
        ])))
        .unwrap_err();
        let got: Vec<_> = e.fields.iter().map(|f| (f.field.as_str(), f.code.as_str())).collect();
        assert_eq!(got, [("fields[0].key", "invalid_key"), ("fields[2].key", "duplicate"), ("fields[3].key", "reserved")]);
    }

    #[test]
    fn selects_need_options_and_defaults_must_fit_the_type() {
        let e = IndividualConfig::parse(input(json!([
            {"key": "a", "type": "select", "label": "x"},
            {"key": "b", "type": "select", "label": "x", "options": ["p", "q"], "default": "r"},
            {"key": "c", "type": "checkbox", "label": "x", "default": "yes"},
            {"key": "d", "type": "number", "label": "x", "default": "many"},
            {"key": "e", "type": "input", "label": "x", "options": ["p"]},
            {"key": "f", "type": "select_multiple", "label": "x", "options": ["p", "q"], "default": "p,z"},
            {"key": "g", "type": "input", "label": " "}
        ])))
        .unwrap_err();
        let got: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            got,
            [
                "fields[0].options",
                "fields[1].default",
                "fields[2].default",
                "fields[3].default",
                "fields[4].options",
                "fields[5].default",
                "fields[6].label"
            ]
        );
    }

    #[test]
    fn the_form_is_bounded() {
        let many: Vec<_> = (0..=MAX_FIELDS).map(|i| json!({"key": format!("k{i}"), "type": "input", "label": "x"})).collect();
        let e = IndividualConfig::parse(input(json!(many))).unwrap_err();
        assert_eq!(e.fields[0].field, "fields");
    }
}
