//! The connector (PRODUCT.md §2–3): its type, locked fields and editable details.

use crate::ids::{ConnectorId, OrgId, UserId};
use crate::stored::StoredJson;
use crate::validation::{check_line, check_text, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectorType {
    Datasource,
    Export,
    ExportDelta,
    DataService,
    Download,
    Transform,
    Write,
    Upload,
}

impl ConnectorType {
    pub const ALL: [ConnectorType; 8] =
        [Self::Datasource, Self::Export, Self::ExportDelta, Self::DataService, Self::Download, Self::Transform, Self::Write, Self::Upload];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Datasource => "datasource",
            Self::Export => "export",
            Self::ExportDelta => "export-delta",
            Self::DataService => "data-service",
            Self::Download => "download",
            Self::Transform => "transform",
            Self::Write => "write",
            Self::Upload => "upload",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    pub fn direction(self) -> Direction {
        match self {
            Self::Datasource | Self::Download => Direction::Inbound,
            Self::Export | Self::ExportDelta | Self::Write | Self::Upload => Direction::Outbound,
            Self::DataService | Self::Transform => Direction::Transform,
        }
    }

    /// Export types read input rows (PRODUCT.md §8).
    pub fn is_export(self) -> bool {
        matches!(self, Self::Export | Self::ExportDelta)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
    Transform,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    #[default]
    Default,
    Standalone,
    Migration,
}

/// How configuration values reach the program (PRODUCT.md §4 step 6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionMode {
    /// Environment variables (recommended).
    #[default]
    Env,
    /// Command options `--key=value`.
    Options,
}

/// The fields that can never change after creation, in the order the UI lists them.
pub const LOCKED_FIELDS: [&str; 4] = ["type", "flow", "execution_mode", "owner"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Connector {
    pub id: ConnectorId,
    pub name: String,
    #[serde(rename = "type")]
    pub connector_type: ConnectorType,
    pub description: String,
    pub readme: String,
    pub flow: Flow,
    pub execution_mode: ExecutionMode,
    pub owner: OrgId,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The released main version, once there is one.
    pub main_version: Option<u32>,
    /// Highest version number ever given (numbers are never reused).
    pub latest_version: u32,
    pub has_logo: bool,
    /// Whether any version is released globally (maintained by the pipeline).
    pub released: bool,
    /// When the connector was moved to the bin, and by whom (`None`: not binned).
    #[serde(default)]
    pub binned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub binned_by: Option<UserId>,
    pub revision: u64,
}

impl Connector {
    pub fn is_binned(&self) -> bool {
        self.binned_at.is_some()
    }

    pub fn placement(&self) -> Placement {
        Placement { owner: self.owner, binned: self.is_binned() }
    }
}

/// Where a connector is: its owner and whether it is in the bin — all a read checks before
/// showing it. A store knows it without decoding the record: the list a connector's item is
/// in names both (see [`StoredConnector`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub owner: OrgId,
    pub binned: bool,
}

/// A connector as stored, with its placement as the store lists it: a read that answers the
/// stored JSON checks who may see it without decoding the record.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredConnector {
    pub placement: Placement,
    pub json: StoredJson<Connector>,
}

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 2_000;
pub const README_MAX: usize = 100_000;

/// A validated request to create a connector.
#[derive(Clone, Debug, PartialEq)]
pub struct NewConnector {
    pub name: String,
    pub connector_type: ConnectorType,
    pub description: String,
    pub readme: String,
    pub flow: Flow,
    pub execution_mode: ExecutionMode,
    /// `None`: the creator's organization, when they have exactly one.
    pub owner: Option<OrgId>,
}

/// Parses a connector name: trimmed, 1–100 characters, one line.
pub fn parse_name(raw: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = raw.trim().to_string();
    check_line(&mut errors, "name", &name, true, NAME_MAX);
    errors.finish(name)
}

pub fn check_description(errors: &mut ValidationErrors, value: &str) {
    check_text(errors, "description", value, false, DESCRIPTION_MAX);
}

/// The readme's size in bytes (a store item must stay well under DynamoDB's 400 KB).
pub const README_MAX_BYTES: usize = 200_000;

pub fn check_readme(errors: &mut ValidationErrors, value: &str) {
    check_text(errors, "readme", value, false, README_MAX);
    if value.len() > README_MAX_BYTES && value.chars().count() <= README_MAX {
        errors.push("readme", "too_large", format!("`readme` must be at most {README_MAX_BYTES} bytes of UTF-8"));
    }
}

impl NewConnector {
    /// Validates every field at once.
    pub fn parse(
        name: Option<&str>,
        connector_type: Option<ConnectorType>,
        description: Option<&str>,
        readme: Option<&str>,
        flow: Option<Flow>,
        execution_mode: Option<ExecutionMode>,
        owner: Option<OrgId>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = match name {
            Some(n) => parse_name(n).unwrap_or_else(|e| {
                errors.absorb("", e);
                String::new()
            }),
            None => {
                errors.push("name", "required", "`name` is required");
                String::new()
            }
        };
        if connector_type.is_none() {
            errors.push(
                "type",
                "required",
                "`type` is required: one of datasource, export, export-delta, data-service, download, transform, write, upload",
            );
        }
        let description = description.unwrap_or("").trim().to_string();
        check_description(&mut errors, &description);
        let readme = readme.unwrap_or("").to_string();
        check_readme(&mut errors, &readme);
        let parsed = NewConnector {
            name,
            connector_type: connector_type.unwrap_or(ConnectorType::Download),
            description,
            readme,
            flow: flow.unwrap_or_default(),
            execution_mode: execution_mode.unwrap_or_default(),
            owner,
        };
        errors.finish(parsed)
    }
}

