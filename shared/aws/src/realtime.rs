//! WebSocket connections: who is connected where (the `ConnectionRegistry` port, DynamoDB
//! as the adapter) and how to reach them (the `Push` port, API Gateway's management API).

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use anyhow::Context;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use uuid::Uuid;

/// Where each open WebSocket connection belongs.
#[async_trait]
pub trait ConnectionRegistry: Send + Sync {
    /// Records a connection of `user` that lives at most `ttl` (API Gateway's hard limit).
    async fn add(&self, connection_id: &str, user: Uuid, ttl: Duration) -> anyhow::Result<()>;
    async fn remove(&self, user: Uuid, connection_id: &str) -> anyhow::Result<()>;
    /// The user of a live connection.
    async fn user_of(&self, connection_id: &str) -> anyhow::Result<Option<Uuid>>;
    /// The open connections of each of `users`, as `(user, connection)`.
    async fn of_users(&self, users: &[Uuid]) -> anyhow::Result<Vec<(Uuid, String)>>;

    async fn of_user(&self, user: Uuid) -> anyhow::Result<Vec<String>> {
        Ok(self.of_users(&[user]).await?.into_iter().map(|(_, c)| c).collect())
    }
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

    /// Sends `frame` to every live connection of `users`, forgetting connections that turn
    /// out to be gone, and returns the users it reached on at least one connection.
    pub async fn broadcast(&self, users: &[Uuid], frame: &[u8]) -> anyhow::Result<HashSet<Uuid>> {
        self.send(users.iter().map(|u| (*u, frame))).await
    }

    /// Sends each user its own frame on every live connection of theirs, with one lookup of
    /// all their connections (a consumer's batch of notifications is one `BatchGetItem`, not
    /// one per notification); returns the users reached on at least one connection.
    pub async fn send<'f>(&self, frames: impl IntoIterator<Item = (Uuid, &'f [u8])>) -> anyhow::Result<HashSet<Uuid>> {
        let mut by_user: HashMap<Uuid, Vec<&[u8]>> = HashMap::new();
        for (user, frame) in frames {
            by_user.entry(user).or_default().push(frame);
        }
        if by_user.is_empty() {
            return Ok(HashSet::new());
        }
        let users: Vec<Uuid> = by_user.keys().copied().collect();
        let (registry, push) = (&*self.connections, &*self.push);
        let targets = registry.of_users(&users).await?;
        let sends = targets.iter().map(|(user, connection)| {
            let frames = by_user.get(user).map(Vec::as_slice).unwrap_or_default();
            async move {
                for frame in frames {
                    match push.post(connection, frame).await {
                        Ok(()) => {}
                        Err(PushError::Gone) => {
                            tracing::info!(connection, "connection gone; forgetting it");
                            if let Err(err) = registry.remove(*user, connection).await {
                                tracing::warn!(
                                    connection,
                                    error = format!("{err:#}"),
                                    "could not forget a gone connection"
                                );
                            }
                            return None;
                        }
                        Err(PushError::Other(err)) => {
                            tracing::warn!(connection, error = format!("{err:#}"), "push failed");
                            return None;
                        }
                    }
                }
                Some(*user)
            }
        });
        Ok(futures::future::join_all(sends).await.into_iter().flatten().collect())
    }
}

/// Connections in one DynamoDB table with a string key `pk` and two kinds of item:
/// `conn#<id>` → `userId` for each connection, and `user#<id>` → `connections`, a string
/// set that indexes the user's connections (kept with atomic `ADD` and `DELETE`). A
/// message's fan-out reads every member's index item in one strongly consistent
/// `BatchGetItem`, one request for up to 100 members. `expiresAt` is the TTL attribute:
/// records whose `$disconnect` never ran expire, and a set entry for a connection that is
/// gone is dropped the first time a push to it answers 410.
#[derive(Clone)]
pub struct DynamoConnections {
    client: crate::Lazy<aws_sdk_dynamodb::Client>,
    table: String,
}

fn connection_key(id: &str) -> AttributeValue {
    AttributeValue::S(format!("conn#{id}"))
}

fn user_key(user: Uuid) -> AttributeValue {
    AttributeValue::S(format!("user#{user}"))
}

impl DynamoConnections {
    pub fn new(client: crate::Lazy<aws_sdk_dynamodb::Client>, table: impl Into<String>) -> Self {
        DynamoConnections { client, table: table.into() }
    }

