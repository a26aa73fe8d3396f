//! Versions side by side, rollback without rebuilding, the bin, duplicate and the logo.

use devportal_tests::connector_fixtures::good_repo;
use devportal_tests::{Client, Portal};
use reqwest::Method;
use serde_json::{json, Value};

async fn catalog(c: &Client, site: &str) -> Vec<Value> {
    c.get(&format!("/catalog?site_id={site}")).await.expect(200)["items"].as_array().unwrap().clone()
}

fn titles(items: &[Value]) -> Vec<String> {
    let mut t: Vec<String> = items.iter().map(|i| i["title"].as_str().unwrap().to_string()).collect();
    t.sort();
    t
}

#[tokio::test]
async fn a_new_version_goes_through_its_own_pipeline_while_the_old_one_stays_live() {
    let repo = good_repo();
    let portal = Portal::start().await;
    let c = portal.admin();
    let id = c.ready_connector("Shop", &repo.file_url()).await;
    c.release_version(&id, 1, json!({"accounts": ["acme"]})).await;
    assert_eq!(titles(&catalog(&c, "acme-shop-live").await), ["Shop v1"]);
    assert_eq!(c.get(&format!("/connectors/{id}")).await.expect(200)["main_version"], 1, "the first production version becomes main");

    let v2 = c.post(&format!("/connectors/{id}/versions"), json!({})).await.expect(201);
    assert_eq!(v2["number"], 2);
    assert_eq!(v2["state"], "updated");
    let v1 = c.get(&format!("/connectors/{id}/versions/1")).await.expect(200);
    assert_eq!(v2["configuration"], v1["configuration"], "the newest version's whole configuration is copied");
    assert_eq!(c.get(&format!("/connectors/{id}/versions/latest")).await.expect(200)["number"], 2);
    assert_eq!(c.get(&format!("/connectors/{id}/versions/main")).await.expect(200)["number"], 1);

    // v2's pipeline runs; v1 serves throughout.
    let build = c.post(&format!("/connectors/{id}/versions/2/build"), json!({})).await.expect(202);
    assert_eq!(titles(&catalog(&c, "acme-shop-live").await), ["Shop v1"]);
    c.wait_job(build["id"].as_str().unwrap(), 180).await;
    for (step, body) in
        [("sync-runtime", None), ("sync-dev", None), ("sync-prod", Some(json!({"targets": {"accounts": ["acme"]}}))), ("release", None)]
    {
        let job = c.send(Method::POST, &format!("/connectors/{id}/versions/2/{step}"), body).await.expect(202);
        assert_eq!(c.wait_job(job["id"].as_str().unwrap(), 60).await["status"], "done");
    }
    assert_eq!(titles(&catalog(&c, "acme-shop-live").await), ["Shop v1", "Shop v2"], "both live side by side");
    let versions = c.get(&format!("/connectors/{id}/versions")).await.expect(200);
    assert_eq!(versions["items"].as_array().unwrap().len(), 2);

    // Main can be chosen among released versions; an unreleased one is refused.
    let conn = c.get(&format!("/connectors/{id}")).await.expect(200);
    let conn = c.patch(&format!("/connectors/{id}"), json!({"main_version": 2, "revision": conn["revision"]})).await.expect(200);
    assert_eq!(conn["main_version"], 2);
    c.post(&format!("/connectors/{id}/versions"), json!({})).await.expect(201);
    let conn = c.get(&format!("/connectors/{id}")).await.expect(200);
    assert_eq!(conn["latest_version"], 3);
    let e =
        c.patch(&format!("/connectors/{id}"), json!({"main_version": 3, "revision": conn["revision"]})).await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "main_version");

    // Deleting: refused in production, allowed otherwise, never the last one.
    let e = c.delete(&format!("/connectors/{id}/versions/1")).await.expect_error(409, "transition_not_allowed");
    assert!(e["message"].as_str().unwrap().contains("production"));
    c.delete(&format!("/connectors/{id}/versions/3")).await.expect(204);
    c.get(&format!("/connectors/{id}/versions/3")).await.expect_error(404, "not_found");
    let lone = c.create_connector("Lonely", "upload").await;
    let e = c.delete(&format!("/connectors/{}/versions/1", lone["id"].as_str().unwrap())).await.expect_error(409, "transition_not_allowed");
    assert!(e["message"].as_str().unwrap().contains("last version"));
}

