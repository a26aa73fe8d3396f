//! Contract suite of the `Directory` port: ONE set of tests, written against `&dyn Directory`
//! (plus each adapter's `seed`), run against
//!
//! - the embedded adapter (`LocalDirectory`) on a fresh temporary directory, and
//! - the AWS adapter (`DynamoDirectory`) on a local `moto_server`, a table per test.
//!
//! What both must do: seeding twice leaves the same directory; `ensure_dev_site`, `install` and
//! `assign` answer the same ids however often and however concurrently they run, without
//! duplicate records; the lists hold every record once, in id order. A last test runs the same
//! calls on both and compares the stored items (key, revision, body): the two adapters write the
//! same records at the same keys.

use devportal_aws::{create_table, DynamoDirectory};
use devportal_domain::directory::example_directory;
use devportal_domain::ids::{ConnectorId, OrgId};
use devportal_domain::pipeline::{Account, Project, Site, SiteKind};
use devportal_domain::ports::{Directory, StoreError, StoreResult};
use devportal_embedded::{Db, LocalDirectory};
use devportal_tests::moto;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

/// One adapter family's directory, with what the suite needs beside the port.
enum Adapter {
    Embedded { directory: LocalDirectory, db: Db, _dir: tempfile::TempDir },
    Aws { directory: DynamoDirectory, client: aws_sdk_dynamodb::Client, table: String },
}

impl Adapter {
    fn directory(&self) -> &dyn Directory {
        match self {
            Adapter::Embedded { directory, .. } => directory,
            Adapter::Aws { directory, .. } => directory,
        }
    }

    async fn seed(&self) -> StoreResult<()> {
        match self {
            Adapter::Embedded { directory, .. } => directory.seed().await,
            Adapter::Aws { directory, .. } => directory.seed().await,
        }
    }

    /// Every stored item: (pk, sk) → (revision, body as JSON).
    async fn items(&self) -> BTreeMap<(String, String), (i64, serde_json::Value)> {
        match self {
            Adapter::Embedded { db, .. } => {
                let rows = db
                    .read(|c| {
                        let err = |e: &dyn std::fmt::Display| StoreError::Unavailable { message: e.to_string(), retryable: false };
                        let mut stmt = c.prepare("SELECT pk, sk, revision, body FROM items").map_err(|e| err(&e))?;
                        let rows = stmt
                            .query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?)))
                            .map_err(|e| err(&e))?;
                        rows.collect::<Result<Vec<_>, _>>().map_err(|e| err(&e))
                    })
                    .await
                    .expect("read the embedded items");
                rows.into_iter().map(|(pk, sk, rev, body)| ((pk, sk), (rev, serde_json::from_str(&body).unwrap()))).collect()
            }
            Adapter::Aws { client, table, .. } => {
                use aws_sdk_dynamodb::types::AttributeValue;
                let mut out = BTreeMap::new();
                let mut start = None;
                loop {
                    let page = client.scan().table_name(table).set_exclusive_start_key(start.take()).send().await.expect("scan the table");
                    for item in page.items() {
                        let s = |name: &str| match item.get(name) {
                            Some(AttributeValue::S(s)) => s.clone(),
                            other => panic!("attribute {name} is not a string: {other:?}"),
                        };
                        let rev = match item.get("revision") {
                            Some(AttributeValue::N(n)) => n.parse().unwrap(),
                            other => panic!("revision is not a number: {other:?}"),
                        };
                        out.insert((s("pk"), s("sk")), (rev, serde_json::from_str(&s("body")).unwrap()));
                    }
                    match page.last_evaluated_key {
                        Some(k) if !k.is_empty() => start = Some(k),
                        _ => return out,
                    }
                }
            }
        }
    }
}

async fn embedded() -> Arc<Adapter> {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(dir.path()).expect("open the embedded database");
    Arc::new(Adapter::Embedded { directory: LocalDirectory::new(db.clone()), db, _dir: dir })
}

