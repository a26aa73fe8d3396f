//! Connector use cases: create, list, read, edit details; list and read versions.
//! Tenancy lives here: a connector of an organization the caller is not in is "not found".

use crate::error::{AppError, AppResult};
use crate::idempotency::{CreateRequest, CreateRoute};
use crate::views::VersionView;
use crate::App;
use chrono::Utc;
use devportal_domain::connector::{Connector, ConnectorDetailsPatch, ConnectorType, ExecutionMode, Flow, NewConnector, Placement};
use devportal_domain::identity::Principal;
use devportal_domain::ids::{ConnectorId, OrgId};
use devportal_domain::page::{decode_cursor, encode_cursor, parse_limit, Page};
use devportal_domain::ports::{ConnectorQuery, StoreError};
use devportal_domain::stored::StoredJson;
use devportal_domain::version::{Version, VersionSelector};
use devportal_domain::ValidationErrors;

/// `POST /connectors` as parsed from JSON (types already checked by serde).
#[derive(Clone, Debug, Default)]
pub struct CreateConnector {
    pub name: Option<String>,
    pub connector_type: Option<ConnectorType>,
    pub description: Option<String>,
    pub readme: Option<String>,
    pub flow: Option<Flow>,
    pub execution_mode: Option<ExecutionMode>,
    pub owner: Option<OrgId>,
}

/// `GET /connectors` filters as received.
#[derive(Clone, Debug, Default)]
pub struct ListConnectors {
    pub name: Option<String>,
    pub connector_type: Option<ConnectorType>,
    pub owner: Option<OrgId>,
    pub released: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// List the bin instead of the live connectors.
    pub binned: bool,
}

impl App {
    /// Refuses a new connector for `org` when it already owns `max_connectors_per_org` live ones.
    pub(crate) async fn check_connector_quota(&self, org: OrgId) -> AppResult<()> {
        let max = self.limits.max_connectors_per_org;
        if max == 0 {
            return Ok(());
        }
        let page = self.ports.connectors.list_connectors(&ConnectorQuery { orgs: vec![org], limit: max, ..ConnectorQuery::default() }).await?;
        self.check_quota(crate::limits::Quota::ConnectorsPerOrg, page.items.len())
    }

    /// Creates a connector with its version 1. With an `Idempotency-Key` already used for the
    /// same request, answers the connector it made (`false`: not newly created).
    pub async fn create_connector(
        &self,
        principal: &Principal,
        input: CreateConnector,
        request: Option<&CreateRequest>,
    ) -> AppResult<(Connector, bool)> {
        let parsed = NewConnector::parse(
            input.name.as_deref(),
            input.connector_type,
            input.description.as_deref(),
            input.readme.as_deref(),
            input.flow,
            input.execution_mode,
            input.owner,
        );
        let owner = resolve_owner(principal, input.owner);
        let (parsed, owner) = match (parsed, owner) {
            (Ok(p), Ok(o)) => (p, o),
            (p, o) => {
                let mut errors = ValidationErrors::new();
                if let Err(e) = p {
                    errors.absorb("", e);
                }
                if let Err(e) = o {
                    errors.absorb("", e);
                }
                return Err(errors.into());
            }
        };
        let claimed = self.claim_create(principal, CreateRoute::Connectors, request, ConnectorId::new().to_string()).await?;
        let id: ConnectorId = claimed.id()?;
        if claimed.keyed {
            if let Some(existing) = self.ports.connectors.get_connector(id).await? {
                return Ok((existing, false));
            }
        }
        self.check_connector_quota(owner).await?;
        let now = claimed.at;
        let connector = Connector {
            id,
            name: parsed.name,
            connector_type: parsed.connector_type,
            description: parsed.description,
            readme: parsed.readme,
            flow: parsed.flow,
            execution_mode: parsed.execution_mode,
            owner,
            created_by: principal.user().id,
            created_at: now,
            updated_at: now,
            main_version: None,
            latest_version: 1,
            has_logo: false,
            released: false,
            binned_at: None,
            binned_by: None,
            revision: 1,
        };
        let first = Version::first(connector.id, now);
        match self.ports.connectors.create_connector(&connector, &first).await {
            // A concurrent retry with the same key made it first.
            Err(StoreError::AlreadyExists { .. }) if claimed.keyed => return Ok((self.connector(principal, id).await?, false)),
            other => other?,
        }
        tracing::info!(connector_id = %connector.id, version = 1, owner = %owner, user_id = %principal.user().id, "connector created");
        Ok((connector, true))
    }

    /// A page of the caller's connectors, as stored (answered without a decode).
    pub async fn list_connectors(&self, principal: &Principal, q: ListConnectors) -> AppResult<Page<StoredJson<Connector>>> {
        let mut errors = ValidationErrors::new();
        let limit = parse_limit(q.limit).map_err(|e| errors.absorb("", e)).unwrap_or(0);
        let after = match q.cursor.as_deref() {
            None => None,
            Some(c) => match decode_cursor(c).and_then(|k| k.parse::<ConnectorId>().ok()) {
                Some(id) => Some(id),
                None => {
                    errors.push("cursor", "invalid_cursor", "`cursor` is not one this API issued");
                    None
                }
            },
        };
        let name = q.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
            errors.push("name", "too_long", "the `name` filter is at most 100 characters");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let orgs = match q.owner {
            // Filtering by an organization the caller is not in yields nothing, as for any filter.
            Some(o) => principal.org_ids().into_iter().filter(|m| *m == o).collect(),
            None => principal.org_ids(),
        };
        if orgs.is_empty() {
            return Ok(Page { items: vec![], next_cursor: None });
        }
        let query =
            ConnectorQuery { orgs, name_contains: name, connector_type: q.connector_type, released: q.released, after, limit, binned: q.binned };
        let page = self.ports.connectors.list_connectors(&query).await?;
        Ok(Page { next_cursor: page.next_cursor.map(|k| encode_cursor(&k)), items: page.items })
    }

