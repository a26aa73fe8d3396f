//! The platform directory and the catalog (PRODUCT.md §5, §10 *platform*): who sees which
//! accounts, projects and sites, how a platform admin fills the directory of a deployed stack
//! (it starts empty), and what end-users at a place may use.
//!
//! Every request path reads records by key: a target or grant id is one `Directory::site` /
//! `project` / `account` read, and the catalog of a site reads the pointers filed under that
//! site, its project and its account (`PipelineStore::catalog_at`), a page at a time. Only
//! the `GET /accounts|projects|sites` lists read the directory's partition whole.

use crate::error::{AppError, AppResult};
use crate::App;
use devportal_domain::connector::ConnectorType;
use devportal_domain::directory::{check_directory_id, check_new_record, dev_project_connector, DirectoryRecord, DEV_ACCOUNT_ID};
use devportal_domain::identity::Principal;
use devportal_domain::ids::{ConnectorId, OrgId};
use devportal_domain::page::{decode_cursor, encode_cursor, parse_limit, Page};
use devportal_domain::pipeline::{visible_at, Account, Project, Site, SiteKind, Targets, MAX_TARGETS};
use devportal_domain::ports::{CatalogPlace, StoreError, StoreResult};
use devportal_domain::wizard::individual::FormField;
use devportal_domain::wizard::VersionConfig;
use devportal_domain::ValidationErrors;
use std::collections::HashMap;

/// One entry of `GET /catalog`: a released or granted version and its end-user form.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CatalogItem {
    pub connector_id: ConnectorId,
    pub version: u32,
    /// "Name vN", as end-users see it.
    pub title: String,
    #[serde(rename = "type")]
    pub connector_type: ConnectorType,
    pub readme: String,
    pub release_id: String,
    pub digest: String,
    /// The end-user form of the released configuration.
    pub form: Vec<FormField>,
}

/// `GET /catalog` as received: exactly one place, and a page.
#[derive(Clone, Debug, Default)]
pub struct ListCatalog {
    pub account_id: Option<String>,
    pub project_id: Option<String>,
    pub site_id: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The platform directory, for choosing targets and grants.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DirectoryView {
    pub accounts: Vec<Account>,
    pub projects: Vec<Project>,
    pub sites: Vec<Site>,
}

/// `POST /accounts`.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub id: String,
    pub name: String,
}

/// `POST /projects`: a customer project of an existing account.
#[derive(Clone, Debug)]
pub struct NewProject {
    pub id: String,
    pub account_id: String,
    pub name: String,
}

/// `POST /sites`: a production site of an existing customer project.
#[derive(Clone, Debug)]
pub struct NewSite {
    pub id: String,
    pub project_id: String,
    pub name: String,
}

impl App {
    /// The whole directory, every organization's dev projects and sites included.
    pub async fn directory(&self) -> AppResult<DirectoryView> {
        Ok(DirectoryView {
            accounts: self.ports.directory.accounts().await?,
            projects: self.ports.directory.projects().await?,
            sites: self.ports.directory.sites().await?,
        })
    }

    /// The directory as `principal` sees it: the customer accounts, projects and sites, and
    /// the dev projects and sites of its organizations' connectors only.
    pub async fn visible_directory(&self, principal: &Principal) -> AppResult<DirectoryView> {
        let mut dir = self.directory().await?;
        // Owner of each dev project: recorded, or (records written before owners were) the
        // owner of the connector the project id names.
        let mut owners: HashMap<String, Option<OrgId>> = HashMap::new();
        for p in dir.projects.iter().filter(|p| p.account_id == DEV_ACCOUNT_ID) {
            owners.insert(p.id.clone(), self.dev_owner(&p.id, p.owner_org_id).await?);
        }
        let visible = |project_id: &str, account_id: &str, recorded: Option<OrgId>| -> bool {
            if account_id != DEV_ACCOUNT_ID && recorded.is_none() {
                return true;
            }
            let owner = recorded.or_else(|| owners.get(project_id).copied().flatten());
            owner.is_some_and(|o| principal.is_member_of(o))
        };
        dir.projects.retain(|p| visible(&p.id, &p.account_id, p.owner_org_id));
        dir.sites.retain(|s| visible(&s.project_id, &s.account_id, s.owner_org_id));
        Ok(dir)
    }

    /// The organization owning a dev record: recorded, or the owner of the connector its
    /// project id names (records written before owners were).
    async fn dev_owner(&self, project_id: &str, recorded: Option<OrgId>) -> AppResult<Option<OrgId>> {
        if recorded.is_some() {
            return Ok(recorded);
        }
        Ok(match dev_project_connector(project_id) {
            Some(c) => self.ports.connectors.get_connector(c).await?.map(|c| c.owner),
            None => None,
        })
    }

