//! `make bench`: chat over the local WebSocket API: 1,000 connections in 500 direct
//! conversations, one sender and one receiver in each. Every `sendMessage` frame goes
//! through the gateway, the chat function (Postgres), DynamoDB (the emulator) for the
//! members' connections, and `PostToConnection` back into the gateway. Beside it, the
//! same frames between the same number of sockets through a bare WebSocket relay that
//! forwards each frame to the peer (and back to the sender) with no storage.
//!
//! Two loads: paced (every sender sends once every `PACE`, staggered: latency at a steady
//! 25 messages a second) and closed loop (`BUSY` senders each send their next message as
//! soon as the last arrives: the most messages per second). Beside them, the cost of the
//! one DynamoDB request each message makes (a `BatchGetItem` of the members' connections)
//! on the emulator, which serves about a hundred requests a second on this machine.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context;
use blackbox::Latencies;
use cs_auth::{SigningKey, Tokens};
use cs_aws::ConnectionRegistry;
use futures::{SinkExt, StreamExt};
use local_gateway::{migrations, repo_root, spawn, GatewayConfig};
use serde_json::{json, Value};
use tokio::{net::TcpListener, sync::mpsc};
use tokio_postgres::NoTls;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

const CONVERSATIONS: usize = 500;
/// Each sender sends once per `PACE`: 500 senders make 25 messages a second.
const PACE: Duration = Duration::from_secs(20);
/// Conversations sending back to back in the closed loop: enough to keep the emulator
/// busy (it answers one request at a time), few enough not to queue its connections.
const BUSY: usize = 16;
/// How long a frame may take before the run fails.
const WAIT: Duration = Duration::from_secs(30);
const RUN_FOR: Duration = Duration::from_secs(20);

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Pair {
    conversation: Uuid,
    sender: Ws,
    receiver: Ws,
}

#[derive(Clone, Copy)]
enum Load {
    Paced,
    ClosedLoop,
}

/// Users `u0`..`u999` and a direct conversation of `u<i>` and `u<i+500>`.
async fn seed(db: &tokio_postgres::Client) -> anyhow::Result<Vec<(Uuid, String, Uuid, String, Uuid)>> {
    let users = 2 * CONVERSATIONS;
    db.batch_execute(&format!(
        "INSERT INTO users (id, username, email, hashed_password)
         SELECT gen_random_uuid(), 'u' || i, 'u' || i || '@example.com', 'not-a-login' FROM generate_series(0, {users} - 1) i;
         CREATE TEMP TABLE pairs AS
         SELECT gen_random_uuid() AS id, a.id AS a, b.id AS b
         FROM generate_series(0, {CONVERSATIONS} - 1) i
         JOIN users a ON a.username = 'u' || i JOIN users b ON b.username = 'u' || (i + {CONVERSATIONS});
         INSERT INTO conversations (id, kind, direct_a, direct_b, created_by)
         SELECT id, 'direct', least(a, b), greatest(a, b), a FROM pairs;
         INSERT INTO conversation_members (conversation_id, user_id)
         SELECT id, a FROM pairs UNION ALL SELECT id, b FROM pairs;
         ANALYZE;"
    ))
    .await
    .context("seeding")?;
    let rows = db
        .query(
            "SELECT a.id, a.username, b.id, b.username, p.id FROM pairs p
             JOIN users a ON a.id = p.a JOIN users b ON b.id = p.b ORDER BY a.username",
            &[],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))).collect())
}

