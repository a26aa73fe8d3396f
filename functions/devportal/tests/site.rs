//! The web UI as the local host serves it: the security headers on every answer, deep links
//! answered with `index.html`, hashed assets cached for a year and the page never, API paths
//! never answered with the page, and a clear start-up line when the site is not built.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const TOKEN: &str = "site-test-token-0123456789abcdef";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// The child moves into the returned value, whose drop waits for it.
#[allow(clippy::zombie_processes)]
fn start(data_dir: &Path, static_dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_devportal"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .arg("--static-dir")
        .arg(static_dir)
        .env("DEVPORTAL_TOKEN", TOKEN)
        .env("DEVPORTAL_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("devportal starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("devportal prints its address within 30 s");
        if let Some(base) = line.strip_prefix("Dev Portal listening on ") {
            return Server { child, base: base.to_string() };
        }
    }
}

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>Dev Portal</title><div id=app></div>").unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/index-AbC123.js"), "console.log(1)").unwrap();
    std::fs::write(dir.path().join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    dir
}

/// The headers every answer carries, whatever its policy.
fn assert_common_security_headers(res: &reqwest::Response) {
    let h = res.headers();
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
    assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
}

/// An API answer: nothing to load, run or frame.
fn assert_api_security_headers(res: &reqwest::Response) {
    assert_common_security_headers(res);
    let csp = res.headers().get("content-security-policy").expect("a CSP on every answer").to_str().unwrap();
    assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'", "{}", res.url());
}

/// A page or an asset of the site: the policy the UI works under.
fn assert_security_headers(res: &reqwest::Response) {
    assert_common_security_headers(res);
    let h = res.headers();
    let csp = h.get("content-security-policy").expect("a CSP on every answer").to_str().unwrap();
    for directive in [
        "default-src 'self'",
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
}

#[tokio::test]
async fn pages_assets_and_api_carry_the_security_headers_and_deep_links_get_the_page() {
    let data = tempfile::tempdir().unwrap();
    let site = site();
    let server = start(data.path(), site.path());
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", server.base)).send();

    for deep in ["/", "/connectors", "/connectors/0b6f0d4e-0000-4000-8000-000000000000/versions/1/setup/vcs", "/tokens?x=1"] {
        let res = get(deep).await.unwrap();
        assert_eq!(res.status(), 200, "{deep}");
        assert_security_headers(&res);
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-cache", "{deep}: the page is never cached");
        assert!(res.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"), "{deep}");
        assert!(res.text().await.unwrap().contains("<div id=app>"), "{deep} answers index.html");
    }

    let res = get("/assets/index-AbC123.js").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_security_headers(&res);
    assert_eq!(res.headers().get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    assert!(res.headers().get("content-type").unwrap().to_str().unwrap().contains("javascript"));

    // A missing hashed asset is a 404, not the page (a script tag must not get HTML).
    let res = get("/assets/index-Missing.js").await.unwrap();
    assert_eq!(res.status(), 404);
    assert_security_headers(&res);
    assert_eq!(res.headers().get("cache-control").unwrap(), "no-cache");
    let res = client.head(format!("{}/connectors", server.base)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_security_headers(&res);

    // API paths never fall back to the page.
    for api in ["/api/v1/no-such-route", "/api/v2/connectors", "/run-api/v9/x"] {
        let res = get(api).await.unwrap();
        assert_eq!(res.status(), 404, "{api}");
        assert_api_security_headers(&res);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "not_found", "{api}");
    }
    let res = get("/api/v1/openapi.json").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_api_security_headers(&res);

    // An API answer with a policy of its own keeps it: a logo stays sandboxed.
    let api = |req: reqwest::RequestBuilder| req.bearer_auth(TOKEN).send();
    let res = api(client.post(format!("{}/api/v1/connectors", server.base)).json(&serde_json::json!({"name": "Logo", "type": "datasource"})))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_api_security_headers(&res);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let logo = format!("{}/api/v1/connectors/{id}/logo", server.base);
    let svg = "<svg xmlns='http://www.w3.org/2000/svg'/>";
    assert_eq!(api(client.put(&logo).header("content-type", "image/svg+xml").body(svg)).await.unwrap().status(), 200);
    let res = api(client.get(&logo)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_common_security_headers(&res);
    assert_eq!(
        res.headers().get("content-security-policy").unwrap(),
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
    );

    // Only GET and HEAD reach the files.
    let res = client.post(format!("{}/connectors", server.base)).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_security_headers(&res);
}

#[test]
fn an_unbuilt_site_is_announced_at_start_with_the_command_that_builds_it() {
    let data = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_devportal"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .arg("--static-dir")
        .arg(empty.path())
        .env("DEVPORTAL_TOKEN", TOKEN)
        .env("DEVPORTAL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut all = String::new();
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.push_str(&String::from_utf8_lossy(&buf[..n]));
            if all.contains("run build") {
                let _ = tx.send(all.clone());
                break;
            }
        }
    });
    let said = rx.recv_timeout(Duration::from_secs(30));
    let _ = child.kill();
    let _ = child.wait();
    let said = said.expect("the start-up log names the build command");
    assert!(said.contains("web UI is not built"), "{said}");
    assert!(said.contains("npm --prefix static-site ci && npm --prefix static-site run build"), "{said}");
}