    /// The connector, if the caller may see it. Binned connectors are invisible here.
    pub async fn connector(&self, principal: &Principal, id: ConnectorId) -> AppResult<Connector> {
        match self.ports.connectors.get_connector(id).await? {
            Some(c) if shown(principal, c.placement(), Shelf::Live) => Ok(c),
            _ => Err(not_found(id, Shelf::Live)),
        }
    }

    /// [`App::connector`] as stored, for a read that answers it as it is: nothing is decoded,
    /// the store says where the connector is.
    pub async fn connector_json(&self, principal: &Principal, id: ConnectorId) -> AppResult<StoredJson<Connector>> {
        match self.ports.connectors.get_stored_connector(id).await? {
            Some(stored) if shown(principal, stored.placement, Shelf::Live) => Ok(stored.json),
            _ => Err(not_found(id, Shelf::Live)),
        }
    }

    /// A binned connector of the caller's organizations.
    pub async fn binned_connector(&self, principal: &Principal, id: ConnectorId) -> AppResult<Connector> {
        match self.ports.connectors.get_connector(id).await? {
            Some(c) if shown(principal, c.placement(), Shelf::Bin) => Ok(c),
            _ => Err(not_found(id, Shelf::Bin)),
        }
    }

    pub async fn edit_connector(
        &self,
        principal: &Principal,
        id: ConnectorId,
        patch: ConnectorDetailsPatch,
        revision: Option<u64>,
    ) -> AppResult<Connector> {
        let Some(revision) = revision else {
            return Err(ValidationErrors::single("revision", "required", "send the connector's `revision` (in the body or as If-Match)").into());
        };
        let mut connector = self.connector(principal, id).await?;
        if connector.revision != revision {
            return Err(AppError::StaleRevision { current_revision: connector.revision });
        }
        if !patch.apply(&mut connector) {
            return Ok(connector);
        }
        connector.updated_at = Utc::now();
        connector.revision = revision + 1;
        self.ports.connectors.update_connector(&connector, revision).await?;
        tracing::info!(connector_id = %id, revision = connector.revision, user_id = %principal.user().id, "connector details edited");
        Ok(connector)
    }

    pub async fn list_versions(&self, principal: &Principal, id: ConnectorId) -> AppResult<(Connector, Vec<Version>)> {
        let connector = self.connector(principal, id).await?;
        let versions = self.ports.connectors.list_versions(id).await?;
        Ok((connector, versions))
    }

    /// Resolves `{v}` (number, `latest`, `main`) to a version of a visible connector.
    pub async fn version(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector) -> AppResult<(Connector, Version)> {
        let connector = self.connector(principal, id).await?;
        let number = match selector {
            VersionSelector::Number(n) => n,
            VersionSelector::Main => {
                connector.main_version.ok_or_else(|| AppError::NotFound(format!("connector {id} has no released main version yet")))?
            }
            VersionSelector::Latest => {
                let versions = self.ports.connectors.list_versions(id).await?;
                versions.iter().map(|v| v.number).max().ok_or_else(|| AppError::NotFound(format!("connector {id} has no versions")))?
            }
        };
        let version = self
            .ports
            .connectors
            .get_version(id, number)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("version {number} of connector {id} not found")))?;
        Ok((connector, version))
    }

    pub async fn version_view(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector) -> AppResult<VersionView> {
        let (c, v) = self.version(principal, id, selector).await?;
        Ok(VersionView::new(&c, &v))
    }
}

/// The owner of a new connector: the given organization if the caller is in it, else the
/// caller's only organization.
fn resolve_owner(principal: &Principal, owner: Option<OrgId>) -> Result<OrgId, ValidationErrors> {
    match owner {
        Some(o) if principal.is_member_of(o) => Ok(o),
        Some(o) => Err(ValidationErrors::single("owner", "not_a_member", format!("you are not a member of organization {o}"))),
        None => match principal.org_ids().as_slice() {
            [only] => Ok(*only),
            [] => Err(ValidationErrors::single("owner", "no_organization", "you belong to no organization; create one first")),
            _ => Err(ValidationErrors::single("owner", "required", "you belong to several organizations: choose the `owner`")),
        },
    }
}

/// Where a read looks for a connector: among the live ones or in the bin.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shelf {
    Live,
    Bin,
}

/// Whether `principal` sees a connector placed so when looking on `shelf`: only members of its
/// owner do, and a binned connector is only in the bin.
fn shown(principal: &Principal, placement: Placement, shelf: Shelf) -> bool {
    principal.is_member_of(placement.owner) && placement.binned == (shelf == Shelf::Bin)
}

/// The answer for a connector the caller cannot see: the same as for one that does not exist.
fn not_found(id: ConnectorId, shelf: Shelf) -> AppError {
    match shelf {
        Shelf::Live => AppError::NotFound(format!("connector {id} not found")),
        Shelf::Bin => AppError::NotFound(format!("connector {id} is not in the bin")),
    }
}
