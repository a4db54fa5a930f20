#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `POST /graphql` through the gateway, over Postgres, the emulator's S3 and SQS and the
//! payment sandbox: the services' actions and lists, the same JWT, the REST error codes in
//! `extensions.code`, the depth and complexity limits, and a page of posts costing a fixed
//! number of SQL statements whatever its size.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use blackbox::{eventually, TestApp, TestUser};
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// Sends a GraphQL request; answers the HTTP status and the body.
async fn gql_status(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
    let res = app.post("/graphql", token, json!({ "query": query, "variables": variables })).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// A GraphQL request that must succeed: its `data`.
async fn gql(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let (status, body) = gql_status(app, token, query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

/// A GraphQL request that must fail with `code` (and `field`): its first error.
async fn gql_error(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
    code: &str,
    field: Option<&str>,
) -> Value {
    let (status, body) = gql_status(app, token, query, variables).await;
    assert_eq!(status, 200, "{body}");
    let error = body["errors"][0].clone();
    assert_eq!(error["extensions"]["code"], code, "{body}");
    if let Some(f) = field {
        assert_eq!(error["extensions"]["field"], f, "{body}");
    }
    error
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// An upload through `createUpload` and its presigned PUT, waited for until ready.
async fn upload(app: &TestApp, who: &TestUser, content_type: &str, bytes: &[u8], purpose: &str) -> String {
    let data = gql(
        app,
        Some(&who.access),
        "mutation($t: String!, $s: Int!, $p: UploadPurpose) {
           createUpload(contentType: $t, size: $s, purpose: $p) { mediaId uploadUrl expiresAt } }",
        json!({ "t": content_type, "s": bytes.len(), "p": purpose }),
    )
    .await;
    let ticket = &data["createUpload"];
    let put = app
        .http
        .put(ticket["uploadUrl"].as_str().unwrap())
        .header("content-type", content_type)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "PUT {}", put.status());
    let id = ticket["mediaId"].as_str().unwrap().to_string();
    let status: String = eventually(20, || async {
        let d = gql(app, Some(&who.access), "query($id: ID!) { media(id: $id) { status } }", json!({ "id": id })).await;
        let s = d["media"]["status"].as_str().unwrap().to_string();
        (s != "pending").then_some(s)
    })
    .await;
    assert_eq!(status, "ready");
    id
}

const POST_FIELDS: &str = "id content likeCount commentCount likedByMe mediaUrl createdAt
    author { id username displayName avatarUrl followedByMe } media { id status url thumbnailUrl width height }";

#[tokio::test]
async fn sign_up_post_follow_like_and_comment_through_graphql() {
    let app = TestApp::spawn().await;
    // register and login are mutations; the tokens are the REST API's.
    let reg = gql(
        &app,
        None,
        "mutation($u: String!, $e: String!, $p: String!) {
           register(username: $u, email: $e, password: $p) { accessToken refreshToken expiresIn user { id username email } } }",
        json!({ "u": "ada_gql", "e": "ada_gql@example.com", "p": "correct horse battery" }),
    )
    .await;
    let ada_token = reg["register"]["accessToken"].as_str().unwrap().to_string();
    let ada_id = reg["register"]["user"]["id"].as_str().unwrap().to_string();
    assert_eq!(reg["register"]["user"]["email"], "ada_gql@example.com");
    let login = gql(
        &app,
        None,
        "mutation { login(email: \"ada_gql@example.com\", password: \"correct horse battery\") { accessToken user { username } } }",
        json!({}),
    )
    .await;
    assert_eq!(login["login"]["user"]["username"], "ada_gql");
    let refreshed = gql(
        &app,
        None,
        "mutation($r: String!) { refresh(refreshToken: $r) { accessToken refreshToken } }",
        json!({ "r": reg["register"]["refreshToken"] }),
    )
    .await;
    assert!(refreshed["refresh"]["accessToken"].is_string());
    // A REST token works on /graphql and the other way round.
    let me = gql(&app, Some(&ada_token), "{ me { id username email followersCount } }", json!({})).await;
    assert_eq!(me["me"]["id"], ada_id.as_str());
    let rest = app.get(&format!("/users/{ada_id}"), Some(&ada_token)).await;
    assert_eq!(rest.status(), 200);

    let bob = app.register("bob").await;
    let followed = gql(
        &app,
        Some(&bob.access),
        "mutation($id: ID!) { follow(userId: $id) { id followersCount } }",
        json!({ "id": ada_id }),
    )
    .await;
    assert_eq!(followed["follow"]["followersCount"], 1);

    // A post with an image, through createUpload's presigned PUT.
    let image = upload(&app, &reg_user(&ada_id, &ada_token), "image/png", &png(64, 48), "POST").await;
    let post = gql(
        &app,
        Some(&ada_token),
        &format!("mutation($c: String!, $m: ID) {{ createPost(content: $c, mediaId: $m) {{ {POST_FIELDS} }} }}"),
        json!({ "c": "hello from graphql", "m": image }),
    )
    .await;
    let post = &post["createPost"];
    let post_id = post["id"].as_str().unwrap().to_string();
    assert_eq!(post["media"]["id"], image.as_str());
    assert_eq!(post["media"]["width"], 64);
    assert!(post["mediaUrl"].as_str().unwrap().starts_with("http"), "{post}");

    // Bob's home timeline gets it once the fan-out consumer has run.
    let home = eventually(20, || async {
        let d = gql(
            &app,
            Some(&bob.access),
            &format!("{{ timeline(kind: HOME, first: 10) {{ edges {{ cursor node {{ {POST_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"),
            json!({}),
        )
        .await;
        (d["timeline"]["edges"].as_array().unwrap().len() == 1).then_some(d)
    })
    .await;
    assert_eq!(home["timeline"]["edges"][0]["node"]["id"], post_id.as_str());
    assert_eq!(home["timeline"]["pageInfo"]["hasNextPage"], false);

    // Like, unlike and like again, and a comment: the post's state is the viewer's.
    let like = "mutation($id: ID!) { like(postId: $id) { id likeCount likedByMe } }";
    let liked = gql(&app, Some(&bob.access), like, json!({ "id": post_id })).await;
    assert_eq!(liked["like"], json!({ "id": post_id, "likeCount": 1, "likedByMe": true }));
    let unliked = gql(
        &app,
        Some(&bob.access),
        "mutation($id: ID!) { unlike(postId: $id) { likeCount likedByMe } }",
        json!({ "id": post_id }),
    )
    .await;
    assert_eq!(unliked["unlike"], json!({ "likeCount": 0, "likedByMe": false }));
    gql(&app, Some(&bob.access), like, json!({ "id": post_id })).await;
    let comment = gql(
        &app,
        Some(&bob.access),
        "mutation($id: ID!) { comment(postId: $id, content: \"nice @ada_gql\") { id content author { username } } }",
        json!({ "id": post_id }),
    )
    .await;
    assert_eq!(comment["comment"]["author"]["username"], bob.username.as_str());
    let seen = gql(
        &app,
        None,
        "query($id: ID!) { post(id: $id) { likeCount likedByMe commentCount comments(first: 5) { edges { node { content } } } } }",
        json!({ "id": post_id }),
    )
    .await;
    assert_eq!(seen["post"]["likeCount"], 1);
    assert_eq!(seen["post"]["likedByMe"], false, "anonymous");
    assert_eq!(seen["post"]["commentCount"], 1);
    assert_eq!(seen["post"]["comments"]["edges"][0]["node"]["content"], "nice @ada_gql");

    // Profiles: followers and following, and the user's posts.
    let profile = gql(
        &app,
        None,
        "query($id: ID!) { user(id: $id) { username followers { edges { node { username } } }
            following { edges { node { id } } } posts(first: 5) { edges { node { id } } } } }",
        json!({ "id": ada_id }),
    )
    .await;
    assert_eq!(profile["user"]["followers"]["edges"][0]["node"]["username"], bob.username.as_str());
    assert_eq!(profile["user"]["following"]["edges"], json!([]));
    assert_eq!(profile["user"]["posts"]["edges"][0]["node"]["id"], post_id.as_str());
    let state = "query($id: ID!) { user(id: $id) { followedByMe } }";
    let as_bob = gql(&app, Some(&bob.access), state, json!({ "id": ada_id })).await;
    assert_eq!(as_bob["user"]["followedByMe"], true);
    let anonymous = gql(&app, None, state, json!({ "id": ada_id })).await;
    assert_eq!(anonymous["user"]["followedByMe"], false);
    let as_ada = gql(&app, Some(&ada_token), state, json!({ "id": bob.id })).await;
    assert_eq!(as_ada["user"]["followedByMe"], false);

    // The avatar from an upload.
    let avatar = upload(&app, &reg_user(&ada_id, &ada_token), "image/png", &png(32, 32), "AVATAR").await;
    let updated = gql(
        &app,
        Some(&ada_token),
        "mutation($m: ID!) { updateProfile(input: { displayName: \"Ada\", avatarMediaId: $m }) { displayName avatarUrl } }",
        json!({ "m": avatar }),
    )
    .await;
    assert_eq!(updated["updateProfile"]["displayName"], "Ada");
    assert!(updated["updateProfile"]["avatarUrl"].as_str().unwrap().starts_with("http"));

    // Ada is told of the follow, the like, the comment and the mention, live and in the list.
    let notes = eventually(20, || async {
        let d = gql(
            &app,
            Some(&ada_token),
            "{ unreadNotificationCount notifications(first: 10) { edges { node { id type read actors { username } } } } }",
            json!({}),
        )
        .await;
        (d["unreadNotificationCount"].as_i64().unwrap() >= 3).then_some(d)
    })
    .await;
    let kinds: Vec<&str> = notes["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"follow") && kinds.contains(&"like"), "{kinds:?}");
    let marked = gql(&app, Some(&ada_token), "mutation { markNotificationsRead(all: true) }", json!({})).await;
    assert!(marked["markNotificationsRead"].as_i64().unwrap() >= 3);
    let after = gql(&app, Some(&ada_token), "{ unreadNotificationCount }", json!({})).await;
    assert_eq!(after["unreadNotificationCount"], 0);
}

