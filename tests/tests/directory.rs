//! The platform directory and the catalog, black-box: platform admins fill the directory
//! (`POST /accounts`, `/projects`, `/sites`; a deployed stack's starts empty) with every
//! rule named in the error, others are refused; a release targets the new records, and the
//! catalog of a site, project or account answers page by page, each release once, and stops
//! listing a release at a place its version's next production release no longer targets.

use devportal_tests::connector_fixtures::good_repo;
use devportal_tests::Portal;
use serde_json::{json, Value};

fn ids(items: &Value) -> Vec<String> {
    items.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn platform_admins_fill_the_directory_and_every_rule_is_named() {
    let portal = Portal::start().await;
    let admin = portal.admin();

    let account = admin.post("/accounts", json!({"id": "initech", "name": " Initech "})).await.expect(201);
    assert_eq!(account, json!({"id": "initech", "name": "Initech"}));
    let project = admin.post("/projects", json!({"id": "initech-web", "account_id": "initech", "name": "Web shop"})).await.expect(201);
    assert_eq!(project["account_id"], "initech");
    let site = admin.post("/sites", json!({"id": "initech-live", "project_id": "initech-web", "name": "Live"})).await.expect(201);
    assert_eq!((site["account_id"].as_str(), site["kind"].as_str()), (Some("initech"), Some("production")), "{site}");
    assert!(ids(&admin.get("/accounts").await.expect(200)["items"]).contains(&"initech".to_string()));
    assert!(ids(&admin.get("/projects").await.expect(200)["items"]).contains(&"initech-web".to_string()));
    assert!(ids(&admin.get("/sites").await.expect(200)["items"]).contains(&"initech-live".to_string()));

    // Each rule, named by field and code; nothing is written.
    let field = |answer: Value| (answer["fields"][0]["field"].clone(), answer["fields"][0]["code"].clone());
    let taken = admin.post("/accounts", json!({"id": "initech", "name": "Again"})).await.expect_error(422, "validation_failed");
    assert_eq!(field(taken), (json!("id"), json!("taken")));
    for bad in ["Initech", "-x", "x", "a_b", &"a".repeat(64)] {
        let answer = admin.post("/accounts", json!({"id": bad, "name": "X"})).await.expect_error(422, "validation_failed");
        assert_eq!(field(answer), (json!("id"), json!("invalid_id")), "id {bad:?}");
    }
    for reserved in ["dev", "dev-mine"] {
        let answer = admin.post("/accounts", json!({"id": reserved, "name": "X"})).await.expect_error(422, "validation_failed");
        assert_eq!(field(answer), (json!("id"), json!("reserved")), "id {reserved:?}");
    }
    let blank = admin.post("/accounts", json!({"id": "blank", "name": "  "})).await.expect_error(422, "validation_failed");
    assert_eq!(field(blank), (json!("name"), json!("required")));
    let orphan = admin.post("/projects", json!({"id": "lost", "account_id": "nowhere", "name": "X"})).await.expect_error(422, "validation_failed");
    assert_eq!(field(orphan), (json!("account_id"), json!("unknown")));
    let orphan = admin.post("/sites", json!({"id": "lost", "project_id": "nowhere", "name": "X"})).await.expect_error(422, "validation_failed");
    assert_eq!(field(orphan), (json!("project_id"), json!("unknown")));
    admin.post("/accounts", json!({"id": "x1", "name": "X", "extra": 1})).await.expect(422);
    let listed = ids(&admin.get("/accounts").await.expect(200)["items"]);
    assert!(!listed.iter().any(|a| ["blank", "x1", "dev-mine"].contains(&a.as_str())), "{listed:?}");

    // A member of an organization (not a platform admin) reads the directory, cannot change it.
    let created = admin.post("/users", json!({"email": "dev@example.com", "name": "Dev"})).await.expect(201);
    let dev = portal.as_user(created["token"].as_str().unwrap());
    dev.post("/accounts", json!({"id": "sneaky", "name": "X"})).await.expect_error(403, "forbidden");
    dev.post("/sites", json!({"id": "sneaky", "project_id": "initech-web", "name": "X"})).await.expect_error(403, "forbidden");
    assert!(ids(&dev.get("/sites").await.expect(200)["items"]).contains(&"initech-live".to_string()));
}

/// Every item of a catalog query, read one page of `limit` at a time.
async fn catalog(c: &devportal_tests::Client, query: &str, limit: u32) -> Vec<String> {
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let path = match &cursor {
            None => format!("/catalog?{query}&limit={limit}"),
            Some(k) => format!("/catalog?{query}&limit={limit}&cursor={k}"),
        };
        let page = c.get(&path).await.expect(200);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize, "{page}");
        out.extend(items.iter().map(|i| i["title"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(k) => cursor = Some(k.to_string()),
            None => return out,
        }
    }
    panic!("the catalog never ended");
}

#[tokio::test]
async fn the_catalog_of_a_place_pages_through_what_was_released_there() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let repo = good_repo();
    c.post("/accounts", json!({"id": "initech", "name": "Initech"})).await.expect(201);
    c.post("/projects", json!({"id": "initech-web", "account_id": "initech", "name": "Web"})).await.expect(201);
    c.post("/sites", json!({"id": "initech-live", "project_id": "initech-web", "name": "Live"})).await.expect(201);
    c.post("/sites", json!({"id": "initech-test", "project_id": "initech-web", "name": "Test"})).await.expect(201);

    // To the account; to the project and one of its sites (filed under both); to the other site.
    let whole = c.ready_connector("Whole", &repo.file_url()).await;
    c.release_version(&whole, 1, json!({"accounts": ["initech"]})).await;
    let both = c.ready_connector("Both", &repo.file_url()).await;
    c.release_version(&both, 1, json!({"projects": ["initech-web"], "sites": ["initech-live"]})).await;
    let test_only = c.ready_connector("Test only", &repo.file_url()).await;
    c.release_version(&test_only, 1, json!({"sites": ["initech-test"]})).await;

    let live = catalog(&c, "site_id=initech-live", 1).await;
    assert_eq!(live, ["Whole v1", "Both v1"], "each release once, in creation order, a page at a time");
    assert_eq!(catalog(&c, "site_id=initech-test", 2).await, ["Whole v1", "Both v1", "Test only v1"]);
    assert_eq!(catalog(&c, "project_id=initech-web", 1).await, ["Whole v1", "Both v1"]);
    assert_eq!(catalog(&c, "account_id=initech", 5).await, ["Whole v1"]);
    assert_eq!(catalog(&c, "site_id=acme-shop-live", 5).await, Vec::<String>::new(), "nothing leaks to another account");

    // The next production release of "Both" targets the test site only: the live site stops
    // listing it, the test site lists it once.
    let job = c.post(&format!("/connectors/{both}/versions/1/sync-prod"), json!({"targets": {"sites": ["initech-test"]}})).await.expect(202);
    assert_eq!(c.wait_job(job["id"].as_str().unwrap(), 120).await["status"], "done");
    assert_eq!(catalog(&c, "site_id=initech-live", 1).await, ["Whole v1"]);
    assert_eq!(catalog(&c, "site_id=initech-test", 1).await, ["Whole v1", "Both v1", "Test only v1"]);

    // Bad queries name their field.
    c.get("/catalog?site_id=nowhere").await.expect_error(422, "validation_failed");
    c.get("/catalog?site_id=initech-live&limit=0").await.expect_error(422, "validation_failed");
    c.get("/catalog?site_id=initech-live&cursor=bogus").await.expect_error(422, "validation_failed");
    // Too many targets for one release.
    let many: Vec<String> = (0..51).map(|i| format!("site-{i}")).collect();
    let answer =
        c.post(&format!("/connectors/{both}/versions/1/sync-prod"), json!({"targets": {"sites": many}})).await.expect_error(422, "validation_failed");
    assert_eq!(answer["fields"][0]["code"], "too_many", "{answer}");
}
