//! Evaluating rules on an [`Evaluation`] (and, for `P(met, ...)`, a
//! [`ForecastResult`]) with three-valued logic.
//!
//! A metric whose figure the scenario does not have (no requirement, no
//! holdings, no US contribution, no economics row...) is *unknown*, never 0;
//! a comparison with an unknown side is unknown, and `and`/`or`/`not` follow
//! Kleene's logic: `false and unknown = false`, `true or unknown = true`,
//! `not unknown = unknown`. A trigger fires when its rule is true, holds when
//! it is false, and is unknown otherwise; each outcome lists the figures that
//! decided it.

use super::*;
use crate::assess::{AssessError, Evaluation};
use crate::economics::share_of_gdp;
use crate::forecast::ForecastResult;
use crate::metrics::{cheapest_european_line, dependency, Status};
use crate::projection::LevelBasis;
use crate::scenario::CapabilityKind;
use crate::scenario::Scenario;
use chrono::NaiveDate;
use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;

/// Kleene's three truth values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    /// True.
    True,
    /// False.
    False,
    /// Not known: some figure is missing.
    Unknown,
}

impl Truth {
    fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }
}

/// What a rule is evaluated on.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its projection and metrics.
    pub evaluation: &'a Evaluation,
    /// The date of metrics written without `at`.
    pub at: NaiveDate,
    /// The forecast, for `P(met, ...)`; `None` if it was not run.
    pub forecast: Option<&'a ForecastResult>,
}

/// The truth of a rule and the figures that decided it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// True, false or unknown.
    pub truth: Truth,
    /// One line per deciding comparison, e.g.
    /// `coverage(iamd-long) at us-2027 = 0.438 < 0.5`.
    pub figures: Vec<String>,
}

/// A metric's value: a number (an interval when only bounds are known, as for
/// a count over nations some of which lack data), a date or `never`, a status.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Num(f64, f64),
    Date(Option<NaiveDate>),
    Status(Status),
}

/// Evaluate a rule.
pub fn evaluate(expr: &Expr, cx: &Context<'_>) -> Outcome {
    match expr {
        Expr::Compare(c) => compare(c, cx),
        Expr::Not(e) => {
            let o = evaluate(e, cx);
            Outcome {
                truth: match o.truth {
                    Truth::True => Truth::False,
                    Truth::False => Truth::True,
                    Truth::Unknown => Truth::Unknown,
                },
                figures: o.figures,
            }
        }
        Expr::And(items) | Expr::Or(items) => {
            // `and`: false wins, then unknown; `or`: true wins, then unknown.
            let (dominant, neutral) = if matches!(expr, Expr::And(_)) {
                (Truth::False, Truth::True)
            } else {
                (Truth::True, Truth::False)
            };
            let outs: Vec<Outcome> = items.iter().map(|e| evaluate(e, cx)).collect();
            let truth = if outs.iter().any(|o| o.truth == dominant) {
                dominant
            } else if outs.iter().any(|o| o.truth == Truth::Unknown) {
                Truth::Unknown
            } else {
                neutral
            };
            // The deciding figures: those of the operands with the result's
            // truth (all of them when every operand agrees).
            let figures = outs
                .into_iter()
                .filter(|o| o.truth == truth)
                .flat_map(|o| o.figures)
                .collect();
            Outcome { truth, figures }
        }
    }
}

fn compare(c: &Comparison, cx: &Context<'_>) -> Outcome {
    let percent = |o: &Operand| matches!(o, Operand::Literal(Spanned { node: Literal::Number(n), .. }) if n.percent);
    let show_pct = percent(&c.left) || percent(&c.right);
    let l = operand(&c.left, cx, show_pct);
    let r = operand(&c.right, cx, show_pct);
    let op = c.op.node;
    match (l, r) {
        (Ok((lv, ls)), Ok((rv, rs))) => {
            let truth = relate(&lv, op, &rv, cx.scenario.scenario.horizon);
            let shown_op = match truth {
                Truth::True => op.as_str().to_string(),
                Truth::False => op.negated().as_str().to_string(),
                Truth::Unknown => format!("{op}?"),
            };
            let mut text = format!("{ls} {shown_op} {rs}");
            if truth == Truth::Unknown {
                text.push_str(": cannot tell");
                if let Some(why) = date_caveat(&lv, &rv, cx.scenario.scenario.horizon) {
                    text.push_str(&format!(" ({why})"));
                }
            }
            Outcome {
                truth,
                figures: vec![text],
            }
        }
        (l, r) => {
            let mut parts = vec![];
            for side in [l, r] {
                if let Err(why) = side {
                    parts.push(why);
                }
            }
            Outcome {
                truth: Truth::Unknown,
                figures: vec![format!("{}: cannot tell whether `{c}`", parts.join("; "))],
            }
        }
    }
}

