//! Run-log benchmark (issue 11, "Performance"), on the embedded store:
//!
//! 1. **Ingestion**: lines per second through `App::ingest` (the log-ingestion function's use
//!    case: redaction, cutting, numbering, the batch's exactly-once bookkeeping) in batches of
//!    1 000, next to a plain bulk insert of the same rows into the same table of the same
//!    database file (one prepared `INSERT` per row, one transaction per 1 000 rows).
//! 2. **Query**: p50 / p99 / max of a level-threshold + text query (one page of 50) over one
//!    run holding `--lines` stored lines, and of the whole-log match count the first page adds.
//!
//! ```text
//! devportal-bench-runlogs [--lines 1000000] [--ingest-lines 200000] [--queries 200]
//! ```

use chrono::Utc;
use devportal_app::App;
use devportal_domain::fixtures::running_ecs_run;
use devportal_domain::ids::{ConnectorId, RunId, TokenId, UserId};
use devportal_domain::run::{IngestBatch, IngestItems, LogLevel, LogQuery, LogScope, NewLogEntry, Run, RunTrigger, TriggerKind};
use std::time::{Duration, Instant};

const WORDS: &[&str] = &["fetched", "products", "shop", "category", "price", "stock", "order", "sync", "page", "retry", "timeout", "image"];

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn run_record(connector: ConnectorId) -> Run {
    Run {
        connector_id: connector,
        site_id: "dev-site".into(),
        trigger: RunTrigger { kind: TriggerKind::Api, user_id: UserId::new(), token_id: Some(TokenId::new()) },
        argv: vec!["sh".into()],
        command_line: "sh".into(),
        digest: "sha256:00".into(),
        runtime_ref: String::new(),
        handle: None,
        revision: 1,
        ..running_ecs_run(RunId::new())
    }
}

/// Line `i`: 70 % info/debug, 20 % warnings, 8 % errors, 2 % critical; a few words of text.
fn line(i: usize) -> NewLogEntry {
    let level = match i % 50 {
        0 => LogLevel::Syslog(2),
        1..=4 => LogLevel::Syslog(3),
        5..=14 => LogLevel::Syslog(4),
        15..=40 => LogLevel::Syslog(6),
        _ => LogLevel::Syslog(7),
    };
    let message =
        format!("{} {} {} item {i} done in {} ms", WORDS[i % WORDS.len()], WORDS[(i / 7) % WORDS.len()], WORDS[(i / 13) % WORDS.len()], i % 997);
    NewLogEntry { time: Utc::now(), level, message, context: serde_json::json!({"i": i}) }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn ingest_lines(app: &App, run: RunId, total: usize, offset: usize) -> Duration {
    let started = Instant::now();
    for (b, chunk) in (offset..offset + total).collect::<Vec<_>>().chunks(1000).enumerate() {
        let batch =
            IngestBatch { run_id: run, batch_id: format!("bench-{offset}-{b}"), items: IngestItems::Logs(chunk.iter().map(|i| line(*i)).collect()) };
        app.ingest(batch).await.expect("ingest");
    }
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let lines = arg("--lines", 1_000_000);
    let ingest_n = arg("--ingest-lines", 200_000);
    let queries = arg("--queries", 200);
    let dir = tempfile::tempdir().expect("temp dir");
    let embedded = devportal_wiring::embedded(devportal_wiring::EmbeddedOptions::ephemeral(dir.path().join("data"))).await.expect("embedded wiring");
    let app = embedded.app;
    let connector = ConnectorId::new();

    // 1. Ingestion, handler vs plain bulk insert, same rows, same database file.
    let handler_run = run_record(connector);
    app.ports.runs.create_run(&handler_run, None).await.unwrap();
    let handler = ingest_lines(&app, handler_run.id, ingest_n, 0).await;
    let plain_run = RunId::new();
    let conn = rusqlite::Connection::open(dir.path().join("data").join("devportal.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(30)).unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    let rows: Vec<NewLogEntry> = (0..ingest_n).map(line).collect();
    let started = Instant::now();
    for (b, chunk) in rows.chunks(1000).enumerate() {
        let tx = conn.unchecked_transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO run_log (run, seq, time, level, severity, message, context, connector, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .unwrap();
            for (j, e) in chunk.iter().enumerate() {
                stmt.execute(rusqlite::params![
                    plain_run.to_string(),
                    (b * 1000 + j + 1) as i64,
                    e.time.timestamp_micros(),
                    e.level.code(),
                    e.level.severity(),
                    e.message,
                    e.context.to_string(),
                    connector.to_string(),
                    1
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let plain = started.elapsed();
    let rate = |d: Duration| ingest_n as f64 / d.as_secs_f64();
    println!("| ingestion ({ingest_n} lines, batches of 1 000) | lines/s |");
    println!("|---|---|");
    println!("| plain bulk insert (baseline) | {:.0} |", rate(plain));
    println!(
        "| App::ingest (redact, cut, number, exactly-once) | {:.0} ({:.0} % of the baseline) |",
        rate(handler),
        100.0 * rate(handler) / rate(plain)
    );

    // 2. Queries over one run of `lines` lines.
    let big = run_record(connector);
    app.ports.runs.create_run(&big, None).await.unwrap();
    let fill = Instant::now();
    ingest_lines(&app, big.id, lines, 10_000_000).await;
    eprintln!("stored {lines} lines in {:.1} s", fill.elapsed().as_secs_f64());
    let mut cases: Vec<(&str, LogQuery)> = vec![];
    let q = |max: Option<u8>, text: Option<&str>| LogQuery {
        scope: LogScope::Run(big.id),
        max_severity: max,
        text: text.map(str::to_string),
        from: None,
        to: None,
        after: None,
        limit: 50,
    };
    cases.push(("level ≤ 3 + text `timeout` (a page of 50)", q(Some(3), Some("timeout"))));
    cases.push(("level ≤ 3 + text `item 4242 ` (rare: 1 match)", q(Some(3), Some("item 4242 "))));
    cases.push(("text `stock price` (a page of 50)", q(None, Some("stock price"))));
    cases.push(("level ≤ 4, no text (a page of 50)", q(Some(4), None)));
    println!();
    println!("| query over {lines} lines of one run | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    for (name, query) in &cases {
        let mut times = vec![];
        for _ in 0..queries {
            let t = Instant::now();
            let page = app.ports.run_data.query_logs(query).await.unwrap();
            times.push(t.elapsed());
            std::hint::black_box(page);
        }
        times.sort();
        println!("| {name} | {:.2} | {:.2} | {:.2} |", percentile(&times, 0.5), percentile(&times, 0.99), percentile(&times, 1.0));
    }
    let mut times = vec![];
    for _ in 0..queries.min(20) {
        let t = Instant::now();
        std::hint::black_box(app.ports.run_data.count_logs(&cases[0].1).await.unwrap());
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "| whole-log match count of the first case, 100 ms budget (first page only) | {:.2} | {:.2} | {:.2} |",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0)
    );
}
