//! What AWS tells about runs, turned into the domain's terms (pure functions, no I/O):
//!
//! - An "ECS Task State Change" event (EventBridge → SQS, the message body) or a task read
//!   with `DescribeTasks` → a [`RunObservation`]. The run is the task's `startedBy` (the
//!   launcher sets it to the run id) or its `devportal-run` tag; the ordering is the task's
//!   `version` (events arrive at least once and out of order; the app applies only newer
//!   ones). `RUNNING` → running; `STOPPED` → the essential container's exit code, or a stop:
//!   `UserInitiated` (our `StopTask`) → cancelled (the app turns it into timed-out when it
//!   asked for the time limit: `Run::stop_requested`), anything else without an exit code
//!   (`TaskFailedToStart`, an image that could not be pulled, a container killed for memory,
//!   a Spot interruption) → failed with the service's reason. The states in between
//!   (provisioning, pending, stopping, …) are no observation.
//! - A CloudWatch Logs subscription event (`awslogs.data`: base64 of gzip of JSON) → an
//!   [`IngestBatch`] of stdio lines of the run its log stream belongs to. Streams are
//!   `run-<run id>/<container>/<task id>` (the per-run task definition's stream prefix);
//!   `CONTROL_MESSAGE` deliveries carry no lines. The batch id is derived from the first
//!   event's id, so a redelivered event is stored once. The `awslogs` driver does not tell
//!   stdout from stderr: every line is recorded as stdout.

use base64::Engine;
use chrono::{DateTime, Utc};
use devportal_domain::ids::RunId;
use devportal_domain::run::{IngestBatch, IngestItems, NewStdioLine, ObservedState, RunObservation, StdStream, StopCause};
use serde::Deserialize;
use std::io::Read;

/// The tag (and `startedBy`) naming a task's run.
pub const RUN_TAG: &str = "devportal-run";
use crate::runtime::CONTAINER_NAME;
/// The `awslogs-stream-prefix` of a run's task: `run-<run id>`.
pub fn stream_prefix(run: RunId) -> String {
    format!("run-{run}")
}

/// A message that is not what it claims to be (the caller dead-letters it; never retried).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct EventError(pub String);

// ---------------------------------------------------------------------------------------
// ECS task state
// ---------------------------------------------------------------------------------------

/// The parts of an ECS task both the event and `DescribeTasks` carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskView {
    pub last_status: String,
    pub started_by: Option<String>,
    pub tags: Vec<(String, String)>,
    pub version: u64,
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    /// The connector container's exit code and reason.
    pub exit_code: Option<i32>,
    pub container_reason: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
}

impl TaskView {
    /// The run this task belongs to, if it is one of ours.
    pub fn run_id(&self) -> Option<RunId> {
        self.started_by
            .as_deref()
            .and_then(|s| s.parse().ok())
            .or_else(|| self.tags.iter().find(|(k, _)| k == RUN_TAG).and_then(|(_, v)| v.parse().ok()))
    }

    /// What the task's state means for its run (`None`: a state in between, or not ours).
    pub fn observation(&self, now: DateTime<Utc>) -> Option<RunObservation> {
        let run_id = self.run_id()?;
        let state = match self.last_status.as_str() {
            "RUNNING" => ObservedState::Running,
            "STOPPED" => self.stopped_state(),
            _ => return None,
        };
        let at = match state {
            ObservedState::Running => self.started_at,
            _ => self.stopped_at,
        }
        .unwrap_or(now);
        Some(RunObservation { run_id, version: self.version, at, state })
    }

    fn stopped_state(&self) -> ObservedState {
        let reason = || {
            let parts: Vec<&str> = [self.stopped_reason.as_deref(), self.container_reason.as_deref()].into_iter().flatten().collect();
            if parts.is_empty() {
                "the task stopped".to_string()
            } else {
                parts.join(": ")
            }
        };
        match (self.stop_code.as_deref(), self.exit_code) {
            (Some("UserInitiated"), _) => ObservedState::Stopped { cause: StopCause::Cancelled, reason: reason() },
            (Some("TaskFailedToStart"), _) => ObservedState::Stopped { cause: StopCause::Failed, reason: reason() },
            (_, Some(code)) => ObservedState::Exited { code },
            _ => ObservedState::Stopped { cause: StopCause::Failed, reason: reason() },
        }
    }
}

