//! The tables of a scenario, each defined once: its id, the file a scenario
//! folder keeps it in, its columns, which fields may hold a distribution,
//! who submits its rows and which column says whose a row is. Readers, the
//! submission merge, validation, releasability and the service all iterate
//! over [`TableId::ALL`] and read [`TableId::def`]; typed references to a
//! row or a cell ([`RowRef`], [`CellRef`]) replace display strings.
//!
//! A leaf of the crate: the record types and the per-table access to a
//! scenario are in [`crate::record`].
//!
//! **Adding a table**: a variant here with its [`TableDef`], its record type
//! and its arm of `TableId::visit` in [`crate::record`], and its reader in
//! handover-data (ARCHITECTURE.md).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Every table of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableId {
    /// `[[deadline]]` in scenario.toml.
    Deadlines,
    /// `[[capability]]` in scenario.toml.
    Capabilities,
    /// `[[requirement]]` in scenario.toml.
    Requirements,
    /// nations.csv
    Nations,
    /// holdings.csv
    Holdings,
    /// us_contributions.csv
    UsContributions,
    /// lines.csv
    Lines,
    /// capacity.csv
    Capacity,
    /// orders.csv
    Orders,
    /// retirements.csv
    Retirements,
    /// consumption.csv
    Consumption,
    /// economics.csv
    Economics,
    /// investments.csv: candidate investments in capacity.
    Investments,
    /// workforce.csv: workers available to hire.
    Workforce,
    /// sources.csv: the publications rows cite by id.
    Sources,
    /// triggers.toml (or `[[trigger]]` in scenario.toml).
    Triggers,
}

/// Who submits a table's rows to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmittedBy {
    /// Each nation its own rows (whose a row is: [`TableDef::owner_field`]).
    Nation,
    /// Only the United States (`US`): what the US provides.
    UnitedStates,
    /// Only an administrator: the catalogue and the settings.
    Administrator,
}

/// The definition of one table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableDef {
    /// The table.
    pub id: TableId,
    /// The file of a scenario folder that holds it.
    pub file: &'static str,
    /// Its name in record paths and the JSON form (`orders`, as in `orders[3]`).
    pub name: &'static str,
    /// Where in the file, for tables of a TOML file (`[[requirement]]`).
    pub section: Option<&'static str>,
    /// Columns a CSV table must have (besides those every table accepts).
    pub required: &'static [&'static str],
    /// Columns it may have.
    pub optional: &'static [&'static str],
    /// Fields that may hold a distribution, with the range of valid values
    /// (`date` fields take only `delay(...)`, in months).
    pub uncertain: &'static [(&'static str, f64, f64)],
    /// Who submits its rows.
    pub submitted_by: SubmittedBy,
    /// The column that says whose a row is, where one does.
    pub owner_field: Option<&'static str>,
    /// Whether its rows are shown to a viewer by their releasability marking
    /// (`crate::releasability::Visibility`); the catalogue and benchmarks are not.
    pub marked: bool,
}

/// Columns every CSV table accepts: where a figure came from and who may see it.
pub const PROVENANCE_COLUMNS: &[&str] = &["source", "releasability", "estimate", "note"];

// Fields that must be > 0 use 0 as the bound: a draw of exactly 0 has
// probability zero, and the nominal value is still checked as > 0. Numbers
// are bounded by `limits::MAX_MAGNITUDE`, months (lead times and delays) by
// `limits::MAX_MONTHS` (docs/FORMAT.md, "Limits").
const INF: f64 = crate::limits::MAX_MAGNITUDE;
const POS: f64 = 0.0;
const MONTHS: f64 = crate::limits::MAX_MONTHS as f64;

const fn toml(
    id: TableId,
    file: &'static str,
    name: &'static str,
    section: &'static str,
    uncertain: &'static [(&'static str, f64, f64)],
) -> TableDef {
    TableDef {
        id,
        file,
        name,
        section: Some(section),
        required: &[],
        optional: &[],
        uncertain,
        submitted_by: SubmittedBy::Administrator,
        owner_field: None,
        marked: matches!(id, TableId::Requirements),
    }
}

