//! What logging costs one API request: the request span with its fields, the ids the
//! extractors record, the span entered on each poll, and the `answered` line — through the
//! local host's real log setup (`logging::init`), its output to stderr.
//!
//! `cargo run --profile host -p devportal-wiring --example log_cost -- info 2>/dev/null`
//! (the filter is the argument; `warn` measures the same calls with nothing enabled).

use devportal_wiring::logging::{self, LogFormat, LogSetup};
use std::time::Instant;
use tracing::field::{display, Empty};

fn one_request(path: &str, user: &str, connector: &str) {
    let span = tracing::info_span!(
        "request",
        method = %"GET",
        path = %path,
        user_id = Empty,
        connector_id = Empty,
        version = Empty,
        job_id = Empty,
        run_id = Empty,
    );
    {
        let _in = span.enter();
        tracing::Span::current().record("user_id", display(user));
        tracing::Span::current().record("connector_id", display(connector));
    }
    for _ in 0..3 {
        let _in = span.enter();
    }
    let _in = span.enter();
    tracing::info!(status = 200u16, latency_us = 123u64, "answered");
}

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_else(|| "info".into());
    let rounds: u32 = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(500_000);
    let _logs = logging::init(LogSetup::local(logging::parse_filter(&filter).expect("a filter"), LogFormat::Text));
    let path = "/api/v1/connectors/01938a4e-7c1a-7d2e-9f10-3b4c5d6e7f80";
    let (user, connector) = ("01938a4e-0000-7d2e-9f10-3b4c5d6e7f80", "01938a4e-7c1a-7d2e-9f10-3b4c5d6e7f80");
    for _ in 0..rounds / 10 {
        one_request(path, user, connector);
    }
    let started = Instant::now();
    for _ in 0..rounds {
        one_request(path, user, connector);
    }
    let per = started.elapsed().as_nanos() as f64 / rounds as f64;
    println!("{filter}: {per:.0} ns per request ({rounds} requests)");
}
