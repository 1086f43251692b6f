//! Reports people can publish: `handover report`.
//!
//! [`Report::build`] gathers everything a reader needs from one assessment
//! (and, where asked for, a forecast) into one serialisable document: the
//! summary, per capability the level against its target over time with the
//! glide paths, US dependency, holdings by nation, production lines with
//! their backlog and lead times, shortfall in units and money, P(met) with its
//! standard error, the fan chart and the sensitivity ranking; then every
//! source behind the figures shown, and what is needed to reproduce it (the
//! scenario's content hash, the seed, the tool version).
//!
//! [`render::html`] writes it as one self-contained page (styles and SVG
//! charts inline, nothing loaded from the network), [`render::markdown`] as
//! Markdown with the charts as separate SVG files, and the [`Report`] itself
//! serialises to JSON. Pure: no files, no clock.
#![warn(missing_docs)]

pub mod charts;
pub mod fmt;
pub mod render;

use chrono::NaiveDate;
use handover_core::assess::{Assessment, CapabilityAssessment, CapabilitySeries};
use handover_core::forecast::{CapabilityForecast, FanSeries, ForecastResult, IndexDeadline};
use handover_core::metrics::Status;
use handover_core::plan::Plan;
use handover_core::scenario::{source_items, Citation, Provenance};
use handover_core::trigger::CheckReport;
use handover_core::{Evaluation, Scenario};
use serde::Serialize;
use std::collections::BTreeMap;

/// What went into a report, so anyone can reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reproduce {
    /// SHA-256 of the scenario's JSON document (`handover export --format json`).
    pub content_hash: String,
    /// Version of handover that wrote the report.
    pub tool_version: String,
    /// Date assessed.
    pub at: NaiveDate,
    /// Forecast seed, if a forecast was run.
    pub seed: Option<u64>,
    /// Forecast samples, if a forecast was run.
    pub samples: Option<u64>,
    /// The command that reproduces the report's figures, as one line to
    /// paste into a shell (arguments quoted where they need it).
    pub command: String,
    /// The same command's arguments after `handover`, one per element.
    pub arguments: Vec<String>,
}

/// Status counts against one deadline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCount {
    /// Deadline id.
    pub deadline: String,
    /// Deadline date.
    pub date: NaiveDate,
    /// Readiness index projected at the deadline.
    pub index: Option<f64>,
    /// Forecast P10/P50/P90 of the index at the deadline.
    pub index_forecast: Option<IndexDeadline>,
    /// Capabilities on track.
    pub on_track: usize,
    /// Capabilities at risk.
    pub at_risk: usize,
    /// Capabilities off track.
    pub off_track: usize,
    /// Capabilities without data.
    pub no_data: usize,
}

/// The summary at the top of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Readiness index at the assessed date.
    pub index: Option<f64>,
    /// Capabilities in the index.
    pub included: Vec<String>,
    /// Capabilities without data, left out of the index.
    pub excluded: Vec<String>,
    /// Per deadline: index and status counts.
    pub deadlines: Vec<StatusCount>,
}

/// One holder's stock of a capability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldingRow {
    /// Nation code or group.
    pub holder: String,
    /// Whether it counts as European.
    pub european: bool,
    /// Quantity at the scenario's start.
    pub at_start: f64,
    /// Projected quantity at the assessed date.
    pub at_date: f64,
}

/// One order on a line, as projected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderRow {
    /// Order id.
    pub id: String,
    /// Buyer nation.
    pub buyer: String,
    /// Units ordered.
    pub quantity: f64,
    /// Order date.
    pub date: NaiveDate,
    /// End of the period of the first delivery (`None`: none within the horizon).
    pub first_delivery: Option<NaiveDate>,
    /// End of the period of the last delivery (`None`: not complete within the horizon).
    pub completed: Option<NaiveDate>,
    /// Units still open at the horizon.
    pub open_at_end: f64,
}

