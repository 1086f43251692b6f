//! `handover diff OLD NEW`: the rows that changed between two scenarios and
//! their effect on each capability's coverage and the readiness index.

use crate::cli::{Cli, DiffArgs, Format};
use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use comfy_table::Cell;
use handover_core::valid::Valid;
use handover_core::Evaluation;
use handover_data::diff::{diff_rows, RowChange, RowDiff};
use handover_data::Loaded;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// A scenario named on the command line: a path, else a bundled data version.
fn load(what: &str) -> Result<Loaded> {
    let path = Path::new(what);
    if path.exists() {
        return Ok(handover_data::load(path)?);
    }
    match handover_data::bundled_release(what) {
        Some(loaded) => Ok(loaded?),
        None => bail!(
            "`{what}` is neither a scenario folder or JSON file nor a version of the bundled data; \
             expected a path or one of {}",
            handover_data::release_versions().join(", ")
        ),
    }
}

/// Coverage and level of one capability at one date, in both scenarios.
#[derive(Debug, Serialize)]
struct Effect {
    /// Capability id.
    capability: String,
    /// The dates compared: --at, then NEW's deadlines.
    at: Vec<NaiveDate>,
    /// Coverage in OLD at each date (`null`: no data, or not in OLD).
    old: Vec<Option<f64>>,
    /// Coverage in NEW at each date.
    new: Vec<Option<f64>>,
    /// European level in OLD at each date.
    old_level: Vec<Option<f64>>,
    /// European level in NEW at each date.
    new_level: Vec<Option<f64>>,
}

/// What `diff --format json` prints.
#[derive(Debug, Serialize)]
struct DiffReport {
    /// OLD's data version, if it names one.
    old_version: Option<String>,
    /// NEW's data version, if it names one.
    new_version: Option<String>,
    /// Every row that differs.
    rows: Vec<RowDiff>,
    /// Per capability of either scenario.
    capabilities: Vec<Effect>,
    /// The readiness index at each date, OLD then NEW.
    index: (Vec<Option<f64>>, Vec<Option<f64>>),
    /// The dates compared.
    at: Vec<NaiveDate>,
}

/// Per date, the assessment of `s` there (`None` outside its horizon).
fn assess_at(s: &Valid, dates: &[NaiveDate]) -> Vec<Option<handover_core::Assessment>> {
    let eval = Evaluation::new(s);
    dates
        .iter()
        .map(|d| eval.assess(s, *d, false).ok())
        .collect()
}

/// Per date, OLD's and NEW's readiness index.
type IndexPair = (Vec<Option<f64>>, Vec<Option<f64>>);

fn effect(old: &Valid, new: &Valid, at: NaiveDate) -> (Vec<NaiveDate>, Vec<Effect>, IndexPair) {
    let mut dates = vec![at];
    dates.extend(new.deadlines.iter().map(|d| d.date).filter(|d| *d != at));
    let (a, b) = (assess_at(old, &dates), assess_at(new, &dates));
    let mut ids: Vec<&str> = new.capabilities.iter().map(|c| c.id.as_str()).collect();
    ids.extend(
        old.capabilities
            .iter()
            .map(|c| c.id.as_str())
            .filter(|id| new.capability(id).is_none()),
    );
    let pick = |side: &[Option<handover_core::Assessment>],
                id: &str,
                f: fn(&handover_core::assess::CapabilityAssessment) -> Option<f64>| {
        side.iter()
            .map(|x| {
                x.as_ref()
                    .and_then(|a| a.capabilities.iter().find(|c| c.id == id))
                    .and_then(f)
            })
            .collect::<Vec<_>>()
    };
    let caps = ids
        .into_iter()
        .map(|id| Effect {
            capability: id.to_string(),
            at: dates.clone(),
            old: pick(&a, id, |c| c.coverage),
            new: pick(&b, id, |c| c.coverage),
            old_level: pick(&a, id, |c| c.level),
            new_level: pick(&b, id, |c| c.level),
        })
        .collect();
    let index = |side: &[Option<handover_core::Assessment>]| {
        side.iter()
            .map(|x| x.as_ref().and_then(|a| a.index.at))
            .collect::<Vec<_>>()
    };
    (dates, caps, (index(&a), index(&b)))
}

