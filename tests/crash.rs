//! Crash safety: the server is killed with SIGKILL at random moments while clients write
//! through the API. After each restart every acknowledged write is stored, and once the indexer
//! has caught up the searchable listings are exactly the stored ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{XorShift, serve, techmatch, try_http};
use serde_json::Value;

const ADMIN: &str = "crash.admin@city.gov.cn";
const ADMIN_PASSWORD: &str = "crash test admin pass";
const RESEARCHER: &str = "crash.researcher@whut.edu.cn";
const PASSWORD: &str = "crash test researcher";

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn token(address: &str, email: &str, password: &str) -> String {
    let (status, body) = try_http(
        "POST",
        &format!("{address}/api/v1/auth/login"),
        None,
        Some(&format!(r#"{{"email": "{email}", "password": "{password}"}}"#)),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    json(&body)["access_token"].as_str().unwrap().to_owned()
}

/// Every id a paged GET returns, following `page` until it is exhausted.
fn all_ids(address: &str, token: &str, path: &str, items: &str) -> BTreeSet<i64> {
    let mut ids = BTreeSet::new();
    for page in 1.. {
        let separator = if path.contains('?') { '&' } else { '?' };
        let (status, body) =
            try_http("GET", &format!("{address}{path}{separator}page={page}&per_page=100"), Some(token), None).unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        let body = json(&body);
        let batch = body[items].as_array().unwrap();
        if batch.is_empty() {
            break;
        }
        ids.extend(batch.iter().map(|item| item["id"].as_i64().unwrap()));
    }
    ids
}

#[test]
fn sigkill_during_writes_on_sqlite() {
    crash_rounds(None);
}

#[test]
fn sigkill_during_writes_on_postgres() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(database) = runtime.block_on(techmatch_store::testing::TestDatabase::postgres()) else { return };
    crash_rounds(Some(database.settings.url.clone()));
    drop(database);
}

/// `techmatch` with the database URL set when one is given (else the SQLite default in its directory).
fn binary(directory: &std::path::Path, database_url: Option<&str>) -> std::process::Command {
    let mut command = techmatch(directory);
    if let Some(url) = database_url {
        command.env("TECHMATCH__DATABASE__URL", url);
    }
    command
}

fn crash_rounds(database_url: Option<String>) {
    let directory = tempfile::tempdir().unwrap();
    let mut random = XorShift::from_clock();
    eprintln!("crash test seed {}", random.0);
    let database_url = database_url.as_deref();

    let mut child = binary(directory.path(), database_url)
        .args(["user", "create", "--role", "admin", "--email", ADMIN, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{ADMIN_PASSWORD}\n").as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());

    let mut acknowledged: BTreeSet<i64> = BTreeSet::new();
    let rounds = 6;
    for round in 0..rounds {
        let mut command = binary(directory.path(), database_url);
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        let mut served = serve(command);
        let address = served.address.clone();
        if round == 0 {
            let (status, body) = try_http(
                "POST",
                &format!("{address}/api/v1/auth/register"),
                None,
                Some(&format!(
                    r#"{{"email": "{RESEARCHER}", "password": "{PASSWORD}", "display_name": "崩溃测试", "role": "researcher",
                        "organization": {{"name": "武汉理工大学", "kind": "university", "region_code": "420111"}}}}"#
                )),
            )
            .unwrap();
            assert_eq!(status, 201, "{body}");
        }
        let writer_token = token(&address, RESEARCHER, PASSWORD);
        let admin_token = token(&address, ADMIN, ADMIN_PASSWORD);

        // After a restart: every write acknowledged before a kill is there, and the index
        // replays the outbox until search agrees with the database.
        let stored = all_ids(&address, &admin_token, "/api/v1/results?status=published", "items");
        assert!(
            acknowledged.is_subset(&stored),
            "round {round}: lost {:?}",
            acknowledged.difference(&stored).collect::<Vec<_>>()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let searchable = all_ids(&address, &admin_token, "/api/v1/search?kind=results&facets=false", "hits");
            if searchable == stored {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: index never caught up: missing {:?}, extra {:?}",
                stored.difference(&searchable).collect::<Vec<_>>(),
                searchable.difference(&stored).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("round {round}: {} stored, search agrees", stored.len());
        if round == rounds - 1 {
            break;
        }

        // Writers create and update listings until the server dies under them.
        let written = Arc::new(Mutex::new(Vec::new()));
        let mut writers = Vec::new();
        for writer in 0..3 {
            let address = address.clone();
            let token = writer_token.clone();
            let written = Arc::clone(&written);
            writers.push(std::thread::spawn(move || {
                for index in 0.. {
                    let body = format!(
                        r#"{{"title": "崩溃测试成果 {round}-{writer}-{index}", "abstract": "第{round}轮第{writer}个写入者写入的锂电池正极材料成果。",
                            "maturity": "pilot", "status": "published", "industry_codes": ["38"]}}"#
                    );
                    match try_http("POST", &format!("{address}/api/v1/results"), Some(&token), Some(&body)) {
                        Ok((201, response)) => {
                            let created = json(&response);
                            written.lock().unwrap().push(created["id"].as_i64().unwrap());
                            // Half the time, update it right away: replays must not duplicate.
                            if index % 2 == 0 {
                                let patch = format!(r#"{{"version": 1, "title": "改过的崩溃测试成果 {round}-{writer}-{index}"}}"#);
                                let _ = try_http("PATCH", &format!("{address}/api/v1/results/{}", created["id"]), Some(&token), Some(&patch));
                            }
                        }
                        Ok((status, response)) => panic!("unexpected {status}: {response}"),
                        Err(_) => return,
                    }
                }
            }));
        }
        // Kill at a random moment once writes are flowing (a busy machine may be slow to start).
        let flowing = Instant::now() + Duration::from_secs(60);
        while written.lock().unwrap().is_empty() && Instant::now() < flowing {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(random.below(800)));
        served.child.kill().unwrap();
        served.child.wait().unwrap();
        for writer in writers {
            writer.join().unwrap();
        }
        let round_writes = written.lock().unwrap().clone();
        assert!(!round_writes.is_empty(), "round {round}: no write got through before the kill");
        acknowledged.extend(round_writes);
        drop(served);
    }
    assert!(acknowledged.len() >= rounds - 1);
}