#[tokio::test]
async fn production_rolls_back_to_an_earlier_release_without_rebuilding() {
    let repo = good_repo();
    let portal = Portal::start().await;
    let c = portal.admin();
    let id = c.ready_connector("Roll", &repo.file_url()).await;
    let first = c.release_version(&id, 1, json!({"accounts": ["acme"]})).await;
    let first_digest = first[3]["result"]["digest"].as_str().unwrap().to_string();
    repo.commit("main", &[("CHANGELOG.md", "v1.1\n")], "a second release");
    c.release_version(&id, 1, json!({"accounts": ["acme"]})).await;
    let live = catalog(&c, "acme-shop-live").await;
    assert_ne!(live[0]["digest"], first_digest.as_str());

    let releases = c.get(&format!("/connectors/{id}/versions/1/releases")).await.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(releases.len(), 2, "every production release is kept");
    assert_eq!(releases[0]["live"], true, "newest first, and it is live");
    assert_eq!(releases[1]["digest"], first_digest.as_str());
    let old = releases[1]["release_id"].as_str().unwrap();

    let jobs_before = c.get(&format!("/connectors/{id}/versions/1/jobs")).await.expect(200)["items"].as_array().unwrap().len();
    let e = c
        .post(&format!("/connectors/{id}/versions/1/rollback"), json!({"release_id": "nope", "reason": "x"}))
        .await
        .expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "release_id");
    let job = c
        .post(&format!("/connectors/{id}/versions/1/rollback"), json!({"release_id": old, "reason": "the new import breaks prices"}))
        .await
        .expect(202);
    assert_eq!(c.wait_job(job["id"].as_str().unwrap(), 30).await["status"], "done");
    let live = catalog(&c, "acme-shop-live").await;
    assert_eq!(live[0]["digest"], first_digest.as_str(), "the catalog serves the old digest");
    assert_eq!(live[0]["release_id"], old);
    let jobs = c.get(&format!("/connectors/{id}/versions/1/jobs")).await.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(jobs.len(), jobs_before + 1, "no build ran: only the rollback job");
    assert!(jobs.iter().filter(|j| j["stage"] == "build").count() == 2);
    let history = c.get(&format!("/connectors/{id}/versions/1/transitions")).await.expect(200)["items"].as_array().unwrap().clone();
    let last = history.last().unwrap();
    assert!(last["reason"].as_str().unwrap().contains("the new import breaks prices"), "{last}");
    assert_eq!(last["by"]["kind"], "user");
}