/// A production line of a capability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineRow {
    /// Line id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Producer nation.
    pub nation: String,
    /// Whether it is in Europe.
    pub european: bool,
    /// Minimum lead time in months.
    pub lead_time_months: u32,
    /// Unit cost, if known.
    pub unit_cost: Option<f64>,
    /// Capacity at the assessed date, units per year.
    pub capacity_per_year: f64,
    /// Units ordered by the assessed date and not yet delivered.
    pub backlog: f64,
    /// Orders, in the order the line serves them (FIFO by date).
    pub orders: Vec<OrderRow>,
}

/// Everything the report says about one capability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapabilityReport {
    /// The assessment (level, target, coverage, dependency, deadlines, notes).
    pub assessment: CapabilityAssessment,
    /// Per-period level, coverage and glide paths.
    pub series: Option<CapabilitySeries>,
    /// Holdings by holder.
    pub holdings: Vec<HoldingRow>,
    /// Production lines.
    pub lines: Vec<LineRow>,
    /// The forecast, if one was run and the capability has data.
    pub forecast: Option<CapabilityForecast>,
    /// The fan chart (P10/P50/P90 of coverage per period), if forecast.
    pub fan: Option<FanSeries>,
    /// Every source behind this capability's figures.
    pub sources: Vec<Citation>,
}

/// A source and the figures it backs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRow {
    /// The source as a reader sees it.
    #[serde(flatten)]
    pub cited: Citation,
    /// Figures it backs, e.g. `requirement iamd-long`.
    pub backs: Vec<String>,
    /// Whether any of those figures is an estimate.
    pub estimate: bool,
}

/// A whole report. Serialises to the JSON of `handover report --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// The version of the data (scenario.toml `data_version`), if it names one.
    pub data_version: Option<String>,
    /// Scenario description.
    pub description: Option<String>,
    /// Date assessed.
    pub at: NaiveDate,
    /// End of the period containing it.
    pub period_end: NaiveDate,
    /// Scenario start.
    pub start: NaiveDate,
    /// Scenario horizon.
    pub horizon: NaiveDate,
    /// Currency of money figures.
    pub currency: String,
    /// Status tolerance.
    pub tolerance: f64,
    /// Dates of the per-period series.
    pub dates: Vec<NaiveDate>,
    /// The summary.
    pub summary: Summary,
    /// Per capability, in catalogue order.
    pub capabilities: Vec<CapabilityReport>,
    /// The scenario's benchmarks, evaluated at the report's date.
    pub triggers: Option<CheckReport>,
    /// A procurement plan, if one was asked for.
    pub plan: Option<Plan>,
    /// Every source behind the figures shown.
    pub sources: Vec<SourceRow>,
    /// How to reproduce it.
    pub reproduce: Reproduce,
}

/// The inputs of [`Report::build`].
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The validated scenario.
    pub scenario: &'a Scenario,
    /// Its evaluation (the deterministic projection).
    pub evaluation: &'a Evaluation,
    /// The assessment at the report's date, with series.
    pub assessment: &'a Assessment,
    /// A forecast, if one was run.
    pub forecast: Option<&'a ForecastResult>,
    /// The scenario's triggers, evaluated (with the same forecast).
    pub triggers: Option<&'a CheckReport>,
    /// A procurement plan, if one was asked for.
    pub plan: Option<&'a Plan>,
    /// The scenario's content hash.
    pub content_hash: &'a str,
    /// The tool's version.
    pub tool_version: &'a str,
    /// The `--scenario` argument as the user gave it (a relative path stays
    /// relative); `None` for the bundled data. The reproduce command names
    /// it, and uncertain inputs are named relative to it.
    pub scenario_path: Option<&'a str>,
    /// The plan options as the user gave them (`--budget`, `40e9/year`,
    /// ...), for the reproduce command when there is a plan.
    pub plan_options: &'a [String],
}