/// Every table's definition, in [`TableId::ALL`] order.
const DEFS: [TableDef; 16] = [
    toml(
        TableId::Deadlines,
        "scenario.toml",
        "deadlines",
        "[[deadline]]",
        &[],
    ),
    toml(
        TableId::Capabilities,
        "scenario.toml",
        "capabilities",
        "[[capability]]",
        &[],
    ),
    toml(
        TableId::Requirements,
        "scenario.toml",
        "requirements",
        "[[requirement]]",
        &[("target", POS, INF)],
    ),
    TableDef {
        id: TableId::Nations,
        file: "nations.csv",
        name: "nations",
        section: None,
        required: &["code", "name"],
        optional: &["groups"],
        uncertain: &[],
        submitted_by: SubmittedBy::Administrator,
        marked: true,
        owner_field: Some("code"),
    },
    TableDef {
        id: TableId::Holdings,
        file: "holdings.csv",
        name: "holdings",
        section: None,
        required: &["holder", "capability", "quantity"],
        optional: &["as_of", "part_of"],
        uncertain: &[("quantity", 0.0, INF)],
        submitted_by: SubmittedBy::Nation,
        marked: true,
        owner_field: Some("holder"),
    },
    TableDef {
        id: TableId::UsContributions,
        file: "us_contributions.csv",
        name: "us_contributions",
        section: None,
        required: &["capability", "level"],
        optional: &[],
        uncertain: &[("level", 0.0, INF)],
        submitted_by: SubmittedBy::UnitedStates,
        marked: true,
        owner_field: Some("capability"),
    },
    TableDef {
        id: TableId::Lines,
        file: "lines.csv",
        name: "lines",
        section: None,
        required: &["id", "capability", "nation", "lead_time_months"],
        optional: &[
            "name",
            "unit_cost",
            "content_eu",
            "content_us",
            "content_other",
        ],
        uncertain: &[("lead_time_months", 0.0, MONTHS)],
        submitted_by: SubmittedBy::Nation,
        marked: true,
        owner_field: Some("nation"),
    },
    TableDef {
        id: TableId::Capacity,
        file: "capacity.csv",
        name: "capacity",
        section: None,
        required: &["line", "date", "units_per_year"],
        optional: &[],
        uncertain: &[("units_per_year", 0.0, INF), ("date", 0.0, MONTHS)],
        submitted_by: SubmittedBy::Nation,
        marked: true,
        owner_field: Some("line"),
    },
    TableDef {
        id: TableId::Orders,
        file: "orders.csv",
        name: "orders",
        section: None,
        required: &["id", "buyer", "line", "quantity", "date"],
        optional: &["delivered"],
        uncertain: &[("quantity", POS, INF), ("date", 0.0, MONTHS)],
        submitted_by: SubmittedBy::Nation,
        marked: true,
        owner_field: Some("buyer"),
    },
    TableDef {
        id: TableId::Retirements,
        file: "retirements.csv",
        name: "retirements",
        section: None,
        required: &["holder", "capability", "date", "quantity"],
        optional: &[],
        uncertain: &[("quantity", POS, INF), ("date", 0.0, MONTHS)],
        submitted_by: SubmittedBy::Nation,
        marked: true,
        owner_field: Some("holder"),
    },
    TableDef {
        id: TableId::Consumption,
        file: "consumption.csv",
        name: "consumption",
        section: None,
        required: &["holder", "capability", "from", "units_per_year"],
        optional: &["to"],
        uncertain: &[("units_per_year", POS, INF)],
        submitted_by: SubmittedBy::Nation,
        marked: true,
        owner_field: Some("holder"),
    },
    TableDef {
        id: TableId::Economics,
        file: "economics.csv",
        name: "economics",
        section: None,
        required: &["nation", "year"],
        optional: &["gdp_musd", "defence_musd", "defence_pct_gdp"],
        uncertain: &[],
        submitted_by: SubmittedBy::Nation,
        marked: true,
        owner_field: Some("nation"),
    },
    TableDef {
        id: TableId::Investments,
        file: "investments.csv",
        name: "investments",
        section: None,
        required: &["id", "capability", "nation", "max_units_per_year"],
        optional: &[
            "line",
            "name",
            "step",
            "months_to_first_output",
            "months_to_full_rate",
            "capex",
            "unit_cost",
            "lead_time_months",
            "content_eu",
            "content_us",
            "content_other",
            "workers_per_unit",
            "earliest",
        ],
        uncertain: &[],
        submitted_by: SubmittedBy::Nation,
        marked: true,
        owner_field: Some("nation"),
    },
    TableDef {
        id: TableId::Workforce,
        file: "workforce.csv",
        name: "workforce",
        section: None,
        required: &["nation", "year", "workers"],
        optional: &[],
        uncertain: &[],
        submitted_by: SubmittedBy::Nation,
        marked: true,
        owner_field: Some("nation"),
    },
    TableDef {
        id: TableId::Sources,
        file: "sources.csv",
        name: "sources",
        section: None,
        required: &["id", "publisher", "title", "grade"],
        optional: &["author", "date", "url", "copy_url"],
        uncertain: &[],
        submitted_by: SubmittedBy::Administrator,
        marked: false,
        owner_field: None,
    },
    toml(
        TableId::Triggers,
        "triggers.toml",
        "triggers",
        "[[trigger]]",
        &[],
    ),
];

