//! What every record carries: where it was read ([`Origin`]), its source and
//! estimate flag, and who may see it ([`Releasability`]). A leaf of the crate.

use crate::table::RowRef;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a record came from: file, and line or record path where known.
///
/// Not part of the serialised scenario; readers fill it in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Origin {
    /// File name as the user knows it (e.g. `orders.csv`).
    pub file: String,
    /// 1-based line number, where the format has lines.
    pub line: Option<usize>,
    /// A record path such as `orders[3]`, where there is no line.
    pub record: Option<String>,
    /// The row as read: its table and index in the scenario it was read
    /// into. What code uses to find the record again; people read the rest.
    pub row: Option<RowRef>,
}

impl Origin {
    /// A record at a line of a file.
    pub fn line(file: impl Into<String>, line: usize) -> Self {
        Origin {
            file: file.into(),
            line: Some(line),
            record: None,
            row: None,
        }
    }

    /// This origin, knowing it is row `row`.
    pub fn of_row(mut self, row: RowRef) -> Self {
        self.row = Some(row);
        self
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = &self.record {
            write!(f, " ({record})")?;
        }
        Ok(())
    }
}

/// Who may see a figure (DESIGN.md, "Data sharing that respects national sensitivities").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Releasability {
    /// Anyone.
    #[default]
    Public,
    /// NATO nations.
    Nato,
    /// EU member states.
    Eu,
    /// The listed nations only.
    Rel(Vec<String>),
    /// The submitting nation only.
    National,
}

impl fmt::Display for Releasability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Releasability::Public => f.write_str("public"),
            Releasability::Nato => f.write_str("nato"),
            Releasability::Eu => f.write_str("eu"),
            Releasability::National => f.write_str("national"),
            Releasability::Rel(codes) => write!(f, "rel:{}", codes.join(",")),
        }
    }
}

impl FromStr for Releasability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t {
            "" | "public" => return Ok(Releasability::Public),
            "nato" => return Ok(Releasability::Nato),
            "eu" => return Ok(Releasability::Eu),
            "national" => return Ok(Releasability::National),
            _ => {}
        }
        if let Some(list) = t.strip_prefix("rel:") {
            let codes: Vec<String> = list
                .split([',', '+'])
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            if codes.is_empty() {
                return Err("`rel:` needs at least one nation code, e.g. `rel:DE,FR`".into());
            }
            if let Some(bad) = codes.iter().find(|c| !is_nation_code(c)) {
                return Err(format!(
                    "`{bad}` in `{t}` is not a nation code; expected two upper-case letters"
                ));
            }
            return Ok(Releasability::Rel(codes));
        }
        Err(format!(
            "`{t}` is not a releasability marking; expected public, nato, eu, rel:<codes> or national"
        ))
    }
}

impl Serialize for Releasability {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Releasability {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn is_public(r: &Releasability) -> bool {
    *r == Releasability::Public
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Whether `s` looks like an ISO 3166-1 alpha-2 code.
pub fn is_nation_code(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Source, releasability and estimate flag: what every figure carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Where the figure came from: URL or citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Who may see it.
    #[serde(default, skip_serializing_if = "is_public")]
    pub releasability: Releasability,
    /// An estimate or derived figure rather than a published one.
    #[serde(default, skip_serializing_if = "is_false")]
    pub estimate: bool,
    /// How it was derived, caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