    /// Whether `principal` sees a record of `project_id` in `account_id` (the rule of
    /// [`App::visible_directory`], for one record).
    async fn sees(&self, principal: &Principal, project_id: &str, account_id: &str, recorded: Option<OrgId>) -> AppResult<bool> {
        if account_id != DEV_ACCOUNT_ID && recorded.is_none() {
            return Ok(true);
        }
        Ok(self.dev_owner(project_id, recorded).await?.is_some_and(|o| principal.is_member_of(o)))
    }

    /// The site, if `principal` sees it (read by key).
    pub async fn visible_site(&self, principal: &Principal, id: &str) -> AppResult<Option<Site>> {
        match self.ports.directory.site(id).await? {
            Some(s) if self.sees(principal, &s.project_id, &s.account_id, s.owner_org_id).await? => Ok(Some(s)),
            _ => Ok(None),
        }
    }

    /// The project, if `principal` sees it (read by key).
    pub async fn visible_project(&self, principal: &Principal, id: &str) -> AppResult<Option<Project>> {
        match self.ports.directory.project(id).await? {
            Some(p) if self.sees(principal, &p.id, &p.account_id, p.owner_org_id).await? => Ok(Some(p)),
            _ => Ok(None),
        }
    }

    /// Every id names a record of the directory the caller sees (another organization's dev
    /// projects and sites are unknown to it); the shared dev account is never a target; at
    /// most [`MAX_TARGETS`] places.
    pub(crate) async fn check_directory_ids(&self, principal: &Principal, field: &str, t: &Targets) -> AppResult<()> {
        let mut errors = ValidationErrors::new();
        let count = t.accounts.len() + t.projects.len() + t.sites.len();
        if count > MAX_TARGETS {
            errors.push(field, "too_many", format!("`{field}` names {count} places; at most {MAX_TARGETS} accounts, projects and sites together"));
            return Err(errors.into());
        }
        for (i, a) in t.accounts.iter().enumerate() {
            if a == DEV_ACCOUNT_ID {
                errors.push(
                    format!("{field}.accounts[{i}]"),
                    "shared_dev_account",
                    format!("the dev account `{a}` is shared by every organization; choose your dev project or site instead"),
                );
            } else if self.ports.directory.account(a).await?.is_none() {
                errors.push(format!("{field}.accounts[{i}]"), "unknown", format!("no account `{a}`"));
            }
        }
        for (i, p) in t.projects.iter().enumerate() {
            if self.visible_project(principal, p).await?.is_none() {
                errors.push(format!("{field}.projects[{i}]"), "unknown", format!("no project `{p}`"));
            }
        }
        for (i, s) in t.sites.iter().enumerate() {
            if self.visible_site(principal, s).await?.is_none() {
                errors.push(format!("{field}.sites[{i}]"), "unknown", format!("no site `{s}`"));
            }
        }
        errors.finish(()).map_err(Into::into)
    }

    /// The records of the sites and projects `t` names (for `within_targets`), read by key.
    pub(crate) async fn parents_of(&self, t: &Targets) -> StoreResult<(Vec<Site>, Vec<Project>)> {
        let mut sites = vec![];
        for id in &t.sites {
            sites.extend(self.ports.directory.site(id).await?);
        }
        let mut projects = vec![];
        for id in &t.projects {
            projects.extend(self.ports.directory.project(id).await?);
        }
        Ok((sites, projects))
    }

    /// What end-users at a site (or in a project or account) may use, from the live
    /// production releases only, a page at a time. Places are looked up in the directory the
    /// caller sees.
    pub async fn catalog(&self, principal: &Principal, q: ListCatalog) -> AppResult<Page<CatalogItem>> {
        let mut errors = ValidationErrors::new();
        let limit = parse_limit(q.limit).map_err(|e| errors.absorb("", e)).unwrap_or(0);
        let after = match q.cursor.as_deref() {
            None => None,
            Some(c) => match decode_cursor(c).and_then(|k| catalog_cursor_key(&k)) {
                Some(k) => Some(k),
                None => {
                    errors.push("cursor", "invalid_cursor", "`cursor` is not one this API issued");
                    None
                }
            },
        };
        errors.finish(())?;
        let (site, project, account) = self.catalog_place(principal, &q).await?;
        let mut places = vec![CatalogPlace::Account(account.clone())];
        if let Some(p) = &project {
            places.push(CatalogPlace::Project(p.id.clone()));
        }
        if let Some(s) = &site {
            places.push(CatalogPlace::Site(s.id.clone()));
        }
        let page = self.ports.pipeline.catalog_at(&places, after, limit as usize).await?;
        let mut items = vec![];
        for entry in page.entries {
            // Pointers outlive a place a later release no longer targets: the entry decides.
            if !visible_at(&entry.release.targets, &entry.access, site.as_ref(), project.as_ref(), Some(&account)) {
                continue;
            }
            let Some(connector) = self.ports.connectors.get_connector(entry.connector_id).await? else { continue };
            if connector.is_binned() {
                continue; // binned connectors are invisible everywhere
            }
            let config: VersionConfig = serde_json::from_value(entry.release.configuration.clone()).unwrap_or_default();
            items.push(CatalogItem {
                connector_id: entry.connector_id,
                version: entry.version,
                title: format!("{} v{}", connector.name, entry.version),
                connector_type: connector.connector_type,
                readme: connector.readme.clone(),
                release_id: entry.release.release_id.clone(),
                digest: entry.release.digest.clone(),
                form: config.individual.fields,
            });
        }
        Ok(Page { items, next_cursor: page.next.map(|(c, v)| encode_cursor(&format!("{c}#{v}"))) })
    }

