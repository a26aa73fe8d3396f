//! Builds on the local host cannot starve each other or lose their logs (docs/ARCHITECTURE.md,
//! "Build isolation" and "Job logs"): a 200,000-line build keeps its last lines, phases have
//! time limits, and one organization's queue cannot hold every build slot.

use devportal_tests::connector_fixtures::*;
use devportal_tests::{Client, Portal};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Every line of a job's log, oldest first, as (stream, text).
async fn all_log_lines(c: &Client, job_id: &str) -> Vec<(String, String)> {
    let mut lines = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/jobs/{job_id}/log?limit=1000&cursor={cur}"),
            None => format!("/jobs/{job_id}/log?limit=1000"),
        };
        let page = c.get(&path).await.expect(200);
        for l in page["items"].as_array().unwrap() {
            lines.push((l["stream"].as_str().unwrap_or("").to_string(), l["text"].as_str().unwrap_or("").to_string()));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return lines,
        }
    }
}

#[tokio::test]
async fn a_200000_line_build_log_keeps_its_first_and_last_lines_with_a_marker() {
    let repo = connector_repo("echo healthy; exit 0", "RUN seq 1 200000 | sed 's/^/build-line-/'; echo the-final-line-of-the-build\n");
    let portal = Portal::start().await;
    let c = portal.admin();
    let id = c.ready_connector("Chatty", &repo.file_url()).await;
    let started = Instant::now();
    let job = c.run_stage(&id, "build", None).await;
    let took = started.elapsed();
    assert_eq!(job["status"], "done", "{job}");
    let job_id = job["id"].as_str().unwrap();
    let read_started = Instant::now();
    let lines = all_log_lines(&c, job_id).await;
    eprintln!(
        "200,000-line build: job finished after {:.1} s; {} log lines read in {:.1} s",
        took.as_secs_f64(),
        lines.len(),
        read_started.elapsed().as_secs_f64()
    );

    assert!(lines.len() <= devportal_domain::job_log::MAX_LOG_LINES, "{} lines kept", lines.len());
    let bytes: usize = lines.iter().map(|(_, t)| t.len()).sum();
    assert!(bytes <= devportal_domain::job_log::MAX_LOG_BYTES, "{bytes} bytes kept");
    let texts: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
    let pos = |needle: &str| texts.iter().position(|t| *t == needle);
    // The beginning …
    let first = pos("build-line-1").expect("the first build line");
    assert_eq!(texts[first + 1], "build-line-2");
    // … an explicit marker …
    let marker =
        texts.iter().position(|t| t.starts_with('…') && t.contains(" lines (") && t.ends_with("bytes) omitted …")).expect("a truncation marker");
    assert_eq!(lines[marker].0, "system");
    assert!(marker > first);
    // … and the end, in order, where failures are explained.
    let Some(last) = pos("the-final-line-of-the-build") else {
        panic!("the build's final line is not in the log; it ends with:\n{}", texts[texts.len().saturating_sub(40)..].join("\n"))
    };
    assert!(last > marker);
    assert_eq!(texts[last - 1], "build-line-200000");
    assert_eq!(texts[last - 2], "build-line-199999");
    assert!(texts[last..].iter().any(|t| t.contains("health check passed")));
    assert_eq!(*texts.last().unwrap(), "build succeeded");
    // Numbers are dense and ordered.
    let seqs: Vec<u64> = {
        let page = c.get(&format!("/jobs/{job_id}/log?limit=1000")).await.expect(200);
        page["items"].as_array().unwrap().iter().map(|l| l["seq"].as_u64().unwrap()).collect()
    };
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "line numbers have gaps");
}

