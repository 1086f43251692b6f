//! The assessment: where Europe stands per capability at a date and at each
//! deadline. This is the view `handover assess` prints; its field names are
//! stable (docs/OUTPUT.md).

use crate::metrics::{cheapest_european_line, dependency, is_met, Metrics, Status};
use crate::projection::{LevelBasis, Model, Projection};
use crate::scenario::{CapabilityKind, Scenario};
use crate::time::Step;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why an assessment cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssessError {
    /// The date is outside the scenario's periods.
    #[error(
        "date {at} is outside the scenario ({start} to {horizon}); choose a date in that range"
    )]
    OutOfRange {
        /// Requested date.
        at: NaiveDate,
        /// Scenario start.
        start: NaiveDate,
        /// Scenario horizon.
        horizon: NaiveDate,
    },
}

/// A deadline as the assessment reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineInfo {
    /// Id.
    pub id: String,
    /// Date.
    pub date: NaiveDate,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Period containing the date.
    pub period: i64,
}

/// One capability against one deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineAssessment {
    /// Deadline id.
    pub deadline: String,
    /// Glide-path value at the assessment date.
    pub glide: Option<f64>,
    /// Status at the assessment date against this glide path.
    pub status: Status,
    /// Projected European level at the deadline.
    pub level: Option<f64>,
    /// Projected coverage at the deadline.
    pub coverage: Option<f64>,
    /// Whether coverage is 1 at the deadline.
    pub met: Option<bool>,
    /// `max(0, T - E)` at the deadline, in units.
    pub shortfall: Option<f64>,
    /// Shortfall in money at the cheapest European line's unit cost.
    pub shortfall_cost: Option<f64>,
    /// The line whose unit cost priced the shortfall.
    pub cost_line: Option<String>,
}

/// One capability in the assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapabilityAssessment {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Stock or flow.
    pub kind: CapabilityKind,
    /// Area.
    pub area: Option<String>,
    /// Weight in the index.
    pub weight: f64,
    /// Target `T_c`.
    pub target: Option<f64>,
    /// European level at the assessment date.
    pub level: Option<f64>,
    /// Coverage at the assessment date.
    pub coverage: Option<f64>,
    /// `U_c`.
    pub us_contribution: Option<f64>,
    /// US dependency at the assessment date.
    pub us_dependency: Option<f64>,
    /// Per deadline, in scenario order.
    pub deadlines: Vec<DeadlineAssessment>,
    /// Last day of the first period with coverage 1; `None`: not within horizon (or no data).
    pub reached: Option<NaiveDate>,
    /// Caveats: missing data, estimates, partial figures.
    pub notes: Vec<String>,
    /// Where the start level of a group total is known per nation: the
    /// national parts (holdings.csv `part_of`) and the unattributed rest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<GroupParts>,
    /// Why the figures were withheld from this viewer (releasability; see
    /// `releasability::redact`); absent when nothing was withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

/// A group's holding of a capability and the national parts of it that
/// are known (holdings.csv `part_of`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupParts {
    /// The group (`EUROPE`).
    pub group: String,
    /// Its total, as held at the start.
    pub total: f64,
    /// `(nation, quantity)` of each national part, in file order.
    pub parts: Vec<(String, f64)>,
    /// What no national row accounts for: the total less the parts.
    pub unattributed: f64,
}

impl GroupParts {
    /// Every group total of capability `cap` with national parts.
    pub fn of(s: &Scenario, cap: &str) -> Vec<GroupParts> {
        s.holdings
            .iter()
            .filter(|t| t.capability == cap && t.counts_in_level())
            .filter_map(|t| {
                let parts: Vec<(String, f64)> = s
                    .holdings
                    .iter()
                    .filter(|h| h.capability == cap && h.part_of.as_deref() == Some(&t.holder))
                    .map(|h| (h.holder.clone(), h.quantity))
                    .collect();
                (!parts.is_empty()).then(|| {
                    let known: f64 = parts.iter().map(|(_, q)| q).sum();
                    GroupParts {
                        group: t.holder.clone(),
                        total: t.quantity,
                        unattributed: (t.quantity - known).max(0.0),
                        parts,
                    }
                })
            })
            .collect()
    }

