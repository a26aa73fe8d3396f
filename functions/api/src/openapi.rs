//! The OpenAPI 3.1 document, generated from the handlers' annotations and the types'
//! schemas, served without authentication at `/api/v1/openapi.json`.

use crate::error::ErrorBody;
use crate::routes::{connectors, identity, wizard};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Dev Portal API", version = "1", description = "Create, configure, build, deploy, monitor and release connectors."),
    paths(
        identity::me, identity::create_token, identity::list_tokens, identity::revoke_token, identity::create_user,
        identity::list_organizations, identity::create_organization, identity::add_member,
        connectors::create, connectors::list, connectors::get, connectors::edit, connectors::list_versions,
        connectors::get_version,
        wizard::get_step, wizard::put_step, wizard::test_vcs,
    ),
    components(schemas(ErrorBody, identity::TokenList, identity::OrganizationList, connectors::ConnectorPage,
        connectors::VersionList)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "identity"), (name = "connectors"), (name = "versions"), (name = "wizard"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

pub async fn serve() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}
