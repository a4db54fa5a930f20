//! The queue side: events become notifications, and emails go out.

use std::time::Duration;

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

pub async fn consume(app: &App, batch: SqsEvent) -> SqsBatchResponse {
    each_record(CONSUMER, batch, |event| apply(app, event)).await
}

/// Applies one event once: the notification (or its group), and the email row if the
/// recipient wants email, commit together with the processed-event key. The email is
/// sent after commit; one that fails is retried by the email sweep.
pub async fn apply(app: &App, event: Event) -> anyhow::Result<()> {
    let Some(plan) = plan(&event) else {
        return Ok(());
    };
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    if !first_delivery(&tx, CONSUMER, event.id).await? {
        return Ok(());
    }
    let recipient = match repo::recipient(&tx, plan.recipient, plan.kind).await? {
        Some(r) if r.channel != Channel::Off => r,
        _ => {
            tx.commit().await?;
            return Ok(());
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
    push(app, plan.recipient, notification).await;
    if let Some(id) = email {
        if let Err(err) = send_emails(app, Some(&[id])).await {
            tracing::warn!(error = ?err, "email left for the sweep");
        }
    }
    Ok(())
}

/// Shows the notification at once on the recipient's open connections, if any.
async fn push(app: &App, recipient: Uuid, notification: repo::NotificationRow) {
    let Some(realtime) = &app.realtime else { return };
    let pushed = async {
        let client = app.db.get().await?;
        let view = crate::handlers::views(&client, vec![notification]).await?;
        drop(client);
        let frame = serde_json::json!({ "type": "notification", "notification": view.first() });
        realtime.broadcast(&[recipient], frame.to_string().as_bytes()).await
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
