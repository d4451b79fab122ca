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
    let output = Command::new("node")
        .arg(browser_dir().join("journey.mjs"))
        .env("BASE_URL", &address)
        .env("PASSWORD", PASSWORD)
        .env("ARTIFACTS", &artifacts)
        .env("RESEARCHER_EMAIL", "researcher@journey.cn")
        .env("COMPANY_EMAIL", "company@journey.cn")
        .env("OFFICER_EMAIL", "officer@journey.cn")
        .env("RIVAL_EMAIL", "rival@journey.cn")
        .env("CHROMIUM", chromium().unwrap())
        .output()
        .unwrap();
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
