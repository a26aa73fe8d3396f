//! The life of connectors and versions beyond setup (PRODUCT.md §3, §7): add and delete
//! versions, list production releases and choose the main version, the bin (move, list,
//! restore, delete permanently, purge after retention), duplicate, and the logo.

use crate::connectors::ListConnectors;
use crate::error::{AppError, AppResult};
use crate::idempotency::{CreateRequest, CreateRoute};
use crate::logo::{sanitize_svg, LogoError};
use crate::rewrite::{until_written, Tried};
use crate::App;
use chrono::{DateTime, Duration, Utc};
use devportal_domain::connector::Connector;
use devportal_domain::identity::Principal;
use devportal_domain::ids::ConnectorId;
use devportal_domain::page::Page;
use devportal_domain::pipeline::{Deployment, ProductionRelease};
use devportal_domain::ports::StoreError;
use devportal_domain::secret::SecretRef;
use devportal_domain::stored::StoredJson;
use devportal_domain::version::{Version, VersionSelector, VersionState};
use devportal_domain::wizard::VersionConfig;
use devportal_domain::ValidationErrors;

/// How long binned connectors are kept before they are purged, by default.
pub const DEFAULT_BIN_RETENTION_DAYS: i64 = 30;

/// A production release of a version, as listed by `GET …/{v}/releases`. Its configuration
/// snapshot is shown as the wizard shows configuration: secrets as flags, never references.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReleaseView {
    pub release_id: String,
    pub job_id: devportal_domain::pipeline::JobId,
    pub digest: String,
    pub commit: String,
    /// The version's configuration when the release was made.
    pub configuration: crate::views::ConfigurationView,
    pub targets: devportal_domain::pipeline::Targets,
    pub released_at: DateTime<Utc>,
    /// The release production serves now.
    pub live: bool,
}

impl ReleaseView {
    pub fn new(r: &ProductionRelease, live: bool) -> Self {
        Self {
            release_id: r.release_id.clone(),
            job_id: r.job_id,
            digest: r.digest.clone(),
            commit: r.commit.clone(),
            configuration: crate::views::ConfigurationView::of_snapshot(&r.configuration),
            targets: r.targets.clone(),
            released_at: r.released_at,
            live,
        }
    }
}

/// Versions of a connector that production uses: they keep a connector out of the bin and
/// a version from deletion.
fn in_production(v: &Version) -> bool {
    v.deployment.production.is_some()
}

/// The secret references a configuration holds.
pub(crate) fn secret_refs(c: &VersionConfig) -> Vec<SecretRef> {
    let Some(v) = &c.vcs else { return vec![] };
    v.token.iter().cloned().chain(v.deploy_key.iter().map(|k| k.private.clone())).collect()
}

impl App {
    /// Adds a version copying the newest one's configuration (the Git token stays the same
    /// stored reference) and its dev site; build, state and production start afresh.
    ///
    /// With an `Idempotency-Key` already used for this request, answers the version it added
    /// (`false`: not newly created): the claim names the number and the creation time, which
    /// tells that version from one another request added under the same number meanwhile.
    pub async fn add_version(&self, principal: &Principal, id: ConnectorId, request: Option<&CreateRequest>) -> AppResult<(Version, bool)> {
        let connector = self.connector(principal, id).await?;
        let versions = self.ports.connectors.list_versions(id).await?;
        let newest = versions.iter().max_by_key(|v| v.number).ok_or_else(|| AppError::NotFound(format!("connector {id} has no versions")))?;
        let proposed = newest.number.max(connector.latest_version) + 1;
        let claimed = self.claim_create(principal, CreateRoute::Versions, request, proposed.to_string()).await?;
        let number: u32 = claimed.id()?;
        let now = claimed.at;
        if claimed.keyed {
            match versions.iter().find(|v| v.number == number) {
                Some(v) if v.created_at == now => return Ok((v.clone(), false)),
                Some(_) => return Err(AppError::AlreadyExists(format!("version {number} was added by another request; use a new Idempotency-Key"))),
                None if number <= connector.latest_version && number != proposed => {
                    return Err(AppError::NotFound(format!("version {number}, which this Idempotency-Key added, was deleted")))
                }
                None => {}
            }
        }
        self.check_quota(crate::limits::Quota::VersionsPerConnector, versions.len())?;
        let version = Version {
            connector_id: id,
            number,
            state: VersionState::Updated,
            config: newest.config.clone(),
            deployment: Deployment { dev: newest.deployment.dev.clone(), ..Deployment::default() },
            created_at: now,
            updated_at: now,
            revision: 1,
        };
        match self.ports.connectors.create_version(&version).await {
            Err(StoreError::AlreadyExists { .. }) => {
                return Err(AppError::AlreadyExists(format!("version {number} was just added by someone else; try again")))
            }
            other => other?,
        }
        self.bump_latest_version(id, number).await;
        tracing::info!(connector_id = %id, version = number, user_id = %principal.user().id, "version added");
        Ok((version, true))
    }

