//! Secrets at rest on a local installation: the database holds Git tokens and deploy keys only
//! sealed with a key that lives outside it, a start with another key is refused with a clear
//! error (never garbage), and values an earlier version stored in plain text are sealed at the
//! first start with a key.

use devportal_domain::ids::{ConnectorId, SecretId};
use devportal_domain::ports::SecretStore;
use devportal_domain::secret::{SecretKind, SecretValue};
use devportal_embedded::{keys, Db, KeySource, LocalSecrets, SecretKey, SecretsOpenError};

const TOKEN: &str = "ghp_AtRestToken0123456789abcdefXYZ";

/// Every byte the database keeps on disk (the file and its write-ahead log).
fn disk_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = vec![];
    for name in ["devportal.db", "devportal.db-wal"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn the_database_never_holds_a_secret_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let secrets = LocalSecrets::open(db.clone(), SecretKey::generate(), &KeySource::Given).await.unwrap();
    let r = secrets.put(SecretKind::GitToken, ConnectorId::new(), &SecretValue::new(TOKEN)).await.unwrap();
    db.checkpoint().await.unwrap();
    assert!(!contains(&disk_bytes(dir.path()), TOKEN), "the token is readable in the database files");
    assert_eq!(secrets.get(&r).await.unwrap().unwrap().expose(), TOKEN);
}

#[tokio::test]
async fn another_key_is_refused_with_a_clear_error_never_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let key = SecretKey::generate();
    let secrets = LocalSecrets::open(db.clone(), key.clone(), &KeySource::Given).await.unwrap();
    let r = secrets.put(SecretKind::DeployKey, ConnectorId::new(), &SecretValue::new(TOKEN)).await.unwrap();

    let source = KeySource::File("/etc/devportal/other.key".into());
    match LocalSecrets::open(db.clone(), SecretKey::generate(), &source).await {
        Err(SecretsOpenError::WrongKey { source_name }) => assert!(source_name.contains("other.key"), "{source_name}"),
        Err(e) => panic!("expected the wrong-key error, got {e}"),
        Ok(_) => panic!("a different key opened the secrets"),
    }
    // The right key still opens them.
    let again = LocalSecrets::open(db, key, &KeySource::Given).await.unwrap();
    assert_eq!(again.get(&r).await.unwrap().unwrap().expose(), TOKEN);
}

#[tokio::test]
async fn a_sealed_value_moved_to_another_record_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let secrets = LocalSecrets::open(db.clone(), SecretKey::generate(), &KeySource::Given).await.unwrap();
    let a = secrets.put(SecretKind::GitToken, ConnectorId::new(), &SecretValue::new(TOKEN)).await.unwrap();
    let b = secrets.put(SecretKind::GitToken, ConnectorId::new(), &SecretValue::new("other-value-xyz")).await.unwrap();
    let id = |r: &devportal_domain::secret::SecretRef| r.0.strip_prefix("local:").unwrap().parse::<SecretId>().unwrap();
    let (pa, pb) = (keys::secret(id(&a)), keys::secret(id(&b)));
    // Copy A's sealed value into B's record, as someone with write access to the file could.
    db.write(move |tx| {
        let body: String = tx.query_row("SELECT body FROM items WHERE pk = ?1 AND sk = 'META'", [&pa], |r| r.get(0)).unwrap();
        let sealed = serde_json::from_str::<serde_json::Value>(&body).unwrap()["sealed"].clone();
        let other: String = tx.query_row("SELECT body FROM items WHERE pk = ?1 AND sk = 'META'", [&pb], |r| r.get(0)).unwrap();
        let mut other: serde_json::Value = serde_json::from_str(&other).unwrap();
        other["sealed"] = sealed;
        tx.execute("UPDATE items SET body = ?2 WHERE pk = ?1 AND sk = 'META'", [&pb, &other.to_string()]).unwrap();
        Ok(())
    })
    .await
    .unwrap();
    let err = secrets.get(&b).await.expect_err("a moved value must not open");
    assert!(err.to_string().contains("cannot be decrypted"), "{err}");
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn plain_values_of_an_earlier_version_are_sealed_at_the_first_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let id = SecretId::new();
    let owner = ConnectorId::new();
    let pk = keys::secret(id);
    let body = serde_json::json!({"kind": SecretKind::GitToken, "owner": owner, "value": TOKEN}).to_string();
    db.write(move |tx| {
        tx.execute("INSERT INTO items (pk, sk, revision, body) VALUES (?1, 'META', 0, ?2)", [&pk, &body]).unwrap();
        Ok(())
    })
    .await
    .unwrap();
    let secrets = LocalSecrets::open(db.clone(), SecretKey::generate(), &KeySource::Given).await.unwrap();
    db.checkpoint().await.unwrap();
    assert!(!contains(&disk_bytes(dir.path()), TOKEN), "the old plain value is still on disk");
    let value = secrets.get(&devportal_domain::secret::SecretRef(format!("local:{id}"))).await.unwrap().unwrap();
    assert_eq!(value.expose(), TOKEN);
}
