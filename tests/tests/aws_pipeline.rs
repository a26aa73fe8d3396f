//! The release pipeline end to end on the AWS adapters with the AWS image builder and runtime:
//! DynamoDB, SQS, S3, Secrets Manager, CodeBuild + ECR (`CodeBuildBuilder`) and ECS task
//! definitions (`EcsRuntime`), all on moto_server. moto's CodeBuild runs through the fake in
//! `tests/moto/launcher.py`: it plays the buildspec (markers, log lines, a manifest pushed to
//! ECR) and picks the outcome from the branch (`fail-build`, `slow`, `stopped-elsewhere`, …).
//! Here: a full release, a failed build and a stopped one.

use devportal_aws::aws_sdk_codebuild;
use devportal_aws::aws_sdk_codebuild::types::StatusType;
use devportal_tests::{moto, Client, Portal};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

struct Stack {
    portal: Portal,
    codebuild: aws_sdk_codebuild::Client,
    project: String,
}

/// A portal on the AWS adapters whose builds run in a fresh CodeBuild project on moto and whose
/// images are registered as ECS task definitions.
async fn stack() -> Stack {
    let mut aws = devportal_tests::fresh_aws_backend().await;
    let sdk = aws.sdk.clone().unwrap();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let project = format!("connector-images-{}", &id[..12]);
    let log_group = format!("/aws/codebuild/{project}");
    moto::create_build_project(&sdk, &project, &log_group).await;
    aws.builder = devportal_wiring::AwsBuilder::CodeBuild(devportal_wiring::CodeBuildSettings {
        project: project.clone(),
        log_group,
        ecr_prefix: format!("dp-{}", &id[..12]),
        poll_interval: Duration::from_millis(50),
        url_policy: devportal_domain::wizard::url_policy::UrlPolicy::STRICT,
    });
    aws.runtime = devportal_wiring::AwsRuntime::Ecs(devportal_wiring::EcsSettings {
        cluster: "connectors".into(),
        execution_role_arn: "arn:aws:iam::123456789012:role/connector-task-execution".into(),
        log_group: "/devportal/connectors".into(),
        family_prefix: format!("dp-{}-", &id[..8]),
    });
    Stack { portal: Portal::start_on_aws(aws).await, codebuild: aws_sdk_codebuild::Client::new(&sdk), project }
}

impl Stack {
    /// The statuses of this project's CodeBuild builds.
    async fn build_statuses(&self) -> Vec<StatusType> {
        let ids = self.codebuild.list_builds_for_project().project_name(&self.project).send().await.unwrap().ids.unwrap_or_default();
        if ids.is_empty() {
            return vec![];
        }
        let builds = self.codebuild.batch_get_builds().set_ids(Some(ids)).send().await.unwrap().builds.unwrap_or_default();
        builds.iter().filter_map(|b| b.build_status().cloned()).collect()
    }
}

/// A connector whose version 1 builds from `branch` (the fake CodeBuild's outcome switch).
async fn connector(c: &Client, name: &str, branch: &str) -> String {
    let created = c.create_connector(name, "upload").await;
    let id = created["id"].as_str().unwrap().to_string();
    c.put(
        &format!("/connectors/{id}/versions/1/steps/vcs"),
        json!({"authorization": "public", "url": "https://140.82.112.3/acme/shop.git", "branch": branch}),
    )
    .await
    .expect(200);
    c.put(
        &format!("/connectors/{id}/versions/1/steps/application"),
        json!({"command": "python", "arguments": "main.py", "health_check": "--health-check"}),
    )
    .await
    .expect(200);
    id
}

