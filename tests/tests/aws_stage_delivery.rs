//! Stage messages on SQS (moto) handed to the Lambda handler (`handle_sqs_batch_until`) by
//! hand: a job leased by a live delivery is not run again (and its lease is not shown by the API) and not failed by a duplicate, the
//! duplicate comes back after the poller's backoff (not the queue's visibility timeout), the
//! sweeper leaves a leased job alone and re-sends one whose lease ran out, and a message that
//! SQS's redrive policy dead-lettered without the handler seeing its last delivery ends its
//! job `failed` with a reason.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use chrono::{Duration as Minutes, Utc};
use devportal_app::App;
use devportal_domain::pipeline::{Job, JobLease, JobStatus, Stage};
use devportal_domain::ports::Delivery;
use devportal_tests::Portal;
use devportal_worker::{backoff, handle_sqs_batch_until, MAX_ATTEMPTS};
use serde_json::json;
use std::time::{Duration, Instant};

/// The queue's visibility for received messages here: far longer than any wait in the test,
/// so a message that comes back early came back by the handler's doing.
const LONG: Duration = Duration::from_secs(600);

/// A pending build job whose message is on the build queue.
async fn pending_build(portal: &Portal, name: &str) -> (App, Job) {
    let repo = devportal_tests::connector_fixtures::good_repo();
    let c = portal.admin();
    let id = c.ready_connector(name, &repo.file_url()).await;
    let job = c.post(&format!("/connectors/{id}/versions/1/build"), json!({})).await.expect(202);
    let app = portal.app().await;
    let job = app.ports.pipeline.get_job(job["id"].as_str().unwrap().parse().unwrap()).await.unwrap().expect("job");
    (app, job)
}

fn event(delivery: &Delivery, receive_count: u32) -> SqsEvent {
    let mut record = SqsMessage::default();
    record.message_id = Some(format!("m-{}", delivery.message.job_id));
    record.receipt_handle = Some(delivery.receipt.clone());
    record.body = Some(serde_json::to_string(&delivery.message).unwrap());
    record.attributes.insert("ApproximateReceiveCount".into(), receive_count.to_string());
    let mut event = SqsEvent::default();
    event.records = vec![record];
    event
}

async fn receive_within(app: &App, limit: Duration) -> Option<(Delivery, Duration)> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(d) = app.ports.queue.receive(Stage::Build, 1, LONG).await.unwrap().into_iter().next() {
            return Some((d, start.elapsed()));
        }
    }
    None
}

#[tokio::test]
async fn a_leased_job_is_left_to_its_worker_and_its_duplicate_comes_back_after_the_backoff() {
    let portal = Portal::start_on_aws_without_workers().await;
    let (app, job) = pending_build(&portal, "Leased").await;

    // A first delivery holds the job (as `run_job_until` leaves it while it waits on a build).
    let until = Utc::now() + Minutes::minutes(10);
    let leased = Job {
        status: JobStatus::Running,
        attempts: 1,
        revision: job.revision + 1,
        lease: Some(JobLease { owner: "first-delivery".into(), until }),
        ..job.clone()
    };
    app.ports.pipeline.update_job(&leased, job.revision).await.unwrap();
    // The API shows the running job, not how the workers coordinate.
    let shown = portal.admin().get(&format!("/jobs/{}", job.id)).await.expect(200);
    assert_eq!(shown["status"], "running");
    assert!(shown.get("lease").is_none() && shown.get("remote_build").is_none(), "{shown}");

    // A second delivery of the same message: not run, handed back.
    let (delivery, _) = receive_within(&app, Duration::from_secs(5)).await.expect("the build message");
    let answer = handle_sqs_batch_until(&app, Stage::Build, event(&delivery, 1), None).await;
    assert_eq!(answer.batch_item_failures.len(), 1, "returned to the queue for later");
    let after = app.ports.pipeline.get_job(job.id).await.unwrap().unwrap();
    assert_eq!(after, leased, "the job is untouched: not started again, the lease kept");
    // …and it comes back after backoff(1), not after the 600 s it was received with.
    let (again, waited) = receive_within(&app, Duration::from_secs(20)).await.expect("the message comes back after the backoff");
    assert!(waited <= backoff(1) + Duration::from_secs(5), "came back after {waited:?}");
    assert_eq!(again.message, delivery.message);

    // Its last allowed delivery does not fail a job a live worker holds.
    let answer = handle_sqs_batch_until(&app, Stage::Build, event(&again, MAX_ATTEMPTS), None).await;
    assert_eq!(answer.batch_item_failures.len(), 1);
    assert_eq!(app.ports.pipeline.get_job(job.id).await.unwrap().unwrap().status, JobStatus::Running);

    // The sweeper leaves the leased job alone, also long after it was created…
    let retention = sweeper::retention(None).unwrap();
    let report = sweeper::sweep(&app, retention, Utc::now() + Minutes::minutes(5)).await.unwrap();
    assert_eq!(report.resent_jobs, 0);
    // …and re-sends it once the lease ran out longer than the grace period ago.
    let _ = receive_within(&app, Duration::from_secs(10)).await; // the duplicate, parked for LONG
    let report = sweeper::sweep(&app, retention, until + sweeper::RESEND_AFTER + Minutes::minutes(1)).await.unwrap();
    assert_eq!(report.resent_jobs, 1);
    let (resent, _) = receive_within(&app, Duration::from_secs(5)).await.expect("re-sent");
    assert_eq!(resent.message.job_id, job.id);
}

#[tokio::test]
async fn a_message_dead_lettered_by_the_redrive_policy_fails_its_job_with_a_reason() {
    let portal = Portal::start_on_aws_without_workers().await;
    let (app, job) = pending_build(&portal, "Redriven").await;
    // Every delivery "dies" before the handler answers: received, never settled, until SQS
    // moves the message to the dead-letter queue (maxReceiveCount = MAX_ATTEMPTS).
    let mut received = 0;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) && received <= MAX_ATTEMPTS {
        received += app.ports.queue.receive(Stage::Build, 1, Duration::ZERO).await.unwrap().len() as u32;
    }
    assert_eq!(received, MAX_ATTEMPTS, "delivered maxReceiveCount times, then dead-lettered");
    assert_eq!(app.ports.queue.dead_letters().await.unwrap().len(), 1);
    assert_eq!(app.ports.pipeline.get_job(job.id).await.unwrap().unwrap().status, JobStatus::Pending, "no handler saw it fail");

    let report = sweeper::sweep(&app, sweeper::retention(None).unwrap(), Utc::now()).await.unwrap();
    assert_eq!(report.failed_dead_letters, 1);
    let failed = app.ports.pipeline.get_job(job.id).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    let reason = failed.reason.unwrap_or_default();
    assert!(reason.contains("dead-letter"), "{reason}");
    let version = app.ports.connectors.get_version(job.connector_id, job.version).await.unwrap().unwrap();
    assert_eq!(version.state, job.from_state, "the version is back where it was");
    // Once failed, a later sweep has nothing more to do.
    assert_eq!(sweeper::sweep(&app, sweeper::retention(None).unwrap(), Utc::now()).await.unwrap().failed_dead_letters, 0);
}
