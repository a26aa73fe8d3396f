//! The release pipeline: triggers (`build`, `sync-*`, `access`, `release`, `unrelease`) that
//! answer 202 with the background job, jobs and their live logs, cancel and retry, the
//! state history, the platform directory, the catalog and dead-lettered messages.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{idempotency_key, ApiQuery, Auth, OptionalJson, PathParams};
use crate::routes::Items;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use devportal_app::pipeline::CatalogItem;
use devportal_domain::page::{decode_cursor, encode_cursor};
use devportal_domain::pipeline::{
    Account, AccessChange, Job, JobId, JobParams, LogLine, Project, Site, Stage, Targets, Transition,
};
use devportal_domain::identity::Principal;
use devportal_domain::ports::DeadLetter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

async fn trigger(
    s: &AppState,
    p: &Principal,
    params: &PathParams,
    headers: &HeaderMap,
    job: JobParams,
) -> ApiResult<(StatusCode, Json<Job>)> {
    let id = params.connector()?;
    let v = params.version()?;
    let key = idempotency_key(headers)?;
    let (job, created) = s.app.start_stage(p, id, v, job, key.as_deref()).await?;
    Ok((if created { StatusCode::ACCEPTED } else { StatusCode::OK }, Json(job)))
}

/// An empty body (or `{}`) for triggers that take no parameters.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

macro_rules! simple_trigger {
    ($name:ident, $path:literal, $params:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "pipeline",
            params(("id" = String, Path, format = Uuid), ("v" = String, Path, description = "a number, `latest` or `main`"),
                ("Idempotency-Key" = Option<String>, Header, description = "a repeated key answers the original job")),
            request_body(content = Option<NoParams>, description = "none, or `{}`"),
            responses((status = 202, body = Job, description = "the job was started"), (status = 200, body = Job, description = "the Idempotency-Key was used before: the original job"),
                (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub async fn $name(
            State(s): State<AppState>,
            Auth(p): Auth,
            params: PathParams,
            headers: HeaderMap,
            OptionalJson(_body): OptionalJson<NoParams>,
        ) -> ApiResult<(StatusCode, Json<Job>)> {
            trigger(&s, &p, &params, &headers, $params).await
        }
    };
}

simple_trigger!(build, "/api/v1/connectors/{id}/versions/{v}/build", JobParams::Build, "Build the image from Git.");
simple_trigger!(sync_runtime, "/api/v1/connectors/{id}/versions/{v}/sync-runtime", JobParams::SyncRuntime, "Register the image with the runtime.");
simple_trigger!(sync_dev, "/api/v1/connectors/{id}/versions/{v}/sync-dev", JobParams::SyncDev, "Deploy to the version's dev site.");
simple_trigger!(release, "/api/v1/connectors/{id}/versions/{v}/release", JobParams::Access { change: AccessChange::Release }, "Release globally within the production targets.");
simple_trigger!(unrelease, "/api/v1/connectors/{id}/versions/{v}/unrelease", JobParams::Access { change: AccessChange::Unrelease }, "Hide from new users.");

/// `POST …/sync-prod`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncProdBody {
    /// The scope the production release may be used in.
    pub targets: Targets,
}

#[utoipa::path(post, path = "/api/v1/connectors/{id}/versions/{v}/sync-prod", tag = "pipeline", request_body = SyncProdBody,
    params(("id" = String, Path, format = Uuid), ("v" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = Job), (status = 200, body = Job), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn sync_prod(
    State(s): State<AppState>,
    Auth(p): Auth,
    params: PathParams,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<SyncProdBody>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    let targets = body.map(|b| b.targets).unwrap_or_default();
    trigger(&s, &p, &params, &headers, JobParams::SyncProd { targets }).await
}

#[utoipa::path(put, path = "/api/v1/connectors/{id}/versions/{v}/access", tag = "pipeline", request_body = Targets,
    params(("id" = String, Path, format = Uuid), ("v" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = Job), (status = 200, body = Job), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn access(
    State(s): State<AppState>,
    Auth(p): Auth,
    params: PathParams,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<AccessBody>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    let b = body.unwrap_or_default();
    let grants = Targets { accounts: b.accounts, projects: b.projects, sites: b.sites };
    trigger(&s, &p, &params, &headers, JobParams::Access { change: AccessChange::Grant { grants } }).await
}

/// `PUT …/access`: the specific grants (replacing the previous ones).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessBody {
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub projects: Vec<String>,
    #[serde(default)]
    pub sites: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/connectors/{id}/versions/{v}/jobs", tag = "jobs",
    params(("id" = String, Path, format = Uuid), ("v" = String, Path)),
    responses((status = 200, body = JobList), (status = 404, body = ErrorBody)))]
pub async fn list_jobs(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<Json<Items<Job>>> {
    let id = params.connector()?;
    let v = params.version()?;
    Ok(Json(Items::all(s.app.jobs(&p, id, v).await?)))
}

fn job_id(params: &PathParams) -> Result<JobId, ApiError> {
    let id: JobId = params.uuid("job", "a job")?;
    tracing::Span::current().record("job_id", tracing::field::display(id));
    Ok(id)
}

#[utoipa::path(get, path = "/api/v1/jobs/{job}", tag = "jobs", params(("job" = String, Path, format = Uuid)),
    responses((status = 200, body = Job), (status = 404, body = ErrorBody)))]