    /// `EUROPE 35: DE 9, ES 3, unattributed 23`.
    pub fn describe(&self) -> String {
        let list: Vec<String> = self.parts.iter().map(|(n, q)| format!("{n} {q}")).collect();
        format!(
            "national parts of the {} total of {}: {}; unattributed {}",
            self.group,
            self.total,
            list.join(", "),
            self.unattributed
        )
    }
}

/// The readiness index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexAssessment {
    /// At the assessment date.
    pub at: Option<f64>,
    /// At each deadline, by id.
    pub deadlines: BTreeMap<String, Option<f64>>,
    /// Capabilities in the index.
    pub included: Vec<String>,
    /// Capabilities left out for lack of data.
    pub excluded: Vec<String>,
    /// Why the index was withheld from this viewer; absent when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

/// A removal from stock that could not be met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnmetRemoval {
    /// Holder.
    pub holder: String,
    /// Capability.
    pub capability: String,
    /// Units asked for beyond what was held, over the horizon.
    pub quantity: f64,
    /// Last day of the first period with an unmet removal.
    pub first: NaiveDate,
}

/// Per-period series for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Series {
    /// Last day of each period.
    pub dates: Vec<NaiveDate>,
    /// Readiness index.
    pub index: Option<Vec<f64>>,
    /// Per capability id: level, coverage, glide paths.
    pub capabilities: BTreeMap<String, CapabilitySeries>,
}

/// One capability's series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapabilitySeries {
    /// European level.
    pub level: Option<Vec<f64>>,
    /// Coverage.
    pub coverage: Option<Vec<f64>>,
    /// Glide path per deadline id.
    pub glide: BTreeMap<String, Vec<f64>>,
}

/// Where Europe stands: the result of `handover assess`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    /// Scenario name.
    pub scenario: String,
    /// The version of the data (scenario.toml `data_version`), if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_version: Option<String>,
    /// The date assessed.
    pub at: NaiveDate,
    /// Its period.
    pub period: usize,
    /// Last day of that period: levels are end-of-period levels.
    pub period_end: NaiveDate,
    /// Scenario start.
    pub start: NaiveDate,
    /// Scenario horizon.
    pub horizon: NaiveDate,
    /// Step.
    pub step: Step,
    /// Currency of money figures.
    pub currency: String,
    /// Status tolerance.
    pub tolerance: f64,
    /// Deadlines.
    pub deadlines: Vec<DeadlineInfo>,
    /// Readiness index.
    pub index: IndexAssessment,
    /// Per capability, in catalogue order.
    pub capabilities: Vec<CapabilityAssessment>,
    /// Removals from stock that could not be met.
    pub unmet: Vec<UnmetRemoval>,
    /// Per-period series, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<Series>,
}

impl Assessment {
    /// The glide path of the readiness index to each deadline, per period of
    /// the series: the weighted mean of the glide paths of the capabilities in
    /// the index, with their index weights (docs/MODEL-NOTES.md, "The index's
    /// glide path"). Empty without series or when the index is suppressed; a
    /// deadline none of the index's capabilities has a glide path to is left out.
    pub fn index_glide(&self) -> std::collections::BTreeMap<String, Vec<f64>> {
        let mut out = std::collections::BTreeMap::new();
        let (Some(x), None) = (self.series.as_ref(), &self.index.suppressed) else {
            return out;
        };
        for d in &self.deadlines {
            let mut sum = vec![0.0; x.dates.len()];
            let mut weights = 0.0;
            for c in &self.capabilities {
                let glide = x.capabilities.get(&c.id).and_then(|cs| cs.glide.get(&d.id));
                if let (true, Some(g)) = (self.index.included.contains(&c.id), glide) {
                    for (acc, v) in sum.iter_mut().zip(g) {
                        *acc += c.weight * v;
                    }
                    weights += c.weight;
                }
            }
            if weights > 0.0 {
                out.insert(d.id.clone(), sum.iter().map(|v| v / weights).collect());
            }
        }
        out
    }
}

/// Everything computed for a validated scenario: model, projection, metrics.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Compiled model.
    pub model: Model,
    /// Projection.
    pub projection: Projection,
    /// Metrics.
    pub metrics: Metrics,
}

impl Evaluation {
    /// Project and compute metrics for a scenario that passed validation
    /// (only a [`crate::Valid`] one can be given).
    pub fn new(s: &crate::Valid) -> Self {
        let (model, projection) = Model::project(s);
        let metrics = Metrics::compute(s, &model, &projection);
        Evaluation {
            model,
            projection,
            metrics,
        }
    }

