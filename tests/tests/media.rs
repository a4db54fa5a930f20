#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Uploads through presigned URLs into the emulator's S3, checked by the media consumer
//! (S3 → SQS → media-process).

use std::io::Cursor;

use blackbox::{assert_problem, eventually, TestApp, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([10, 120, 200]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn ticket(app: &TestApp, who: &TestUser, content_type: &str, size: usize) -> Value {
    let res = app.post("/media/uploads", Some(&who.access), json!({ "contentType": content_type, "size": size })).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn settled(app: &TestApp, id: &str) -> Value {
    eventually(20, || async {
        let m: Value = app.get(&format!("/media/{id}"), None).await.json().await.unwrap();
        (m["status"] != "pending").then_some(m)
    })
    .await
}

#[tokio::test]
async fn an_image_uploaded_through_the_presigned_url_becomes_ready_with_a_thumbnail() {
    let app = TestApp::spawn().await;
    let u = app.register("photographer").await;
    let bytes = png(640, 480);
    let t = ticket(&app, &u, "image/png", bytes.len()).await;
    let url = t["uploadUrl"].as_str().unwrap();
    assert!(url.starts_with(&app.url), "the browser uploads through the gateway's origin: {url}");
    assert!(t["expiresAt"].is_string());
    let id = t["mediaId"].as_str().unwrap();
    assert_eq!(app.get(&format!("/media/{id}"), None).await.json::<Value>().await.unwrap()["status"], "pending");

    // The browser's CORS preflight, then the PUT.
    let pre = app
        .http
        .request(Method::OPTIONS, url)
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.headers()["access-control-allow-origin"], "http://localhost:5173");
    let put = app.http.put(url).header("content-type", "image/png").body(bytes.clone()).send().await.unwrap();
    assert!(put.status().is_success(), "PUT {}", put.status());

    let m = settled(&app, id).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(
        (m["width"].as_i64(), m["height"].as_i64(), m["size"].as_i64()),
        (Some(640), Some(480), Some(bytes.len() as i64))
    );
    assert_eq!(m["contentType"], "image/png");
    let original = app.http.get(m["url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(original.to_vec(), bytes);
    let thumb = app.http.get(m["thumbnailUrl"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
}

#[tokio::test]
async fn files_that_are_not_what_was_declared_are_rejected() {
    let app = TestApp::spawn().await;
    let u = app.register("trickster").await;
    let text = b"this is not a picture at all".to_vec();
    let t = ticket(&app, &u, "image/png", text.len()).await;
    app.http.put(t["uploadUrl"].as_str().unwrap()).header("content-type", "image/png").body(text).send().await.unwrap();
    let m = settled(&app, t["mediaId"].as_str().unwrap()).await;
    assert_eq!(m["status"], "rejected");
    assert!(m["reason"].as_str().unwrap().contains("not the image/png declared"), "{m}");
    assert!(m["url"].is_null());

    // Larger than declared: refused by the signature, or rejected by the check.
    let bytes = png(64, 64);
    let t = ticket(&app, &u, "image/png", bytes.len() - 10).await;
    let put = app
        .http
        .put(t["uploadUrl"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(bytes)
        .send()
        .await
        .unwrap();
    if put.status().is_success() {
        let m = settled(&app, t["mediaId"].as_str().unwrap()).await;
        assert_eq!(m["status"], "rejected");
        assert!(m["reason"].as_str().unwrap().contains("more than"), "{m}");
    }
}

#[tokio::test]
async fn upload_requests_are_checked() {
    let app = TestApp::spawn().await;
    let u = app.register("uploader").await;
    let ask = |content_type: &str, size: i64| {
        app.post("/media/uploads", Some(&u.access), json!({ "contentType": content_type, "size": size }))
    };
    assert_problem(ask("application/pdf", 10).await, 422, "invalid_field", Some("contentType")).await;
    assert_problem(ask("image/png", 11 * 1024 * 1024).await, 422, "invalid_field", Some("size")).await;
    assert_problem(ask("image/png", 0).await, 422, "invalid_field", Some("size")).await;
    assert_eq!(ask("video/mp4", 150 * 1024 * 1024).await.status(), 201);
    assert_problem(
        app.post("/media/uploads", None, json!({ "contentType": "image/png", "size": 1 })).await,
        401,
        "unauthorized",
        None,
    )
    .await;
    assert_problem(app.get(&format!("/media/{}", uuid::Uuid::new_v4()), None).await, 404, "media_not_found", None)
        .await;
}

#[tokio::test]
async fn posts_attach_only_the_callers_ready_media() {
    let app = TestApp::spawn().await;
    let (u, other) = (app.register("attacher").await, app.register("bystander").await);
    let bytes = png(100, 50);
    let t = ticket(&app, &u, "image/png", bytes.len()).await;
    let id = t["mediaId"].as_str().unwrap().to_string();
    // Not uploaded yet: pending, so not attachable.
    let res = app.post("/posts", Some(&u.access), json!({ "content": "soon", "mediaId": id })).await;
    assert_problem(res, 422, "invalid_field", Some("mediaId")).await;
    app.http
        .put(t["uploadUrl"].as_str().unwrap())
        .header("content-type", "image/png")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(settled(&app, &id).await["status"], "ready");

    let res = app.post("/posts", Some(&other.access), json!({ "content": "stolen", "mediaId": id })).await;
    assert_problem(res, 422, "invalid_field", Some("mediaId")).await;
    let res = app.post("/posts", Some(&u.access), json!({ "content": "look", "mediaId": "not-a-uuid" })).await;
    assert_problem(res, 400, "invalid_uuid", Some("mediaId")).await;

    let res = app.post("/posts", Some(&u.access), json!({ "content": "look", "mediaId": id })).await;
    assert_eq!(res.status(), 201);
    let post: Value = res.json().await.unwrap();
    assert_eq!(post["media"]["id"], id.as_str());
    assert_eq!((post["media"]["width"].as_i64(), post["media"]["height"].as_i64()), (Some(100), Some(50)));
    let url = post["mediaUrl"].as_str().unwrap();
    assert_eq!(app.http.get(url).send().await.unwrap().status(), 200);
    let home: Value = app.get("/timeline/home", Some(&u.access)).await.json().await.unwrap();
    assert_eq!(home["items"][0]["media"]["id"], id.as_str());
}