fn date_caveat(a: &Val, b: &Val, horizon: NaiveDate) -> Option<String> {
    match (a, b) {
        (Val::Date(None), Val::Date(Some(d))) | (Val::Date(Some(d)), Val::Date(None))
            if *d > horizon =>
        {
            Some(format!(
                "not reached within the horizon, {horizon}; {d} is after it"
            ))
        }
        _ => None,
    }
}

/// Truth of `a op b`.
fn relate(a: &Val, op: CmpOp, b: &Val, horizon: NaiveDate) -> Truth {
    match (a, b) {
        (Val::Num(a1, a2), Val::Num(b1, b2)) => {
            if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                if a1 == a2 && b1 == b2 {
                    return Truth::from_bool(op.holds(num_cmp(*a1, *b1)));
                }
                // Intervals: equal for sure only when both are one point.
                if a2 < b1 || b2 < a1 {
                    return Truth::from_bool(op == CmpOp::Ne);
                }
                return Truth::Unknown;
            }
            // Ordering operators are monotone in each side: the corners decide.
            let corners =
                [(a1, b1), (a1, b2), (a2, b1), (a2, b2)].map(|(x, y)| op.holds(num_cmp(*x, *y)));
            if corners.iter().all(|t| *t) {
                Truth::True
            } else if corners.iter().all(|t| !*t) {
                Truth::False
            } else {
                Truth::Unknown
            }
        }
        (Val::Date(x), Val::Date(y)) => {
            let ord = match (x, y) {
                (Some(x), Some(y)) => x.cmp(y),
                (None, None) => Ordering::Equal,
                // `never` is later than every date within the horizon; after
                // it, the scenario cannot tell.
                (None, Some(d)) if *d <= horizon => Ordering::Greater,
                (Some(d), None) if *d <= horizon => Ordering::Less,
                _ => return Truth::Unknown,
            };
            Truth::from_bool(op.holds(ord))
        }
        (Val::Status(x), Val::Status(y)) => Truth::from_bool((x == y) == (op == CmpOp::Eq)),
        // The parser admits only comparisons of one kind.
        _ => Truth::Unknown,
    }
}

/// Numbers equal within a relative 1e-9 compare as equal.
fn num_cmp(a: f64, b: f64) -> Ordering {
    if (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0) {
        Ordering::Equal
    } else {
        a.total_cmp(&b)
    }
}

/// A number for a figure: as a percentage, or with up to 3 decimals.
pub fn show_number(x: f64, percent: bool) -> String {
    if percent {
        return format!("{}%", trim(format!("{:.1}", x * 100.0)));
    }
    if x.abs() >= 1000.0 {
        return trim(format!("{x:.1}"));
    }
    trim(format!("{x:.3}"))
}

