//! Per-port latency benchmark (issue 4, "Performance"): the main operations of ConnectorStore,
//! PipelineStore, JobQueue, JobLogStore and SecretStore, one call at a time, on
//!
//! - the embedded adapters (SQLite in a fresh temporary directory, WAL, `synchronous=FULL`), and
//! - the AWS adapters (DynamoDB, SQS, S3, Secrets Manager) against a moto server at `--endpoint`
//!   (fresh table, queues, bucket and secret prefix per run).
//!
//! Each operation runs `--warmup` times unmeasured, then `--iterations` times measured; the
//! table gives p50, p99 and max in milliseconds. `bench/ports.sh` builds this in release mode,
//! starts moto on 127.0.0.1 and runs it; see docs/BENCHMARKS.md.
//!
//! ```text
//! devportal-bench-ports [--endpoint http://127.0.0.1:PORT] [--iterations 300] [--warmup 30]
//! ```
//! Without `--endpoint` only the embedded adapters are measured.

use chrono::Utc;
use devportal_aws::aws_config::{BehaviorVersion, Region, SdkConfig};
use devportal_aws::aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use devportal_aws::{aws_sdk_dynamodb, aws_sdk_s3, aws_sdk_secretsmanager, aws_sdk_sqs};
use devportal_domain::connector::{Connector, ConnectorType, ExecutionMode, Flow};
use devportal_domain::ids::{ConnectorId, OrgId, UserId};
use devportal_domain::pipeline::{Actor, Job, JobId, JobParams, JobStatus, LogStream, Stage, StageMessage, Transition};
use devportal_domain::ports::{ConnectorQuery, ConnectorStore, JobLogStore, JobQueue, PipelineStore, SecretStore};
use devportal_domain::secret::{SecretKind, SecretValue};
use devportal_domain::version::{Version, VersionState};
use devportal_embedded::{Db, KeySource, LocalSecrets, SecretKey, SqliteJobLogs, SqlitePipelineStore, SqliteQueue, SqliteStore};
use std::any::Any;
use std::time::{Duration, Instant};

/// The measured ports of one adapter family, plus whatever must live as long as they do.
struct Ports {
    connectors: Box<dyn ConnectorStore>,
    pipeline: Box<dyn PipelineStore>,
    queue: Box<dyn JobQueue>,
    logs: Box<dyn JobLogStore>,
    secrets: Box<dyn SecretStore>,
    _keep: Box<dyn Any>,
}

async fn embedded() -> Ports {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(dir.path()).expect("open the embedded database");
    Ports {
        connectors: Box::new(SqliteStore::new(db.clone())),
        pipeline: Box::new(SqlitePipelineStore::new(db.clone())),
        queue: Box::new(SqliteQueue::new(db.clone())),
        logs: Box::new(SqliteJobLogs::new(db.clone())),
        secrets: Box::new(LocalSecrets::open(db, SecretKey::generate(), &KeySource::Given).await.expect("open the local secrets")),
        _keep: Box::new(dir),
    }
}

async fn aws(endpoint: &str) -> Ports {
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new("bench", "bench", None, None, "devportal-bench")))
        .build();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (table, queues, bucket) = (format!("bench-{id}"), format!("bench-{}", &id[..12]), format!("bench-{id}"));
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    devportal_aws::create_table(&dynamo, &table).await.expect("create the table");
    devportal_aws::create_queues(&sqs, &queues).await.expect("create the queues");
    devportal_aws::create_bucket(&s3, &bucket).await.expect("create the bucket");
    Ports {
        connectors: Box::new(devportal_aws::DynamoStore::new(dynamo.clone(), &table)),
        pipeline: Box::new(devportal_aws::DynamoPipelineStore::new(dynamo, &table)),
        queue: Box::new(devportal_aws::SqsQueue::new(sqs, &queues)),
        logs: Box::new(devportal_aws::S3JobLogs::new(s3, &bucket)),
        secrets: Box::new(devportal_aws::SecretsManagerSecrets::new(aws_sdk_secretsmanager::Client::new(&config), format!("bench/{id}"))),
        _keep: Box::new(()),
    }
}