impl TableId {
    /// Every table, in the order a scenario folder is read.
    pub const ALL: [TableId; 16] = [
        TableId::Deadlines,
        TableId::Capabilities,
        TableId::Requirements,
        TableId::Nations,
        TableId::Holdings,
        TableId::UsContributions,
        TableId::Lines,
        TableId::Capacity,
        TableId::Orders,
        TableId::Retirements,
        TableId::Consumption,
        TableId::Economics,
        TableId::Investments,
        TableId::Workforce,
        TableId::Sources,
        TableId::Triggers,
    ];

    /// Its definition.
    pub const fn def(self) -> &'static TableDef {
        &DEFS[self as usize]
    }

    /// The file that holds it.
    pub fn file(self) -> &'static str {
        self.def().file
    }

    /// Its name in record paths (`orders`).
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// The CSV table kept in `file`, if one is.
    pub fn of_file(file: &str) -> Option<TableId> {
        Self::ALL
            .into_iter()
            .find(|t| t.def().section.is_none() && t.file() == file)
    }

    /// The fields of this table that may hold a distribution, with the range
    /// of valid values (`date` fields are dates and take only `delay(...)`).
    pub fn uncertain_fields(self) -> &'static [(&'static str, f64, f64)] {
        self.def().uncertain
    }

    /// Whether `field` is a date that takes a `delay(...)`.
    pub fn is_date_field(field: &str) -> bool {
        field == "date"
    }

    /// Where a person finds its rows: the file, and the section of a TOML file
    /// (`scenario.toml [[requirement]]`).
    pub fn label(self) -> String {
        let d = self.def();
        match d.section {
            Some(section) => format!("{} {section}", d.file),
            None => d.file.to_string(),
        }
    }
}

impl fmt::Display for TableId {
    /// Its name in record paths (`orders`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A row of a table, by its 0-based index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RowRef {
    /// The table.
    pub table: TableId,
    /// 0-based row.
    pub row: usize,
}

impl RowRef {
    /// Row `row` of `table`.
    pub fn new(table: TableId, row: usize) -> Self {
        RowRef { table, row }
    }
}

impl fmt::Display for RowRef {
    /// The record path, as in the JSON form: `orders[3]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.table, self.row)
    }
}

/// A field of a row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CellRef {
    /// The row.
    pub row: RowRef,
    /// The field (column) name.
    pub field: String,
}

impl CellRef {
    /// How a person finds the cell, the same in every view: the table's
    /// file, the line of the row in it and the field (`lines.csv:2
    /// lead_time_months`). `line` is the row's line in the file the reader
    /// has: the line it was read from, or its place in the table as
    /// exported (row + 2 below the header) where no file was read. A table
    /// kept in a section of a TOML file without a line is named by its
    /// section and 1-based position (`scenario.toml [[requirement]] 2 target`).
    pub fn label(&self, line: Option<usize>) -> String {
        let d = self.row.table.def();
        match (d.section, line) {
            (_, Some(line)) => format!("{}:{line} {}", d.file, self.field),
            (Some(section), None) => {
                format!("{} {section} {} {}", d.file, self.row.row + 1, self.field)
            }
            (None, None) => format!("{}:{} {}", d.file, self.row.row + 2, self.field),
        }
    }
}

impl fmt::Display for CellRef {
    /// `orders[3] quantity`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.row, self.field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_its_definition_in_order() {
        for (i, t) in TableId::ALL.into_iter().enumerate() {
            assert_eq!(t as usize, i);
            assert_eq!(t.def().id, t, "{t:?}");
        }
        assert_eq!(TableId::of_file("orders.csv"), Some(TableId::Orders));
        assert_eq!(TableId::of_file("scenario.toml"), None);
        assert_eq!(TableId::Orders.name(), "orders");
        assert_eq!(
            TableId::Requirements.label(),
            "scenario.toml [[requirement]]"
        );
        assert_eq!(RowRef::new(TableId::Orders, 3).to_string(), "orders[3]");
        assert!(TableId::Orders.def().submitted_by == SubmittedBy::Nation);
    }

    #[test]
    fn serialised_names_are_the_record_names() {
        for t in TableId::ALL {
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.name())
            );
        }
    }
}
