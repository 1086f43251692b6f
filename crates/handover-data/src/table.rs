//! CSV tables: reading rows with errors that name file, line and column, and
//! writing them back.

use chrono::NaiveDate;
use handover_core::distribution::Distribution;
use handover_core::scenario::{Origin, Provenance, Releasability, Table, Uncertainty};
use handover_core::validate::Problem;
use std::collections::HashMap;

/// Columns every table accepts (docs/FORMAT.md).
pub const COMMON: &[&str] = handover_core::table::PROVENANCE_COLUMNS;

/// A table's schema: its definition in core (file, required and optional columns).
pub type Schema = handover_core::table::TableDef;

/// One row being read: typed access with problems collected.
pub struct Row<'a> {
    file: &'a str,
    line: usize,
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
    problems: &'a mut Vec<Problem>,
    table: Table,
    index: usize,
    uncertain: &'a mut Vec<Uncertainty>,
}

impl Row<'_> {
    /// Where this row is.
    pub fn origin(&self) -> Origin {
        Origin::line(self.file, self.line)
            .of_row(handover_core::table::RowRef::new(self.table, self.index))
    }

    fn err(&mut self, field: &str, msg: String) {
        let o = self.origin();
        self.problems.push(Problem::error(&o, field, msg));
    }

    /// The trimmed cell, `None` if the column is absent or the cell empty.
    pub fn get(&self, col: &str) -> Option<&str> {
        let i = *self.columns.get(col)?;
        let v = self.record.get(i)?.trim();
        (!v.is_empty()).then_some(v)
    }

    /// A required text cell.
    pub fn text(&mut self, col: &str) -> Option<String> {
        match self.get(col) {
            Some(v) => Some(v.to_string()),
            None => {
                self.err(col, "missing value; this column is required".into());
                None
            }
        }
    }

    /// An optional text cell.
    pub fn opt_text(&self, col: &str) -> Option<String> {
        self.get(col).map(str::to_string)
    }

    fn parse_number(&mut self, col: &str, v: &str) -> Option<f64> {
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                let hint = if v.contains(',') || v.contains(' ') {
                    " (write numbers without thousands separators, e.g. 1400 or 1.4e3)"
                } else {
                    ""
                };
                self.err(
                    col,
                    format!("`{v}` is not a number; expected a number such as 1400 or 0.65{hint}"),
                );
                None
            }
        }
    }

    /// A required number.
    pub fn number(&mut self, col: &str) -> Option<f64> {
        match self.get(col) {
            Some(v) => {
                let v = v.to_string();
                self.parse_number(col, &v)
            }
            None => {
                self.err(col, "missing value; expected a number".into());
                None
            }
        }
    }

    /// An optional number; `None` if present but malformed (the problem is recorded).
    pub fn opt_number(&mut self, col: &str) -> Option<Option<f64>> {
        match self.get(col).map(str::to_string) {
            Some(v) => self.parse_number(col, &v).map(Some),
            None => Some(None),
        }
    }

    fn record_uncertainty(&mut self, col: &str, d: Distribution) {
        let origin = self.origin();
        self.uncertain.push(Uncertainty {
            table: self.table,
            row: self.index,
            field: col.to_string(),
            distribution: d,
            origin,
        });
    }

    /// A required figure: a number, or a distribution such as
    /// `triangular(2, 3, 6)` (its median is the nominal value).
    pub fn figure(&mut self, col: &str) -> Option<f64> {
        let v = match self.get(col) {
            Some(v) => v.to_string(),
            None => {
                self.err(
                    col,
                    "missing value; expected a number or a distribution".into(),
                );
                return None;
            }
        };
        if !v.contains('(') || self.table.uncertain_fields().is_empty() {
            return self.parse_number(col, &v);
        }
        match Distribution::parse(&v) {
            Ok(d) => {
                let nominal = d.median();
                self.record_uncertainty(col, d);
                Some(nominal)
            }
            Err(e) => {
                self.err(col, format!("`{v}` is not a valid distribution: {e}"));
                None
            }
        }
    }

    /// A required date, optionally followed by `+ delay(...)`.
    pub fn dated(&mut self, col: &str) -> Option<NaiveDate> {
        let v = self.text(col)?;
        let Some((date, delay)) = v.split_once('+').filter(|(d, _)| !d.trim().is_empty()) else {
            // No delay, or a leading sign (`+10000-01-01`): all of it is the date.
            return self.parse_date(col, &v);
        };
        let date = self.parse_date(col, date.trim());
        match Distribution::parse(delay.trim()) {
            Ok(d) => {
                self.record_uncertainty(col, d);
                date
            }
            Err(e) => {
                self.err(col, format!("`{}` is not a valid delay: {e}; expected e.g. `2026-06-01 + delay(uniform(0, 6))`", delay.trim()));
                None
            }
        }
    }

    /// A required whole number of months `>= 0`, or a distribution of months
    /// (its median, rounded up, is the nominal value).
    pub fn months(&mut self, col: &str) -> Option<u32> {
        if self.get(col).is_some_and(|v| v.contains('(')) {
            let m = self.figure(col)?;
            return (m >= 0.0).then(|| m.ceil() as u32).or_else(|| {
                self.err(col, format!("median {m} months is negative"));
                None
            });
        }
        self.count(col)
    }

    /// A required whole number `>= 0`.
    pub fn count(&mut self, col: &str) -> Option<u32> {
        let v = self.text(col)?;
        match v.parse::<u32>() {
            Ok(x) => Some(x),
            Err(_) => {
                self.err(
                    col,
                    format!("`{v}` is not a whole number of months; expected 0, 1, 2, ..."),
                );
                None
            }
        }
    }

    /// An optional whole number of months `>= 0`; `None` if present but
    /// malformed (the problem is recorded).
    pub fn opt_count(&mut self, col: &str) -> Option<Option<u32>> {
        match self.get(col) {
            Some(_) => self.count(col).map(Some),
            None => Some(None),
        }
    }

    /// A required year.
    pub fn year(&mut self, col: &str) -> Option<i32> {
        let v = self.text(col)?;
        match v.parse::<i32>() {
            Ok(x) if (1900..=2200).contains(&x) => Some(x),
            _ => {
                self.err(col, format!("`{v}` is not a year; expected e.g. 2025"));
                None
            }
        }
    }

    fn parse_date(&mut self, col: &str, v: &str) -> Option<NaiveDate> {
        match handover_core::limits::parse_date(v) {
            Some(d) => Some(d),
            None => {
                self.err(
                    col,
                    format!("`{v}` is not a date; expected YYYY-MM-DD, e.g. 2027-12-31"),
                );
                None
            }
        }
    }

    /// A required date.
    pub fn date(&mut self, col: &str) -> Option<NaiveDate> {
        let v = self.text(col)?;
        self.parse_date(col, &v)
    }

    /// An optional date; `None` if present but malformed (the problem is recorded).
    pub fn opt_date(&mut self, col: &str) -> Option<Option<NaiveDate>> {
        match self.get(col).map(str::to_string) {
            Some(v) => self.parse_date(col, &v).map(Some),
            None => Some(None),
        }
    }

    /// A required cell parsed by `FromStr`, whose error message is the problem.
    pub fn parsed<T: std::str::FromStr<Err = String>>(&mut self, col: &str) -> Option<T> {
        let v = self.text(col)?;
        match v.parse() {
            Ok(x) => Some(x),
            Err(e) => {
                self.err(col, e);
                None
            }
        }
    }

    /// The common columns.
    pub fn provenance(&mut self) -> Option<Provenance> {
        let releasability = match self.get("releasability").map(str::to_string) {
            None => Releasability::Public,
            Some(v) => match v.parse() {
                Ok(r) => r,
                Err(e) => {
                    self.err("releasability", e);
                    return None;
                }
            },
        };
        let estimate = match self.get("estimate").map(str::to_ascii_lowercase).as_deref() {
            None | Some("false") | Some("no") | Some("0") => false,
            Some("true") | Some("yes") | Some("1") => true,
            Some(v) => {
                let v = v.to_string();
                self.err("estimate", format!("`{v}` is not true or false"));
                return None;
            }
        };
        Some(Provenance {
            source: self.opt_text("source"),
            releasability,
            estimate,
            note: self.opt_text("note"),
        })
    }
}

