//! A [`Report`] as a self-contained HTML page or as Markdown with SVG files.
//!
//! Both go through one view (numbers formatted as in the CLI's tables) and
//! minijinja templates embedded in the binary; HTML escapes every value, and
//! only the charts (drawn by [`crate::charts`]) are inserted as markup.

use crate::charts;
use crate::fmt::{level, money, number, pct};
use crate::Report;
use handover_core::metrics::Status;
use minijinja::value::{Serde, Value};
use minijinja::{context, Environment};
use serde::Serialize;

const NO_DATA: &str = "no data";
const HTML: &str = include_str!("templates/report.html");
const MD: &str = include_str!("templates/report.md");

#[derive(Serialize)]
struct DeadlineView {
    id: String,
    date: String,
    status: String,
    class: &'static str,
    glide: String,
    level: String,
    coverage: String,
    shortfall: String,
}

#[derive(Serialize)]
struct ForecastRow {
    deadline: String,
    p_met: String,
    coverage: String,
    drivers: String,
}

#[derive(Serialize)]
struct CapView {
    id: String,
    name: String,
    unit: String,
    area: String,
    kind: String,
    level: String,
    target: String,
    coverage: String,
    us_contribution: String,
    us_dependency: String,
    reached: String,
    has_data: bool,
    deadlines: Vec<DeadlineView>,
    notes: Vec<String>,
    holdings: Vec<[String; 4]>,
    lines: Vec<LineView>,
    forecast: Vec<ForecastRow>,
    forecast_reached: String,
    level_chart: Option<String>,
    fan_chart: Option<String>,
    tornado_chart: Option<String>,
    sources: Vec<handover_core::scenario::Citation>,
}

#[derive(Serialize)]
struct LineView {
    id: String,
    name: String,
    nation: String,
    european: &'static str,
    lead: String,
    unit_cost: String,
    capacity: String,
    backlog: String,
    orders: Vec<[String; 6]>,
}

#[derive(Serialize)]
struct TriggerView {
    id: String,
    severity: String,
    state: String,
    class: &'static str,
    rule: String,
    figures: Vec<String>,
    action: String,
    source: String,
}

fn triggers(r: &Report) -> Vec<TriggerView> {
    use handover_core::trigger::State;
    let Some(t) = &r.triggers else {
        return vec![];
    };
    let mut rows: Vec<TriggerView> = t
        .triggers
        .iter()
        .map(|o| TriggerView {
            id: o.id.clone(),
            severity: o.severity.to_string(),
            state: o.state.to_string(),
            class: match o.state {
                State::Fires => "off",
                State::Holds => "on",
                State::Unknown | State::Suppressed => "none",
            },
            rule: o.rule.clone(),
            figures: o.figures.clone(),
            action: o.action.clone(),
            source: o.source.clone().unwrap_or_default(),
        })
        .collect();
    // Firing triggers first, the most severe first; input order otherwise.
    let rank = |v: &TriggerView| {
        let state = match v.state.as_str() {
            "fires" => 0,
            "unknown" => 1,
            _ => 2,
        };
        let sev = match v.severity.as_str() {
            "critical" => 0,
            "warning" => 1,
            _ => 2,
        };
        (state, sev)
    };
    rows.sort_by_key(rank);
    rows
}

#[derive(Serialize)]
struct PlanView {
    headline: String,
    orders: Vec<[String; 8]>,
    capabilities: Vec<[String; 4]>,
    budget: Vec<[String; 4]>,
    bottlenecks: String,
    unreachable: Vec<[String; 3]>,
    shares: Vec<[String; 3]>,
    notes: Vec<String>,
}

