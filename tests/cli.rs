//! The `techmatch` binary as an operator runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::process::Stdio;

use common::{http, serve, techmatch};

#[test]
fn production_with_a_weak_secret_exits_before_binding() {
    let directory = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for secret in [None, Some("insecure-development-secret-change-me-0000000000"), Some("only-20-bytes-long!!")] {
        let mut command = techmatch(directory.path());
        command.args(["serve", "--listen", &format!("127.0.0.1:{port}")]).env("TECHMATCH_ENV", "production");
        if let Some(secret) = secret {
            command.env("TECHMATCH__AUTH__JWT_SECRET", secret);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success(), "{secret:?} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("refusing to start in production"), "{secret:?}: {stderr}");
        assert!(output.stdout.is_empty(), "nothing was served: {}", String::from_utf8_lossy(&output.stdout));
        // It stopped before opening the database, let alone the socket.
        assert!(!directory.path().join("data").exists());
        TcpListener::bind(("127.0.0.1", port)).expect("port still free");
    }
}

#[test]
fn the_match_benchmark_times_real_needs_from_an_evaluation_file() {
    let directory = tempfile::tempdir().unwrap();
    let needs = directory.path().join("needs.jsonl");
    std::fs::write(
        &needs,
        concat!(
            r#"{"id": "n1", "title": "Mushroom farming", "description": "We grow mushrooms indoors.", "lang": "en"}"#,
            "\n",
            r#"{"id": "n2", "title": "大棚开窗", "description": "二十多个大棚开窗关窗全靠人跑。", "lang": "zh"}"#,
            "\n"
        ),
    )
    .unwrap();
    let output = techmatch(directory.path())
        .args(["bench", "match", "--results", "300", "--needs", "5", "--needs-from"])
        .arg(&needs)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("needs: titles and descriptions of"), "{stdout}");
    assert!(stdout.contains("(2 needs)"), "as many as the file holds: {stdout}");

    std::fs::write(&needs, "{\"title\": \"no description\"}\n").unwrap();
    let output = techmatch(directory.path())
        .args(["bench", "match", "--results", "300", "--needs-from"])
        .arg(&needs)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 1 is not a need"));
}