async fn connect(url: String) -> anyhow::Result<Ws> {
    let (ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.with_context(|| format!("connecting {url}"))?;
    Ok(ws)
}

/// Opens `urls` twenty at a time (each `$connect` writes to DynamoDB).
async fn connect_all(urls: Vec<String>) -> anyhow::Result<Vec<Ws>> {
    futures::stream::iter(urls.into_iter().map(connect)).buffered(20).collect::<Vec<_>>().await.into_iter().collect()
}

/// The body of a frame the receiver got: the gateway wraps it in a `message` frame, the
/// bare relay passes the sent frame on as it is.
fn body_of(frame: &Value) -> Option<&str> {
    frame["message"]["body"].as_str().or_else(|| frame["body"].as_str())
}

/// Runs `load` over every pair for `RUN_FOR`; delays are send-to-receipt on the other socket.
async fn drive(mut pairs: Vec<Pair>, load: Load) -> anyhow::Result<(Latencies, Vec<Pair>)> {
    let origin = Instant::now();
    let mut tasks = Vec::new();
    let idle = match load {
        Load::Paced => Vec::new(),
        Load::ClosedLoop => pairs.split_off(BUSY.min(pairs.len())),
    };
    for (i, pair) in pairs.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let Pair { conversation, mut sender, mut receiver } = pair;
            let mut delays = Vec::new();
            // Stagger the paced senders across the period.
            let offset = PACE.mul_f64(i as f64 / CONVERSATIONS as f64);
            let mut next_send = origin + offset;
            let mut seq = 0u64;
            let stop = origin + RUN_FOR;
            loop {
                if matches!(load, Load::Paced) {
                    if next_send >= stop {
                        break;
                    }
                    tokio::time::sleep_until(next_send.into()).await;
                    next_send += PACE;
                }
                if Instant::now() >= stop {
                    break;
                }
                seq += 1;
                let sent = origin.elapsed().as_micros();
                let frame = json!({
                    "action": "sendMessage", "conversationId": conversation,
                    "body": format!("{sent}"), "clientId": Uuid::new_v4().to_string(),
                });
                sender.send(Message::Text(frame.to_string().into())).await?;
                // The receipt on the other socket, then the sender's own copy (its ack).
                loop {
                    let next = tokio::time::timeout(WAIT, receiver.next()).await;
                    let Some(msg) =
                        next.with_context(|| format!("pair {i}: no receipt of message {seq}"))?.transpose()?
                    else {
                        anyhow::bail!("receiver closed");
                    };
                    let Message::Text(text) = msg else { continue };
                    let frame: Value = serde_json::from_str(&text)?;
                    anyhow::ensure!(frame["type"] != "error", "error frame: {frame}");
                    if body_of(&frame) == Some(&sent.to_string()) {
                        delays.push((origin.elapsed().as_micros() - sent) as f64 / 1000.0);
                        break;
                    }
                }
                loop {
                    let next = tokio::time::timeout(WAIT, sender.next()).await;
                    let Some(msg) =
                        next.with_context(|| format!("pair {i}: no acknowledgement of message {seq}"))?.transpose()?
                    else {
                        anyhow::bail!("sender closed");
                    };
                    if matches!(msg, Message::Text(_)) {
                        break;
                    }
                }
            }
            Ok::<_, anyhow::Error>((delays, Pair { conversation, sender, receiver }))
        }));
    }
    let mut all = Vec::new();
    let mut pairs = Vec::new();
    for t in tasks {
        let (delays, pair) = t.await??;
        all.extend(delays);
        pairs.push(pair);
    }
    pairs.extend(idle);
    let elapsed = origin.elapsed();
    Ok((Latencies::from_ms(all, elapsed), pairs))
}

/// The baseline: a WebSocket server that sends each frame on to the other socket of its
/// pair (`?pair=<i>&side=a|b`) and back to the sender, as the gateway does, with nothing
/// in between.
async fn bare_relay() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    type Peers = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Message>>>>;
    let peers: Peers = Arc::default();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let peers = Arc::clone(&peers);
            tokio::spawn(async move {
                let mut query = String::new();
                let callback =
                    |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                     res: tokio_tungstenite::tungstenite::handshake::server::Response| {
                        query = req.uri().query().unwrap_or("").to_string();
                        Ok(res)
                    };
                let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else { return };
                let (me, other) = if query.ends_with("side=a") {
                    (query.clone(), query.replace("side=a", "side=b"))
                } else {
                    (query.clone(), query.replace("side=b", "side=a"))
                };
                let (mut sink, mut stream) = ws.split();
                let (tx, mut rx) = mpsc::unbounded_channel();
                if let Ok(mut p) = peers.lock() {
                    p.insert(me.clone(), tx.clone());
                }
                tokio::spawn(async move {
                    while let Some(m) = rx.recv().await {
                        if sink.send(m).await.is_err() {
                            break;
                        }
                    }
                });
                while let Some(Ok(msg)) = stream.next().await {
                    if let Message::Text(text) = msg {
                        let target = peers.lock().ok().and_then(|p| p.get(&other).cloned());
                        if let Some(target) = target {
                            let _ = target.send(Message::Text(text.clone()));
                        }
                        let _ = tx.send(Message::Text(text));
                    }
                }
                if let Ok(mut p) = peers.lock() {
                    p.remove(&me);
                }
            });
        }
    });
    Ok(addr)
}

/// The fan-out's one DynamoDB request, alone, against the emulator.
async fn emulator_cost(seeded: &[(Uuid, String, Uuid, String, Uuid)]) -> anyhow::Result<Latencies> {
    let registry = blackbox::connections().await;
    let mut ms = Vec::new();
    let started = Instant::now();
    for (a, _, b, _, _) in seeded.iter().take(200) {
        let t = Instant::now();
        registry.of_users(&[*a, *b]).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Latencies::from_ms(ms, started.elapsed()))
}

