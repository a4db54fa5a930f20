//! The built frontend (`frontend/dist`), as the CDN serves it: files by path (hashed assets
//! cached for a year, gzipped for a client that takes it), and `index.html` for a page
//! request (a GET that accepts `text/html`, for a path with no file extension) so
//! client-side routes load. Anything else is no file: the caller answers 404 problem+json,
//! so API clients never get HTML. The directory is looked at on every request: building the
//! app while the gateway runs is enough.

use std::{
    io::Write,
    path::{Component, Path, PathBuf},
};

pub struct Static {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub cache_control: &'static str,
    pub gzipped: bool,
}

/// What the client said it takes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Accepts {
    pub html: bool,
    pub gzip: bool,
}

impl Accepts {
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let has = |name: http::HeaderName, what: &str| {
            headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).any(|v| v.contains(what))
        };
        Accepts { html: has(http::header::ACCEPT, "text/html"), gzip: has(http::header::ACCEPT_ENCODING, "gzip") }
    }
}

pub async fn serve(dir: &Path, path: &str, accepts: Accepts) -> Option<Static> {
    let rel = PathBuf::from(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = dir.join(&rel);
    let (file, cache_control) = if !rel.as_os_str().is_empty() && file.is_file() {
        let hashed = rel.starts_with("assets");
        (file, if hashed { "public, max-age=31536000, immutable" } else { "no-cache" })
    } else if accepts.html && rel.extension().is_none() {
        (dir.join("index.html"), "no-cache")
    } else {
        return None;
    };
    let bytes = tokio::fs::read(&file).await.ok()?;
    let content_type = content_type(&file);
    let compressible =
        content_type.starts_with("text/") || content_type.contains("json") || content_type.contains("svg");
    if accepts.gzip && compressible && bytes.len() > 1024 {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        if gz.write_all(&bytes).is_ok() {
            if let Ok(bytes) = gz.finish() {
                return Some(Static { bytes, content_type, cache_control, gzipped: true });
            }
        }
    }
    Some(Static { bytes, content_type, cache_control, gzipped: false })
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