/// The arguments of `handover` that make this report again: the scenario
/// as given, the date, the forecast's samples and seed (or
/// `--no-forecast`), and `--plan` with its options when there is a plan.
pub fn reproduce_arguments(
    scenario_path: Option<&str>,
    at: NaiveDate,
    forecast: Option<(u64, u64)>,
    plan_options: Option<&[String]>,
) -> Vec<String> {
    let mut args = vec!["report".to_string()];
    if let Some(p) = scenario_path {
        args.extend(["--scenario".to_string(), p.to_string()]);
    }
    args.extend(["--at".to_string(), at.to_string()]);
    match forecast {
        Some((samples, seed)) => args.extend([
            "--samples".to_string(),
            samples.to_string(),
            "--seed".to_string(),
            seed.to_string(),
        ]),
        None => args.push("--no-forecast".to_string()),
    }
    if let Some(options) = plan_options {
        args.push("--plan".to_string());
        args.extend(options.iter().cloned());
    }
    args
}

/// `handover` and the arguments as one shell line: an argument with
/// anything but letters, digits and `_-./:=+,@%` is single-quoted.
pub fn shell_command(args: &[String]) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:=+,@%".contains(c);
    let mut line = String::from("handover");
    for a in args {
        line.push(' ');
        if !a.is_empty() && a.chars().all(safe) {
            line.push_str(a);
        } else {
            line.push('\'');
            line.push_str(&a.replace('\'', "'\\''"));
            line.push('\'');
        }
    }
    line
}

impl Report {
    /// Gather a report. The assessment must have been made with series.
    pub fn build(input: ReportInput<'_>) -> Report {
        let ReportInput {
            scenario: s,
            evaluation: eval,
            assessment: a,
            forecast,
            triggers,
            plan,
            content_hash,
            tool_version,
            scenario_path,
            plan_options,
        } = input;
        let model = &eval.model;
        let proj = &eval.projection;
        let cal = model.calendar;
        let k = a.period;

        // Sources, keyed by source, with the figures they back (each
        // capability's own list is `Scenario::sources_of`).
        let mut sources: BTreeMap<String, (Vec<String>, bool)> = BTreeMap::new();
        let mut note = |p: &Provenance, what: String| {
            for src in p.source.as_deref().map(source_items).into_iter().flatten() {
                let e = sources.entry(src.to_string()).or_default();
                if !e.0.contains(&what) {
                    e.0.push(what.clone());
                }
                e.1 |= p.estimate;
            }
        };
        for r in &s.requirements {
            note(&r.provenance, format!("requirement {}", r.capability));
        }
        for h in &s.holdings {
            note(
                &h.provenance,
                format!("holding {} {}", h.holder, h.capability),
            );
        }
        for u in &s.us_contributions {
            note(&u.provenance, format!("US contribution {}", u.capability));
        }
        let lines: std::collections::BTreeSet<&str> =
            s.lines.iter().map(|l| l.id.as_str()).collect();
        let known = |line: &str| lines.contains(line);
        for l in &s.lines {
            note(&l.provenance, format!("line {}", l.id));
        }
        for c in s.capacity.iter().filter(|c| known(&c.line)) {
            note(
                &c.provenance,
                format!("capacity {} from {}", c.line, c.date),
            );
        }
        for o in s.orders.iter().filter(|o| known(&o.line)) {
            note(&o.provenance, format!("order {}", o.id));
        }

        let series = a.series.as_ref();
        let capabilities = a
            .capabilities
            .iter()
            .map(|ca| {
                let ci = s
                    .capabilities
                    .iter()
                    .position(|c| c.id == ca.id)
                    .expect("assessed capabilities come from the scenario");
                let holdings = model
                    .stocks
                    .iter()
                    .enumerate()
                    .filter(|(_, st)| st.capability == ci)
                    .map(|(i, st)| HoldingRow {
                        holder: st.holder.clone(),
                        european: st.european,
                        at_start: st.initial,
                        at_date: proj.stock[i].get(k).copied().unwrap_or(st.initial),
                    })
                    .collect();
                let lines = s
                    .lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.capability == ca.id)
                    .map(|(li, l)| {
                        let lm = &model.lines[li];
                        let mut orders: Vec<usize> = lm.orders.clone();
                        orders.sort_by_key(|&o| model.orders[o].date);
                        LineRow {
                            id: l.id.clone(),
                            name: l.name.clone(),
                            nation: l.nation.clone(),
                            european: lm.european,
                            lead_time_months: l.lead_time_months,
                            unit_cost: l.unit_cost,
                            capacity_per_year: eval.line_capacity_per_year(li, k),
                            backlog: eval.line_backlog(li, k),
                            orders: orders
                                .into_iter()
                                .map(|o| {
                                    let so = &s.orders[o];
                                    let end =
                                        |p: Option<usize>| p.map(|p| cal.period_end(p as i64));
                                    OrderRow {
                                        id: so.id.clone(),
                                        buyer: so.buyer.clone(),
                                        quantity: so.quantity,
                                        date: so.date,
                                        first_delivery: end(proj.first_delivery[o]),
                                        completed: end(proj.completed[o]),
                                        open_at_end: proj.open_at_end[o],
                                    }
                                })
                                .collect(),
                        }
                    })
                    .collect();
                let fc = forecast
                    .and_then(|f| f.capabilities.iter().find(|c| c.id == ca.id))
                    .cloned();
                let fan = forecast.and_then(|f| {
                    f.fan
                        .series
                        .iter()
                        .find(|x| x.capability.as_deref() == Some(ca.id.as_str()))
                });
                CapabilityReport {
                    assessment: ca.clone(),
                    series: series.and_then(|x| x.capabilities.get(&ca.id)).cloned(),
                    holdings,
                    lines,
                    forecast: fc,
                    fan: fan.cloned(),
                    sources: s
                        .sources_of(&ca.id)
                        .into_iter()
                        .map(|x| s.citation(x))
                        .collect(),
                }
            })
            .collect();

