//! Printing results as tables, JSON and CSV. Field names are stable and
//! documented in docs/OUTPUT.md.

use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, ContentArrangement, Table};
use handover_core::assess::{Assessment, CapabilityAssessment};
use handover_core::validate::{Problem, Severity};
use handover_data::Loaded;
use serde::Serialize;

const NO_DATA: &str = "no data";

/// Pretty JSON with a trailing newline.
pub fn json<T: Serialize>(v: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

pub use handover_report::fmt::{level, money, number, pct};

/// `f(x)`, or "no data".
pub fn or_no_data(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map(f).unwrap_or_else(|| NO_DATA.to_string())
}

fn deadline_cell(c: &CapabilityAssessment, i: usize, currency: &str) -> String {
    let d = &c.deadlines[i];
    let mut s = d.status.to_string();
    match (d.met, d.shortfall) {
        (Some(true), _) => s.push_str("\nmet"),
        (Some(false), Some(u)) => {
            s.push_str(&format!("\nshort {}", level(u)));
            match d.shortfall_cost {
                Some(m) => s.push_str(&format!(" ({})", money(m, currency))),
                None => s.push_str(" (no cost)"),
            }
        }
        _ => {}
    }
    s
}

/// The width tables are fitted to: `$COLUMNS` where set (as shells export
/// it, and to ask for a width when the output is not a terminal), else the
/// terminal's own width, else none (a file or a pipe gets unwrapped lines).
pub fn width() -> Option<u16> {
    let columns = std::env::var("COLUMNS").ok();
    columns
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w >= 20)
        .or_else(|| Table::new().width())
}

/// Below this width the assessment names capabilities by id only.
pub const NARROW: u16 = 100;

/// A text table with the house style, fitted to [`width`].
pub fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(w) = width() {
        t.set_width(w);
    }
    t
}

/// The assessment as text tables.
/// `warnings`: data warnings of the scenario and how to name it (none for a server's answer).
pub fn assess_table(a: &Assessment, warnings: Option<&Loaded>) -> String {
    let mut t = table();
    let narrow = width().is_some_and(|w| w < NARROW);
    let mut header = vec![
        "Capability".to_string(),
        "Level".into(),
        "Target".into(),
        "Coverage".into(),
        "US dep.".into(),
    ];
    header.extend(a.deadlines.iter().map(|d| {
        if narrow {
            d.id.clone()
        } else {
            format!("{} ({})", d.id, d.date)
        }
    }));
    header.push(if narrow { "Reached" } else { "Target reached" }.into());
    t.set_header(header);
    for c in &a.capabilities {
        let mut row = vec![
            Cell::new(if narrow {
                c.id.clone()
            } else {
                format!("{}\n{} [{}]", c.id, c.name, c.unit)
            }),
            Cell::new(or_no_data(c.level, level)).set_alignment(CellAlignment::Right),
            Cell::new(or_no_data(c.target, level)).set_alignment(CellAlignment::Right),
            Cell::new(or_no_data(c.coverage, pct)).set_alignment(CellAlignment::Right),
            Cell::new(or_no_data(c.us_dependency, pct)).set_alignment(CellAlignment::Right),
        ];
        for i in 0..a.deadlines.len() {
            row.push(Cell::new(deadline_cell(c, i, &a.currency)));
        }
        row.push(Cell::new(match (c.reached, c.coverage) {
            (Some(d), _) => d.to_string(),
            (None, Some(_)) => "not within horizon".into(),
            (None, None) => NO_DATA.into(),
        }));
        t.add_row(row);
    }
    if narrow {
        // Ids whole, the other columns wrap.
        let id = a
            .capabilities
            .iter()
            .map(|c| c.id.len())
            .max()
            .unwrap_or(10) as u16;
        if let Some(col) = t.column_mut(0) {
            col.set_constraint(comfy_table::ColumnConstraint::LowerBoundary(
                comfy_table::Width::Fixed(id),
            ));
        }
    }

    let mut out = String::new();
    let version = a
        .data_version
        .as_ref()
        .map(|v| format!(", data version {v}"))
        .unwrap_or_default();
    out.push_str(&format!(
        "Assessment of {}{version} at {} (levels at end of period, {})\n",
        a.scenario, a.at, a.period_end
    ));
    out.push_str(&format!("{t}\n"));
    let included = a.index.included.len();
    let total = a.capabilities.len();
    out.push_str(&format!(
        "Readiness index: {} at {}",
        or_no_data(a.index.at, pct),
        a.period_end
    ));
    for d in &a.deadlines {
        let v = a.index.deadlines.get(&d.id).copied().flatten();
        out.push_str(&format!(
            "; {} at {} ({})",
            or_no_data(v, pct),
            d.id,
            d.date
        ));
    }
    out.push_str(&format!(
        "\n  weighted over {included} of {total} capabilities with data"
    ));
    if !a.index.excluded.is_empty() {
        out.push_str(&format!("; no data: {}", a.index.excluded.join(", ")));
    }
    out.push('\n');
    for (i, d) in a.deadlines.iter().enumerate() {
        let (mut on, mut risk, mut off) = (0, 0, 0);
        for c in &a.capabilities {
            match c.deadlines[i].status {
                handover_core::metrics::Status::OnTrack => on += 1,
                handover_core::metrics::Status::AtRisk => risk += 1,
                handover_core::metrics::Status::OffTrack => off += 1,
                _ => {}
            }
        }
        out.push_str(&format!(
            "Against {}: {on} on track, {risk} at risk, {off} off track\n",
            d.id
        ));
    }
    if !a.unmet.is_empty() {
        out.push_str("Removals that exceed stock (reported, not dropped):\n");
        for u in &a.unmet {
            out.push_str(&format!(
                "  {} {}: {} units unmet, first in the period ending {}\n",
                u.holder,
                u.capability,
                level(u.quantity),
                u.first
            ));
        }
    }
    let noted: Vec<&CapabilityAssessment> = a
        .capabilities
        .iter()
        .filter(|c| !c.notes.is_empty())
        .collect();
    if !noted.is_empty() {
        out.push_str("Notes:\n");
        for c in noted {
            out.push_str(&format!("  {}: {}\n", c.id, c.notes.join("; ")));
        }
    }
    let (warnings, label) = warnings.map_or((0, ""), |loaded| {
        let n = loaded
            .warnings
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count();
        (n, loaded.label.as_str())
    });
    if warnings > 0 {
        out.push_str(&format!(
            "{warnings} data warning{} in {}: run `handover validate` to list them\n",
            if warnings == 1 { "" } else { "s" },
            label
        ));
    }
    out
}

