//! The sweeper (`functions/sweeper`): the hourly housekeeping the schedule runs on AWS and the
//! local host runs on a timer — the bin's retention and lost stage messages — through the same
//! `sweeper::sweep` on a running portal's storage.

use chrono::{Duration, Utc};
use devportal_tests::Portal;
use serde_json::json;

#[tokio::test]
async fn the_sweep_purges_connectors_binned_longer_than_the_retention_and_only_those() {
    let portal = Portal::start().await;
    let c = portal.admin();
    let old = c.create_connector("Binned long ago", "upload").await;
    let recent = c.create_connector("Binned later", "upload").await;
    let kept = c.create_connector("Never binned", "upload").await;
    let (old, recent, kept) = (old["id"].as_str().unwrap(), recent["id"].as_str().unwrap(), kept["id"].as_str().unwrap());
    c.delete(&format!("/connectors/{old}")).await.expect(200);
    c.delete(&format!("/connectors/{recent}")).await.expect(200);
    let app = portal.app().await;
    let retention = sweeper::retention(Some("30")).unwrap();

    // Within the retention period nothing goes.
    let report = sweeper::sweep(&app, retention, Utc::now() + Duration::days(29)).await.unwrap();
    assert_eq!(report.purged_connectors, 0);
    assert_eq!(c.get("/bin").await.expect(200)["items"].as_array().unwrap().len(), 2);

    // Past it, every binned connector goes for good; the others stay.
    let report = sweeper::sweep(&app, retention, Utc::now() + Duration::days(31)).await.unwrap();
    assert_eq!(report.purged_connectors, 2);
    assert_eq!(c.get("/bin").await.expect(200)["items"], json!([]));
    c.post(&format!("/bin/{old}/restore"), json!({})).await.expect_error(404, "not_found");
    c.get(&format!("/connectors/{kept}")).await.expect(200);
    // Idempotent: a second sweep finds nothing more.
    assert_eq!(sweeper::sweep(&app, retention, Utc::now() + Duration::days(31)).await.unwrap().purged_connectors, 0);
}

#[tokio::test]
async fn the_sweep_resends_the_message_of_a_job_left_pending_and_the_job_then_runs() {
    // No workers: the job's first message is taken off the queue by hand and "lost".
    let portal = Portal::start_without_workers().await;
    let repo = devportal_tests::connector_fixtures::good_repo();
    let c = portal.admin();
    let id = c.ready_connector("Lost message", &repo.file_url()).await;
    let job = c.post(&format!("/connectors/{id}/versions/1/build"), json!({})).await.expect(202);
    let job_id = job["id"].as_str().unwrap();
    let app = portal.app().await;
    let visibility = std::time::Duration::from_secs(600);
    let first = app.ports.queue.receive(devportal_domain::pipeline::Stage::Build, 1, visibility).await.unwrap();
    assert_eq!(first.len(), 1, "the build message was sent");
    app.ports.queue.ack(&first[0]).await.unwrap(); // lost: acknowledged, never handled

    // A fresh pending job is spared (its message may simply be waiting in the queue)…
    assert_eq!(sweeper::sweep(&app, sweeper::retention(None).unwrap(), Utc::now()).await.unwrap().resent_jobs, 0);
    // …one pending for longer than the grace period gets its message again.
    let later = Utc::now() + sweeper::RESEND_AFTER + Duration::minutes(1);
    assert_eq!(sweeper::sweep(&app, sweeper::retention(None).unwrap(), later).await.unwrap().resent_jobs, 1);
    let again = app.ports.queue.receive(devportal_domain::pipeline::Stage::Build, 1, visibility).await.unwrap();
    assert_eq!(again.len(), 1, "the message was sent again");
    assert_eq!(again[0].message.job_id.to_string(), job_id);
    stage_build::handle(app.clone(), again[0].message.clone()).await.unwrap();
    app.ports.queue.ack(&again[0]).await.unwrap();
    assert_eq!(c.wait_job(job_id, 60).await["status"], "done");
}

#[test]
fn the_retention_setting_is_checked() {
    assert_eq!(sweeper::retention(None).unwrap(), Duration::days(30));
    assert_eq!(sweeper::retention(Some(" 7 ")).unwrap(), Duration::days(7));
    for bad in ["0", "-3", "thirty", "3651"] {
        let e = sweeper::retention(Some(bad)).unwrap_err();
        assert!(e.to_string().contains("DEVPORTAL_BIN_RETENTION_DAYS"), "{e}");
        assert!(!e.retryable());
    }
}
