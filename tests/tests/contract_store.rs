//! Contract suite of the storage ports: ONE set of tests, written against
//! `&dyn IdentityStore`, `&dyn ConnectorStore` and `&dyn SecretStore`, run against
//!
//! - the embedded adapters (`SqliteStore`, `LocalSecrets`) on a fresh temporary directory, and
//! - the AWS adapters (`DynamoStore`, `SecretsManagerSecrets`) on a local `moto_server`.
//!
//! moto (`devportal_tests::moto`): started once per test process on 127.0.0.1 and a free port;
//! every test gets its own table and secret-name prefix, so tests run in parallel without
//! resetting moto. If `moto_server` is not installed, the AWS half fails and says how to install it.

use chrono::Utc;
use devportal_aws::{create_table, DynamoStore, SecretsManagerSecrets};
use devportal_domain::connector::{Connector, ConnectorType, ExecutionMode, Flow, Placement};
use devportal_domain::idempotency::CreateClaim;
use devportal_domain::identity::{Email, Membership, Organization, Role, TokenHash, TokenRecord, TokenSecret, User};
use devportal_domain::ids::{ConnectorId, OrgId, TokenId, UserId};
use devportal_domain::ports::{ConnectorQuery, ConnectorStore, IdentityStore, SecretStore, StoreError};
use devportal_domain::secret::{SecretKind, SecretRef, SecretValue};
use devportal_domain::version::{Version, VersionState};
use devportal_embedded::{Db, KeySource, LocalSecrets, SecretKey, SqliteStore};
use devportal_tests::moto::{self, free_port};
use std::any::Any;

/// The three ports of one adapter family, plus whatever must live as long as they do.
struct Adapters {
    identity: Box<dyn IdentityStore>,
    connectors: Box<dyn ConnectorStore>,
    secrets: Box<dyn SecretStore>,
    _keep: Box<dyn Any + Send>,
}

async fn embedded() -> Adapters {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(dir.path()).expect("open the embedded database");
    Adapters {
        identity: Box::new(SqliteStore::new(db.clone())),
        connectors: Box::new(SqliteStore::new(db.clone())),
        secrets: Box::new(LocalSecrets::open(db, SecretKey::generate(), &KeySource::Given).await.expect("open the local secrets")),
        _keep: Box::new(dir),
    }
}

async fn aws() -> Adapters {
    let config = moto::config().await;
    let table = format!("contract-{}", uuid::Uuid::new_v4().simple());
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    create_table(&dynamo, &table).await.expect("create the table on moto");
    let store = DynamoStore::new(dynamo, table);
    let secrets = SecretsManagerSecrets::new(aws_sdk_secretsmanager::Client::new(&config), unique_prefix());
    Adapters { identity: Box::new(store.clone()), connectors: Box::new(store), secrets: Box::new(secrets), _keep: Box::new(()) }
}

fn unique_prefix() -> String {
    format!("contract/{}", uuid::Uuid::new_v4().simple())
}

devportal_tests::contract_suite!(
    [embedded, aws]
    [
        organization_and_user_round_trip,
        unique_email_and_failed_transactions_leave_nothing_behind,
        tokens_create_find_list_revoke,
        create_claims_hold_their_key_until_they_expire,
        memberships_of_lists_each_organization_once,
        conditional_updates_answer_conflict_with_the_current_revision_or_not_found,
        connector_and_first_version_are_created_together,
        a_stored_connector_is_placed_where_it_is_listed_as_it_moves_to_the_bin_and_back,
        list_connectors_walks_every_item_once_in_id_order_across_organizations,
        list_connectors_filters_by_name_type_and_released,
        list_connectors_pages_past_many_non_matching_connectors,
        versions_are_read_and_listed_in_number_order,
        large_records_round_trip,
        secrets_put_get_delete,
    ]
);

// ---------------------------------------------------------------------------------------
// Fixtures.
// ---------------------------------------------------------------------------------------

fn organization(name: &str) -> Organization {
    Organization { id: OrgId::new(), name: name.into(), created_at: Utc::now() }
}

fn membership(org: &Organization, user: UserId, role: Role) -> Membership {
    Membership { org_id: org.id, user_id: user, role, created_at: Utc::now() }
}

fn user(email: &str) -> User {
    User {
        id: UserId::new(),
        email: Email::parse("email", email).unwrap(),
        name: "Ada Lovelace".into(),
        platform_admin: false,
        created_at: Utc::now(),
    }
}

fn token(user: UserId, name: &str) -> TokenRecord {
    TokenRecord::new(user, name, TokenSecret::generate().hash(), Utc::now())
}

fn unique_email() -> String {
    format!("{}@example.com", uuid::Uuid::new_v4().simple())
}

