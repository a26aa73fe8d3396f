//! The repository URL policy, attacked through the API as a hostile tenant would: local
//! schemes without `--allow-local-repos`, the portal's own machine, the cloud metadata address,
//! unspecified and private addresses, option-like SSH hosts, names that only resolve to such
//! addresses (the check runs again after DNS), and a redirect to the metadata service. Each
//! refusal names its rule. Runs on both backends (`DEVPORTAL_TEST_BACKEND`).

use devportal_domain::wizard::url_policy::UrlPolicy;
use devportal_tests::git_fixtures::BareRepo;
use devportal_tests::{Client, Portal};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

async fn connector(client: &Client) -> String {
    client.create_connector("Policy", "upload").await["id"].as_str().unwrap().to_string()
}

async fn save_vcs(client: &Client, id: &str, body: Value) -> devportal_tests::Answer {
    client.put(&format!("/connectors/{id}/versions/1/steps/vcs"), body).await
}

/// The field error of a refused `url`: (code, message).
fn url_error(body: &Value) -> (String, String) {
    let field = body["fields"].as_array().and_then(|f| f.iter().find(|f| f["field"] == "url")).unwrap_or_else(|| panic!("no url error: {body}"));
    (field["code"].as_str().unwrap().to_string(), field["message"].as_str().unwrap().to_string())
}

async fn connection_test(client: &Client, id: &str) -> Value {
    client.post(&format!("/connectors/{id}/versions/1/vcs/test"), json!({})).await.expect(200)
}

#[tokio::test]
async fn the_default_policy_refuses_local_schemes_and_internal_addresses_naming_the_rule() {
    let portal = Portal::start_with_url_policy(UrlPolicy::STRICT).await;
    let client = portal.admin();
    let id = connector(&client).await;
    let cases = [
        ("file:///etc/passwd", "local_scheme_not_allowed", "--allow-local-repos"),
        ("git://github.com/org/repo.git", "local_scheme_not_allowed", "local scheme"),
        ("http://github.com/org/repo.git", "local_scheme_not_allowed", "local scheme"),
        ("https://127.0.0.1/org/repo.git", "loopback_address", "rule `loopback`"),
        ("https://localhost:8080/org/repo.git", "loopback_address", "rule `loopback`"),
        ("https://[::1]/org/repo.git", "loopback_address", "rule `loopback`"),
        ("https://169.254.169.254/latest/meta-data/", "link_local_address", "rule `link-local`"),
        ("https://[::ffff:169.254.169.254]/x.git", "link_local_address", "rule `link-local`"),
        ("https://0.0.0.0/org/repo.git", "unspecified_address", "rule `unspecified`"),
        ("https://10.0.0.1/org/repo.git", "private_address", "--allow-private-networks"),
        ("https://192.168.1.10/org/repo.git", "private_address", "rule `private network`"),
    ];
    for (url, code, words) in cases {
        let body = save_vcs(&client, &id, json!({"authorization": "public", "url": url})).await.expect_error(422, "validation_failed");
        let (got, message) = url_error(&body);
        assert_eq!(got, code, "{url}: {body}");
        assert!(message.contains(words), "{url}: {message}");
    }
    // Option-like SSH hosts and paths are refused at the wizard.
    for url in ["git@-oProxyCommand=touch%20/tmp/pwned:org/repo.git", "git@github.com:-oProxyCommand=x", "ssh://-oProxyCommand=x/repo.git"] {
        let body = save_vcs(&client, &id, json!({"authorization": "deploy-key", "url": url})).await.expect_error(422, "validation_failed");
        url_error(&body);
    }
    // Nothing was stored by the refused saves.
    let step = client.get(&format!("/connectors/{id}/versions/1/steps/vcs")).await.expect(200);
    assert!(step["data"].is_null() || step["data"]["url"].is_null(), "{step}");
}

