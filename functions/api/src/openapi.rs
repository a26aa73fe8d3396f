//! The OpenAPI 3.1 document, generated from the handlers' annotations and the types'
//! schemas, served without authentication at `/api/v1/openapi.json`.

use crate::error::ErrorBody;
use crate::routes::{connectors, directory, identity, lifecycle, pipeline, runs, vault};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// What the document holds besides its operations: its description, the list schemas, the
/// security scheme and the tags.
#[derive(OpenApi)]
#[openapi(
    info(title = "Dev Portal API", version = "1", description = "Create, configure, build, deploy, monitor and release connectors."),
    components(schemas(ErrorBody, identity::TokenList, identity::OrganizationList, connectors::ConnectorPage,
        connectors::VersionList, pipeline::JobList, pipeline::TransitionList, directory::AccountList, directory::ProjectList,
        directory::SiteList, directory::CatalogList, pipeline::DeadLetterList, lifecycle::ReleaseList, runs::RunPage, runs::StdioPage,
        runs::OutputPage, vault::VaultList)),
    security(("bearer" = [])),
    tags((name = "identity"), (name = "connectors"), (name = "versions"), (name = "wizard"), (name = "pipeline"), (name = "jobs"),
        (name = "history"), (name = "platform"), (name = "catalog"), (name = "bin"), (name = "runs"), (name = "vault"))
)]
pub struct ApiDoc;

/// The vault's wildcard routes, routed by hand in [`crate::api_routes`].
#[derive(OpenApi)]
#[openapi(paths(vault::put, vault::delete))]
struct VaultDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// Errors every operation can answer (authentication, malformed input, limits, outages),
/// added to each operation so the document lists every status the API really gives.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, ResponseBuilder};
        let error = |description: &str| -> RefOr<utoipa::openapi::Response> {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new().schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody"))).build(),
                    )
                    .build(),
            )
        };
        // A step's data is one of several shapes that may overlap (e.g. `null`): `anyOf`, not `oneOf`.
        if let Some(components) = openapi.components.as_mut() {
            if let Some(RefOr::T(utoipa::openapi::schema::Schema::OneOf(one))) = components.schemas.get("StepData") {
                let mut any = utoipa::openapi::schema::AnyOfBuilder::new();
                for item in one.items.clone() {
                    any = any.item(item);
                }
                components.schemas.insert("StepData".into(), RefOr::T(utoipa::openapi::schema::Schema::AnyOf(any.build())));
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
                let has_body = op.request_body.is_some();
                let responses = &mut op.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses.entry(status.to_string()).or_insert_with(|| error(description));
                };
                add("400", "a malformed path or query parameter, or malformed JSON");
                add("401", "missing or unknown bearer token");
                add("500", "the portal failed; nothing internal is revealed");
                add("503", "a dependency is busy; try again");
                if has_body {
                    add("413", "the body is larger than the limit");
                    add("415", "the body is not `application/json`");
                    add("422", "the body does not have the documented shape, or a field breaks a rule");
                }
            }
        }
    }
}

/// The document, built once: the routes' operations under `/api/v1`, then what every
/// operation shares.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let (_, routes) = crate::api_routes().split_for_parts();
        let mut doc = ApiDoc::openapi().merge_from(routes).nest(crate::API_BASE, VaultDoc::openapi());
        BearerAuth.modify(&mut doc);
        CommonErrors.modify(&mut doc);
        doc
    })
}

pub async fn serve() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}