fn pct(x: Option<f64>) -> String {
    crate::output::or_no_data(x, crate::output::pct)
}

fn moved(o: Option<f64>, n: Option<f64>) -> String {
    match (o, n) {
        (Some(a), Some(b)) if (a - b).abs() < 5e-4 => pct(n),
        (Some(a), Some(b)) => format!("{} → {} ({:+.1})", pct(o), pct(n), (b - a) * 100.0),
        _ if o == n => pct(n),
        _ => format!("{} → {}", pct(o), pct(n)),
    }
}

fn table(r: &DiffReport, old: &str, new: &str) -> String {
    let mut out = String::new();
    let v = |x: &Option<String>| {
        x.as_ref()
            .map(|v| format!(" (data {v})"))
            .unwrap_or_default()
    };
    out.push_str(&format!(
        "Changes from {old}{} to {new}{}: {} rows\n",
        v(&r.old_version),
        v(&r.new_version),
        r.rows.len()
    ));
    let mut t = crate::output::table();
    t.set_header(["Table", "Row", "Change"]);
    for d in &r.rows {
        let change = match &d.change {
            RowChange::Added => "added".to_string(),
            RowChange::Removed => "removed".to_string(),
            RowChange::Changed { fields } => fields
                .iter()
                .map(|(f, a, b)| {
                    let short = |x: &str| {
                        if x.chars().count() > 60 {
                            format!("{}…", x.chars().take(60).collect::<String>())
                        } else if x.is_empty() {
                            "(empty)".into()
                        } else {
                            x.to_string()
                        }
                    };
                    format!("{f}: {} → {}", short(a), short(b))
                })
                .collect::<Vec<_>>()
                .join("\n"),
        };
        t.add_row([
            Cell::new(d.table.file()),
            Cell::new(&d.key),
            Cell::new(change),
        ]);
    }
    if !r.rows.is_empty() {
        out.push_str(&format!("{t}\n"));
    }
    let mut e = crate::output::table();
    let mut header = vec!["Coverage".to_string()];
    header.extend(r.at.iter().map(|d| d.to_string()));
    e.set_header(header);
    for c in &r.capabilities {
        let mut row = vec![c.capability.clone()];
        row.extend(c.old.iter().zip(&c.new).map(|(o, n)| moved(*o, *n)));
        e.add_row(row);
    }
    let mut row = vec!["Readiness index".to_string()];
    row.extend(r.index.0.iter().zip(&r.index.1).map(|(o, n)| moved(*o, *n)));
    e.add_row(row);
    out.push_str(&format!(
        "Effect on coverage (old → new, change in points)\n{e}\n"
    ));
    out
}

fn csv(r: &DiffReport) -> Result<String> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(["file", "row", "change", "field", "old", "new"])?;
    for d in &r.rows {
        let file = d.table.file();
        match &d.change {
            RowChange::Added => w.write_record([file, &d.key, "added", "", "", ""])?,
            RowChange::Removed => w.write_record([file, &d.key, "removed", "", "", ""])?,
            RowChange::Changed { fields } => {
                for (f, a, b) in fields {
                    w.write_record([file, &d.key, "changed", f, a, b])?;
                }
            }
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Run `handover diff`.
pub fn run(cli: &Cli, args: &DiffArgs, out: &mut impl Write) -> Result<ExitCode> {
    let old = load(&args.old).with_context(|| format!("cannot read OLD `{}`", args.old))?;
    let new = load(&args.new).with_context(|| format!("cannot read NEW `{}`", args.new))?;
    let (a, b) = (&old.scenario, &new.scenario);
    let at = args.at.unwrap_or(b.scenario.start);
    let (dates, capabilities, index) = effect(a, b, at);
    let report = DiffReport {
        old_version: a.scenario.data_version.clone(),
        new_version: b.scenario.data_version.clone(),
        rows: diff_rows(a, b),
        capabilities,
        index,
        at: dates,
    };
    let text = match cli.format() {
        Format::Table => table(&report, &args.old, &args.new),
        Format::Json => crate::output::json(&report)?,
        Format::Csv => csv(&report)?,
    };
    out.write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
