//! The `Runtime` contract: the local runtime (registrations in the embedded store, images as
//! OCI layouts) and the ECS runtime (task definitions on moto, images in ECR) through the same
//! cases — registering is idempotent, an image the store does not hold is refused for good,
//! and deregistering a connector is idempotent. ECS specifics (task size, logging, the keep
//! tag) stay in `contract_aws_builder.rs`.

use devportal_aws::{EcsRuntime, EcsSettings};
use devportal_domain::ids::ConnectorId;
use devportal_domain::ports::Runtime;
use devportal_embedded::{Db, LocalRuntime};
use devportal_tests::moto;

/// One adapter, and how an image it can run is put where it looks.
struct Side {
    runtime: Box<dyn Runtime>,
    ecr: Option<devportal_aws::aws_sdk_ecr::Client>,
    dir: tempfile::TempDir,
}

impl Side {
    /// A stored image of `connector`: its digest and reference.
    async fn image(&self, connector: ConnectorId, tag: &str) -> (String, String) {
        match &self.ecr {
            None => {
                let layout = self.dir.path().join(format!("{connector}-{tag}"));
                std::fs::create_dir_all(&layout).unwrap();
                std::fs::write(layout.join("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}").unwrap();
                let digest = format!("sha256:{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
                (digest, format!("oci:{}:{tag}", layout.display()))
            }
            Some(ecr) => {
                let repository = format!("dp/{connector}");
                let digest = moto::push_manifest(ecr, &repository, tag).await;
                (digest, format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}:{tag}"))
            }
        }
    }

    /// A reference to an image the store does not hold.
    fn missing(&self, connector: ConnectorId) -> (String, String) {
        let digest = format!("sha256:{}", "9".repeat(64));
        match &self.ecr {
            None => (digest, format!("oci:{}:v9", self.dir.path().join("nowhere").display())),
            Some(_) => (digest.clone(), format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/dp/{connector}@{digest}")),
        }
    }
}

async fn local() -> Side {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("data")).unwrap();
    Side { runtime: Box::new(LocalRuntime::new(db)), ecr: None, dir }
}

async fn aws() -> Side {
    let config = moto::config().await;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let settings = EcsSettings {
        cluster: format!("devportal-{}", &id[..8]),
        execution_role_arn: "arn:aws:iam::123456789012:role/devportal-task-execution".into(),
        log_group: format!("/devportal/connectors/{}", &id[..8]),
        family_prefix: format!("dp{}-", &id[..8]),
    };
    Side {
        runtime: Box::new(EcsRuntime::new(&config, settings)),
        ecr: Some(devportal_aws::aws_sdk_ecr::Client::new(&config)),
        dir: tempfile::tempdir().unwrap(),
    }
}

devportal_tests::contract_suite!(
    [local, aws]
    [
        registering_is_idempotent_per_image,
        an_image_the_store_does_not_hold_is_refused_for_good,
        deregistering_is_idempotent,
    ]
);

async fn registering_is_idempotent_per_image(side: &Side) {
    let connector = ConnectorId::new();
    let (d1, r1) = side.image(connector, "v1-a").await;
    let first = side.runtime.register(connector, 1, &d1, &r1).await.expect("register");
    assert!(!first.is_empty());
    assert_eq!(side.runtime.register(connector, 1, &d1, &r1).await.unwrap(), first, "a redelivered sync answers the same reference");
    // A new image of the version is a new registration.
    let (d2, r2) = side.image(connector, "v1-b").await;
    assert_ne!(side.runtime.register(connector, 1, &d2, &r2).await.unwrap(), first);
}

async fn an_image_the_store_does_not_hold_is_refused_for_good(side: &Side) {
    let connector = ConnectorId::new();
    let (digest, reference) = side.missing(connector);
    let failure = side.runtime.register(connector, 1, &digest, &reference).await.expect_err("refused");
    assert!(!failure.retryable, "{failure:?}");
    assert!(!failure.reason.is_empty());
}

async fn deregistering_is_idempotent(side: &Side) {
    let connector = ConnectorId::new();
    let (digest, reference) = side.image(connector, "v1").await;
    side.runtime.register(connector, 1, &digest, &reference).await.expect("register");
    side.runtime.deregister(connector).await.expect("deregister");
    side.runtime.deregister(connector).await.expect("deregistering again is a no-op");
    side.runtime.deregister(ConnectorId::new()).await.expect("a connector never registered");
    // Registering after a deregistration works again (a restored build).
    side.runtime.register(connector, 1, &digest, &reference).await.expect("register again");
}