fn connector(owner: OrgId, name: &str, connector_type: ConnectorType, released: bool) -> Connector {
    let now = Utc::now();
    Connector {
        id: ConnectorId::new(),
        name: name.into(),
        connector_type,
        description: format!("{name}, described"),
        readme: "# Readme\n\nUsage.".into(),
        flow: Flow::Default,
        execution_mode: ExecutionMode::Env,
        owner,
        created_by: UserId::new(),
        created_at: now,
        updated_at: now,
        main_version: None,
        latest_version: 1,
        has_logo: false,
        released,
        binned_at: None,
        binned_by: None,
        revision: 1,
    }
}

/// Creates a connector (with version 1) and returns it.
async fn create(s: &dyn ConnectorStore, owner: OrgId, name: &str, t: ConnectorType, released: bool) -> Connector {
    let c = connector(owner, name, t, released);
    s.create_connector(&c, &Version::first(c.id, c.created_at)).await.expect("create connector");
    c
}

fn query(orgs: &[OrgId], limit: u32) -> ConnectorQuery {
    ConnectorQuery { orgs: orgs.to_vec(), limit, ..Default::default() }
}

/// Follows `next_cursor` to the end; the ids of every page, and checks the cursor semantics.
async fn walk(s: &dyn ConnectorStore, q: &ConnectorQuery) -> Vec<Vec<ConnectorId>> {
    let mut pages = vec![];
    let mut q = q.clone();
    loop {
        let page = s.list_connectors(&q).await.expect("list connectors");
        assert!(page.items.len() <= q.limit as usize, "a page holds at most `limit` items");
        let ids: Vec<ConnectorId> = page.items.iter().map(|c| c.decode().expect("a stored connector decodes").id).collect();
        pages.push(ids.clone());
        match page.next_cursor {
            Some(cursor) => {
                assert_eq!(ids.len(), q.limit as usize, "only a full page has a next_cursor");
                assert_eq!(cursor, ids.last().unwrap().to_string(), "the cursor is the last id of the page");
                q.after = Some(cursor.parse().expect("cursor is an id"));
            }
            None => return pages,
        }
        assert!(pages.len() < 1000, "pagination does not end");
    }
}

// ---------------------------------------------------------------------------------------
// The suite.
// ---------------------------------------------------------------------------------------

