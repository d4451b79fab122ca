//! Reading an import file into rows of cells: JSON Lines (or one JSON array), CSV with a
//! header row, or the first sheet of an XLSX workbook with one.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use calamine::{Data, Reader};
use serde_json::Value;
use techmatch_domain::spreadsheet::unguard_formula;

use super::{ImportError, RowError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    Jsonl,
    Csv,
    Xlsx,
}

impl ImportFormat {
    /// From the file name: `.jsonl`/`.json`/`.ndjson`, `.csv`, `.xlsx`.
    pub fn from_path(path: &Path) -> Option<ImportFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "jsonl" | "ndjson" | "json" => Some(ImportFormat::Jsonl),
            "csv" => Some(ImportFormat::Csv),
            "xlsx" | "xlsm" => Some(ImportFormat::Xlsx),
            _ => None,
        }
    }
}

/// One cell of an imported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    List(Vec<String>),
    Number(f64),
    Bool(bool),
}

/// A row as read, numbered as people count them (first data line or row = 1 in JSONL, and
/// the spreadsheet's own row number in CSV/XLSX, the header being row 1).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub number: usize,
    pub cells: BTreeMap<String, Cell>,
}

/// Reads every row of a file. Rows that cannot even be read (bad JSON) come back as errors.
pub fn read_rows(path: &Path, format: Option<ImportFormat>) -> Result<(Vec<ImportRow>, Vec<RowError>), ImportError> {
    let format = format
        .or_else(|| ImportFormat::from_path(path))
        .ok_or_else(|| ImportError::UnknownFormat(path.display().to_string()))?;
    let unreadable = |reason: String| ImportError::Unreadable { path: path.display().to_string(), reason };
    match format {
        ImportFormat::Jsonl => {
            let file = std::fs::File::open(path).map_err(|error| unreadable(error.to_string()))?;
            read_jsonl(std::io::BufReader::new(file)).map_err(|error| unreadable(error.to_string()))
        }
        ImportFormat::Csv => {
            let file = std::fs::File::open(path).map_err(|error| unreadable(error.to_string()))?;
            read_csv(file).map_err(|error| unreadable(error.to_string()))
        }
        ImportFormat::Xlsx => read_xlsx(path).map_err(unreadable),
    }
}

/// JSON Lines; a file holding one JSON array of objects is accepted too.
pub fn read_jsonl(reader: impl BufRead) -> std::io::Result<(Vec<ImportRow>, Vec<RowError>)> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for line in reader.lines() {
        lines.push(line?);
    }
    let whole = lines.join("\n");
    if whole.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(&whole) {
            Ok(values) => {
                for (index, value) in values.into_iter().enumerate() {
                    push_json_row(index + 1, value, &mut rows, &mut errors);
                }
            }
            Err(error) => {
                errors.push(RowError { row: 0, field: String::new(), reason: format!("invalid json array: {error}") })
            }
        }
        return Ok((rows, errors));
    }
    for (index, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(value) => push_json_row(index + 1, value, &mut rows, &mut errors),
            Err(error) => {
                errors.push(RowError { row: index + 1, field: String::new(), reason: format!("invalid json: {error}") })
            }
        }
    }
    Ok((rows, errors))
}

fn push_json_row(number: usize, value: Value, rows: &mut Vec<ImportRow>, errors: &mut Vec<RowError>) {
    let Value::Object(object) = value else {
        errors.push(RowError { row: number, field: String::new(), reason: "a row must be a json object".into() });
        return;
    };
    let mut cells = BTreeMap::new();
    for (key, value) in object {
        let cell = match value {
            Value::Null => continue,
            Value::String(text) => Cell::Text(text),
            Value::Number(number) => Cell::Number(number.as_f64().unwrap_or(f64::NAN)),
            Value::Bool(flag) => Cell::Bool(flag),
            Value::Array(items) => Cell::List(
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(text) => text,
                        other => other.to_string(),
                    })
                    .collect(),
            ),
            Value::Object(_) => {
                errors.push(RowError { row: number, field: key, reason: "nested objects are not supported".into() });
                return;
            }
        };
        cells.insert(key.to_lowercase(), cell);
    }
    rows.push(ImportRow { number, cells });
}

pub fn read_csv(reader: impl std::io::Read) -> Result<(Vec<ImportRow>, Vec<RowError>), csv::Error> {
    let mut csv_reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
    let headers: Vec<String> = csv_reader.headers()?.iter().map(normalise_header).collect();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, record) in csv_reader.records().enumerate() {
        let number = index + 2;
        match record {
            Ok(record) => {
                let cells = headers
                    .iter()
                    .zip(record.iter())
                    .filter(|(header, value)| !header.is_empty() && !value.is_empty())
                    .map(|(header, value)| (header.clone(), Cell::Text(unguard_formula(value).to_owned())))
                    .collect();
                rows.push(ImportRow { number, cells });
            }
            Err(error) => errors.push(RowError {
                row: number,
                field: String::new(),
                reason: format!("unreadable csv row: {error}"),
            }),
        }
    }
    Ok((rows, errors))
}

pub fn read_xlsx(path: &Path) -> Result<(Vec<ImportRow>, Vec<RowError>), String> {
    let mut workbook = calamine::open_workbook_auto(path).map_err(|error| error.to_string())?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| "the workbook has no sheet".to_owned())?
        .map_err(|error| error.to_string())?;
    let mut sheet_rows = range.rows();
    let Some(header) = sheet_rows.next() else { return Ok((Vec::new(), Vec::new())) };
    let headers: Vec<String> = header.iter().map(|cell| normalise_header(&cell.to_string())).collect();
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let mut rows = Vec::new();
    for (index, row) in sheet_rows.enumerate() {
        let number = first_row + index + 2;
        let mut cells = BTreeMap::new();
        for (header, value) in headers.iter().zip(row.iter()) {
            if header.is_empty() {
                continue;
            }
            let cell = match value {
                Data::Empty => continue,
                Data::String(text) if text.trim().is_empty() => continue,
                Data::String(text) => Cell::Text(text.trim().to_owned()),
                Data::Float(number) => Cell::Number(*number),
                Data::Int(number) => Cell::Number(*number as f64),
                Data::Bool(flag) => Cell::Bool(*flag),
                other => Cell::Text(other.to_string()),
            };
            cells.insert(header.clone(), cell);
        }
        if !cells.is_empty() {
            rows.push(ImportRow { number, cells });
        }
    }
    Ok((rows, Vec::new()))
}

fn normalise_header(raw: &str) -> String {
    raw.trim().trim_start_matches('\u{feff}').to_lowercase().replace([' ', '-'], "_")
}
