//! The release pipeline: triggers (`build`, `sync-*`, `access`, `release`, `unrelease`) that
//! answer 202 with the background job, jobs and their live logs, cancel and retry, the
//! state history, the platform directory, the catalog and dead-lettered messages.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{idempotency_key, ApiQuery, Auth, JobPath, OptionalJson, VersionPath};
use crate::routes::{list_schema, Items};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use devportal_app::views::JobView;
use devportal_domain::identity::Principal;
use devportal_domain::page::{decode_cursor, encode_cursor};
use devportal_domain::pipeline::{AccessChange, JobId, JobParams, LogLine, Stage, Targets, Transition};
use devportal_domain::ports::DeadLetter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

async fn trigger(s: &AppState, p: &Principal, path: VersionPath, headers: &HeaderMap, job: JobParams) -> ApiResult<(StatusCode, Json<JobView>)> {
    let VersionPath { id, v } = path;
    let key = idempotency_key(headers)?;
    let (job, created) = s.app.start_stage(p, id, v, job, key.as_deref()).await?;
    Ok((if created { StatusCode::ACCEPTED } else { StatusCode::OK }, Json(s.app.public_job(job))))
}

/// An empty body (or `{}`) for triggers that take no parameters.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

macro_rules! simple_trigger {
    ($name:ident, $path:literal, $params:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "pipeline",
            params(VersionPath,
                ("Idempotency-Key" = Option<String>, Header, description = "a repeated key answers the original job")),
            request_body(content = Option<NoParams>, description = "none, or `{}`"),
            responses((status = 202, body = JobView, description = "the job was started"), (status = 200, body = JobView, description = "the Idempotency-Key was used before: the original job"),
                (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub async fn $name(
            State(s): State<AppState>,
            Auth(p): Auth,
            path: VersionPath,
            headers: HeaderMap,
            OptionalJson(_body): OptionalJson<NoParams>,
        ) -> ApiResult<(StatusCode, Json<JobView>)> {
            trigger(&s, &p, path, &headers, $params).await
        }
    };
}

simple_trigger!(build, "/connectors/{id}/versions/{v}/build", JobParams::Build, "Build the image from Git.");
simple_trigger!(sync_runtime, "/connectors/{id}/versions/{v}/sync-runtime", JobParams::SyncRuntime, "Register the image with the runtime.");
simple_trigger!(sync_dev, "/connectors/{id}/versions/{v}/sync-dev", JobParams::SyncDev, "Deploy to the version's dev site.");
simple_trigger!(
    release,
    "/connectors/{id}/versions/{v}/release",
    JobParams::Access { change: AccessChange::Release },
    "Release globally within the production targets."
);
simple_trigger!(unrelease, "/connectors/{id}/versions/{v}/unrelease", JobParams::Access { change: AccessChange::Unrelease }, "Hide from new users.");

/// `POST …/sync-prod`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncProdBody {
    /// The scope the production release may be used in.
    pub targets: Targets,
}

#[utoipa::path(post, path = "/connectors/{id}/versions/{v}/sync-prod", tag = "pipeline", request_body = SyncProdBody,
    params(VersionPath, ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = JobView), (status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn sync_prod(
    State(s): State<AppState>,
    Auth(p): Auth,
    path: VersionPath,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<SyncProdBody>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let targets = body.map(|b| b.targets).unwrap_or_default();
    trigger(&s, &p, path, &headers, JobParams::SyncProd { targets }).await
}

#[utoipa::path(put, path = "/connectors/{id}/versions/{v}/access", tag = "pipeline", request_body = Targets,
    params(VersionPath, ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = JobView), (status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn access(
    State(s): State<AppState>,
    Auth(p): Auth,
    path: VersionPath,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<AccessBody>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let b = body.unwrap_or_default();
    let grants = Targets { accounts: b.accounts, projects: b.projects, sites: b.sites };
    trigger(&s, &p, path, &headers, JobParams::Access { change: AccessChange::Grant { grants } }).await
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

#[utoipa::path(get, path = "/connectors/{id}/versions/{v}/jobs", tag = "jobs",
    params(VersionPath),
    responses((status = 200, body = JobList), (status = 404, body = ErrorBody)))]
pub async fn list_jobs(State(s): State<AppState>, Auth(p): Auth, VersionPath { id, v }: VersionPath) -> ApiResult<Json<Items<JobView>>> {
    Ok(Json(Items::all(s.app.jobs(&p, id, v).await?)))
}

#[utoipa::path(get, path = "/jobs/{job}", tag = "jobs", params(JobPath),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody)))]
pub async fn get_job(State(s): State<AppState>, Auth(p): Auth, JobPath { job }: JobPath) -> ApiResult<Json<JobView>> {
    Ok(Json(s.app.public_job(s.app.job(&p, job).await?)))
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

#[utoipa::path(get, path = "/jobs/{job}/log", tag = "jobs", params(JobPath, LogQuery),
    responses((status = 200, body = JobLogPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn job_log(
    State(s): State<AppState>,
    Auth(p): Auth,
    JobPath { job: id }: JobPath,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<JobLogPage>> {
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
            return Err(devportal_app::AppError::from(devportal_domain::ValidationErrors::single(
                "limit",
                "out_of_range",
                "`limit` must be between 1 and 1000",
            ))
            .into())
        }
    };
    let (job, items) = s.app.job_log(&p, id, after, limit).await?;
    let last = items.last().map(|l| l.seq).or(after);
    let exhausted = items.len() < limit;
    let next_cursor = if job.status.is_finished() && exhausted { None } else { Some(encode_cursor(&last.unwrap_or(0).to_string())) };
    Ok(Json(JobLogPage { items, next_cursor, job_status: job.status }))
}

#[utoipa::path(post, path = "/jobs/{job}/cancel", tag = "jobs", params(JobPath),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_job(State(s): State<AppState>, Auth(p): Auth, JobPath { job }: JobPath) -> ApiResult<Json<JobView>> {
    Ok(Json(s.app.public_job(s.app.cancel_job(&p, job).await?)))
}

#[utoipa::path(post, path = "/jobs/{job}/retry", tag = "jobs", params(JobPath),
    responses((status = 202, body = JobView, description = "a new job for the same step"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn retry_job(State(s): State<AppState>, Auth(p): Auth, JobPath { job }: JobPath) -> ApiResult<(StatusCode, Json<JobView>)> {
    Ok((StatusCode::ACCEPTED, Json(s.app.public_job(s.app.retry_job(&p, job).await?))))
}

#[utoipa::path(get, path = "/connectors/{id}/versions/{v}/transitions", tag = "history",
    params(VersionPath),
    responses((status = 200, body = TransitionList), (status = 404, body = ErrorBody)))]
pub async fn transitions(State(s): State<AppState>, Auth(p): Auth, VersionPath { id, v }: VersionPath) -> ApiResult<Json<Items<Transition>>> {
    Ok(Json(Items::all(s.app.transitions(&p, id, v).await?)))
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
        Self {
            message_id: d.message_id,
            stage: d.stage,
            job_id: d.job_id,
            connector_id: d.connector_id,
            version: d.version,
            attempts: d.attempts,
            error: d.error,
            dead_at: d.dead_at,
        }
    }
}

#[utoipa::path(get, path = "/dead-letters", tag = "jobs", responses((status = 200, body = DeadLetterList)))]
pub async fn dead_letters(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Items<DeadLetterView>>> {
    Ok(Json(Items::all(s.app.dead_letters(&p).await?.into_iter().map(Into::into).collect())))
}

list_schema!(JobList of JobView);
list_schema!(TransitionList of Transition);
list_schema!(DeadLetterList of DeadLetterView);
