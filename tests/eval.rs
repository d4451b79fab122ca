//! `techmatch eval` on a small set written for this test, and on the shared dev sets when present.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;

use common::techmatch;

fn write_set(directory: &Path) {
    let results = [
        r#"{"id": "r1", "title": "温室环境自动感应控制开闭窗系统", "abstract": "根据温湿度传感器自动控制温室天窗开闭，减少人工巡检。", "lang": "zh"}"#,
        r#"{"id": "r2", "title": "水稻稻瘟病无人机多光谱诊断", "abstract": "利用无人机多光谱影像早期识别稻瘟病，生成施药处方图。", "lang": "zh"}"#,
        r#"{"id": "r3", "title": "高镍三元锂电池正极材料", "abstract": "表面包覆提高高镍正极材料循环寿命。", "keywords": ["锂电池"], "lang": "zh"}"#,
        r#"{"id": "r4", "title": "Lithium battery cathode coating", "abstract": "Surface coating improves the cycle life of nickel-rich cathodes.", "lang": "en"}"#,
    ];
    let needs = [
        r#"{"id": "n1", "title": "大棚开窗全靠人", "description": "温室大棚的天窗希望根据温度自动开闭。", "lang": "zh"}"#,
        r#"{"id": "n2", "title": "Battery cathode wears out", "description": "Our lithium battery cathodes lose capacity after few cycles.", "lang": "en"}"#,
        r#"{"id": "n3", "title": "未评判的需求", "description": "这个需求没有评判，不计入指标。", "lang": "zh"}"#,
    ];
    std::fs::write(directory.join("results.jsonl"), results.join("\n")).unwrap();
    std::fs::write(directory.join("needs.jsonl"), needs.join("\n")).unwrap();
    std::fs::write(directory.join("qrels.tsv"), "n1\tr1\t2\nn2\tr4\t2\nn2\tr3\t1\n").unwrap();
}

