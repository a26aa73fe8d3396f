//! `/connectors/{id}/versions/{v}/steps/{step}` and `…/vcs/test`: the setup wizard.

use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::extract::{parse_json, revision, Auth, JsonBytes, StepPath, VersionPath};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use devportal_app::views::{StepView, VcsTestView};
use devportal_app::wizard::StepInput;
use devportal_domain::wizard::auth::{AuthConfig, AuthRegistration, SecretRegistration};
use devportal_domain::wizard::individual::FormFieldInput;
use devportal_domain::wizard::type_specific::{DatasourceCategory, TypeSpecificInput};
use devportal_domain::wizard::vcs::Authorization;
use devportal_domain::wizard::Step;
use serde::Deserialize;
use utoipa::ToSchema;

#[utoipa::path(get, path = "/connectors/{id}/versions/{v}/steps/{step}", tag = "wizard",
    params(StepPath),
    responses((status = 200, body = StepView), (status = 404, body = ErrorBody)))]
pub async fn get_step(State(s): State<AppState>, Auth(p): Auth, StepPath { id, v, step }: StepPath) -> ApiResult<Json<StepView>> {
    Ok(Json(s.app.step(&p, id, v, step).await?))
}

/// `PUT …/steps/vcs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VcsBody {
    pub authorization: Option<Authorization>,
    pub url: Option<String>,
    /// Default `main`.
    pub branch: Option<String>,
    /// Basic authorization only.
    pub username: Option<String>,
    /// Basic authorization only. Write-only: stored as a secret, never returned; omit to keep the stored one.
    pub token: Option<String>,
    pub revision: Option<u64>,
}

/// `PUT …/steps/application`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    pub command: Option<String>,
    pub arguments: Option<String>,
    pub health_check: Option<String>,
    pub revision: Option<u64>,
}

/// `PUT …/steps/auth`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthBody {
    #[serde(default)]
    pub authentications: Vec<AuthRegistration>,
    #[serde(default)]
    pub secrets: Vec<SecretRegistration>,
    pub revision: Option<u64>,
}

/// `PUT …/steps/individual`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndividualBody {
    pub fields: Vec<FormFieldInput>,
    pub revision: Option<u64>,
}

/// `PUT …/steps/type-specific`: which fields apply depends on the connector type.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeSpecificBody {
    /// Datasource.
    pub categories: Option<Vec<DatasourceCategory>>,
    /// Export types.
    pub channels: Option<Vec<String>>,
    pub feedback_file: Option<bool>,
    pub source_column: Option<String>,
    pub target_column: Option<String>,
    pub category_attributes: Option<Vec<String>>,
    /// Data-service: a JSON object.
    #[schema(value_type = Option<Object>)]
    pub settings: Option<serde_json::Value>,
    pub revision: Option<u64>,
}

/// The body of a step `PUT`, by step (documentation only: the path chooses the variant).
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum StepBody {
    Vcs(VcsBody),
    Application(ApplicationBody),
    Auth(AuthBody),
    Individual(IndividualBody),
    TypeSpecific(TypeSpecificBody),
}

#[utoipa::path(put, path = "/connectors/{id}/versions/{v}/steps/{step}", tag = "wizard",
    request_body(content = StepBody, description = "the step's fields; the step is chosen by the path"),
    params(StepPath, ("If-Match" = Option<String>, Header, description = "the version's revision")),
    responses((status = 200, body = StepView), (status = 404, body = ErrorBody), (status = 405, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_step(
    State(s): State<AppState>,
    Auth(p): Auth,
    StepPath { id, v, step }: StepPath,
    headers: HeaderMap,
    JsonBytes(bytes): JsonBytes,
) -> ApiResult<Json<StepView>> {
    let (input, body_revision) = match step {
        Step::Vcs => {
            let b: VcsBody = parse_json(&bytes)?;
            (StepInput::Vcs { authorization: b.authorization, url: b.url, branch: b.branch, username: b.username, token: b.token }, b.revision)
        }
        Step::Application => {
            let b: ApplicationBody = parse_json(&bytes)?;
            (StepInput::Application { command: b.command, arguments: b.arguments, health_check: b.health_check }, b.revision)
        }
        Step::Auth => {
            let b: AuthBody = parse_json(&bytes)?;
            (StepInput::Auth(AuthConfig { authentications: b.authentications, secrets: b.secrets }), b.revision)
        }
        Step::Individual => {
            let b: IndividualBody = parse_json(&bytes)?;
            (StepInput::Individual(b.fields), b.revision)
        }
        Step::TypeSpecific => {
            let b: TypeSpecificBody = parse_json(&bytes)?;
            let input = TypeSpecificInput {
                categories: b.categories,
                channels: b.channels,
                feedback_file: b.feedback_file,
                source_column: b.source_column,
                target_column: b.target_column,
                category_attributes: b.category_attributes,
                settings: b.settings,
            };
            (StepInput::TypeSpecific(input), b.revision)
        }
        Step::Execution | Step::Details => {
            return Err(ApiError::new(ErrorCode::MethodNotAllowed, "the execution step is computed from the other steps and can only be read"))
        }
    };
    let revision = revision(body_revision, &headers)?;
    Ok(Json(s.app.put_step(&p, id, v, input, revision).await?))
}

#[utoipa::path(post, path = "/connectors/{id}/versions/{v}/vcs/test", tag = "wizard",
    params(VersionPath),
    responses((status = 200, body = VcsTestView, description = "`ok` says whether the branch can be read; `reason` why not"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn test_vcs(State(s): State<AppState>, Auth(p): Auth, VersionPath { id, v }: VersionPath) -> ApiResult<Json<VcsTestView>> {
    Ok(Json(s.app.test_vcs(&p, id, v).await?))
}