#[tokio::test]
async fn the_bin_keeps_connectors_out_of_sight_until_restored_or_deleted() {
    let repo = good_repo();
    let portal = Portal::start().await;
    let c = portal.admin();
    // A connector in production use cannot be binned.
    let live = c.ready_connector("Live", &repo.file_url()).await;
    c.release_version(&live, 1, json!({"sites": ["acme-shop-live"]})).await;
    let e = c.delete(&format!("/connectors/{live}")).await.expect_error(409, "transition_not_allowed");
    assert!(e["message"].as_str().unwrap().contains("version 1"), "names the version: {e}");

    // An unused one (built and registered with the runtime, with a job log and an image) goes to the bin.
    let id = c.ready_connector("Unused", &repo.file_url()).await;
    let build = c.run_stage(&id, "build", None).await;
    assert_eq!(c.run_stage(&id, "sync-runtime", None).await["status"], "done");
    c.put(&format!("/connectors/{id}/versions/1/steps/auth"), json!({"secrets": [{"path": "vault/x", "fields": ["k"]}]})).await.expect(200);
    let before = (c.get(&format!("/connectors/{id}")).await.expect(200), c.get(&format!("/connectors/{id}/versions")).await.expect(200));
    let binned = c.delete(&format!("/connectors/{id}")).await.expect(200);
    assert!(binned["binned_at"].is_string());
    assert_eq!(binned["binned_by"], c.get("/me").await.expect(200)["user"]["id"]);
    c.get(&format!("/connectors/{id}")).await.expect_error(404, "not_found");
    c.put(&format!("/connectors/{id}/versions/1/steps/application"), json!({"command": "x"})).await.expect_error(404, "not_found");
    c.post(&format!("/connectors/{id}/versions/1/build"), json!({})).await.expect_error(404, "not_found");
    let list = c.get("/connectors").await.expect(200);
    assert!(list["items"].as_array().unwrap().iter().all(|x| x["id"] != id.as_str()));
    let bin = c.get("/bin").await.expect(200);
    assert_eq!(bin["items"].as_array().unwrap().len(), 1);
    assert_eq!(bin["items"][0]["id"], id.as_str());

    // Restore brings back every version exactly as it was.
    let restored = c.post(&format!("/bin/{id}/restore"), json!({})).await.expect(200);
    assert_eq!(restored["binned_at"], Value::Null);
    let mut expected = before.0.clone();
    expected["revision"] = restored["revision"].clone();
    assert_eq!(restored, expected, "field by field, only the revision moved");
    assert_eq!(c.get(&format!("/connectors/{id}/versions")).await.expect(200), before.1);
    assert_eq!(c.get("/bin").await.expect(200)["items"], json!([]));

    // Delete permanently: nothing is left in the store, the image store or the logs.
    c.delete(&format!("/connectors/{id}")).await.expect(200);
    c.delete(&format!("/bin/{id}")).await.expect(204);
    c.delete(&format!("/bin/{id}")).await.expect_error(404, "not_found");
    c.get(&format!("/jobs/{}", build["id"].as_str().unwrap())).await.expect_error(404, "not_found");
    assert_eq!(store_items_mentioning(&portal, &id).await, 0, "no item of the connector remains");
    let images = std::fs::read_dir(portal.data_dir.path().join("images"))
        .map(|d| d.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().starts_with(&id)).count())
        .unwrap_or(0);
    assert_eq!(images, 0, "its images are gone");
    let app = portal.app().await;
    let job_id = build["id"].as_str().unwrap().parse().unwrap();
    assert!(app.ports.logs.read(job_id, None, 10).await.unwrap().is_empty(), "its job logs are gone");
}

/// Counts the store's records that mention `needle` anywhere (keys or bodies): the SQLite file
/// of the embedded backend, or a full scan of the DynamoDB table of the AWS backend.
async fn store_items_mentioning(portal: &Portal, needle: &str) -> usize {
    match &portal.aws {
        None => rusqlite_like_scan(&portal.data_dir.path().join("devportal.db"), needle),
        Some(aws) => {
            let client = aws_sdk_dynamodb::Client::new(aws.sdk.as_ref().unwrap());
            let mut n = 0;
            let mut start = None;
            loop {
                let out = client.scan().table_name(&aws.table).set_exclusive_start_key(start).send().await.expect("scan the table");
                n += out.items().iter().filter(|item| format!("{item:?}").contains(needle)).count();
                start = out.last_evaluated_key().cloned();
                if start.is_none() {
                    return n;
                }
            }
        }
    }
}

/// Counts rows of the store that mention `needle` anywhere (keys or bodies), by reading the
/// SQLite file with Python's sqlite3 module.
fn rusqlite_like_scan(db: &std::path::Path, needle: &str) -> usize {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); n=sys.argv[2]; \
             print(sum(c.execute(q,(f'%{n}%',)*2).fetchone()[0] for q in [ \
             'select count(*) from items where pk like ? or body like ?', \
             'select count(*) from queue where id like ? or body like ?']))",
        ])
        .arg(db)
        .arg(needle)
        .output()
        .expect("python3 reads the database");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn the_bin_is_purged_after_the_retention_period() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let old = c.create_connector("Old", "upload").await;
    let fresh = c.create_connector("Fresh", "upload").await;
    c.delete(&format!("/connectors/{}", old["id"].as_str().unwrap())).await.expect(200);
    let app = portal.app().await;
    let later = chrono::Utc::now() + chrono::Duration::days(31);
    assert_eq!(app.purge_expired_bin(chrono::Duration::days(30), later).await.unwrap(), 1);
    c.post(&format!("/bin/{}/restore", old["id"].as_str().unwrap()), json!({})).await.expect_error(404, "not_found");
    c.get(&format!("/connectors/{}", fresh["id"].as_str().unwrap())).await.expect(200);
    assert_eq!(app.purge_expired_bin(chrono::Duration::days(30), chrono::Utc::now()).await.unwrap(), 0);
}