fn reg_user(id: &str, token: &str) -> TestUser {
    TestUser {
        id: id.to_string(),
        username: String::new(),
        email: String::new(),
        password: String::new(),
        access: token.to_string(),
        refresh: String::new(),
    }
}

#[tokio::test]
async fn chat_through_graphql() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (app.register("ada").await, app.register("bob").await);
    let conv = gql(
        &app,
        Some(&ada.access),
        "mutation($m: [ID!]!) { createConversation(memberIds: $m) { id kind members { username } unreadCount } }",
        json!({ "m": [bob.id] }),
    )
    .await;
    let conv_id = conv["createConversation"]["id"].as_str().unwrap().to_string();
    assert_eq!(conv["createConversation"]["kind"], "direct");
    for text in ["one", "two", "three"] {
        gql(
            &app,
            Some(&ada.access),
            "mutation($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b, clientId: $b) { id body } }",
            json!({ "c": conv_id, "b": text }),
        )
        .await;
    }
    let list = gql(
        &app,
        Some(&bob.access),
        "{ conversations { edges { node { id unreadCount lastMessage { body } } } } }",
        json!({}),
    )
    .await;
    let node = &list["conversations"]["edges"][0]["node"];
    assert_eq!((node["id"].as_str().unwrap(), node["unreadCount"].as_i64().unwrap()), (conv_id.as_str(), 3));
    assert_eq!(node["lastMessage"]["body"], "three");
    // Two pages of messages, newest first, through the connection's cursors.
    let page = "query($c: ID!, $a: String) { messages(conversationId: $c, first: 2, after: $a) {
        edges { node { body } } pageInfo { hasNextPage endCursor } } }";
    let first = gql(&app, Some(&bob.access), page, json!({ "c": conv_id })).await;
    let bodies = |d: &Value| -> Vec<String> {
        d["messages"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["body"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(bodies(&first), ["three", "two"]);
    assert_eq!(first["messages"]["pageInfo"]["hasNextPage"], true);
    let second =
        gql(&app, Some(&bob.access), page, json!({ "c": conv_id, "a": first["messages"]["pageInfo"]["endCursor"] }))
            .await;
    assert_eq!(bodies(&second), ["one"]);
    assert_eq!(second["messages"]["pageInfo"]["hasNextPage"], false);
    let read = gql(
        &app,
        Some(&bob.access),
        "mutation($c: ID!) { markConversationRead(conversationId: $c) { unreadCount messageId } }",
        json!({ "c": conv_id }),
    )
    .await;
    assert_eq!(read["markConversationRead"]["unreadCount"], 0);
    // Someone else's conversation is not found, with the REST code.
    let carol = app.register("carol").await;
    gql_error(
        &app,
        Some(&carol.access),
        "query($c: ID!) { conversation(id: $c) { id } }",
        json!({ "c": conv_id }),
        "conversation_not_found",
        None,
    )
    .await;
}

#[tokio::test]
async fn the_marketplace_through_graphql() {
    let app = TestApp::spawn().await;
    let (seller, buyer) = (app.register("seller").await, app.register("buyer").await);
    let file = upload(&app, &seller, "application/pdf", PDF, "ITEM_FILE").await;
    let item = gql(
        &app,
        Some(&seller.access),
        "mutation($f: ID!) { createItem(input: { title: \"Presets\", description: \"Twelve.\",
            price: { amount: \"12.50\", currency: \"EUR\" }, fileMediaId: $f, copies: 3 }) {
            id status copiesLeft price { amount currency } seller { username } fileName } }",
        json!({ "f": file }),
    )
    .await;
    let item_id = item["createItem"]["id"].as_str().unwrap().to_string();
    assert_eq!(item["createItem"]["price"], json!({ "amount": "12.50", "currency": "EUR" }));
    assert_eq!(item["createItem"]["copiesLeft"], 3);
    let listed =
        gql(&app, None, "{ items(sort: NEWEST) { edges { node { id title } } pageInfo { hasNextPage } } }", json!({}))
            .await;
    assert_eq!(listed["items"]["edges"][0]["node"]["id"], item_id.as_str());
    let updated = gql(
        &app,
        Some(&seller.access),
        "mutation($id: ID!) { updateItem(id: $id, input: { title: \"Presets, vol. 1\", copies: null }) { title copiesLeft } }",
        json!({ "id": item_id }),
    )
    .await;
    assert_eq!(updated["updateItem"], json!({ "title": "Presets, vol. 1", "copiesLeft": null }));

    // The seller cannot buy their own item; the buyer can, once per key.
    let order = "mutation($i: ID!, $k: String!) { createOrder(itemId: $i, idempotencyKey: $k) { id status amount { amount } buyer { username } } }";
    gql_error(
        &app,
        Some(&seller.access),
        order,
        json!({ "i": item_id, "k": "k1" }),
        "cannot_buy_own_item",
        Some("itemId"),
    )
    .await;
    let first = gql(&app, Some(&buyer.access), order, json!({ "i": item_id, "k": "buy-1" })).await;
    let again = gql(&app, Some(&buyer.access), order, json!({ "i": item_id, "k": "buy-1" })).await;
    assert_eq!(first["createOrder"]["id"], again["createOrder"]["id"], "the same key answers the same order");
    assert_eq!(first["createOrder"]["status"], "pending");
    let order_id = first["createOrder"]["id"].as_str().unwrap().to_string();
    gql_error(
        &app,
        Some(&buyer.access),
        order,
        json!({ "i": item_id, "k": "" }),
        "idempotency_key_required",
        Some("idempotencyKey"),
    )
    .await;
    let mine =
        gql(&app, Some(&buyer.access), "{ orders(role: BUYER) { edges { node { id item { title } } } } }", json!({}))
            .await;
    assert_eq!(mine["orders"]["edges"][0]["node"]["id"], order_id.as_str());
    // A download before payment is refused, with the REST code; then the buyer cancels.
    gql_error(
        &app,
        Some(&buyer.access),
        "query($id: ID!) { order(id: $id) { id } } ",
        json!({ "id": uuid::Uuid::new_v4() }),
        "order_not_found",
        None,
    )
    .await;
    gql_error(
        &app,
        Some(&buyer.access),
        "mutation($id: ID!) { orderDownload(id: $id) { url } }",
        json!({ "id": order_id }),
        "order_not_paid",
        None,
    )
    .await;
    let cancelled = gql(
        &app,
        Some(&buyer.access),
        "mutation($id: ID!) { cancelOrder(id: $id) { status history { status } } }",
        json!({ "id": order_id }),
    )
    .await;
    assert_eq!(cancelled["cancelOrder"]["status"], "cancelled");
    gql_error(
        &app,
        Some(&buyer.access),
        "mutation($id: ID!) { refundOrder(id: $id) { status } }",
        json!({ "id": order_id }),
        "not_seller",
        None,
    )
    .await;
    // Archived: no longer for sale.
    gql(&app, Some(&seller.access), "mutation($id: ID!) { archiveItem(id: $id) }", json!({ "id": item_id })).await;
    gql_error(
        &app,
        Some(&buyer.access),
        order,
        json!({ "i": item_id, "k": "buy-2" }),
        "item_not_available",
        Some("itemId"),
    )
    .await;
}

#[tokio::test]
async fn errors_carry_the_rest_codes_and_a_bad_token_is_a_401() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    // No token where one is needed.
    gql_error(&app, None, "{ me { id } }", json!({}), "unauthorized", None).await;
    gql_error(&app, None, "mutation { createPost(content: \"x\") { id } }", json!({}), "unauthorized", None).await;
    // A bad token is refused for the whole request, as on the REST routes.
    let (status, body) =
        gql_status(&app, Some("not-a-token"), "{ timeline(kind: PUBLIC) { edges { cursor } } }", json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "unauthorized");
    // Validation names the field; not found is the service's code.
    gql_error(
        &app,
        Some(&ada.access),
        "mutation { createPost(content: \"   \") { id } }",
        json!({}),
        "invalid_field",
        Some("content"),
    )
    .await;
    gql_error(
        &app,
        None,
        "query($id: ID!) { post(id: $id) { id } }",
        json!({ "id": uuid::Uuid::new_v4() }),
        "post_not_found",
        None,
    )
    .await;
    gql_error(&app, None, "{ post(id: \"nope\") { id } }", json!({}), "invalid_uuid", Some("id")).await;
    gql_error(
        &app,
        None,
        "{ timeline(kind: PUBLIC, first: 0) { edges { cursor } } }",
        json!({}),
        "invalid_limit",
        Some("first"),
    )
    .await;
    gql_error(
        &app,
        None,
        "{ timeline(kind: PUBLIC, after: \"zz\") { edges { cursor } } }",
        json!({}),
        "invalid_cursor",
        Some("after"),
    )
    .await;
    let other = app.register("bob").await;
    gql_error(
        &app,
        Some(&ada.access),
        "mutation($id: ID!) { follow(userId: $id) { id } }",
        json!({ "id": ada.id }),
        "cannot_follow_self",
        None,
    )
    .await;
    gql(&app, Some(&ada.access), "mutation($id: ID!) { block(userId: $id) }", json!({ "id": other.id })).await;
    // A query that is not GraphQL, or asks for what does not exist.
    gql_error(&app, None, "{ nope }", json!({}), "invalid_query", None).await;
    gql_error(&app, None, "{ timeline(", json!({}), "invalid_query", None).await;
    // A body that is not a GraphQL request is a REST problem.
    let res = app.post("/graphql", None, json!({ "variables": {} })).await;
    blackbox::assert_problem(res, 422, "invalid_field", Some("query")).await;
    let res = app.post("/graphql", None, json!({ "query": 5 })).await;
    blackbox::assert_problem(res, 422, "invalid_field", Some("query")).await;
}

