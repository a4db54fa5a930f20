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

async fn measure(spec: &Spec, payload: &[u8], runs: usize) -> (f64, f64, String) {
    let (mut inits, mut firsts, mut answer) = (Vec::new(), Vec::new(), String::new());
    for _ in 0..runs {
        // A new pool each time: a fresh process, a cold start.
        let pool = Pool::new(spec.clone());
        let (outcome, report) = pool.invoke(payload.to_vec()).await;
        answer = match outcome {
            Ok(Outcome::Response(body)) => serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("statusCode").and_then(serde_json::Value::as_u64))
                .map_or_else(|| "ok".to_string(), |s| s.to_string()),
            Ok(Outcome::Error(_)) => "error".into(),
            Err(err) => format!("failed: {err}"),
        };
        inits.push(report.init.unwrap_or_default().as_secs_f64() * 1000.0);
        firsts.push(report.usage.duration.as_secs_f64() * 1000.0);
    }
    (median(inits), median(firsts), answer)
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
    // Chat needs a WebSocket API to push through; nothing is pushed to it here.
    settings.websocket_endpoint.get_or_insert_with(|| "http://127.0.0.1:3001".into());
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
    let (hello_init, hello_first, hello_answer) =
        measure(&spec("hello", hello_bin.clone(), hello_env, 128), b"{}", runs).await;

    let mut rows = Vec::new();
    for f in manifest.functions.iter().filter(|f| f.name.starts_with(&only)) {
        let binary = config.binary(&f.crate_name);
        anyhow::ensure!(binary.is_file(), "no {} (make build-lambdas builds it)", binary.display());
        let env = RuntimeConfig::env(&settings, &manifest, f);
        let payload = serde_json::to_vec(&sample::event(f))?;
        let (init_ms, first_ms, answer) =
            measure(&spec(&f.name, binary, env, manifest.memory(f)), &payload, runs).await;
        rows.push(Row { name: f.name.clone(), crate_name: f.crate_name.clone(), init_ms, first_ms, answer });
    }

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