async fn aws() -> Arc<Adapter> {
    let config = moto::config().await;
    let table = format!("contract-dir-{}", uuid::Uuid::new_v4().simple());
    let client = aws_sdk_dynamodb::Client::new(&config);
    create_table(&client, &table).await.expect("create the table on moto");
    Arc::new(Adapter::Aws { directory: DynamoDirectory::new(client.clone(), &table), client, table })
}

/// Runs every listed suite function against both adapter families (on a multi-threaded
/// runtime, so that concurrent calls really overlap).
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::embedded().await).await;
                }
            )*
        }
        mod aws {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::aws().await).await;
                }
            )*
        }
    };
}

contract!(
    seed_twice_gives_the_same_directory,
    concurrent_seeds_give_the_same_directory,
    ensure_dev_site_twice_gives_the_same_ids,
    ensure_dev_site_concurrently_gives_the_same_ids_and_one_record_each,
    install_and_assign_are_idempotent_also_concurrently,
    lists_are_complete_and_in_id_order,
);

// ---------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------

/// Runs `n` calls of `f` at once on the runtime's threads; their answers in call order.
async fn concurrently<T, Fut>(n: usize, f: impl Fn(usize) -> Fut) -> Vec<T>
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(f(i))).collect();
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[derive(Debug, PartialEq)]
struct Listing {
    accounts: Vec<Account>,
    projects: Vec<Project>,
    sites: Vec<Site>,
}

async fn listing(d: &dyn Directory) -> Listing {
    Listing { accounts: d.accounts().await.unwrap(), projects: d.projects().await.unwrap(), sites: d.sites().await.unwrap() }
}

fn sorted_by_id<T: Clone>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort_by(|a, b| id(a).cmp(id(b)));
    v
}

/// The example directory as the lists must answer it: each list in id order.
fn example_listing() -> Listing {
    let e = example_directory();
    Listing {
        accounts: sorted_by_id(&e.accounts, |a| &a.id),
        projects: sorted_by_id(&e.projects, |p| &p.id),
        sites: sorted_by_id(&e.sites, |s| &s.id),
    }
}

/// Every id once, every list in id order, every project's account and every site's project
/// (with the site's account) listed.
fn assert_consistent(l: &Listing) {
    let ids = |v: Vec<&str>| {
        let mut sorted = v.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(v, sorted, "ids are listed once each, in id order");
    };
    ids(l.accounts.iter().map(|a| a.id.as_str()).collect());
    ids(l.projects.iter().map(|p| p.id.as_str()).collect());
    ids(l.sites.iter().map(|s| s.id.as_str()).collect());
    for p in &l.projects {
        assert!(l.accounts.iter().any(|a| a.id == p.account_id), "project {} has its account listed", p.id);
    }
    for s in &l.sites {
        let project = l.projects.iter().find(|p| p.id == s.project_id).unwrap_or_else(|| panic!("site {} has its project listed", s.id));
        assert_eq!(project.account_id, s.account_id, "site {} is in its project's account", s.id);
    }
}

// ---------------------------------------------------------------------------------------
// The suite.
// ---------------------------------------------------------------------------------------

async fn seed_twice_gives_the_same_directory(a: Arc<Adapter>) {
    let d = a.directory();
    assert_eq!(listing(d).await, Listing { accounts: vec![], projects: vec![], sites: vec![] }, "a new directory is empty");
    a.seed().await.expect("seed");
    let first = listing(d).await;
    assert_eq!(first, example_listing());
    assert_consistent(&first);
    assert!(first.sites.iter().all(|s| s.kind == SiteKind::Production), "seeded sites are production sites");

    let items = a.items().await;
    a.seed().await.expect("seed again");
    assert_eq!(listing(d).await, first, "seeding again changes nothing");
    assert_eq!(a.items().await, items, "seeding again writes nothing new");

    // Seeding keeps what is there besides the example: a dev site stays.
    let (_, _, dev) = d.ensure_dev_site(ConnectorId::new(), OrgId::new(), 1).await.unwrap();
    a.seed().await.expect("seed a third time");
    let after = listing(d).await;
    assert!(after.sites.contains(&dev));
    assert_eq!(after.sites.len(), first.sites.len() + 1);
}