#[tokio::test]
async fn deep_and_complex_queries_are_refused_before_they_run() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let mut deep = String::from("id");
    for _ in 0..6 {
        deep = format!("followers(first: 1) {{ edges {{ node {{ {deep} }} }} }}");
    }
    let query = format!("query($id: ID!) {{ user(id: $id) {{ {deep} }} }}");
    gql_error(&app, None, &query, json!({ "id": ada.id }), "query_too_deep", None).await;
    // Within the depth limit, but 100 posts × 100 comments each × their fields is too much.
    let wide = "{ timeline(kind: PUBLIC, first: 100) { edges { node { id content
        comments(first: 100) { edges { node { id content createdAt author { id username displayName } } } } } } } }";
    gql_error(&app, None, wide, json!({}), "query_too_complex", None).await;
    // The same shape at the web app's page sizes runs.
    let normal = "{ timeline(kind: PUBLIC, first: 20) { edges { node { id content
        comments(first: 3) { edges { node { id content createdAt author { id username displayName } } } } } } } }";
    gql(&app, None, normal, json!({})).await;
}

/// A TCP proxy in front of Postgres that counts the statements clients run: simple-protocol
/// queries (`Q`) and extended-protocol executions (`E`); parsing and describing a prepared
/// statement is not running it.
struct StatementCounter {
    url: String,
    count: Arc<AtomicUsize>,
}