/// Read a CSV table, calling `row` for each data row; problems are collected.
/// Returns the values `row` produced (rows with problems produce `None`).
#[allow(clippy::too_many_arguments)]
pub fn read<T>(
    schema: &Schema,
    file: &str,
    text: &str,
    problems: &mut Vec<Problem>,
    failed_keys: &mut Vec<String>,
    uncertain: &mut Vec<Uncertainty>,
    mut row: impl FnMut(&mut Row<'_>) -> Option<T>,
) -> Vec<T> {
    if text.trim().is_empty() {
        return vec![]; // an absent or empty file is an empty table
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.push(csv_problem(file, &e));
            return vec![];
        }
    };
    let header_line = 1 + text
        .lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .count();
    let header_origin = Origin::line(file, header_line);
    // A file saved with `;` between fields (a spreadsheet's default in many
    // locales) reads as one column: say so once, not a column at a time.
    if headers.len() == 1 && headers.get(0).is_some_and(|h| h.contains(';')) {
        problems.push(Problem::error(
            &header_origin,
            "",
            "the header has one column holding `;`: this file seems to use `;` between fields; handover reads comma-separated files (save it as CSV with commas)",
        ));
        return vec![];
    }
    let mut columns = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        let known =
            schema.required.contains(&h) || schema.optional.contains(&h) || COMMON.contains(&h);
        if !known {
            let all = schema
                .required
                .iter()
                .chain(schema.optional)
                .chain(COMMON)
                .copied();
            let hint = handover_core::validate::suggest(h, all);
            problems.push(Problem::error(
                &header_origin,
                h,
                format!(
                    "unknown column `{h}`{hint}; expected columns: {}",
                    column_list(schema)
                ),
            ));
        } else if columns.insert(h.to_string(), i).is_some() {
            problems.push(Problem::error(
                &header_origin,
                h,
                format!("column `{h}` appears twice"),
            ));
        }
    }
    let mut missing = false;
    for r in schema.required {
        if !columns.contains_key(*r) {
            problems.push(Problem::error(
                &header_origin,
                r,
                format!("missing required column `{r}`"),
            ));
            missing = true;
        }
    }
    if missing {
        return vec![];
    }
    let mut out = vec![];
    let mut record = csv::StringRecord::new();
    let mut lines = crate::text::LineCounter::new(text);
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                // Line from the byte offset: robust to skipped comment and blank lines.
                let line = record
                    .position()
                    .map(|p| lines.line_of(skip_blank_and_comments(text, p.byte() as usize)))
                    .unwrap_or(0);
                let before = problems.len();
                let uncertain_before = uncertain.len();
                let mut r = Row {
                    file,
                    line,
                    columns: &columns,
                    record: &record,
                    problems,
                    table: schema.id,
                    index: out.len(),
                    uncertain,
                };
                let v = row(&mut r);
                if problems.len() == before {
                    out.extend(v);
                } else {
                    uncertain.truncate(uncertain_before);
                    let key = schema
                        .required
                        .first()
                        .and_then(|k| columns.get(*k))
                        .and_then(|i| record.get(*i));
                    if let Some(key) = key {
                        failed_keys.push(key.trim().to_string());
                    }
                }
            }
            Err(e) => {
                problems.push(csv_problem(file, &e));
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
    }
    out
}