async fn state(c: &Client, id: &str) -> String {
    c.get(&format!("/connectors/{id}/versions/1")).await.expect(200)["state"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_release_builds_on_codebuild_registers_on_ecs_and_serves_the_ecr_digest() {
    let stack = stack().await;
    let c = stack.portal.admin();
    let id = connector(&c, "Shop", "main").await;
    let jobs = c.release_version(&id, 1, json!({"accounts": ["acme"]})).await;
    for job in &jobs {
        assert_eq!(job["status"], "done", "{job}");
    }
    let built = &jobs[0]["result"];
    let digest = built["digest"].as_str().unwrap();
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{built}");
    let image_ref = built["image_ref"].as_str().unwrap();
    assert!(image_ref.contains(".dkr.ecr.") && image_ref.ends_with(&format!("@{digest}")), "an ECR reference by digest: {image_ref}");
    assert_eq!(built["commit"].as_str().map(str::len), Some(40), "{built}");
    // CodeBuild's CloudWatch log reached the job log, which lives in S3.
    let log = c.job_log_text(jobs[0]["id"].as_str().unwrap()).await;
    assert!(log.contains("devportal: digest"), "{log}");
    assert_eq!(stack.build_statuses().await, [StatusType::Succeeded]);
    // sync-runtime registered an ECS task definition for that digest.
    let registered = jobs[1]["result"].to_string();
    assert!(registered.contains(":task-definition/"), "{registered}");
    // The catalog serves what CodeBuild pushed.
    let cat = c.get("/catalog?site_id=acme-shop-live").await.expect(200);
    assert_eq!(cat["items"][0]["title"], "Shop v1");
    assert_eq!(cat["items"][0]["digest"], digest, "{cat}");
}

#[tokio::test]
async fn a_failed_codebuild_build_fails_the_job_with_its_reason_and_the_version_goes_back() {
    let stack = stack().await;
    let c = stack.portal.admin();
    let id = connector(&c, "Broken", "fail-build").await;
    let before = state(&c, &id).await;
    let job = c.send(Method::POST, &format!("/connectors/{id}/versions/1/build"), None).await.expect(202);
    let job = c.wait_job(job["id"].as_str().unwrap(), 120).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(job["reason"].as_str().unwrap().starts_with("image build failed"), "{job}");
    assert_eq!(state(&c, &id).await, before, "a failed build returns the version to where it was");
    assert_eq!(stack.build_statuses().await, [StatusType::Failed]);
    let log = c.job_log_text(job["id"].as_str().unwrap()).await;
    assert!(log.contains("devportal: failure image_build_failed"), "the build's own output explains it: {log}");
}

#[tokio::test]
async fn cancelling_a_job_stops_its_codebuild_build_and_a_build_stopped_elsewhere_fails_its_job() {
    let stack = stack().await;
    let c = stack.portal.admin();

    // Cancelled in the portal while CodeBuild is building: the build is stopped.
    let id = connector(&c, "Slow", "slow").await;
    let before = state(&c, &id).await;
    let job = c.send(Method::POST, &format!("/connectors/{id}/versions/1/build"), None).await.expect(202);
    let job_id = job["id"].as_str().unwrap().to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !c.job_log_text(&job_id).await.contains("still building") {
        assert!(std::time::Instant::now() < deadline, "the slow build never reported progress");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.post(&format!("/jobs/{job_id}/cancel"), json!({})).await.expect(200);
    let job = c.wait_job(&job_id, 60).await;
    assert_eq!(job["status"], "cancelled", "{job}");
    assert_eq!(state(&c, &id).await, before);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while stack.build_statuses().await != [StatusType::Stopped] {
        assert!(std::time::Instant::now() < deadline, "the CodeBuild build was not stopped: {:?}", stack.build_statuses().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Stopped by somebody else in CodeBuild: the job fails, naming it.
    let other = connector(&c, "Stopped elsewhere", "stopped-elsewhere").await;
    let job = c.send(Method::POST, &format!("/connectors/{other}/versions/1/build"), None).await.expect(202);
    let job: Value = c.wait_job(job["id"].as_str().unwrap(), 60).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(job["reason"].as_str().unwrap().starts_with("cancelled"), "{job}");
}

#[tokio::test]
async fn deleting_a_connector_permanently_removes_its_ecr_repository() {
    let stack = stack().await;
    let c = stack.portal.admin();
    let id = connector(&c, "Short-lived", "main").await;
    let job = c.run_stage(&id, "build", None).await;
    assert_eq!(job["status"], "done", "{job}");
    let image_ref = job["result"]["image_ref"].as_str().unwrap().to_string();
    let repository = image_ref.split_once(".amazonaws.com/").map(|(_, r)| r.split('@').next().unwrap().to_string()).unwrap();
    let ecr = devportal_aws::aws_sdk_ecr::Client::new(stack.portal.aws.as_ref().unwrap().sdk.as_ref().unwrap());
    assert!(ecr.describe_repositories().repository_names(&repository).send().await.is_ok(), "{repository} exists after the build");

    c.delete(&format!("/connectors/{id}")).await.expect(200);
    c.delete(&format!("/bin/{id}")).await.expect(204);
    let gone = ecr.describe_repositories().repository_names(&repository).send().await;
    assert!(gone.is_err_and(|e| e.as_service_error().is_some_and(|s| s.is_repository_not_found_exception())), "{repository} is deleted");
}