fn row(what: &str, load: &str, s: &Latencies) {
    println!("{what:<27} {load:<35} | {:>8.2} {:>8.2} {:>8.2} | {:>8.0} {:>7}", s.p50, s.p99, s.max, s.rate, s.n);
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cs_http::init_tracing();
    let url = cs_db::testing::fresh_database(&migrations()).await?;
    let (db, conn) = tokio_postgres::connect(&url, NoTls).await?;
    tokio::spawn(conn);
    let started = Instant::now();
    let seeded = seed(&db).await?;
    println!(
        "seeded {} users in {CONVERSATIONS} conversations in {:.1}s",
        seeded.len() * 2,
        started.elapsed().as_secs_f64()
    );

    let mut config = GatewayConfig::from_env()?;
    config.platform.database_url = url.clone();
    config.platform.pool_size = 16;
    config.frontend_dir = None;
    config.background = false;
    config.websocket_addr = "127.0.0.1:0".parse()?;
    let running = spawn(config, "127.0.0.1:0".parse::<SocketAddr>()?).await?;
    let tokens = Tokens::new(
        SigningKey::load_or_generate(&repo_root().join(".local/jwt-private.pem"))?,
        "connectsphere",
        "connectsphere-api",
        Duration::from_secs(3600),
    );
    let ws = running.ws_url();
    let mut urls = Vec::new();
    for (a, a_name, b, b_name, _) in &seeded {
        urls.push(format!("{ws}/?token={}", tokens.issue(*a, a_name)?.0));
        urls.push(format!("{ws}/?token={}", tokens.issue(*b, b_name)?.0));
    }
    let started = Instant::now();
    let sockets = connect_all(urls).await?;
    println!(
        "opened {} connections through $connect in {:.1}s ({} open in the gateway)",
        sockets.len(),
        started.elapsed().as_secs_f64(),
        running.gateway.sockets.open_connections()
    );
    let mut sockets = sockets.into_iter();
    let mut pairs = Vec::new();
    for (_, _, _, _, conversation) in &seeded {
        let (Some(sender), Some(receiver)) = (sockets.next(), sockets.next()) else { anyhow::bail!("a socket short") };
        pairs.push(Pair { conversation: *conversation, sender, receiver });
    }

    let relay = bare_relay().await?;
    let mut urls = Vec::new();
    for i in 0..CONVERSATIONS {
        urls.push(format!("ws://{relay}/?pair={i}&side=a"));
        urls.push(format!("ws://{relay}/?pair={i}&side=b"));
    }
    let mut bare = connect_all(urls).await?.into_iter();
    let mut bare_pairs = Vec::new();
    for (_, _, _, _, conversation) in &seeded {
        let (Some(sender), Some(receiver)) = (bare.next(), bare.next()) else { anyhow::bail!("a socket short") };
        bare_pairs.push(Pair { conversation: *conversation, sender, receiver });
    }

    println!(
        "\nsendMessage → receipt on the other socket; 1,000 connections, 500 conversations; {RUN_FOR:?} per row; ms"
    );
    println!("{:<27} {:<35} | {:>8} {:>8} {:>8} | {:>8} {:>7}", "", "load", "p50", "p99", "max", "msg/s", "n");
    let paced = format!("paced: 500 senders, each every {}s", PACE.as_secs());
    let phases = if std::env::var_os("BENCH_CHAT_CLOSED_ONLY").is_some() {
        vec![(Load::ClosedLoop, format!("closed loop: {BUSY} senders"))]
    } else {
        vec![(Load::Paced, paced.clone()), (Load::ClosedLoop, format!("closed loop: {BUSY} senders"))]
    };
    for (load, name) in phases.iter().map(|(l, n)| (*l, n.as_str())) {
        let (gw, back) = drive(pairs, load).await?;
        pairs = back;
        row("gateway + chat function", name, &gw);
        let (b, back) = drive(bare_pairs, load).await?;
        bare_pairs = back;
        row("bare WebSocket relay", name, &b);
    }
    let emulator = emulator_cost(&seeded).await?;
    row("one BatchGetItem (emulator)", "sequential", &emulator);
    let stored: i64 = db.query_one("SELECT count(*) FROM messages", &[]).await?.get(0);
    println!("\n{stored} messages stored");
    // Close every connection and let $disconnect forget them, as clients leaving would.
    for pair in pairs {
        for mut ws in [pair.sender, pair.receiver] {
            let _ = ws.close(None).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while running.gateway.sockets.open_connections() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok(())
}
