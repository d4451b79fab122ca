//! API fuzzing from the spec: schemathesis (from PyPI) runs every check against the running
//! service's `/api/openapi.json`, anonymously and as each role in turn, on the demo data. Zero
//! server errors, zero answers that break the spec. Without `st` the test prints why it skips,
//! unless TECHMATCH_REQUIRE_SCHEMATHESIS is set (CI installs it with .ci/schemathesis.sh and
//! names it in TECHMATCH_SCHEMATHESIS).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{http, serve, techmatch};

fn schemathesis() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TECHMATCH_SCHEMATHESIS") {
        return Some(PathBuf::from(path));
    }
    Command::new("st").arg("--version").output().ok().filter(|output| output.status.success()).map(|_| "st".into())
}

fn token(address: &str, email: &str, password: &str) -> String {
    let (status, body) = http(
        "POST",
        &format!("{address}/api/v1/auth/login"),
        Some(&format!(r#"{{"email": "{email}", "password": "{password}"}}"#)),
    );
    assert_eq!(status, 200, "{email}: {body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"].as_str().unwrap().to_owned()
}

#[test]
fn every_operation_as_every_role_keeps_to_the_spec() {
    let Some(st) = schemathesis() else {
        assert!(
            std::env::var_os("TECHMATCH_REQUIRE_SCHEMATHESIS").is_none(),
            "TECHMATCH_REQUIRE_SCHEMATHESIS is set but schemathesis (st) is not installed"
        );
        let _ = writeln!(std::io::stderr(), "skipped: schemathesis (st) is not installed (bash .ci/schemathesis.sh)");
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let mut command = techmatch(directory.path());
    command.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let address = served.address.clone();
    let printed = served.lines.join("\n");
    let admin_password = printed
        .split("admin@demo.techmatch.local / ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the demo admin's password is printed");
    let shared_password = printed
        .split("share the password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the demo accounts' password is printed");
    // The admin goes last: its fuzzing may deactivate other accounts.
    let roles = [
        ("anonymous", None),
        ("researcher", Some(token(&address, "li.ming@jcut.demo", shared_password))),
        ("company", Some(token(&address, "zhao.qiang@yzauto.demo", shared_password))),
        ("liaison_officer", Some(token(&address, "liaison@demo.techmatch.local", shared_password))),
        ("broker", Some(token(&address, "sun.yue@ovtt.demo", shared_password))),
        ("admin", Some(token(&address, "admin@demo.techmatch.local", admin_password))),
    ];
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis/schemathesis.toml");
    let mut failures = Vec::new();
    for (role, token) in roles {
        let mut run = Command::new(&st);
        run.arg("--config-file")
            .arg(&config)
            .arg("--no-color")
            .arg("run")
            .arg(format!("{address}/api/openapi.json"))
            .args(["--checks", "all", "--max-examples", "12", "--phases", "examples,coverage,fuzzing"])
            // One worker: with two, hypothesis (reading sources with `ast` from two threads) once
            // failed a CI run with "AST constructor recursion depth mismatch", a CPython 3.11
            // fault seen in threaded programs (gh-106905), on an operation nothing had changed.
            .args(["--workers", "1", "--seed", "20261127"])
            // These end the session the run itself is using.
            .args(["--exclude-path", "/api/v1/auth/logout", "--exclude-path", "/api/v1/me/password"])
            .current_dir(directory.path());
        if let Some(token) = &token {
            run.args(["--header", &format!("Authorization: Bearer {token}")]);
        }
        let output = run.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary = stdout.lines().rev().find(|line| line.starts_with('=')).unwrap_or("").to_owned();
        eprintln!("schemathesis as {role}: {summary}");
        if !output.status.success() {
            failures.push(format!("as {role}:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr)));
        }
    }
    assert!(failures.is_empty(), "schemathesis found problems:\n{}", failures.join("\n"));
    drop(served);
}
