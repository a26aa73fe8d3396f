//! Records for tests that need a well-formed entity without going through the API (feature
//! `fixtures`, enabled only by dev-dependencies).

use crate::ids::{ConnectorId, OrgId, RunId, UserId};
use crate::pipeline::SiteKind;
use crate::run::{Run, RunStatus, RunTrigger, TriggerKind};
use chrono::Utc;

/// A run of version 1 on the dev site, started now and running as an ECS task (as the run
/// launcher leaves it), so the handlers fed ECS and CloudWatch Logs events find it.
pub fn running_ecs_run(id: RunId) -> Run {
    Run {
        id,
        connector_id: ConnectorId::new(),
        owner_org_id: OrgId::new(),
        version: 1,
        site_id: "dev".into(),
        site_kind: SiteKind::Dev,
        status: RunStatus::Running,
        exit_code: None,
        created_at: Utc::now(),
        started_at: Some(Utc::now()),
        finished_at: None,
        process_id: None,
        trigger: RunTrigger { kind: TriggerKind::User, user_id: UserId::new(), token_id: None },
        argv: vec!["/bin/c".into()],
        command_line: "/bin/c".into(),
        environment: vec![],
        reason: None,
        stop_requested: None,
        time_limit_secs: 900,
        digest: format!("sha256:{}", "a".repeat(64)),
        runtime_ref: "arn:aws:ecs:us-east-1:123456789012:task-definition/x:1".into(),
        handle: Some("arn:aws:ecs:us-east-1:123456789012:task/devportal-runs/9f1e2d3c4b5a69788796a5b4c3d2e1f0".into()),
        observed_version: 0,
        token_hash: None,
        values_ref: None,
        has_test_input: false,
        progress: None,
        revision: 0,
    }
}