        let deadlines = a
            .deadlines
            .iter()
            .map(|d| {
                let mut count = StatusCount {
                    deadline: d.id.clone(),
                    date: d.date,
                    index: a.index.deadlines.get(&d.id).copied().flatten(),
                    index_forecast: forecast
                        .and_then(|f| f.index.as_ref())
                        .and_then(|i| i.deadlines.iter().find(|x| x.deadline == d.id))
                        .cloned(),
                    on_track: 0,
                    at_risk: 0,
                    off_track: 0,
                    no_data: 0,
                };
                for c in &a.capabilities {
                    match c
                        .deadlines
                        .iter()
                        .find(|x| x.deadline == d.id)
                        .map(|x| x.status)
                    {
                        Some(Status::OnTrack) => count.on_track += 1,
                        Some(Status::AtRisk) => count.at_risk += 1,
                        Some(Status::OffTrack) => count.off_track += 1,
                        Some(Status::NoData) => count.no_data += 1,
                        _ => {}
                    }
                }
                count
            })
            .collect();

        let arguments = reproduce_arguments(
            scenario_path,
            a.at,
            forecast.map(|f| (f.samples, f.seed)),
            plan.map(|_| plan_options),
        );
        Report {
            scenario: a.scenario.clone(),
            data_version: a.data_version.clone(),
            description: s.scenario.description.clone(),
            at: a.at,
            period_end: a.period_end,
            start: a.start,
            horizon: a.horizon,
            currency: a.currency.clone(),
            tolerance: a.tolerance,
            dates: series.map(|x| x.dates.clone()).unwrap_or_default(),
            summary: Summary {
                index: a.index.at,
                included: a.index.included.clone(),
                excluded: a.index.excluded.clone(),
                deadlines,
            },
            capabilities,
            triggers: triggers.cloned(),
            plan: plan.cloned(),
            sources: sources
                .into_iter()
                .map(|(source, (backs, estimate))| SourceRow {
                    cited: s.citation(&source),
                    backs,
                    estimate,
                })
                .collect(),
            reproduce: Reproduce {
                content_hash: content_hash.to_string(),
                tool_version: tool_version.to_string(),
                at: a.at,
                seed: forecast.map(|f| f.seed),
                samples: forecast.map(|f| f.samples),
                command: shell_command(&arguments),
                arguments,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handover_core::build::ScenarioBuilder;

    /// One line, 12 a year (1 a month) from the start, lead time 3 months;
    /// an order of 6 placed before the start (2 delivered) and one of 5 in
    /// March 2026.
    fn scenario() -> Scenario {
        ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
            .nation("DE", &["EUROPE"])
            .nation("US", &["NATO"])
            .stock("sam", 30.0)
            .holding("DE", "sam", 10.0)
            .us("sam", 10.0)
            .line("l", "sam", "DE", 3)
            .unit_cost("l", 2.0)
            .capacity("l", "2026-01-01", 12.0)
            .order("o1", "DE", "l", 6.0, "2025-06-01")
            .delivered(2.0)
            .order("o2", "DE", "l", 5.0, "2026-03-01")
            .with(|s| {
                s.lines[0].provenance.source = Some("https://a.example ; https://b.example".into());
                s.requirements[0].provenance.source = Some("https://a.example".into());
                s.requirements[0].provenance.estimate = true;
            })
            .build()
    }

    fn report_at(at: &str) -> Report {
        let s = scenario();
        let eval = Evaluation::new(&handover_core::build::valid(s.clone()));
        let a = eval.assess(&s, at.parse().unwrap(), true).unwrap();
        Report::build(ReportInput {
            scenario: &s,
            evaluation: &eval,
            assessment: &a,
            forecast: None,
            triggers: None,
            plan: None,
            content_hash: "h",
            tool_version: "v",
            scenario_path: None,
            plan_options: &[],
        })
    }

    #[test]
    fn lines_show_backlog_and_fifo_dates() {
        // End of Feb 2026: o1's 4 open units arrive Jan-Apr; 2 delivered by
        // Feb, so 2 open; o2 is not placed yet.
        let r = report_at("2026-02-15");
        let line = &r.capabilities[0].lines[0];
        assert_eq!(line.backlog, 2.0);
        assert_eq!(line.capacity_per_year, 12.0);
        assert_eq!(
            line.orders[0].first_delivery.unwrap().to_string(),
            "2026-01-31"
        );
        assert_eq!(line.orders[0].completed.unwrap().to_string(), "2026-04-30");
        // o2 (eligible from June) is served in June-October.
        assert_eq!(
            line.orders[1].first_delivery.unwrap().to_string(),
            "2026-06-30"
        );
        assert_eq!(line.orders[1].completed.unwrap().to_string(), "2026-10-31");
        // End of March: o1 has 1 open, o2 is placed with 5: backlog 6.
        assert_eq!(
            report_at("2026-03-31").capabilities[0].lines[0].backlog,
            6.0
        );
        let h = &report_at("2026-03-31").capabilities[0].holdings[0];
        assert_eq!((h.at_start, h.at_date), (10.0, 13.0));
    }

    #[test]
    fn sources_are_split_and_name_what_they_back() {
        let r = report_at("2026-02-15");
        let a = r
            .sources
            .iter()
            .find(|x| x.cited.source == "https://a.example")
            .unwrap();
        assert_eq!(a.backs, ["requirement sam", "line l"]);
        assert!(a.estimate);
        let b = r
            .sources
            .iter()
            .find(|x| x.cited.source == "https://b.example")
            .unwrap();
        assert!(!b.estimate);
        let cap: Vec<&str> = r.capabilities[0]
            .sources
            .iter()
            .map(|x| x.source.as_str())
            .collect();
        assert_eq!(cap, ["https://a.example", "https://b.example"]);
        assert_eq!(
            r.capabilities[0].sources[0].link.as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            r.reproduce.command,
            "handover report --at 2026-02-15 --no-forecast"
        );
        assert_eq!(
            r.reproduce.arguments,
            ["report", "--at", "2026-02-15", "--no-forecast"]
        );
    }

    /// The text of each element `<tag ...>...</tag>` in `html`.
    fn elements<'h>(html: &'h str, tag: &str) -> Vec<&'h str> {
        let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
        html.match_indices(&open)
            .filter(|(i, _)| {
                let next = html[i + open.len()..].chars().next();
                matches!(next, Some(' ' | '>'))
            })
            .map(|(i, _)| &html[i..i + html[i..].find(&close).unwrap() + close.len()])
            .collect()
    }