    /// The Monte Carlo forecast of `s` (the scenario this evaluation was made
    /// of) over every uncertain input, set up on this evaluation's compiled
    /// model: `samples` draws from `seed` (run it with `Forecast::run`).
    pub fn forecast(
        &self,
        s: &Scenario,
        samples: u64,
        seed: u64,
    ) -> Result<crate::forecast::Forecast, crate::forecast::ForecastError> {
        let inputs = crate::uncertainty::uncertain_inputs(s, &self.model);
        crate::forecast::Forecast::new(s, &self.model, inputs, samples, seed)
    }

    /// Capacity of line `line` (index into `Scenario::lines`) in period `k`
    /// (clamped into the horizon), in units per year.
    pub fn line_capacity_per_year(&self, line: usize, k: usize) -> f64 {
        let per_year = 12.0 / f64::from(self.model.calendar.step().months());
        let series = &self.projection.capacity[line];
        series
            .get(k.min(series.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
            * per_year
    }

    /// Capacity of line `line` in every period, in units per year.
    pub fn line_capacity_series_per_year(&self, line: usize) -> Vec<f64> {
        let per_year = 12.0 / f64::from(self.model.calendar.step().months());
        self.projection.capacity[line]
            .iter()
            .map(|x| x * per_year)
            .collect()
    }

    /// Backlog of line `line` at the end of period `k` (clamped into the
    /// horizon): units of the orders placed by then and still open at the
    /// start, less what the line delivered in periods 0..=k (MODEL.md,
    /// "Delivery"). Never negative.
    pub fn line_backlog(&self, line: usize, k: usize) -> f64 {
        let cal = self.model.calendar;
        let placed: f64 = self.model.lines[line]
            .orders
            .iter()
            .filter(|&&o| cal.period_of(self.model.orders[o].date) <= k as i64)
            .map(|&o| self.model.orders[o].open)
            .sum();
        let delivered = &self.projection.delivered[line];
        let to = k.min(delivered.len().saturating_sub(1));
        let done: f64 = delivered.get(..=to).map(|d| d.iter().sum()).unwrap_or(0.0);
        (placed - done).max(0.0)
    }

    /// The assessment at `at`, with per-period series if `series`.
    pub fn assess(
        &self,
        s: &Scenario,
        at: NaiveDate,
        series: bool,
    ) -> Result<Assessment, AssessError> {
        let cal = self.model.calendar;
        if !cal.contains(at) {
            return Err(AssessError::OutOfRange {
                at,
                start: s.scenario.start,
                horizon: s.scenario.horizon,
            });
        }
        let k = cal.period_of(at) as usize;
        let last = cal.periods() - 1;
        let dk: Vec<usize> = self
            .metrics
            .deadline_periods
            .iter()
            .map(|&p| p.clamp(0, last as i64) as usize)
            .collect();

        let mut caps = Vec::with_capacity(s.capabilities.len());
        for (ci, c) in s.capabilities.iter().enumerate() {
            let m = &self.metrics.capabilities[ci];
            let level_at = |k: usize| m.level.as_ref().map(|l| l[k]);
            let cov_at = |k: usize| m.coverage.as_ref().map(|v| v[k]);
            let cost = cheapest_european_line(s, c);
            let deadlines = s
                .deadlines
                .iter()
                .enumerate()
                .map(|(di, d)| {
                    let applies = m.applies[di];
                    let level = level_at(dk[di]).filter(|_| applies);
                    let shortfall = match (level, m.target) {
                        (Some(e), Some(t)) => Some(crate::metrics::shortfall(t, e)),
                        _ => None,
                    };
                    DeadlineAssessment {
                        deadline: d.id.clone(),
                        glide: m.glide[di].as_ref().map(|g| g.at(k)),
                        status: self.metrics.status(ci, di, k),
                        level,
                        coverage: cov_at(dk[di]).filter(|_| applies),
                        met: match (level, m.target) {
                            (Some(e), Some(t)) => Some(is_met(e, t)),
                            _ => None,
                        },
                        shortfall,
                        shortfall_cost: shortfall
                            .and_then(|u| cost.as_ref().map(|b| u * b.unit_cost)),
                        cost_line: cost.as_ref().map(|b| b.line.clone()),
                    }
                })
                .collect();
            // The national parts, and a note naming them.
            let parts = GroupParts::of(s, &c.id);
            let mut notes = notes(s, &self.model, ci);
            notes.extend(parts.iter().map(GroupParts::describe));
            caps.push(CapabilityAssessment {
                id: c.id.clone(),
                name: c.name.clone(),
                unit: c.unit.clone(),
                kind: c.kind,
                area: c.area.clone(),
                weight: c.weight,
                target: m.target,
                level: level_at(k),
                coverage: cov_at(k),
                us_contribution: m.us,
                us_dependency: match (m.us, level_at(k)) {
                    (Some(u), Some(e)) => dependency(u, e),
                    _ => None,
                },
                deadlines,
                reached: m.reached.map(|r| cal.period_end(r as i64)),
                notes,
                parts,
                suppressed: None,
            });
        }

        let index_at = |k: usize| self.metrics.index.as_ref().map(|i| i[k]);
        let index = IndexAssessment {
            at: index_at(k),
            deadlines: s
                .deadlines
                .iter()
                .zip(&dk)
                .map(|(d, &p)| (d.id.clone(), index_at(p)))
                .collect(),
            included: self
                .metrics
                .index_members
                .iter()
                .map(|&i| s.capabilities[i].id.clone())
                .collect(),
            excluded: s
                .capabilities
                .iter()
                .enumerate()
                .filter(|(i, _)| !self.metrics.index_members.contains(i))
                .map(|(_, c)| c.id.clone())
                .collect(),
            suppressed: None,
        };

        let unmet = self
            .model
            .stocks
            .iter()
            .enumerate()
            .filter_map(|(si, st)| {
                let first = self.projection.first_unmet[si]?;
                Some(UnmetRemoval {
                    holder: st.holder.clone(),
                    capability: s.capabilities[st.capability].id.clone(),
                    quantity: self.projection.unmet[si],
                    first: cal.period_end(first as i64),
                })
            })
            .collect();

        let series = series.then(|| Series {
            dates: (0..cal.periods())
                .map(|k| cal.period_end(k as i64))
                .collect(),
            index: self.metrics.index.clone(),
            capabilities: s
                .capabilities
                .iter()
                .zip(&self.metrics.capabilities)
                .map(|(c, m)| {
                    let glide = s
                        .deadlines
                        .iter()
                        .zip(&m.glide)
                        .filter_map(|(d, g)| {
                            let g = g.as_ref()?;
                            Some((d.id.clone(), (0..cal.periods()).map(|k| g.at(k)).collect()))
                        })
                        .collect();
                    (
                        c.id.clone(),
                        CapabilitySeries {
                            level: m.level.clone(),
                            coverage: m.coverage.clone(),
                            glide,
                        },
                    )
                })
                .collect(),
        });

        Ok(Assessment {
            scenario: s.scenario.name.clone(),
            data_version: s.scenario.data_version.clone(),
            at,
            period: k,
            period_end: cal.period_end(k as i64),
            start: s.scenario.start,
            horizon: s.scenario.horizon,
            step: s.scenario.step,
            currency: s.scenario.currency.clone(),
            tolerance: s.scenario.tolerance,
            deadlines: s
                .deadlines
                .iter()
                .zip(&self.metrics.deadline_periods)
                .map(|(d, &p)| DeadlineInfo {
                    id: d.id.clone(),
                    date: d.date,
                    name: d.name.clone(),
                    period: p,
                })
                .collect(),
            index,
            capabilities: caps,
            unmet,
            series,
        })
    }
}

/// Caveats a reader needs beside a capability's figures.
fn notes(s: &Scenario, model: &Model, ci: usize) -> Vec<String> {
    let c = &s.capabilities[ci];
    let mut out = vec![];
    let req = s.requirement(&c.id);
    match req {
        None => out.push("no requirement: coverage unknown".to_string()),
        Some(r) if r.provenance.estimate => out.push("target is an estimate".to_string()),
        Some(_) => {}
    }
    if model.basis[ci] == LevelBasis::Unknown {
        out.push(match c.kind {
            CapabilityKind::Stock => "no European holdings data: level unknown".to_string(),
            CapabilityKind::Flow => {
                "no European production line with capacity data: level unknown".to_string()
            }
        });
    }
    if !s.us_contributions.iter().any(|u| u.capability == c.id) {
        out.push("no US contribution figure: dependency unknown".to_string());
    }
    for (l, lm) in s.lines.iter().zip(&model.lines) {
        if lm.capability == ci && lm.steps.is_empty() {
            out.push(format!(
                "line `{}` has no capacity data: its orders are not delivered in the projection",
                l.id
            ));
        }
    }
    let mut dates: Vec<NaiveDate> = s
        .holdings
        .iter()
        .filter(|h| h.capability == c.id)
        .filter_map(|h| h.as_of)
        .filter(|d| *d != s.scenario.start)
        .collect();
    dates.sort();
    dates.dedup();
    if !dates.is_empty() {
        let list: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
        out.push(format!(
            "holdings as of {} taken as the start level",
            list.join(", ")
        ));
    }
    if s.holdings
        .iter()
        .any(|h| h.capability == c.id && h.provenance.estimate)
    {
        out.push("holdings include estimates".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;
    use crate::validate::{errors, validate};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn scenario() -> Scenario {
        // sam: held 2 (DE), target 10, one unit a month from period 3 to DE.
        ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["EUROPE"])
            .nation("US", &["NATO"])
            .stock("sam", 10.0)
            .us("sam", 6.0)
            .holding("DE", "sam", 2.0)
            .line("l", "sam", "DE", 3)
            .unit_cost("l", 100.0)
            .line("l-us", "sam", "US", 3)
            .unit_cost("l-us", 50.0)
            .capacity("l", "2026-01-01", 12.0)
            .order("a", "DE", "l", 5.0, "2026-01-15")
            .stock("tanks", 4.0)
            .weight("tanks", 3.0)
            .holding("DE", "tanks", 4.0)
            .unrequired("isr", CapabilityKind::Stock)
            .build()
    }

    fn assess(s: &Scenario, at: &str) -> Assessment {
        assert!(errors(&validate(s)).next().is_none());
        Evaluation::new(&crate::build::valid(s.clone()))
            .assess(s, d(at), true)
            .unwrap()
    }

    #[test]
    fn levels_coverage_and_dependency_at_a_date() {
        let s = scenario();
        // 2026-06-10 is period 5: deliveries k=3,4,5 -> 2 + 3 = 5.
        let a = assess(&s, "2026-06-10");
        assert_eq!(a.period, 5);
        assert_eq!(a.period_end, d("2026-06-30"));
        let sam = &a.capabilities[0];
        assert_eq!(sam.level, Some(5.0));
        assert_eq!(sam.coverage, Some(0.5));
        assert_eq!(sam.us_dependency, Some(6.0 / 11.0));
    }

    #[test]
    fn glide_status_shortfall_and_money() {
        let s = scenario();
        let a = assess(&s, "2026-06-10");
        let sam = &a.capabilities[0];
        // us-2027 is period 23. C(0) = 0.2; G(5) = 0.2 + 0.8 * 5/23 = 0.3739: on track.
        let us = &sam.deadlines[0];
        assert!((us.glide.unwrap() - (0.2 + 0.8 * 5.0 / 23.0)).abs() < 1e-12);
        assert_eq!(us.status, Status::OnTrack);
        // At the deadline level is 7 (2 + 5): shortfall 3 units, at the cheapest
        // European line (100; the cheaper US line does not count) = 300.
        assert_eq!(us.level, Some(7.0));
        assert_eq!(us.met, Some(false));
        assert_eq!(us.shortfall, Some(3.0));
        assert_eq!(us.shortfall_cost, Some(300.0));
        assert_eq!(us.cost_line.as_deref(), Some("l"));
        assert_eq!(sam.reached, None);
        // Later, coverage 0.7 stays flat while the path rises to 1: off track
        // once the gap passes the 0.10 tolerance. At period 20: G = 0.2 + 0.8*20/23 = 0.896.
        let late = assess(&s, "2027-09-01");
        assert_eq!(late.capabilities[0].deadlines[0].status, Status::OffTrack);
        // eu-2030 (period 59): G(20) = 0.2 + 0.8*20/59 = 0.471: on track.
        assert_eq!(late.capabilities[0].deadlines[1].status, Status::OnTrack);
    }

    #[test]
    fn at_risk_within_tolerance() {
        // 0.9 covered, no growth; us-2027 at period 23; at period 23 G = 1: at risk.
        let s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
            .nation("DE", &["EUROPE"])
            .stock("x", 10.0)
            .holding("DE", "x", 9.0)
            .build();
        let a = assess(&s, "2027-12-31");
        assert_eq!(a.capabilities[0].deadlines[0].status, Status::AtRisk);
    }

    #[test]
    fn date_reached_and_index() {
        let s = scenario();
        let a = assess(&s, "2026-01-01");
        // tanks: 4 of 4 from the start.
        assert_eq!(a.capabilities[1].reached, Some(d("2026-01-31")));
        assert_eq!(a.capabilities[1].deadlines[0].shortfall, Some(0.0));
        assert_eq!(a.capabilities[1].deadlines[0].shortfall_cost, None);
        // Index = (1 * 0.2 + 3 * 1.0) / 4 = 0.8; isr has no requirement and is left out.
        assert!((a.index.at.unwrap() - 0.8).abs() < 1e-12);
        assert_eq!(a.index.included, vec!["sam", "tanks"]);
        assert_eq!(a.index.excluded, vec!["isr"]);
        // At us-2027: (0.7 + 3) / 4.
        assert!((a.index.deadlines["us-2027"].unwrap() - 3.7 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn no_data_is_said_not_invented() {
        let s = scenario();
        let a = assess(&s, "2026-01-01");
        let isr = &a.capabilities[2];
        assert_eq!(isr.level, None);
        assert_eq!(isr.coverage, None);
        assert_eq!(isr.deadlines[0].status, Status::NoData);
        assert!(isr.notes.iter().any(|n| n.contains("no requirement")));
        assert!(isr
            .notes
            .iter()
            .any(|n| n.contains("no European holdings data")));
        assert!(isr.notes.iter().any(|n| n.contains("no US contribution")));
    }

    #[test]
    fn requirement_for_one_deadline_only() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["EUROPE"])
            .stock("x", 10.0)
            .holding("DE", "x", 5.0)
            .with(|s| s.requirements[0].deadlines = Some(vec!["eu-2030".into()]))
            .build();
        let a = assess(&s, "2026-01-01");
        assert_eq!(a.capabilities[0].deadlines[0].status, Status::NotApplicable);
        assert_eq!(a.capabilities[0].deadlines[0].shortfall, None);
        assert_eq!(a.capabilities[0].deadlines[1].shortfall, Some(5.0));
    }

    #[test]
    fn unmet_removals_are_listed() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
            .nation("DE", &["EUROPE"])
            .stock("x", 10.0)
            .holding("DE", "x", 5.0)
            .retire("DE", "x", "2026-02-01", 7.0)
            .build();
        let a = assess(&s, "2026-01-01");
        assert_eq!(a.unmet.len(), 1);
        assert_eq!(a.unmet[0].quantity, 2.0);
        assert_eq!(a.unmet[0].first, d("2026-02-28"));
    }

    #[test]
    fn out_of_range_date_is_an_error() {
        let s = scenario();
        let e = Evaluation::new(&crate::build::valid(s.clone()))
            .assess(&s, d("2040-01-01"), false)
            .unwrap_err();
        assert!(e.to_string().contains("outside the scenario"));
    }

    #[test]
    fn national_parts_are_shown_and_not_added_to_the_group_total() {
        // EUROPE holds 35, of which DE 9 and FR 3; DE's order of 5 adds to the level.
        let s = ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["EUROPE"])
            .nation("FR", &["EUROPE"])
            .stock("sam", 100.0)
            .holding("EUROPE", "sam", 35.0)
            .part("DE", "sam", 9.0, "EUROPE")
            .part("FR", "sam", 3.0, "EUROPE")
            .line("l", "sam", "DE", 1)
            .capacity("l", "2026-01-01", 60.0)
            .order("a", "DE", "l", 5.0, "2026-06-01")
            .build();
        let a = assess(&s, "2026-01-15");
        let sam = &a.capabilities[0];
        assert_eq!(sam.level, Some(35.0));
        let late = assess(&s, "2026-12-15");
        assert_eq!(late.capabilities[0].level, Some(40.0));
        assert_eq!(
            sam.parts,
            vec![GroupParts {
                group: "EUROPE".into(),
                total: 35.0,
                parts: vec![("DE".into(), 9.0), ("FR".into(), 3.0)],
                unattributed: 23.0,
            }]
        );
        assert!(sam.notes.contains(
            &"national parts of the EUROPE total of 35: DE 9, FR 3; unattributed 23".to_string()
        ));
    }
}