/// The offset of the first character at or after `at` that is not on a blank or comment line.
fn skip_blank_and_comments(text: &str, mut at: usize) -> usize {
    let b = text.as_bytes();
    while at < b.len() {
        match b[at] {
            b'\n' | b'\r' | b' ' | b'\t' => at += 1,
            b'#' if at == 0 || b[at - 1] == b'\n' => {
                while at < b.len() && b[at] != b'\n' {
                    at += 1;
                }
            }
            _ => break,
        }
    }
    at
}

fn column_list(schema: &Schema) -> String {
    let mut cols: Vec<String> = schema
        .required
        .iter()
        .map(|c| format!("{c} (required)"))
        .collect();
    cols.extend(schema.optional.iter().chain(COMMON).map(|c| c.to_string()));
    cols.join(", ")
}

fn csv_problem(file: &str, e: &csv::Error) -> Problem {
    let line = e.position().map(|p| p.line() as usize);
    let origin = Origin {
        file: file.to_string(),
        line,
        record: None,
        row: None,
    };
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "malformed CSV: this row has {len} fields but the header has {expected_len}; quote any field that contains a comma"
        ),
        csv::ErrorKind::Utf8 { .. } => "malformed CSV: not valid UTF-8; save the file as UTF-8".to_string(),
        _ => format!("malformed CSV: {e}"),
    };
    Problem::error(&origin, "", msg)
}

/// Builds a CSV table for writing: a header and rows of optional cells.
pub struct Writer {
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Writer {
    /// A table with these columns (the common ones are appended).
    pub fn new(columns: &[&'static str]) -> Self {
        let mut c = columns.to_vec();
        c.extend_from_slice(COMMON);
        Writer {
            columns: c,
            rows: vec![],
        }
    }

    /// Add a row: cells in column order, then provenance.
    pub fn row(&mut self, cells: Vec<String>, p: &Provenance) {
        let mut cells = cells;
        cells.push(p.source.clone().unwrap_or_default());
        cells.push(if p.releasability == Releasability::Public {
            String::new()
        } else {
            p.releasability.to_string()
        });
        cells.push(if p.estimate {
            "true".into()
        } else {
            String::new()
        });
        cells.push(p.note.clone().unwrap_or_default());
        self.rows.push(cells);
    }

    /// Whether no rows were added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The CSV text.
    pub fn finish(self) -> String {
        let mut w = csv::Writer::from_writer(vec![]);
        w.write_record(&self.columns).expect("write to memory");
        for r in &self.rows {
            w.write_record(r).expect("write to memory");
        }
        String::from_utf8(w.into_inner().expect("flush to memory")).expect("utf-8 in, utf-8 out")
    }
}

/// Format an optional number for a cell.
pub fn cell(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// Format a number for a cell, shortest round-tripping form.
pub fn num(x: f64) -> String {
    format!("{x}")
}
