//! The queue side: events become notifications, and emails go out.

use std::{sync::Mutex, time::Duration};

use cs_events::{each_record, first_delivery, Event, SqsBatchResponse, SqsEvent};
use cs_mail::Email;
use uuid::Uuid;

use crate::{
    domain::{email_subject, plan, Channel, Kind, Planned},
    repo, App,
};

/// This consumer's name in `processed_events`.
pub const CONSUMER: &str = "notify";

/// How long an unsubscribe link works.
const UNSUBSCRIBE_TTL: Duration = Duration::from_secs(365 * 24 * 3600);

/// Applies the batch's events one by one, then pushes the notifications they made to their
/// recipients' open connections, all at once.
pub async fn consume(app: &App, batch: SqsEvent) -> SqsBatchResponse {
    let made = Mutex::new(Vec::new());
    let response = each_record(CONSUMER, batch, |event| async {
        if let Some(notification) = apply(app, event).await? {
            made.lock().map_err(|_| anyhow::anyhow!("a poisoned lock"))?.push(notification);
        }
        Ok(())
    })
    .await;
    push(app, made.into_inner().unwrap_or_default()).await;
    response
}

/// Applies one event once: the notification (or its group), and the email row if the
/// recipient wants email, commit together with the processed-event key. The email is
/// sent after commit; one that fails is retried by the email sweep. Returns the
/// notification made or updated with its recipient, to be pushed.
async fn apply(app: &App, event: Event) -> anyhow::Result<Option<(Uuid, repo::NotificationRow)>> {
    let Some(plan) = plan(&event) else {
        return Ok(None);
    };
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    if !first_delivery(&tx, CONSUMER, event.id).await? {
        return Ok(None);
    }
    let recipient = match repo::recipient(&tx, plan.recipient, plan.kind).await? {
        Some(r) if r.channel != Channel::Off => r,
        _ => {
            tx.commit().await?;
            return Ok(None);
        }
    };
    let (notification, created) = repo::upsert(&tx, &plan).await?;
    // One email per notification, not per actor joining its group.
    let email = if created && recipient.channel == Channel::Email {
        let actor = repo::username(&tx, plan.actor).await?.unwrap_or_else(|| "Someone".into());
        let email = render(app, &plan, &actor, &recipient.email)?;
        Some(repo::queue_email(&tx, plan.recipient, &email).await?)
    } else {
        None
    };
    tx.commit().await?;
    if let Some(id) = email {
        if let Err(err) = send_emails(app, Some(&[id])).await {
            tracing::warn!(error = ?err, "email left for the sweep");
        }
    }
    Ok(Some((plan.recipient, notification)))
}

/// Shows the notifications at once on their recipients' open connections, if any: one
/// lookup of the connections for the whole batch.
async fn push(app: &App, notifications: Vec<(Uuid, repo::NotificationRow)>) {
    let Some(realtime) = &app.realtime else { return };
    if notifications.is_empty() {
        return;
    }
    let (recipients, rows): (Vec<Uuid>, Vec<repo::NotificationRow>) = notifications.into_iter().unzip();
    let pushed = async {
        let client = app.db.get().await?;
        let views = crate::handlers::views(&client, rows).await?;
        drop(client);
        let frames: Vec<(Uuid, Vec<u8>)> = recipients
            .into_iter()
            .zip(&views)
            .map(|(recipient, view)| {
                let frame = serde_json::json!({ "type": "notification", "notification": view });
                (recipient, frame.to_string().into_bytes())
            })
            .collect();
        realtime.send(frames.iter().map(|(user, frame)| (*user, frame.as_slice()))).await
    };
    if let Err(err) = pushed.await {
        tracing::warn!(error = format!("{err:#}"), "could not push a notification");
    }
}

fn render(app: &App, plan: &Planned, actor: &str, to: &str) -> anyhow::Result<Email> {
    let token = app.tokens.sign_purpose(plan.recipient, "unsubscribe", plan.kind.as_str(), UNSUBSCRIBE_TTL)?;
    let unsubscribe = format!("{}/notifications/unsubscribe?token={token}", app.public_url);
    let subject = email_subject(plan, actor);
    // An order's email links to the order's page, never to the file itself.
    let link = match plan.kind {
        Kind::Order => format!("{}/orders/{}", app.public_url, plan.subject),
        _ => app.public_url.clone(),
    };
    let text = format!(
        "{subject}.\n\nSee it on ConnectSphere: {link}\n\nYou get these emails because of your notification settings.\n\
         Stop {} emails: {unsubscribe}\n",
        plan.kind.as_str()
    );
    Ok(Email {
        to: to.to_string(),
        subject,
        text,
        headers: vec![
            // RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click`.
            ("List-Unsubscribe".into(), format!("<{unsubscribe}>")),
            ("List-Unsubscribe-Post".into(), "List-Unsubscribe=One-Click".into()),
        ],
    })
}

/// Sends unsent emails (these, or every one older than a minute) and records the outcome.
pub async fn send_emails(app: &App, ids: Option<&[Uuid]>) -> anyhow::Result<usize> {
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let mut sent = 0;
    for row in repo::unsent_emails(&tx, ids, 100).await? {
        let email = Email { to: row.to, subject: row.subject, text: row.body, headers: row.headers };
        match app.mailer.send(&email).await {
            Ok(()) => {
                repo::email_sent(&tx, row.id).await?;
                sent += 1;
            }
            Err(err) => repo::email_failed(&tx, row.id, &format!("{err:#}")).await?,
        }
    }
    tx.commit().await?;
    Ok(sent)
}
