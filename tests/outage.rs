//! A PostgreSQL outage under load: while the database is stopped the service answers 503 with
//! a code (never a 500, never a hang past a bounded time), `/health` says the database is
//! unavailable, and once it is back the service recovers by itself, without a restart, and
//! nothing acknowledged is lost. Runs against a cluster of its own (started with
//! `.ci/postgres.sh` on another port), so the other tests' database is never interrupted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{serve, techmatch, try_http};
use serde_json::Value;

const ADMIN: &str = "outage.admin@city.gov.cn";
const RESEARCHER: &str = "outage.researcher@whut.edu.cn";
const PASSWORD: &str = "outage test passphrase";
/// Longest a request may take while the database is away: the pool's acquire timeout (1 s
/// here) plus the time to fail a connection attempt, with a generous margin.
const BOUND: Duration = Duration::from_secs(10);

/// When a request was sent, its status, its error code and how long it took.
type Answer = (Instant, u16, String, Duration);

/// A PostgreSQL cluster of this test's own, stopped when dropped.
struct Cluster {
    port: u16,
    data: PathBuf,
}

impl Cluster {
    fn script(&self, action: &str) -> std::process::Output {
        Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/postgres.sh"))
            .arg(action)
            .env("TECHMATCH_PG_PORT", self.port.to_string())
            .env("TECHMATCH_PG_DATA", &self.data)
            .output()
            .unwrap()
    }