/// A share of GDP as a percentage with up to 2 decimals (2.01%).
fn show_share(x: f64) -> String {
    format!("{}%", trim(format!("{:.2}", x * 100.0)))
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

type Eval = Result<(Val, String), String>;

fn operand(o: &Operand, cx: &Context<'_>, pct: bool) -> Eval {
    match o {
        Operand::Literal(l) => literal(&l.node, cx),
        Operand::Metric(m) => {
            let (v, shown) = metric(&m.node, cx, pct)
                .map_err(|why| format!("{} is unknown: {why}", describe(&m.node, cx)))?;
            Ok((v, format!("{} = {shown}", describe(&m.node, cx))))
        }
    }
}

/// The metric as written, with the check date where it was left implicit.
fn describe(m: &Metric, cx: &Context<'_>) -> String {
    let implicit = match m {
        Metric::Coverage { at, .. }
        | Metric::Level { at, .. }
        | Metric::Dependency { at, .. }
        | Metric::Status { at, .. }
        | Metric::Index { at } => at.is_none(),
        _ => false,
    };
    if implicit {
        format!("{m} at {}", cx.at)
    } else {
        m.to_string()
    }
}

fn literal(l: &Literal, cx: &Context<'_>) -> Eval {
    let shown = l.to_string();
    let v = match l {
        Literal::Number(n) => Val::Num(n.value(), n.value()),
        Literal::Date(d) => Val::Date(Some(*d)),
        Literal::Never => Val::Date(None),
        Literal::Status(s) => Val::Status(s.status()),
        Literal::Deadline(id) => match cx.scenario.deadline(id) {
            Some(d) => return Ok((Val::Date(Some(d.date)), format!("{id} ({})", d.date))),
            None => return Err(format!("unknown deadline `{id}`")),
        },
    };
    Ok((v, shown))
}

/// A time as a period of the scenario. A deadline after the horizon is
/// evaluated at the last period, as `assess` does; a date outside is unknown.
fn period(t: Option<&Spanned<Time>>, cx: &Context<'_>) -> Result<usize, String> {
    let cal = cx.evaluation.model.calendar;
    let last = cal.periods() as i64 - 1;
    let date = match t.map(|t| &t.node) {
        None => cx.at,
        Some(Time::Date(d)) => *d,
        Some(Time::Deadline(id)) => {
            let d = cx
                .scenario
                .deadline(id)
                .ok_or_else(|| format!("unknown deadline `{id}`"))?;
            return Ok(cal.period_of(d.date).clamp(0, last) as usize);
        }
    };
    if !cal.contains(date) {
        return Err(format!(
            "date {date} is outside the scenario ({} to {})",
            cx.scenario.scenario.start, cx.scenario.scenario.horizon
        ));
    }
    Ok(cal.period_of(date) as usize)
}

fn capability(id: &str, cx: &Context<'_>) -> Result<usize, String> {
    cx.scenario
        .capabilities
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| format!("unknown capability `{id}`"))
}

fn deadline(id: &str, cx: &Context<'_>) -> Result<usize, String> {
    cx.scenario
        .deadlines
        .iter()
        .position(|d| d.id == id)
        .ok_or_else(|| format!("unknown deadline `{id}`"))
}

/// Why a capability's level is unknown.
fn why_no_level(ci: usize, cx: &Context<'_>) -> String {
    let c = &cx.scenario.capabilities[ci];
    match c.kind {
        CapabilityKind::Stock => format!("no European holdings data for `{}`", c.id),
        CapabilityKind::Flow => format!(
            "no European production line of `{}` with capacity data",
            c.id
        ),
    }
}

fn level_at(ci: usize, k: usize, cx: &Context<'_>) -> Result<f64, String> {
    let m = &cx.evaluation.metrics.capabilities[ci];
    match &m.level {
        Some(l) if cx.evaluation.model.basis[ci] != LevelBasis::Unknown => Ok(l[k]),
        _ => Err(why_no_level(ci, cx)),
    }
}

fn target(ci: usize, cx: &Context<'_>) -> Result<f64, String> {
    cx.evaluation.metrics.capabilities[ci]
        .target
        .ok_or_else(|| {
            format!(
                "`{}` has no requirement, so no target",
                cx.scenario.capabilities[ci].id
            )
        })
}

fn coverage_at(ci: usize, k: usize, cx: &Context<'_>) -> Result<f64, String> {
    target(ci, cx)?;
    let level = level_at(ci, k, cx)?;
    match &cx.evaluation.metrics.capabilities[ci].coverage {
        Some(c) => Ok(c[k]),
        None => Err(format!("coverage unknown (level {level})")),
    }
}

fn num(x: f64, pct: bool) -> Eval {
    Ok((Val::Num(x, x), show_number(x, pct)))
}

