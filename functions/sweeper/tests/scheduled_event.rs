//! The sample of `events/` (`scheduled-sweeper.json`) as Lambda hands it to the sweeper: an
//! EventBridge scheduled event, deserialised as `main.rs` deserialises it, driving one sweep
//! at the event's time on the embedded adapters.

use aws_lambda_events::event::cloudwatch_events::CloudWatchEvent;
use devportal_wiring::{embedded, EmbeddedOptions};

#[tokio::test]
async fn the_scheduled_event_sample_runs_a_sweep_at_its_time() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events/scheduled-sweeper.json");
    let raw = std::fs::read_to_string(&path).unwrap();
    let event: CloudWatchEvent = serde_json::from_str(&raw).expect("an EventBridge scheduled event");
    assert_eq!(event.detail_type.as_deref(), Some("Scheduled Event"));
    assert_eq!(event.time.to_rfc3339(), "2026-11-26T03:00:00+00:00");

    let dir = tempfile::tempdir().unwrap();
    let options = EmbeddedOptions::ephemeral(dir.path().join("data"));
    let app = embedded(options).await.unwrap().app;
    let report = sweeper::sweep(&app, sweeper::retention(None).unwrap(), event.time).await.unwrap();
    assert_eq!(report, sweeper::SweepReport::default(), "an empty portal has nothing to sweep");
}