/// A validated edit of a connector's details.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectorDetailsPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub readme: Option<String>,
}

impl ConnectorDetailsPatch {
    /// `locked_present` lists locked fields the client tried to send; each is refused by name.
    pub fn parse(name: Option<&str>, description: Option<&str>, readme: Option<&str>, locked_present: &[&str]) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for field in locked_present {
            errors.push(*field, "locked", format!("`{field}` is locked after creation and cannot be changed"));
        }
        let name = name.map(|n| {
            parse_name(n).unwrap_or_else(|e| {
                errors.absorb("", e);
                String::new()
            })
        });
        let description = description.map(|d| d.trim().to_string());
        if let Some(d) = &description {
            check_description(&mut errors, d);
        }
        if let Some(r) = readme {
            check_readme(&mut errors, r);
        }
        errors.finish(ConnectorDetailsPatch { name, description, readme: readme.map(str::to_string) })
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none() && self.readme.is_none()
    }

    /// Applies the edit; returns whether anything changed.
    pub fn apply(&self, c: &mut Connector) -> bool {
        let before = (c.name.clone(), c.description.clone(), c.readme.clone());
        if let Some(n) = &self.name {
            c.name = n.clone();
        }
        if let Some(d) = &self.description {
            c.description = d.clone();
        }
        if let Some(r) = &self.readme {
            c.readme = r.clone();
        }
        before != (c.name.clone(), c.description.clone(), c.readme.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_its_name() {
        for t in ConnectorType::ALL {
            assert_eq!(ConnectorType::parse(t.as_str()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert_eq!(ConnectorType::parse("nope"), None);
    }

    #[test]
    fn directions_follow_the_type_table() {
        assert_eq!(ConnectorType::Datasource.direction(), Direction::Inbound);
        assert_eq!(ConnectorType::Export.direction(), Direction::Outbound);
        assert_eq!(ConnectorType::ExportDelta.direction(), Direction::Outbound);
        assert_eq!(ConnectorType::DataService.direction(), Direction::Transform);
    }

    #[test]
    fn create_requires_name_and_type_and_reports_both() {
        let e = NewConnector::parse(None, None, None, None, None, None, None).unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "type"]);
    }

    #[test]
    fn create_defaults_flow_and_execution_mode() {
        let c = NewConnector::parse(Some("  Shopify  "), Some(ConnectorType::Datasource), None, None, None, None, None).unwrap();
        assert_eq!(c.name, "Shopify");
        assert_eq!(c.flow, Flow::Default);
        assert_eq!(c.execution_mode, ExecutionMode::Env);
    }

    #[test]
    fn names_are_bounded_single_lines() {
        assert!(parse_name("   ").is_err());
        assert!(parse_name(&"x".repeat(101)).is_err());
        assert!(parse_name("two\nlines").is_err());
        assert_eq!(parse_name(&"x".repeat(100)).unwrap().len(), 100);
    }

    #[test]
    fn description_and_readme_are_bounded() {
        let long = "d".repeat(DESCRIPTION_MAX + 1);
        let e = NewConnector::parse(Some("n"), Some(ConnectorType::Export), Some(&long), None, None, None, None).unwrap_err();
        assert_eq!(e.fields[0].field, "description");
        let e = ConnectorDetailsPatch::parse(None, None, Some(&"r".repeat(README_MAX + 1)), &[]).unwrap_err();
        assert_eq!(e.fields[0].field, "readme");
    }

    #[test]
    fn locked_fields_are_refused_by_name() {
        let e = ConnectorDetailsPatch::parse(Some("ok"), None, None, &["type", "owner"]).unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| (f.field.as_str(), f.code.as_str())).collect();
        assert_eq!(fields, [("type", "locked"), ("owner", "locked")]);
    }

    /// A new upload connector "A" (description "d", readme "r").
    fn upload_connector() -> Connector {
        let now = Utc::now();
        Connector {
            id: ConnectorId::new(),
            name: "A".into(),
            connector_type: ConnectorType::Upload,
            description: "d".into(),
            readme: "r".into(),
            flow: Flow::Default,
            execution_mode: ExecutionMode::Env,
            owner: OrgId::new(),
            created_by: UserId::new(),
            created_at: now,
            updated_at: now,
            main_version: None,
            latest_version: 1,
            has_logo: false,
            released: false,
            binned_at: None,
            binned_by: None,
            revision: 1,
        }
    }

    #[test]
    fn patch_applies_only_given_fields() {
        let mut c = upload_connector();
        let p = ConnectorDetailsPatch::parse(Some("B"), None, None, &[]).unwrap();
        assert!(p.apply(&mut c));
        assert_eq!((c.name.as_str(), c.description.as_str()), ("B", "d"));
        assert!(!p.apply(&mut c), "a second identical edit changes nothing");
    }
}