fn metric(m: &Metric, cx: &Context<'_>, pct: bool) -> Eval {
    let s = cx.scenario;
    let cal = cx.evaluation.model.calendar;
    match m {
        Metric::Coverage { capability: c, at } => {
            let ci = capability(&c.node, cx)?;
            let k = period(at.as_ref(), cx)?;
            num(coverage_at(ci, k, cx)?, pct)
        }
        Metric::Level { capability: c, at } => {
            let ci = capability(&c.node, cx)?;
            let k = period(at.as_ref(), cx)?;
            num(level_at(ci, k, cx)?, pct)
        }
        Metric::Dependency { capability: c, at } => {
            let ci = capability(&c.node, cx)?;
            let k = period(at.as_ref(), cx)?;
            let us = cx.evaluation.metrics.capabilities[ci]
                .us
                .ok_or_else(|| format!("no US contribution figure for `{}`", c.node))?;
            let e = level_at(ci, k, cx)?;
            let d = dependency(us, e)
                .ok_or_else(|| "US and European levels are both 0: undefined".to_string())?;
            num(d, pct)
        }
        Metric::Shortfall { capability: c, at } | Metric::ShortfallCost { capability: c, at } => {
            let ci = capability(&c.node, cx)?;
            let k = period(Some(at), cx)?;
            let t = target(ci, cx)?;
            let e = level_at(ci, k, cx)?;
            let units = crate::metrics::shortfall(t, e);
            if matches!(m, Metric::Shortfall { .. }) {
                return Ok((
                    Val::Num(units, units),
                    format!("{} {}", show_number(units, false), s.capabilities[ci].unit),
                ));
            }
            let basis = cheapest_european_line(s, &s.capabilities[ci]).ok_or_else(|| {
                format!(
                    "no European production line of `{}` has a unit cost",
                    c.node
                )
            })?;
            let cost = units * basis.unit_cost;
            Ok((
                Val::Num(cost, cost),
                format!(
                    "{} {} ({} units at {} each, line `{}`)",
                    show_number(cost, false),
                    s.scenario.currency,
                    show_number(units, false),
                    show_number(basis.unit_cost, false),
                    basis.line
                ),
            ))
        }
        Metric::Status {
            capability: c,
            deadline: d,
            at,
        } => {
            let ci = capability(&c.node, cx)?;
            let di = deadline(&d.node, cx)?;
            let k = period(at.as_ref(), cx)?;
            let st = cx.evaluation.metrics.status(ci, di, k);
            match st {
                Status::NoData => {
                    target(ci, cx)?;
                    level_at(ci, k, cx)?;
                    Err("no data".into())
                }
                Status::NotApplicable => Err(format!(
                    "the requirement of `{}` does not name deadline `{}`",
                    c.node, d.node
                )),
                _ => {
                    let cov = coverage_at(ci, k, cx)?;
                    let glide = cx.evaluation.metrics.capabilities[ci].glide[di]
                        .as_ref()
                        .map(|g| g.at(k))
                        .unwrap_or(1.0);
                    Ok((
                        Val::Status(st),
                        format!(
                            "{st} (coverage {}, glide path {} at {})",
                            show_number(cov, false),
                            show_number(glide, false),
                            cal.period_end(k as i64)
                        ),
                    ))
                }
            }
        }
        Metric::Index { at } => {
            let k = period(at.as_ref(), cx)?;
            let ms = &cx.evaluation.metrics;
            let idx = ms
                .index
                .as_ref()
                .ok_or("no capability has both a level and a target")?;
            let x = idx[k];
            Ok((
                Val::Num(x, x),
                format!(
                    "{} (over {} of {} capabilities with data)",
                    show_number(x, pct),
                    ms.index_members.len(),
                    s.capabilities.len()
                ),
            ))
        }
        Metric::Reached { capability: c } => {
            let ci = capability(&c.node, cx)?;
            target(ci, cx)?;
            level_at(ci, 0, cx)?;
            match cx.evaluation.metrics.capabilities[ci].reached {
                Some(k) => {
                    let d = cal.period_end(k as i64);
                    Ok((Val::Date(Some(d)), d.to_string()))
                }
                None => Ok((
                    Val::Date(None),
                    format!("never (not within the horizon, {})", s.scenario.horizon),
                )),
            }
        }
        Metric::PMet {
            capability: c,
            deadline: d,
        } => {
            capability(&c.node, cx)?;
            deadline(&d.node, cx)?;
            let f = cx.forecast.ok_or("the forecast was not run")?;
            let cf = f
                .capabilities
                .iter()
                .find(|x| x.id == c.node)
                .ok_or_else(|| {
                    format!(
                        "`{}` is not forecast (its level or target is unknown)",
                        c.node
                    )
                })?;
            let df = cf
                .deadlines
                .iter()
                .find(|x| x.deadline == d.node)
                .ok_or_else(|| {
                    format!(
                        "the requirement of `{}` does not name deadline `{}`",
                        c.node, d.node
                    )
                })?;
            Ok((
                Val::Num(df.p_met, df.p_met),
                format!(
                    "{} ± {} ({} samples, seed {})",
                    show_number(df.p_met, pct),
                    show_number(df.p_met_se, pct),
                    f.samples,
                    f.seed
                ),
            ))
        }
        Metric::Spending { nation, year } => {
            let x = spending(&nation.node, *year, cx)?;
            Ok((
                Val::Num(x, x),
                if pct {
                    show_share(x)
                } else {
                    show_number(x, false)
                },
            ))
        }
        Metric::Count {
            group,
            year,
            op,
            threshold,
        } => {
            let members: Vec<&str> = s
                .nations
                .iter()
                .filter(|n| n.groups.contains(&group.node))
                .map(|n| n.code.as_str())
                .collect();
            let (mut yes, mut missing) = (vec![], vec![]);
            for code in &members {
                match spending(code, *year, cx) {
                    Ok(x) => {
                        if op.holds(num_cmp(x, threshold.value())) {
                            yes.push(format!("{code} {}", show_share(x)));
                        }
                    }
                    Err(_) => missing.push(*code),
                }
            }
            let lo = yes.len() as f64;
            let hi = lo + missing.len() as f64;
            let list = |v: &[String]| {
                if v.is_empty() {
                    "none".to_string()
                } else {
                    v.join(", ")
                }
            };
            let shown = if missing.is_empty() {
                format!(
                    "{} of {} {} nations ({})",
                    yes.len(),
                    members.len(),
                    group.node,
                    list(&yes)
                )
            } else {
                format!(
                    "between {} and {} of {} {} nations: {} known ({}); no {year} figure for {}",
                    yes.len(),
                    hi,
                    members.len(),
                    group.node,
                    yes.len(),
                    list(&yes),
                    missing.join(", ")
                )
            };
            Ok((Val::Num(lo, hi), shown))
        }
    }
}

