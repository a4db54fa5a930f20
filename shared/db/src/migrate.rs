use anyhow::Context;
use sha2::{Digest, Sha256};
use tokio_postgres::Client;

/// One schema change, owned by a service: `id` is `<service>/<nnnn_name>` and orders it.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub id: &'static str,
    pub sql: &'static str,
}

impl Migration {
    pub fn checksum(&self) -> String {
        hex(&Sha256::digest(self.sql.as_bytes()))
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Applies the migrations not yet applied, in the order given, each once and in its own
/// transaction. An advisory lock keeps two runners (two cold starts, two test processes)
/// from racing. A migration whose text changed after it was applied is an error.
pub async fn migrate(client: &mut Client, migrations: &[Migration]) -> anyhow::Result<Vec<&'static str>> {
    client
        .batch_execute(
            "SELECT pg_advisory_lock(7243001);
             CREATE TABLE IF NOT EXISTS schema_migrations (
                 id text PRIMARY KEY,
                 checksum text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             );",
        )
        .await
        .context("locking for migrations")?;
    let result = apply(client, migrations).await;
    client.batch_execute("SELECT pg_advisory_unlock(7243001)").await.ok();
    result
}

async fn apply(client: &mut Client, migrations: &[Migration]) -> anyhow::Result<Vec<&'static str>> {
    let mut applied = Vec::new();
    for m in migrations {
        let existing = client.query_opt("SELECT checksum FROM schema_migrations WHERE id = $1", &[&m.id]).await?;
        match existing {
            Some(row) => {
                let checksum: String = row.get(0);
                anyhow::ensure!(checksum == m.checksum(), "migration {} was edited after it was applied", m.id);
            }
            None => {
                let tx = client.transaction().await?;
                tx.batch_execute(m.sql).await.with_context(|| format!("migration {}", m.id))?;
                tx.execute("INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)", &[&m.id, &m.checksum()])
                    .await?;
                tx.commit().await?;
                tracing::info!(migration = m.id, "applied");
                applied.push(m.id);
            }
        }
    }
    Ok(applied)
}