#[derive(Deserialize)]
struct EventEnvelope {
    #[serde(rename = "detail-type")]
    detail_type: String,
    #[serde(default)]
    time: Option<DateTime<Utc>>,
    detail: EventTask,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventTask {
    last_status: String,
    #[serde(default)]
    started_by: Option<String>,
    #[serde(default)]
    version: u64,
    #[serde(default)]
    stop_code: Option<String>,
    #[serde(default)]
    stopped_reason: Option<String>,
    #[serde(default)]
    started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    stopped_at: Option<DateTime<Utc>>,
    #[serde(default)]
    containers: Vec<EventContainer>,
    #[serde(default)]
    tags: Vec<EventTag>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventContainer {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    exit_code: Option<i32>,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct EventTag {
    key: String,
    value: String,
}

/// The run observation in an "ECS Task State Change" event (the JSON EventBridge delivers,
/// e.g. an SQS message body). `Ok(None)`: another event type, a task that is not a run, or a
/// state in between.
pub fn observation_from_ecs_event(body: &str) -> Result<Option<RunObservation>, EventError> {
    let event: EventEnvelope = serde_json::from_str(body).map_err(|e| EventError(format!("not an ECS task state event: {e}")))?;
    if event.detail_type != "ECS Task State Change" {
        return Ok(None);
    }
    let d = event.detail;
    let container = d.containers.iter().find(|c| c.name.as_deref() == Some(CONTAINER_NAME)).or(d.containers.first());
    let view = TaskView {
        last_status: d.last_status,
        started_by: d.started_by,
        tags: d.tags.into_iter().map(|t| (t.key, t.value)).collect(),
        version: d.version,
        stop_code: d.stop_code,
        stopped_reason: d.stopped_reason,
        exit_code: container.and_then(|c| c.exit_code),
        container_reason: container.and_then(|c| c.reason.clone()),
        started_at: d.started_at,
        stopped_at: d.stopped_at,
    };
    Ok(view.observation(event.time.unwrap_or_else(Utc::now)))
}

/// The same view of a task read with `DescribeTasks`.
pub fn task_view(task: &aws_sdk_ecs::types::Task) -> TaskView {
    let container = task.containers().iter().find(|c| c.name() == Some(CONTAINER_NAME)).or(task.containers().first());
    let time = |t: Option<&aws_sdk_ecs::primitives::DateTime>| t.and_then(|t| DateTime::from_timestamp_millis(t.to_millis().ok()?));
    TaskView {
        last_status: task.last_status().unwrap_or_default().to_string(),
        started_by: task.started_by().map(str::to_string),
        tags: task.tags().iter().filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string()))).collect(),
        version: task.version().max(0) as u64,
        stop_code: task.stop_code().map(|c| c.as_str().to_string()),
        stopped_reason: task.stopped_reason().map(str::to_string),
        exit_code: container.and_then(|c| c.exit_code()),
        container_reason: container.and_then(|c| c.reason()).map(str::to_string),
        started_at: time(task.started_at()),
        stopped_at: time(task.stopped_at()),
    }
}

// ---------------------------------------------------------------------------------------
// CloudWatch Logs subscription
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Subscription {
    awslogs: AwsLogs,
}