/// Defence expenditure of `code` in `year` as a share of GDP: the
/// `defence_pct_gdp` column / 100, else `defence_musd / gdp_musd`.
fn spending(code: &str, year: i32, cx: &Context<'_>) -> Result<f64, String> {
    let row = cx
        .scenario
        .economics
        .iter()
        .find(|e| e.nation == code && e.year == year)
        .ok_or_else(|| format!("no economics row for {code} in {year}"))?;
    if let Some(p) = row.defence_pct_gdp {
        return Ok(p / 100.0);
    }
    match (row.defence_musd, row.gdp_musd) {
        (Some(d), Some(g)) => share_of_gdp(d, g)
            .ok_or_else(|| format!("GDP of {code} in {year} is not positive")),
        _ => Err(format!(
            "no defence share of GDP for {code} in {year} (neither defence_pct_gdp nor both defence_musd and gdp_musd)"
        )),
    }
}

/// Fires, holds or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// The rule is true: the trigger calls for its action.
    Fires,
    /// The rule is false: the benchmark holds.
    Holds,
    /// Some figure is missing: neither.
    Unknown,
    /// It reads figures not released to the viewer (the server's releasability rules).
    Suppressed,
}

impl State {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Fires => "fires",
            State::Holds => "holds",
            State::Unknown => "unknown",
            State::Suppressed => "suppressed",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One trigger, evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerOutcome {
    /// Trigger id.
    pub id: String,
    /// Severity.
    pub severity: TriggerSeverity,
    /// Fires, holds or unknown.
    pub state: State,
    /// The rule as written.
    pub rule: String,
    /// The figures that decided the state.
    pub figures: Vec<String>,
    /// The action the trigger calls for.
    pub action: String,
    /// Source or authority.
    pub source: Option<String>,
    /// Notes.
    pub note: Option<String>,
}

/// Samples and seed of the forecast behind `P(met, ...)` figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ForecastRun {
    /// Samples.
    pub samples: u64,
    /// Seed.
    pub seed: u64,
}

/// The result of `handover check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// Scenario name.
    pub scenario: String,
    /// The date of metrics written without `at`.
    pub at: NaiveDate,
    /// The forecast, if one ran.
    pub forecast: Option<ForecastRun>,
    /// Every trigger, in input order.
    pub triggers: Vec<TriggerOutcome>,
}

impl CheckReport {
    /// Whether a trigger of at least `severity` fires.
    pub fn fires_at_least(&self, severity: TriggerSeverity) -> bool {
        self.triggers
            .iter()
            .any(|t| t.state == State::Fires && t.severity >= severity)
    }

    /// How many triggers are in `state`.
    pub fn count(&self, state: State) -> usize {
        self.triggers.iter().filter(|t| t.state == state).count()
    }
}

