//! The notification service's SQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cs_db::{GenericClient, Row};
use cs_http::{Cursor, PageParams};
use uuid::Uuid;

use crate::domain::{Channel, Kind, Planned};

pub struct NotificationRow {
    pub id: Uuid,
    pub kind: String,
    pub subject_id: Uuid,
    pub actor_ids: Vec<Uuid>,
    pub actor_count: i32,
    pub read: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Row> for NotificationRow {
    fn from(r: &Row) -> Self {
        NotificationRow {
            id: r.get(0),
            kind: r.get(1),
            subject_id: r.get(2),
            actor_ids: r.get(3),
            actor_count: r.get(4),
            read: r.get::<_, Option<DateTime<Utc>>>(5).is_some(),
            created_at: r.get(6),
            updated_at: r.get(7),
        }
    }
}

pub fn cursor(n: &NotificationRow) -> Cursor {
    Cursor { at: n.updated_at, id: n.id }
}

/// Adds the notification, or joins the actor to the unread one of its group. Returns it,
/// and `true` when it is new.
pub async fn upsert(db: &impl GenericClient, p: &Planned) -> anyhow::Result<(NotificationRow, bool)> {
    let row = db
        .query_one(
            &db.prepare_cached(
                "INSERT INTO notifications AS n (id, user_id, type, subject_id, group_key, actor_ids, actor_count)
             VALUES ($1, $2, $3, $4, $5, ARRAY[$6::uuid], 1)
             ON CONFLICT (user_id, group_key) WHERE read_at IS NULL DO UPDATE SET
                 actor_ids = (ARRAY[$6::uuid] || array_remove(n.actor_ids, $6::uuid))[1:10],
                 actor_count = n.actor_count + CASE WHEN $6::uuid = ANY(n.actor_ids) THEN 0 ELSE 1 END,
                 updated_at = clock_timestamp()
             RETURNING id, type, subject_id, actor_ids, actor_count, read_at, created_at, updated_at, (xmax = 0)",
            )
            .await?,
            &[&Uuid::now_v7(), &p.recipient, &p.kind.as_str(), &p.subject, &p.group_key, &p.actor],
        )
        .await?;
    Ok((NotificationRow::from(&row), row.get(8)))
}

pub async fn page(
    db: &impl GenericClient,
    user: Uuid,
    kind: Option<Kind>,
    params: &PageParams,
) -> anyhow::Result<Vec<NotificationRow>> {
    let (at, id) = params.cursor.map(|c| (Some(c.at), Some(c.id))).unwrap_or((None, None));
    let rows = db
        .query(
            &db.prepare_cached(
                "SELECT id, type, subject_id, actor_ids, actor_count, read_at, created_at, updated_at
             FROM notifications
             WHERE user_id = $1
               AND ($2::text IS NULL OR type = $2)
               AND ($3::timestamptz IS NULL OR (updated_at, id) < ($3, $4))
             ORDER BY updated_at DESC, id DESC
             LIMIT $5",
            )
            .await?,
            &[&user, &kind.map(Kind::as_str), &at, &id, &params.fetch()],
        )
        .await?;
    Ok(rows.iter().map(NotificationRow::from).collect())
}

pub struct Actor {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
}

pub async fn actors(db: &impl GenericClient, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, Actor>> {
    let rows = db
        .query(
            &db.prepare_cached("SELECT id, username, display_name, avatar_url FROM user_summaries WHERE id = ANY($1)")
                .await?,
            &[&ids],
        )
        .await?;
    let actor = |r: &cs_db::Row| -> Result<(Uuid, Actor), tokio_postgres::Error> {
        let id = r.try_get("id")?;
        let (username, display_name, avatar_url) =
            (r.try_get("username")?, r.try_get("display_name")?, r.try_get("avatar_url")?);
        Ok((id, Actor { id, username, display_name, avatar_url }))
    };
    Ok(rows.iter().map(actor).collect::<Result<_, _>>()?)
}

pub async fn unread_count(db: &impl GenericClient, user: Uuid) -> anyhow::Result<i64> {
    Ok(db
        .query_one(
            &db.prepare_cached("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL").await?,
            &[&user],
        )
        .await?
        .get(0))
}

/// Marks the user's notifications read: these ids, or all. Returns how many changed.
pub async fn mark_read(db: &impl GenericClient, user: Uuid, ids: Option<&[Uuid]>) -> anyhow::Result<u64> {
    Ok(db
        .execute(
            &db.prepare_cached(
                "UPDATE notifications SET read_at = now()
             WHERE user_id = $1 AND read_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2))",
            )
            .await?,
            &[&user, &ids],
        )
        .await?)
}

