//! The browser journey (tests/browser/journey.mjs) against the real binary: playwright-core
//! from the npm registry driving Debian's chromium. Screenshots of every step are kept in
//! target/browser-artifacts/. Without node, the installed playwright-core or chromium the test
//! prints why it skips, unless TECHMATCH_REQUIRE_BROWSER is set (CI sets it after installing
//! them with .ci/browser.sh).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{http, serve, techmatch};

const PASSWORD: &str = "journey passphrase 1";

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|path| path.exists())
}

fn missing_tools() -> Option<String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !browser_dir().join("node_modules/playwright-core").exists() {
        return Some("playwright-core is not installed (npm ci --prefix tests/browser)".into());
    }
    if chromium().is_none() {
        return Some("chromium is not installed (apt-get install chromium)".into());
    }
    None
}

fn register(address: &str, email: &str, role: &str, organization: &str) {
    let kind = if role == "company" { "company" } else { "university" };
    let body = format!(
        r#"{{"email": "{email}", "password": "{PASSWORD}", "display_name": "旅程用户", "role": "{role}",
            "organization": {{"name": "{organization}", "kind": "{kind}", "region_code": "420111"}}}}"#
    );
    let (status, answer) = http("POST", &format!("{address}/api/v1/auth/register"), Some(&body));
    assert_eq!(status, 201, "{answer}");
}

/// Moves the event two days into the past in the server's own database: what follows a meeting
/// is recorded only once it has happened. Returns the fair's new day.
fn hold_the_fair(directory: &Path, event: i64) -> chrono::NaiveDate {
    let day = (chrono::Utc::now() - chrono::Duration::days(2)).date_naive();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let settings = techmatch_store::DatabaseSettings {
            url: format!("sqlite://{}?mode=rw", directory.join("data/techmatch.db").display()),
            max_connections: 2,
            acquire_timeout_ms: 5_000,
            sqlite_busy_timeout_ms: 5_000,
            sqlite_synchronous: techmatch_store::SqliteSynchronous::Full,
        };
        let store = techmatch_store::Store::connect(&settings).await.unwrap();
        store.move_event_to_day(techmatch_domain::event::EventId(event), day).await.unwrap();
        store.close().await;
    });
    day
}

#[test]
fn the_whole_journey_in_a_real_browser() {
    if let Some(reason) = missing_tools() {
        assert!(
            std::env::var_os("TECHMATCH_REQUIRE_BROWSER").is_none(),
            "TECHMATCH_REQUIRE_BROWSER is set but {reason}"
        );
        let _ = writeln!(std::io::stderr(), "skipped: {reason}");
        return;
    }
    let directory = tempfile::tempdir().unwrap();
    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let address = served.address.clone();
    register(&address, "researcher@journey.cn", "researcher", "旅程农业大学");
    register(&address, "company@journey.cn", "company", "旅程农业科技有限公司");
    register(&address, "rival@journey.cn", "company", "旅程竞争企业");
    let mut child = techmatch(directory.path())
        .args(["user", "create", "--role", "liaison_officer", "--email", "officer@journey.cn", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let created = child.wait_with_output().unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts/journey");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();
    let log = |name: &str| std::fs::File::create(directory.path().join(name)).unwrap();
    let mut journey = Command::new("node")
        .arg(browser_dir().join("journey.mjs"))
        .env("BASE_URL", &address)
        .env("PASSWORD", PASSWORD)
        .env("ARTIFACTS", &artifacts)
        .env("RESEARCHER_EMAIL", "researcher@journey.cn")
        .env("COMPANY_EMAIL", "company@journey.cn")
        .env("OFFICER_EMAIL", "officer@journey.cn")
        .env("RIVAL_EMAIL", "rival@journey.cn")
        .env("CHROMIUM", chromium().unwrap())
        .stdout(log("journey.out"))
        .stderr(log("journey.err"))
        .spawn()
        .unwrap();
    // When the journey reaches the fair's end it asks for the fair to take place.
    let waiting = artifacts.join("waiting-for-fair");
    let status = loop {
        if let Some(status) = journey.try_wait().unwrap() {
            break status;
        }
        if let Ok(event) = std::fs::read_to_string(&waiting) {
            let day = hold_the_fair(directory.path(), event.trim().parse().unwrap());
            std::fs::remove_file(&waiting).unwrap();
            std::fs::write(artifacts.join("fair-over"), day.to_string()).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let output = std::process::Output {
        status,
        stdout: std::fs::read(directory.path().join("journey.out")).unwrap(),
        stderr: std::fs::read(directory.path().join("journey.err")).unwrap(),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the journey failed (screenshots in {}):\n{stdout}\n{stderr}",
        artifacts.display()
    );
    assert!(stdout.contains("journey passed"), "{stdout}");
    let screenshots = std::fs::read_dir(&artifacts).unwrap().filter(|entry| {
        entry.as_ref().is_ok_and(|entry| entry.path().extension().is_some_and(|extension| extension == "png"))
    });
    assert!(screenshots.count() >= 10, "a screenshot per step");
    drop(served);
}
