//! Two service nodes share one PostgreSQL database; each keeps its own index replica fed from
//! the outbox and tracks its own position. A write through one node becomes searchable through
//! the other (how long it took is printed), and after a burst of writes through both, both
//! replicas hold exactly the stored listings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{serve, techmatch, try_http};
use serde_json::Value;

const RESEARCHER: &str = "nodes.researcher@whut.edu.cn";
const PASSWORD: &str = "two nodes passphrase";

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn searchable(address: &str, token: &str, query: &str) -> BTreeSet<i64> {
    let (status, body) = try_http(
        "GET",
        &format!("{address}/api/v1/search?kind=results&facets=false&per_page=100&q={query}"),
        Some(token),
        None,
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    json(&body)["hits"].as_array().unwrap().iter().map(|hit| hit["id"].as_i64().unwrap()).collect()
}

/// Waits until `check` holds and prints how long it took; fails only if it never does (30 s).
/// How fast nodes converge is a figure to print, not to assert: on a loaded machine a debug
/// build's commit alone can take longer than the poll interval the figure is usually near.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let limit = Duration::from_secs(30);
    let started = Instant::now();
    loop {
        if check() {
            eprintln!("{what}: after {:?}", started.elapsed());
            return;
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_write_through_one_node_is_searchable_through_the_other() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(database) = runtime.block_on(techmatch_store::testing::TestDatabase::postgres()) else { return };
    let url = database.settings.url.clone();
    // Each node in its own directory: its own index replica under data/index.
    let (first_dir, second_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let node = |directory: &std::path::Path| {
        let mut command = techmatch(directory);
        command
            .env("TECHMATCH__DATABASE__URL", &url)
            .env("TECHMATCH__SEARCH__OUTBOX_PRUNE_INTERVAL_SECONDS", "1")
            .args(["serve", "--listen", "127.0.0.1:0"]);
        serve(command)
    };
    let first = node(first_dir.path());
    let second = node(second_dir.path());
    let (a, b) = (first.address.clone(), second.address.clone());
    let (status, body) = try_http(
        "POST",
        &format!("{a}/api/v1/auth/register"),
        None,
        Some(&format!(
            r#"{{"email": "{RESEARCHER}", "password": "{PASSWORD}", "display_name": "双节点", "role": "researcher",
                "organization": {{"name": "双节点大学", "kind": "university", "region_code": "420111"}}}}"#
        )),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    // Tokens are signed with the shared secret: one issued by node A works on node B.
    let (_, body) = try_http(
        "POST",
        &format!("{a}/api/v1/auth/login"),
        None,
        Some(&format!(r#"{{"email": "{RESEARCHER}", "password": "{PASSWORD}"}}"#)),
    )
    .unwrap();
    let token = json(&body)["access_token"].as_str().unwrap().to_owned();

    // Written through A, found through B.
    let (status, body) = try_http(
        "POST",
        &format!("{a}/api/v1/results"),
        Some(&token),
        Some(r#"{"title": "钠离子电池层状氧化物正极", "abstract": "钠离子电池正极材料的低成本合成。", "maturity": "pilot", "status": "published"}"#),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let id = json(&body)["id"].as_i64().unwrap();
    let query = "%E9%92%A0%E7%A6%BB%E5%AD%90"; // 钠离子
    eventually("A's write searchable through B", || searchable(&b, &token, query).contains(&id));
    // Both nodes now read (and keep) version 1; each must drop it when the other changes it.
    let read = |address: &str| {
        let (status, body) = try_http("GET", &format!("{address}/api/v1/results/{id}"), Some(&token), None).unwrap();
        assert_eq!(status, 200, "{body}");
        json(&body)
    };
    for address in [&a, &b] {
        assert_eq!(read(address)["version"], 1);
        assert_eq!(read(address)["version"], 1, "read again, from what the node kept");
    }

    // Edited through B, the change reaches A; archived through A, it leaves B.
    let (status, body) = try_http(
        "PATCH",
        &format!("{b}/api/v1/results/{id}"),
        Some(&token),
        Some(r#"{"version": 1, "title": "钠离子电池普鲁士蓝正极"}"#),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let renamed = "%E6%99%AE%E9%B2%81%E5%A3%AB%E8%93%9D"; // 普鲁士蓝
    eventually("B's edit searchable through A", || searchable(&a, &token, renamed).contains(&id));
    assert_eq!(read(&b)["version"], 2, "the editing node drops its kept copy at once");
    let through_a = read(&a);
    assert_eq!((through_a["version"].as_i64(), through_a["title"].as_str()), (Some(2), Some("钠离子电池普鲁士蓝正极")));
    let (status, body) = try_http("DELETE", &format!("{a}/api/v1/results/{id}"), Some(&token), None).unwrap();
    assert_eq!(status, 200, "{body}");
    eventually("A's archive gone from B", || !searchable(&b, &token, query).contains(&id));
    assert_eq!(read(&b)["status"], "archived", "B's kept copy went with the outbox entry");

    // A burst through both nodes at once: both replicas end up with exactly what is stored.
    let mut writers = Vec::new();
    for (writer, address) in [a.clone(), b.clone(), a.clone(), b.clone()].into_iter().enumerate() {
        let token = token.clone();
        writers.push(std::thread::spawn(move || {
            let mut ids = Vec::new();
            for index in 0..15 {
                let body = format!(
                    r#"{{"title": "并发写入的钠离子成果 {writer}-{index}", "abstract": "两节点并发写入的钠离子电池成果。", "maturity": "lab", "status": "published"}}"#
                );
                let (status, answer) =
                    try_http("POST", &format!("{address}/api/v1/results"), Some(&token), Some(&body)).unwrap();
                assert_eq!(status, 201, "{answer}");
                ids.push(json(&answer)["id"].as_i64().unwrap());
            }
            ids
        }));
    }
    let written: BTreeSet<i64> = writers.into_iter().flat_map(|writer| writer.join().unwrap()).collect();
    assert_eq!(written.len(), 60);
    for address in [&a, &b] {
        eventually("both replicas hold every write", || searchable(address, &token, query) == written);
    }

    // Each node reports how far it got; the outbox is pruned below what both applied.
    let gauge = |address: &str, name: &str| -> i64 {
        let (status, body) = try_http("GET", &format!("{address}/metrics"), None, None).unwrap();
        assert_eq!(status, 200);
        body.lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {name}: {body}")) as i64
    };
    eventually("the outbox pruned up to what both nodes applied", || {
        let oldest = gauge(&a, "techmatch_outbox_oldest_position");
        let lowest = gauge(&a, "techmatch_index_position").min(gauge(&b, "techmatch_index_position"));
        assert!(oldest <= lowest, "pruned past a node: oldest {oldest}, lowest applied {lowest}");
        oldest > 1 && oldest == lowest
    });
    // Writes go on after pruning and reach both nodes.
    let (status, body) = try_http(
        "POST",
        &format!("{b}/api/v1/results"),
        Some(&token),
        Some(r#"{"title": "修剪之后的钠离子成果", "abstract": "在修剪之后写入的钠离子电池成果。", "maturity": "lab", "status": "published"}"#),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let late = json(&body)["id"].as_i64().unwrap();
    eventually("a write after pruning searchable through A", || searchable(&a, &token, query).contains(&late));

    // A logout through A: A refuses the token at once, B (which has confirmed this token's
    // account recently) within its account recheck interval (2 s).
    let me = |address: &str| try_http("GET", &format!("{address}/api/v1/me"), Some(&token), None).unwrap().0;
    assert_eq!(me(&b), 200);
    let (status, body) = try_http("POST", &format!("{a}/api/v1/auth/logout"), Some(&token), None).unwrap();
    assert_eq!(status, 204, "{body}");
    assert_eq!(me(&a), 401, "the node that took the logout refuses the token at once");
    eventually("the logout through A refused by B", || me(&b) == 401);
    drop((first, second));
    drop(database);
}