#[tokio::test]
async fn duplicate_copies_the_configuration_without_git_credentials() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let src = c.create_connector("Feed", "export").await;
    let id = src["id"].as_str().unwrap();
    c.patch(&format!("/connectors/{id}"), json!({"description": "d", "readme": "# r", "revision": 1})).await.expect(200);
    c.put(
        &format!("/connectors/{id}/versions/1/steps/vcs"),
        json!({"authorization": "basic", "url": "https://git.example.com/r.git", "username": "u", "token": "s3cret-token"}),
    )
    .await
    .expect(200);
    c.put(&format!("/connectors/{id}/versions/1/steps/application"), json!({"command": "node", "arguments": "x.js"})).await.expect(200);
    c.put(&format!("/connectors/{id}/versions/1/steps/type-specific"), json!({"channels": ["c"]})).await.expect(200);
    let copy = c.post(&format!("/connectors/{id}/copy"), json!({})).await.expect(201);
    assert_eq!(copy["name"], "Feed - Copy");
    assert_ne!(copy["id"], src["id"]);
    for f in ["type", "description", "readme", "flow", "execution_mode", "owner"] {
        assert_eq!(copy[f], c.get(&format!("/connectors/{id}")).await.expect(200)[f], "{f}");
    }
    let v = c.get(&format!("/connectors/{}/versions/1", copy["id"].as_str().unwrap())).await.expect(200);
    let orig = c.get(&format!("/connectors/{id}/versions/1")).await.expect(200);
    assert_eq!(v["state"], "created");
    assert_eq!(v["configuration"]["vcs"]["has_token"], false, "no Git credentials");
    assert_eq!(orig["configuration"]["vcs"]["has_token"], true);
    assert_eq!(v["configuration"]["application"], orig["configuration"]["application"]);
    assert_eq!(v["configuration"]["type_specific"], orig["configuration"]["type_specific"]);
}

#[tokio::test]
async fn logos_are_svg_only_and_sanitised() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let conn = c.create_connector("Logo", "upload").await;
    let path = format!("/connectors/{}/logo", conn["id"].as_str().unwrap());
    let evil = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="alert(1)">
        <script>alert(2)</script>
        <rect width="10" height="10" fill="#0a0" onclick="alert(3)"/>
        <use href="https://evil.example/x.svg#a"/>
        <use xlink:href="javascript:alert(4)"/>
        <foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example"/></body></foreignObject>
    </svg>"##;
    let put = |body: &'static str, ct: &'static str| {
        let req = c.raw(Method::PUT, &path).header("content-type", ct).body(body);
        Client::answer(req)
    };
    let saved = put(evil, "image/svg+xml").await.expect(200);
    assert_eq!(saved["has_logo"], true);
    let res = c.raw(Method::GET, &path).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let svg = res.text().await.unwrap();
    for bad in ["script", "onload", "onclick", "evil.example", "javascript", "foreignObject", "iframe"] {
        assert!(!svg.contains(bad), "`{bad}` survived: {svg}");
    }
    assert!(svg.contains("<rect") && svg.contains("#0a0"), "the drawing survives: {svg}");
    put("<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png").await.expect_error(415, "unsupported_media_type");
    let e = put("<html><body/></html>", "image/svg+xml").await.expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["field"], "logo");
    let e = put("<!DOCTYPE svg [<!ENTITY x 'y'>]><svg xmlns='http://www.w3.org/2000/svg'>&x;</svg>", "image/svg+xml")
        .await
        .expect_error(422, "validation_failed");
    assert_eq!(e["fields"][0]["code"], "invalid_svg");
}
