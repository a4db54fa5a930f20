//! What arrives in the bucket is checked before anyone can use it.

use std::io::Cursor;

use cs_events::{each_message, SqsBatchResponse, SqsEvent};
use image::{ImageFormat, ImageReader};

use crate::{
    domain::{is_image, sniff, Purpose},
    repo, App,
};

pub const CONSUMER: &str = "media";

/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIZE: u32 = 320;

pub async fn consume(app: &App, batch: SqsEvent) -> SqsBatchResponse {
    each_message(CONSUMER, batch, |body| async move {
        for key in object_keys(&body)? {
            check(app, &key).await?;
        }
        Ok(())
    })
    .await
}

/// The object keys of an S3 event notification (URL-encoded there). S3's `s3:TestEvent`,
/// sent when the notification is set up, has none.
pub fn object_keys(body: &str) -> anyhow::Result<Vec<String>> {
    let value: serde_json::Value = serde_json::from_str(body)?;
    let Some(records) = value["Records"].as_array() else { return Ok(Vec::new()) };
    Ok(records
        .iter()
        .filter(|r| r["eventName"].as_str().is_some_and(|n| n.starts_with("ObjectCreated")))
        .filter_map(|r| r["s3"]["object"]["key"].as_str())
        .map(url_decode)
        .collect())
}

fn url_decode(s: &str) -> String {
    let bytes = s.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks one uploaded object against what was declared, and marks the upload ready (with
/// size, dimensions and a thumbnail for images) or rejected. A pending row is locked for
/// the duration, so a redelivered event finds it no longer pending and does nothing.
async fn check(app: &App, key: &str) -> anyhow::Result<()> {
    let mut client = app.db.get().await?;
    let tx = client.transaction().await?;
    let Some(media) = repo::pending_by_key(&tx, key).await? else { return Ok(()) };
    // A file sold in the marketplace is private: its own bucket, and no thumbnail (which
    // would land in the public media bucket).
    let private = media.purpose == Purpose::ItemFile.as_str();
    let store = if private { &app.item_files } else { &app.store };
    let Some(size) = store.size(key).await? else { return Ok(()) };
    let verdict = if size > media.declared_size {
        Err(format!("the file is {size} bytes, more than the {} declared", media.declared_size))
    } else if is_image(&media.content_type) && !private {
        let bytes = store.get(key, None).await?;
        match sniff(&bytes) {
            Some(t) if t == media.content_type => match thumbnail(&bytes) {
                Ok((dimensions, thumb)) => Ok((Some(dimensions), Some(thumb))),
                Err(err) => Err(format!("the image cannot be read: {err}")),
            },
            other => Err(format!(
                "the file is {}, not the {} declared",
                other.unwrap_or("of an unknown type"),
                media.content_type
            )),
        }
    } else {
        let head = store.get(key, Some(64)).await?;
        match sniff(&head) {
            Some(t) if t == media.content_type => Ok((None, None)),
            other => Err(format!(
                "the file is {}, not the {} declared",
                other.unwrap_or("of an unknown type"),
                media.content_type
            )),
        }
    };
    match verdict {
        Ok((dimensions, thumb)) => {
            let thumb_key = match thumb {
                Some(jpeg) => {
                    let thumb_key = format!("thumbnails/{}.jpg", media.id);
                    app.store.put(&thumb_key, jpeg, "image/jpeg").await?;
                    Some(thumb_key)
                }
                None => None,
            };
            repo::mark_ready(&tx, media.id, size, dimensions, thumb_key.as_deref()).await?;
        }
        Err(reason) => {
            repo::mark_rejected(&tx, media.id, Some(size), &reason).await?;
            store.delete(key).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The image's dimensions and a JPEG thumbnail whose longest side is at most `THUMBNAIL_SIZE`.
pub fn thumbnail(bytes: &[u8]) -> anyhow::Result<((u32, u32), Vec<u8>)> {
    let img = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?.decode()?;
    let dimensions = (img.width(), img.height());
    let small = img.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE).to_rgb8();
    let mut out = Cursor::new(Vec::new());
    small.write_to(&mut out, ImageFormat::Jpeg)?;
    Ok((dimensions, out.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_from_s3_events_and_ignores_test_events() {
        let body =
            r#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"uploads/u/a%20b+c","size":5}}}]}"#;
        assert_eq!(object_keys(body).unwrap(), vec!["uploads/u/a b c"]);
        assert!(object_keys(r#"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#).unwrap().is_empty());
        assert!(object_keys("not json").is_err());
    }

    #[test]
    fn thumbnails_keep_the_aspect_and_report_the_size() {
        let img = image::RgbImage::from_pixel(800, 400, image::Rgb([200, 10, 10]));
        let mut png = Cursor::new(Vec::new());
        img.write_to(&mut png, ImageFormat::Png).unwrap();
        let ((w, h), jpeg) = thumbnail(png.get_ref()).unwrap();
        assert_eq!((w, h), (800, 400));
        let thumb = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 160));
        assert!(thumbnail(b"not an image").is_err());
    }
}