/// Evaluate `triggers` on a validated scenario at date `at` (the date of
/// metrics written without `at`), with the forecast where rules need one.
pub fn check(
    s: &Scenario,
    evaluation: &Evaluation,
    triggers: &[Trigger],
    at: NaiveDate,
    forecast: Option<&ForecastResult>,
) -> Result<CheckReport, AssessError> {
    if !evaluation.model.calendar.contains(at) {
        return Err(AssessError::OutOfRange {
            at,
            start: s.scenario.start,
            horizon: s.scenario.horizon,
        });
    }
    let cx = Context {
        scenario: s,
        evaluation,
        at,
        forecast,
    };
    let outcomes = triggers
        .iter()
        .map(|t| {
            let o = match &t.rule.parsed {
                Ok(e) => evaluate(e, &cx),
                Err(e) => Outcome {
                    truth: Truth::Unknown,
                    figures: vec![format!("the rule cannot be read: {e}")],
                },
            };
            TriggerOutcome {
                id: t.id.clone(),
                severity: t.severity,
                state: match o.truth {
                    Truth::True => State::Fires,
                    Truth::False => State::Holds,
                    Truth::Unknown => State::Unknown,
                },
                rule: t.rule.text.clone(),
                figures: o.figures,
                action: t.action.clone(),
                source: t.provenance.source.clone(),
                note: t.provenance.note.clone(),
            }
        })
        .collect();
    Ok(CheckReport {
        scenario: s.scenario.name.clone(),
        at,
        forecast: forecast.map(|f| ForecastRun {
            samples: f.samples,
            seed: f.seed,
        }),
        triggers: outcomes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;
    use crate::forecast::Forecast;
    use crate::projection::Model;
    use crate::scenario::{CapabilityKind, Economics, Origin, Provenance};
    use crate::validate::{errors, validate};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn economics(nation: &str, pct: Option<f64>, musd: Option<(f64, f64)>) -> Economics {
        Economics {
            nation: nation.into(),
            year: 2025,
            gdp_musd: musd.map(|m| m.1),
            defence_musd: musd.map(|m| m.0),
            defence_pct_gdp: pct,
            provenance: Provenance::default(),
            origin: Origin::default(),
        }
    }

    /// sam: 2 held (DE), target 10, US 6; one unit a month from period 3 to
    /// period 7 (order of 5, lead 3 months): level 2, 2, 2, 3, 4, 5, 6, 7, 7...
    /// tanks: 4 of 4, weight 3. isr: no requirement. Spending 2025: DE 2.4 %,
    /// FR 70 / 2,000 = 3.5 % (derived), US no row.
    fn scenario() -> Scenario {
        let s = ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["NATO", "EUROPE"])
            .nation("FR", &["NATO", "EUROPE"])
            .nation("US", &["NATO"])
            .stock("sam", 10.0)
            .us("sam", 6.0)
            .holding("DE", "sam", 2.0)
            .line("l", "sam", "DE", 3)
            .unit_cost("l", 100.0)
            .capacity("l", "2026-01-01", 12.0)
            .order("a", "DE", "l", 5.0, "2026-01-15")
            .stock("tanks", 4.0)
            .weight("tanks", 3.0)
            .holding("DE", "tanks", 4.0)
            .unrequired("isr", CapabilityKind::Stock)
            .with(|s| {
                s.economics.push(economics("DE", Some(2.4), None));
                s.economics
                    .push(economics("FR", None, Some((70.0, 2000.0))));
            })
            .build();
        assert!(errors(&validate(&s)).next().is_none(), "{:?}", validate(&s));
        s
    }

    fn run(s: &Scenario, rule: &str, forecast: Option<&ForecastResult>) -> Outcome {
        let expr = parse::parse(rule).unwrap_or_else(|e| panic!("{rule}: {e}"));
        assert_eq!(references(rule, &expr, s), vec![], "{rule}");
        let eval = Evaluation::new(&crate::build::valid(s.clone()));
        let cx = Context {
            scenario: s,
            evaluation: &eval,
            at: d("2026-06-10"),
            forecast,
        };
        evaluate(&expr, &cx)
    }

    fn truth(rule: &str) -> Truth {
        run(&scenario(), rule, None).truth
    }

    fn figure(rule: &str) -> String {
        run(&scenario(), rule, None).figures.join(" | ")
    }

    #[test]
    fn coverage_level_and_dependency_by_hand() {
        // Period 5 (2026-06): level 5, coverage 0.5, dependency 6 / 11.
        assert_eq!(truth("coverage(sam) == 0.5"), Truth::True);
        assert_eq!(truth("coverage(sam) at 2026-06-30 < 50%"), Truth::False);
        assert_eq!(truth("coverage(sam) at us-2027 == 0.7"), Truth::True);
        assert_eq!(truth("level(sam) at 2026-03-31 == 2"), Truth::True);
        assert_eq!(truth("level(sam) at 2026-04-30 == 3"), Truth::True);
        assert_eq!(truth("level(sam) at eu-2030 == 7"), Truth::True);
        assert_eq!(truth("dependency(sam) == 0.5454545454"), Truth::True);
        assert_eq!(
            figure("coverage(sam) at us-2027 < 0.5"),
            "coverage(sam) at us-2027 = 0.7 >= 0.5"
        );
        assert_eq!(
            figure("coverage(sam) < 60%"),
            "coverage(sam) at 2026-06-10 = 50% < 60%"
        );
    }

    #[test]
    fn shortfall_status_index_and_reached_by_hand() {
        // At us-2027 (period 23) the level is 7 of 10: 3 short, at 100 each.
        assert_eq!(truth("shortfall(sam, us-2027) == 3"), Truth::True);
        assert_eq!(truth("shortfall_cost(sam, us-2027) == 300"), Truth::True);
        assert_eq!(truth("shortfall(tanks, us-2027) == 0"), Truth::True);
        // G(5) = 0.2 + 0.8 * 5/23 = 0.374 <= 0.5: on track; at period 20
        // G = 0.896 and coverage 0.7: off track (beyond the 0.10 tolerance).
        assert_eq!(truth("status(sam, us-2027) == on-track"), Truth::True);
        assert_eq!(
            truth("status(sam, us-2027) at 2027-09-01 == off-track"),
            Truth::True
        );
        assert!(figure("status(sam, us-2027) at 2027-09-01 == off-track")
            .contains("off-track (coverage 0.7, glide path 0.896 at 2027-09-30)"));
        // Index: (1 x 0.5 + 3 x 1) / 4 = 0.875; at us-2027 (0.7 + 3) / 4 = 0.925.
        assert_eq!(truth("index == 0.875"), Truth::True);
        assert_eq!(truth("index at us-2027 == 0.925"), Truth::True);
        assert!(figure("index < 0.9").contains("over 2 of 3 capabilities"));
        // tanks are met from the first period; sam never (7 < 10).
        assert_eq!(truth("reached(tanks) == 2026-01-31"), Truth::True);
        assert_eq!(truth("reached(sam) == never"), Truth::True);
        assert_eq!(truth("reached(sam) > us-2027"), Truth::True);
        assert_eq!(truth("reached(tanks) <= us-2027"), Truth::True);
        assert!(figure("reached(sam) > us-2027")
            .contains("never (not within the horizon, 2030-12-31) > us-2027 (2027-12-31)"));
    }

    #[test]
    fn spending_and_counts_over_nations() {
        assert_eq!(truth("spending(DE, 2025) == 2.4%"), Truth::True);
        // FR has no share column: 70 / 2,000 = 3.5 %.
        assert_eq!(truth("spending(FR, 2025) >= 3.5%"), Truth::True);
        assert_eq!(truth("spending(US, 2025) < 3.5%"), Truth::Unknown);
        assert!(figure("spending(US, 2025) < 3.5%").contains("no economics row for US in 2025"));
        // NATO: DE below, FR not, US unknown: between 1 and 2 below.
        let rule = "count(NATO where spending(2025) < 3.5%)";
        assert_eq!(truth(&format!("{rule} > 0")), Truth::True);
        assert_eq!(truth(&format!("{rule} < 3")), Truth::True);
        assert_eq!(truth(&format!("{rule} > 1")), Truth::Unknown);
        assert_eq!(truth(&format!("{rule} == 1")), Truth::Unknown);
        assert_eq!(truth(&format!("{rule} != 5")), Truth::True);
        assert!(figure(&format!("{rule} > 0")).contains(
            "between 1 and 2 of 3 NATO nations: 1 known (DE 2.4%); no 2025 figure for US"
        ));
        // EUROPE: every member known.
        assert_eq!(
            truth("count(EUROPE where spending(2025) >= 3.5%) == 1"),
            Truth::True
        );
    }

    #[test]
    fn three_valued_logic() {
        // isr has no requirement: its coverage is unknown, never 0.
        assert_eq!(truth("coverage(isr) < 0.5"), Truth::Unknown);
        assert!(figure("coverage(isr) < 0.5").contains("`isr` has no requirement"));
        assert_eq!(truth("not coverage(isr) < 0.5"), Truth::Unknown);
        assert_eq!(
            truth("coverage(isr) < 0.5 or coverage(sam) < 0.6"),
            Truth::True
        );
        assert_eq!(
            truth("coverage(isr) < 0.5 or coverage(sam) > 0.6"),
            Truth::Unknown
        );
        assert_eq!(
            truth("coverage(isr) < 0.5 and coverage(sam) > 0.6"),
            Truth::False
        );
        assert_eq!(
            truth("coverage(isr) < 0.5 and coverage(sam) < 0.6"),
            Truth::Unknown
        );
        assert_eq!(
            truth("not (coverage(sam) < 0.6 and index > 0.5)"),
            Truth::False
        );
        // The deciding figures only: the true operand of a true `or`.
        let o = run(
            &scenario(),
            "coverage(isr) < 0.5 or coverage(sam) < 0.6 or index < 0.1",
            None,
        );
        assert_eq!(o.figures, vec!["coverage(sam) at 2026-06-10 = 0.5 < 0.6"]);
        // Dependency without a US figure, status of a capability without data.
        assert_eq!(truth("dependency(tanks) > 0.5"), Truth::Unknown);
        assert_eq!(truth("status(isr, us-2027) == off-track"), Truth::Unknown);
        // `never` against a date after the horizon cannot be told.
        assert_eq!(
            relate(
                &Val::Date(None),
                CmpOp::Gt,
                &Val::Date(Some(d("2040-01-01"))),
                d("2030-12-31")
            ),
            Truth::Unknown
        );
    }

    #[test]
    fn p_met_comes_from_the_forecast() {
        let s = scenario();
        assert_eq!(
            run(&s, "P(met, sam, us-2027) < 0.2", None).truth,
            Truth::Unknown,
            "no forecast, no figure"
        );
        let model = Model::compile(&crate::build::valid(s.clone()));
        let f = Forecast::new(&s, &model, vec![], 100, 7).unwrap().run();
        // Nothing uncertain: sam is never met (7 < 10), tanks always.
        let o = run(&s, "P(met, sam, us-2027) < 0.2", Some(&f));
        assert_eq!(o.truth, Truth::True);
        assert!(
            o.figures[0].contains("= 0 ± 0 (100 samples, seed 7)"),
            "{o:?}"
        );
        assert_eq!(
            run(&s, "P(met, tanks, eu-2030) == 1", Some(&f)).truth,
            Truth::True
        );
        assert_eq!(
            run(&s, "P(met, isr, eu-2030) == 1", Some(&f)).truth,
            Truth::Unknown
        );
    }

    #[test]
    fn check_lists_states_and_severities() {
        let s = scenario();
        let trigger = |id: &str, rule: &str, severity| Trigger {
            id: id.into(),
            rule: Rule::parse(rule),
            severity,
            action: "act".into(),
            provenance: Provenance::default(),
            origin: Origin::default(),
            rule_at: None,
        };
        let ts = vec![
            trigger(
                "a",
                "coverage(sam) at us-2027 < 0.8",
                TriggerSeverity::Warning,
            ),
            trigger("b", "coverage(tanks) < 1", TriggerSeverity::Critical),
            trigger("c", "coverage(isr) < 1", TriggerSeverity::Critical),
        ];
        let eval = Evaluation::new(&crate::build::valid(s.clone()));
        let r = check(&s, &eval, &ts, d("2026-06-10"), None).unwrap();
        let states: Vec<State> = r.triggers.iter().map(|t| t.state).collect();
        assert_eq!(states, vec![State::Fires, State::Holds, State::Unknown]);
        assert!(r.fires_at_least(TriggerSeverity::Warning));
        assert!(!r.fires_at_least(TriggerSeverity::Critical));
        assert_eq!(r.count(State::Fires), 1);
        assert!(check(&s, &eval, &ts, d("2040-01-01"), None).is_err());
    }

    #[test]
    fn references_are_checked_with_suggestions() {
        let s = scenario();
        let text = "coverage(samm) at us-2072 < 0.5 or spending(DR, 2025) > 0 or count(NATOO where spending(2025) < 1) > 0 or index at 2031-01-01 < 1";
        let e = parse::parse(text).unwrap();
        let errs = references(text, &e, &s);
        let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 5, "{msgs:#?}");
        assert_eq!(errs[0].column, 10);
        assert!(
            msgs[0].contains("unknown capability `samm`")
                && msgs[0].contains("did you mean `sam`?")
        );
        assert_eq!(errs[1].column, 19);
        assert!(msgs[1].contains("did you mean `us-2027`?"));
        assert!(msgs[2].contains("unknown nation `DR`") && msgs[2].contains("did you mean `DE`?"));
        assert!(
            msgs[3].contains("unknown group `NATOO`") && msgs[3].contains("did you mean `NATO`?")
        );
        assert!(msgs[4].contains("outside the scenario"));
    }
}