async fn concurrent_seeds_give_the_same_directory(a: Arc<Adapter>) {
    let results = concurrently(4, |_| {
        let a = a.clone();
        async move { a.seed().await }
    })
    .await;
    for r in results {
        r.expect("every concurrent seed succeeds");
    }
    assert_eq!(listing(a.directory()).await, example_listing());
}

/// The organization a test connector belongs to (the same for every call about it).
fn owner_of(connector: ConnectorId) -> OrgId {
    OrgId(connector.0)
}

async fn ensure_dev_site_twice_gives_the_same_ids(a: Arc<Adapter>) {
    a.seed().await.unwrap();
    let d = a.directory();
    let connector = ConnectorId::new();
    let (account, project, site) = d.ensure_dev_site(connector, owner_of(connector), 1).await.expect("ensure the dev site");
    assert_eq!(site.kind, SiteKind::Dev);
    assert_eq!((site.project_id.as_str(), site.account_id.as_str()), (project.id.as_str(), account.id.as_str()));
    assert_eq!(project.account_id, account.id);
    let items = a.items().await;
    let again = d.ensure_dev_site(connector, owner_of(connector), 1).await.expect("ensure the dev site again");
    assert_eq!(again, (account.clone(), project.clone(), site.clone()), "the same dev site again");
    assert_eq!(a.items().await, items, "nothing new is written the second time");

    // Listed once each, beside the example directory.
    let l = listing(d).await;
    assert_consistent(&l);
    assert_eq!(l.accounts.iter().filter(|x| **x == account).count(), 1);
    assert_eq!(l.projects.iter().filter(|x| **x == project).count(), 1);
    assert_eq!(l.sites.iter().filter(|x| **x == site).count(), 1);
    assert_eq!(l.sites.len(), example_listing().sites.len() + 1);

    // Another version: its own site, in the same project and account.
    let (account2, project2, site2) = d.ensure_dev_site(connector, owner_of(connector), 2).await.unwrap();
    assert_eq!((account2, project2), (account.clone(), project.clone()));
    assert_ne!(site2.id, site.id);
    // Another connector: its own project, in the same dev account.
    let (account3, project3, site3) = d.ensure_dev_site(ConnectorId::new(), OrgId::new(), 1).await.unwrap();
    assert_eq!(account3, account);
    assert_ne!(project3.id, project.id);
    assert_ne!(site3.id, site.id);
    let l = listing(d).await;
    assert_consistent(&l);
    assert_eq!(l.accounts.len(), example_listing().accounts.len() + 1, "one dev account for every connector");
    assert_eq!(l.projects.len(), example_listing().projects.len() + 2);
    assert_eq!(l.sites.len(), example_listing().sites.len() + 3);
}

async fn ensure_dev_site_concurrently_gives_the_same_ids_and_one_record_each(a: Arc<Adapter>) {
    let connector = ConnectorId::new();
    let results = concurrently(8, |_| {
        let a = a.clone();
        async move { a.directory().ensure_dev_site(connector, owner_of(connector), 3).await }
    })
    .await;
    let first = results[0].clone().expect("ensure the dev site");
    for r in &results {
        assert_eq!(r.as_ref().expect("every concurrent call succeeds"), &first, "every call answers the same ids");
    }
    let l = listing(a.directory()).await;
    assert_consistent(&l);
    assert_eq!(l, Listing { accounts: vec![first.0], projects: vec![first.1], sites: vec![first.2] }, "one record each");
    assert_eq!(a.items().await.len(), 3, "three items: account, project, site");
}