    /// Keeps `latest_version` (numbers are never reused) in step; best effort, a stale value
    /// is corrected by the next add because numbers also derive from the versions themselves.
    async fn bump_latest_version(&self, id: ConnectorId, number: u32) {
        let _best_effort: Result<Tried<()>, std::convert::Infallible> = until_written(5, || async {
            let Ok(Some(mut c)) = self.ports.connectors.get_connector(id).await else { return Ok(Tried::Done(())) };
            if c.latest_version >= number {
                return Ok(Tried::Done(()));
            }
            let expected = c.revision;
            c.latest_version = number;
            c.revision = expected + 1;
            match self.ports.connectors.update_connector(&c, expected).await {
                Err(StoreError::Conflict { .. }) => Ok(Tried::Stale(())),
                _ => Ok(Tried::Done(())),
            }
        })
        .await;
    }

    /// Deletes a version: refused while production uses it, and for the last version.
    pub async fn delete_version(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector) -> AppResult<()> {
        let (_, version) = self.version(principal, id, selector).await?;
        let versions = self.ports.connectors.list_versions(id).await?;
        if versions.len() <= 1 {
            return Err(AppError::TransitionNotAllowed {
                message: "the last version cannot be deleted; move the connector to the bin instead".into(),
                state: version.state,
            });
        }
        if in_production(&version) {
            return Err(AppError::TransitionNotAllowed {
                message: format!("version {} is used in production and cannot be deleted", version.number),
                state: version.state,
            });
        }
        if version.state.is_transitional() || version.deployment.active_job.is_some() {
            return Err(AppError::TransitionRunning { state: version.state, current_revision: version.revision });
        }
        self.ports.connectors.delete_version(id, version.number, version.revision).await?;
        // Secrets only this version referenced go with it.
        let still_used: Vec<SecretRef> = versions.iter().filter(|v| v.number != version.number).flat_map(|v| secret_refs(&v.config)).collect();
        for r in secret_refs(&version.config).into_iter().filter(|r| !still_used.contains(r)) {
            if let Err(e) = self.ports.secrets.delete(&r).await {
                tracing::warn!(connector_id = %id, version = version.number, error = %e, "could not delete a secret of a deleted version");
            }
        }
        tracing::info!(connector_id = %id, version = version.number, user_id = %principal.user().id, "version deleted");
        Ok(())
    }

    /// Production releases of a version, newest first.
    pub async fn releases(&self, principal: &Principal, id: ConnectorId, selector: VersionSelector) -> AppResult<Vec<ReleaseView>> {
        let (_, version) = self.version(principal, id, selector).await?;
        let live = version.deployment.production.as_ref().map(|p| p.release_id.clone());
        Ok(version.deployment.releases.iter().rev().map(|r| ReleaseView::new(r, live.as_deref() == Some(r.release_id.as_str()))).collect())
    }

    /// Chooses the main version among those released to production.
    pub async fn set_main_version(&self, principal: &Principal, id: ConnectorId, number: u32, revision: u64) -> AppResult<Connector> {
        let mut connector = self.connector(principal, id).await?;
        if connector.revision != revision {
            return Err(AppError::StaleRevision { current_revision: connector.revision });
        }
        let version = self.ports.connectors.get_version(id, number).await?;
        if !version.as_ref().is_some_and(in_production) {
            return Err(ValidationErrors::single("main_version", "not_released", format!("version {number} has no production release")).into());
        }
        connector.main_version = Some(number);
        connector.revision = revision + 1;
        connector.updated_at = Utc::now();
        self.ports.connectors.update_connector(&connector, revision).await?;
        Ok(connector)
    }

