//! Creating the single table: on-demand billing, key (`pk`, `sk`), GSI `gsi1` on
//! (`gsi1pk`, `gsi1sk`) projecting everything, TTL on `expires_at`.

use crate::error::{fatal, unavailable};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::Client;
use devportal_domain::ports::{StoreError, StoreResult};
use devportal_table::attr;
use std::time::Duration;

/// How long to wait for a new table to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

/// Creates `table` if it does not exist, waits until it is active and makes sure TTL is on.
/// Idempotent: an existing table is left as it is (apart from switching TTL on).
pub async fn create_table(client: &Client, table: &str) -> StoreResult<()> {
    if !table_exists(client, table).await? {
        let res = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(attr::PK)?)
            .attribute_definitions(attribute(attr::SK)?)
            .attribute_definitions(attribute(attr::GSI1PK)?)
            .attribute_definitions(attribute(attr::GSI1SK)?)
            .attribute_definitions(attribute(attr::GSI2PK)?)
            .attribute_definitions(attribute(attr::GSI2SK)?)
            .key_schema(key_element(attr::PK, KeyType::Hash)?)
            .key_schema(key_element(attr::SK, KeyType::Range)?)
            .global_secondary_indexes(index(attr::GSI1, attr::GSI1PK, attr::GSI1SK)?)
            .global_secondary_indexes(index(attr::GSI2, attr::GSI2PK, attr::GSI2SK)?)
            .send()
            .await;
        match res {
            Ok(_) => {}
            // Created concurrently by someone else: fine.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => {}
            Err(e) => return Err(unavailable("CreateTable", e)),
        }
    }
    wait_until_active(client, table).await?;
    enable_ttl(client, table).await
}

async fn table_exists(client: &Client, table: &str) -> StoreResult<bool> {
    match client.describe_table().table_name(table).send().await {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(false),
        Err(e) => Err(unavailable("DescribeTable", e)),
    }
}

async fn wait_until_active(client: &Client, table: &str) -> StoreResult<()> {
    let deadline = tokio::time::Instant::now() + ACTIVE_TIMEOUT;
    loop {
        let out = client.describe_table().table_name(table).send().await.map_err(|e| unavailable("DescribeTable", e))?;
        let status = out.table().and_then(|t| t.table_status());
        if status == Some(&TableStatus::Active) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(StoreError::Unavailable {
                message: format!("table {table} is not active after {}s (status {status:?})", ACTIVE_TIMEOUT.as_secs()),
                retryable: true,
            });
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn enable_ttl(client: &Client, table: &str) -> StoreResult<()> {
    let out = client.describe_time_to_live().table_name(table).send().await.map_err(|e| unavailable("DescribeTimeToLive", e))?;
    let current = out.time_to_live_description();
    let on = current.and_then(|d| d.time_to_live_status()).is_some_and(|s| matches!(s, TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling));
    if on {
        if let Some(name) = current.and_then(|d| d.attribute_name()) {
            if name != attr::EXPIRES_AT {
                tracing::warn!(table, attribute = name, "TTL is on for another attribute; leaving it as it is");
            }
        }
        return Ok(());
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(TimeToLiveSpecification::builder().enabled(true).attribute_name(attr::EXPIRES_AT).build().map_err(build_error)?)
        .send()
        .await
        .map_err(|e| unavailable("UpdateTimeToLive", e))?;
    Ok(())
}

fn attribute(name: &str) -> StoreResult<AttributeDefinition> {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().map_err(build_error)
}

/// A global secondary index on (`pk`, `sk`) projecting whole items.
fn index(name: &str, pk: &str, sk: &str) -> StoreResult<GlobalSecondaryIndex> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key_element(pk, KeyType::Hash)?)
        .key_schema(key_element(sk, KeyType::Range)?)
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .map_err(build_error)
}

fn key_element(name: &str, key_type: KeyType) -> StoreResult<KeySchemaElement> {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().map_err(build_error)
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    fatal(format!("cannot build DynamoDB request: {e}"))
}
