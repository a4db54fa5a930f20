//! Email: the `Mailer` port and its SMTP adapter. Locally the SMTP server is aiosmtpd
//! (started by `make services`, storing messages in `.local/mail`); in AWS it is SES's
//! SMTP endpoint with STARTTLS.

use async_trait::async_trait;
use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::authentication::Credentials,
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

/// One message to one recipient. `headers` are extra headers such as `List-Unsubscribe`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub headers: Vec<(String, String)>,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Email) -> anyhow::Result<()>;
}

/// Sends through an SMTP server given as `smtp://host:port` (plain, for the local server)
/// or `smtps://user:pass@host:port` (STARTTLS with credentials, for SES).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let (scheme, rest) =
            url.split_once("://").ok_or_else(|| anyhow::anyhow!("SMTP_URL must look like smtp://host:port"))?;
        let (auth, hostport) = match rest.rsplit_once('@') {
            Some((auth, hostport)) => (Some(auth), hostport),
            None => (None, rest),
        };
        let (host, port) = match hostport.trim_end_matches('/').rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>()?),
            None => (hostport, if scheme == "smtps" { 587 } else { 25 }),
        };
        let mut builder = match scheme {
            "smtp" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            "smtps" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
            other => anyhow::bail!("unknown SMTP scheme {other}"),
        }
        .port(port)
        .timeout(Some(std::time::Duration::from_secs(10)));
        if let Some((user, pass)) = auth.and_then(|a| a.split_once(':')) {
            builder = builder.credentials(Credentials::new(user.into(), pass.into()));
        }
        Ok(SmtpMailer { transport: builder.build(), from: from.parse()? })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(email.to.parse()?)
            .subject(&email.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(email.text.clone())?;
        for (name, value) in &email.headers {
            let name = lettre::message::header::HeaderName::new_from_ascii(name.clone())?;
            message.headers_mut().insert_raw(lettre::message::header::HeaderValue::new(name, value.clone()));
        }
        self.transport.send(message).await?;
        Ok(())
    }
}
