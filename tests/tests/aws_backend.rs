//! The product on the AWS adapters (`devportal serve --backend aws --create-resources`)
//! against moto_server on loopback: identity, tenancy, the wizard with revisions, lists, and a
//! full release whose jobs travel through SQS, whose logs land in S3 and whose state lives in
//! DynamoDB. (The image builder, runtime and directory are still the local ones.)

use devportal_tests::connector_fixtures::good_repo;
use devportal_tests::Portal;
use reqwest::Method;
use serde_json::json;

async fn portal_on_moto() -> Portal {
    Portal::start_on_aws(devportal_tests::fresh_aws_backend().await).await
}

#[tokio::test]
async fn identity_tenancy_and_the_wizard_work_on_the_aws_adapters() {
    let portal = portal_on_moto().await;
    let admin = portal.admin();
    assert_eq!(admin.get("/me").await.expect(200)["user"]["email"], "admin@localhost");
    let c = admin.create_connector("On AWS", "datasource").await;
    let id = c["id"].as_str().unwrap();
    admin
        .put(
            &format!("/connectors/{id}/versions/1/steps/vcs"),
            json!({"authorization": "basic", "url": "https://git.example.com/r.git", "username": "u", "token": "aws-secret-token"}),
        )
        .await
        .expect(200);
    admin.put(&format!("/connectors/{id}/versions/1/steps/application"), json!({"command": "python", "revision": 2})).await.expect(200);
    admin
        .put(&format!("/connectors/{id}/versions/1/steps/application"), json!({"command": "x", "revision": 2}))
        .await
        .expect_error(409, "stale_revision");
    admin.put(&format!("/connectors/{id}/versions/1/steps/type-specific"), json!({"categories": ["orders"]})).await.expect(200);
    let v = admin.get(&format!("/connectors/{id}/versions/1")).await;
    assert!(!v.text.contains("aws-secret-token"));
    assert_eq!(v.body["buildable"], true);
    for i in 0..4 {
        admin.create_connector(&format!("More {i}"), "upload").await;
    }
    let page = admin.get("/connectors?limit=3").await.expect(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let next = admin.get(&format!("/connectors?limit=3&cursor={}", page["next_cursor"].as_str().unwrap())).await.expect(200);
    assert_eq!(next["items"].as_array().unwrap().len(), 2);
    // A second organization sees nothing of the first.
    let other = admin.post("/users", json!({"email": "o@example.com", "name": "O"})).await.expect(201);
    let other = portal.as_user(other["token"].as_str().unwrap());
    other.post("/organizations", json!({"name": "Other"})).await.expect(201);
    other.get(&format!("/connectors/{id}")).await.expect_error(404, "not_found");
    assert_eq!(other.get("/connectors").await.expect(200)["items"], json!([]));
}

#[tokio::test]
async fn a_full_release_runs_through_sqs_dynamodb_and_s3() {
    let repo = good_repo();
    let portal = portal_on_moto().await;
    let c = portal.admin();
    let id = c.ready_connector("Released on AWS", &repo.file_url()).await;
    let jobs = c.release_version(&id, 1, json!({"accounts": ["acme"]})).await;
    let log = c.job_log_text(jobs[0]["id"].as_str().unwrap()).await;
    assert!(log.contains("build-step-one"), "the build log is read back from S3: {log}");
    let cat = c.get("/catalog?site_id=acme-shop-live").await.expect(200);
    assert_eq!(cat["items"][0]["title"], "Released on AWS v1");
    let t = c.get(&format!("/connectors/{id}/versions/1/transitions")).await.expect(200);
    assert_eq!(t["items"].as_array().unwrap().len(), 8);
    let job = c.send(Method::POST, &format!("/connectors/{id}/versions/1/build"), None).await.expect(202);
    c.send(Method::POST, &format!("/connectors/{id}/versions/1/build"), None).await.expect_error(409, "transition_not_allowed");
    c.wait_job(job["id"].as_str().unwrap(), 120).await;
}