#[tokio::test]
async fn names_that_resolve_to_internal_addresses_are_refused_after_dns() {
    // Numeric host forms are no IP literal to a URL parser, but the resolver reads them as
    // 127.0.0.1 and 169.254.169.254: only a check after resolution catches them.
    let portal = Portal::start_with_url_policy(UrlPolicy::STRICT).await;
    let client = portal.admin();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    for (url, rule) in [
        (format!("https://2130706433:{port}/org/repo.git"), "rule `loopback`"),
        (format!("https://127.1:{port}/org/repo.git"), "rule `loopback`"),
        ("https://2852039166/latest/meta-data/".to_string(), "rule `link-local`"),
    ] {
        let id = connector(&client).await;
        save_vcs(&client, &id, json!({"authorization": "public", "url": url})).await.expect(200);
        let test = connection_test(&client, &id).await;
        assert_eq!(test["ok"], false, "{url}: {test}");
        let reason = test["reason"].as_str().unwrap();
        assert!(reason.contains(rule) && reason.contains("resolves to"), "{url}: {reason}");

        // A build of the same URL fails at the clone with the same rule.
        client
            .put(&format!("/connectors/{id}/versions/1/steps/application"), json!({"command": "sh", "health_check": "--health-check"}))
            .await
            .expect(200);
        if portal.backend() == devportal_tests::Backend::Embedded {
            let job = client.run_stage(&id, "build", None).await;
            assert_eq!(job["status"], "failed", "{job}");
            let why = job["error"].as_str().or(job["reason"].as_str()).unwrap_or_default().to_string() + &job.to_string();
            assert!(why.contains(rule), "{url}: {job}");
        }
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a refused host was connected to");
}

#[tokio::test]
async fn a_redirect_to_the_metadata_service_is_not_followed() {
    // With --allow-local-repos the portal may use a server on this machine; that server
    // answers every request with a redirect to the cloud metadata address.
    let portal = Portal::start_with_url_policy(UrlPolicy::LOCAL).await;
    let client = portal.admin();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/iam/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let id = connector(&client).await;
    save_vcs(&client, &id, json!({"authorization": "public", "url": format!("http://127.0.0.1:{port}/org/repo.git")})).await.expect(200);
    let test = connection_test(&client, &id).await;
    assert_eq!(test["ok"], false, "{test}");
    let reason = test["reason"].as_str().unwrap().to_ascii_lowercase();
    assert!(reason.contains("redirect"), "{reason}");
}

#[tokio::test]
async fn switches_open_exactly_what_they_name() {
    // --allow-private-networks lets a company's Git server in; loopback stays refused.
    let private = UrlPolicy { allow_local_repos: false, allow_private_networks: true };
    let portal = Portal::start_with_url_policy(private).await;
    let client = portal.admin();
    let id = connector(&client).await;
    save_vcs(&client, &id, json!({"authorization": "public", "url": "https://10.20.30.40/org/repo.git"})).await.expect(200);
    let body = save_vcs(&client, &id, json!({"authorization": "public", "url": "https://127.0.0.1/org/repo.git"}))
        .await
        .expect_error(422, "validation_failed");
    assert_eq!(url_error(&body).0, "loopback_address");
    let body = save_vcs(&client, &id, json!({"authorization": "public", "url": "file:///tmp/repo.git"})).await.expect_error(422, "validation_failed");
    assert_eq!(url_error(&body).0, "local_scheme_not_allowed");
    drop(portal);

    // --allow-local-repos: file:// and loopback work; link-local never; basic credentials go
    // over plain http only to this machine.
    let portal = Portal::start_with_url_policy(UrlPolicy::LOCAL).await;
    let client = portal.admin();
    let id = connector(&client).await;
    let repo = BareRepo::create(&[("Dockerfile", "FROM scratch\n")], "main");
    save_vcs(&client, &id, json!({"authorization": "public", "url": repo.file_url()})).await.expect(200);
    assert_eq!(connection_test(&client, &id).await["ok"], true);
    let body = save_vcs(&client, &id, json!({"authorization": "public", "url": "http://169.254.169.254/r.git"}))
        .await
        .expect_error(422, "validation_failed");
    assert_eq!(url_error(&body).0, "link_local_address");
    let body =
        save_vcs(&client, &id, json!({"authorization": "basic", "url": "http://git.example.com/r.git", "username": "u", "token": "secret-token-1"}))
            .await
            .expect_error(422, "validation_failed");
    assert_eq!(url_error(&body).0, "credentials_over_http");
}
