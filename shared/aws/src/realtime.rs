//! WebSocket connections: who is connected where (the `ConnectionRegistry` port, DynamoDB
//! as the adapter) and how to reach them (the `Push` port, API Gateway's management API).

use std::{collections::HashSet, sync::Arc, time::Duration};

use anyhow::Context;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use uuid::Uuid;

/// Where each open WebSocket connection belongs.
#[async_trait]
pub trait ConnectionRegistry: Send + Sync {
    /// Records a connection of `user` that lives at most `ttl` (API Gateway's hard limit).
    async fn add(&self, connection_id: &str, user: Uuid, ttl: Duration) -> anyhow::Result<()>;
    async fn remove(&self, connection_id: &str) -> anyhow::Result<()>;
    /// The user of a live connection.
    async fn user_of(&self, connection_id: &str) -> anyhow::Result<Option<Uuid>>;
    /// The live connections of a user.
    async fn of_user(&self, user: Uuid) -> anyhow::Result<Vec<String>>;
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The connection is closed (API Gateway's 410 Gone).
    #[error("the connection is gone")]
    Gone,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Sends a frame down one connection.
#[async_trait]
pub trait Push: Send + Sync {
    async fn post(&self, connection_id: &str, frame: &[u8]) -> Result<(), PushError>;
}

/// The table of connections and the way to reach them: what a function needs to push
/// frames to users.
#[derive(Clone)]
pub struct Realtime {
    pub connections: Arc<dyn ConnectionRegistry>,
    pub push: Arc<dyn Push>,
}

/// The connections table's name unless `CONNECTIONS_TABLE` says otherwise.
pub const DEFAULT_CONNECTIONS_TABLE: &str = "connectsphere-connections";

impl Realtime {
    /// DynamoDB (`CONNECTIONS_TABLE`) and the management API at `endpoint`.
    pub fn new(config: &aws_config::SdkConfig, table: &str, endpoint: &str) -> Self {
        Realtime {
            connections: Arc::new(DynamoConnections::new(crate::dynamodb(config), table)),
            push: Arc::new(ApiGatewayPush::new(config, endpoint)),
        }
    }

    /// From `CONNECTIONS_TABLE` and `WEBSOCKET_API_ENDPOINT`; `None` when the endpoint is unset.
    pub fn from_env(config: &aws_config::SdkConfig) -> Option<Self> {
        let endpoint = std::env::var("WEBSOCKET_API_ENDPOINT").ok()?;
        let table = std::env::var("CONNECTIONS_TABLE").unwrap_or_else(|_| DEFAULT_CONNECTIONS_TABLE.into());
        Some(Self::new(config, &table, &endpoint))
    }

    /// Sends `frame` to every live connection of `users`, forgetting connections that turn
    /// out to be gone, and returns the users it reached on at least one connection.
    pub async fn broadcast(&self, users: &[Uuid], frame: &[u8]) -> anyhow::Result<HashSet<Uuid>> {
        let (registry, push) = (&*self.connections, &*self.push);
        let lookups = users.iter().map(|&user| async move { registry.of_user(user).await.map(|c| (user, c)) });
        let targets: Vec<(Uuid, String)> = futures::future::try_join_all(lookups)
            .await?
            .into_iter()
            .flat_map(|(user, connections)| connections.into_iter().map(move |c| (user, c)))
            .collect();
        let sends = targets.iter().map(|(user, connection)| async move {
            match push.post(connection, frame).await {
                Ok(()) => Some(*user),
                Err(PushError::Gone) => {
                    tracing::info!(connection, "connection gone; forgetting it");
                    if let Err(err) = registry.remove(connection).await {
                        tracing::warn!(connection, error = format!("{err:#}"), "could not forget a gone connection");
                    }
                    None
                }
                Err(PushError::Other(err)) => {
                    tracing::warn!(connection, error = format!("{err:#}"), "push failed");
                    None
                }
            }
        });
        Ok(futures::future::join_all(sends).await.into_iter().flatten().collect())
    }
}

const BY_USER: &str = "byUser";

/// Connections in a DynamoDB table: `connectionId` → `userId`, the `byUser` index back,
/// and `expiresAt` as the TTL attribute so connections whose `$disconnect` never ran expire.
#[derive(Clone)]
pub struct DynamoConnections {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoConnections {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DynamoConnections { client, table: table.into() }
    }

    /// Creates the table when it does not exist (local runs; in AWS the CDK app owns it).
    pub async fn ensure_table(&self) -> anyhow::Result<()> {
        let key = |name: &str, kind| KeySchemaElement::builder().attribute_name(name).key_type(kind).build();
        let attr = |name: &str| {
            AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build()
        };
        let request = self
            .client
            .create_table()
            .table_name(&self.table)
            .attribute_definitions(attr("connectionId")?)
            .attribute_definitions(attr("userId")?)
            .key_schema(key("connectionId", KeyType::Hash)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(BY_USER)
                    .key_schema(key("userId", KeyType::Hash)?)
                    .key_schema(key("connectionId", KeyType::Range)?)
                    .projection(Projection::builder().projection_type(ProjectionType::All).build())
                    .build()?,
            )
            .billing_mode(BillingMode::PayPerRequest);
        crate::create_table_with_ttl(&self.client, request).await
    }
}

/// DynamoDB deletes expired items within days, not at once: reads skip them.
fn live(item: &std::collections::HashMap<String, AttributeValue>, now: i64) -> bool {
    item.get("expiresAt").and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok()).is_none_or(|at| at > now)
}

#[async_trait]
impl ConnectionRegistry for DynamoConnections {
    async fn add(&self, connection_id: &str, user: Uuid, ttl: Duration) -> anyhow::Result<()> {
        let now = chrono::Utc::now().timestamp();
        let expires = now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        self.client
            .put_item()
            .table_name(&self.table)
            .item("connectionId", AttributeValue::S(connection_id.into()))
            .item("userId", AttributeValue::S(user.to_string()))
            .item("connectedAt", AttributeValue::N(now.to_string()))
            .item("expiresAt", AttributeValue::N(expires.to_string()))
            .send()
            .await
            .context("recording a connection")?;
        Ok(())
    }