impl StatementCounter {
    async fn start(db_url: &str) -> Self {
        let config: tokio_postgres::Config = db_url.parse().unwrap();
        let host = match &config.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[allow(unreachable_patterns)]
            _ => panic!("a TCP database URL"),
        };
        let upstream = format!("{host}:{}", config.get_ports()[0]);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&count);
        tokio::spawn(async move {
            loop {
                let (client, _) = listener.accept().await.unwrap();
                let server = TcpStream::connect(&upstream).await.unwrap();
                tokio::spawn(relay(client, server, Arc::clone(&counted)));
            }
        });
        let db = config.get_dbname().unwrap();
        let user = config.get_user().unwrap();
        // Plain text, so the proxy can read the messages.
        StatementCounter { url: format!("postgres://{user}@127.0.0.1:{port}/{db}?sslmode=disable"), count }
    }

    fn take(&self) -> usize {
        self.count.swap(0, Ordering::SeqCst)
    }
}

async fn relay(client: TcpStream, server: TcpStream, count: Arc<AtomicUsize>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    // The startup message (and an SSL request before it) has no type byte.
    let mut startup = true;
    loop {
        let mut head = [0u8; 5];
        let header = if startup { &mut head[1..] } else { &mut head[..] };
        if client_read.read_exact(header).await.is_err() {
            return;
        }
        let len = u32::from_be_bytes(head[1..5].try_into().unwrap()) as usize;
        let mut body = vec![0u8; len.saturating_sub(4)];
        if client_read.read_exact(&mut body).await.is_err() {
            return;
        }
        if startup {
            // An SSLRequest (code 80877103) is followed by the real startup message.
            startup = body.get(..4) == Some(&80877103u32.to_be_bytes()[..]);
            if server_write.write_all(&head[1..]).await.is_err() {
                return;
            }
        } else {
            if matches!(head[0], b'Q' | b'E') {
                count.fetch_add(1, Ordering::SeqCst);
            }
            if server_write.write_all(&head).await.is_err() {
                return;
            }
        }
        if server_write.write_all(&body).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn a_page_of_posts_takes_the_same_few_statements_whatever_its_size() {
    let app = TestApp::spawn().await;
    let authors = [app.register("ada").await, app.register("bob").await, app.register("cy").await];
    let images = [
        upload(&app, &authors[0], "image/png", &png(20, 10), "POST").await,
        upload(&app, &authors[1], "image/png", &png(10, 20), "POST").await,
    ];
    for i in 0..24 {
        let author = &authors[i % 3];
        let media = if i % 3 < 2 { Some(images[i % 3].clone()) } else { None };
        gql(
            &app,
            Some(&author.access),
            "mutation($c: String!, $m: ID) { createPost(content: $c, mediaId: $m) { id } }",
            json!({ "c": format!("post {i}"), "m": media }),
        )
        .await;
    }
    // Likes so that likedByMe differs between posts, and a follow so that followedByMe does.
    let reader = app.register("reader").await;
    assert_eq!(app.follow(&reader, &authors[0]).await.status(), 204);
    let page = gql(&app, None, "{ timeline(kind: PUBLIC, first: 10) { edges { node { id } } } }", json!({})).await;
    for edge in page["timeline"]["edges"].as_array().unwrap().iter().step_by(2) {
        gql(
            &app,
            Some(&reader.access),
            "mutation($id: ID!) { like(postId: $id) { id } }",
            json!({ "id": edge["node"]["id"] }),
        )
        .await;
    }

    // The GraphQL function built as its Lambda builds it, over a proxy that counts statements.
    let counter = StatementCounter::start(&app.db_url).await;
    let mut settings = cs_platform::Settings::from_env().unwrap();
    settings.database_url = counter.url.clone();
    settings.queue_prefix = app.queue_prefix.clone();
    settings.media_bucket = format!("{}media", app.queue_prefix);
    settings.item_files_bucket = format!("{}items", app.queue_prefix);
    // The chat service it builds pushes to WebSocket connections; nothing here pushes.
    settings.websocket_endpoint = Some("http://127.0.0.1:9".into());
    let platform = cs_platform::Platform::new(settings).await;
    let graphql_app = <graphql::App as cs_platform::Service>::new(
        &platform,
        <graphql::App as cs_platform::Service>::config_from_env().unwrap(),
    )
    .unwrap();
    let reader_id: uuid::Uuid = reader.id.parse().unwrap();
    let viewer = || graphql::viewer::Viewer { user: Some((reader_id, reader.username.clone())), ..Default::default() };
    let query =
        format!("query($n: Int) {{ timeline(kind: PUBLIC, first: $n) {{ edges {{ node {{ {POST_FIELDS} }} }} }} }}");
    let mut statements = Vec::new();
    for n in [5, 20, 5, 20] {
        counter.take();
        let request = graphql::async_graphql::Request::new(query.clone())
            .variables(graphql::async_graphql::Variables::from_json(json!({ "n": n })));
        let response = graphql::handler::execute(&graphql_app, viewer(), request).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let data = response.data.into_json().unwrap();
        let edges = data["timeline"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        let liked = edges.iter().filter(|e| e["node"]["likedByMe"] == true).count();
        let with_media = edges.iter().filter(|e| e["node"]["media"]["url"].is_string()).count();
        let authors: std::collections::BTreeSet<&str> =
            edges.iter().map(|e| e["node"]["author"]["username"].as_str().unwrap()).collect();
        let followed = edges.iter().filter(|e| e["node"]["author"]["followedByMe"] == true).count();
        assert!(liked >= 1 && with_media >= 3 && authors.len() == 3, "n={n}: {liked} liked, {with_media} with media");
        assert!(followed >= 1 && followed < n, "n={n}: {followed} by followed authors");
        statements.push(counter.take());
    }
    println!("statements for a page of 5, 20, 5, 20 posts: {statements:?}");
    // The entries, the posts (authors, counts and like state in one query), their uploads,
    // and which of the authors the reader follows.
    assert_eq!(statements, [4, 4, 4, 4]);
}

/// Search through GraphQL: the overview and a page of each kind, with the highlights and
/// totals of `GET /search`, posts loaded as the timelines load them, and its 422s as errors.
#[tokio::test]
async fn search_through_graphql() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app.register("bob").await;
    gql(
        &app,
        Some(&ada.access),
        r#"mutation { createPost(content: "Kayaking the fjords at <dawn>") { id } }"#,
        json!({}),
    )
    .await;
    blackbox::create_item(&app, &bob, json!({ "title": "Fjords photo book" })).await;
    let overview = "query($q: String!) { search(q: $q) {
        users { user { username } highlight { username } }
        posts { post { content author { username } likedByMe } highlight { content } }
        items { item { title price { amount currency } } highlight { title } }
        counts { users posts items } } }";
    let found = eventually(30, || async {
        let d = gql(&app, Some(&bob.access), overview, json!({ "q": "fjords" })).await;
        (d["search"]["counts"]["posts"] == 1 && d["search"]["counts"]["items"] == 1).then_some(d)
    })
    .await;
    let s = &found["search"];
    assert_eq!(s["posts"][0]["post"]["author"]["username"], ada.username);
    assert_eq!(s["posts"][0]["highlight"]["content"], "Kayaking the <mark>fjords</mark> at &lt;dawn&gt;");
    assert_eq!(s["items"][0]["highlight"]["title"], "<mark>Fjords</mark> photo book");
    assert_eq!(s["items"][0]["item"]["price"]["currency"], "EUR");

    let people = gql(
        &app,
        None,
        "query($q: String!) { searchUsers(q: $q, first: 5) { total edges { node { user { username } highlight { username } } } } }",
        json!({ "q": ada.username }),
    )
    .await;
    assert_eq!(people["searchUsers"]["edges"][0]["node"]["user"]["username"], ada.username);
    assert!(people["searchUsers"]["edges"][0]["node"]["highlight"]["username"].as_str().unwrap().contains("<mark>"));

    let posts = gql(
        &app,
        None,
        "query($q: String!) { searchPosts(q: $q, sort: NEWEST, first: 1) { total pageInfo { hasNextPage } nodes { post { id } } } }",
        json!({ "q": "kayaking" }),
    )
    .await;
    assert_eq!(
        (posts["searchPosts"]["total"].as_i64(), &posts["searchPosts"]["pageInfo"]["hasNextPage"]),
        (Some(1), &json!(false))
    );

    let items = gql(&app, None, r#"query { searchItems(q: "fjords", maxPrice: "5.00") { total } }"#, json!({})).await;
    assert_eq!(items["searchItems"]["total"], 0, "12.50 is over 5.00");
    gql_error(
        &app,
        None,
        r#"query { searchPosts(q: "x", since: "yesterday") { total } }"#,
        json!({}),
        "invalid_field",
        Some("since"),
    )
    .await;
}
