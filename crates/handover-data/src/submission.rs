//! Submissions from a nation: CSV tables a submitter uploads for their own
//! nation, merged into the current scenario (docs/FORMAT.md, "Submissions
//! from a nation").
//!
//! In each table a submission holds, the rows that belong to the submitting
//! nation ([`row_owner`]) are replaced by the uploaded rows; every other row
//! is kept, and tables not uploaded are unchanged. The merged scenario is
//! validated as a whole, so an upload that breaks another nation's rows (a
//! line withdrawn that someone else's order uses) is refused too.

use crate::{finish, tables, LoadError, Loaded};
use handover_core::scenario::{Origin, Scenario, Table, Uncertainty};
use handover_core::table::{RowRef, SubmittedBy, TableId};
use handover_core::validate::{suggest, Declared, Problem};

/// The tables a submission may hold, in the order they are merged: every
/// nation's tables, then what only the US submits.
fn submittable() -> impl Iterator<Item = TableId> {
    let by = |who: SubmittedBy| {
        TableId::ALL
            .into_iter()
            .filter(move |t| t.def().submitted_by == who)
    };
    by(SubmittedBy::Nation).chain(by(SubmittedBy::UnitedStates))
}

/// The files of the tables a submission may hold, for messages.
fn submittable_files() -> Vec<&'static str> {
    submittable().map(TableId::file).collect()
}

/// Whether `file` is kept by an administrator.
fn administered(file: &str) -> bool {
    TableId::ALL
        .into_iter()
        .any(|t| t.def().submitted_by == SubmittedBy::Administrator && t.file() == file)
}

/// The nation whose rows us_contributions.csv holds.
const US: &str = "US";

/// Where a submission-wide problem (not in any one file) is reported.
const SUBMISSION: &str = "submission";

/// The most data rows one table of a submission may hold (docs/FORMAT.md,
/// "Submissions from a nation"): beyond any nation's real records, well
/// within what a check does in a second.
pub const MAX_ROWS_PER_TABLE: usize = 200_000;

/// The most cells (data rows times header columns, over all tables) one
/// submission may hold.
pub const MAX_CELLS: usize = 2_000_000;

/// Data rows and header columns of a CSV text, counted without parsing it:
/// lines that are neither blank nor `#` comments, less the header.
pub fn size_of(text: &str) -> (usize, usize) {
    let mut lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let columns = lines.next().map_or(0, |h| h.split(',').count());
    (lines.count(), columns)
}

/// The nation a row belongs to: holdings, retirements and consumption ->
/// `holder`; lines -> `nation`; capacity -> the nation of its line (looked up
/// in `s.lines`); orders -> `buyer`; economics -> `nation`;
/// us_contributions -> `"US"`; nations -> `code`.
///
/// `table` is a file name such as `"orders.csv"`, `row` a 0-based index in
/// that table. `None` for requirements and other tables, for a row that does
/// not exist, and for a capacity step whose line is unknown. A holder may be
/// a group (`EUROPE`): such rows belong to no nation that can submit them.
pub fn row_owner<'a>(s: &'a Scenario, table: &str, row: usize) -> Option<&'a str> {
    s.holder(RowRef::new(TableId::of_file(table)?, row))
}

/// Where one uploaded table's rows went in the merged scenario.
struct Placed {
    kind: TableId,
    /// For each current row: its index in the merged table, `None` if replaced.
    kept: Vec<Option<usize>>,
    /// For each uploaded (parsed) row: its index in the merged table, `None` if refused.
    uploaded: Vec<Option<usize>>,
}