    async fn remove(&self, connection_id: &str) -> anyhow::Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("connectionId", AttributeValue::S(connection_id.into()))
            .send()
            .await
            .context("forgetting a connection")?;
        Ok(())
    }

    async fn user_of(&self, connection_id: &str) -> anyhow::Result<Option<Uuid>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("connectionId", AttributeValue::S(connection_id.into()))
            .send()
            .await
            .context("reading a connection")?;
        let now = chrono::Utc::now().timestamp();
        Ok(out
            .item()
            .filter(|item| live(item, now))
            .and_then(|item| item.get("userId"))
            .and_then(|v| v.as_s().ok())
            .and_then(|s| Uuid::parse_str(s).ok()))
    }

    async fn of_user(&self, user: Uuid) -> anyhow::Result<Vec<String>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_USER)
            .key_condition_expression("userId = :u")
            .expression_attribute_values(":u", AttributeValue::S(user.to_string()))
            .send()
            .await
            .context("listing a user's connections")?;
        let now = chrono::Utc::now().timestamp();
        Ok(out
            .items()
            .iter()
            .filter(|item| live(item, now))
            .filter_map(|item| item.get("connectionId").and_then(|v| v.as_s().ok()).cloned())
            .collect())
    }
}

/// `PostToConnection` through API Gateway's management API at `endpoint`
/// (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`; locally the gateway's
/// WebSocket port).
#[derive(Clone)]
pub struct ApiGatewayPush {
    client: aws_sdk_apigatewaymanagement::Client,
}

impl ApiGatewayPush {
    pub fn new(config: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(config).endpoint_url(endpoint).build();
        ApiGatewayPush { client: aws_sdk_apigatewaymanagement::Client::from_conf(conf) }
    }

    pub fn client(&self) -> &aws_sdk_apigatewaymanagement::Client {
        &self.client
    }
}

#[async_trait]
impl Push for ApiGatewayPush {
    async fn post(&self, connection_id: &str, frame: &[u8]) -> Result<(), PushError> {
        let sent = self
            .client
            .post_to_connection()
            .connection_id(connection_id)
            .data(aws_sdk_apigatewaymanagement::primitives::Blob::new(frame))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_gone_exception()) => Err(PushError::Gone),
            Err(err) => Err(PushError::Other(anyhow::Error::new(err).context("posting to a connection"))),
        }
    }
}