fn plan_view(r: &Report) -> Option<PlanView> {
    let p = r.plan.as_ref()?;
    let cur = &p.currency;
    let date = |d: Option<chrono::NaiveDate>| {
        d.map_or("not within horizon".to_string(), |d| d.to_string())
    };
    let headline = format!(
        "Objective: {} by {} ({}), orders from {}{}{}. {} orders costing {} in whole units; readiness index at the deadline {} without the plan, {} with it ({} as the LP solved it in continuous quantities).",
        p.objective,
        p.deadline,
        p.deadline_date,
        p.from,
        p.budget_per_year
            .map_or(String::new(), |b| format!(", budget {} a year", money(b, cur))),
        p.min_european_content
            .map_or(String::new(), |c| format!(", lines with at least {} European content", pct(c))),
        p.orders.len(),
        money(p.total_cost_rounded, cur),
        opt(p.index_before, pct),
        opt(p.index_rounded, pct),
        opt(p.index_after, pct),
    );
    Some(PlanView {
        headline,
        orders: p
            .orders
            .iter()
            .map(|o| {
                [
                    o.date.to_string(),
                    o.line.clone(),
                    o.capability.clone(),
                    level(o.units),
                    money(o.cost_rounded, cur),
                    date(o.first_delivery),
                    date(o.last_delivery),
                    if o.us_export_approval { "yes" } else { "" }.to_string(),
                ]
            })
            .collect(),
        capabilities: p
            .capabilities
            .iter()
            .filter(|c| c.bought > 0.0 || c.not_plannable.is_none())
            .map(|c| {
                [
                    c.capability.clone(),
                    opt(c.coverage_before, pct),
                    opt(c.coverage_rounded, pct),
                    c.not_plannable.clone().unwrap_or_default(),
                ]
            })
            .collect(),
        budget: p
            .budget
            .iter()
            .map(|b| {
                [
                    b.year.to_string(),
                    opt(b.budget, |x| money(x, cur)),
                    money(b.used_rounded, cur),
                    if b.exhausted { "used up" } else { "" }.to_string(),
                ]
            })
            .collect(),
        bottlenecks: {
            let b: Vec<&str> = p
                .lines
                .iter()
                .filter(|l| l.bottleneck)
                .map(|l| l.line.as_str())
                .collect();
            if b.is_empty() {
                "none".into()
            } else {
                b.join(", ")
            }
        },
        unreachable: p
            .unreachable
            .iter()
            .map(|u| [u.capability.clone(), date(u.earliest), u.reason.clone()])
            .collect(),
        shares: p
            .shares
            .iter()
            .map(|n| {
                [
                    n.nation.clone(),
                    money(n.per_year, cur),
                    opt(n.pct_gdp, pct),
                ]
            })
            .collect(),
        notes: p.notes.clone(),
    })
}

#[derive(Serialize)]
struct SummaryRow {
    deadline: String,
    date: String,
    index: String,
    index_forecast: String,
    on_track: usize,
    at_risk: usize,
    off_track: usize,
    no_data: usize,
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map(f).unwrap_or_else(|| NO_DATA.into())
}

fn class(s: Status) -> &'static str {
    match s {
        Status::OnTrack => "on",
        Status::AtRisk => "risk",
        Status::OffTrack => "off",
        _ => "none",
    }
}

/// Where charts go: inline SVG (HTML) or a file per chart (Markdown).
enum Charts<'a> {
    Inline,
    Files(&'a mut Vec<(String, String)>),
}

impl Charts<'_> {
    fn place(&mut self, name: String, svg: String) -> String {
        match self {
            Charts::Inline => svg,
            Charts::Files(files) => {
                let path = format!("charts/{name}.svg");
                files.push((path.clone(), svg));
                path
            }
        }
    }
}

