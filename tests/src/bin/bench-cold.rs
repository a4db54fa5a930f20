//! `make bench-cold`: every function of the manifest started as a fresh Lambda process
//! several times (the gateway's runtime mode, without the gateway), beside a hello-world
//! `lambda_runtime` function built with the same profile in the same run. For each: the
//! median init (process start to its first `/next`, as Lambda's Init Duration) and the
//! median first invocation (one plausible event: see `local_gateway::runtime::sample`);
//! for each binary its size and its zip's. One table, on stdout.
//!
//! `LAMBDA_BINARIES` (default `<target>/lambda`, what `make build-lambdas` writes) holds
//! `<crate>/bootstrap`; `BENCH_COLD_RUNS` fresh processes per function (default 5).

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::Context;
use local_gateway::runtime::{sample, Outcome, Pool, RuntimeConfig, Spec};

struct Row {
    name: String,
    crate_name: String,
    init_ms: f64,
    first_ms: f64,
    answer: String,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

/// The size of the deployment zip: the binary deflated at level 9 plus the zip format's
/// headers for one entry named `bootstrap` (local header, central directory, end record).
fn zip_size(binary: &Path) -> anyhow::Result<u64> {
    let bytes = std::fs::read(binary)?;
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes)?;
    let deflated = encoder.finish()?.len() as u64;
    let name = "bootstrap".len() as u64;
    Ok(deflated + (30 + name) + (46 + name) + 22)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// One cold start of `spec`: its init, its first invocation, and the answer's status.
async fn cold_start(spec: &Spec, payload: &[u8]) -> (f64, f64, String) {
    // A new pool: a fresh process.
    let pool = Pool::new(spec.clone());
    let (outcome, report) = pool.invoke(payload.to_vec()).await;
    let answer = match outcome {
        Ok(Outcome::Response(body)) => serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("statusCode").and_then(serde_json::Value::as_u64))
            .map_or_else(|| "ok".to_string(), |s| s.to_string()),
        Ok(Outcome::Error(_)) => "error".into(),
        Err(err) => format!("failed: {err}"),
    };
    // The process is killed with its pool; its exit and its Postgres session's would
    // otherwise share the two cores with the next init (Lambda environments share no CPU):
    // the functions that read the database measured 5.5-7.7 ms against 3-4 ms for their
    // siblings of the same binary.
    drop(pool);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(report.init.unwrap_or_default()), ms(report.usage.duration), answer)
}

/// Medians over `runs` rounds, each of which starts every function once (hello-world
/// first): a burst of noise on the machine lands on one round of all, not on all the runs of
/// the few functions measured during it.
async fn measure(targets: &[(Spec, Vec<u8>)], runs: usize) -> Vec<(f64, f64, String)> {
    let mut samples = vec![(Vec::new(), Vec::new(), String::new()); targets.len()];
    for _ in 0..runs {
        for ((spec, payload), (inits, firsts, answer)) in targets.iter().zip(&mut samples) {
            let (init, first, status) = cold_start(spec, payload).await;
            inits.push(init);
            firsts.push(first);
            *answer = status;
        }
    }
    samples.into_iter().map(|(inits, firsts, answer)| (median(inits), median(firsts), answer)).collect()
}