#[derive(Deserialize)]
struct AwsLogs {
    data: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogsData {
    message_type: String,
    #[serde(default)]
    log_stream: String,
    #[serde(default)]
    log_events: Vec<LogEvent>,
}

#[derive(Deserialize)]
struct LogEvent {
    id: String,
    timestamp: i64,
    message: String,
}

/// The most decompressed bytes one subscription event may hold (CloudWatch sends at most
/// about 1 MB; this bounds a hostile or corrupt payload).
const MAX_DECODED_BYTES: u64 = 16 * 1024 * 1024;

/// The run a log stream belongs to: `run-<run id>/<container>/<task id>`.
pub fn run_of_stream(stream: &str) -> Option<RunId> {
    stream.split('/').next()?.strip_prefix("run-")?.parse().ok()
}

/// The stdio batch in a CloudWatch Logs subscription event (the Lambda event JSON
/// `{"awslogs": {"data": …}}`). `Ok(None)`: a control message, no lines, or a stream that is
/// not a run's.
pub fn batch_from_subscription(event: &str) -> Result<Option<IngestBatch>, EventError> {
    let sub: Subscription = serde_json::from_str(event).map_err(|e| EventError(format!("not a CloudWatch Logs subscription event: {e}")))?;
    batch_from_awslogs_data(&sub.awslogs.data)
}

/// [`batch_from_subscription`] of the `awslogs.data` field itself.
pub fn batch_from_awslogs_data(data: &str) -> Result<Option<IngestBatch>, EventError> {
    let gz = base64::engine::general_purpose::STANDARD.decode(data.trim()).map_err(|e| EventError(format!("awslogs.data is not base64: {e}")))?;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .take(MAX_DECODED_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| EventError(format!("awslogs.data is not gzip: {e}")))?;
    if json.len() as u64 > MAX_DECODED_BYTES {
        return Err(EventError(format!("awslogs.data decodes to more than {MAX_DECODED_BYTES} bytes")));
    }
    let logs: LogsData = serde_json::from_slice(&json).map_err(|e| EventError(format!("awslogs.data is not a log events document: {e}")))?;
    if logs.message_type == "CONTROL_MESSAGE" || logs.log_events.is_empty() {
        return Ok(None);
    }
    let Some(run_id) = run_of_stream(&logs.log_stream) else {
        return Ok(None);
    };
    let first = &logs.log_events[0].id;
    let lines = logs
        .log_events
        .iter()
        .map(|e| NewStdioLine {
            time: DateTime::from_timestamp_millis(e.timestamp).unwrap_or_else(Utc::now),
            stream: StdStream::Stdout,
            line: e.message.strip_suffix('\n').unwrap_or(&e.message).to_string(),
        })
        .collect();
    Ok(Some(IngestBatch { run_id, batch_id: format!("cwl-{first}"), items: IngestItems::Stdio(lines) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const RUN: &str = "01938a6e-7f00-7000-8000-000000000001";

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events").join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn with_detail(f: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut v: serde_json::Value = serde_json::from_str(&fixture("ecs-task-state-stopped.json")).unwrap();
        f(&mut v["detail"]);
        v.to_string()
    }

    #[test]
    fn a_stopped_task_reports_its_containers_exit_code() {
        let obs = observation_from_ecs_event(&fixture("ecs-task-state-stopped.json")).unwrap().unwrap();
        assert_eq!(obs.run_id, RUN.parse().unwrap());
        assert_eq!(obs.version, 6);
        assert_eq!(obs.state, ObservedState::Exited { code: 3 });
        assert_eq!(obs.at, "2026-12-01T10:01:30Z".parse::<DateTime<Utc>>().unwrap());
        let zero = with_detail(|d| d["containers"][0]["exitCode"] = 0.into());
        assert_eq!(observation_from_ecs_event(&zero).unwrap().unwrap().state, ObservedState::Exited { code: 0 });
    }

    #[test]
    fn a_running_task_is_running_at_its_start() {
        let obs = observation_from_ecs_event(&fixture("ecs-task-state-running.json")).unwrap().unwrap();
        assert_eq!(obs.state, ObservedState::Running);
        assert_eq!(obs.version, 3);
        assert_eq!(obs.at, "2026-12-01T10:00:40Z".parse::<DateTime<Utc>>().unwrap());
    }

    #[test]
    fn stops_map_to_cancelled_or_failed_with_the_services_reason() {
        let user = with_detail(|d| {
            d["stopCode"] = "UserInitiated".into();
            d["stoppedReason"] = "cancelled by ada".into();
            d["containers"][0]["exitCode"] = 137.into();
        });
        assert_eq!(
            observation_from_ecs_event(&user).unwrap().unwrap().state,
            ObservedState::Stopped { cause: StopCause::Cancelled, reason: "cancelled by ada".into() }
        );
        let failed = with_detail(|d| {
            d["stopCode"] = "TaskFailedToStart".into();
            d["stoppedReason"] = "CannotPullContainerError: pull access denied".into();
            d["containers"][0].as_object_mut().unwrap().remove("exitCode");
        });
        match observation_from_ecs_event(&failed).unwrap().unwrap().state {
            ObservedState::Stopped { cause: StopCause::Failed, reason } => assert!(reason.contains("CannotPullContainerError")),
            other => panic!("{other:?}"),
        }
        let oom = with_detail(|d| {
            d["containers"][0].as_object_mut().unwrap().remove("exitCode");
            d["containers"][0]["reason"] = "OutOfMemoryError: Container killed due to memory usage".into();
        });
        match observation_from_ecs_event(&oom).unwrap().unwrap().state {
            ObservedState::Stopped { cause: StopCause::Failed, reason } => assert!(reason.contains("OutOfMemoryError")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn states_in_between_other_events_and_foreign_tasks_are_no_observation() {
        assert_eq!(observation_from_ecs_event(&with_detail(|d| d["lastStatus"] = "DEPROVISIONING".into())).unwrap(), None);
        assert_eq!(observation_from_ecs_event(&with_detail(|d| d["lastStatus"] = "PENDING".into())).unwrap(), None);
        let foreign = with_detail(|d| d["startedBy"] = "ecs-svc/123".into());
        assert_eq!(observation_from_ecs_event(&foreign).unwrap(), None);
        let tagged = with_detail(|d| {
            d["startedBy"] = "ecs-svc/123".into();
            d["tags"] = serde_json::json!([{"key": RUN_TAG, "value": RUN}]);
        });
        assert_eq!(observation_from_ecs_event(&tagged).unwrap().unwrap().run_id, RUN.parse().unwrap());
        let mut other: serde_json::Value = serde_json::from_str(&fixture("ecs-task-state-stopped.json")).unwrap();
        other["detail-type"] = "ECS Container Instance State Change".into();
        assert_eq!(observation_from_ecs_event(&other.to_string()).unwrap(), None);
        assert!(observation_from_ecs_event("{\"not\": \"an event\"}").is_err());
    }

    fn gzip_base64(json: &str) -> String {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(json.as_bytes()).unwrap();
        base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap())
    }

    #[test]
    fn a_subscription_event_becomes_one_stdio_batch_of_its_run() {
        let batch = batch_from_subscription(&fixture("cloudwatch-logs-run-stdio.json")).unwrap().unwrap();
        assert_eq!(batch.run_id, RUN.parse().unwrap());
        assert_eq!(batch.batch_id, "cwl-37922498163926476810512478591218278931968640924160720896");
        let IngestItems::Stdio(lines) = &batch.items else { panic!("stdio expected") };
        assert_eq!(lines.iter().map(|l| l.line.as_str()).collect::<Vec<_>>(), vec!["fetching 10 products", "wrote 10 rows"]);
        assert!(lines.iter().all(|l| l.stream == StdStream::Stdout));
        assert_eq!(lines[0].time, DateTime::from_timestamp_millis(1_764_583_240_000).unwrap());
        // The same event again is the same batch (stored once by the batch id).
        assert_eq!(batch_from_subscription(&fixture("cloudwatch-logs-run-stdio.json")).unwrap().unwrap(), batch);
    }

    #[test]
    fn control_messages_foreign_streams_and_garbage() {
        let control = gzip_base64(
            r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#,
        );
        assert_eq!(batch_from_awslogs_data(&control).unwrap(), None);
        let foreign =
            gzip_base64(r#"{"messageType":"DATA_MESSAGE","logStream":"c1-v1/connector/abc","logEvents":[{"id":"1","timestamp":1,"message":"x"}]}"#);
        assert_eq!(batch_from_awslogs_data(&foreign).unwrap(), None);
        assert!(batch_from_awslogs_data("not base64 !!").is_err());
        assert!(batch_from_awslogs_data(&base64::engine::general_purpose::STANDARD.encode(b"not gzip")).is_err());
        assert_eq!(run_of_stream(&format!("{}/connector/9f1e", stream_prefix(RUN.parse().unwrap()))), Some(RUN.parse().unwrap()));
    }
}
