//! Step 7, type-specific configuration (PRODUCT.md §2 table): datasource categories,
//! export channels and feedback, data-service settings; nothing for the file types.

use crate::connector::ConnectorType;
use crate::validation::{check_line, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatasourceCategory {
    MostPopular,
    ShoppingPlatform,
    ShopSystems,
    CloudServices,
    PimPms,
    TrackingSystems,
    CustomImport,
    Orders,
    Miscellaneous,
}

impl DatasourceCategory {
    pub const DEFAULT: DatasourceCategory = DatasourceCategory::Miscellaneous;

    pub fn label(self) -> &'static str {
        match self {
            Self::MostPopular => "Most popular",
            Self::ShoppingPlatform => "Shopping platform",
            Self::ShopSystems => "Shop systems",
            Self::CloudServices => "Cloud services",
            Self::PimPms => "PIM / PMS",
            Self::TrackingSystems => "Tracking systems",
            Self::CustomImport => "Custom import",
            Self::Orders => "Orders",
            Self::Miscellaneous => "Miscellaneous",
        }
    }
}

/// The stored type-specific configuration; its variant matches the connector type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeSpecificConfig {
    Datasource {
        categories: Vec<DatasourceCategory>,
    },
    Export {
        channels: Vec<String>,
        feedback_file: bool,
        source_column: Option<String>,
        target_column: Option<String>,
        category_attributes: Vec<String>,
    },
    DataService {
        #[schema(value_type = Object)]
        settings: serde_json::Map<String, serde_json::Value>,
    },
}

/// `PUT …/steps/type-specific` as sent: which fields apply depends on the connector type.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeSpecificInput {
    pub categories: Option<Vec<DatasourceCategory>>,
    pub channels: Option<Vec<String>>,
    pub feedback_file: Option<bool>,
    pub source_column: Option<String>,
    pub target_column: Option<String>,
    pub category_attributes: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Value>,
}

pub(crate) fn required_summary(t: ConnectorType) -> &'static str {
    match t {
        ConnectorType::Datasource => "at least one category",
        ConnectorType::Export | ConnectorType::ExportDelta => "at least one channel",
        _ => "type-specific settings",
    }
}

/// Serialised size limit of data-service settings.
pub const SETTINGS_MAX_BYTES: usize = 32 * 1024;

impl TypeSpecificConfig {
    pub fn parse(t: ConnectorType, input: TypeSpecificInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut not_for = |field: &str, present: bool| {
            if present {
                errors.push(field, "not_applicable", format!("`{field}` does not apply to {} connectors", t.as_str()));
            }
        };
        let export_fields_present = [
            ("channels", input.channels.is_some()),
            ("feedback_file", input.feedback_file.is_some()),
            ("source_column", input.source_column.is_some()),
            ("target_column", input.target_column.is_some()),
            ("category_attributes", input.category_attributes.is_some()),
        ];
        match t {
            ConnectorType::Datasource => {
                for (f, p) in export_fields_present {
                    not_for(f, p);
                }
                not_for("settings", input.settings.is_some());
                let categories = input.categories.unwrap_or_else(|| vec![DatasourceCategory::DEFAULT]);
                if categories.is_empty() {
                    errors.push("categories", "required", "choose at least one category");
                }
                let unique: HashSet<_> = categories.iter().collect();
                if unique.len() != categories.len() {
                    errors.push("categories", "duplicate", "each category may be chosen once");
                }
                errors.finish(Self::Datasource { categories })
            }
            ConnectorType::Export | ConnectorType::ExportDelta => {
                not_for("categories", input.categories.is_some());
                not_for("settings", input.settings.is_some());
                let channels: Vec<String> = input.channels.unwrap_or_default().into_iter().map(|c| c.trim().to_string()).collect();
                if channels.is_empty() {
                    errors.push("channels", "required", "name at least one channel");
                }
                check_names(&mut errors, "channels", &channels);
                let attrs: Vec<String> = input.category_attributes.unwrap_or_default().into_iter().map(|c| c.trim().to_string()).collect();
                check_names(&mut errors, "category_attributes", &attrs);
                let column = |errors: &mut ValidationErrors, field: &str, v: Option<String>| {
                    let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                    if let Some(s) = &v {
                        check_line(errors, field, s, false, 200);
                    }
                    v
                };
                let source_column = column(&mut errors, "source_column", input.source_column);
                let target_column = column(&mut errors, "target_column", input.target_column);
                errors.finish(Self::Export {
                    channels,
                    feedback_file: input.feedback_file.unwrap_or(false),
                    source_column,
                    target_column,
                    category_attributes: attrs,
                })
            }
            ConnectorType::DataService => {
                for (f, p) in export_fields_present {
                    not_for(f, p);
                }
                not_for("categories", input.categories.is_some());
                let settings = match input.settings {
                    None => serde_json::Map::new(),
                    Some(serde_json::Value::Object(m)) => m,
                    Some(_) => {
                        errors.push("settings", "invalid_type", "`settings` must be a JSON object");
                        serde_json::Map::new()
                    }
                };
                if serde_json::to_vec(&settings).map(|v| v.len()).unwrap_or(0) > SETTINGS_MAX_BYTES {
                    errors.push("settings", "too_large", format!("`settings` must serialise to at most {SETTINGS_MAX_BYTES} bytes"));
                }
                errors.finish(Self::DataService { settings })
            }
            other => {
                Err(ValidationErrors::single("type", "not_applicable", format!("{} connectors have no type-specific configuration", other.as_str())))
            }
        }
    }
}