/// An HTTP endpoint that answers `410 Gone` to every request, then closes the connection.
async fn gone_endpoint() -> anyhow::Result<std::net::SocketAddr> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(b"HTTP/1.1 410 Gone\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
            });
        }
    });
    Ok(addr)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cs_db::testing::load_local_env();
    let runs: usize = std::env::var("BENCH_COLD_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let dir: PathBuf =
        std::env::var_os("LAMBDA_BINARIES").map_or_else(|| local_gateway::target_dir().join("lambda"), PathBuf::from);
    let config = RuntimeConfig { binaries: dir.clone(), idle_timeout: Duration::from_secs(1) };
    let manifest = cs_manifest::Manifest::load()?;
    let mut settings = cs_platform::Settings::from_env().context("the functions' settings (make services)")?;
    // A database of its own, migrated, so that reads reach their tables.
    settings.database_url = cs_db::testing::fresh_database(&local_gateway::migrations()).await?;
    // BENCH_COLD_LOGS=1 shows what the processes write (on stderr).
    let show = std::env::var_os("BENCH_COLD_LOGS").is_some();
    let quiet: local_gateway::runtime::LogSink = Arc::new(move |f: &str, line: &str| {
        if show {
            eprintln!("[{f}] {line}");
        }
    });
    // Chat pushes through a WebSocket API's management endpoint: here one that answers every
    // push as API Gateway answers for a connection that has closed (410 Gone).
    settings.websocket_endpoint = Some(format!("http://{}", gone_endpoint().await?));
    // The tables the CDK app makes in AWS (the gateway makes them locally).
    let platform = cs_platform::Platform::new(settings.clone()).await;
    platform.rate_limiter().ensure_table().await?;
    platform.connections().ensure_table().await?;
    let only = std::env::var("BENCH_COLD_ONLY").unwrap_or_default();
    let spec = |name: &str, binary: PathBuf, env: Vec<(String, String)>, memory_mb: u32| Spec {
        function: name.to_string(),
        binary,
        env,
        memory_mb,
        timeout: Duration::from_secs(30),
        log: Arc::clone(&quiet),
    };

    let hello_bin = config.binary("hello-lambda");
    anyhow::ensure!(hello_bin.is_file(), "no {} (make build-lambdas builds it)", hello_bin.display());
    // What Lambda sets, which lambda_runtime requires.
    let hello_env: Vec<(String, String)> = [
        ("AWS_LAMBDA_FUNCTION_NAME", "hello"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/hello"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "local"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let functions: Vec<_> = manifest.functions.iter().filter(|f| f.name.starts_with(&only)).collect();
    let mut targets = vec![(spec("hello", hello_bin.clone(), hello_env, 128), b"{}".to_vec())];
    for f in &functions {
        let binary = config.binary(&f.crate_name);
        anyhow::ensure!(binary.is_file(), "no {} (make build-lambdas builds it)", binary.display());
        let env = RuntimeConfig::env(&settings, &manifest, f);
        targets.push((spec(&f.name, binary, env, manifest.memory(f)), serde_json::to_vec(&sample::event(f))?));
    }
    let mut measured = measure(&targets, runs).await.into_iter();
    let (hello_init, hello_first, hello_answer) = measured.next().context("hello-world was measured")?;
    let rows: Vec<Row> = functions
        .iter()
        .zip(measured)
        .map(|(f, (init_ms, first_ms, answer))| Row {
            name: f.name.clone(),
            crate_name: f.crate_name.clone(),
            init_ms,
            first_ms,
            answer,
        })
        .collect();

    let mut sizes = BTreeMap::new();
    for krate in rows.iter().map(|r| r.crate_name.clone()).chain(["hello-lambda".to_string()]) {
        let binary = config.binary(&krate);
        let size = std::fs::metadata(&binary)?.len();
        sizes.insert(krate, (size, zip_size(&binary)?));
    }

    println!("bench-cold: {runs} fresh processes per function, medians; binaries from {}", dir.display());
    println!(
        "{:<28} {:<9} {:>8} {:>9} {:>9} {:>6} {:>8} {:>7}",
        "function", "crate", "init ms", "× hello", "first ms", "answer", "bin MB", "zip MB"
    );
    let (hs, hz) = sizes["hello-lambda"];
    println!(
        "{:<28} {:<9} {:>8.2} {:>9.2} {:>9.2} {:>6} {:>8.2} {:>7.2}",
        "hello-world (baseline)",
        "hello",
        hello_init,
        1.0,
        hello_first,
        hello_answer,
        mb(hs),
        mb(hz)
    );
    for r in &rows {
        let (size, zip) = sizes[&r.crate_name];
        println!(
            "{:<28} {:<9} {:>8.2} {:>9.2} {:>9.2} {:>6} {:>8.2} {:>7.2}",
            r.name,
            r.crate_name,
            r.init_ms,
            r.init_ms / hello_init,
            r.first_ms,
            r.answer.chars().take(6).collect::<String>(),
            mb(size),
            mb(zip)
        );
    }
    let worst = rows.iter().map(|r| r.init_ms / hello_init).fold(0.0, f64::max);
    let biggest = sizes.values().map(|(_, z)| *z).max().unwrap_or(0);
    println!(
        "targets: every init within 2× hello-world: {} (worst {worst:.2}×); every zip under 5 MB: {} (largest {:.2} MB)",
        if worst <= 2.0 { "yes" } else { "NO" },
        if biggest < 5 * 1_048_576 { "yes" } else { "NO" },
        mb(biggest)
    );
    for r in rows.iter().filter(|r| r.answer.starts_with("failed")) {
        println!("{}: {}", r.name, r.answer);
    }
    Ok(())
}
