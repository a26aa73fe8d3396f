//! Connectors through the API: create, list with filters and cursors, read, edit details
//! with revisions, locked fields, and versions addressed by number, `latest` and `main`.

use devportal_tests::{Client, Portal};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn create_answers_the_connector_with_defaults_and_version_one() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let a = c.post("/connectors", json!({"name": "  Shopify  ", "type": "datasource", "description": "Shop data"})).await;
    let location = a.headers.get("location").unwrap().to_str().unwrap().to_string();
    let conn = a.expect(201);
    assert_eq!(conn["name"], "Shopify");
    assert_eq!(conn["flow"], "default");
    assert_eq!(conn["execution_mode"], "env");
    assert_eq!(conn["revision"], 1);
    assert_eq!(conn["main_version"], Value::Null);
    assert_eq!(location, format!("/api/v1/connectors/{}", conn["id"].as_str().unwrap()));
    let versions = c.get(&format!("/connectors/{}/versions", conn["id"].as_str().unwrap())).await.expect(200);
    let items = versions["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["number"], 1);
    assert_eq!(items[0]["state"], "created");
}

#[tokio::test]
async fn versions_are_addressed_by_number_latest_and_main() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let conn = c.create_connector("V", "upload").await;
    let id = conn["id"].as_str().unwrap();
    assert_eq!(c.get(&format!("/connectors/{id}/versions/1")).await.expect(200)["number"], 1);
    assert_eq!(c.get(&format!("/connectors/{id}/versions/latest")).await.expect(200)["number"], 1);
    let e = c.get(&format!("/connectors/{id}/versions/main")).await.expect_error(404, "not_found");
    assert!(e["message"].as_str().unwrap().contains("main version"));
    c.get(&format!("/connectors/{id}/versions/2")).await.expect_error(404, "not_found");
    let e = c.get(&format!("/connectors/{id}/versions/v1")).await.expect_error(400, "invalid_path_parameter");
    assert_eq!(e["fields"][0]["field"], "v");
    c.get(&format!("/connectors/{id}/versions/0")).await.expect_error(400, "invalid_path_parameter");
    // Path segments are read percent-decoded, as a client library may encode them.
    assert_eq!(c.get(&format!("/connectors/{id}/versions/%6Catest")).await.expect(200)["number"], 1);
    let encoded_id = id.replacen('-', "%2D", 1);
    assert_eq!(c.get(&format!("/connectors/{encoded_id}/versions/%31")).await.expect(200)["number"], 1);
}

#[tokio::test]
async fn lists_filter_and_page_with_an_opaque_cursor() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let mut created = vec![];
    for (i, t) in ["datasource", "export", "datasource", "upload", "datasource", "export", "download"].iter().enumerate() {
        let name = if i % 2 == 0 { format!("Alpha {i}") } else { format!("Beta {i}") };
        created.push(c.create_connector(&name, t).await["id"].as_str().unwrap().to_string());
    }
    // Pages of 3 walk every connector once, oldest first.
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/connectors?limit=3&cursor={cur}"),
            None => "/connectors?limit=3".to_string(),
        };
        let page = c.get(&path).await.expect(200);
        pages += 1;
        seen.extend(page["items"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        assert!(pages < 10, "pagination ends");
    }
    assert_eq!(seen, created);
    assert_eq!(pages, 3);

    let names = |v: Value| -> Vec<String> { v["items"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect() };
    assert_eq!(names(c.get("/connectors?type=datasource").await.expect(200)), ["Alpha 0", "Alpha 2", "Alpha 4"]);
    assert_eq!(names(c.get("/connectors?name=beta").await.expect(200)), ["Beta 1", "Beta 3", "Beta 5"]);
    assert_eq!(names(c.get("/connectors?name=ALPHA&type=download").await.expect(200)), ["Alpha 6"]);
    assert_eq!(c.get("/connectors?released=true").await.expect(200)["items"], json!([]));
    assert_eq!(c.get("/connectors?released=false").await.expect(200)["items"].as_array().unwrap().len(), 7);
    let owner = c.get("/organizations").await.expect(200)["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(c.get(&format!("/connectors?owner={owner}")).await.expect(200)["items"].as_array().unwrap().len(), 7);

    c.get("/connectors?cursor=garbage").await.expect_error(422, "validation_failed");
    c.get("/connectors?limit=0").await.expect_error(422, "validation_failed");
    c.get("/connectors?limit=201").await.expect_error(422, "validation_failed");
    let e = c.get("/connectors?limit=abc").await.expect_error(400, "invalid_query_parameter");
    assert_eq!(e["fields"][0]["field"], "limit");
    c.get("/connectors?type=robot").await.expect_error(400, "invalid_query_parameter");
    c.get("/connectors?owner=not-a-uuid").await.expect_error(400, "invalid_query_parameter");
    c.get("/connectors?colour=red").await.expect_error(400, "invalid_query_parameter");
}

#[tokio::test]
async fn details_edits_need_the_current_revision() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let conn = c.create_connector("Old", "upload").await;
    let path = format!("/connectors/{}", conn["id"].as_str().unwrap());
    let e = c.patch(&path, json!({"name": "New"})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "revision");
    let edited = c.patch(&path, json!({"name": "New", "readme": "# Hello", "revision": 1})).await.expect(200);
    assert_eq!(edited["revision"], 2);
    assert_eq!(edited["readme"], "# Hello");
    let stale = c.patch(&path, json!({"name": "Newer", "revision": 1})).await.expect_error(409, "stale_revision");
    assert_eq!(stale["current_revision"], 2);
    // If-Match carries the revision as well.
    let a = Client::answer(
        c.raw(Method::PATCH, &format!("/connectors/{}", conn["id"].as_str().unwrap()))
            .header("If-Match", "\"2\"")
            .json(&json!({"description": "via if-match"})),
    )
    .await;
    assert_eq!(a.expect(200)["revision"], 3);
    let got = c.get(&path).await.expect(200);
    assert_eq!((got["name"].as_str(), got["description"].as_str()), (Some("New"), Some("via if-match")));
}

#[tokio::test]
async fn locked_fields_are_refused_by_name_and_nothing_changes() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let conn = c.create_connector("Locked", "datasource").await;
    let path = format!("/connectors/{}", conn["id"].as_str().unwrap());
    for (field, value) in
        [("type", json!("export")), ("flow", json!("migration")), ("execution_mode", json!("options")), ("owner", json!(uuid::Uuid::nil()))]
    {
        let e = c.patch(&path, json!({field: value, "name": "Changed", "revision": 1})).await.expect_error(422, "validation_failed");
        assert_eq!(e["fields"][0]["field"], field);
        assert_eq!(e["fields"][0]["code"], "locked");
    }
    assert_eq!(c.get(&path).await.expect(200), conn);
}