    fn run(&self, action: &str) -> String {
        let output = self.script(action);
        assert!(output.status.success(), "postgres.sh {action}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.script("stop");
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[test]
fn the_service_rides_out_a_database_restart() {
    // The shared test database's URL is the sign that PostgreSQL is installed (CI always sets it).
    if std::env::var_os("TECHMATCH_TEST_POSTGRES_URL").is_none() {
        let _ = writeln!(std::io::stderr(), "skipped: TECHMATCH_TEST_POSTGRES_URL is unset (no PostgreSQL to stop)");
        return;
    }
    let cluster =
        Cluster { port: free_port(), data: PathBuf::from(format!("/tmp/techmatch-outage-{}", std::process::id())) };
    let url = cluster.run("start");
    let directory = tempfile::tempdir().unwrap();
    let binary = || {
        let mut command = techmatch(directory.path());
        command
            .env("TECHMATCH__DATABASE__URL", &url)
            .env("TECHMATCH__DATABASE__ACQUIRE_TIMEOUT_MS", "1000")
            .env("TECHMATCH__SEARCH__VISIBILITY_WAIT_MS", "500");
        command
    };
    let mut child = binary()
        .args(["user", "create", "--role", "admin", "--email", ADMIN, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    let mut command = binary();
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let address = served.address.clone();
    let (status, body) = try_http(
        "POST",
        &format!("{address}/api/v1/auth/register"),
        None,
        Some(&format!(
            r#"{{"email": "{RESEARCHER}", "password": "{PASSWORD}", "display_name": "停机测试", "role": "researcher",
                "organization": {{"name": "停机测试大学", "kind": "university", "region_code": "420111"}}}}"#
        )),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let login = |email: &str| {
        let (status, body) = try_http(
            "POST",
            &format!("{address}/api/v1/auth/login"),
            None,
            Some(&format!(r#"{{"email": "{email}", "password": "{PASSWORD}"}}"#)),
        )
        .unwrap();
        assert_eq!(status, 200, "{body}");
        json(&body)["access_token"].as_str().unwrap().to_owned()
    };
    let token = login(RESEARCHER);

    // Load: writes, reads and searches, each answer's status, code and time kept.
    let stop = Arc::new(AtomicBool::new(false));
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let acknowledged: Arc<Mutex<Vec<i64>>> = Arc::default();
    let mut clients = Vec::new();
    for client in 0..3 {
        let (address, token, stop, answers, acknowledged) =
            (address.clone(), token.clone(), Arc::clone(&stop), Arc::clone(&answers), Arc::clone(&acknowledged));
        clients.push(std::thread::spawn(move || {
            let mut index = 0;
            while !stop.load(Ordering::Relaxed) {
                index += 1;
                let started = Instant::now();
                let (method, path, body) = match (client + index) % 3 {
                    0 => (
                        "POST",
                        "/api/v1/results".to_owned(),
                        Some(format!(
                            r#"{{"title": "停机期间的成果 {client}-{index}", "abstract": "数据库重启期间写入的成果。", "maturity": "pilot", "status": "published"}}"#
                        )),
                    ),
                    1 => ("GET", "/api/v1/results?per_page=5".to_owned(), None),
                    _ => ("GET", "/api/v1/me".to_owned(), None),
                };
                let answer = try_http(method, &format!("{address}{path}"), Some(&token), body.as_deref());
                let elapsed = started.elapsed();
                let (status, body) = answer.unwrap_or((0, String::new()));
                if status == 201 {
                    acknowledged.lock().unwrap().push(json(&body)["id"].as_i64().unwrap());
                }
                let code = json(&body)["error"]["code"].as_str().unwrap_or("").to_owned();
                answers.lock().unwrap().push((started, status, code, elapsed));
                std::thread::sleep(Duration::from_millis(20));
            }
        }));
    }
    std::thread::sleep(Duration::from_secs(2));

    // The database goes away for a few seconds.
    let stopped_at = Instant::now();
    cluster.run("pause");
    std::thread::sleep(Duration::from_millis(1500));
    let (status, body) = try_http("GET", &format!("{address}/health"), None, None).unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(json(&body)["database"], "unavailable", "{body}");
    std::thread::sleep(Duration::from_secs(2));
    cluster.run("resume");
    let resumed_at = Instant::now();

    // It recovers by itself: health, writes and reads answer again.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = try_http("GET", &format!("{address}/health"), None, None).unwrap();
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the service did not recover within 30 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    let recovered_at = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let answers = answers.lock().unwrap().clone();
    eprintln!(
        "{} answers; outage {:.1} s; recovered {:.1} s after the restart",
        answers.len(),
        (resumed_at - stopped_at).as_secs_f64(),
        (recovered_at - resumed_at).as_secs_f64()
    );
    for (_, status, code, elapsed) in &answers {
        assert!(
            *status != 0 && *status < 500 || (*status == 503 && code == "service_unavailable"),
            "{status} {code:?}"
        );
        assert!(*elapsed < BOUND, "an answer took {elapsed:?} ({status} {code})");
    }
    let during: Vec<_> =
        answers.iter().filter(|(at, ..)| *at > stopped_at + Duration::from_millis(300) && *at < resumed_at).collect();
    assert!(during.iter().any(|(_, status, ..)| *status == 503), "requests during the outage were refused with 503");
    let after: Vec<_> = answers.iter().filter(|(at, ..)| *at > recovered_at).collect();
    assert!(
        !after.is_empty() && after.iter().all(|(_, status, ..)| *status < 500),
        "all well after recovery: {after:?}"
    );
    assert!(after.iter().any(|(_, status, ..)| *status == 201), "writes succeed again");

    // Nothing acknowledged is lost (a write cut off mid-commit may be stored unacknowledged).
    let admin = login(ADMIN);
    let mut stored = std::collections::BTreeSet::new();
    for page in 1.. {
        let (status, body) = try_http(
            "GET",
            &format!("{address}/api/v1/results?status=published&per_page=100&page={page}"),
            Some(&admin),
            None,
        )
        .unwrap();
        assert_eq!(status, 200, "{body}");
        let items = json(&body)["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        stored.extend(items.iter().map(|item| item["id"].as_i64().unwrap()));
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(!acknowledged.is_empty());
    let lost: Vec<_> = acknowledged.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    drop(served);
}