    /// Moves a connector to the bin; refused while any version is used in production.
    pub async fn bin_connector(&self, principal: &Principal, id: ConnectorId) -> AppResult<Connector> {
        let mut connector = self.connector(principal, id).await?;
        let versions = self.ports.connectors.list_versions(id).await?;
        if let Some(v) = versions.iter().find(|v| in_production(v)) {
            return Err(AppError::TransitionNotAllowed {
                message: format!("version {} is used in production: roll it out of production before binning the connector", v.number),
                state: v.state,
            });
        }
        if let Some(v) = versions.iter().find(|v| v.state.is_transitional() || v.deployment.active_job.is_some()) {
            return Err(AppError::TransitionRunning { state: v.state, current_revision: v.revision });
        }
        let expected = connector.revision;
        connector.binned_at = Some(Utc::now());
        connector.binned_by = Some(principal.user().id);
        connector.revision = expected + 1;
        self.ports.connectors.update_connector(&connector, expected).await?;
        tracing::info!(connector_id = %id, user_id = %principal.user().id, "connector moved to the bin");
        Ok(connector)
    }

    /// The caller's organizations' binned connectors.
    pub async fn list_bin(&self, principal: &Principal, mut q: ListConnectors) -> AppResult<Page<StoredJson<Connector>>> {
        q.binned = true;
        self.list_connectors(principal, q).await
    }

    /// Brings a binned connector back exactly as it was.
    pub async fn restore_connector(&self, principal: &Principal, id: ConnectorId) -> AppResult<Connector> {
        let mut connector = self.binned_connector(principal, id).await?;
        let expected = connector.revision;
        connector.binned_at = None;
        connector.binned_by = None;
        connector.revision = expected + 1;
        self.ports.connectors.update_connector(&connector, expected).await?;
        tracing::info!(connector_id = %id, user_id = %principal.user().id, "connector restored from the bin");
        Ok(connector)
    }

    /// Deletes a binned connector and everything it owns.
    /// Only admins of the owning organization delete for good (members may bin and restore).
    pub async fn delete_permanently(&self, principal: &Principal, id: ConnectorId) -> AppResult<()> {
        crate::identity::require_write(principal)?;
        let connector = self.binned_connector(principal, id).await?;
        if !principal.is_admin_of(connector.owner) {
            return Err(AppError::Forbidden("only admins of the owning organization may delete a connector permanently".into()));
        }
        self.purge(id).await?;
        tracing::info!(connector_id = %id, user_id = %principal.user().id, "connector deleted permanently");
        Ok(())
    }

    /// Removes a connector with its secrets, job logs, images, runtime registrations and store records. Safe to
    /// repeat: each part is idempotent, and the store records go last so a retry finds the rest.
    async fn purge(&self, id: ConnectorId) -> AppResult<()> {
        let versions = self.ports.connectors.list_versions(id).await?;
        for v in &versions {
            for r in secret_refs(&v.config) {
                self.ports.secrets.delete(&r).await?;
            }
            for job in self.ports.pipeline.list_jobs(id, v.number).await? {
                self.ports.logs.delete(job.id).await?;
            }
        }
        if let Some(connector) = self.ports.connectors.get_connector(id).await? {
            self.purge_runs(id, connector.owner).await?;
        }
        self.ports.builder.delete_images(id).await.map_err(|e| AppError::Unavailable { message: e.reason, retryable: e.retryable })?;
        self.ports.runtime.deregister(id).await.map_err(|e| AppError::Unavailable { message: e.reason, retryable: e.retryable })?;
        self.ports.connectors.purge_connector(id).await?;
        Ok(())
    }

    /// Purges connectors binned before `now - retention`; how many.
    pub async fn purge_expired_bin(&self, retention: Duration, now: DateTime<Utc>) -> AppResult<usize> {
        let cutoff = now - retention;
        let mut purged = 0;
        for id in self.ports.connectors.binned_before(cutoff).await? {
            self.purge(id).await?;
            purged += 1;
            tracing::info!(connector_id = %id, "binned connector purged after the retention period");
        }
        Ok(purged)
    }