fn check_names(errors: &mut ValidationErrors, field: &str, names: &[String]) {
    if names.len() > 100 {
        errors.push(field, "too_many", format!("`{field}` holds at most 100 entries"));
    }
    let mut seen = HashSet::new();
    for (i, n) in names.iter().enumerate() {
        check_line(errors, &format!("{field}[{i}]"), n, true, 200);
        if !seen.insert(n.as_str()) {
            errors.push(format!("{field}[{i}]"), "duplicate", format!("`{n}` is listed twice"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: serde_json::Value) -> TypeSpecificInput {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn datasources_default_to_miscellaneous_but_refuse_an_empty_list() {
        let c = TypeSpecificConfig::parse(ConnectorType::Datasource, input(json!({}))).unwrap();
        assert_eq!(c, TypeSpecificConfig::Datasource { categories: vec![DatasourceCategory::Miscellaneous] });
        let e = TypeSpecificConfig::parse(ConnectorType::Datasource, input(json!({"categories": []}))).unwrap_err();
        assert_eq!(e.fields[0].field, "categories");
    }

    #[test]
    fn exports_need_a_channel_and_refuse_datasource_fields() {
        let e = TypeSpecificConfig::parse(ConnectorType::ExportDelta, input(json!({"categories": ["orders"]}))).unwrap_err();
        let got: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(got, ["categories", "channels"]);
        let ok = TypeSpecificConfig::parse(
            ConnectorType::Export,
            input(json!({"channels": ["google-shopping"], "feedback_file": true, "source_column": "sku"})),
        )
        .unwrap();
        assert!(matches!(ok, TypeSpecificConfig::Export { feedback_file: true, .. }));
    }

    #[test]
    fn data_service_settings_must_be_an_object() {
        let e = TypeSpecificConfig::parse(ConnectorType::DataService, input(json!({"settings": [1]}))).unwrap_err();
        assert_eq!(e.fields[0].field, "settings");
        TypeSpecificConfig::parse(ConnectorType::DataService, input(json!({"settings": {"a": 1}}))).unwrap();
    }

    #[test]
    fn file_types_have_no_type_specific_step() {
        for t in [ConnectorType::Download, ConnectorType::Transform, ConnectorType::Write, ConnectorType::Upload] {
            assert!(TypeSpecificConfig::parse(t, TypeSpecificInput::default()).is_err());
        }
    }

    #[test]
    fn category_labels_match_the_product() {
        assert_eq!(DatasourceCategory::PimPms.label(), "PIM / PMS");
        assert_eq!(serde_json::to_value(DatasourceCategory::PimPms).unwrap(), json!("pim_pms"));
    }
}
