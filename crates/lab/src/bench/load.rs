//! `techmatch bench load`: the service under a mixed load, on loopback, with its own
//! ceiling measured in the same run. It starts the running program's `serve` (the `techmatch`
//! binary, whose `bench load` this is) as a child process (on
//! SQLite in a temporary directory, or on the PostgreSQL database given), imports synthetic
//! listings, then drives it from N keep-alive connections: first a plain `/hello` route (the
//! machine's ceiling for this HTTP stack), then the mix: 70% searches, 20% reads, 10% writes.

use std::io::Write as _;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::child::{Connection, command, setup_call, start_server};
use crate::figures::{ScratchDirectory, cores, warn_if_unoptimised};
use crate::generate::listings::synthetic_listings;

const QUERIES: &[&str] = &[
    "锂电池",
    "正极材料",
    "储能",
    "传感器",
    "深度学习",
    "光模块",
    "半导体",
    "温室",
    "机器人",
    "检测",
    "lithium",
    "battery",
    "sensor",
    "laser",
    "robot",
    "coating",
    "锂电池 正极材料",
    "machine vision",
    "固态电池",
    "激光器",
    "算法",
    "芯片 封装",
    "热管理",
    "充电桩",
];

/// `techmatch bench load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadBenchmark {
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Length of each phase.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Synthetic listings imported first.
    #[arg(long, default_value_t = 5000)]
    pub listings: u64,
    /// An empty PostgreSQL database to run on (default: SQLite in a temporary directory).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Reads of one listing in the mix, in percent.
    #[arg(long, default_value_t = 20)]
    pub read_percent: u64,
    /// Writes in the mix, in percent (searches take what reads and writes leave).
    #[arg(long, default_value_t = 10)]
    pub write_percent: u64,
}

/// What a request of the mix does, for latencies by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RequestKind {
    Hello,
    Search,
    Read,
    Write,
}

impl RequestKind {
    const MIXED: [RequestKind; 3] = [RequestKind::Search, RequestKind::Read, RequestKind::Write];

    fn name(self) -> &'static str {
        match self {
            RequestKind::Hello => "hello",
            RequestKind::Search => "search",
            RequestKind::Read => "read",
            RequestKind::Write => "write",
        }
    }
}

struct Figures {
    requests: usize,
    errors: usize,
    seconds: f64,
    latencies_micros: Vec<u64>,
    by_kind: Vec<(RequestKind, Vec<u64>)>,
}

impl Figures {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    fn percentile(&self, fraction: f64) -> f64 {
        percentile(&self.latencies_micros, fraction)
    }
}

/// The `fraction` percentile of sorted latencies, in milliseconds.
fn percentile(sorted_micros: &[u64], fraction: f64) -> f64 {
    if sorted_micros.is_empty() {
        return 0.0;
    }
    let at = ((sorted_micros.len() as f64 - 1.0) * fraction).round() as usize;
    sorted_micros[at] as f64 / 1000.0
}

struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Drives `connections` connections for `duration`; `pick` chooses each request.
async fn drive(
    host: &str,
    connections: usize,
    duration: Duration,
    token: Arc<String>,
    listings: u64,
    mixed: bool,
    (read_percent, write_percent): (u64, u64),
) -> anyhow::Result<Figures> {
    let searches = 100u64.saturating_sub(read_percent + write_percent);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for task in 0..connections {
        let (host, stop, token) = (host.to_owned(), Arc::clone(&stop), Arc::clone(&token));
        tasks.push(tokio::spawn(async move {
            let mut random = Xorshift(0x9E37_79B9_7F4A_7C15 ^ (task as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
            let mut latencies = Vec::new();
            let (mut requests, mut errors) = (0usize, 0usize);
            let mut connection = Connection::open(&host).await.ok();
            let mut written = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let roll = random.next() % 100;
                let (kind, method, path, body, authorized) = if !mixed {
                    (RequestKind::Hello, "GET", "/hello".to_owned(), None, false)
                } else if roll < searches {
                    let query = QUERIES[(random.next() % QUERIES.len() as u64) as usize];
                    let encoded: String = query
                        .bytes()
                        .map(|byte| if byte.is_ascii_alphanumeric() { (byte as char).to_string() } else { format!("%{byte:02X}") })
                        .collect();
                    (RequestKind::Search, "GET", format!("/api/v1/search?q={encoded}&per_page=10"), None, false)
                } else if roll < searches + read_percent {
                    (
                        RequestKind::Read,
                        "GET",
                        format!("/api/v1/results/{}", 1 + random.next() % listings.max(1)),
                        None,
                        false,
                    )
                } else {
                    written += 1;
                    let body = format!(
                        r#"{{"title": "压测写入的锂电池成果 {task}-{written}", "abstract": "负载测试写入的锂电池正极材料成果，用于测量混合负载。", "maturity": "pilot", "status": "published"}}"#
                    );
                    (RequestKind::Write, "POST", "/api/v1/results".to_owned(), Some(body), true)
                };
                let Some(open) = connection.as_mut() else {
                    errors += 1;
                    connection = Connection::open(&host).await.ok();
                    continue;
                };
                let sent = Instant::now();
                let answer = open
                    .exchange(method, &path, authorized.then_some(token.as_str()), body.as_deref())
                    .await;
                latencies.push((kind, sent.elapsed().as_micros() as u64));
                requests += 1;
                match answer {
                    Ok(status) if (200..300).contains(&status) => {}
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        connection = Connection::open(&host).await.ok();
                    }
                }
            }
            (requests, errors, latencies)
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut figures =
        Figures { requests: 0, errors: 0, seconds: 0.0, latencies_micros: Vec::new(), by_kind: Vec::new() };
    let mut kinded = Vec::new();
    for task in tasks {
        let (requests, errors, latencies) = task.await?;
        figures.requests += requests;
        figures.errors += errors;
        kinded.extend(latencies);
    }
    figures.seconds = started.elapsed().as_secs_f64();
    figures.latencies_micros = kinded.iter().map(|(_, micros)| *micros).collect();
    figures.latencies_micros.sort_unstable();
    if mixed {
        for kind in RequestKind::MIXED {
            let mut micros: Vec<u64> = kinded.iter().filter(|(of, _)| *of == kind).map(|(_, micros)| *micros).collect();
            micros.sort_unstable();
            figures.by_kind.push((kind, micros));
        }
    }
    Ok(figures)
}

impl LoadBenchmark {
    /// Runs the benchmark and prints its figures.
    pub fn run(&self) -> anyhow::Result<()> {
        run(self)
    }
}

fn run(options: &LoadBenchmark) -> anyhow::Result<()> {
    warn_if_unoptimised("bench load");
    let directory = ScratchDirectory::new("load")?;
    let database_url = options.database_url.as_deref();
    // Synthetic bilingual listings through the importer, before the server starts.
    let file = directory.path().join("listings.jsonl");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        for document in synthetic_listings(1, options.listings, 7) {
            let row = serde_json::json!({
                "title": document.title,
                "abstract": document.body,
                "keywords": document.keywords,
                "maturity": "pilot",
                "status": "published",
            });
            writeln!(out, "{row}")?;
        }
    }
    eprintln!("importing {} synthetic listings…", options.listings);
    let imported = command(directory.path(), database_url)?
        .args(["import", "--kind", "results"])
        .arg(&file)
        .stdout(Stdio::null())
        .status()?;
    if !imported.success() {
        bail!("the import failed");
    }
    let server = start_server(directory.path(), database_url, &[])?;
    let email = format!("load-{}@bench.local", std::process::id());
    setup_call(
        &server.host,
        "POST",
        "/api/v1/auth/register",
        &format!(
            r#"{{"email": "{email}", "password": "load bench passphrase", "display_name": "压测", "role": "researcher",
                "organization": {{"name": "压测大学 {email}", "kind": "university", "region_code": "420111"}}}}"#
        ),
    )?;
    let login = setup_call(
        &server.host,
        "POST",
        "/api/v1/auth/login",
        &format!(r#"{{"email": "{email}", "password": "load bench passphrase"}}"#),
    )?;
    let token = Arc::new(login["access_token"].as_str().context("login failed")?.to_owned());

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let duration = Duration::from_secs(options.seconds);
    let backend = if database_url.is_some() { "postgresql" } else { "sqlite" };
    eprintln!("warming up…");
    runtime.block_on(drive(
        &server.host,
        options.connections,
        Duration::from_secs(2),
        Arc::clone(&token),
        options.listings,
        true,
        (options.read_percent, options.write_percent),
    ))?;
    eprintln!("hello ceiling: {} connections for {} s…", options.connections, options.seconds);
    let hello = runtime.block_on(drive(
        &server.host,
        options.connections,
        duration,
        Arc::clone(&token),
        options.listings,
        false,
        (0, 0),
    ))?;
    eprintln!("mixed load: {} connections for {} s…", options.connections, options.seconds);
    let mixed = runtime.block_on(drive(
        &server.host,
        options.connections,
        duration,
        token,
        options.listings,
        true,
        (options.read_percent, options.write_percent),
    ))?;
    drop(server);

    println!(
        "load on {backend}: {} connections, {} s per phase, {} listings, {}% reads, {}% writes, {} cores",
        options.connections,
        options.seconds,
        options.listings,
        options.read_percent,
        options.write_percent,
        cores()
    );
    for (name, figures) in [("hello", &hello), ("mixed", &mixed)] {
        println!(
            "{name:<6} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms  errors {}  ({} requests)",
            figures.per_second(),
            figures.percentile(0.5),
            figures.percentile(0.99),
            figures.latencies_micros.last().copied().unwrap_or(0) as f64 / 1000.0,
            figures.errors,
            figures.requests
        );
    }
    for (kind, micros) in &mixed.by_kind {
        println!(
            "  {:<6} {:>7} requests  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms",
            kind.name(),
            micros.len(),
            percentile(micros, 0.5),
            percentile(micros, 0.99),
            micros.last().copied().unwrap_or(0) as f64 / 1000.0
        );
    }
    println!(
        "mixed/hello {:.1} %  (targets: ≥ 25 %, p99 ≤ 50 ms, 0 errors)",
        100.0 * mixed.per_second() / hello.per_second().max(1.0)
    );
    Ok(())
}