pub async fn get_job(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<Json<Job>> {
    Ok(Json(s.app.job(&p, job_id(&params)?).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// From a previous answer's `next_cursor`: only lines after it.
    pub cursor: Option<String>,
    /// 1–1000, default 500.
    pub limit: Option<u32>,
}

/// A page of a job's log. While the job runs, `next_cursor` is always set: ask again with
/// it to follow the log live. It is `null` once the job has finished and every line was read.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobLogPage {
    pub items: Vec<LogLine>,
    pub next_cursor: Option<String>,
    pub job_status: devportal_domain::pipeline::JobStatus,
}

#[utoipa::path(get, path = "/api/v1/jobs/{job}/log", tag = "jobs", params(("job" = String, Path, format = Uuid), LogQuery),
    responses((status = 200, body = JobLogPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn job_log(State(s): State<AppState>, Auth(p): Auth, params: PathParams, ApiQuery(q): ApiQuery<LogQuery>) -> ApiResult<Json<JobLogPage>> {
    let id = job_id(&params)?;
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(decode_cursor(c).and_then(|k| k.parse::<u64>().ok()).ok_or_else(|| {
            ApiError::from(devportal_app::AppError::from(devportal_domain::ValidationErrors::single(
                "cursor",
                "invalid_cursor",
                "`cursor` is not one this API issued",
            )))
        })?),
    };
    let limit = match q.limit {
        None => 500,
        Some(l) if (1..=1000).contains(&l) => l as usize,
        Some(_) => {
            return Err(devportal_app::AppError::from(devportal_domain::ValidationErrors::single("limit", "out_of_range", "`limit` must be between 1 and 1000")).into())
        }
    };
    let (job, items) = s.app.job_log(&p, id, after, limit).await?;
    let last = items.last().map(|l| l.seq).or(after);
    let exhausted = items.len() < limit;
    let next_cursor = if job.status.is_finished() && exhausted { None } else { Some(encode_cursor(&last.unwrap_or(0).to_string())) };
    Ok(Json(JobLogPage { items, next_cursor, job_status: job.status }))
}

#[utoipa::path(post, path = "/api/v1/jobs/{job}/cancel", tag = "jobs", params(("job" = String, Path, format = Uuid)),
    responses((status = 200, body = Job), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_job(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<Json<Job>> {
    Ok(Json(s.app.cancel_job(&p, job_id(&params)?).await?))
}

#[utoipa::path(post, path = "/api/v1/jobs/{job}/retry", tag = "jobs", params(("job" = String, Path, format = Uuid)),
    responses((status = 202, body = Job, description = "a new job for the same step"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn retry_job(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<(StatusCode, Json<Job>)> {
    Ok((StatusCode::ACCEPTED, Json(s.app.retry_job(&p, job_id(&params)?).await?)))
}

#[utoipa::path(get, path = "/api/v1/connectors/{id}/versions/{v}/transitions", tag = "history",
    params(("id" = String, Path, format = Uuid), ("v" = String, Path)),
    responses((status = 200, body = TransitionList), (status = 404, body = ErrorBody)))]
pub async fn transitions(State(s): State<AppState>, Auth(p): Auth, params: PathParams) -> ApiResult<Json<Items<Transition>>> {
    let id = params.connector()?;
    let v = params.version()?;
    Ok(Json(Items::all(s.app.transitions(&p, id, v).await?)))
}

#[utoipa::path(get, path = "/api/v1/accounts", tag = "platform", responses((status = 200, body = AccountList)))]
pub async fn accounts(State(s): State<AppState>, Auth(_p): Auth) -> ApiResult<Json<Items<Account>>> {
    Ok(Json(Items::all(s.app.directory().await?.accounts)))
}

#[utoipa::path(get, path = "/api/v1/projects", tag = "platform", responses((status = 200, body = ProjectList)))]
pub async fn projects(State(s): State<AppState>, Auth(_p): Auth) -> ApiResult<Json<Items<Project>>> {
    Ok(Json(Items::all(s.app.directory().await?.projects)))
}

#[utoipa::path(get, path = "/api/v1/sites", tag = "platform", responses((status = 200, body = SiteList)))]
pub async fn sites(State(s): State<AppState>, Auth(_p): Auth) -> ApiResult<Json<Items<Site>>> {
    Ok(Json(Items::all(s.app.directory().await?.sites)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    pub account_id: Option<String>,
    pub project_id: Option<String>,
    pub site_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog", params(CatalogQuery),
    responses((status = 200, body = CatalogList), (status = 422, body = ErrorBody)))]
pub async fn catalog(State(s): State<AppState>, Auth(_p): Auth, ApiQuery(q): ApiQuery<CatalogQuery>) -> ApiResult<Json<Items<CatalogItem>>> {
    Ok(Json(Items::all(s.app.catalog(q.account_id.as_deref(), q.project_id.as_deref(), q.site_id.as_deref()).await?)))
}

/// A queue message that exhausted its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterView {
    pub message_id: String,
    pub stage: Stage,
    pub job_id: JobId,
    pub connector_id: devportal_domain::ids::ConnectorId,
    pub version: u32,
    pub attempts: u32,
    pub error: String,
    pub dead_at: chrono::DateTime<chrono::Utc>,
}

impl From<DeadLetter> for DeadLetterView {
    fn from(d: DeadLetter) -> Self {
        Self { message_id: d.message_id, stage: d.stage, job_id: d.job_id, connector_id: d.connector_id, version: d.version, attempts: d.attempts, error: d.error, dead_at: d.dead_at }
    }
}

#[utoipa::path(get, path = "/api/v1/dead-letters", tag = "jobs", responses((status = 200, body = DeadLetterList)))]
pub async fn dead_letters(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<DeadLetterView>>> {
    Ok(Json(Items::all(s.app.dead_letters(&p).await?.into_iter().map(Into::into).collect())))
}

/// Schema names of the list answers.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct JobList {
    items: Vec<Job>,
    next_cursor: Option<String>,
}
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TransitionList {
    items: Vec<Transition>,
    next_cursor: Option<String>,
}
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AccountList {
    items: Vec<Account>,
    next_cursor: Option<String>,
}
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProjectList {
    items: Vec<Project>,
    next_cursor: Option<String>,
}
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SiteList {
    items: Vec<Site>,
    next_cursor: Option<String>,
}
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CatalogList {
    items: Vec<CatalogItem>,
    next_cursor: Option<String>,
}
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DeadLetterList {
    items: Vec<DeadLetterView>,
    next_cursor: Option<String>,
}
