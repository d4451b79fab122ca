//! `techmatch bench flood`: what a flood of parallel registrations does to the server. Each
//! registration that can succeed hashes a password with argon2id, which holds its memory cost
//! (19 MiB by default) while it runs; the server bounds how many run at once and how many wait,
//! and refuses the rest at once (503 `busy`). The benchmark starts the service as a child
//! process and sends N registrations at once on N connections, while it samples the child's
//! resident memory and asks `/health` every few milliseconds:
//!
//! 1. invalid registrations (a join code that does not exist), refused before any hashing;
//! 2. valid registrations from one client, which its registration limit stops;
//! 3. valid registrations with that limit lifted, as if from as many clients: the hashing
//!    bound holds memory down;
//! 4. the reference, in the same run: the same with the bound lifted too (every hash at once,
//!    as the server did before it had one).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::child::{Connection, Server, start_server};
use crate::figures::{LatencyFigures, ScratchDirectory, cores, milliseconds, warn_if_unoptimised};

/// `techmatch bench flood`.
#[derive(Debug, Clone, clap::Args)]
pub struct FloodBenchmark {
    /// Registrations sent at once in each flood.
    #[arg(long, default_value_t = 300)]
    pub registrations: usize,
    /// Skip the reference flood without the hashing bound (it needs registrations × the
    /// argon2 memory cost of RAM).
    #[arg(long)]
    pub skip_unbounded: bool,
}

impl FloodBenchmark {
    /// Runs the floods and prints their figures.
    pub fn run(&self) -> anyhow::Result<()> {
        run(self)
    }
}

/// What kind of registrations a flood sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Registrations {
    UnknownJoinCode,
    Valid,
}

/// What one phase measured.
struct Phase {
    name: &'static str,
    answers: BTreeMap<u16, usize>,
    failed_connections: usize,
    all_answered: Duration,
    peak_resident_bytes: Option<u64>,
    health: LatencyFigures,
}