fn views(r: &Report, charts: &mut Charts<'_>) -> Vec<CapView> {
    let deadlines: Vec<(String, chrono::NaiveDate)> = r
        .summary
        .deadlines
        .iter()
        .map(|d| (d.deadline.clone(), d.date))
        .collect();
    r.capabilities
        .iter()
        .map(|c| {
            let a = &c.assessment;
            let unit = a.unit.clone();
            let period = match (r.dates.first(), r.dates.last()) {
                (Some(first), Some(last)) => format!(" from {first} to {last}"),
                _ => String::new(),
            };
            let level_chart = match (&c.series, a.target) {
                (Some(s), Some(t)) => s.level.as_ref().map(|lv| {
                    // Glide paths in deadline order (then any other), so
                    // colours follow the deadlines.
                    let mut glides: Vec<(String, Vec<f64>)> = deadlines
                        .iter()
                        .filter_map(|(id, _)| s.glide.get(id).map(|g| (id.clone(), g.clone())))
                        .collect();
                    for (k, v) in &s.glide {
                        if !glides.iter().any(|(id, _)| id == k) {
                            glides.push((k.clone(), v.clone()));
                        }
                    }
                    let to: Vec<&str> = glides.iter().map(|(id, _)| id.as_str()).collect();
                    let label = format!(
                        "{} ({}): European level in {unit} per period{period}, against the target of {}{}",
                        a.name,
                        a.id,
                        level(t),
                        if to.is_empty() {
                            String::new()
                        } else {
                            format!(", with the glide path to {}", to.join(" and "))
                        }
                    );
                    charts.place(
                        format!("{}-level", a.id),
                        charts::level_chart(&label, &unit, &r.dates, lv, t, &glides, &deadlines),
                    )
                }),
                _ => None,
            };
            // A fan with no width says only that nothing uncertain moves it.
            let spread = |f: &&handover_core::forecast::FanSeries| {
                f.p10.iter().zip(&f.p90).any(|(a, b)| b > a)
            };
            let fan_chart = c.fan.as_ref().filter(spread).map(|f| {
                let label = format!(
                    "{} ({}): forecast of coverage per period{period}, the P10–P90 band and the P50 line",
                    a.name, a.id
                );
                charts.place(
                    format!("{}-fan", a.id),
                    charts::fan_chart(&label, &r.dates, &f.p10, &f.p50, &f.p90, &deadlines),
                )
            });
            // The tornado of the first deadline with any driver.
            let tornado_chart = c.forecast.as_ref().and_then(|f| {
                let d = f
                    .deadlines
                    .iter()
                    .find(|d| d.sensitivity.iter().any(|x| x.rho.abs() >= 0.005))?;
                let bars: Vec<(String, f64)> = d
                    .sensitivity
                    .iter()
                    .filter(|x| x.rho.abs() >= 0.005)
                    .take(8)
                    .map(|x| (x.input.clone(), x.rho))
                    .collect();
                let label = format!(
                    "{} ({}): sensitivity of coverage at {}, Spearman rho of each uncertain input, largest first: {}",
                    a.name,
                    a.id,
                    d.deadline,
                    bars.iter()
                        .map(|(input, rho)| format!("{input} {rho:+.2}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                Some(charts.place(
                    format!("{}-tornado-{}", a.id, d.deadline),
                    charts::tornado_chart(&label, &bars),
                ))
            });
            let forecast = c
                .forecast
                .iter()
                .flat_map(|f| &f.deadlines)
                .map(|d| ForecastRow {
                    deadline: d.deadline.clone(),
                    p_met: format!("{} ± {}", pct(d.p_met), pct(d.p_met_se)),
                    coverage: format!(
                        "{} / {} / {}",
                        pct(d.coverage.p10),
                        pct(d.coverage.p50),
                        pct(d.coverage.p90)
                    ),
                    drivers: d
                        .sensitivity
                        .iter()
                        .filter(|x| x.rho.abs() >= 0.005)
                        .take(3)
                        .map(|x| format!("{} ({:+.2})", x.input, x.rho))
                        .collect::<Vec<_>>()
                        .join("; "),
                })
                .collect();
            let forecast_reached = c
                .forecast
                .as_ref()
                .map(|f| {
                    let d = |x: &Option<handover_core::forecast::ReachedAt>| {
                        x.map_or("never".to_string(), |a| a.date.to_string())
                    };
                    format!(
                        "P10 / P50 / P90: {} / {} / {}; never within the horizon in {} of samples",
                        d(&f.reached.p10),
                        d(&f.reached.p50),
                        d(&f.reached.p90),
                        pct(f.reached.share_never)
                    )
                })
                .unwrap_or_default();
            CapView {
                id: a.id.clone(),
                name: a.name.clone(),
                unit: unit.clone(),
                area: a.area.clone().unwrap_or_default(),
                kind: format!("{:?}", a.kind).to_lowercase(),
                level: opt(a.level, level),
                target: opt(a.target, level),
                coverage: opt(a.coverage, pct),
                us_contribution: opt(a.us_contribution, level),
                us_dependency: opt(a.us_dependency, pct),
                reached: a.reached.map_or_else(
                    || {
                        if a.coverage.is_some() {
                            "not within horizon".into()
                        } else {
                            NO_DATA.into()
                        }
                    },
                    |d| d.to_string(),
                ),
                has_data: a.coverage.is_some(),
                deadlines: a
                    .deadlines
                    .iter()
                    .map(|d| DeadlineView {
                        id: d.deadline.clone(),
                        date: deadlines
                            .iter()
                            .find(|x| x.0 == d.deadline)
                            .map_or(String::new(), |x| x.1.to_string()),
                        status: d.status.to_string(),
                        class: class(d.status),
                        glide: opt(d.glide, pct),
                        level: opt(d.level, level),
                        coverage: opt(d.coverage, pct),
                        shortfall: match (d.shortfall, d.shortfall_cost) {
                            (None, _) => NO_DATA.into(),
                            (Some(x), _) if x <= 0.0 => "none".into(),
                            (Some(x), Some(m)) => format!(
                                "{} {unit} ({} at {})",
                                level(x),
                                money(m, &r.currency),
                                d.cost_line
                                    .as_deref()
                                    .unwrap_or("the cheapest European line")
                            ),
                            (Some(x), None) => {
                                format!("{} {unit} (no European line with a unit cost)", level(x))
                            }
                        },
                    })
                    .collect(),
                notes: a.notes.clone(),
                holdings: c
                    .holdings
                    .iter()
                    .map(|h| {
                        [
                            h.holder.clone(),
                            if h.european { "yes" } else { "no" }.into(),
                            level(h.at_start),
                            level(h.at_date),
                        ]
                    })
                    .collect(),
                lines: c
                    .lines
                    .iter()
                    .map(|l| LineView {
                        id: l.id.clone(),
                        name: l.name.clone().unwrap_or_default(),
                        nation: l.nation.clone(),
                        european: if l.european { "yes" } else { "no" },
                        lead: format!("{} months", l.lead_time_months),
                        unit_cost: opt(l.unit_cost, |x| money(x, &r.currency)),
                        capacity: format!("{} a year", level(l.capacity_per_year)),
                        backlog: level(l.backlog),
                        orders: l
                            .orders
                            .iter()
                            .map(|o| {
                                let d = |x: Option<chrono::NaiveDate>| {
                                    x.map_or("not within horizon".to_string(), |d| d.to_string())
                                };
                                [
                                    o.id.clone(),
                                    o.buyer.clone(),
                                    level(o.quantity),
                                    o.date.to_string(),
                                    d(o.first_delivery),
                                    d(o.completed),
                                ]
                            })
                            .collect(),
                    })
                    .collect(),
                forecast,
                forecast_reached,
                level_chart,
                fan_chart,
                tornado_chart,
                sources: c.sources.clone(),
            }
        })
        .collect()
}

fn summary(r: &Report) -> Vec<SummaryRow> {
    r.summary
        .deadlines
        .iter()
        .map(|d| SummaryRow {
            deadline: d.deadline.clone(),
            date: d.date.to_string(),
            index: opt(d.index, pct),
            index_forecast: d.index_forecast.as_ref().map_or(String::new(), |f| {
                format!(
                    "{} / {} / {}",
                    pct(f.index.p10),
                    pct(f.index.p50),
                    pct(f.index.p90)
                )
            }),
            on_track: d.on_track,
            at_risk: d.at_risk,
            off_track: d.off_track,
            no_data: d.no_data,
        })
        .collect()
}

fn render(template: &str, name: &str, r: &Report, caps: Vec<CapView>) -> String {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("default delimiters"),
    );
    // A source as Markdown: a URL as an autolink, anything else as text.
    env.add_filter("mdlink", |s: String| {
        if s.starts_with("http://") || s.starts_with("https://") {
            format!("<{s}>")
        } else {
            s
        }
    });
    env.add_template(name, template)
        .expect("the embedded template parses");
    let tmpl = env.get_template(name).expect("template just added");
    tmpl.render(context! {
        r => Value::from(Serde(r)),
        index => opt(r.summary.index, pct),
        included => r.summary.included.len(),
        total => r.capabilities.len(),
        excluded => r.summary.excluded.join(", "),
        summary => Value::from(Serde(summary(r))),
        caps => Value::from(Serde(caps)),
        sources => Value::from(Serde(&r.sources)),
        triggers => Value::from(Serde(triggers(r))),
        plan => Value::from(Serde(plan_view(r))),
        fired => r.triggers.as_ref().map_or(0, |t| t.count(handover_core::trigger::State::Fires)),
        number_of_sources => number(r.sources.len() as f64, 0),
    })
    .expect("the embedded template renders")
}

/// The report as one self-contained HTML page: styles and SVG charts inline,
/// nothing fetched when it is opened.
pub fn html(r: &Report) -> String {
    let caps = views(r, &mut Charts::Inline);
    render(HTML, "report.html", r, caps)
}

/// The report as Markdown plus its charts: `(path, contents)` pairs, the
/// first `report.md`, the rest `charts/*.svg` that it links to.
pub fn markdown(r: &Report) -> Vec<(String, String)> {
    let mut files = vec![];
    let caps = views(r, &mut Charts::Files(&mut files));
    let md = render(MD, "report.md", r, caps);
    let mut out = vec![("report.md".to_string(), md)];
    out.extend(files);
    out
}