/// The user's channel for every kind, defaults filled in.
pub async fn preferences(db: &impl GenericClient, user: Uuid) -> anyhow::Result<Vec<(Kind, Channel)>> {
    let rows = db
        .query(
            &db.prepare_cached("SELECT type, channel FROM notification_preferences WHERE user_id = $1").await?,
            &[&user],
        )
        .await?;
    let chosen: HashMap<String, String> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    Ok(Kind::ALL
        .into_iter()
        .map(|k| (k, chosen.get(k.as_str()).and_then(|c| Channel::parse(c)).unwrap_or(k.default_channel())))
        .collect())
}

pub async fn set_preference(db: &impl GenericClient, user: Uuid, kind: Kind, channel: Channel) -> anyhow::Result<()> {
    db.execute(
        &db.prepare_cached(
            "INSERT INTO notification_preferences (user_id, type, channel) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, type) DO UPDATE SET channel = EXCLUDED.channel",
        )
        .await?,
        &[&user, &kind.as_str(), &channel.as_str()],
    )
    .await?;
    Ok(())
}

pub struct Recipient {
    pub email: String,
    pub channel: Channel,
}

/// The recipient's address and chosen channel for `kind`; `None` if the user is gone.
pub async fn recipient(db: &impl GenericClient, user: Uuid, kind: Kind) -> anyhow::Result<Option<Recipient>> {
    let row = db
        .query_opt(
            &db.prepare_cached(
                "SELECT u.email, p.channel FROM user_contacts u
             LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.type = $2
             WHERE u.id = $1",
            )
            .await?,
            &[&user, &kind.as_str()],
        )
        .await?;
    let Some(r) = row else { return Ok(None) };
    let channel: Option<String> = r.try_get("channel")?;
    Ok(Some(Recipient {
        email: r.try_get("email")?,
        channel: channel.and_then(|c| Channel::parse(&c)).unwrap_or(kind.default_channel()),
    }))
}

pub async fn username(db: &impl GenericClient, user: Uuid) -> anyhow::Result<Option<String>> {
    Ok(db
        .query_opt(&db.prepare_cached("SELECT username FROM user_summaries WHERE id = $1").await?, &[&user])
        .await?
        .map(|r| r.get(0)))
}

pub struct EmailRow {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

pub async fn queue_email(db: &impl GenericClient, user: Uuid, email: &cs_mail::Email) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    let headers = serde_json::to_value(&email.headers)?;
    db.execute(
        &db.prepare_cached(
            "INSERT INTO emails (id, user_id, to_address, subject, body, headers) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?,
        &[&id, &user, &email.to, &email.subject, &email.text, &headers],
    )
    .await?;
    Ok(id)
}

/// Unsent emails: these ids, or (for the sweep) all older than a minute. Locked.
pub async fn unsent_emails(db: &impl GenericClient, ids: Option<&[Uuid]>, limit: i64) -> anyhow::Result<Vec<EmailRow>> {
    let rows = db
        .query(
            &db.prepare_cached("SELECT id, to_address, subject, body, headers FROM emails
             WHERE sent_at IS NULL AND attempts < 10
               AND (($1::uuid[] IS NOT NULL AND id = ANY($1)) OR ($1::uuid[] IS NULL AND created_at < now() - interval '1 minute'))
             ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED").await?,
            &[&ids, &limit],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(EmailRow {
                id: r.get(0),
                to: r.get(1),
                subject: r.get(2),
                body: r.get(3),
                headers: serde_json::from_value(r.get(4))?,
            })
        })
        .collect()
}

pub async fn email_sent(db: &impl GenericClient, id: Uuid) -> anyhow::Result<()> {
    db.execute(
        &db.prepare_cached("UPDATE emails SET sent_at = now(), attempts = attempts + 1 WHERE id = $1").await?,
        &[&id],
    )
    .await?;
    Ok(())
}

pub async fn email_failed(db: &impl GenericClient, id: Uuid, error: &str) -> anyhow::Result<()> {
    db.execute(
        &db.prepare_cached("UPDATE emails SET attempts = attempts + 1, last_error = $2 WHERE id = $1").await?,
        &[&id, &error],
    )
    .await?;
    Ok(())
}