/// The child's resident memory now, from `/proc` (Linux only).
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn registration_body(kind: Registrations, run: &str, index: usize) -> String {
    let email = format!("flood-{run}-{index}@bench.local");
    let organization = match kind {
        Registrations::UnknownJoinCode => r#"{"join_code": "NOSUCHJOINCODE00"}"#.to_owned(),
        Registrations::Valid => {
            format!(r#"{{"name": "压测机构 {run} {index}", "kind": "university", "region_code": "420111"}}"#)
        }
    };
    format!(
        r#"{{"email": "{email}", "password": "flood bench passphrase {index}", "display_name": "压测", "role": "researcher", "organization": {organization}}}"#
    )
}

/// Sends `count` registrations at once while sampling memory and `/health`.
async fn flood(server: &Server, kind: Registrations, count: usize, run: &str, name: &'static str) -> Phase {
    let pid = server.child.id();
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(resident_bytes(pid).unwrap_or(0)));
    let sampler = {
        let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Some(bytes) = resident_bytes(pid) {
                    peak.fetch_max(bytes, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let health = health_poller(&server.host, Arc::clone(&stop));
    let started = Instant::now();
    let mut requests = Vec::with_capacity(count);
    for index in 0..count {
        let host = server.host.clone();
        let body = registration_body(kind, run, index);
        requests.push(tokio::spawn(async move {
            let mut connection = Connection::open(&host).await.ok()?;
            connection.exchange("POST", "/api/v1/auth/register", None, Some(&body)).await.ok()
        }));
    }
    let mut answers = BTreeMap::new();
    let mut failed_connections = 0;
    for request in requests {
        match request.await {
            Ok(Some(status)) => *answers.entry(status).or_insert(0) += 1,
            _ => failed_connections += 1,
        }
    }
    let all_answered = started.elapsed();
    // A moment more, for memory the last answers leave behind.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    let health = health.await.unwrap_or_default();
    let peak = peak.load(Ordering::Relaxed);
    Phase {
        name,
        answers,
        failed_connections,
        all_answered,
        peak_resident_bytes: (peak > 0).then_some(peak),
        health: LatencyFigures::of(health),
    }
}

/// Asks `/health` on a connection of its own until stopped; the latencies of its answers (an
/// answer that never came counts as the time waited).
fn health_poller(host: &str, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Vec<Duration>> {
    let host = host.to_owned();
    tokio::spawn(async move {
        let mut latencies = Vec::new();
        let mut connection = Connection::open(&host).await.ok();
        while !stop.load(Ordering::Relaxed) {
            let sent = Instant::now();
            let answered = match connection.as_mut() {
                Some(open) => open.exchange("GET", "/health", None, None).await.is_ok_and(|status| status == 200),
                None => false,
            };
            latencies.push(sent.elapsed());
            if !answered {
                connection = Connection::open(&host).await.ok();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        latencies
    })
}

/// The idle server: its memory and `/health` for a second, before any flood.
async fn idle(server: &Server) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let health = health_poller(&server.host, Arc::clone(&stop));
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    let health = health.await.unwrap_or_default();
    Phase {
        name: "idle server (reference)",
        answers: BTreeMap::new(),
        failed_connections: 0,
        all_answered: Duration::ZERO,
        peak_resident_bytes: resident_bytes(server.child.id()),
        health: LatencyFigures::of(health),
    }
}

fn run(options: &FloodBenchmark) -> anyhow::Result<()> {
    warn_if_unoptimised("bench flood");
    let count = options.registrations.max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let lifted_limit = ("TECHMATCH__AUTH__LOGIN_LIMITS__MAX_REGISTRATIONS_PER_CLIENT", (count * 10).to_string());
    let mut phases = Vec::new();

    eprintln!("shipped settings: idle, then {count} registrations with an unknown join code, then {count} valid ones…");
    let directory = ScratchDirectory::new("flood-shipped")?;
    let server = start_server(directory.path(), None, &[])?;
    runtime.block_on(async {
        phases.push(idle(&server).await);
        phases.push(flood(&server, Registrations::UnknownJoinCode, count, "a", "unknown join code").await);
        phases.push(flood(&server, Registrations::Valid, count, "b", "valid, from one client").await);
    });
    drop(server);

    eprintln!("registration limit lifted (as from {count} clients): {count} valid registrations…");
    let directory = ScratchDirectory::new("flood-many-clients")?;
    let server = start_server(directory.path(), None, std::slice::from_ref(&lifted_limit))?;
    phases.push(runtime.block_on(flood(&server, Registrations::Valid, count, "c", "valid, from many clients")));
    drop(server);

    if !options.skip_unbounded {
        eprintln!("reference without the hashing bound: {count} valid registrations hashing at once…");
        let directory = ScratchDirectory::new("flood-unbounded")?;
        let unbounded = [
            lifted_limit.clone(),
            ("TECHMATCH__AUTH__PASSWORD_HASH__MAX_CONCURRENT", count.to_string()),
            ("TECHMATCH__AUTH__PASSWORD_HASH__MAX_WAITING", count.to_string()),
        ];
        let server = start_server(directory.path(), None, &unbounded)?;
        phases.push(runtime.block_on(flood(
            &server,
            Registrations::Valid,
            count,
            "d",
            "same, hashing bound lifted (reference)",
        )));
        drop(server);
    }

    println!("flood of {count} parallel registrations on sqlite, {} cores, shipped argon2id cost", cores());
    println!(
        "{:<36} {:<28} {:>12} {:>12} {:>12} {:>12}",
        "phase", "answers", "all answered", "peak memory", "/health p99", "/health max"
    );
    for phase in &phases {
        let mut answers: Vec<String> = phase.answers.iter().map(|(status, n)| format!("{status}×{n}")).collect();
        if phase.failed_connections > 0 {
            answers.push(format!("failed×{}", phase.failed_connections));
        }
        let answers = if answers.is_empty() { "-".to_owned() } else { answers.join(" ") };
        let answered = if phase.answers.is_empty() {
            "-".to_owned()
        } else {
            format!("{:.2} s", phase.all_answered.as_secs_f64())
        };
        let memory = phase
            .peak_resident_bytes
            .map_or_else(|| "n/a".to_owned(), |bytes| format!("{:.0} MB", bytes as f64 / 1_000_000.0));
        println!(
            "{:<36} {:<28} {:>12} {:>12} {:>9.1} ms {:>9.1} ms",
            phase.name,
            answers,
            answered,
            memory,
            milliseconds(phase.health.p99),
            milliseconds(phase.health.max)
        );
    }
    println!("targets: peak memory under 1 GB and /health within 1 s in every bounded flood");
    Ok(())
}
