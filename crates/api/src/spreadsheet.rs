//! Tables as CSV and XLSX files: the listings' exports (whose columns are the import columns, so
//! an exported file can be edited in a spreadsheet and imported again) and the schedule's
//! workbook.

use rust_xlsxwriter::{Format, Workbook};
use techmatch_domain::spreadsheet::guard_formula;

/// A file format a list can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(raw: Option<&str>) -> Option<ExportFormat> {
        match raw.unwrap_or("csv") {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// A table: header plus rows of cells. Lists are joined with `;`. CSV cells that would start a
/// formula are marked as text ([`guard_formula`]); XLSX cells are written as strings, which no
/// spreadsheet evaluates.
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

pub fn render(table: &Table, format: ExportFormat) -> anyhow::Result<Vec<u8>> {
    match format {
        ExportFormat::Csv => {
            // A byte-order mark so that Excel opens UTF-8 Chinese text correctly.
            let mut bytes = "\u{feff}".as_bytes().to_vec();
            {
                let mut writer = csv::Writer::from_writer(&mut bytes);
                writer.write_record(&table.header)?;
                for row in &table.rows {
                    writer.write_record(row.iter().map(|cell| guard_formula(cell).into_owned()))?;
                }
                writer.flush()?;
            }
            Ok(bytes)
        }
        ExportFormat::Xlsx => {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet();
            let bold = Format::new().set_bold();
            for (column, name) in table.header.iter().enumerate() {
                sheet.write_string_with_format(0, u16::try_from(column)?, *name, &bold)?;
            }
            for (row_index, row) in table.rows.iter().enumerate() {
                let row_number = u32::try_from(row_index + 1)?;
                for (column, value) in row.iter().enumerate() {
                    // Excel cells hold at most 32,767 characters.
                    let value: String = value.chars().take(32_000).collect();
                    sheet.write_string(row_number, u16::try_from(column)?, value)?;
                }
            }
            Ok(workbook.save_to_buffer()?)
        }
    }
}
