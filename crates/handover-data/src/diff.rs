//! What changed between two scenarios, row by row: the rows added, removed
//! and changed in every table, each changed row with the fields that moved
//! (a distribution shown as written). `handover diff` adds the effect on
//! coverage and the index.

use handover_core::scenario::Scenario;
use handover_core::table::TableId;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// How a row changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum RowChange {
    /// Only in the new scenario.
    Added,
    /// Only in the old one.
    Removed,
    /// In both, with these fields changed: `(field, old, new)`, empty text
    /// for a field one side leaves out.
    Changed {
        /// The fields that differ.
        fields: Vec<(String, String, String)>,
    },
}

/// One row that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowDiff {
    /// Its table.
    pub table: TableId,
    /// What identifies it within the table (`rafale-fr`, `DE / mbt`).
    pub key: String,
    /// How it changed.
    #[serde(flatten)]
    pub change: RowChange,
}

/// The fields that identify a row of `table`.
pub fn key_fields(table: TableId) -> &'static [&'static str] {
    match table {
        TableId::Deadlines
        | TableId::Capabilities
        | TableId::Lines
        | TableId::Orders
        | TableId::Investments
        | TableId::Sources
        | TableId::Triggers => &["id"],
        TableId::Requirements | TableId::UsContributions => &["capability"],
        TableId::Nations => &["code"],
        TableId::Holdings => &["holder", "capability", "part_of"],
        TableId::Capacity => &["line", "date"],
        TableId::Retirements => &["holder", "capability", "date"],
        TableId::Consumption => &["holder", "capability", "from"],
        TableId::Economics | TableId::Workforce => &["nation", "year"],
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every table's rows as JSON objects, with each uncertain field shown as
/// its distribution (a date as `DATE + delay(...)`).
fn rows(s: &Scenario) -> BTreeMap<TableId, Vec<Map<String, Value>>> {
    let doc = serde_json::to_value(s).expect("a scenario serialises");
    let mut out = BTreeMap::new();
    for t in TableId::ALL {
        let mut list: Vec<Map<String, Value>> = doc
            .get(t.name())
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect())
            .unwrap_or_default();
        for u in s.uncertainty.iter().filter(|u| u.table == t) {
            if let Some(row) = list.get_mut(u.row) {
                let shown = if TableId::is_date_field(&u.field) {
                    format!(
                        "{} + {}",
                        row.get(&u.field).map(text).unwrap_or_default(),
                        u.distribution
                    )
                } else {
                    u.distribution.to_string()
                };
                row.insert(u.field.clone(), Value::String(shown));
            }
        }
        out.insert(t, list);
    }
    out
}

fn key_of(table: TableId, row: &Map<String, Value>) -> String {
    key_fields(table)
        .iter()
        .filter_map(|f| row.get(*f).map(text).filter(|x| !x.is_empty()))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Every row that differs between `old` and `new`, by table (in
/// [`TableId::ALL`] order) and, within a table, in the order of `new`
/// (removed rows last, in the order of `old`). Rows are matched by
/// [`key_fields`]; where a key repeats, the n-th with that key matches the n-th.
pub fn diff_rows(old: &Scenario, new: &Scenario) -> Vec<RowDiff> {
    let (a, b) = (rows(old), rows(new));
    let mut out = vec![];
    for t in TableId::ALL {
        let keyed = |list: &[Map<String, Value>]| {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            list.iter()
                .map(|r| {
                    let k = key_of(t, r);
                    let n = seen.entry(k.clone()).or_default();
                    *n += 1;
                    let k = if *n > 1 { format!("{k} #{n}") } else { k };
                    (k, r.clone())
                })
                .collect::<Vec<_>>()
        };
        let olds = keyed(&a[&t]);
        let news = keyed(&b[&t]);
        let old_map: BTreeMap<&str, &Map<String, Value>> =
            olds.iter().map(|(k, r)| (k.as_str(), r)).collect();
        let new_keys: std::collections::BTreeSet<&str> =
            news.iter().map(|(k, _)| k.as_str()).collect();
        for (k, r) in &news {
            match old_map.get(k.as_str()) {
                None => out.push(RowDiff {
                    table: t,
                    key: k.clone(),
                    change: RowChange::Added,
                }),
                Some(o) => {
                    let mut names: Vec<&String> = o.keys().chain(r.keys()).collect();
                    names.sort();
                    names.dedup();
                    let fields: Vec<(String, String, String)> = names
                        .into_iter()
                        .filter_map(|f| {
                            let (x, y) = (
                                o.get(f).map(text).unwrap_or_default(),
                                r.get(f).map(text).unwrap_or_default(),
                            );
                            (x != y).then(|| (f.clone(), x, y))
                        })
                        .collect();
                    if !fields.is_empty() {
                        out.push(RowDiff {
                            table: t,
                            key: k.clone(),
                            change: RowChange::Changed { fields },
                        });
                    }
                }
            }
        }
        for (k, _) in &olds {
            if !new_keys.contains(k.as_str()) {
                out.push(RowDiff {
                    table: t,
                    key: k.clone(),
                    change: RowChange::Removed,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use handover_core::build::ScenarioBuilder;
    use handover_core::distribution::Distribution;
    use handover_core::scenario::{Table, Uncertainty};

    fn base() -> ScenarioBuilder {
        ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["EUROPE"])
            .stock("sam", 10.0)
            .holding("DE", "sam", 2.0)
            .line("l", "sam", "DE", 12)
            .capacity("l", "2026-01-01", 12.0)
            .order("a", "DE", "l", 4.0, "2025-01-01")
    }

    #[test]
    fn the_same_scenario_has_no_differences() {
        let s = base().build();
        assert_eq!(diff_rows(&s, &s), vec![]);
    }

    #[test]
    fn added_removed_and_changed_rows_are_listed_with_their_fields() {
        let old = base().order("b", "DE", "l", 1.0, "2025-06-01").build();
        let mut new = base().line("m", "sam", "DE", 6).build();
        new.holdings[0].quantity = 3.0;
        new.uncertainty.push(Uncertainty {
            table: Table::Lines,
            row: 0,
            field: "lead_time_months".into(),
            distribution: Distribution::Uniform { a: 6.0, b: 18.0 },
            origin: new.lines[0].origin.clone(),
        });
        let d = diff_rows(&old, &new);
        let find = |t: TableId, k: &str| {
            d.iter()
                .find(|x| x.table == t && x.key == k)
                .unwrap_or_else(|| panic!("{t} {k} in {d:?}"))
                .change
                .clone()
        };
        assert_eq!(
            find(TableId::Holdings, "DE / sam"),
            RowChange::Changed {
                fields: vec![("quantity".into(), "2.0".into(), "3.0".into())]
            }
        );
        assert_eq!(find(TableId::Lines, "m"), RowChange::Added);
        assert_eq!(find(TableId::Orders, "b"), RowChange::Removed);
        let RowChange::Changed { fields } = find(TableId::Lines, "l") else {
            panic!("line l changed")
        };
        assert_eq!(fields[0].0, "lead_time_months");
        assert_eq!(fields[0].2, "uniform(6, 18)");
        assert_eq!(d.len(), 4, "{d:?}");
    }
}