    /// Creates the table when it does not exist (local runs; in AWS the CDK app owns it).
    pub async fn ensure_table(&self) -> anyhow::Result<()> {
        crate::ensure_key_value_table(&self.client, &self.table).await
    }
}

/// DynamoDB deletes expired items within days, not at once: reads skip them.
fn live(item: &HashMap<String, AttributeValue>, now: i64) -> bool {
    item.get("expiresAt").and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok()).is_none_or(|at| at > now)
}

#[async_trait]
impl ConnectionRegistry for DynamoConnections {
    async fn add(&self, connection_id: &str, user: Uuid, ttl: Duration) -> anyhow::Result<()> {
        let now = chrono::Utc::now().timestamp();
        let expires = AttributeValue::N((now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2)).to_string());
        let record = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", connection_key(connection_id))
            .item("userId", AttributeValue::S(user.to_string()))
            .item("connectedAt", AttributeValue::N(now.to_string()))
            .item("expiresAt", expires.clone())
            .send();
        let index = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", user_key(user))
            .update_expression("ADD connections :c SET expiresAt = :e")
            .expression_attribute_values(":c", AttributeValue::Ss(vec![connection_id.to_string()]))
            .expression_attribute_values(":e", expires)
            .send();
        let (record, index) = tokio::join!(record, index);
        record.context("recording a connection")?;
        index.context("indexing a connection")?;
        Ok(())
    }

    async fn remove(&self, user: Uuid, connection_id: &str) -> anyhow::Result<()> {
        let record = self.client.delete_item().table_name(&self.table).key("pk", connection_key(connection_id)).send();
        let index = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", user_key(user))
            .update_expression("DELETE connections :c")
            .expression_attribute_values(":c", AttributeValue::Ss(vec![connection_id.to_string()]))
            .send();
        let (record, index) = tokio::join!(record, index);
        record.context("forgetting a connection")?;
        index.context("unindexing a connection")?;
        Ok(())
    }

    async fn user_of(&self, connection_id: &str) -> anyhow::Result<Option<Uuid>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", connection_key(connection_id))
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

    async fn of_users(&self, users: &[Uuid]) -> anyhow::Result<Vec<(Uuid, String)>> {
        let now = chrono::Utc::now().timestamp();
        let mut found = Vec::new();
        let mut unique: Vec<Uuid> = users.to_vec();
        unique.sort_unstable();
        unique.dedup();
        // BatchGetItem takes 100 keys; keys DynamoDB leaves unprocessed are asked again.
        for chunk in unique.chunks(100) {
            let keys = chunk.iter().map(|u| HashMap::from([("pk".to_string(), user_key(*u))])).collect();
            let mut request = KeysAndAttributes::builder().set_keys(Some(keys)).consistent_read(true).build()?;
            for attempt in 0.. {
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .context("reading users' connections")?;
                for item in out.responses().and_then(|r| r.get(&self.table)).into_iter().flatten() {
                    let user = item.get("pk").and_then(|v| v.as_s().ok()).and_then(|pk| pk.strip_prefix("user#"));
                    let (Some(Ok(user)), true) = (user.map(Uuid::parse_str), live(item, now)) else { continue };
                    let connections = item.get("connections").and_then(|v| v.as_ss().ok()).into_iter().flatten();
                    found.extend(connections.map(|c| (user, c.clone())));
                }
                match out.unprocessed_keys().and_then(|u| u.get(&self.table)).cloned() {
                    Some(rest) if !rest.keys().is_empty() && attempt < 5 => {
                        tokio::time::sleep(Duration::from_millis(20 << attempt)).await;
                        request = rest;
                    }
                    Some(rest) if !rest.keys().is_empty() => anyhow::bail!("DynamoDB left keys unprocessed"),
                    _ => break,
                }
            }
        }
        Ok(found)
    }
}

/// `PostToConnection` through API Gateway's management API at `endpoint`
/// (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`; locally the gateway's
/// WebSocket port).
#[derive(Clone)]
pub struct ApiGatewayPush {
    client: crate::Lazy<aws_sdk_apigatewaymanagement::Client>,
}

impl ApiGatewayPush {
    pub fn new(config: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(config).endpoint_url(endpoint).build();
        ApiGatewayPush {
            client: crate::Lazy::new(move || aws_sdk_apigatewaymanagement::Client::from_conf(conf.clone())),
        }
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