async fn install_and_assign_are_idempotent_also_concurrently(a: Arc<Adapter>) {
    let d = a.directory();
    let connector = ConnectorId::new();
    let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let (_, _, site) = d.ensure_dev_site(connector, owner_of(connector), 1).await.unwrap();

    let installation = d.install(connector, 1, digest).await.expect("install");
    assert!(!installation.is_empty());
    assert_eq!(d.install(connector, 1, digest).await.expect("install again"), installation, "the same installation again");
    let ids = concurrently(6, |_| {
        let a = a.clone();
        async move { a.directory().install(connector, 1, digest).await }
    })
    .await;
    for id in ids {
        assert_eq!(id.expect("every concurrent install succeeds"), installation);
    }
    // Another image or another version is another installation.
    let other_digest = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    let other = d.install(connector, 1, other_digest).await.unwrap();
    assert_ne!(other, installation);
    let other_version = d.install(connector, 2, digest).await.unwrap();
    assert_ne!(other_version, installation);
    assert_ne!(other_version, other);

    d.assign(&site.id, &installation).await.expect("assign");
    let items = a.items().await;
    d.assign(&site.id, &installation).await.expect("assign again");
    let results = concurrently(6, |_| {
        let (a, site, installation) = (a.clone(), site.id.clone(), installation.clone());
        async move { a.directory().assign(&site, &installation).await }
    })
    .await;
    for r in results {
        r.expect("every concurrent assign succeeds");
    }
    assert_eq!(a.items().await, items, "assigning again writes nothing new");

    // Dev account, project, site; three installations; one assignment. Nothing else.
    assert_eq!(items.len(), 3 + 3 + 1, "{:#?}", items.keys().collect::<Vec<_>>());
    // The directory lists are untouched by installations and assignments.
    let l = listing(d).await;
    assert_eq!((l.accounts.len(), l.projects.len(), l.sites.len()), (1, 1, 1));
}

async fn lists_are_complete_and_in_id_order(a: Arc<Adapter>) {
    a.seed().await.unwrap();
    // 12 connectors × 3 versions, in parallel batches.
    let connectors: Vec<ConnectorId> = (0..12).map(|_| ConnectorId::new()).collect();
    let made = concurrently(connectors.len() * 3, |i| {
        let (a, connector) = (a.clone(), connectors[i / 3]);
        async move { a.directory().ensure_dev_site(connector, owner_of(connector), (i % 3) as u32 + 1).await.expect("ensure the dev site") }
    })
    .await;
    let l = listing(a.directory()).await;
    assert_consistent(&l);
    let example = example_listing();
    let site_ids: BTreeSet<&str> = l.sites.iter().map(|s| s.id.as_str()).collect();
    let expected: BTreeSet<&str> = example.sites.iter().chain(made.iter().map(|m| &m.2)).map(|s| s.id.as_str()).collect();
    assert_eq!(site_ids, expected, "every site is listed");
    assert_eq!(l.sites.len(), 4 + 36);
    assert_eq!(l.projects.len(), 3 + 12);
    assert_eq!(l.accounts.len(), 2 + 1);
    for m in &made {
        assert!(l.sites.contains(&m.2), "site {} listed as created", m.2.id);
        assert!(l.projects.contains(&m.1));
        assert!(l.accounts.contains(&m.0));
    }
    for e in &example.sites {
        assert!(l.sites.contains(e), "example site {} still listed", e.id);
    }
}

/// The same calls on both adapters store the same items: same keys, revisions and bodies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_adapters_store_the_same_records() {
    let (local, dynamo) = (embedded().await, aws().await);
    let connector = ConnectorId::new();
    let digest = "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    for a in [&local, &dynamo] {
        a.seed().await.unwrap();
        let d = a.directory();
        let (_, _, site) = d.ensure_dev_site(connector, owner_of(connector), 1).await.unwrap();
        let installation = d.install(connector, 1, digest).await.unwrap();
        d.assign(&site.id, &installation).await.unwrap();
    }
    let (l, r) = (local.items().await, dynamo.items().await);
    assert_eq!(l.len(), 9 + 3 + 1 + 1, "{:#?}", l.keys().collect::<Vec<_>>());
    assert_eq!(l, r, "LocalDirectory and DynamoDirectory store the same records");
    assert_eq!(listing(local.directory()).await, listing(dynamo.directory()).await);
}
