//! Identity and tenancy through the API: tokens, users, organizations, membership, and
//! the rule that a user sees only the connectors of their organizations.

use devportal_tests::{Portal, ADMIN_TOKEN};
use serde_json::json;

#[tokio::test]
async fn me_shows_the_bootstrap_admin_and_its_organization() {
    let portal = Portal::start().await;
    let me = portal.admin().get("/me").await.expect(200);
    assert_eq!(me["user"]["email"], "admin@localhost");
    assert_eq!(me["user"]["platform_admin"], true);
    let orgs = me["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0]["role"], "admin");
}

#[tokio::test]
async fn every_api_request_needs_a_valid_bearer_token() {
    let portal = Portal::start().await;
    let answer = portal.anonymous().get("/me").await;
    assert_eq!(answer.headers.get("www-authenticate").unwrap(), "Bearer");
    answer.expect_error(401, "unauthenticated");
    portal.as_user("not-a-real-token-at-all-000000").get("/connectors").await.expect_error(401, "unauthenticated");
    portal.anonymous().post("/connectors", json!({"name": "x", "type": "upload"})).await.expect_error(401, "unauthenticated");
    // The OpenAPI document and the static site are public.
    let doc = portal.http.get(portal.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(doc.status(), 200);
    let site = portal.http.get(portal.url("/")).send().await.unwrap();
    assert_eq!(site.status(), 200);
    assert!(site.text().await.unwrap().contains("Dev Portal"));
}

#[tokio::test]
async fn tokens_are_shown_once_listed_without_secrets_and_revocable() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let created = admin.post("/tokens", json!({"name": "ci"})).await.expect(201);
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("dpt_"));
    let ci = portal.as_user(&token);
    assert_eq!(ci.get("/me").await.expect(200)["token_id"], created["id"]);

    let list = admin.get("/tokens").await;
    assert!(!list.text.contains(&token), "a listed token never shows its secret");
    let items = list.body["items"].as_array().unwrap().clone();
    assert!(items.iter().any(|t| t["id"] == created["id"] && t["name"] == "ci"));
    assert!(items.iter().all(|t| t.get("token").is_none() && t.get("hash").is_none()));

    admin.delete(&format!("/tokens/{}", created["id"].as_str().unwrap())).await.expect(204);
    ci.get("/me").await.expect_error(401, "unauthenticated");
    admin.delete(&format!("/tokens/{}", created["id"].as_str().unwrap())).await.expect_error(404, "not_found");
}

#[tokio::test]
async fn only_platform_admins_create_users_and_emails_are_unique() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let created = admin.post("/users", json!({"email": "Dev@Example.com", "name": "Dev"})).await.expect(201);
    assert_eq!(created["user"]["email"], "dev@example.com");
    assert_eq!(created["user"]["platform_admin"], false);
    let dev = portal.as_user(created["token"].as_str().unwrap());
    assert_eq!(dev.get("/me").await.expect(200)["organizations"], json!([]));

    dev.post("/users", json!({"email": "x@example.com", "name": "X"})).await.expect_error(403, "forbidden");
    let dup = admin.post("/users", json!({"email": "dev@example.com", "name": "Again"})).await.expect_error(422, "validation_failed");
    assert_eq!(dup["fields"][0]["field"], "email");
    let bad = admin.post("/users", json!({"email": "nope", "name": ""})).await.expect_error(422, "validation_failed");
    let fields: Vec<_> = bad["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect();
    assert_eq!(fields, ["email", "name"]);
}

