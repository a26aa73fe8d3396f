//! Every create honours `Idempotency-Key` (automation retries what it posts): a retry with the
//! same key and body answers 200 with what the first request made and makes nothing new;
//! another body under the same key is refused naming the header; concurrent retries make one
//! resource; keys belong to their user; secrets shown once stay shown once.

use devportal_tests::{Answer, Client, Portal};
use reqwest::Method;
use serde_json::{json, Value};

async fn post_keyed(c: &Client, path: &str, body: Option<Value>, key: &str) -> Answer {
    let mut req = c.raw(Method::POST, path).header("Idempotency-Key", key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    Client::answer(req).await
}

fn count(list: &Value) -> usize {
    list["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_retried_create_answers_what_the_first_made_and_makes_nothing_new() {
    let portal = Portal::start().await;
    let c = portal.admin();

    // Connectors.
    let body = json!({"name": "Keyed", "type": "upload"});
    let first = post_keyed(&c, "/connectors", Some(body.clone()), "create-1").await.expect(201);
    let again = post_keyed(&c, "/connectors", Some(body.clone()), "create-1").await.expect(200);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(count(&c.get("/connectors").await.expect(200)), 1, "one connector for one key");
    let reused = post_keyed(&c, "/connectors", Some(json!({"name": "Other", "type": "upload"})), "create-1").await;
    let e = reused.expect_error(422, "validation_failed");
    assert_eq!((e["fields"][0]["field"].as_str(), e["fields"][0]["code"].as_str()), (Some("Idempotency-Key"), Some("idempotency_key_reused")));
    // Without a key, two posts are two connectors.
    c.post("/connectors", json!({"name": "Unkeyed", "type": "upload"})).await.expect(201);
    c.post("/connectors", json!({"name": "Unkeyed", "type": "upload"})).await.expect(201);
    assert_eq!(count(&c.get("/connectors").await.expect(200)), 3);

    // Copies and versions (no body).
    let id = first["id"].as_str().unwrap();
    let copy = post_keyed(&c, &format!("/connectors/{id}/copy"), None, "copy-1").await.expect(201);
    assert_eq!(post_keyed(&c, &format!("/connectors/{id}/copy"), None, "copy-1").await.expect(200)["id"], copy["id"]);
    let v2 = post_keyed(&c, &format!("/connectors/{id}/versions"), None, "version-1").await.expect(201);
    let v2_again = post_keyed(&c, &format!("/connectors/{id}/versions"), None, "version-1").await.expect(200);
    assert_eq!((v2["number"].clone(), v2_again["number"].clone()), (json!(2), json!(2)));
    assert_eq!(count(&c.get(&format!("/connectors/{id}/versions")).await.expect(200)), 2, "versions 1 and 2 only");
    assert_eq!(post_keyed(&c, &format!("/connectors/{id}/versions"), None, "version-2").await.expect(201)["number"], 3);

    // Organizations.
    let org = post_keyed(&c, "/organizations", Some(json!({"name": "Keyed org"})), "org-1").await.expect(201);
    assert_eq!(post_keyed(&c, "/organizations", Some(json!({"name": "Keyed org"})), "org-1").await.expect(200)["id"], org["id"]);
    let orgs = c.get("/organizations").await.expect(200);
    assert_eq!(orgs["items"].as_array().unwrap().iter().filter(|o| o["name"] == "Keyed org").count(), 1);

    // Tokens: the retry answers the token, not its secret (only its hash is stored).
    let before = count(&c.get("/tokens").await.expect(200));
    let token = post_keyed(&c, "/tokens", Some(json!({"name": "ci"})), "token-1").await.expect(201);
    assert!(token["token"].as_str().is_some_and(|t| !t.is_empty()));
    let replay = post_keyed(&c, "/tokens", Some(json!({"name": "ci"})), "token-1").await.expect(200);
    assert_eq!(replay["id"], token["id"]);
    assert!(replay.get("token").is_none(), "the secret is shown once: {replay}");
    assert_eq!(count(&c.get("/tokens").await.expect(200)), before + 1);
    portal.as_user(token["token"].as_str().unwrap()).get("/me").await.expect(200);

    // Users: likewise without the first token.
    let user = post_keyed(&c, "/users", Some(json!({"email": "keyed@example.com", "name": "Keyed"})), "user-1").await.expect(201);
    let replay = post_keyed(&c, "/users", Some(json!({"email": "keyed@example.com", "name": "Keyed"})), "user-1").await.expect(200);
    assert_eq!(replay["user"]["id"], user["user"]["id"]);
    assert!(replay.get("token").is_none(), "{replay}");

    // A key that is no key.
    for bad in ["", "has space", &"k".repeat(201)] {
        let e = post_keyed(&c, "/connectors", Some(json!({"name": "Bad key", "type": "upload"})), bad).await.expect_error(422, "validation_failed");
        assert_eq!(e["fields"][0]["field"], "Idempotency-Key", "{bad:?}");
    }
    assert_eq!(count(&c.get("/connectors?limit=200").await.expect(200)), 4, "nothing made by a refused request");
}

#[tokio::test]
async fn concurrent_retries_make_one_resource_and_keys_belong_to_their_user() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let body = json!({"name": "Raced", "type": "upload"});
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (c, body) = (c.clone(), body.clone());
        racers.spawn(async move { post_keyed(&c, "/connectors", Some(body), "race-1").await });
    }
    let answers = racers.join_all().await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "exactly one made it: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 200), "{statuses:?}");
    let ids: std::collections::BTreeSet<String> = answers.iter().map(|a| a.body["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 1, "every answer names the same connector");
    assert_eq!(count(&c.get("/connectors").await.expect(200)), 1);

    // Another user with the same key makes their own.
    let created = c.post("/users", json!({"email": "other@example.com", "name": "Other"})).await.expect(201);
    let other = portal.as_user(created["token"].as_str().unwrap());
    let org = other.post("/organizations", json!({"name": "Other org"})).await.expect(201);
    let theirs = post_keyed(&other, "/connectors", Some(json!({"name": "Raced", "type": "upload", "owner": org["id"]})), "race-1").await.expect(201);
    assert!(!ids.contains(theirs["id"].as_str().unwrap()));
}