#[tokio::test]
async fn an_image_build_over_its_time_limit_fails_naming_the_phase_and_the_limit() {
    let repo = connector_repo("echo healthy; exit 0", "RUN echo slow-step-started; sleep 60\n");
    let portal = Portal::start_with(|config| config.host.build_limits.image_build_timeout = Duration::from_secs(3)).await;
    let c = portal.admin();
    let id = c.ready_connector("Slow", &repo.file_url()).await;
    let started = Instant::now();
    let job = c.run_stage(&id, "build", None).await;
    assert_eq!(job["status"], "failed", "{job}");
    let reason = job["reason"].as_str().unwrap();
    assert!(reason.contains("image build timed out") && reason.contains("3.0 s") && reason.contains("time limit"), "{reason}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn one_organizations_queued_builds_cannot_hold_every_slot() {
    let repo = connector_repo("echo healthy; exit 0", "RUN sleep 3\n");
    let portal = Portal::start_with(|config| config.build_concurrency = 2).await;
    let a = portal.admin();
    let user = a.post("/users", json!({"email": "b@example.com", "name": "B"})).await.expect(201);
    let b = portal.as_user(user["token"].as_str().unwrap());
    b.post("/organizations", json!({"name": "B Inc"})).await.expect(201);

    let mut a_ids = vec![];
    for i in 0..3 {
        a_ids.push(a.ready_connector(&format!("A{i}"), &repo.file_url()).await);
    }
    let b_id = b.ready_connector("B0", &repo.file_url()).await;
    // A queues three builds, then B one.
    let mut a_jobs = vec![];
    for id in &a_ids {
        a_jobs.push(a.post(&format!("/connectors/{id}/versions/1/build"), json!({})).await.expect(202)["id"].as_str().unwrap().to_string());
    }
    let b_job = b.post(&format!("/connectors/{b_id}/versions/1/build"), json!({})).await.expect(202)["id"].as_str().unwrap().to_string();

    let mut done: Vec<Value> = vec![];
    for job in a_jobs.iter() {
        done.push(a.wait_job(job, 180).await);
    }
    let b_done = b.wait_job(&b_job, 180).await;
    for j in done.iter().chain([&b_done]) {
        assert_eq!(j["status"], "done", "{j}");
    }
    let started = |j: &Value| chrono::DateTime::parse_from_rfc3339(j["started_at"].as_str().expect("started_at")).unwrap();
    // Two at once: A's first two overlap.
    let finished = |j: &Value| chrono::DateTime::parse_from_rfc3339(j["finished_at"].as_str().expect("finished_at")).unwrap();
    assert!(started(&done[1]) < finished(&done[0]), "two builds run at once: {:?}", done);
    assert!(started(&b_done) < started(&done[2]), "B's build started at {} after A's third at {}", started(&b_done), started(&done[2]));
}

/// The chroot escape program (`tests/fixtures/chroot-escape.c`).
const ESCAPE_C: &str = include_str!("../fixtures/chroot-escape.c");

#[tokio::test]
async fn a_build_cannot_read_the_portals_database() {
    // The program, compiled here (static: the image has no loader), travels base64-encoded.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("escape.c"), ESCAPE_C).unwrap();
    let out = std::process::Command::new("gcc")
        .arg("-static")
        .arg("-o")
        .arg(dir.path().join("escape"))
        .arg(dir.path().join("escape.c"))
        .output()
        .expect("gcc");
    assert!(out.status.success(), "gcc: {}", String::from_utf8_lossy(&out.stderr));
    let encoded = std::process::Command::new("base64").arg(dir.path().join("escape")).output().expect("base64");
    assert!(encoded.status.success());
    let encoded = String::from_utf8(encoded.stdout).unwrap();

    let portal = Portal::start().await;
    let db = portal.data_dir.path().join("devportal.db");
    assert!(db.is_file(), "the portal's database is at {}", db.display());
    let step = format!("RUN base64 -d /app/escape.b64 > /app/escape && chmod +x /app/escape && /app/escape {}\n", db.display());
    base_image();
    let repo = devportal_tests::git_fixtures::BareRepo::create(
        &[
            ("Dockerfile", &format!("FROM {BASE_IMAGE}\nCOPY main.sh /app/main.sh\nCOPY escape.b64 /app/escape.b64\n{step}")),
            ("main.sh", HEALTHY_SCRIPT),
            ("escape.b64", &encoded),
        ],
        "main",
    );
    let c = portal.admin();
    let id = c.ready_connector("Escape", &repo.file_url()).await;
    let job = c.run_stage(&id, "build", None).await;
    let log = all_log_lines(&c, job["id"].as_str().unwrap()).await.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join("\n");
    assert!(!log.contains("SQLite format"), "a build read the portal's database:\n{log}");
    assert!(!log.contains("read the host file"), "{log}");
    assert_eq!(job["status"], "failed", "{job}\n{log}");
    assert!(log.contains("escape: chroot failed: Operation not permitted"), "{log}");
}