#[tokio::test]
async fn organization_admins_add_members_who_then_see_the_organizations_connectors() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let user = admin.post("/users", json!({"email": "member@example.com", "name": "M"})).await.expect(201);
    let member = portal.as_user(user["token"].as_str().unwrap());
    let org = admin.get("/organizations").await.expect(200)["items"][0].clone();
    let org_id = org["id"].as_str().unwrap();
    let connector = admin.create_connector("Shared", "upload").await;
    let path = format!("/connectors/{}", connector["id"].as_str().unwrap());

    member.get(&path).await.expect_error(404, "not_found");
    // A non-member cannot learn the organization exists.
    member.post(&format!("/organizations/{org_id}/members"), json!({"email": "member@example.com"})).await.expect_error(404, "not_found");

    let added = admin.post(&format!("/organizations/{org_id}/members"), json!({"email": "member@example.com"})).await.expect(201);
    assert_eq!(added["role"], "member");
    admin.post(&format!("/organizations/{org_id}/members"), json!({"email": "member@example.com"})).await.expect_error(409, "already_exists");
    admin.post(&format!("/organizations/{org_id}/members"), json!({"email": "ghost@example.com"})).await.expect_error(422, "validation_failed");
    assert_eq!(member.get(&path).await.expect(200)["name"], "Shared");
    // Members are not admins: they cannot add others.
    member.post(&format!("/organizations/{org_id}/members"), json!({"email": "admin@localhost"})).await.expect_error(403, "forbidden");
}

#[tokio::test]
async fn a_second_organization_sees_nothing_of_the_first() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let first = admin.create_connector("Private", "datasource").await;
    let id = first["id"].as_str().unwrap();

    let other_user = admin.post("/users", json!({"email": "other@example.com", "name": "O"})).await.expect(201);
    let other = portal.as_user(other_user["token"].as_str().unwrap());
    let org = other.post("/organizations", json!({"name": "Other Inc"})).await.expect(201);
    assert_eq!(org["role"], "admin");
    let theirs = other.create_connector("Theirs", "export").await;

    let list = other.get("/connectors").await.expect(200);
    let names: Vec<_> = list["items"].as_array().unwrap().iter().map(|c| c["name"].clone()).collect();
    assert_eq!(names, [json!("Theirs")]);
    for path in [
        format!("/connectors/{id}"),
        format!("/connectors/{id}/versions"),
        format!("/connectors/{id}/versions/1"),
        format!("/connectors/{id}/versions/1/steps/vcs"),
        format!("/connectors/{id}/versions/1/steps/execution"),
    ] {
        other.get(&path).await.expect_error(404, "not_found");
    }
    other.patch(&format!("/connectors/{id}"), json!({"name": "hijack", "revision": 1})).await.expect_error(404, "not_found");
    other.put(&format!("/connectors/{id}/versions/1/steps/application"), json!({"command": "evil"})).await.expect_error(404, "not_found");
    other.post(&format!("/connectors/{id}/versions/1/vcs/test"), json!({})).await.expect_error(404, "not_found");
    // Filtering by the other organization as owner yields nothing either.
    let owner = first["owner"].as_str().unwrap();
    assert_eq!(other.get(&format!("/connectors?owner={owner}")).await.expect(200)["items"], json!([]));
    // Creating a connector owned by an organization one is not in is refused by field.
    let e = other.post("/connectors", json!({"name": "x", "type": "upload", "owner": owner})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "owner");

    // The admin, for its part, does not see the other organization's connector.
    admin.get(&format!("/connectors/{}", theirs["id"].as_str().unwrap())).await.expect_error(404, "not_found");
    assert_eq!(admin.get(&format!("/connectors/{id}")).await.expect(200)["name"], "Private");
    let _ = ADMIN_TOKEN;
}

#[tokio::test]
async fn a_user_in_several_organizations_must_choose_the_owner() {
    let portal = Portal::start().await;
    let admin = portal.admin();
    let second = admin.post("/organizations", json!({"name": "Second"})).await.expect(201);
    let e = admin.post("/connectors", json!({"name": "x", "type": "upload"})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "owner");
    let c = admin.post("/connectors", json!({"name": "x", "type": "upload", "owner": second["id"]})).await.expect(201);
    assert_eq!(c["owner"], second["id"]);
}