fn opt_num(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

/// The assessment as CSV: one row per capability.
pub fn assess_csv(a: &Assessment) -> Result<String> {
    let mut w = csv::Writer::from_writer(vec![]);
    let mut header: Vec<String> = [
        "at",
        "id",
        "name",
        "unit",
        "kind",
        "weight",
        "level",
        "target",
        "coverage",
        "us_contribution",
        "us_dependency",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for d in &a.deadlines {
        for f in [
            "status",
            "glide",
            "level",
            "coverage",
            "met",
            "shortfall",
            "shortfall_cost",
        ] {
            header.push(format!("{}_{f}", d.id));
        }
    }
    header.extend(["reached".to_string(), "notes".to_string()]);
    w.write_record(&header)?;
    for c in &a.capabilities {
        let mut row = vec![
            a.at.to_string(),
            c.id.clone(),
            c.name.clone(),
            c.unit.clone(),
            c.kind.to_string(),
            format!("{}", c.weight),
            opt_num(c.level),
            opt_num(c.target),
            opt_num(c.coverage),
            opt_num(c.us_contribution),
            opt_num(c.us_dependency),
        ];
        for d in &c.deadlines {
            row.push(d.status.to_string());
            row.push(opt_num(d.glide));
            row.push(opt_num(d.level));
            row.push(opt_num(d.coverage));
            row.push(d.met.map(|m| m.to_string()).unwrap_or_default());
            row.push(opt_num(d.shortfall));
            row.push(opt_num(d.shortfall_cost));
        }
        row.push(c.reached.map(|d| d.to_string()).unwrap_or_default());
        row.push(c.notes.join("; "));
        w.write_record(&row)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Validation problems as text.
pub fn problems_table(problems: &[Problem], label: &str) -> String {
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    let mut out = String::new();
    for p in problems {
        let tag = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{tag}: {p}\n"));
    }
    out.push_str(&format!(
        "{label}: {errors} error{}, {warnings} warning{}\n",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    ));
    out
}

/// Validation problems as CSV.
pub fn problems_csv(problems: &[Problem]) -> Result<String> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "severity", "file", "line", "record", "field", "message", "column",
    ])?;
    for p in problems {
        w.write_record([
            match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            &p.file,
            &p.line.map(|l| l.to_string()).unwrap_or_default(),
            p.record.as_deref().unwrap_or(""),
            &p.field,
            &p.message,
            &p.column.map(|c| c.to_string()).unwrap_or_default(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn q3(q: &handover_core::forecast::Quantiles, f: impl Fn(f64) -> String) -> String {
    format!("{} / {} / {}", f(q.p10), f(q.p50), f(q.p90))
}

/// The forecast as text tables.
pub fn forecast_table(r: &handover_core::forecast::ForecastResult, top: usize) -> String {
    let mut t = table();
    t.set_header(vec![
        "Capability",
        "Deadline",
        "P(met) ± SE",
        "Coverage P10 / P50 / P90",
        "Target reached P10 / P50 / P90",
        "Main drivers (Spearman rho)",
    ]);
    let date = |x: &Option<handover_core::forecast::ReachedAt>| {
        x.map(|a| a.date.to_string())
            .unwrap_or_else(|| "never".into())
    };
    for c in &r.capabilities {
        for d in &c.deadlines {
            let drivers: Vec<String> = d
                .sensitivity
                .iter()
                // What would print as ±0.00 explains nothing; JSON keeps it.
                .filter(|x| x.rho.abs() >= 0.005)
                .take(top)
                .map(|x| format!("{} ({:+.2})", x.input, x.rho))
                .collect();
            t.add_row(vec![
                Cell::new(&c.id),
                Cell::new(&d.deadline),
                Cell::new(format!("{} ± {}", pct(d.p_met), pct(d.p_met_se)))
                    .set_alignment(CellAlignment::Right),
                Cell::new(q3(&d.coverage, pct)),
                Cell::new(format!(
                    "{} / {} / {}{}",
                    date(&c.reached.p10),
                    date(&c.reached.p50),
                    date(&c.reached.p90),
                    if c.reached.share_never > 0.0 {
                        format!("\n{} never within horizon", pct(c.reached.share_never))
                    } else {
                        String::new()
                    }
                )),
                Cell::new(if drivers.is_empty() {
                    "-".to_string()
                } else {
                    drivers.join("\n")
                }),
            ]);
        }
    }
    let mut out = format!(
        "Forecast of {}: {} samples{}, seed {} ({} uncertain input{})\n{t}\n",
        r.scenario,
        r.samples,
        if r.sampling.is_mc() {
            ""
        } else {
            " (Latin hypercube)"
        },
        r.seed,
        r.inputs.len(),
        if r.inputs.len() == 1 { "" } else { "s" }
    );
    if r.inputs.is_empty() {
        out.push_str("No figure in this scenario is a distribution, so every sample is the deterministic run (see docs/FORMAT.md, \"Uncertain figures\").\n");
    }
    if let Some(ix) = &r.index {
        for d in &ix.deadlines {
            out.push_str(&format!(
                "Readiness index at {}: P10 / P50 / P90 = {}\n",
                d.deadline,
                q3(&d.index, pct)
            ));
        }
    }
    if !r.no_data.is_empty() {
        out.push_str(&format!(
            "No data (not forecast): {}\n",
            r.no_data.join(", ")
        ));
    }
    out
}

/// The forecast as CSV: one row per capability and deadline.
pub fn forecast_csv(r: &handover_core::forecast::ForecastResult) -> Result<String> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "seed",
        "samples",
        "capability",
        "deadline",
        "p_met",
        "p_met_se",
        "coverage_p10",
        "coverage_p50",
        "coverage_p90",
        "reached_p10",
        "reached_p50",
        "reached_p90",
        "reached_never",
        "top_input",
        "top_rho",
    ])?;
    let d8 = |x: &Option<handover_core::forecast::ReachedAt>| {
        x.map(|a| a.date.to_string()).unwrap_or_default()
    };
    for c in &r.capabilities {
        for d in &c.deadlines {
            let top = d.sensitivity.first();
            w.write_record([
                r.seed.to_string(),
                r.samples.to_string(),
                c.id.clone(),
                d.deadline.clone(),
                d.p_met.to_string(),
                d.p_met_se.to_string(),
                d.coverage.p10.to_string(),
                d.coverage.p50.to_string(),
                d.coverage.p90.to_string(),
                d8(&c.reached.p10),
                d8(&c.reached.p50),
                d8(&c.reached.p90),
                c.reached.share_never.to_string(),
                top.map(|x| x.input.clone()).unwrap_or_default(),
                top.map(|x| x.rho.to_string()).unwrap_or_default(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// The fan chart as CSV: `date, series, p10, p50, p90` per period.
pub fn fan_csv(r: &handover_core::forecast::ForecastResult) -> Result<String> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(["seed", "samples", "date", "series", "p10", "p50", "p90"])?;
    for s in &r.fan.series {
        let name = s.capability.clone().unwrap_or_else(|| "index".into());
        for (k, date) in r.fan.dates.iter().enumerate() {
            w.write_record([
                r.seed.to_string(),
                r.samples.to_string(),
                date.to_string(),
                name.clone(),
                s.p10[k].to_string(),
                s.p50[k].to_string(),
                s.p90[k].to_string(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// The sources behind each capability's figures (`assess --sources`).
pub fn sources_table(s: &handover_core::scenario::Scenario) -> String {
    let mut t = table();
    t.set_header(["Capability", "Source", "Grade", "Link"]);
    for c in &s.capabilities {
        for (i, item) in s.sources_of(&c.id).into_iter().enumerate() {
            let x = s.citation(item);
            t.add_row([
                if i == 0 { c.id.clone() } else { String::new() },
                x.citation,
                x.grade.map(|g| g.to_string()).unwrap_or_default(),
                x.link.unwrap_or_default(),
            ]);
        }
    }
    format!("\nSources\n{t}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(number(1_500_000.0, 0), "1,500,000");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(number(12.5, 1), "12.5");
        assert_eq!(number(-1234.0, 0), "-1,234");
        assert_eq!(level(0.5), "0.5");
        assert_eq!(pct(0.525), "52.5%");
        assert_eq!(money(3.0e8, "EUR"), "€300m");
        assert_eq!(money(1.25e9, "EUR"), "€1.2bn");
        assert_eq!(money(5.0e3, "NOK"), "5,000 NOK");
    }
}