#[test]
fn the_flood_benchmark_reports_each_flood_beside_the_idle_server() {
    let directory = tempfile::tempdir().unwrap();
    let output = techmatch(directory.path())
        .args(["bench", "flood", "--registrations", "40", "--skip-unbounded"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let row = |name: &str| {
        stdout.lines().find(|line| line.starts_with(name)).unwrap_or_else(|| panic!("{name}: {stdout}")).to_owned()
    };
    assert!(row("idle server (reference)").contains(" MB"), "{stdout}");
    // One client's registrations stop at its limit; the same number from many clients are made.
    assert!(row("valid, from one client").contains("429×"), "{stdout}");
    assert!(row("valid, from many clients").contains("201×"), "{stdout}");
    assert!(row("unknown join code").contains("422×"), "{stdout}");
    assert!(!stdout.contains("failed×"), "every registration was answered: {stdout}");
}

#[test]
fn the_funnel_benchmark_fills_a_database_and_times_the_funnel_beside_a_count() {
    let directory = tempfile::tempdir().unwrap();
    let output = techmatch(directory.path())
        .args(["bench", "funnel", "--deals", "300", "--timeline", "3000", "--repeat", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("300 deals, 3000 timeline entries"), "{stdout}");
    let row = |name: &str| {
        stdout.lines().find(|line| line.starts_with(name)).unwrap_or_else(|| panic!("{name}: {stdout}")).to_owned()
    };
    assert!(row("funnel, whole year").contains("(300 deals"), "every synthetic deal opened in the year: {stdout}");
    assert!(row("count every deal (reference)").contains("(300 deals"), "{stdout}");
}

#[test]
fn unknown_configuration_keys_stop_the_binary() {
    let directory = tempfile::tempdir().unwrap();
    let output =
        techmatch(directory.path()).arg("migrate").env("TECHMATCH__DATABASE__URLL", "sqlite://x.db").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("urll"));
}

#[test]
fn serve_demo_on_a_fresh_directory_then_log_in_with_the_printed_password() {
    let directory = tempfile::tempdir().unwrap();
    let mut command = techmatch(directory.path());
    command.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let created = served.lines.iter().find(|line| line.starts_with("demo admin created:")).expect("password printed");
    let password = created.split(" / ").nth(1).unwrap().split(' ').next().unwrap();
    assert!(directory.path().join("data/techmatch.db").exists(), "embedded default database location");

    let (status, body) = http("GET", &format!("{}/health", served.address), None);
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(
        "POST",
        &format!("{}/api/v1/auth/login", served.address),
        Some(&format!(r#"{{"email": "admin@demo.techmatch.local", "password": "{password}"}}"#)),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"token_type\":\"Bearer\""));

    // Demo listings: at least 60 results and 40 needs, searchable at once, with logins.
    let loaded = served.lines.iter().find(|line| line.starts_with("demo data loaded:")).expect("demo data line");
    let counts: Vec<usize> = loaded.split(' ').filter_map(|word| word.parse().ok()).collect();
    assert!(counts[0] >= 60 && counts[1] >= 40, "{loaded}");
    let shared_password = loaded.split("share the password ").nth(1).unwrap().split(' ').next().unwrap();
    let (status, body) = http(
        "POST",
        &format!("{}/api/v1/auth/login", served.address),
        Some(&format!(r#"{{"email": "li.ming@jcut.demo", "password": "{shared_password}"}}"#)),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        http("GET", &format!("{}/api/v1/search?q=%E9%94%82%E7%94%B5%E6%B1%A0&kind=results", served.address), None);
    assert_eq!(status, 200);
    let found: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(found["total"].as_u64().unwrap() >= 2, "锂电池 finds the battery results: {body}");
    let (_, body) = http("GET", &format!("{}/api/v1/needs?per_page=100", served.address), None);
    let public_needs: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(public_needs["total"].as_u64().unwrap() < counts[1] as u64, "confidential demo needs are hidden");
    // A demo fair, registered and scheduled through the same use cases the API calls.
    let fair = served.lines.iter().find(|line| line.starts_with("demo fair:")).expect("demo fair line");
    let (_, body) = http("GET", &format!("{}/api/v1/events", served.address), None);
    let events: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(events["items"][0]["status"], "scheduled", "{body}");
    let meetings: usize = fair.split(" with ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(meetings >= 5, "{fair}");
    // Demo deals at every stage: the funnel has something to show on a first start.
    let deals = served.lines.iter().find(|line| line.starts_with("demo deals:")).expect("demo deals line");
    let (status, body) = http(
        "POST",
        &format!("{}/api/v1/auth/login", served.address),
        Some(&format!(r#"{{"email": "liaison@demo.techmatch.local", "password": "{shared_password}"}}"#)),
    );
    assert_eq!(status, 200, "{body}");
    let officer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let today = chrono::Utc::now().date_naive();
    let (status, body) = common::try_http(
        "GET",
        &format!(
            "{}/api/v1/deals/funnel?from={}&to={}",
            served.address,
            today - chrono::Duration::days(1),
            today + chrono::Duration::days(1)
        ),
        officer["access_token"].as_str(),
        None,
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let funnel: serde_json::Value = serde_json::from_str(&body).unwrap();
    let opened: u64 = deals.split(' ').nth(2).unwrap().parse().unwrap();
    assert!(opened >= 6, "{deals}");
    assert_eq!(funnel["all"]["deals"].as_u64(), Some(opened), "{body}");
    assert!(
        funnel["all"]["registered"].as_u64().unwrap() >= 1 && funnel["all"]["now_at"]["closed"].as_u64().unwrap() >= 1,
        "{body}"
    );
    drop(served);

    // A second start keeps the account and does not print a password again.
    let mut command = techmatch(directory.path());
    command.args(["serve", "--demo", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    assert!(
        served.lines.iter().any(|line| line == "demo admin exists: admin@demo.techmatch.local"),
        "{:?}",
        served.lines
    );
}

#[test]
fn migrate_and_user_create_from_the_command_line() {
    let directory = tempfile::tempdir().unwrap();
    let output = techmatch(directory.path()).arg("migrate").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("m20261206_000020_listing_contacts (20 applied)"), "{stdout}");
    let output = techmatch(directory.path()).arg("refit-weights").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("0 decisions, 0 deal outcomes and 0 interests declined as off-field so far"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    let mut child = techmatch(directory.path())
        .args(["user", "create", "--role", "admin", "--email", "Ops@City.gov.cn", "--name", "运维", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"operator passphrase 1\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("created admin account ops@city.gov.cn"));

    let output = techmatch(directory.path())
        .args(["user", "create", "--role", "liaison_officer", "--email", "liaison@city.gov.cn"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let generated = stdout.lines().find_map(|line| line.strip_prefix("password: ")).expect("generated password");
    assert_eq!(generated.len(), 20);

    let duplicate = techmatch(directory.path())
        .args(["user", "create", "--role", "admin", "--email", "ops@city.gov.cn"])
        .output()
        .unwrap();
    assert!(!duplicate.status.success());
    let bad_role =
        techmatch(directory.path()).args(["user", "create", "--role", "root", "--email", "x@y.cn"]).output().unwrap();
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role"));

    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    for (email, password) in [("ops@city.gov.cn", "operator passphrase 1"), ("liaison@city.gov.cn", generated)] {
        let (status, body) = http(
            "POST",
            &format!("{}/api/v1/auth/login", served.address),
            Some(&format!(r#"{{"email": "{email}", "password": "{password}"}}"#)),
        );
        assert_eq!(status, 200, "{email}: {body}");
    }
}

#[test]
fn openapi_command_prints_the_document() {
    let directory = tempfile::tempdir().unwrap();
    let output = techmatch(directory.path()).arg("openapi").output().unwrap();
    assert!(output.status.success());
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(document["paths"]["/api/v1/auth/login"]["post"].is_object());
}

/// Logs in and returns the access token (the minimal client of `common`).
fn login_token(address: &str, email: &str, password: &str) -> String {
    let (status, body) = http(
        "POST",
        &format!("{address}/api/v1/auth/login"),
        Some(&format!(r#"{{"email": "{email}", "password": "{password}"}}"#)),
    );
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["access_token"].as_str().unwrap().to_owned()
}

fn create_result(address: &str, token: &str, title: &str) -> i64 {
    let (status, body) = common::try_http(
        "POST",
        &format!("{address}/api/v1/results"),
        Some(token),
        Some(&format!(r#"{{"title": "{title}", "abstract": "备份恢复测试用的成果。", "maturity": "pilot", "status": "published"}}"#)),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_i64().unwrap()
}

/// Result ids found for `query`, as the holder of `token` (anonymous when `None`). A writer's
/// own search waits for its writes; anyone else's finds them after the indexer's next commit.
fn search_ids(address: &str, token: Option<&str>, query: &str) -> Vec<i64> {
    let (status, body) =
        common::try_http("GET", &format!("{address}/api/v1/search?kind=results&q={query}"), token, None).unwrap();
    assert_eq!(status, 200, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    body["hits"].as_array().unwrap().iter().map(|hit| hit["id"].as_i64().unwrap()).collect()
}

/// Search until the hits satisfy `wanted` or 30 s pass, returning the last hits. A write waits a
/// bounded time (`visibility_wait_ms`, 2 s) for the index and then returns anyway: on a loaded
/// machine the test must allow the indexer longer than that, without asserting any timing.
fn search_ids_eventually(address: &str, token: Option<&str>, query: &str, wanted: impl Fn(&[i64]) -> bool) -> Vec<i64> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let mut found = search_ids(address, token, query);
        found.sort_unstable();
        if wanted(&found) || std::time::Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn backup_while_serving_then_restore_brings_back_that_moment() {
    let directory = tempfile::tempdir().unwrap();
    let backup = directory.path().join("snapshot.db");
    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let address = served.address.clone();
    let (status, body) = http(
        "POST",
        &format!("{address}/api/v1/auth/register"),
        Some(
            r#"{"email": "backup@lab.cn", "password": "backup passphrase 1", "display_name": "备份", "role": "researcher",
                "organization": {"name": "备份大学", "kind": "university", "region_code": "420111"}}"#,
        ),
    );
    assert_eq!(status, 201, "{body}");
    let token = login_token(&address, "backup@lab.cn", "backup passphrase 1");
    let before = create_result(&address, &token, "备份之前的石墨烯成果");

    // Online: the server keeps serving during and after the copy.
    let output = techmatch(directory.path()).arg("backup").arg(&backup).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("integrity ok"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let again = techmatch(directory.path()).arg("backup").arg(&backup).output().unwrap();
    assert!(!again.status.success(), "an existing file is never overwritten");
    let after = create_result(&address, &token, "备份之后的石墨烯成果");
    let query = "%E7%9F%B3%E5%A2%A8%E7%83%AF"; // 石墨烯
    let mut both = vec![before, after];
    both.sort_unstable();
    let found = search_ids_eventually(&address, Some(&token), query, |found| found == both.as_slice());
    assert_eq!(found, both);

    // Refused while the server holds the data, and for a file that is not a backup.
    let refused = techmatch(directory.path()).arg("restore").arg(&backup).output().unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("stop it before restoring"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    drop(served);
    let junk = directory.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let refused = techmatch(directory.path()).arg("restore").arg(&junk).output().unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is not a usable backup"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Restored: the moment of the backup, in the database and in search; the replaced database kept.
    let output = techmatch(directory.path()).arg("restore").arg(&backup).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("index rebuilt: 1 listings") && stdout.contains("kept as"), "{stdout}");
    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let address = served.address.clone();
    assert_eq!(search_ids_eventually(&address, None, query, |found| found == [before]), vec![before]);
    let (status, _) = common::try_http("GET", &format!("{address}/api/v1/results/{after}"), None, None).unwrap();
    assert_eq!(status, 404, "the write after the backup is not in it");
    let token = login_token(&address, "backup@lab.cn", "backup passphrase 1");
    let next = create_result(&address, &token, "恢复之后的石墨烯成果");
    assert!(
        search_ids_eventually(&address, Some(&token), query, |found| found.contains(&next)).contains(&next),
        "writes and indexing carry on after a restore"
    );
}

#[test]
fn json_logs_are_one_object_per_line() {
    let directory = tempfile::tempdir().unwrap();
    let output = techmatch(directory.path())
        .arg("migrate")
        .env("TECHMATCH__LOG__FORMAT", "json")
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|line| !line.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "info events are logged");
    for line in lines {
        let event: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}"));
        assert!(event["timestamp"].is_string() && event["level"].is_string(), "{line}");
        assert!(event["message"].is_string(), "fields are flattened: {line}");
    }
    // Command output stays on stdout, apart from the logs.
    assert!(String::from_utf8_lossy(&output.stdout).contains("database is at migration"));
}

#[test]
fn a_node_whose_missing_outbox_entries_were_pruned_rebuilds_its_index() {
    let directory = tempfile::tempdir().unwrap();
    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let (status, body) = http(
        "POST",
        &format!("{}/api/v1/auth/register", served.address),
        Some(
            r#"{"email": "gap@lab.cn", "password": "gap passphrase 123", "display_name": "缺口", "role": "researcher",
                "organization": {"name": "缺口大学", "kind": "university", "region_code": "420111"}}"#,
        ),
    );
    assert_eq!(status, 201, "{body}");
    let token = login_token(&served.address, "gap@lab.cn", "gap passphrase 123");
    let first = create_result(&served.address, &token, "停机之前的氢燃料成果");
    drop(served);

    // While this node is away, another process writes, and the entries get pruned by the other
    // nodes (this one was last heard of two days ago).
    let file = directory.path().join("more.jsonl");
    std::fs::write(
        &file,
        "{\"title\": \"停机期间导入的氢燃料成果\", \"abstract\": \"节点停机期间导入的氢燃料电池成果。\", \"maturity\": \"pilot\", \"status\": \"published\"}\n\
         {\"title\": \"停机期间导入的氢燃料储罐\", \"abstract\": \"节点停机期间导入的氢燃料储罐成果。\", \"maturity\": \"lab\", \"status\": \"published\"}\n",
    )
    .unwrap();
    let imported = techmatch(directory.path()).args(["import", "--kind", "results"]).arg(&file).output().unwrap();
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let node = std::fs::read_to_string(directory.path().join("data/index.node-id")).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let settings = techmatch_store::DatabaseSettings {
            url: format!("sqlite://{}?mode=rw", directory.path().join("data/techmatch.db").display()),
            max_connections: 2,
            acquire_timeout_ms: 5_000,
            sqlite_busy_timeout_ms: 5_000,
            sqlite_synchronous: techmatch_store::SqliteSynchronous::Full,
        };
        let store = techmatch_store::Store::connect(&settings).await.unwrap();
        let now = chrono::Utc::now();
        let latest = store.latest_outbox_id().await.unwrap();
        store.record_index_position(node.trim(), 1, now - chrono::Duration::hours(48)).await.unwrap();
        store.record_index_position("another-node", latest, now).await.unwrap();
        assert!(store.prune_outbox(now - chrono::Duration::hours(24)).await.unwrap() > 0);
        store.close().await;
    });

    // Back, it cannot replay what is gone (the first import's entry): it rebuilds at start and
    // finds all three listings, where replaying the rest would have found two.
    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let found = search_ids(&served.address, None, "%E6%B0%A2%E7%87%83%E6%96%99"); // 氢燃料
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.contains(&first));
}