    /// The site, project and account a catalog query names (one of the three), each seen
    /// by the caller.
    async fn catalog_place(&self, principal: &Principal, q: &ListCatalog) -> AppResult<(Option<Site>, Option<Project>, String)> {
        let unknown = |field: &str, what: &str, id: &str| AppError::from(ValidationErrors::single(field, "unknown", format!("no {what} `{id}`")));
        if let Some(id) = q.site_id.as_deref() {
            let site = self.visible_site(principal, id).await?.ok_or_else(|| unknown("site_id", "site", id))?;
            let project = self.ports.directory.project(&site.project_id).await?;
            let account = site.account_id.clone();
            return Ok((Some(site), project, account));
        }
        if let Some(id) = q.project_id.as_deref() {
            let project = self.visible_project(principal, id).await?.ok_or_else(|| unknown("project_id", "project", id))?;
            let account = project.account_id.clone();
            return Ok((None, Some(project), account));
        }
        if let Some(id) = q.account_id.as_deref() {
            let account = self.ports.directory.account(id).await?.ok_or_else(|| unknown("account_id", "account", id))?;
            return Ok((None, None, account.id));
        }
        Err(ValidationErrors::single("site_id", "required", "name an `account_id`, `project_id` or `site_id`").into())
    }

    /// Adds a customer account (platform admins only).
    pub async fn add_account(&self, principal: &Principal, input: NewAccount) -> AppResult<Account> {
        require_platform_admin(principal)?;
        check_new_record(&input.id, &input.name)?;
        let account = Account { id: input.id, name: input.name.trim().to_string() };
        self.add_record(DirectoryRecord::Account(account.clone())).await?;
        Ok(account)
    }

    /// Adds a customer project to an existing customer account (platform admins only).
    pub async fn add_project(&self, principal: &Principal, input: NewProject) -> AppResult<Project> {
        require_platform_admin(principal)?;
        let mut errors = check_new_record(&input.id, &input.name).err().unwrap_or_default();
        check_directory_id(&mut errors, "account_id", &input.account_id);
        if errors.is_empty() && self.ports.directory.account(&input.account_id).await?.is_none() {
            errors.push("account_id", "unknown", format!("no account `{}`", input.account_id));
        }
        errors.finish(())?;
        let project = Project { id: input.id, account_id: input.account_id, name: input.name.trim().to_string(), owner_org_id: None };
        self.add_record(DirectoryRecord::Project(project.clone())).await?;
        Ok(project)
    }

    /// Adds a production site to an existing customer project (platform admins only).
    pub async fn add_site(&self, principal: &Principal, input: NewSite) -> AppResult<Site> {
        require_platform_admin(principal)?;
        let mut errors = check_new_record(&input.id, &input.name).err().unwrap_or_default();
        check_directory_id(&mut errors, "project_id", &input.project_id);
        let project = if errors.is_empty() { self.ports.directory.project(&input.project_id).await? } else { None };
        if errors.is_empty() && project.is_none() {
            errors.push("project_id", "unknown", format!("no project `{}`", input.project_id));
        }
        errors.finish(())?;
        let project = project.expect("checked above");
        let site = Site {
            id: input.id,
            project_id: project.id,
            account_id: project.account_id,
            name: input.name.trim().to_string(),
            kind: SiteKind::Production,
            owner_org_id: None,
        };
        self.add_record(DirectoryRecord::Site(site.clone())).await?;
        Ok(site)
    }

    async fn add_record(&self, record: DirectoryRecord) -> AppResult<()> {
        match self.ports.directory.add(&record).await {
            Err(StoreError::AlreadyExists { .. }) => {
                Err(ValidationErrors::single("id", "taken", format!("the id `{}` is already in use", record.id())).into())
            }
            other => Ok(other?),
        }
    }
}

fn require_platform_admin(principal: &Principal) -> AppResult<()> {
    if principal.user().platform_admin {
        crate::identity::require_write(principal)
    } else {
        Err(AppError::Forbidden("only platform admins may change the directory".into()))
    }
}

/// The (connector, version) a catalog cursor's key names (`<connector>#<version>`).
fn catalog_cursor_key(key: &str) -> Option<(ConnectorId, u32)> {
    let (c, v) = key.split_once('#')?;
    Some((c.parse().ok()?, v.parse().ok()?))
}