#[test]
fn eval_scores_a_small_set_and_ends_with_the_metrics_line() {
    let directory = tempfile::tempdir().unwrap();
    write_set(directory.path());
    let output = techmatch(directory.path()).args(["eval", "--set", ".", "--baseline"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("4 results, 3 needs, 2 judged"), "{stdout}");
    assert!(stdout.contains("baseline  all (  2 needs)"), "{stdout}");
    let last = stdout.lines().last().unwrap();
    let pattern = |name: &str| {
        last.split(' ').find(|part| part.starts_with(name)).unwrap().split('=').nth(1).unwrap().parse::<f64>().unwrap()
    };
    assert!(last.starts_with("ndcg@10=") && last.split(' ').count() == 4, "{last}");
    // Both needs find their directly relevant result first; the Chinese need finds all of its
    // results (an English need reaching Chinese results needs cross-language matching).
    assert_eq!(pattern("mrr@10"), 1.0, "{stdout}");
    assert!(pattern("ndcg@10") > 0.85, "{stdout}");
    assert!(stdout.contains("matching  zh  (  1 needs): ndcg@10=1.0000 mrr@10=1.0000 recall@10=1.0000"), "{stdout}");
    assert!(stdout.starts_with("set "), "{stdout}");
    assert!(!stdout.starts_with("set :"), "the set is named: {stdout}");
}

#[test]
fn eval_writes_its_rankings_as_a_trec_run() {
    let directory = tempfile::tempdir().unwrap();
    write_set(directory.path());
    let output = techmatch(directory.path()).args(["eval", "--set", ".", "--run", "run.txt"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let run = std::fs::read_to_string(directory.path().join("run.txt")).unwrap();
    let rows: Vec<Vec<&str>> = run.lines().map(|line| line.split(' ').collect()).collect();
    assert!(rows.iter().all(|row| row.len() == 6 && row[1] == "Q0" && row[5] == "techmatch"), "{run}");
    // Judged needs only, each ranked best first with falling scores and ranks from 1.
    let needs: std::collections::BTreeSet<&str> = rows.iter().map(|row| row[0]).collect();
    assert_eq!(needs.into_iter().collect::<Vec<_>>(), vec!["n1", "n2"], "{run}");
    for need in ["n1", "n2"] {
        let ranked: Vec<&Vec<&str>> = rows.iter().filter(|row| row[0] == need).collect();
        let scores: Vec<f32> = ranked.iter().map(|row| row[4].parse().unwrap()).collect();
        assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]), "{need}: {scores:?}");
        let ranks: Vec<usize> = ranked.iter().map(|row| row[3].parse().unwrap()).collect();
        assert_eq!(ranks, (1..=ranked.len()).collect::<Vec<_>>());
    }
    assert_eq!(rows.iter().find(|row| row[0] == "n1").unwrap()[2], "r1", "{run}");
    assert_eq!(rows.iter().find(|row| row[0] == "n2").unwrap()[2], "r4", "{run}");
    // An unwritable run file is an error, after the figures.
    let output =
        techmatch(directory.path()).args(["eval", "--set", ".", "--run", "missing/dir/run.txt"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write the run file"), "{output:?}");
    // An id with a space would read back as other columns: refused, and nothing written.
    let results = std::fs::read_to_string(directory.path().join("results.jsonl")).unwrap();
    std::fs::write(directory.path().join("results.jsonl"), results.replace(r#""id": "r4""#, r#""id": "r 4""#)).unwrap();
    std::fs::write(directory.path().join("qrels.tsv"), "n1\tr1\t2\nn2\tr 4\t2\n").unwrap();
    let output = techmatch(directory.path()).args(["eval", "--set", ".", "--run", "spaced.txt"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains(r#"result id "r 4" cannot be written"#), "{output:?}");
    assert!(!directory.path().join("spaced.txt").exists());
}

#[test]
fn eval_refuses_a_malformed_set() {
    let directory = tempfile::tempdir().unwrap();
    write_set(directory.path());
    std::fs::write(directory.path().join("qrels.tsv"), "n1 r1\n").unwrap();
    let output = techmatch(directory.path()).args(["eval", "--set", "."]).output().unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("qrels.tsv line 1"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn eval_runs_on_the_shared_dev_sets() {
    let sets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval");
    if !sets.is_dir() {
        let _ = writeln!(std::io::stderr(), "skipped: ../shared/eval is not present beside the project");
        return;
    }
    let directory = tempfile::tempdir().unwrap();
    let output = techmatch(directory.path())
        .args(["eval", "--set", sets.join("zh-dev").to_str().unwrap(), "--baseline"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let ndcg = stdout
        .lines()
        .last()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .trim_start_matches("ndcg@10=")
        .parse::<f64>()
        .unwrap();
    // A regression guard at the target (matching reached 0.89 here when this was written; plain
    // BM25 0.75).
    assert!(ndcg >= 0.85, "{stdout}");
    let baseline_line = stdout.lines().find(|line| line.starts_with("baseline  all")).unwrap();
    assert!(baseline_line.contains("ndcg@10=0."), "{baseline_line}");
    // The calibration table: every judged need's first results fall in some band, and a higher
    // band is judged relevant more often than the lowest.
    let bands: Vec<(usize, f64)> = stdout
        .lines()
        .filter(|line| line.trim_start().starts_with("chance "))
        .map(|line| {
            let numbers: Vec<&str> = line.split_whitespace().collect();
            (numbers[2].parse().unwrap(), numbers[4].trim_end_matches('%').parse().unwrap())
        })
        .collect();
    assert_eq!(bands.iter().map(|(pairs, _)| pairs).sum::<usize>(), 65 * 20, "{stdout}");
    assert!(bands.last().unwrap().1 > bands[0].1 + 50.0, "the top band means something: {stdout}");
    let floor = stdout.lines().find(|line| line.starts_with("floor ")).unwrap();
    assert!(floor.contains("held-out precision 0.") && floor.contains("over 5 of 5 folds"), "{floor}");
}