/// p50, p99 and max of one operation, in milliseconds.
#[derive(Clone, Copy)]
struct Stats {
    p50: f64,
    p99: f64,
    max: f64,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    // Nearest rank: the smallest sample with at least p of the samples at or below it.
    let rank = |p: f64| samples[((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Stats { p50: ms(rank(0.50)), p99: ms(rank(0.99)), max: ms(*samples.last().unwrap()) }
}

/// Runs `$body` `$warmup + $n` times (`$i` = 0, 1, …); the durations of the last `$n`.
macro_rules! measure {
    ($warmup:expr, $n:expr, |$i:ident| $body:expr) => {{
        let mut samples = Vec::with_capacity($n);
        for $i in 0..($warmup + $n) {
            let started = Instant::now();
            $body;
            let took = started.elapsed();
            if $i >= $warmup {
                samples.push(took);
            }
        }
        stats(samples)
    }};
}

/// The operations, in table order: (port, operation).
const OPERATIONS: &[(&str, &str)] = &[
    ("ConnectorStore", "create connector + version 1 (one transaction)"),
    ("ConnectorStore", "get version"),
    ("ConnectorStore", "list connectors, first page of 50"),
    ("PipelineStore", "start_job (job + version + transition)"),
    ("PipelineStore", "finish_job (job + version + transition)"),
    ("PipelineStore", "get_job"),
    ("JobQueue", "enqueue (send)"),
    ("JobQueue", "receive one + ack"),
    ("JobLogStore", "append a line"),
    ("JobLogStore", "read the last 10 lines (live tail)"),
    ("JobLogStore", "read a page of 100 lines"),
    ("SecretStore", "put"),
    ("SecretStore", "get"),
];

/// A connector built from JSON, so fields added later with serde defaults need no change here.
fn connector(owner: OrgId, n: usize) -> Connector {
    let now = Utc::now();
    serde_json::from_value(serde_json::json!({
        "id": ConnectorId::new(),
        "name": format!("Bench connector {n}"),
        "type": ConnectorType::Export,
        "description": "A connector of the port benchmark.",
        "readme": "# Bench\n\nMeasured, not used.",
        "flow": Flow::Default,
        "execution_mode": ExecutionMode::Env,
        "owner": owner,
        "created_by": UserId::new(),
        "created_at": now,
        "updated_at": now,
        "main_version": null,
        "latest_version": 1,
        "has_logo": false,
        "released": false,
        "revision": 1,
    }))
    .expect("a connector")
}

fn build_job(v: &Version) -> Job {
    Job {
        id: JobId::new(),
        connector_id: v.connector_id,
        version: v.number,
        stage: Stage::Build,
        status: JobStatus::Pending,
        params: JobParams::Build,
        from_state: v.state,
        running_state: Stage::Build.running_state(v.state, false),
        requested_by: UserId::new(),
        reason: None,
        exit_code: None,
        result: None,
        attempts: 0,
        retry_of: None,
        created_at: Utc::now(),
        started_at: None,
        finished_at: None,
        revision: 1,
        lease: None,
        remote_build: None,
    }
}

fn moved(v: &Version, state: VersionState) -> Version {
    Version { state, updated_at: Utc::now(), revision: v.revision + 1, ..v.clone() }
}

fn transition(v: &Version, to: VersionState, job: &Job) -> Transition {
    Transition {
        connector_id: v.connector_id,
        version: v.number,
        from: v.state,
        to,
        at: Utc::now(),
        by: Actor::System,
        job_id: Some(job.id),
        reason: None,
    }
}

/// A spread-out index into a pool (a fixed stride, so runs are repeatable).
fn pick(i: usize, len: usize) -> usize {
    (i * 7919 + 13) % len
}

async fn run(p: &Ports, warmup: usize, n: usize) -> Vec<Stats> {
    let total = warmup + n;
    let mut out = vec![];

    // ConnectorStore.
    let org = OrgId::new();
    let fresh: Vec<(Connector, Version)> = (0..total)
        .map(|i| {
            let c = connector(org, i);
            let v = Version::first(c.id, c.created_at);
            (c, v)
        })
        .collect();
    out.push(measure!(warmup, n, |i| p.connectors.create_connector(&fresh[i].0, &fresh[i].1).await.expect("create a connector")));
    out.push(measure!(warmup, n, |i| {
        let (c, _) = &fresh[pick(i, total)];
        assert!(p.connectors.get_version(c.id, 1).await.expect("get a version").is_some());
    }));
    let query = ConnectorQuery { orgs: vec![org], limit: 50, ..Default::default() };
    out.push(measure!(warmup, n, |_i| assert_eq!(p.connectors.list_connectors(&query).await.expect("list connectors").items.len(), 50)));

    // PipelineStore: a build started and finished on each connector's version 1.
    let started: Vec<(Job, Version, Version, Transition)> = fresh
        .iter()
        .map(|(_, v)| {
            let job = build_job(v);
            let building = moved(v, VersionState::Building);
            let t = transition(v, VersionState::Building, &job);
            (job, v.clone(), building, t)
        })
        .collect();
    out.push(measure!(warmup, n, |i| {
        let (job, v, building, t) = &started[i];
        p.pipeline.start_job(job, building, v.revision, Some(t), None).await.expect("start a job")
    }));
    let finished: Vec<(Job, u64, Version, u64, Transition)> = started
        .iter()
        .map(|(job, _, building, _)| {
            let now = Utc::now();
            let done = Job { status: JobStatus::Done, started_at: Some(now), finished_at: Some(now), revision: job.revision + 1, ..job.clone() };
            let built = moved(building, VersionState::Built);
            let t = transition(building, VersionState::Built, job);
            (done, job.revision, built, building.revision, t)
        })
        .collect();
    out.push(measure!(warmup, n, |i| {
        let (job, expected_job, built, expected_version, t) = &finished[i];
        p.pipeline.finish_job(job, *expected_job, built, *expected_version, Some(t), None).await.expect("finish a job")
    }));
    out.push(measure!(warmup, n, |i| assert!(p.pipeline.get_job(finished[pick(i, total)].0.id).await.expect("get a job").is_some())));

    // JobQueue: every message sent, then each received and acknowledged.
    let messages: Vec<StageMessage> =
        started.iter().map(|(job, v, _, _)| StageMessage { job_id: job.id, connector_id: v.connector_id, version: 1, stage: Stage::Build }).collect();
    out.push(measure!(warmup, n, |i| p.queue.send(&messages[i]).await.expect("send a message")));
    out.push(measure!(warmup, n, |_i| {
        // Every message was sent: one is there (moto's SQS may answer an empty receive now and then).
        let deadline = Instant::now() + Duration::from_secs(30);
        let delivery = loop {
            if let Some(d) = p.queue.receive(Stage::Build, 1, Duration::from_secs(600)).await.expect("receive").into_iter().next() {
                break d;
            }
            assert!(Instant::now() < deadline, "no message received within 30 s");
        };
        p.queue.ack(&delivery).await.expect("ack");
    }));

    // JobLogStore: one job's log grows by `total` lines, then is read.
    let job = started[0].0.id;
    out.push(measure!(warmup, n, |i| p
        .logs
        .append(job, LogStream::Stdout, &format!("step {i}: compiling module {i} of {total}"))
        .await
        .expect("append")));
    out.push(measure!(warmup, n, |_i| assert_eq!(p.logs.read(job, Some(total as u64 - 10), 500).await.expect("read").len(), 10)));
    out.push(measure!(warmup, n, |i| {
        let after = pick(i, total - 100) as u64;
        assert_eq!(p.logs.read(job, Some(after), 100).await.expect("read").len(), 100)
    }));

    // SecretStore.
    let mut refs = Vec::with_capacity(total);
    out.push(measure!(warmup, n, |i| refs
        .push(p.secrets.put(SecretKind::GitToken, fresh[i].0.id, &SecretValue::new(format!("ghp_bench{i:034}"))).await.expect("put a secret"))));
    out.push(measure!(warmup, n, |i| assert!(p.secrets.get(&refs[pick(i, total)]).await.expect("get a secret").is_some())));

    out
}

struct Args {
    endpoint: Option<String>,
    iterations: usize,
    warmup: usize,
}

fn args() -> Args {
    let mut a = Args { endpoint: None, iterations: 300, warmup: 30 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--endpoint" => a.endpoint = Some(value()),
            "--iterations" => a.iterations = value().parse().unwrap_or_else(|_| usage("--iterations takes a number")),
            "--warmup" => a.warmup = value().parse().unwrap_or_else(|_| usage("--warmup takes a number")),
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if a.iterations + a.warmup < 110 || a.iterations == 0 {
        usage("--iterations + --warmup must be at least 110 (the log reads need that many lines)");
    }
    a
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("devportal-bench-ports: {problem}");
    }
    eprintln!("usage: devportal-bench-ports [--endpoint http://127.0.0.1:PORT] [--iterations 300] [--warmup 30]");
    std::process::exit(if problem.is_empty() { 0 } else { 2 })
}

fn ms(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.1}")
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    eprintln!("[ports] embedded adapters: {} iterations after {} warm-up", a.iterations, a.warmup);
    let started = Instant::now();
    let local = run(&embedded().await, a.warmup, a.iterations).await;
    eprintln!("[ports] embedded done in {:.1} s", started.elapsed().as_secs_f64());
    let remote = match &a.endpoint {
        Some(endpoint) => {
            eprintln!("[ports] AWS adapters on {endpoint}");
            let started = Instant::now();
            let r = run(&aws(endpoint).await, a.warmup, a.iterations).await;
            eprintln!("[ports] AWS done in {:.1} s", started.elapsed().as_secs_f64());
            Some(r)
        }
        None => None,
    };

    println!("{} iterations per operation after {} warm-up, one call at a time; milliseconds.", a.iterations, a.warmup);
    println!();
    println!("| port | operation | embedded p50 | embedded p99 | embedded max | moto p50 | moto p99 | moto max | p50 moto ÷ embedded |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for (i, (port, op)) in OPERATIONS.iter().enumerate() {
        let l = local[i];
        let (rp50, rp99, rmax, ratio) = match &remote {
            Some(r) => (ms(r[i].p50), ms(r[i].p99), ms(r[i].max), format!("{:.0}×", r[i].p50 / l.p50)),
            None => ("—".into(), "—".into(), "—".into(), "—".into()),
        };
        println!("| {port} | {op} | {} | {} | {} | {rp50} | {rp99} | {rmax} | {ratio} |", ms(l.p50), ms(l.p99), ms(l.max));
    }
}