async fn organization_and_user_round_trip(a: &Adapters) {
    let s: &dyn IdentityStore = a.identity.as_ref();
    let u = user(&unique_email());
    let t = token(u.id, "first");
    s.create_user(&u, &t).await.unwrap();
    assert_eq!(s.get_user(u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(s.find_user_by_email(&u.email).await.unwrap(), Some(u.clone()));
    assert_eq!(s.find_user_by_email(&Email::parse("email", "nobody@example.com").unwrap()).await.unwrap(), None);
    assert_eq!(s.get_user(UserId::new()).await.unwrap(), None);

    let org = organization("Acme");
    let admin = membership(&org, u.id, Role::Admin);
    s.create_organization(&org, &admin).await.unwrap();
    assert_eq!(s.get_organization(org.id).await.unwrap(), Some(org.clone()));
    assert_eq!(s.get_organization(OrgId::new()).await.unwrap(), None);
    assert_eq!(s.memberships_of(u.id).await.unwrap(), vec![(admin.clone(), org.clone())]);

    // The same organization again collides, and leaves the first one as it was.
    let err = s.create_organization(&org, &membership(&org, UserId::new(), Role::Admin)).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");
    assert_eq!(s.memberships_of(u.id).await.unwrap(), vec![(admin, org)]);
}

async fn unique_email_and_failed_transactions_leave_nothing_behind(a: &Adapters) {
    let s: &dyn IdentityStore = a.identity.as_ref();
    let email = unique_email();
    let first = user(&email);
    let first_token = token(first.id, "first");
    s.create_user(&first, &first_token).await.unwrap();

    // Same e-mail, everything else new: refused, and none of the new items exist.
    let second = user(&email);
    let second_token = token(second.id, "second");
    match s.create_user(&second, &second_token).await {
        Err(StoreError::AlreadyExists { what }) => assert_eq!(what, "user with this e-mail"),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(s.get_user(second.id).await.unwrap(), None);
    assert_eq!(s.find_token(&second_token.hash).await.unwrap(), None);
    assert_eq!(s.list_tokens(second.id).await.unwrap(), vec![]);
    assert_eq!(s.find_user_by_email(&first.email).await.unwrap(), Some(first.clone()));

    // New e-mail, but the token hash is taken: the conflict is the last item of the
    // transaction; the e-mail claim and the user written before it must be rolled back.
    let third = user(&unique_email());
    let clashing = TokenRecord { id: TokenId::new(), user_id: third.id, hash: first_token.hash.clone(), ..token(third.id, "clash") };
    match s.create_user(&third, &clashing).await {
        Err(StoreError::AlreadyExists { what }) => assert_eq!(what, "token"),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(s.get_user(third.id).await.unwrap(), None);
    assert_eq!(s.find_user_by_email(&third.email).await.unwrap(), None);
    assert_eq!(s.list_tokens(third.id).await.unwrap(), vec![]);
    assert_eq!(s.find_token(&first_token.hash).await.unwrap(), Some(first_token), "the existing token is untouched");

    // Nothing was left behind: the same user can now be created with a fresh token.
    s.create_user(&third, &token(third.id, "fresh")).await.unwrap();
    assert_eq!(s.find_user_by_email(&third.email).await.unwrap(), Some(third));
}

async fn create_claims_hold_their_key_until_they_expire(a: &Adapters) {
    let s = a.identity.as_ref();
    let (alice, bob) = (UserId::new(), UserId::new());
    let now = Utc::now();
    let first = CreateClaim::new("body-a".into(), "id-1".into(), now);
    assert_eq!(s.claim_create(alice, "connectors", "k", &first).await.unwrap(), first, "a free key takes the claim");
    // Another claim of the same key answers the first, whatever it says.
    let second = CreateClaim::new("body-b".into(), "id-2".into(), now);
    assert_eq!(s.claim_create(alice, "connectors", "k", &second).await.unwrap(), first);
    // Keys are per user and per route.
    assert_eq!(s.claim_create(bob, "connectors", "k", &second).await.unwrap(), second);
    assert_eq!(s.claim_create(alice, "tokens", "k", &second).await.unwrap(), second);
    // An expired claim gives the key back.
    let old = CreateClaim { expires_at: now - chrono::Duration::seconds(1), ..CreateClaim::new("body-a".into(), "id-3".into(), now) };
    assert_eq!(s.claim_create(alice, "versions", "k", &old).await.unwrap(), old);
    assert_eq!(s.claim_create(alice, "versions", "k", &second).await.unwrap(), second, "the expired claim no longer holds the key");
}

async fn tokens_create_find_list_revoke(a: &Adapters) {
    let s: &dyn IdentityStore = a.identity.as_ref();
    let u = user(&unique_email());
    let t1 = token(u.id, "first");
    s.create_user(&u, &t1).await.unwrap();
    let t2 = token(u.id, "ci");
    s.create_token(&t2).await.unwrap();
    assert_eq!(s.find_token(&t1.hash).await.unwrap(), Some(t1.clone()));
    assert_eq!(s.find_token(&t2.hash).await.unwrap(), Some(t2.clone()));
    assert_eq!(s.find_token(&TokenHash("0".repeat(64))).await.unwrap(), None);

    // A known hash under a new id: refused, and the new id is not listed either.
    let dup = TokenRecord { id: TokenId::new(), hash: t2.hash.clone(), ..token(u.id, "dup") };
    let err = s.create_token(&dup).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");

    // Listed in id (= creation) order.
    assert_eq!(s.list_tokens(u.id).await.unwrap(), vec![t1.clone(), t2.clone()]);
    assert_eq!(s.list_tokens(UserId::new()).await.unwrap(), vec![]);

    // Only the owner revokes; revoking removes the listing and marks the lookup by hash revoked.
    assert!(!s.revoke_token(UserId::new(), t1.id).await.unwrap());
    assert_eq!(s.find_token(&t1.hash).await.unwrap(), Some(t1.clone()));
    assert!(s.revoke_token(u.id, t1.id).await.unwrap());
    // The lookup by hash stays, marked revoked (a revoked preset token is not registered again).
    let tombstone = s.find_token(&t1.hash).await.unwrap().expect("the revoked token's hash record stays");
    assert!(tombstone.revoked_at.is_some(), "marked revoked: {tombstone:?}");
    assert_eq!(TokenRecord { revoked_at: None, ..tombstone }, t1);
    let revoked = s.principal_by_token(&t1.hash).await.unwrap().expect("the record is found");
    assert!(revoked.token.revoked_at.is_some(), "authentication sees it revoked");
    assert!(matches!(s.create_token(&t1).await, Err(StoreError::AlreadyExists { .. })), "a revoked hash is never registered again");
    assert_eq!(s.list_tokens(u.id).await.unwrap(), vec![t2.clone()]);
    assert!(!s.revoke_token(u.id, t1.id).await.unwrap(), "a second revoke finds none");
    assert!(!s.revoke_token(u.id, TokenId::new()).await.unwrap());
    assert_eq!(s.find_token(&t2.hash).await.unwrap(), Some(t2));
}

async fn memberships_of_lists_each_organization_once(a: &Adapters) {
    let s: &dyn IdentityStore = a.identity.as_ref();
    let ada = user(&unique_email());
    let bob = user(&unique_email());
    s.create_user(&ada, &token(ada.id, "t")).await.unwrap();
    s.create_user(&bob, &token(bob.id, "t")).await.unwrap();

    let first = organization("First");
    let second = organization("Second");
    let ada_first = membership(&first, ada.id, Role::Admin);
    s.create_organization(&first, &ada_first).await.unwrap();
    let bob_second = membership(&second, bob.id, Role::Admin);
    s.create_organization(&second, &bob_second).await.unwrap();
    let ada_second = membership(&second, ada.id, Role::Member);
    s.add_member(&ada_second).await.unwrap();

    let again = Membership { role: Role::Admin, ..ada_second.clone() };
    let err = s.add_member(&again).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");

    // In organization id order (the GSI sort key), each with its organization.
    let mut expected = vec![(ada_first, first.clone()), (ada_second, second.clone())];
    expected.sort_by_key(|(m, _)| m.org_id.to_string());
    assert_eq!(s.memberships_of(ada.id).await.unwrap(), expected);
    assert_eq!(s.memberships_of(bob.id).await.unwrap(), vec![(bob_second, second)]);
    assert_eq!(s.memberships_of(UserId::new()).await.unwrap(), vec![]);
}

async fn conditional_updates_answer_conflict_with_the_current_revision_or_not_found(a: &Adapters) {
    let s: &dyn ConnectorStore = a.connectors.as_ref();
    let org = OrgId::new();
    let c = create(s, org, "Original", ConnectorType::Datasource, false).await;

    let renamed = Connector { name: "Renamed".into(), revision: 2, ..c.clone() };
    s.update_connector(&renamed, 1).await.unwrap();
    assert_eq!(s.get_connector(c.id).await.unwrap(), Some(renamed.clone()));

    // A writer that read revision 1 lost: it learns the current revision, and nothing changes.
    let stale = Connector { name: "Stale".into(), revision: 2, ..c.clone() };
    match s.update_connector(&stale, 1).await {
        Err(StoreError::Conflict { current }) => assert_eq!(current, 2),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(s.get_connector(c.id).await.unwrap(), Some(renamed.clone()));

    let third = Connector { name: "Third".into(), revision: 3, ..renamed };
    s.update_connector(&third, 2).await.unwrap();
    assert_eq!(s.get_connector(c.id).await.unwrap(), Some(third));

    let missing = connector(org, "Missing", ConnectorType::Export, false);
    match s.update_connector(&missing, 1).await {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert_eq!(s.get_connector(missing.id).await.unwrap(), None, "a failed update creates nothing");

    // Versions follow the same rules.
    let v1 = s.get_version(c.id, 1).await.unwrap().expect("version 1");
    let updated = Version { state: VersionState::Updated, revision: v1.revision + 1, ..v1.clone() };
    s.update_version(&updated, v1.revision).await.unwrap();
    assert_eq!(s.get_version(c.id, 1).await.unwrap(), Some(updated.clone()));
    match s.update_version(&Version { state: VersionState::Building, ..updated.clone() }, v1.revision).await {
        Err(StoreError::Conflict { current }) => assert_eq!(current, updated.revision),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(s.get_version(c.id, 1).await.unwrap(), Some(updated.clone()));
    match s.update_version(&Version { number: 2, ..updated.clone() }, 1).await {
        Err(StoreError::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert_eq!(s.get_version(c.id, 2).await.unwrap(), None);
}

async fn connector_and_first_version_are_created_together(a: &Adapters) {
    let s: &dyn ConnectorStore = a.connectors.as_ref();
    let c = create(s, OrgId::new(), "Once", ConnectorType::Upload, false).await;
    assert_eq!(s.get_connector(c.id).await.unwrap(), Some(c.clone()));
    assert_eq!(s.get_connector(ConnectorId::new()).await.unwrap(), None);

    let again = Connector { name: "Twice".into(), ..c.clone() };
    let err = s.create_connector(&again, &Version::first(c.id, Utc::now())).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");
    assert_eq!(s.get_connector(c.id).await.unwrap(), Some(c.clone()), "the first connector is untouched");
    assert_eq!(s.list_versions(c.id).await.unwrap().len(), 1);
}

async fn a_stored_connector_is_placed_where_it_is_listed_as_it_moves_to_the_bin_and_back(a: &Adapters) {
    let s: &dyn ConnectorStore = a.connectors.as_ref();
    let mut c = create(s, OrgId::new(), "Placed", ConnectorType::Upload, false).await;
    assert_eq!(s.get_stored_connector(ConnectorId::new()).await.unwrap(), None);
    for binned in [true, false] {
        let stored = s.get_stored_connector(c.id).await.unwrap().unwrap();
        assert_eq!(stored.placement, c.placement());
        assert_eq!(stored.json.decode().unwrap(), c, "the stored JSON is the connector's");
        let moved = Connector { binned_at: binned.then(Utc::now), binned_by: binned.then_some(c.created_by), revision: c.revision + 1, ..c.clone() };
        s.update_connector(&moved, c.revision).await.unwrap();
        c = moved;
        // Read twice: the first read may fill a cache the second answers from.
        for _ in 0..2 {
            let stored = s.get_stored_connector(c.id).await.unwrap().unwrap();
            assert_eq!(stored.placement, Placement { owner: c.owner, binned }, "binned: {binned}");
        }
    }
}

async fn list_connectors_walks_every_item_once_in_id_order_across_organizations(a: &Adapters) {
    let s: &dyn ConnectorStore = a.connectors.as_ref();
    let (first, second, other) = (OrgId::new(), OrgId::new(), OrgId::new());
    let mut expected = vec![];
    for i in 0..7 {
        let owner = if i % 3 == 0 { second } else { first };
        expected.push(create(s, owner, &format!("Connector {i}"), ConnectorType::Download, false).await.id);
        // Someone else's connectors sit between ours and never show.
        create(s, other, &format!("Foreign {i}"), ConnectorType::Download, false).await;
    }
    expected.sort_by_key(|id| id.to_string());

    let pages = walk(s, &query(&[first, second], 3)).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 3, 1]);
    assert_eq!(pages.concat(), expected, "every connector once, in id order");

    // A page that ends exactly at the last item has no cursor.
    assert_eq!(walk(s, &query(&[first, second], 7)).await, vec![expected.clone()]);
    assert_eq!(walk(s, &query(&[second, first], 100)).await, vec![expected.clone()], "the order of orgs does not matter");
    assert_eq!(walk(s, &query(&[first, second, first], 100)).await, vec![expected.clone()], "a repeated org lists once");

    // One page per item, and one organization alone.
    let singles = walk(s, &query(&[first, second], 1)).await;
    assert_eq!(singles.concat(), expected);
    assert_eq!(singles.len(), 7);
    let only_first: Vec<ConnectorId> = walk(s, &query(&[first], 2)).await.concat();
    let mut expected_first = vec![];
    for id in &expected {
        if s.get_connector(*id).await.unwrap().unwrap().owner == first {
            expected_first.push(*id);
        }
    }
    assert_eq!(only_first, expected_first);

    // `after` is exclusive; no organizations, no connectors.
    let q = ConnectorQuery { after: Some(expected[4]), ..query(&[first, second], 10) };
    assert_eq!(walk(s, &q).await.concat(), expected[5..].to_vec());
    assert_eq!(walk(s, &query(&[], 10)).await, vec![Vec::<ConnectorId>::new()]);
    assert_eq!(walk(s, &query(&[OrgId::new()], 10)).await, vec![Vec::<ConnectorId>::new()]);
}

async fn list_connectors_filters_by_name_type_and_released(a: &Adapters) {
    let s: &dyn ConnectorStore = a.connectors.as_ref();
    let (first, second) = (OrgId::new(), OrgId::new());
    let shop_orders = create(s, first, "Shopify Orders", ConnectorType::Datasource, true).await;
    let amazon = create(s, second, "Amazon Export", ConnectorType::Export, false).await;
    let shop_export = create(s, second, "SHOPIFY export", ConnectorType::Export, true).await;
    let mini = create(s, first, "mini-shop products", ConnectorType::Datasource, false).await;
    let orgs = [first, second];
    let ids = |q: ConnectorQuery| async move { walk(s, &q).await.concat() };

    let named = |n: &str| ConnectorQuery { name_contains: Some(n.into()), ..query(&orgs, 10) };
    assert_eq!(ids(named("shopify")).await, vec![shop_orders.id, shop_export.id], "case-insensitive");
    assert_eq!(ids(named("SHOP")).await, vec![shop_orders.id, shop_export.id, mini.id]);
    assert_eq!(ids(named("y Ord")).await, vec![shop_orders.id], "a substring anywhere");
    assert_eq!(ids(named("export")).await, vec![amazon.id, shop_export.id]);
    assert_eq!(ids(named("nothing like it")).await, vec![]);

    let typed = |t: ConnectorType| ConnectorQuery { connector_type: Some(t), ..query(&orgs, 10) };
    assert_eq!(ids(typed(ConnectorType::Export)).await, vec![amazon.id, shop_export.id]);
    assert_eq!(ids(typed(ConnectorType::Datasource)).await, vec![shop_orders.id, mini.id]);
    assert_eq!(ids(typed(ConnectorType::Upload)).await, vec![]);

    let released = |r: bool| ConnectorQuery { released: Some(r), ..query(&orgs, 10) };
    assert_eq!(ids(released(true)).await, vec![shop_orders.id, shop_export.id]);
    assert_eq!(ids(released(false)).await, vec![amazon.id, mini.id]);

    // Combined, and paged one at a time.
    let combined = ConnectorQuery { name_contains: Some("shop".into()), connector_type: Some(ConnectorType::Datasource), ..query(&orgs, 1) };
    assert_eq!(walk(s, &combined).await, vec![vec![shop_orders.id], vec![mini.id]]);
    let combined = ConnectorQuery { released: Some(true), ..combined };
    assert_eq!(walk(s, &combined).await, vec![vec![shop_orders.id]]);

    // A released connector stops matching `released=false` once updated.
    let now_released = Connector { released: true, revision: 2, ..amazon.clone() };
    s.update_connector(&now_released, 1).await.unwrap();
    assert_eq!(ids(released(false)).await, vec![mini.id]);
}

async fn list_connectors_pages_past_many_non_matching_connectors(a: &Adapters) {
    // DynamoDB applies `Limit` before filters: a page of non-matching items must not end
    // the list early nor return a short page with a cursor.
    let s: &dyn ConnectorStore = a.connectors.as_ref();
    let (first, second) = (OrgId::new(), OrgId::new());
    let mut wanted = vec![];
    for i in 0..240 {
        let owner = if i % 2 == 0 { first } else { second };
        let hit = i == 5 || i == 130 || i == 131 || i == 239;
        let name = if hit { format!("Needle {i}") } else { format!("Hay {i}") };
        let c = create(s, owner, &name, ConnectorType::Transform, false).await;
        if hit {
            wanted.push(c.id);
        }
    }
    let q = ConnectorQuery { name_contains: Some("needle".into()), ..query(&[first, second], 1) };
    let pages = walk(s, &q).await;
    assert_eq!(pages.concat(), wanted);
    assert_eq!(pages.len(), 4);
    let q = ConnectorQuery { limit: 3, ..q };
    assert_eq!(walk(s, &q).await, vec![wanted[..3].to_vec(), wanted[3..].to_vec()]);
    // Unfiltered, larger than a page.
    let all = walk(s, &query(&[first, second], 200)).await;
    assert_eq!(all.iter().map(Vec::len).collect::<Vec<_>>(), vec![200, 40]);
}

async fn versions_are_read_and_listed_in_number_order(a: &Adapters) {
    let s: &dyn ConnectorStore = a.connectors.as_ref();
    let c = connector(OrgId::new(), "Versioned", ConnectorType::Write, false);
    let v1 = Version::first(c.id, c.created_at);
    s.create_connector(&c, &v1).await.unwrap();
    // A second connector's versions never mix in.
    create(s, c.owner, "Neighbour", ConnectorType::Write, false).await;

    assert_eq!(s.get_version(c.id, 1).await.unwrap(), Some(v1.clone()));
    assert_eq!(s.get_version(c.id, 2).await.unwrap(), None);
    assert_eq!(s.get_version(ConnectorId::new(), 1).await.unwrap(), None);
    // The list holds versions only (not the connector item of the same partition).
    assert_eq!(s.list_versions(c.id).await.unwrap(), vec![v1.clone()]);
    assert_eq!(s.list_versions(ConnectorId::new()).await.unwrap(), vec![]);

    // The port creates versions only with their connector; updates keep the order and content.
    let v1b = Version { state: VersionState::Building, revision: 2, ..v1.clone() };
    s.update_version(&v1b, 1).await.unwrap();
    assert_eq!(s.list_versions(c.id).await.unwrap(), vec![v1b]);
}

async fn large_records_round_trip(a: &Adapters) {
    // Every text field at its limit, in 3-byte characters: a body of about 306 KB, within
    // DynamoDB's 400 KB item limit. (In 4-byte characters the same connector is about 409 KB:
    // valid for the domain, too large for DynamoDB; see the AWS-only test below.)
    use devportal_domain::connector::{DESCRIPTION_MAX, NAME_MAX, README_MAX};
    let s: &dyn ConnectorStore = a.connectors.as_ref();
    let c = Connector {
        name: "字".repeat(NAME_MAX),
        readme: "字".repeat(README_MAX),
        description: "説".repeat(DESCRIPTION_MAX),
        ..connector(OrgId::new(), "x", ConnectorType::DataService, false)
    };
    s.create_connector(&c, &Version::first(c.id, c.created_at)).await.unwrap();
    assert_eq!(s.get_connector(c.id).await.unwrap(), Some(c.clone()));
    let page = s.list_connectors(&query(&[c.owner], 10)).await.unwrap();
    assert_eq!(page.items.iter().map(|s| s.decode().unwrap()).collect::<Vec<_>>(), vec![c.clone()]);
    // Characters JSON escapes (quotes, backslashes, newlines) round-trip too.
    let edited = Connector { readme: "\"\\\n".repeat(README_MAX / 3), revision: 2, ..c.clone() };
    s.update_connector(&edited, 1).await.unwrap();
    assert_eq!(s.get_connector(c.id).await.unwrap(), Some(edited));
}

async fn secrets_put_get_delete(a: &Adapters) {
    let s: &dyn SecretStore = a.secrets.as_ref();
    let owner = ConnectorId::new();
    let token = SecretValue::new("ghp_not-a-real-token-0123456789");
    let key = SecretValue::new("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
    let token_ref = s.put(SecretKind::GitToken, owner, &token).await.unwrap();
    let key_ref = s.put(SecretKind::DeployKey, owner, &key).await.unwrap();
    assert_ne!(token_ref, key_ref);
    assert!(!token_ref.0.contains(token.expose()), "a reference never holds the value");

    assert_eq!(s.get(&token_ref).await.unwrap(), Some(token.clone()));
    assert_eq!(s.get(&key_ref).await.unwrap(), Some(key.clone()), "multi-line values round-trip");
    // Storing the same value again gives a new, independent secret.
    let again = s.put(SecretKind::GitToken, owner, &token).await.unwrap();
    assert_ne!(again, token_ref);

    s.delete(&token_ref).await.unwrap();
    assert_eq!(s.get(&token_ref).await.unwrap(), None);
    s.delete(&token_ref).await.unwrap();
    assert_eq!(s.get(&again).await.unwrap(), Some(token), "other secrets stay");
    assert_eq!(s.get(&key_ref).await.unwrap(), Some(key));

    // References this store never issued name nothing; deleting them succeeds.
    for foreign in [
        SecretRef("local:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into()),
        SecretRef("arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf".into()),
        SecretRef("garbage".into()),
    ] {
        assert_eq!(s.get(&foreign).await.unwrap(), None, "{foreign}");
        s.delete(&foreign).await.unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// AWS-only checks: table shape, references, failures.
// ---------------------------------------------------------------------------------------

mod aws_only {
    use super::*;
    use aws_sdk_dynamodb::types::{BillingMode, TimeToLiveStatus};

    #[tokio::test]
    async fn create_table_is_idempotent_with_on_demand_billing_both_indexes_and_ttl() {
        let config = moto::config().await;
        let client = aws_sdk_dynamodb::Client::new(&config);
        let table = format!("contract-{}", uuid::Uuid::new_v4().simple());
        create_table(&client, &table).await.unwrap();
        create_table(&client, &table).await.unwrap();

        let t = client.describe_table().table_name(&table).send().await.unwrap().table.unwrap();
        let keys: Vec<(String, String)> =
            t.key_schema().iter().map(|k| (k.attribute_name().to_string(), k.key_type().as_str().to_string())).collect();
        assert_eq!(keys, vec![("pk".into(), "HASH".into()), ("sk".into(), "RANGE".into())]);
        let billing = t.billing_mode_summary().and_then(|b| b.billing_mode());
        assert_eq!(billing, Some(&BillingMode::PayPerRequest));
        let mut gsis: Vec<(String, Vec<String>)> = t
            .global_secondary_indexes()
            .iter()
            .map(|g| (g.index_name().unwrap_or_default().to_string(), g.key_schema().iter().map(|k| k.attribute_name().to_string()).collect()))
            .collect();
        gsis.sort();
        // gsi1: the lists; gsi2: the sparse housekeeping index (unfinished jobs, binned connectors).
        assert_eq!(
            gsis,
            vec![("gsi1".into(), vec!["gsi1pk".to_string(), "gsi1sk".into()]), ("gsi2".into(), vec!["gsi2pk".to_string(), "gsi2sk".into()])]
        );

        let ttl = client.describe_time_to_live().table_name(&table).send().await.unwrap();
        let ttl = ttl.time_to_live_description().unwrap();
        assert_eq!(ttl.attribute_name(), Some("expires_at"));
        assert!(matches!(ttl.time_to_live_status(), Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)));
    }

    #[tokio::test]
    async fn items_follow_the_single_table_layout() {
        let config = moto::config().await;
        let client = aws_sdk_dynamodb::Client::new(&config);
        let table = format!("contract-{}", uuid::Uuid::new_v4().simple());
        create_table(&client, &table).await.unwrap();
        let store = DynamoStore::new(client.clone(), &table);
        let c = create(&store, OrgId::new(), "Layout", ConnectorType::Export, false).await;

        let key = |pk: String, sk: &str| {
            std::collections::HashMap::from([
                ("pk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S(pk)),
                ("sk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S(sk.into())),
            ])
        };
        let item = client.get_item().table_name(&table).set_key(Some(key(format!("CONN#{}", c.id), "META"))).send().await.unwrap();
        let item = item.item().expect("connector item");
        assert_eq!(item["gsi1pk"].as_s().unwrap(), &format!("ORGCONN#{}", c.owner));
        assert_eq!(item["gsi1sk"].as_s().unwrap(), &c.id.to_string());
        assert_eq!(item["revision"].as_n().unwrap(), "1");
        let body: serde_json::Value = serde_json::from_str(item["body"].as_s().unwrap()).unwrap();
        assert_eq!(body["name"], "Layout");
        let v = client.get_item().table_name(&table).set_key(Some(key(format!("CONN#{}", c.id), "VER#0000000001"))).send().await.unwrap();
        assert!(v.item().is_some(), "version 1 under its zero-padded sort key");
    }

    #[tokio::test]
    async fn an_item_over_400_kb_is_a_permanent_failure_without_the_content() {
        // A readme of 100,000 four-byte characters is within the domain's limits (they count
        // characters) but makes an item of about 409 KB: DynamoDB refuses it (moto above
        // 405,000 bytes, AWS a little above 409,000). The adapter refuses such an item itself,
        // before any request, naming sizes only. The embedded store takes it: a known difference.
        let config = moto::config().await;
        let client = aws_sdk_dynamodb::Client::new(&config);
        let table = format!("contract-{}", uuid::Uuid::new_v4().simple());
        create_table(&client, &table).await.unwrap();
        let store = DynamoStore::new(client, &table);
        let c = Connector {
            readme: "😀".repeat(devportal_domain::connector::README_MAX),
            ..connector(OrgId::new(), "Too large", ConnectorType::Export, false)
        };
        match store.create_connector(&c, &Version::first(c.id, c.created_at)).await {
            Err(StoreError::Unavailable { retryable, message }) => {
                assert!(!retryable, "{message}");
                assert!(message.contains("too large"), "{message}");
                assert!(!message.contains("😀😀"), "the message does not echo the item");
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
        assert_eq!(store.get_connector(c.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn secret_references_are_arns_named_under_the_prefix() {
        let config = moto::config().await;
        let client = aws_sdk_secretsmanager::Client::new(&config);
        let prefix = unique_prefix();
        let secrets = SecretsManagerSecrets::new(client.clone(), format!("{prefix}/"));
        let owner = ConnectorId::new();
        let r = secrets.put(SecretKind::DeployKey, owner, &SecretValue::new("k")).await.unwrap();
        assert!(r.0.starts_with("arn:aws:secretsmanager:us-east-1:"), "{r}");
        let d = client.describe_secret().secret_id(&r.0).send().await.unwrap();
        let name = d.name().unwrap();
        let expected = format!("{prefix}/deploy-key/{owner}/");
        assert!(name.starts_with(&expected), "{name} starts with {expected}");
        assert!(uuid::Uuid::parse_str(&name[expected.len()..]).is_ok(), "{name} ends with a uuid");
        secrets.delete(&r).await.unwrap();
        assert!(client.describe_secret().secret_id(&r.0).send().await.is_err(), "deleted without a recovery window");
    }

    #[tokio::test]
    async fn a_missing_table_is_a_permanent_failure() {
        let config = moto::config().await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), "no-such-table");
        match store.get_connector(ConnectorId::new()).await {
            Err(StoreError::Unavailable { message, retryable }) => {
                assert!(!retryable, "{message}");
                assert!(message.contains("ResourceNotFound"), "{message}");
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_retryable_and_never_shows_the_secret() {
        // A port nobody listens on.
        let port = free_port();
        let config = moto::sdk_config(&format!("http://127.0.0.1:{port}"));
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), "t");
        match store.get_user(UserId::new()).await {
            Err(StoreError::Unavailable { retryable, message }) => assert!(retryable, "{message}"),
            other => panic!("expected Unavailable, got {other:?}"),
        }
        let secrets = SecretsManagerSecrets::new(aws_sdk_secretsmanager::Client::new(&config), "p");
        let value = SecretValue::new("s3cr3t-value-that-must-not-leak");
        match secrets.put(SecretKind::GitToken, ConnectorId::new(), &value).await {
            Err(e @ StoreError::Unavailable { retryable: true, .. }) => {
                assert!(!e.to_string().contains(value.expose()));
                assert!(!format!("{e:?}").contains(value.expose()));
            }
            other => panic!("expected a retryable Unavailable, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// moto_server, once per test process (`devportal_tests::moto`).
// ---------------------------------------------------------------------------------------