/// Merge nation `nation`'s uploaded files `(file name, CSV text)` into
/// `current`.
///
/// For each uploaded table, the current rows owned by `nation` (by
/// [`row_owner`]) are replaced by the uploaded rows; other nations' rows are
/// kept, first and in their order, then the uploaded rows follow. Tables not
/// uploaded are unchanged; an uploaded table with only a header (or no text)
/// withdraws all of `nation`'s rows in it. Distributions move with their rows.
///
/// Problems in uploaded files are named with `label(file name)` and the
/// uploaded file's own line numbers. The merged scenario is validated as a
/// whole, so errors on kept rows that the upload breaks are reported too (at
/// those rows' origins; a kept row whose origin would read as a line of an
/// uploaded file is named by its record path instead, e.g.
/// `orders[0] of the current version`).
///
/// Ok: the merged scenario, with the whole scenario's warnings, ready to
/// store. Err([`LoadError::Invalid`]) with every problem: nothing to store.
pub fn merge(
    current: &Scenario,
    nation: &str,
    files: &[(String, String)],
    label: impl Fn(&str) -> String,
) -> Result<Loaded, LoadError> {
    let origin = Origin {
        file: SUBMISSION.into(),
        line: None,
        record: None,
        row: None,
    };
    if !current.nations.iter().any(|n| n.code == nation) {
        return Err(LoadError::Invalid(vec![Problem::error(
            &origin,
            "nation",
            format!("`{nation}` is not a nation of the current scenario; expected a code from nations.csv"),
        )]));
    }
    if files.is_empty() {
        return Err(LoadError::Invalid(vec![Problem::error(
            &origin,
            "",
            format!(
                "no tables; a submission holds one or more of {}",
                submittable_files().join(", ")
            ),
        )]));
    }

    // Which files are accepted.
    let mut problems = vec![];
    let mut accepted: Vec<(TableId, &str)> = vec![];
    for (i, (name, text)) in files.iter().enumerate() {
        let at = Origin::line(label(name), 1);
        let Some(kind) = TableId::of_file(name).filter(|t| submittable().any(|s| s == *t)) else {
            let message = if administered(name) {
                format!(
                    "`{name}` is maintained by an administrator; a submission holds only {}",
                    submittable_files().join(", ")
                )
            } else {
                let hint = suggest(name, submittable_files().into_iter());
                format!(
                    "unknown table `{name}`{hint}; a submission holds only {}",
                    submittable_files().join(", ")
                )
            };
            problems.push(Problem::error(&at, "", message));
            continue;
        };
        if files[..i].iter().any(|(n, _)| n == name) {
            problems.push(Problem::error(
                &at,
                "",
                format!("`{name}` appears twice in this submission; send each table once"),
            ));
            continue;
        }
        if kind.def().submitted_by == SubmittedBy::UnitedStates && nation != US {
            problems.push(Problem::error(
                &at,
                "",
                format!("`{name}` holds what the US provides; only a submission from US may hold it, not one from {nation}"),
            ));
            continue;
        }
        accepted.push((kind, text));
    }

    // Too large to check: refused before anything is parsed.
    let mut cells = 0usize;
    let mut too_large = false;
    for (kind, text) in &accepted {
        let (rows, columns) = size_of(text);
        if rows > MAX_ROWS_PER_TABLE {
            too_large = true;
            problems.push(Problem::error(
                &Origin::line(label(kind.file()), 1),
                "",
                format!(
                    "{rows} rows is too many; a submission holds at most {MAX_ROWS_PER_TABLE} rows per table"
                ),
            ));
        }
        cells = cells.saturating_add(rows.saturating_mul(columns));
    }
    if cells > MAX_CELLS {
        too_large = true;
        problems.push(Problem::error(
            &origin,
            "",
            format!("{cells} cells is too many; a submission holds at most {MAX_CELLS} cells (data rows times header columns) in all"),
        ));
    }
    if too_large {
        return Err(LoadError::Invalid(problems));
    }

    // Parse the accepted tables on their own: rows, origins and
    // distributions relative to the uploaded files.
    let mut up = Scenario::new(current.scenario.clone());
    let mut declared: Declared = tables::read_all(
        &mut up,
        |f| {
            accepted
                .iter()
                .find(|(k, _)| k.file() == f)
                .map(|(_, t)| t.to_string())
        },
        &label,
        &mut problems,
    );

    // Kept rows first, then the uploaded ones.
    let mut merged = current.clone();
    let mut placed = vec![];
    for kind in submittable() {
        if !accepted.iter().any(|(k, _)| *k == kind) {
            continue;
        }
        let n = current.row_count(kind);
        let keep: Vec<bool> = (0..n)
            .map(|i| row_owner(current, kind.file(), i) != Some(nation))
            .collect();
        let mut kept = vec![None; n];
        let mut next = 0;
        for (slot, k) in kept.iter_mut().zip(&keep) {
            if *k {
                *slot = Some(next);
                next += 1;
            }
        }
        let uploaded = (0..up.row_count(kind)).map(|j| Some(next + j)).collect();
        merged.splice_rows(kind, current, &keep, &mut up);
        placed.push(Placed {
            kind,
            kept,
            uploaded,
        });
    }

    // Every uploaded row must be the submitting nation's, judged on the
    // merged scenario (a capacity step's line may be uploaded alongside).
    for p in &mut placed {
        let offset = p.kept.iter().flatten().count();
        let mut keep = vec![true; offset];
        for slot in &mut p.uploaded {
            let Some(row) = *slot else { continue };
            let owner = row_owner(&merged, p.kind.file(), row).filter(|o| *o != nation);
            keep.push(owner.is_none());
            let Some(owner) = owner else { continue };
            let at = merged
                .origin(RowRef::new(p.kind, row))
                .cloned()
                .unwrap_or_default();
            let whose = match p.kind {
                TableId::Capacity => format!(
                    "this row is for {owner}, where line `{}` is",
                    merged.capacity[row].line
                ),
                _ => format!("this row is for {owner}"),
            };
            let message =
                format!("{whose}; a submission from {nation} may only hold {nation}'s rows");
            let field = p.kind.def().owner_field.unwrap_or_default();
            problems.push(Problem::error(&at, field, message));
            if p.kind == TableId::Lines {
                // Known, so references to it are not reported again.
                declared.lines.push(merged.lines[row].id.clone());
            }
            *slot = None;
        }
        for (row, slot) in (offset..).zip(p.uploaded.iter_mut().flatten()) {
            *slot = row;
        }
        merged.retain_rows(p.kind, &keep);
    }

    // A kept row whose origin reads like a line of an uploaded file would
    // send the submitter to the wrong line: name it by its record instead.
    let labels: Vec<String> = files.iter().map(|(n, _)| label(n)).collect();
    let relabel = |o: &mut Origin, kind: TableId, row: usize| {
        if o.line.is_some() && labels.contains(&o.file) {
            o.line = None;
            o.record = Some(format!("{}[{row}] of the current version", kind.name()));
        }
    };
    for kind in submittable() {
        let fresh = placed
            .iter()
            .find(|p| p.kind == kind)
            .map(|p| p.kept.iter().flatten().count())
            .unwrap_or(usize::MAX);
        for (row, o) in merged.origins_mut(kind).into_iter().enumerate() {
            if row < fresh {
                relabel(o, kind, row);
            }
        }
    }

    // Distributions: kept rows keep theirs at their new positions, uploaded
    // rows bring theirs, offset past the kept rows.
    let placement = |t: Table| placed.iter().find(|p| p.kind == t);
    let mut uncertainty: Vec<Uncertainty> = vec![];
    for u in &current.uncertainty {
        let row = match placement(u.table) {
            None => Some(u.row),
            Some(p) => p.kept.get(u.row).copied().flatten(),
        };
        if let Some(row) = row {
            let mut u = Uncertainty { row, ..u.clone() };
            if submittable().any(|t| t == u.table) {
                relabel(&mut u.origin, u.table, row);
            }
            uncertainty.push(u);
        }
    }
    for u in std::mem::take(&mut up.uncertainty) {
        let row = placement(u.table).and_then(|p| p.uploaded.get(u.row).copied().flatten());
        if let Some(row) = row {
            uncertainty.push(Uncertainty { row, ..u });
        }
    }
    merged.uncertainty = uncertainty;

    finish(
        merged,
        problems,
        &declared,
        format!("submission from {nation}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_over_the_row_limit_is_refused_before_parsing() {
        let current = crate::bundled().unwrap().scenario;
        let header = "id,buyer,line,quantity,date,delivered,source,estimate,note\n";
        let row = "x,DE,leopard-2a8-de,1,2027-01-01,,s,false,\n";
        let big = format!("{header}{}", row.repeat(MAX_ROWS_PER_TABLE + 1));
        let files = vec![("orders.csv".to_string(), big)];
        let Err(LoadError::Invalid(ps)) = merge(&current, "DE", &files, |f| f.to_string()) else {
            panic!("accepted")
        };
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert_eq!((ps[0].file.as_str(), ps[0].line), ("orders.csv", Some(1)));
        assert!(
            ps[0].message.contains("200001 rows is too many"),
            "{}",
            ps[0].message
        );
        // At the limit, the rows are parsed and checked (here: duplicate ids).
        let ok = format!("{header}{}", row.repeat(3));
        let files = vec![("orders.csv".to_string(), ok)];
        let Err(LoadError::Invalid(ps)) = merge(&current, "DE", &files, |f| f.to_string()) else {
            panic!("accepted")
        };
        assert!(
            ps.iter().any(|p| p.message.contains("duplicate order id")),
            "{ps:?}"
        );
    }
    use crate::{bundled, bundled_files, from_files, to_files};
    use handover_core::validate::Severity;
    use std::collections::HashMap;

    const TOML: &str = r#"[scenario]
name = "t"
start = 2026-01-01
horizon = "2030-12-31"

[[deadline]]
id = "us-2027"
date = 2027-12-31

[[capability]]
id = "sam"
name = "SAM"
unit = "units"
kind = "stock"

[[capability]]
id = "mbt"
name = "MBT"
unit = "tanks"
kind = "stock"

[[requirement]]
capability = "sam"
target = 10
source = "s"

[[requirement]]
capability = "mbt"
target = 100
source = "s"
"#;

    const CURRENT: &[(&str, &str)] = &[
        ("scenario.toml", TOML),
        (
            "nations.csv",
            "code,name,groups\nDE,Germany,NATO;EU;EUROPE\nFR,France,NATO;EU;EUROPE\nUS,United States,NATO\n",
        ),
        (
            "holdings.csv",
            "holder,capability,quantity,part_of,source\nDE,sam,\"triangular(2, 3, 5)\",,s\nFR,sam,\"triangular(1, 2, 3)\",,s\nFR,mbt,200,EUROPE,s\nDE,mbt,300,EUROPE,s\nEUROPE,mbt,900,,s\n",
        ),
        (
            "lines.csv",
            "id,capability,nation,lead_time_months,source\nl-de,sam,DE,12,s\nl-fr,sam,FR,\"uniform(10, 14)\",s\n",
        ),
        (
            "capacity.csv",
            "line,date,units_per_year,source\nl-de,2026-01-01,6,s\nl-fr,2026-01-01,\"uniform(2, 4)\",s\nl-de,2027-01-01,12,s\n",
        ),
        (
            "orders.csv",
            "id,buyer,line,quantity,date,source\no-fr,FR,l-de,4,2026-06-01,s\no-de,DE,l-de,2,2025-06-01,s\no-de2,DE,l-fr,1,2026-03-01,s\n",
        ),
        ("us_contributions.csv", "capability,level,source\nsam,20,s\n"),
        (
            "economics.csv",
            "nation,year,defence_pct_gdp,source\nDE,2024,2.1,s\nFR,2024,2.06,s\n",
        ),
    ];

    fn load(files: &[(&str, &str)], label: impl Fn(&str) -> String) -> Loaded {
        let map: HashMap<String, String> = files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let names: Vec<String> = map.keys().cloned().collect();
        from_files(|n| map.get(n).cloned(), &names, label, "test".into())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The current scenario, as version 1 (`v1/holdings.csv`, ...).
    fn current() -> Scenario {
        let l = load(CURRENT, |n| format!("v1/{n}"));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        l.scenario.into_inner()
    }

    fn owned(files: &[(&str, &str)]) -> Vec<(String, String)> {
        files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    /// Nation `nation` submits `files`, labelled `up/<file>`.
    fn submit(nation: &str, files: &[(&str, &str)]) -> Result<Loaded, LoadError> {
        merge(&current(), nation, &owned(files), |n| format!("up/{n}"))
    }

    /// The error lines of a refused submission.
    fn errors(r: Result<Loaded, LoadError>) -> Vec<String> {
        match r {
            Ok(l) => panic!("expected errors, merged: {:?}", l.scenario.holdings),
            Err(LoadError::Invalid(ps)) => ps
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .map(|p| p.to_string())
                .collect(),
            Err(e) => panic!("unexpected {e}"),
        }
    }

    fn has(errors: &[String], want: &str) -> bool {
        errors.iter().any(|e| e.contains(want))
    }

    fn holdings(s: &Scenario) -> Vec<(String, String, f64)> {
        s.holdings
            .iter()
            .map(|h| (h.holder.clone(), h.capability.clone(), h.quantity))
            .collect()
    }

    #[test]
    fn replacing_a_nations_holdings_keeps_the_others() {
        let l = submit(
            "DE",
            &[(
                "holdings.csv",
                "holder,capability,quantity,source\n# revised\nDE,sam,4,de-mod\n",
            )],
        )
        .unwrap();
        let s = &l.scenario;
        assert_eq!(
            holdings(s),
            vec![
                ("FR".into(), "sam".into(), 2.0),
                ("FR".into(), "mbt".into(), 200.0),
                ("EUROPE".into(), "mbt".into(), 900.0),
                ("DE".into(), "sam".into(), 4.0),
            ]
        );
        // Origins name the file and line as read, and the row as read there.
        let row = |i| RowRef::new(TableId::Holdings, i);
        assert_eq!(
            s.holdings[3].origin,
            Origin::line("up/holdings.csv", 3).of_row(row(0))
        );
        assert_eq!(
            s.holdings[0].origin,
            Origin::line("v1/holdings.csv", 3).of_row(row(1))
        );
        assert_eq!(s.holdings[3].provenance.source.as_deref(), Some("de-mod"));
        // Other tables are untouched.
        let c = current();
        assert_eq!(s.orders, c.orders);
        assert_eq!(s.lines, c.lines);
        assert_eq!(l.label, "submission from DE");
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn a_row_for_another_nation_is_refused_with_file_line_and_field() {
        let e = errors(submit(
            "DE",
            &[
                (
                    "holdings.csv",
                    "holder,capability,quantity,source\nDE,sam,4,s\nFR,sam,9,s\n",
                ),
                (
                    "orders.csv",
                    "id,buyer,line,quantity,date,source\no-x,FR,l-de,1,2026-02-01,s\n",
                ),
                (
                    "lines.csv",
                    "id,capability,nation,lead_time_months,source\nl-de,sam,DE,12,s\nl-pl,sam,FR,6,s\n",
                ),
                (
                    "economics.csv",
                    "nation,year,defence_pct_gdp,source\nFR,2025,2.2,s\n",
                ),
                (
                    "retirements.csv",
                    "holder,capability,date,quantity,source\nEUROPE,mbt,2027-01-01,5,s\n",
                ),
            ],
        ));
        assert!(e.contains(&"up/holdings.csv:3: field `holder`: this row is for FR; a submission from DE may only hold DE's rows".to_string()), "{e:#?}");
        assert!(
            has(&e, "up/orders.csv:2: field `buyer`: this row is for FR;"),
            "{e:#?}"
        );
        assert!(
            has(&e, "up/lines.csv:3: field `nation`: this row is for FR;"),
            "{e:#?}"
        );
        assert!(
            has(
                &e,
                "up/economics.csv:2: field `nation`: this row is for FR;"
            ),
            "{e:#?}"
        );
        assert!(
            has(
                &e,
                "up/retirements.csv:2: field `holder`: this row is for EUROPE;"
            ),
            "{e:#?}"
        );
        // A refused row is reported once: no duplicate-holding error for FR / sam.
        assert!(!has(&e, "duplicate"), "{e:#?}");
        assert_eq!(e.len(), 5, "{e:#?}");
    }

    #[test]
    fn a_parse_error_names_the_uploaded_line() {
        let e = errors(submit(
            "DE",
            &[(
                "holdings.csv",
                "# DE holdings\n\nholder,capability,quantity,source\nDE,sam,4,s\n# next\nDE,mbt,abc,s\n",
            )],
        ));
        assert_eq!(
            e,
            vec!["up/holdings.csv:6: field `quantity`: `abc` is not a number; expected a number such as 1400 or 0.65".to_string()]
        );
        let e = errors(submit(
            "DE",
            &[("orders.csv", "id,buyer,line,quantity,dat\n")],
        ));
        assert!(
            has(
                &e,
                "up/orders.csv:1: field `dat`: unknown column `dat`; did you mean `date`?"
            ),
            "{e:#?}"
        );
        assert!(
            has(&e, "up/orders.csv:1: field `date`: missing required column"),
            "{e:#?}"
        );
    }

    #[test]
    fn a_header_only_table_withdraws_the_nations_rows() {
        for text in ["holder,capability,quantity\n", ""] {
            let l = submit("DE", &[("holdings.csv", text)]).unwrap();
            assert_eq!(
                holdings(&l.scenario),
                vec![
                    ("FR".into(), "sam".into(), 2.0),
                    ("FR".into(), "mbt".into(), 200.0),
                    ("EUROPE".into(), "mbt".into(), 900.0),
                ]
            );
            // DE's distribution went with its row; FR's moved to row 0.
            let u: Vec<_> = l
                .scenario
                .uncertainty
                .iter()
                .filter(|u| u.table == Table::Holdings)
                .map(|u| (u.row, u.distribution.to_string()))
                .collect();
            assert_eq!(u, vec![(0, "triangular(1, 2, 3)".to_string())]);
        }
    }

    #[test]
    fn capacity_rows_for_the_nations_lines_old_and_new() {
        let l = submit(
            "DE",
            &[
                (
                    "lines.csv",
                    "id,capability,nation,lead_time_months,source\nl-de,sam,DE,12,s\nl-de2,sam,DE,18,s\n",
                ),
                (
                    "capacity.csv",
                    "line,date,units_per_year,source\nl-de,2026-01-01,8,s\nl-de2,2027-01-01,\"uniform(3, 5)\",s\n",
                ),
            ],
        )
        .unwrap();
        let s = &l.scenario;
        let caps: Vec<(&str, f64)> = s
            .capacity
            .iter()
            .map(|c| (c.line.as_str(), c.units_per_year))
            .collect();
        assert_eq!(caps, vec![("l-fr", 3.0), ("l-de", 8.0), ("l-de2", 4.0)]);
        assert_eq!(
            s.uncertainty_of(Table::Capacity, 0, "units_per_year")
                .map(|d| d.to_string()),
            Some("uniform(2, 4)".to_string())
        );
        assert_eq!(
            s.uncertainty_of(Table::Capacity, 2, "units_per_year")
                .map(|d| d.to_string()),
            Some("uniform(3, 5)".to_string())
        );
        // The FR line keeps its distribution of lead time, now at row 0.
        assert_eq!(s.lines[0].id, "l-fr");
        assert!(s
            .uncertainty_of(Table::Lines, 0, "lead_time_months")
            .is_some());

        // A capacity step on FR's line is FR's row.
        let e = errors(submit(
            "DE",
            &[(
                "capacity.csv",
                "line,date,units_per_year,source\nl-de,2026-01-01,8,s\nl-fr,2028-01-01,9,s\n",
            )],
        ));
        assert_eq!(e, vec!["up/capacity.csv:3: field `line`: this row is for FR, where line `l-fr` is; a submission from DE may only hold DE's rows".to_string()]);
        // Capacity uploaded alone replaces the steps of DE's existing lines.
        let l = submit(
            "DE",
            &[(
                "capacity.csv",
                "line,date,units_per_year,source\nl-de,2026-01-01,7,s\n",
            )],
        )
        .unwrap();
        assert_eq!(l.scenario.capacity.len(), 2);
        assert_eq!(l.scenario.capacity[1].units_per_year, 7.0);
    }

    #[test]
    fn an_order_on_an_unknown_line_names_the_uploaded_line() {
        let e = errors(submit(
            "DE",
            &[(
                "orders.csv",
                "id,buyer,line,quantity,date,source\no-de,DE,l-de,2,2025-06-01,s\no-de3,DE,l-dee,5,2026-01-01,s\n",
            )],
        ));
        assert_eq!(e, vec!["up/orders.csv:3: field `line`: unknown production line `l-dee`; expected an id from lines.csv; did you mean `l-de`?".to_string()]);
    }

    #[test]
    fn distributions_follow_their_rows() {
        let l = submit(
            "DE",
            &[(
                "holdings.csv",
                "holder,capability,quantity,part_of,source\nDE,mbt,310,EUROPE,s\nDE,sam,\"uniform(8, 12)\",,s\n",
            )],
        )
        .unwrap();
        let s = &l.scenario;
        let row = |holder: &str, cap: &str| {
            s.holdings
                .iter()
                .position(|h| h.holder == holder && h.capability == cap)
                .unwrap()
        };
        let dist = |r: usize| {
            s.uncertainty_of(Table::Holdings, r, "quantity")
                .map(|d| d.to_string())
        };
        assert_eq!(row("DE", "sam"), 4);
        assert_eq!(s.holdings[4].quantity, 10.0);
        assert_eq!(dist(4).as_deref(), Some("uniform(8, 12)"));
        assert_eq!(row("FR", "sam"), 0);
        assert_eq!(dist(0).as_deref(), Some("triangular(1, 2, 3)"));
        for r in [1, 2, 3] {
            assert_eq!(dist(r), None, "row {r}");
        }
        // DE's old triangular(2, 3, 5) is gone; the other tables' are kept.
        let all: Vec<String> = s
            .uncertainty
            .iter()
            .map(|u| format!("{:?} {} {} {}", u.table, u.row, u.field, u.distribution))
            .collect();
        assert_eq!(
            all,
            vec![
                "Holdings 0 quantity triangular(1, 2, 3)",
                "Lines 1 lead_time_months uniform(10, 14)",
                "Capacity 1 units_per_year uniform(2, 4)",
                "Holdings 4 quantity uniform(8, 12)",
            ]
        );
        assert_eq!(
            s.uncertainty[3].origin,
            Origin::line("up/holdings.csv", 3).of_row(RowRef::new(TableId::Holdings, 1))
        );
        // A bad distribution names the uploaded line.
        let e = errors(submit(
            "DE",
            &[(
                "holdings.csv",
                "holder,capability,quantity\nDE,sam,\"uniform(12, 8)\"\n",
            )],
        ));
        assert!(has(&e, "up/holdings.csv:2: field `quantity`"), "{e:#?}");
    }

    #[test]
    fn unknown_administered_and_repeated_files_are_refused() {
        let e = errors(submit(
            "DE",
            &[
                ("holding.csv", "holder,capability,quantity\n"),
                ("nations.csv", "code,name\n"),
                ("scenario.toml", ""),
                ("triggers.toml", ""),
                ("notes.txt", "x"),
                ("orders.csv", "id,buyer,line,quantity,date\n"),
                ("orders.csv", "id,buyer,line,quantity,date\n"),
            ],
        ));
        assert!(
            has(&e, "up/holding.csv:1: unknown table `holding.csv`; did you mean `holdings.csv`?; a submission holds only holdings.csv, lines.csv,"),
            "{e:#?}"
        );
        for f in ["nations.csv", "scenario.toml", "triggers.toml"] {
            assert!(
                has(
                    &e,
                    &format!("up/{f}:1: `{f}` is maintained by an administrator")
                ),
                "{e:#?}"
            );
        }
        assert!(
            has(
                &e,
                "up/notes.txt:1: unknown table `notes.txt`; a submission"
            ),
            "{e:#?}"
        );
        assert!(
            has(
                &e,
                "up/orders.csv:1: `orders.csv` appears twice in this submission"
            ),
            "{e:#?}"
        );
        assert_eq!(e.len(), 6, "{e:#?}");
    }

    #[test]
    fn withdrawing_a_line_another_nations_order_uses_is_refused() {
        // DE withdraws l-de; FR's order o-fr (a kept row) is on it.
        let e = errors(submit(
            "DE",
            &[
                ("lines.csv", "id,capability,nation,lead_time_months\n"),
                ("capacity.csv", "line,date,units_per_year\n"),
                (
                    "orders.csv",
                    "id,buyer,line,quantity,date,source\no-de2,DE,l-fr,1,2026-03-01,s\n",
                ),
            ],
        ));
        assert_eq!(e, vec!["v1/orders.csv:2: field `line`: unknown production line `l-de`; expected an id from lines.csv".to_string()]);
        // Without withdrawing its own steps and orders, those break too.
        let e = errors(submit(
            "DE",
            &[("lines.csv", "id,capability,nation,lead_time_months\n")],
        ));
        assert!(has(&e, "v1/capacity.csv:2: field `line`"), "{e:#?}");
        assert!(has(&e, "v1/orders.csv:3: field `line`"), "{e:#?}");
    }

    #[test]
    fn kept_rows_are_not_confused_with_lines_of_the_upload() {
        // Current and upload labelled alike: a kept row's problem names its record.
        let cur = load(CURRENT, |n| n.to_string()).scenario;
        let files = owned(&[
            ("lines.csv", "id,capability,nation,lead_time_months\n"),
            ("capacity.csv", "line,date,units_per_year\n"),
            ("orders.csv", "id,buyer,line,quantity,date\n"),
        ]);
        let e = errors(merge(&cur, "DE", &files, |n| n.to_string()));
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(
            has(&e, "orders.csv (orders[0] of the current version): field `line`: unknown production line `l-de`"),
            "{e:#?}"
        );
        // ...and in a merge that succeeds, the kept rows' origins say so too.
        let files = owned(&[("holdings.csv", "holder,capability,quantity\nDE,sam,1\n")]);
        let l = merge(&cur, "DE", &files, |n| n.to_string()).unwrap();
        assert_eq!(
            l.scenario.holdings[0].origin.to_string(),
            "holdings.csv (holdings[0] of the current version)"
        );
        assert_eq!(l.scenario.holdings[3].origin.to_string(), "holdings.csv:2");
        assert_eq!(l.scenario.orders[0].origin.to_string(), "orders.csv:2");
    }

    #[test]
    fn us_contributions_only_from_the_us() {
        let e = errors(submit(
            "DE",
            &[(
                "us_contributions.csv",
                "capability,level,source\nsam,25,s\n",
            )],
        ));
        assert_eq!(e, vec!["up/us_contributions.csv:1: `us_contributions.csv` holds what the US provides; only a submission from US may hold it, not one from DE".to_string()]);
        let l = submit(
            "US",
            &[(
                "us_contributions.csv",
                "capability,level,source\nsam,\"uniform(20, 30)\",s\n",
            )],
        )
        .unwrap();
        assert_eq!(l.scenario.us_contributions.len(), 1);
        assert_eq!(l.scenario.us_contributions[0].level, 25.0);
        assert!(l
            .scenario
            .uncertainty_of(Table::UsContributions, 0, "level")
            .is_some());
    }

    #[test]
    fn an_unknown_nation_or_an_empty_submission_is_refused() {
        let e = errors(submit("XX", &[("holdings.csv", "")]));
        assert!(
            has(&e, "submission: field `nation`: `XX` is not a nation"),
            "{e:#?}"
        );
        let e = errors(submit("DE", &[]));
        assert!(has(&e, "submission: no tables;"), "{e:#?}");
    }

    #[test]
    fn bad_input_never_panics() {
        let garbage = [
            "",
            "\u{feff}",
            ",,,\n,,,\n",
            "\"unterminated\n",
            "holder\n\"a\"\"b\n",
            "\0\0\0",
            "holder,capability,quantity\nDE,sam\n",
            "holder,capability,quantity,quantity\nDE,sam,1,2\n",
            "line,date,units_per_year\nl-de,2026-01-01 + delay(,1\n",
            "id,capability,nation,lead_time_months\nl-de,sam,DE,\"normal(-3, 0)\"\n",
        ];
        for file in submittable_files().iter().chain(&["x.csv"]) {
            for text in garbage {
                for nation in ["DE", "US"] {
                    let _ = submit(nation, &[(file, text)]);
                }
            }
        }
    }

    #[test]
    fn row_owner_of_every_table() {
        let s = current();
        assert_eq!(row_owner(&s, "holdings.csv", 1), Some("FR"));
        assert_eq!(row_owner(&s, "holdings.csv", 4), Some("EUROPE"));
        assert_eq!(row_owner(&s, "holdings.csv", 5), None);
        assert_eq!(row_owner(&s, "lines.csv", 1), Some("FR"));
        assert_eq!(row_owner(&s, "capacity.csv", 1), Some("FR"));
        assert_eq!(row_owner(&s, "capacity.csv", 2), Some("DE"));
        assert_eq!(row_owner(&s, "orders.csv", 0), Some("FR"));
        assert_eq!(row_owner(&s, "economics.csv", 0), Some("DE"));
        assert_eq!(row_owner(&s, "us_contributions.csv", 0), Some("US"));
        assert_eq!(row_owner(&s, "us_contributions.csv", 1), None);
        assert_eq!(row_owner(&s, "nations.csv", 2), Some("US"));
        assert_eq!(row_owner(&s, "requirements", 0), None);
        assert_eq!(row_owner(&s, "scenario.toml", 0), None);
        let mut s = s;
        s.capacity[0].line = "gone".into();
        assert_eq!(row_owner(&s, "capacity.csv", 0), None);
        for f in &submittable_files() {
            assert!(tables::ALL.iter().any(|t| t.file == *f), "{f}");
        }
    }

    /// Every row of a scenario by table, as written to CSV (distributions
    /// in their cells), sorted: the scenario ignoring row order and origins.
    fn normalised(s: &Scenario) -> Vec<(&'static str, Vec<Vec<String>>)> {
        to_files(s)
            .into_iter()
            .map(|(name, text)| {
                if !name.ends_with(".csv") {
                    return (name, vec![vec![text]]);
                }
                let mut rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(text.as_bytes())
                    .records()
                    .map(|r| r.unwrap().iter().map(str::to_string).collect())
                    .collect();
                rows[1..].sort();
                (name, rows)
            })
            .collect()
    }

    /// The rows of bundled file `file` owned by `nation`, with the header.
    fn rows_of(s: &Scenario, file: &str, text: &str, nation: &str) -> String {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().unwrap().clone();
        let mut w = csv::Writer::from_writer(vec![]);
        w.write_record(&header).unwrap();
        let col = |c: &str| header.iter().position(|h| h == c);
        for rec in r.records() {
            let rec = rec.unwrap();
            let owner = match file {
                "capacity.csv" => {
                    let line = &rec[col("line").unwrap()];
                    s.lines
                        .iter()
                        .find(|l| l.id == line)
                        .map(|l| l.nation.clone())
                }
                "us_contributions.csv" => Some(US.to_string()),
                _ => {
                    let c = ["holder", "nation", "buyer"]
                        .into_iter()
                        .find_map(col)
                        .unwrap();
                    Some(rec[c].to_string())
                }
            };
            if owner.as_deref() == Some(nation) {
                w.write_record(&rec).unwrap();
            }
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn the_bundled_rows_of_a_nation_merged_back_give_the_bundled_scenario() {
        let loaded = bundled().unwrap();
        let bundled_warnings = loaded.warnings.clone();
        let b = loaded.scenario;
        let want = normalised(&b);
        let nations: Vec<String> = b.nations.iter().map(|n| n.code.clone()).collect();
        let mut moved = 0;
        for nation in &nations {
            let files: Vec<(String, String)> = bundled_files()
                .iter()
                .filter(|(f, _)| submittable_files().contains(f))
                .filter(|(f, _)| *f != "us_contributions.csv" || nation == US)
                .map(|(f, t)| (f.to_string(), rows_of(&b, f, t, nation)))
                .collect();
            // The holdings too (the national parts of the European totals).
            assert!(files.iter().any(|(f, _)| f == "holdings.csv"));
            let l = merge(&b, nation, &files, |n| format!("{nation}/{n}"))
                .unwrap_or_else(|e| panic!("{nation}: {e}"));
            // Only the bundled data's own warnings (docs/DATA.md), none new.
            let known: Vec<&str> = bundled_warnings
                .iter()
                .map(|w| w.message.as_str())
                .collect();
            assert!(
                l.warnings
                    .iter()
                    .all(|w| known.contains(&w.message.as_str())),
                "{nation}: {:?}",
                l.warnings
            );
            assert_eq!(normalised(&l.scenario), want, "{nation}");
            assert_eq!(l.scenario.uncertainty.len(), b.uncertainty.len());
            let s = &l.scenario;
            let fresh = |o: &Origin| o.file.starts_with(&format!("{nation}/"));
            moved += s.lines.iter().filter(|x| fresh(&x.origin)).count()
                + s.orders.iter().filter(|x| fresh(&x.origin)).count()
                + s.economics.iter().filter(|x| fresh(&x.origin)).count();
        }
        assert!(moved > 40, "rows were resubmitted: {moved}");
        // A nation's rows withdrawn and sent again come back the same.
        // A nation whose lines serve only its own orders and no candidate
        // investment, so that it may withdraw them.
        let alone = |n: &str| {
            let mine: Vec<&str> = b
                .lines
                .iter()
                .filter(|l| l.nation == n)
                .map(|l| l.id.as_str())
                .collect();
            !mine.is_empty()
                && b.orders
                    .iter()
                    .all(|o| o.buyer == n || !mine.contains(&o.line.as_str()))
                && b.investments
                    .iter()
                    .all(|i| i.line.as_deref().is_none_or(|l| !mine.contains(&l)))
        };
        let who = nations
            .iter()
            .find(|n| alone(n) && b.economics.iter().any(|e| &e.nation == *n))
            .expect("a nation with lines of its own")
            .clone();
        let fr = |f: &str, empty: bool| {
            let t = bundled_files().iter().find(|(n, _)| *n == f).unwrap().1;
            let text = rows_of(&b, f, t, &who);
            let text = if empty {
                text.lines().next().unwrap().to_string()
            } else {
                text
            };
            (f.to_string(), text)
        };
        let tabs = ["lines.csv", "capacity.csv", "orders.csv", "economics.csv"];
        let empty: Vec<_> = tabs.iter().map(|f| fr(f, true)).collect();
        let without = merge(&b, &who, &empty, |n| n.to_string()).unwrap();
        assert!(without.scenario.lines.iter().all(|l| l.nation != who));
        assert!(without.scenario.economics.iter().all(|e| e.nation != who));
        let again: Vec<_> = tabs.iter().map(|f| fr(f, false)).collect();
        let back = merge(&without.scenario, &who, &again, |n| n.to_string()).unwrap();
        assert_eq!(normalised(&back.scenario), want);
    }
}
