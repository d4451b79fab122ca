//! Property tests of the import readers: any bytes given as JSONL, CSV or XLSX, and any row
//! they yield, end in rows or clear row errors, never a panic. XLSX is also fuzzed by damaging a
//! valid workbook byte by byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use proptest::prelude::*;
use techmatch_domain::{OrganizationId, UserId};
use techmatch_service::import::{
    ImportOwner, ImportRow, parse_need_row, parse_result_row, read_csv, read_jsonl, read_xlsx,
};

const OWNER: ImportOwner = ImportOwner { user_id: UserId(1), organization_id: OrganizationId(1) };

/// Every row is either parsed into a listing or refused with errors that name their row.
fn check_rows(rows: &[ImportRow]) {
    for row in rows {
        for outcome in [parse_result_row(row, OWNER).err(), parse_need_row(row, OWNER).err()] {
            for error in outcome.unwrap_or_default() {
                assert_eq!(error.row, row.number, "{error:?}");
                assert!(!error.reason.is_empty());
            }
        }
    }
}

/// JSON-ish text: fragments of valid rows, broken syntax, odd values and odd characters.
fn jsonish() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just(r#"{"title": "锂电池正极材料", "abstract": "表面包覆", "maturity": "pilot"}"#.to_owned()),
        Just(r#"{"title": "大棚开窗", "description": "自动开闭", "budget_min": -5, "budget_max": 1e309}"#.to_owned()),
        Just(
            r#"{"title": ["a", 1, null], "keywords": "x;y", "industry_codes": [38, "99"], "deadline": "2020-13-45"}"#
                .to_owned()
        ),
        Just(r#"[{"id": 1}, {"id": "x"}]"#.to_owned()),
        Just("\n".to_owned()),
        "[{}\\[\\]\":,0-9a-z\\-\\.eE ]{1,16}",
        "\\PC{1,10}",
        "[\\x00-\\x1f\\u{feff}]{1,3}",
    ];
    proptest::collection::vec(pieces, 0..20).prop_map(|parts| parts.concat())
}

fn csvish() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("id,title,abstract,keywords,maturity,asking_price_min,asking_price_max,industry_codes\n".to_owned()),
        Just("r1,高镍正极,表面包覆,锂电池;正极,pilot,100,50,38\n".to_owned()),
        Just("\"quoted, with comma\",\"line\nbreak\",\"\"\"\"\n".to_owned()),
        "[,\"\\n\\r;a-z0-9\\-]{1,12}",
        "\\PC{1,10}",
        "[\\x00-\\x1f]{1,3}",
    ];
    proptest::collection::vec(pieces, 0..20).prop_map(|parts| parts.concat())
}

fn valid_workbook() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in ["id", "title", "abstract", "maturity", "asking_price_min"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "r1").unwrap();
    sheet.write_string(1, 1, "高镍三元锂电池正极材料").unwrap();
    sheet.write_string(1, 2, "表面包覆提高循环寿命").unwrap();
    sheet.write_string(1, 3, "pilot").unwrap();
    sheet.write_number(1, 4, -3.5).unwrap();
    workbook.save_to_buffer().unwrap()
}

fn read_xlsx_bytes(bytes: &[u8]) -> Result<Vec<ImportRow>, String> {
    let mut file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    read_xlsx(file.path()).map(|(rows, _)| rows)
}

#[test]
fn the_valid_workbook_reads_and_its_row_is_checked() {
    let rows = read_xlsx_bytes(&valid_workbook()).unwrap();
    assert_eq!(rows.len(), 1);
    let refused = parse_result_row(&rows[0], OWNER).unwrap_err();
    assert!(refused.iter().any(|error| error.field.contains("asking_price")), "{refused:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_jsonl_reads_without_panicking(text in jsonish()) {
        let (rows, errors) = read_jsonl(std::io::Cursor::new(text.into_bytes())).unwrap();
        for error in &errors {
            // Row 0 is the whole file (a JSON array that does not parse).
            prop_assert!((error.row >= 1 || error.field.is_empty()) && !error.reason.is_empty(), "{:?}", error);
        }
        check_rows(&rows);
    }

    #[test]
    fn any_bytes_as_jsonl_or_csv_read_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok((rows, _)) = read_jsonl(std::io::Cursor::new(bytes.clone())) {
            check_rows(&rows);
        }
        if let Ok((rows, _)) = read_csv(std::io::Cursor::new(bytes)) {
            check_rows(&rows);
        }
    }

    #[test]
    fn any_csv_reads_without_panicking(text in csvish()) {
        if let Ok((rows, errors)) = read_csv(std::io::Cursor::new(text.into_bytes())) {
            for error in &errors {
                prop_assert!(!error.reason.is_empty());
            }
            check_rows(&rows);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn damaged_workbooks_are_refused_or_read_without_panicking(
        damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = valid_workbook();
        for (at, value) in damage {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(rows) = read_xlsx_bytes(&bytes) {
            check_rows(&rows);
        }
    }

    #[test]
    fn random_bytes_as_xlsx_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert!(read_xlsx_bytes(&bytes).is_err());
    }
}
