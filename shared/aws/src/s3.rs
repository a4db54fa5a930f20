use std::time::Duration;

use anyhow::Context;
use aws_sdk_s3::{
    presigning::PresigningConfig,
    primitives::ByteStream,
    types::{
        CorsConfiguration, CorsRule, Event, FilterRule, FilterRuleName, NotificationConfiguration,
        NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter,
    },
    Client,
};

/// One bucket: server-side reads and writes, and presigned URLs for browsers.
///
/// Presigned URLs are made with a client whose endpoint is where browsers reach S3: S3
/// itself in AWS, and locally the gateway, which fronts the emulator on the frontend's
/// origin (the emulator answers CORS preflights with 403).
#[derive(Clone)]
pub struct S3Store {
    client: crate::Lazy<Client>,
    presigner: crate::Lazy<Client>,
    pub bucket: String,
    /// A CDN in front of the bucket (`MEDIA_CDN_URL`): reads use `<cdn>/<key>` instead of
    /// presigned GETs.
    pub cdn_url: Option<String>,
}

/// Path-style addressing for custom endpoints (the emulator, the gateway).
fn client(config: &aws_config::SdkConfig, endpoint: Option<&str>) -> crate::Lazy<Client> {
    let mut builder = aws_sdk_s3::config::Builder::from(config);
    if let Some(e) = endpoint {
        builder = builder.endpoint_url(e);
    }
    if endpoint.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some() {
        builder = builder.force_path_style(true);
    }
    let config = builder.build();
    crate::Lazy::new(move || Client::from_conf(config.clone()))
}

impl S3Store {
    /// `public_endpoint`: where browsers send presigned requests (`None`: S3 itself).
    pub fn new(config: &aws_config::SdkConfig, bucket: impl Into<String>, public_endpoint: Option<&str>) -> Self {
        S3Store {
            client: client(config, None),
            presigner: client(config, public_endpoint),
            bucket: bucket.into(),
            cdn_url: std::env::var("MEDIA_CDN_URL").ok().map(|u| u.trim_end_matches('/').to_string()),
        }
    }

    /// A bucket no CDN fronts: reads are always presigned GETs that expire.
    pub fn private(config: &aws_config::SdkConfig, bucket: impl Into<String>, public_endpoint: Option<&str>) -> Self {
        S3Store {
            client: client(config, None),
            presigner: client(config, public_endpoint),
            bucket: bucket.into(),
            cdn_url: None,
        }
    }

    /// A presigned GET that makes the browser save the object as `file_name`.
    pub async fn presign_download(&self, key: &str, file_name: &str, ttl: Duration) -> anyhow::Result<String> {
        let safe: String =
            file_name.chars().filter(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';')).collect();
        let req = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(format!("attachment; filename=\"{safe}\""))
            .presigned(PresigningConfig::expires_in(ttl)?)
            .await?;
        Ok(req.uri().to_string())
    }

    /// Where a browser reads `key`: the CDN when there is one, else a presigned GET.
    pub async fn read_url(&self, key: &str, ttl: Duration) -> anyhow::Result<String> {
        match &self.cdn_url {
            Some(cdn) => Ok(format!("{cdn}/{key}")),
            None => self.presign_get(key, ttl).await,
        }
    }

    /// A URL that lets its holder PUT exactly this object, type and length, until it expires.
    pub async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        length: i64,
        ttl: Duration,
    ) -> anyhow::Result<String> {
        let req = self
            .presigner
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(length)
            .presigned(PresigningConfig::expires_in(ttl)?)
            .await?;
        Ok(req.uri().to_string())
    }

    pub async fn presign_get(&self, key: &str, ttl: Duration) -> anyhow::Result<String> {
        let req = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(PresigningConfig::expires_in(ttl)?)
            .await?;
        Ok(req.uri().to_string())
    }

    /// The object's size, or `None` if it is not there.
    pub async fn size(&self, key: &str) -> anyhow::Result<Option<i64>> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => Ok(out.content_length),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(err) => Err(anyhow::Error::new(err).context("head object")),
        }
    }

    /// The object's bytes; with `first`, only that many from the start.
    pub async fn get(&self, key: &str, first: Option<u64>) -> anyhow::Result<Vec<u8>> {
        let mut req = self.client.get_object().bucket(&self.bucket).key(key);
        if let Some(n) = first {
            req = req.range(format!("bytes=0-{}", n.saturating_sub(1)));
        }
        let out = req.send().await.context("get object")?;
        Ok(out.body.collect().await?.into_bytes().to_vec())
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> anyhow::Result<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .context("put object")?;
        Ok(())
    }

    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.client.delete_object().bucket(&self.bucket).key(key).send().await.context("delete object")?;
        Ok(())
    }

    /// Creates the bucket (local runs; the CDK app owns it in AWS), lets `origins` PUT and
    /// GET from browsers, and sends object-created events under `prefix` to the queue.
    pub async fn ensure_bucket(&self, queue_arn: &str, prefix: &str, origins: &[String]) -> anyhow::Result<()> {
        if let Err(err) = self.client.create_bucket().bucket(&self.bucket).send().await {
            let exists = err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists());
            if !exists {
                return Err(anyhow::Error::new(err).context(format!("creating bucket {}", self.bucket)));
            }
        }
        let rule = CorsRule::builder()
            .set_allowed_origins(Some(origins.to_vec()))
            .allowed_methods("PUT")
            .allowed_methods("GET")
            .allowed_headers("*")
            .max_age_seconds(600)
            .build()?;
        self.client
            .put_bucket_cors()
            .bucket(&self.bucket)
            .cors_configuration(CorsConfiguration::builder().cors_rules(rule).build()?)
            .send()
            .await
            .context("bucket CORS")?;
        let filter = NotificationConfigurationFilter::builder()
            .key(
                S3KeyFilter::builder()
                    .filter_rules(FilterRule::builder().name(FilterRuleName::Prefix).value(prefix).build())
                    .build(),
            )
            .build();
        let queue =
            QueueConfiguration::builder().queue_arn(queue_arn).events(Event::S3ObjectCreated).filter(filter).build()?;
        self.client
            .put_bucket_notification_configuration()
            .bucket(&self.bucket)
            .notification_configuration(NotificationConfiguration::builder().queue_configurations(queue).build())
            .send()
            .await
            .context("bucket notification")?;
        Ok(())
    }
}