    /// A CSS length in CSS pixels (96 a inch), if it is an absolute one.
    fn css_px(value: &str) -> Option<f64> {
        let v = value.trim();
        let split = v.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (n, unit) = v.split_at(split);
        let n: f64 = n.parse().ok()?;
        let per = match unit.trim() {
            "px" => 1.0,
            "mm" => 96.0 / 25.4,
            "cm" => 96.0 / 2.54,
            "in" => 96.0,
            "pt" => 96.0 / 72.0,
            _ => return None,
        };
        Some(n * per)
    }

    #[test]
    fn html_is_accessible_and_prints_on_a4() {
        let r = report_at("2026-02-15");
        let html = render::html(&r);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        // Every chart is a named image.
        let svgs = elements(&html, "svg");
        assert!(!svgs.is_empty());
        for svg in &svgs {
            let head = &svg[..svg.find('>').unwrap()];
            assert!(head.contains(" role=\"img\""), "{head}");
            let label = head.split("aria-label=\"").nth(1).unwrap();
            let label = &label[..label.find('"').unwrap()];
            assert!(label.starts_with("sam (sam): European level"), "{label}");
            assert!(svg.contains(&format!("<title>{label}</title>")));
        }
        // Every table has a caption first; every header cell has a scope;
        // column headers are in a thead.
        let tables = elements(&html, "table");
        assert!(tables.len() >= 4, "{}", tables.len());
        for t in &tables {
            assert!(
                t.starts_with("<table>\n<caption>"),
                "{}",
                &t[..80.min(t.len())]
            );
            assert!(elements(t, "caption")[0].len() > "<caption></caption>".len() + 10);
            for th in elements(t, "th") {
                assert!(
                    th.starts_with("<th scope=\"col\">") || th.starts_with("<th scope=\"row\">"),
                    "{th}"
                );
            }
            if let Some(head) = elements(t, "thead").first() {
                assert!(!head.contains("<td"), "{head}");
                assert!(head.contains("<th scope=\"col\">"), "{head}");
            } else {
                assert!(
                    !t.contains("scope=\"col\""),
                    "column headers outside a thead"
                );
            }
        }
        // The deadline table says which figures are now and which at the deadline.
        assert!(html.contains(
            "<th scope=\"col\">Status at 2026-02-28</th><th scope=\"col\">Glide path at 2026-02-28</th>\
             <th scope=\"col\">Level at deadline</th><th scope=\"col\">Coverage at deadline</th>"
        ));
        // Printing: A4 with 15 mm margins; capability sections and figures
        // kept whole; no width wider than A4's printable 180 mm outside the
        // screen-only rules.
        let style = elements(&html, "style")[0];
        assert!(
            style.contains("@page { size: A4; margin: 15mm; }"),
            "{style}"
        );
        let print = &style[style.find("@media print {").expect("a print stylesheet")..];
        assert!(
            print.contains(".cap, figure, tr { break-inside: avoid; page-break-inside: avoid; }")
        );
        assert!(print.contains(".chart svg { width: 100%;"));
        let screen_start = style.find("@media screen {").unwrap();
        let mut depth = 0;
        let screen_end = screen_start
            + style[screen_start..]
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    c == '}' && depth == 0
                })
                .unwrap()
                .0;
        let outside_screen = format!("{}{}", &style[..screen_start], &style[screen_end..]);
        let a4_printable = css_px("180mm").unwrap();
        for (i, _) in outside_screen.match_indices("width:") {
            let value = &outside_screen[i + "width:".len()..];
            let value = &value[..value.find([';', '}']).unwrap()];
            if let Some(px) = css_px(value) {
                assert!(px <= a4_printable, "width:{value} is wider than A4");
            }
        }
        assert!(style[screen_start..screen_end].contains("max-width: 980px"));
    }

    #[test]
    fn reproduce_names_the_scenario_as_given_and_the_plan_options() {
        let at = "2026-06-30".parse().unwrap();
        let plan: Vec<String> = ["--budget", "40e9/year", "--deadline", "eu-2030"]
            .map(String::from)
            .into();
        let args = reproduce_arguments(Some("mine/"), at, Some((2000, 3)), Some(&plan));
        assert_eq!(
            shell_command(&args),
            "handover report --scenario mine/ --at 2026-06-30 --samples 2000 --seed 3 \
             --plan --budget 40e9/year --deadline eu-2030"
        );
        // The bundled data: no --scenario; no plan: no --plan.
        let args = reproduce_arguments(None, at, None, None);
        assert_eq!(args, ["report", "--at", "2026-06-30", "--no-forecast"]);
        // An argument a shell would split or expand is quoted.
        let odd = ["my scen's/".to_string(), "a$b".to_string(), String::new()];
        assert_eq!(shell_command(&odd), "handover 'my scen'\\''s/' 'a$b' ''");
    }

    #[test]
    fn sensitivity_in_a_report_names_inputs_relative_to_the_scenario() {
        use handover_core::forecast::Forecast;
        use handover_core::projection::Model;
        use handover_core::scenario::{Origin, Table, Uncertainty};
        let mut s = scenario();
        s.uncertainty = vec![Uncertainty {
            table: Table::Holdings,
            row: 0,
            field: "quantity".into(),
            distribution: handover_core::distribution::Distribution::parse("uniform(5, 15)")
                .unwrap(),
            origin: Origin::line("/home/x/scen/holdings.csv", 2),
        }];
        let eval = Evaluation::new(&handover_core::build::valid(s.clone()));
        let a = eval
            .assess(&s, "2026-02-15".parse().unwrap(), true)
            .unwrap();
        let model = Model::compile(&handover_core::build::valid(s.clone()));
        let inputs = handover_core::uncertainty::uncertain_inputs(&s, &model);
        // The same label as the CLI and the dashboard give: no folder.
        assert_eq!(inputs[0].id, "holdings.csv:2 quantity");
        let f = Forecast::new(&s, &model, inputs, 200, 1).unwrap().run();
        let r = Report::build(ReportInput {
            scenario: &s,
            evaluation: &eval,
            assessment: &a,
            forecast: Some(&f),
            triggers: None,
            plan: None,
            content_hash: "h",
            tool_version: "v",
            scenario_path: Some("/home/x/scen"),
            plan_options: &[],
        });
        let names: Vec<&str> = r.capabilities[0]
            .forecast
            .iter()
            .flat_map(|f| &f.deadlines)
            .flat_map(|d| &d.sensitivity)
            .map(|x| x.input.as_str())
            .collect();
        assert!(!names.is_empty(), "{:?}", r.capabilities[0].forecast);
        assert!(
            names.iter().all(|n| *n == "holdings.csv:2 quantity"),
            "{names:?}"
        );
        // Only the reproduce command names the scenario as given.
        let mut json = serde_json::to_value(&r).unwrap();
        json["reproduce"] = serde_json::Value::Null;
        let json = json.to_string();
        let html = render::html(&r).replace(&r.reproduce.command, "");
        let md = render::markdown(&r)[0].1.replace(&r.reproduce.command, "");
        for (what, text) in [("json", &json), ("html", &html), ("md", &md)] {
            assert!(
                !text.contains("/home/x"),
                "{what} names the scenario's folder"
            );
        }
        assert!(html.contains("holdings.csv:2 quantity"));
        assert_eq!(
            r.reproduce.command,
            "handover report --scenario /home/x/scen --at 2026-02-15 --samples 200 --seed 1"
        );
    }

    #[test]
    fn summary_counts_statuses_per_deadline() {
        let r = report_at("2026-02-15");
        let d = &r.summary.deadlines[0];
        assert_eq!(d.deadline, "us-2027");
        assert_eq!(d.on_track + d.at_risk + d.off_track + d.no_data, 1);
        let html = render::html(&r);
        assert!(html.contains("<svg") && html.contains("a.example"));
        assert!(!html.contains("{{"), "every template value rendered");
        let md = render::markdown(&r);
        assert_eq!(md[0].0, "report.md");
        assert!(md[1..]
            .iter()
            .all(|(p, t)| p.starts_with("charts/") && t.starts_with("<svg")));
    }
}
