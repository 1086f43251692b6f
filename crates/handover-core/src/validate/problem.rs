//! A validation problem: severity, where (file, line or record, field) and
//! what is wrong.

use super::*;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The scenario cannot be used.
    Error,
    /// Worth fixing; the scenario can still be used.
    Warning,
}

/// One problem with a scenario, naming where and which field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// File name.
    pub file: String,
    /// 1-based line, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Record path, where there is no line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// 1-based character column on the line, where known (e.g. in a rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Field or column name.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// The row at fault as read, where known (not shown: `file` and `line`
    /// or `record` say it for people).
    #[serde(skip)]
    pub row: Option<crate::table::RowRef>,
}

impl Problem {
    /// An error at `origin`, field `field`.
    pub fn error(origin: &Origin, field: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, origin, field, message)
    }

    /// A warning at `origin`, field `field`.
    pub fn warning(origin: &Origin, field: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, origin, field, message)
    }

    fn new(severity: Severity, origin: &Origin, field: &str, message: impl Into<String>) -> Self {
        Problem {
            severity,
            file: origin.file.clone(),
            line: origin.line,
            record: origin.record.clone(),
            column: None,
            field: field.to_string(),
            message: message.into(),
            row: origin.row,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(record) = &self.record {
            write!(f, " ({record})")?;
        }
        if let (None, Some(col)) = (self.line, self.column) {
            write!(f, " column {col}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": field `{}`: {}", self.field, self.message)
        }
    }
}
