//! The built frontend (`frontend/dist`), as the CDN serves it: files by path, and
//! `index.html` for any other GET so client-side routes load.

use std::path::{Component, Path, PathBuf};

pub async fn serve(dir: &Path, path: &str) -> Option<(Vec<u8>, &'static str)> {
    let rel = PathBuf::from(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = dir.join(&rel);
    let file = if rel.as_os_str().is_empty() || !file.is_file() { dir.join("index.html") } else { file };
    let bytes = tokio::fs::read(&file).await.ok()?;
    Some((bytes, content_type(&file)))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}