#[tokio::test]
async fn concurrent_edits_with_the_same_revision_yield_exactly_one_conflict() {
    let portal = Portal::start().await;
    let c = portal.admin();
    for round in 0..5 {
        let conn = c.create_connector(&format!("Race {round}"), "upload").await;
        let path = format!("/connectors/{}", conn["id"].as_str().unwrap());
        let (a, b) = tokio::join!(c.patch(&path, json!({"name": "A", "revision": 1})), c.patch(&path, json!({"name": "B", "revision": 1})));
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: {} / {}", a.text, b.text);
        let winner = if a.status == 200 { "A" } else { "B" };
        let now = c.get(&path).await.expect(200);
        assert_eq!((now["name"].as_str().unwrap(), now["revision"].as_u64().unwrap()), (winner, 2));

        // Two concurrent wizard saves guarded by the same version revision: one wins.
        let step = format!("{path}/versions/1/steps/application");
        let (a, b) = tokio::join!(c.put(&step, json!({"command": "one", "revision": 1})), c.put(&step, json!({"command": "two", "revision": 1})));
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: {} / {}", a.text, b.text);
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_leaves_data_unchanged() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let conn = c.create_connector("Stable", "datasource").await;
    let id = conn["id"].as_str().unwrap();
    let path = format!("/connectors/{id}");
    let snapshot = |c: Client, id: String| async move {
        (
            c.get(&format!("/connectors/{id}")).await.expect(200),
            c.get(&format!("/connectors/{id}/versions/1")).await.expect(200),
            c.get("/connectors").await.expect(200),
        )
    };
    let before = snapshot(c.clone(), id.to_string()).await;

    // Malformed JSON, truncated JSON, trailing garbage.
    for body in ["{", "{\"name\": }", "{\"name\": \"x\", \"revision\": 1} trailing", ""] {
        let a = Client::answer(c.raw(Method::PATCH, &path).header("content-type", "application/json").body(body.to_string())).await;
        a.expect_error(400, "malformed_json");
    }
    // Wrong or missing content type.
    for ct in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let mut req = c.raw(Method::PATCH, &path).body("{\"name\":\"x\",\"revision\":1}");
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        Client::answer(req).await.expect_error(415, "unsupported_media_type");
    }
    // Unknown fields and wrong types name the field.
    let e = c.patch(&path, json!({"nmae": "typo", "revision": 1})).await.expect_error(422, "invalid_body");
    assert_eq!(e["fields"][0]["field"], "nmae");
    let e = c.patch(&path, json!({"name": 42, "revision": 1})).await.expect_error(422, "invalid_body");
    assert_eq!(e["fields"][0]["field"], "name");
    let e = c.patch(&path, json!({"name": "x", "revision": "one"})).await.expect_error(422, "invalid_body");
    assert_eq!(e["fields"][0]["field"], "revision");
    let e = c.post("/connectors", json!({"name": "x", "type": "robot"})).await.expect_error(422, "invalid_body");
    assert_eq!(e["fields"][0]["field"], "type");
    let e = c.post("/connectors", json!({})).await.expect_error(422, "validation_failed");
    let fields: Vec<_> = e["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "type"]);
    c.post("/connectors", json!([1, 2])).await.expect_error(422, "invalid_body");
    // Oversize bodies.
    let huge = json!({"readme": "x".repeat(300 * 1024), "revision": 1});
    c.patch(&path, huge).await.expect_error(413, "payload_too_large");
    let long = json!({"readme": "x".repeat(100_001), "revision": 1});
    let e = c.patch(&path, long).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "readme");
    // Bad path parameters, unknown routes and methods.
    c.get("/connectors/not-a-uuid").await.expect_error(400, "invalid_path_parameter");
    c.get(&format!("/connectors/{}", uuid::Uuid::new_v4())).await.expect_error(404, "not_found");
    c.get("/nowhere").await.expect_error(404, "not_found");
    c.send(Method::DELETE, "/connectors", None).await.expect_error(405, "method_not_allowed");
    // Control characters in a name.
    let e = c.patch(&path, json!({"name": "bad\u{0007}name", "revision": 1})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "name");

    let after = snapshot(c.clone(), id.to_string()).await;
    assert_eq!(before, after);
}