    /// Duplicates a connector: "<name> - Copy", the newest version's configuration without
    /// Git credentials, as a fresh version 1 in state `created`.
    pub async fn duplicate_connector(&self, principal: &Principal, id: ConnectorId, request: Option<&CreateRequest>) -> AppResult<(Connector, bool)> {
        let source = self.connector(principal, id).await?;
        let claimed = self.claim_create(principal, CreateRoute::Copies, request, ConnectorId::new().to_string()).await?;
        let copy_id: ConnectorId = claimed.id()?;
        if claimed.keyed {
            if let Some(existing) = self.ports.connectors.get_connector(copy_id).await? {
                return Ok((existing, false));
            }
        }
        self.check_connector_quota(source.owner).await?;
        let versions = self.ports.connectors.list_versions(id).await?;
        let newest = versions.iter().max_by_key(|v| v.number).ok_or_else(|| AppError::NotFound(format!("connector {id} has no versions")))?;
        let mut name = format!("{} - Copy", source.name);
        if name.chars().count() > devportal_domain::connector::NAME_MAX {
            name = format!("{} - Copy", source.name.chars().take(devportal_domain::connector::NAME_MAX - 7).collect::<String>());
        }
        let now = claimed.at;
        let copy = Connector {
            id: copy_id,
            name,
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
            ..source.clone()
        };
        let mut config = newest.config.clone();
        if let Some(vcs) = config.vcs.as_mut() {
            vcs.token = None;
            vcs.deploy_key = None;
        }
        let version = Version { config, ..Version::first(copy.id, now) };
        match self.ports.connectors.create_connector(&copy, &version).await {
            // A concurrent retry with the same key made it first.
            Err(StoreError::AlreadyExists { .. }) if claimed.keyed => return Ok((self.connector(principal, copy_id).await?, false)),
            other => other?,
        }
        if source.has_logo {
            if let Some(svg) = self.ports.connectors.get_logo(id).await? {
                self.set_logo_svg(principal, copy.id, &svg).await?;
            }
        }
        tracing::info!(connector_id = %copy.id, source = %id, user_id = %principal.user().id, "connector duplicated");
        Ok((self.connector(principal, copy.id).await?, true))
    }

    /// Stores an uploaded SVG logo after sanitising it.
    pub async fn set_logo(&self, principal: &Principal, id: ConnectorId, body: &[u8]) -> AppResult<Connector> {
        self.connector(principal, id).await?;
        let svg = sanitize_svg(body).map_err(|e| {
            let code = match e {
                LogoError::TooLarge { .. } => "too_large",
                LogoError::NotSvg(_) => "not_svg",
                LogoError::Invalid(_) => "invalid_svg",
            };
            AppError::from(ValidationErrors::single("logo", code, e.to_string()))
        })?;
        self.set_logo_svg(principal, id, &svg).await
    }

    async fn set_logo_svg(&self, principal: &Principal, id: ConnectorId, svg: &str) -> AppResult<Connector> {
        self.ports.connectors.put_logo(id, svg).await?;
        let marked = until_written(5, || async {
            let mut c = self.connector(principal, id).await?;
            if c.has_logo {
                return Ok(Tried::Done(c));
            }
            let expected = c.revision;
            c.has_logo = true;
            c.revision = expected + 1;
            match self.ports.connectors.update_connector(&c, expected).await {
                Err(StoreError::Conflict { .. }) => Ok(Tried::Stale(())),
                Err(e) => Err(AppError::from(e)),
                Ok(()) => Ok(Tried::Done(c)),
            }
        });
        match marked.await? {
            Tried::Done(c) => Ok(c),
            Tried::Stale(()) => Err(AppError::Unavailable { message: "the connector kept changing".into(), retryable: true }),
        }
    }

    pub async fn logo(&self, principal: &Principal, id: ConnectorId) -> AppResult<String> {
        self.connector(principal, id).await?;
        self.ports.connectors.get_logo(id).await?.ok_or_else(|| AppError::NotFound(format!("connector {id} has no logo")))
    }
}
