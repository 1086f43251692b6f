//! The planner of MODEL.md ("Planning"): choose new orders on production
//! lines that maximise the weighted coverage at a deadline within a budget,
//! or reach every target at least cost.
//!
//! The linear program and its FIFO linearisation are documented in
//! docs/PLANNER.md. In short: new orders queue behind the whole existing
//! order book of their line, so the capacity the backlog leaves free in each
//! period (`f_l(k)`) is fixed by the deterministic projection. For orders
//! `x_{l,j}` placed on grid dates whose first eligible period is `e_j`, the
//! units delivered by the deadline period `K` are exactly
//! `N_l = min(X_l, min_j (X_l[e_i < e_j] + F_l(e_j)))` with
//! `F_l(e) = sum_{k=e..K} f_l(k)` (a work-conserving FIFO server); the LP
//! bounds a variable `n_l` by each term of that minimum.
//!
//! The plan's claims are checked against the real projection: adding the
//! planned orders to the scenario ([`Plan::with_orders`]) and assessing it
//! gives the same levels and index (tests below).

use crate::assess::Evaluation;
use crate::economics::{implied_gdp, share_of_gdp};
use crate::metrics::{coverage, is_met};
use crate::projection::{shift_months, LevelBasis, EPS};
use crate::scenario::{CapabilityKind, Order, Origin, Provenance, Scenario};
use crate::time::{Calendar, Step};
use chrono::{Datelike, NaiveDate};
use good_lp::{
    constraint, variable, Constraint, DualValues, Expression, ProblemVariables, ResolutionError,
    Solution, SolutionWithDual, SolverModel, Variable,
};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// What the plan optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// Maximise the weighted coverage (readiness index) at the deadline within the budget.
    Coverage,
    /// Reach every reachable target by the deadline at least cost (within the budget, if given).
    Cost,
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Objective::Coverage => "coverage",
            Objective::Cost => "cost",
        })
    }
}

/// One row of a burden-sharing key given by the user.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareRow {
    /// Nation code.
    pub nation: String,
    /// Share (any non-negative weight; normalised to sum 1).
    pub share: f64,
    /// Where it was read, for messages.
    pub origin: Origin,
}

/// How each order's cost is split among European nations.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ShareKey {
    /// By GDP (latest year in the economics table; implied from defence spending where GDP is not given).
    #[default]
    Gdp,
    /// Equal shares for every European nation.
    Equal,
    /// Shares given by the user.
    Custom(Vec<ShareRow>),
}

/// What to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// The objective.
    pub objective: Objective,
    /// Money available per year of ordering, in the scenario currency; required for `Coverage`.
    pub budget_per_year: Option<f64>,
    /// First date an order may be placed.
    pub from: NaiveDate,
    /// A deadline id of the scenario, or a date `YYYY-MM-DD`.
    pub deadline: String,
    /// Spacing of the dates on which orders may be placed.
    pub grid: Step,
    /// Burden-sharing key; `None`: no split reported.
    pub share: Option<ShareKey>,
    /// Only lines with at least this EU/EEA/Ukraine content share (unknown content fails the rule).
    pub min_european_content: Option<f64>,
    /// US$ per unit of the scenario currency, to express shares as % of GDP (GDP is in US$);
    /// not needed when the scenario currency is USD.
    pub usd_per_currency: Option<f64>,
}

impl PlanRequest {
    /// A request with the defaults: quarterly grid, no share key, no content rule.
    pub fn new(objective: Objective, from: NaiveDate, deadline: &str) -> Self {
        PlanRequest {
            objective,
            budget_per_year: None,
            from,
            deadline: deadline.to_string(),
            grid: Step::Quarter,
            share: None,
            min_european_content: None,
            usd_per_currency: None,
        }
    }
}

/// Why no plan could be made. Messages name the option or figure at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The deadline is neither a deadline id nor a date within the scenario.
    #[error("--deadline `{given}` is not a deadline of the scenario ({known}) nor a date YYYY-MM-DD within it")]
    UnknownDeadline {
        /// What was given.
        given: String,
        /// The scenario's deadline ids.
        known: String,
    },
    /// A bad request (budget, dates, content share, share key).
    #[error("{0}")]
    Request(String),
    /// No plan within the budget reaches every reachable target.
    #[error("no plan within --budget reaches every reachable target by {deadline}; the cheapest plan without a budget limit costs {total:.0} {currency} in all ({per_year}); raise --budget or drop it")]
    BudgetTooSmall {
        /// Deadline id or date.
        deadline: String,
        /// Cost of the cheapest plan without a budget limit.
        total: f64,
        /// That plan's spending per order year, as text.
        per_year: String,
        /// Scenario currency.
        currency: String,
    },
    /// The solver found the problem infeasible or unbounded, or failed.
    #[error("the planner's linear program could not be solved: {0}")]
    Solver(String),
}

/// An order the plan places.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedOrder {
    /// Line id.
    pub line: String,
    /// Capability the line produces.
    pub capability: String,
    /// Date Europe places (and pays for) the order.
    pub date: NaiveDate,
    /// Date the order enters the line's queue: later than `date` by the US
    /// export-approval delay when the line has US-origin content.
    pub queue_date: NaiveDate,
    /// Budget year (the year of `date`).
    pub year: i32,
    /// Units, as the LP chose them (continuous).
    pub quantity: f64,
    /// Whole units actually to order (the report's rounding).
    pub units: f64,
    /// Unit cost.
    pub unit_cost: f64,
    /// `quantity * unit_cost`.
    pub cost: f64,
    /// `units * unit_cost`.
    pub cost_rounded: f64,
    /// The line has US-origin content: the order needs US export approval.
    pub us_export_approval: bool,
    /// Units of this order (whole units) delivered by the deadline, by the projection.
    pub delivered_by_deadline: f64,
    /// First delivery (end of period), by the projection of the whole-unit plan.
    pub first_delivery: Option<NaiveDate>,
    /// Last delivery; `None` if not complete within the horizon.
    pub last_delivery: Option<NaiveDate>,
    /// Deliveries per period `(period end, units)` with units > 0.
    pub schedule: Vec<(NaiveDate, f64)>,
}

/// Per capability: what the plan buys.
#[derive(Debug, Clone, Serialize)]
pub struct CapabilityPlan {
    /// Capability id.
    pub capability: String,
    /// Stock or flow.
    pub kind: CapabilityKind,
    /// Weight in the index.
    pub weight: f64,
    /// Target `T_c`, if any.
    pub target: Option<f64>,
    /// European level at the deadline without the plan.
    pub level_before: Option<f64>,
    /// ... with the plan (continuous quantities, the LP's claim).
    pub level_after: Option<f64>,
    /// ... with the plan rounded to whole units (by the projection).
    pub level_rounded: Option<f64>,
    /// Coverage at the deadline without the plan.
    pub coverage_before: Option<f64>,
    /// ... with the plan.
    pub coverage_after: Option<f64>,
    /// ... with the whole-unit plan.
    pub coverage_rounded: Option<f64>,
    /// Units the plan has delivered by the deadline (continuous).
    pub bought: f64,
    /// Why orders cannot raise this capability, if they cannot.
    pub not_plannable: Option<String>,
}

/// Money per budget year.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetYear {
    /// Calendar year of ordering.
    pub year: i32,
    /// Budget, if one was given.
    pub budget: Option<f64>,
    /// Spent by the plan (continuous).
    pub used: f64,
    /// Spent by the whole-unit plan.
    pub used_rounded: f64,
    /// The budget of this year is used up (a binding constraint).
    pub exhausted: bool,
    /// Shadow price: change of the objective per extra billion of this
    /// year's budget (index points for `coverage`); `None` where not computed.
    pub shadow_price_per_bn: Option<f64>,
}

/// Per production line: whether it could be used, and how much it was.
#[derive(Debug, Clone, Serialize)]
pub struct LinePlan {
    /// Line id.
    pub line: String,
    /// Capability.
    pub capability: String,
    /// Orders may be placed on it.
    pub eligible: bool,
    /// Why not, if not.
    pub reason: Option<String>,
    /// EU/EEA/Ukraine content share, if known.
    pub content_eu: Option<f64>,
    /// Orders need US export approval.
    pub us_export_approval: bool,
    /// Capacity left free by the existing order book, from the first period a
    /// new order could be delivered to the deadline.
    pub free_by_deadline: f64,
    /// New units delivered by the deadline (continuous plan).
    pub delivered_by_deadline: f64,
    /// Every unit of free capacity before the deadline is taken: the line is a bottleneck.
    pub bottleneck: bool,
    /// Shadow price of one more unit of capacity in the deadline period:
    /// index points (coverage objective) or money saved (cost objective).
    pub shadow_price: Option<f64>,
}

/// A target that no plan reaches by the deadline.
#[derive(Debug, Clone, Serialize)]
pub struct Unreachable {
    /// Capability id.
    pub capability: String,
    /// Target.
    pub target: f64,
    /// Highest level reachable by the deadline at any cost, if the level is known.
    pub max_level: Option<f64>,
    /// Earliest date the target can be reached by ordering everything possible
    /// at the first order date; `None`: not within the horizon (or never by orders).
    pub earliest: Option<NaiveDate>,
    /// Why.
    pub reason: String,
}

/// One nation's part of the plan's cost.
#[derive(Debug, Clone, Serialize)]
pub struct NationShare {
    /// Nation code.
    pub nation: String,
    /// Share of every order's cost, 0..1.
    pub share: f64,
    /// Amount over the whole plan (whole-unit costs).
    pub amount: f64,
    /// Average per budget year.
    pub per_year: f64,
    /// GDP used (US$ m), if known.
    pub gdp_musd: Option<f64>,
    /// `per_year` as a share of GDP (0.001 = 0.1 %), if GDP and the exchange rate are known.
    pub pct_gdp: Option<f64>,
}

/// A plan and everything that explains it.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Objective.
    pub objective: Objective,
    /// Scenario currency.
    pub currency: String,
    /// Deadline id (or the date given).
    pub deadline: String,
    /// Deadline date.
    pub deadline_date: NaiveDate,
    /// First order date allowed.
    pub from: NaiveDate,
    /// Order grid.
    pub grid: Step,
    /// Budget per year, if given.
    pub budget_per_year: Option<f64>,
    /// Minimum European content rule, if given.
    pub min_european_content: Option<f64>,
    /// The European nation that books the planned orders in the scenario (the
    /// cost is split by the share key; any European buyer gives the same level).
    pub buyer: String,
    /// The orders, by date then line.
    pub orders: Vec<PlannedOrder>,
    /// Total cost (continuous).
    pub total_cost: f64,
    /// Total cost of the whole-unit plan.
    pub total_cost_rounded: f64,
    /// Per capability.
    pub capabilities: Vec<CapabilityPlan>,
    /// Readiness index at the deadline without the plan.
    pub index_before: Option<f64>,
    /// ... with the plan (the LP's claim).
    pub index_after: Option<f64>,
    /// ... with the whole-unit plan (by the projection).
    pub index_rounded: Option<f64>,
    /// Budget per year.
    pub budget: Vec<BudgetYear>,
    /// Per line.
    pub lines: Vec<LinePlan>,
    /// Targets not reachable by the deadline at any cost.
    pub unreachable: Vec<Unreachable>,
    /// Burden sharing.
    pub shares: Vec<NationShare>,
    /// Name of the burden-sharing key, if one was given.
    pub share_key: Option<String>,
    /// Caveats and choices made.
    pub notes: Vec<String>,
    /// The LP solver used.
    pub solver: String,
    /// LP size: variables and constraints.
    pub lp_size: (usize, usize),
}

/// A grid point on a line: one LP variable.
#[derive(Debug, Clone)]
struct Slot {
    date: NaiveDate,
    queue_date: NaiveDate,
    /// First period a delivery may come.
    eligible: i64,
    /// Free capacity from `eligible` to the deadline.
    free_after: f64,
}

#[derive(Debug, Clone)]
struct Candidate {
    /// Index into `Scenario::lines`.
    line: usize,
    capability: usize,
    unit_cost: f64,
    approval: bool,
    slots: Vec<Slot>,
    /// First period a new order could be delivered at all (first grid date), for the earliest-date scan.
    first_eligible: i64,
}

/// Everything the LP needs, built once; [`PlanProblem::solve`] solves it.
#[derive(Debug, Clone)]
pub struct PlanProblem {
    request: PlanRequest,
    deadline_id: String,
    deadline_date: NaiveDate,
    /// Deadline period.
    k: usize,
    calendar: Calendar,
    buyer: String,
    candidates: Vec<Candidate>,
    /// Capabilities orders can raise: index -> (target, level at K without plan).
    plannable: HashMap<usize, (f64, f64)>,
    /// Index members and weights.
    members: Vec<usize>,
    capabilities: Vec<CapabilityPlan>,
    lines: Vec<LinePlan>,
    unreachable: Vec<Unreachable>,
    index_before: Option<f64>,
    budget_years: Vec<i32>,
    shares: Vec<KeyRow>,
    share_key: Option<String>,
    notes: Vec<String>,
}

/// Whether a line needs US export approval: US-origin content, or no content
/// data on a line located in the US.
fn needs_us_approval(s: &Scenario, line: usize) -> bool {
    let l = &s.lines[line];
    match l.content_us {
        Some(u) => u > 0.0,
        None => l.nation == "US",
    }
}

/// GDP of a nation in US$ m: the latest year with GDP, or implied from defence spending and its share of GDP.
pub fn latest_gdp_musd(s: &Scenario, nation: &str) -> Option<f64> {
    s.economics
        .iter()
        .filter(|e| e.nation == nation)
        .filter_map(|e| {
            let gdp = e.gdp_musd.filter(|g| *g > 0.0).or_else(|| {
                implied_gdp(e.defence_musd?, e.defence_pct_gdp? / 100.0).filter(|g| *g > 0.0)
            })?;
            Some((e.year, gdp))
        })
        .max_by_key(|(y, _)| *y)
        .map(|(_, g)| g)
}

impl PlanProblem {
    /// Prepare the LP for a validated scenario and its evaluation.
    pub fn build(s: &Scenario, eval: &Evaluation, req: &PlanRequest) -> Result<Self, PlanError> {
        let cal = eval.model.calendar;
        let mut notes = vec![];
        let (deadline_id, deadline_date) = match s.deadline(&req.deadline) {
            Some(d) => (d.id.clone(), d.date),
            None => match req.deadline.parse::<NaiveDate>() {
                Ok(d) if cal.contains(d) => (req.deadline.clone(), d),
                _ => {
                    return Err(PlanError::UnknownDeadline {
                        given: req.deadline.clone(),
                        known: s
                            .deadlines
                            .iter()
                            .map(|d| d.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                }
            },
        };
        if !cal.contains(deadline_date) {
            return Err(PlanError::Request(format!(
                "deadline {deadline_id} ({deadline_date}) is outside the scenario ({} to {})",
                s.scenario.start, s.scenario.horizon
            )));
        }
        if req.from < s.scenario.start {
            return Err(PlanError::Request(format!(
                "--from {} is before the scenario start {}; orders before the start belong in orders.csv",
                req.from, s.scenario.start
            )));
        }
        if req.from > deadline_date {
            return Err(PlanError::Request(format!(
                "--from {} is after the deadline {deadline_id} ({deadline_date})",
                req.from
            )));
        }
        if let Some(b) = req.budget_per_year {
            if !(b.is_finite() && b >= 0.0) {
                return Err(PlanError::Request(format!(
                    "--budget must be a non-negative amount per year, not {b}"
                )));
            }
        } else if req.objective == Objective::Coverage {
            return Err(PlanError::Request(
                "--objective coverage needs --budget AMOUNT[/year]".into(),
            ));
        }
        if let Some(m) = req.min_european_content {
            if !(0.0..=1.0).contains(&m) {
                return Err(PlanError::Request(format!(
                    "--min-european-content must be a share between 0 and 1 (e.g. 0.65), not {m}"
                )));
            }
        }
        if let Some(r) = req.usd_per_currency {
            if !(r.is_finite() && r > 0.0) {
                return Err(PlanError::Request(format!(
                    "the US$ exchange rate must be positive, not {r}"
                )));
            }
        }
        let k = cal.period_of(deadline_date) as usize;
        let proj = &eval.projection;
        let metrics = &eval.metrics;
        let europe = &s.scenario.europe;

        // Which European nation books the orders: one whose stocks have no removals.
        let european: Vec<&str> = s
            .nations
            .iter()
            .filter(|n| n.groups.contains(europe))
            .map(|n| n.code.as_str())
            .collect();
        if european.is_empty() {
            return Err(PlanError::Request(format!(
                "no nation belongs to the group `{europe}`: nobody to place orders"
            )));
        }
        let has_removals = |code: &str| {
            eval.model.stocks.iter().any(|st| {
                st.holder == code && (!st.retirements.is_empty() || !st.consumption.is_empty())
            })
        };
        // Prefer the largest economy (the order is collective; any European buyer gives the same level).
        let mut by_gdp: Vec<(&str, f64)> = european
            .iter()
            .map(|c| (*c, latest_gdp_musd(s, c).unwrap_or(0.0)))
            .collect();
        by_gdp.sort_by(|a, b| b.1.total_cmp(&a.1));
        let buyer = by_gdp
            .iter()
            .map(|(c, _)| *c)
            .find(|c| !has_removals(c))
            .unwrap_or_else(|| {
                notes.push(format!(
                    "every European nation has retirements or consumption; orders are booked to {}, and its removals may absorb part of the deliveries",
                    european[0]
                ));
                european[0]
            })
            .to_string();

        // Applicable targets and plannable capabilities.
        let di = s.deadlines.iter().position(|d| d.id == deadline_id);
        let applies = |ci: usize| di.is_none_or(|di| metrics.capabilities[ci].applies[di]);
        let mut plannable = HashMap::new();
        let mut capabilities = vec![];
        for (ci, c) in s.capabilities.iter().enumerate() {
            let m = &metrics.capabilities[ci];
            let level = m.level.as_ref().map(|l| l[k]);
            let not_plannable = match (c.kind, eval.model.basis[ci], m.target) {
                (CapabilityKind::Flow, _, _) => Some(
                    "flow capability: orders do not raise production capacity (out of scope)"
                        .to_string(),
                ),
                (_, _, None) => Some("no requirement: nothing to plan for".to_string()),
                (_, LevelBasis::Unknown, _) => {
                    Some("no European holdings: the level is unknown".to_string())
                }
                _ => None,
            };
            if not_plannable.is_none() {
                if let (Some(t), Some(e)) = (m.target, level) {
                    plannable.insert(ci, (t, e));
                }
            }
            capabilities.push(CapabilityPlan {
                capability: c.id.clone(),
                kind: c.kind,
                weight: c.weight,
                target: m.target,
                level_before: level,
                level_after: level,
                level_rounded: level,
                coverage_before: m.coverage.as_ref().map(|v| v[k]),
                coverage_after: m.coverage.as_ref().map(|v| v[k]),
                coverage_rounded: m.coverage.as_ref().map(|v| v[k]),
                bought: 0.0,
                not_plannable,
            });
        }

        // Free capacity after the existing order book.
        let free: Vec<Vec<f64>> = proj
            .capacity
            .iter()
            .zip(&proj.delivered)
            .map(|(c, d)| c.iter().zip(d).map(|(c, d)| (c - d).max(0.0)).collect())
            .collect();
        let free_from = |li: usize, e: i64, to: usize| -> f64 {
            let a = e.max(0) as usize;
            if a > to {
                0.0
            } else {
                free[li][a..=to].iter().sum()
            }
        };

        // Order dates.
        let mut grid = vec![];
        let mut d = req.from;
        while d <= deadline_date {
            grid.push(d);
            d = shift_months(d, req.grid.months() as i32);
        }

        let approval_months = s.scenario.us_export_approval_months;
        let mut candidates = vec![];
        let mut lines = vec![];
        for (li, l) in s.lines.iter().enumerate() {
            let lm = &eval.model.lines[li];
            let ci = lm.capability;
            let approval = needs_us_approval(s, li);
            let shift = if approval { approval_months as i32 } else { 0 };
            let latest_existing = lm.orders.iter().map(|&o| eval.model.orders[o].date).max();
            let mut reason = None;
            if !plannable.contains_key(&ci) {
                reason = Some(format!(
                    "capability `{}`: {}",
                    s.capabilities[ci].id,
                    capabilities[ci]
                        .not_plannable
                        .clone()
                        .unwrap_or_else(|| "not plannable".into())
                ));
            } else if l.unit_cost.is_none_or(|c| c <= 0.0) {
                reason = Some("no unit cost: cannot be planned".into());
            } else if let Some(min) = req.min_european_content {
                match l.content_eu {
                    None => {
                        reason = Some(format!(
                            "European content unknown: treated as not meeting --min-european-content {min}"
                        ))
                    }
                    Some(c) if c + 1e-12 < min => {
                        reason = Some(format!(
                            "European content {c} is below --min-european-content {min}"
                        ))
                    }
                    _ => {}
                }
            }
            let rules_ok = reason.is_none();
            let mut slots = vec![];
            let mut first_eligible = None;
            if rules_ok {
                for &d in &grid {
                    let queue_date = shift_months(d, shift);
                    // New orders queue behind the whole existing order book.
                    if latest_existing.is_some_and(|x| queue_date < x) {
                        continue;
                    }
                    let eligible = cal.period_of(queue_date) + lm.lead;
                    first_eligible.get_or_insert(eligible);
                    if eligible > k as i64 {
                        continue;
                    }
                    let free_after = free_from(li, eligible, k);
                    if free_after <= EPS {
                        continue;
                    }
                    slots.push(Slot {
                        date: d,
                        queue_date,
                        eligible,
                        free_after,
                    });
                }
                if slots.is_empty() {
                    reason = Some(if first_eligible.is_none_or(|e| e > k as i64) {
                        format!(
                            "lead time {} months{} and the existing order book: no order placed from {} can be delivered by {deadline_date}",
                            l.lead_time_months,
                            if shift > 0 { format!(" + {shift} months US export approval") } else { String::new() },
                            req.from
                        )
                    } else {
                        format!(
                            "no free capacity before {deadline_date} after the existing order book"
                        )
                    });
                }
            }
            let free_by_deadline = slots.first().map_or(0.0, |s| s.free_after);
            lines.push(LinePlan {
                line: l.id.clone(),
                capability: s.capabilities[ci].id.clone(),
                eligible: reason.is_none(),
                reason: reason.clone(),
                content_eu: l.content_eu,
                us_export_approval: approval,
                free_by_deadline,
                delivered_by_deadline: 0.0,
                bottleneck: false,
                shadow_price: None,
            });
            // Lines that cannot deliver by the deadline still count for the earliest-date scan.
            if rules_ok {
                candidates.push(Candidate {
                    line: li,
                    capability: ci,
                    unit_cost: l.unit_cost.unwrap_or(0.0),
                    approval,
                    slots,
                    first_eligible: first_eligible.unwrap_or(i64::MAX),
                });
            }
        }
        if approval_months > 0 {
            notes.push(format!(
                "orders on lines with US-origin content enter the queue {approval_months} months after they are placed (us_export_approval_months)"
            ));
        }
        if req.min_european_content.is_some() {
            notes.push(
                "lines without content data are treated as not meeting the European content rule"
                    .into(),
            );
        }

        // Targets: which cannot be reached by the deadline at any cost, and when they can.
        let mut unreachable = vec![];
        let periods = cal.periods();
        for (ci, c) in s.capabilities.iter().enumerate() {
            let m = &metrics.capabilities[ci];
            let Some(t) = m.target else { continue };
            if !applies(ci) {
                continue;
            }
            let level = m.level.as_ref();
            if level.is_some_and(|l| is_met(l[k], t)) {
                continue;
            }
            if let Some(why) = &capabilities[ci].not_plannable {
                unreachable.push(Unreachable {
                    capability: c.id.clone(),
                    target: t,
                    max_level: level.map(|l| l[k]),
                    earliest: m
                        .reached
                        .filter(|&r| r > k)
                        .map(|r| cal.period_end(r as i64)),
                    reason: why.clone(),
                });
                continue;
            }
            let Some(level) = level else { continue };
            let own: Vec<&Candidate> = candidates.iter().filter(|x| x.capability == ci).collect();
            let max_at = |p: usize| -> f64 {
                level[p]
                    + own
                        .iter()
                        .map(|x| free_from(x.line, x.first_eligible.min(i64::MAX / 2), p))
                        .sum::<f64>()
            };
            let max_k = level[k]
                + own
                    .iter()
                    .map(|x| x.slots.first().map_or(0.0, |s| s.free_after))
                    .sum::<f64>();
            if is_met(max_k, t) {
                continue;
            }
            let earliest = (k + 1..periods)
                .find(|&p| is_met(max_at(p), t))
                .map(|p| cal.period_end(p as i64));
            let reason = if !eval.model.lines.iter().any(|l| l.capability == ci) {
                "no production line in the scenario".to_string()
            } else if own.is_empty() {
                "no line with a unit cost that meets the rules".to_string()
            } else if own.iter().all(|x| x.slots.is_empty()) {
                "lead times and existing backlogs: no new order can be delivered by the deadline"
                    .to_string()
            } else {
                "not enough free capacity on its lines before the deadline".to_string()
            };
            unreachable.push(Unreachable {
                capability: c.id.clone(),
                target: t,
                max_level: Some(max_k),
                earliest,
                reason,
            });
        }

        let budget_years: Vec<i32> = {
            let mut y: Vec<i32> = grid.iter().map(|d| d.year()).collect();
            y.dedup();
            y
        };

        // Burden-sharing key.
        let (shares, share_key) = match &req.share {
            Some(key) => {
                let (rows, name) = share_key(s, key, &european)?;
                (rows, Some(name))
            }
            None => (vec![], None),
        };
        if shares.iter().any(|(_, _, g)| g.is_none()) {
            notes.push("nations without a GDP figure show no % of GDP".into());
        }

        let members = metrics.index_members.clone();
        let index_before = metrics.index.as_ref().map(|i| i[k]);
        Ok(PlanProblem {
            request: req.clone(),
            deadline_id,
            deadline_date,
            k,
            calendar: cal,
            buyer,
            candidates,
            plannable,
            members,
            capabilities,
            lines,
            unreachable,
            index_before,
            budget_years,
            shares,
            share_key,
            notes,
        })
    }

    /// Number of LP order variables.
    pub fn order_variables(&self) -> usize {
        self.candidates.iter().map(|c| c.slots.len()).sum()
    }

    /// Solve the LP (two phases for the coverage objective: best index, then
    /// the cheapest plan with that index) and build the report, checking the
    /// whole-unit plan with the projection.
    pub fn solve(&self, s: &Scenario) -> Result<Plan, PlanError> {
        let req = &self.request;
        let unreachable_caps: Vec<usize> = self
            .unreachable
            .iter()
            .filter_map(|u| s.capabilities.iter().position(|c| c.id == u.capability))
            .collect();
        let (x, duals, size) = match req.objective {
            Objective::Coverage => {
                let first = self.lp(s, Phase::MaxIndex, req.budget_per_year)?;
                let best = first.objective;
                let second = self.lp(s, Phase::MinCostAtIndex(best), req.budget_per_year)?;
                (second.x, first.duals, first.size)
            }
            Objective::Cost => {
                match self.lp(s, Phase::MinCost(&unreachable_caps), req.budget_per_year) {
                    Ok(r) => (r.x, r.duals, r.size),
                    Err(PlanError::Solver(_)) if req.budget_per_year.is_some() => {
                        // Infeasible within the budget: say what it would take.
                        let free = self.lp(s, Phase::MinCost(&unreachable_caps), None)?;
                        let mut per_year: Vec<(i32, f64)> = vec![];
                        let mut total = 0.0;
                        for (ci, c) in self.candidates.iter().enumerate() {
                            for (j, slot) in c.slots.iter().enumerate() {
                                let cost = free.x[ci][j] * c.unit_cost;
                                total += cost;
                                match per_year.iter_mut().find(|(y, _)| *y == slot.date.year()) {
                                    Some((_, v)) => *v += cost,
                                    None => per_year.push((slot.date.year(), cost)),
                                }
                            }
                        }
                        per_year.sort_by_key(|(y, _)| *y);
                        return Err(PlanError::BudgetTooSmall {
                            deadline: self.deadline_id.clone(),
                            total,
                            per_year: per_year
                                .iter()
                                .filter(|(_, v)| *v > 0.5)
                                .map(|(y, v)| format!("{y}: {v:.0}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            currency: s.scenario.currency.clone(),
                        });
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        Ok(self.report(s, &x, &duals, size))
    }

    fn lp(
        &self,
        s: &Scenario,
        phase: Phase<'_>,
        budget: Option<f64>,
    ) -> Result<LpResult, PlanError> {
        let mut vars = ProblemVariables::new();
        // Money is scaled to this unit so the LP's coefficients stay near 1.
        let money = budget
            .filter(|b| *b > 0.0)
            .or_else(|| self.candidates.iter().map(|c| c.unit_cost).reduce(f64::max))
            .unwrap_or(1.0)
            .max(1.0);
        let x: Vec<Vec<Variable>> = self
            .candidates
            .iter()
            .map(|c| {
                c.slots
                    .iter()
                    .map(|_| vars.add(variable().min(0.0)))
                    .collect()
            })
            .collect();
        let n: Vec<Variable> = self
            .candidates
            .iter()
            .map(|_| vars.add(variable().min(0.0)))
            .collect();
        let mut rows: Vec<Constraint> = vec![];
        // Per line: n <= X and n <= X[e_i < e_j] + F(e_j); remember the capacity rows.
        // Cumulative orders `s_{l,m} = x_{l,1} + ... + x_{l,m}` keep the FIFO
        // rows sparse (two terms each instead of up to J).
        let mut cap_rows: Vec<Vec<usize>> = vec![];
        let mut cum_count = 0;
        for (ci, c) in self.candidates.iter().enumerate() {
            let cum: Vec<Variable> = c
                .slots
                .iter()
                .map(|_| vars.add(variable().min(0.0)))
                .collect();
            cum_count += cum.len();
            for (m, (&sm, &xm)) in cum.iter().zip(&x[ci]).enumerate() {
                let prev: Expression = if m == 0 {
                    Expression::default()
                } else {
                    cum[m - 1].into()
                };
                rows.push(constraint!(sm - prev - xm == 0.0));
            }
            match cum.last() {
                Some(&last) => rows.push(constraint!(n[ci] - last <= 0.0)),
                None => rows.push(constraint!(n[ci] <= 0.0)),
            }
            let mut mine = vec![];
            for sl in &c.slots {
                // Slots are in date order and eligibility is monotone: those
                // eligible strictly earlier are a prefix.
                let before = c
                    .slots
                    .iter()
                    .take_while(|o| o.eligible < sl.eligible)
                    .count();
                mine.push(rows.len());
                if before == 0 {
                    rows.push(constraint!(n[ci] <= sl.free_after));
                } else {
                    rows.push(constraint!(n[ci] - cum[before - 1] <= sl.free_after));
                }
            }
            cap_rows.push(mine);
        }
        // Budget per year of ordering.
        let cost_of = |filter: &dyn Fn(&Slot) -> bool| -> Expression {
            let mut e = Expression::default();
            for (ci, c) in self.candidates.iter().enumerate() {
                for (j, sl) in c.slots.iter().enumerate() {
                    if filter(sl) {
                        e.add_mul(c.unit_cost / money, x[ci][j]);
                    }
                }
            }
            e
        };
        let mut budget_rows = vec![];
        if let Some(b) = budget {
            for &y in &self.budget_years {
                let e = cost_of(&|sl: &Slot| sl.date.year() == y);
                budget_rows.push((y, rows.len()));
                rows.push(constraint!(e <= b / money));
            }
        }
        // Capability levels.
        let delivered = |ci: usize| -> Expression {
            self.candidates
                .iter()
                .enumerate()
                .filter(|(_, c)| c.capability == ci)
                .map(|(i, _)| n[i])
                .sum()
        };
        let total_cost = cost_of(&|_| true);
        let wsum: f64 = self.members.iter().map(|&i| s.capabilities[i].weight).sum();
        let mut index = Expression::default();
        let mut zs = vec![];
        match phase {
            Phase::MaxIndex | Phase::MinCostAtIndex(_) => {
                for &ci in &self.members {
                    let Some(&(t, base)) = self.plannable.get(&ci) else {
                        continue;
                    };
                    if wsum <= 0.0 || s.capabilities[ci].weight <= 0.0 || base >= t {
                        continue;
                    }
                    let z = vars.add(variable().min(0.0).max(1.0));
                    zs.push(z);
                    let d = delivered(ci);
                    rows.push(constraint!(z - d / t <= base / t));
                    index.add_mul(s.capabilities[ci].weight / wsum, z);
                }
            }
            Phase::MinCost(skip) => {
                for (&ci, &(t, base)) in &self.plannable {
                    if skip.contains(&ci) || is_met(base, t) {
                        continue;
                    }
                    let applies = s
                        .deadlines
                        .iter()
                        .position(|d| d.id == self.deadline_id)
                        .is_none_or(|di| {
                            s.requirement(&s.capabilities[ci].id).is_some_and(|r| {
                                r.deadlines
                                    .as_ref()
                                    .is_none_or(|ds| ds.contains(&s.deadlines[di].id))
                            })
                        });
                    if !applies {
                        continue;
                    }
                    let d = delivered(ci);
                    // A hair above the target, so floating-point dust cannot leave it unmet.
                    rows.push(constraint!(d / t >= (t - base) / t + 1e-7));
                }
            }
        }
        let nvars = self.order_variables() + cum_count + n.len() + zs.len();
        let problem = match phase {
            Phase::MaxIndex => vars.maximise(index.clone()),
            Phase::MinCostAtIndex(best) => {
                if !zs.is_empty() {
                    rows.push(constraint!(index.clone() >= best - 1e-7));
                }
                vars.minimise(total_cost.clone())
            }
            Phase::MinCost(_) => vars.minimise(total_cost.clone()),
        };
        let nrows = rows.len();
        if nvars == 0 {
            // Nothing to order: no LP (the solver does not take an empty problem).
            return Ok(LpResult {
                x: vec![vec![]; self.candidates.len()],
                objective: 0.0,
                duals: Duals {
                    lines: vec![0.0; self.candidates.len()],
                    budget: budget_rows.iter().map(|&(y, _)| (y, 0.0)).collect(),
                    money,
                },
                size: (0, 0),
            });
        }
        let (values, duals) = run_solver(problem, rows, &x, &n, &zs)?;
        let objective = match phase {
            Phase::MaxIndex => eval_expr(&index, &values.1),
            _ => 0.0,
        };
        let mut line_duals = vec![0.0; self.candidates.len()];
        for (ci, r) in cap_rows.iter().enumerate() {
            line_duals[ci] = r.iter().map(|&i| duals[i]).sum();
        }
        let budget_duals = budget_rows
            .iter()
            .map(|&(y, i)| (y, duals[i] / money))
            .collect();
        Ok(LpResult {
            x: values.0,
            objective,
            duals: Duals {
                lines: line_duals,
                budget: budget_duals,
                money,
            },
            size: (nvars, nrows),
        })
    }

    fn report(&self, s: &Scenario, x: &[Vec<f64>], duals: &Duals, size: (usize, usize)) -> Plan {
        let req = &self.request;
        let cal = self.calendar;
        let k = self.k;
        // Drop the interior-point solver's dust.
        let x: Vec<Vec<f64>> = x
            .iter()
            .zip(&self.candidates)
            .map(|(v, c)| {
                v.iter()
                    .zip(&c.slots)
                    .map(|(q, sl)| {
                        if *q <= 1e-6 * sl.free_after.max(1.0) {
                            0.0
                        } else {
                            *q
                        }
                    })
                    .collect()
            })
            .collect();
        let rounded = self.round(&x);

        // The LP's claim: units delivered by the deadline per line.
        let mut lines = self.lines.clone();
        let mut bought: HashMap<usize, f64> = HashMap::new();
        for (ci, c) in self.candidates.iter().enumerate() {
            let n = delivered_by(&c.slots, &x[ci]);
            *bought.entry(c.capability).or_default() += n;
            let lp = &mut lines[c.line];
            lp.delivered_by_deadline = n;
            lp.bottleneck = !c.slots.is_empty()
                && (n >= c.slots[0].free_after * (1.0 - 1e-6) || duals.lines[ci].abs() > 1e-7);
            lp.shadow_price = (!c.slots.is_empty()).then(|| match req.objective {
                Objective::Coverage => clean(duals.lines[ci] * 100.0),
                Objective::Cost => clean(-duals.lines[ci] * duals.money),
            });
        }

        // Whole-unit plan, by the real projection.
        let with = self.scenario_with(s, &rounded);
        let eval = Evaluation::new(&with);
        let mut caps = self.capabilities.clone();
        let wsum: f64 = self.members.iter().map(|&i| s.capabilities[i].weight).sum();
        let mut index_after = 0.0;
        for (ci, cp) in caps.iter_mut().enumerate() {
            let b = bought.get(&ci).copied().unwrap_or(0.0);
            cp.bought = b;
            if let (Some(e), Some(t)) = (cp.level_before, cp.target) {
                cp.level_after = Some(e + b);
                cp.coverage_after = Some(coverage(e + b, t));
            }
            let m = &eval.metrics.capabilities[ci];
            cp.level_rounded = m.level.as_ref().map(|l| l[k]);
            cp.coverage_rounded = m.coverage.as_ref().map(|c| c[k]);
            if self.members.contains(&ci) {
                index_after += s.capabilities[ci].weight * cp.coverage_after.unwrap_or(0.0);
            }
        }
        let index_after = (wsum > 0.0 && self.index_before.is_some()).then(|| index_after / wsum);
        let index_rounded = eval.metrics.index.as_ref().map(|i| i[k]);

        // Orders with their schedules.
        let mut orders = vec![];
        let first_new = s.orders.len();
        let mut oi = first_new;
        for (ci, c) in self.candidates.iter().enumerate() {
            for (j, sl) in c.slots.iter().enumerate() {
                let q = x[ci][j];
                let units = rounded[ci][j];
                if q <= 0.0 && units <= 0.0 {
                    continue;
                }
                let (mut first, mut last, mut sched, mut by_k) = (None, None, vec![], 0.0);
                if units > 0.0 {
                    let p = &eval.projection;
                    first = p.first_delivery[oi].map(|f| cal.period_end(f as i64));
                    last = p.completed[oi].map(|f| cal.period_end(f as i64));
                    sched = order_schedule(&eval, &with, oi);
                    by_k = sched
                        .iter()
                        .filter(|(d, _)| *d <= cal.period_end(k as i64))
                        .map(|(_, u)| u)
                        .sum();
                    oi += 1;
                }
                orders.push(PlannedOrder {
                    line: s.lines[c.line].id.clone(),
                    capability: s.capabilities[c.capability].id.clone(),
                    date: sl.date,
                    queue_date: sl.queue_date,
                    year: sl.date.year(),
                    quantity: q,
                    units,
                    unit_cost: c.unit_cost,
                    cost: q * c.unit_cost,
                    cost_rounded: units * c.unit_cost,
                    us_export_approval: c.approval,
                    // An empty sum of f64 is -0.0; reports print plain 0.
                    delivered_by_deadline: by_k + 0.0,
                    first_delivery: first,
                    last_delivery: last,
                    schedule: sched,
                });
            }
        }
        orders.sort_by(|a, b| a.date.cmp(&b.date).then(a.line.cmp(&b.line)));

        let budget: Vec<BudgetYear> = self
            .budget_years
            .iter()
            .map(|&y| {
                // + 0.0: an empty sum of f64 is -0.0.
                let used: f64 = orders
                    .iter()
                    .filter(|o| o.year == y)
                    .map(|o| o.cost)
                    .sum::<f64>()
                    + 0.0;
                let used_rounded: f64 = orders
                    .iter()
                    .filter(|o| o.year == y)
                    .map(|o| o.cost_rounded)
                    .sum::<f64>()
                    + 0.0;
                let dual = duals
                    .budget
                    .iter()
                    .find(|(yy, _)| *yy == y)
                    .map(|(_, d)| *d);
                BudgetYear {
                    year: y,
                    budget: req.budget_per_year,
                    used,
                    used_rounded,
                    exhausted: req
                        .budget_per_year
                        .is_some_and(|b| b > 0.0 && used >= b * (1.0 - 1e-6)),
                    shadow_price_per_bn: dual.map(|d| match req.objective {
                        Objective::Coverage => clean(d * 1e9 * 100.0),
                        Objective::Cost => clean(-d * duals.money * 1e9),
                    }),
                }
            })
            .collect();
        // + 0.0: an empty sum of f64 is -0.0, which would print as "-0".
        let total_cost: f64 = orders.iter().map(|o| o.cost).sum::<f64>() + 0.0;
        let total_cost_rounded: f64 = orders.iter().map(|o| o.cost_rounded).sum::<f64>() + 0.0;

        let years = self.budget_years.len().max(1) as f64;
        let rate = if s.scenario.currency == "USD" {
            Some(1.0)
        } else {
            req.usd_per_currency
        };
        let shares = self
            .shares
            .iter()
            .map(|(nation, share, gdp)| {
                let amount = share * total_cost_rounded;
                let per_year = amount / years;
                NationShare {
                    nation: nation.clone(),
                    share: *share,
                    amount,
                    per_year,
                    gdp_musd: *gdp,
                    pct_gdp: match (gdp, rate) {
                        (Some(g), Some(r)) => share_of_gdp(per_year * r / 1e6, *g),
                        _ => None,
                    },
                }
            })
            .collect();
        let mut notes = self.notes.clone();
        if rate.is_none() && self.share_key.is_some() {
            notes.push(format!(
                "GDP is in US$: give the exchange rate (US$ per {}) to show shares as % of GDP",
                s.scenario.currency
            ));
        }
        Plan {
            objective: req.objective,
            currency: s.scenario.currency.clone(),
            deadline: self.deadline_id.clone(),
            deadline_date: self.deadline_date,
            from: req.from,
            grid: req.grid,
            budget_per_year: req.budget_per_year,
            min_european_content: req.min_european_content,
            buyer: self.buyer.clone(),
            orders,
            total_cost,
            total_cost_rounded,
            capabilities: caps,
            index_before: self.index_before,
            index_after,
            index_rounded,
            budget,
            lines,
            unreachable: self.unreachable.clone(),
            shares,
            share_key: self.share_key.clone(),
            notes,
            solver: SOLVER.to_string(),
            lp_size: size,
        }
    }

    /// Whole units per order. Rounding is done on each line's cumulative
    /// quantity, so a line's total loses (coverage: rounded down) or gains
    /// (cost: rounded up) less than one unit; if that would overspend a
    /// budget year under the coverage objective, each order is rounded down
    /// on its own instead.
    fn round(&self, x: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let objective = self.request.objective;
        let whole = |q: f64| -> f64 {
            // Solver noise: within 1e-4 of a whole number is that number.
            if (q - q.round()).abs() < 1e-4 {
                q.round()
            } else if objective == Objective::Coverage {
                q.floor()
            } else {
                q.ceil()
            }
        };
        let cumulative: Vec<Vec<f64>> = x
            .iter()
            .map(|v| {
                let (mut q, mut done) = (0.0, 0.0);
                v.iter()
                    .map(|x| {
                        q += x;
                        let r = whole(q).max(done);
                        let units = r - done;
                        done = r;
                        units
                    })
                    .collect()
            })
            .collect();
        let over_budget = self.request.budget_per_year.is_some_and(|b| {
            self.budget_years.iter().any(|&y| {
                let spent: f64 = self
                    .candidates
                    .iter()
                    .zip(&cumulative)
                    .flat_map(|(c, u)| {
                        c.slots
                            .iter()
                            .zip(u)
                            .filter(|(sl, _)| sl.date.year() == y)
                            .map(|(_, u)| u * c.unit_cost)
                    })
                    .sum();
                spent > b * (1.0 + 1e-9)
            })
        });
        if objective == Objective::Coverage && over_budget {
            x.iter()
                .map(|v| v.iter().map(|q| whole(*q)).collect())
                .collect()
        } else {
            cumulative
        }
    }

    /// The scenario with orders `q[candidate][slot]` added (booked to the plan's buyer).
    fn scenario_with(&self, s: &Scenario, q: &[Vec<f64>]) -> Scenario {
        let mut out = s.clone();
        let mut n = 0;
        for (ci, c) in self.candidates.iter().enumerate() {
            for (sl, &qj) in c.slots.iter().zip(&q[ci]) {
                if qj <= 0.0 {
                    continue;
                }
                n += 1;
                out.orders.push(Order {
                    id: format!("plan-{n}"),
                    buyer: self.buyer.clone(),
                    line: s.lines[c.line].id.clone(),
                    quantity: qj,
                    date: sl.queue_date,
                    delivered: 0.0,
                    provenance: Provenance {
                        note: Some("planned by `handover plan`".into()),
                        ..Provenance::default()
                    },
                    origin: Origin::default(),
                });
            }
        }
        out
    }
}

impl Plan {
    /// The scenario with this plan's orders added: continuous quantities when
    /// `whole_units` is false, the rounded units when true. Orders are dated at
    /// their queue date and booked to [`Plan::buyer`].
    pub fn with_orders(&self, s: &Scenario, whole_units: bool) -> Scenario {
        let mut out = s.clone();
        for (i, o) in self.orders.iter().enumerate() {
            let q = if whole_units { o.units } else { o.quantity };
            if q <= 0.0 {
                continue;
            }
            out.orders.push(Order {
                id: format!("plan-{}", i + 1),
                buyer: self.buyer.clone(),
                line: o.line.clone(),
                quantity: q,
                date: o.queue_date,
                delivered: 0.0,
                provenance: Provenance {
                    note: Some("planned by `handover plan`".into()),
                    ..Provenance::default()
                },
                origin: Origin::default(),
            });
        }
        out
    }
}

/// Build and solve in one call.
pub fn plan(s: &Scenario, eval: &Evaluation, req: &PlanRequest) -> Result<Plan, PlanError> {
    PlanProblem::build(s, eval, req)?.solve(s)
}

/// The solver's name.
#[cfg(not(feature = "highs"))]
pub const SOLVER: &str = "clarabel (pure Rust, interior point)";
/// The solver's name.
#[cfg(feature = "highs")]
pub const SOLVER: &str = "HiGHS";

enum Phase<'a> {
    MaxIndex,
    MinCostAtIndex(f64),
    MinCost(&'a [usize]),
}

struct Duals {
    /// Per candidate line: sum of the capacity rows' duals.
    lines: Vec<f64>,
    /// Per budget year: dual per unit of money.
    budget: Vec<(i32, f64)>,
    money: f64,
}

struct LpResult {
    x: Vec<Vec<f64>>,
    objective: f64,
    duals: Duals,
    size: (usize, usize),
}

fn clean(x: f64) -> f64 {
    if x.abs() < 1e-9 {
        0.0
    } else {
        x
    }
}

fn eval_expr(e: &Expression, values: &HashMap<Variable, f64>) -> f64 {
    e.eval_with(values)
}

/// Units delivered by the deadline to orders `q` on slots `slots`:
/// `min(X, min_j (X[e_i < e_j] + F(e_j)))`.
fn delivered_by(slots: &[Slot], q: &[f64]) -> f64 {
    let total: f64 = q.iter().sum();
    let mut n = total;
    for sl in slots {
        let before: f64 = slots
            .iter()
            .zip(q)
            .filter(|(o, _)| o.eligible < sl.eligible)
            .map(|(_, v)| v)
            .sum();
        n = n.min(before + sl.free_after);
    }
    n.max(0.0)
}

fn order_schedule(eval: &Evaluation, _s: &Scenario, oi: usize) -> Vec<(NaiveDate, f64)> {
    // Deliveries to one order are not stored per period; replay its line's FIFO.
    let m = &eval.model;
    let p = &eval.projection;
    let li = m.orders[oi].line;
    let line = &m.lines[li];
    let mut fifo = line.orders.clone();
    fifo.sort_by_key(|&i| (m.orders[i].date, i));
    let mut open: Vec<f64> = fifo.iter().map(|&i| m.orders[i].open).collect();
    let pos = fifo.iter().position(|&i| i == oi);
    let mut out = vec![];
    let Some(pos) = pos else { return out };
    for k in 0..p.periods {
        let mut d = p.delivered[li][k];
        for (j, &o) in fifo.iter().enumerate() {
            if d <= EPS {
                break;
            }
            let eligible = m.calendar.period_of(m.orders[o].date) + line.lead;
            if eligible > k as i64 {
                break;
            }
            let take = d.min(open[j]);
            open[j] -= take;
            d -= take;
            if j == pos && take > EPS {
                out.push((m.calendar.period_end(k as i64), take));
            }
        }
    }
    out
}

type LpValues = (Vec<Vec<f64>>, HashMap<Variable, f64>);

fn run_solver(
    problem: good_lp::variable::UnsolvedProblem,
    rows: Vec<Constraint>,
    x: &[Vec<Variable>],
    n: &[Variable],
    z: &[Variable],
) -> Result<(LpValues, Vec<f64>), PlanError> {
    #[cfg(not(feature = "highs"))]
    let mut model = problem.using(good_lp::clarabel);
    #[cfg(feature = "highs")]
    let mut model = {
        let mut m = problem.using(good_lp::highs);
        m.set_verbose(false);
        m
    };
    let refs: Vec<_> = rows.into_iter().map(|r| model.add_constraint(r)).collect();
    // A solver bug must not bring the program down: report it as a failure.
    let solved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.solve()))
        .map_err(|_| PlanError::Solver("the solver failed internally".into()))?;
    let mut sol = solved.map_err(solver_error)?;
    let xv: Vec<Vec<f64>> = x
        .iter()
        .map(|v| v.iter().map(|&var| sol.value(var).max(0.0)).collect())
        .collect();
    let mut all = HashMap::new();
    for v in x.iter().flatten().chain(n).chain(z) {
        all.insert(*v, sol.value(*v));
    }
    let dual = sol.compute_dual();
    let duals = refs.iter().map(|r| dual.dual(r.clone())).collect();
    // Values of every variable, for evaluating the objective expression.
    Ok(((xv, all), duals))
}

/// The user-facing message for a solver outcome without a plan: what it
/// means and what to change, never the solver's own text alone. Shown after
/// "the planner's linear program could not be solved: ".
fn solver_error(e: ResolutionError) -> PlanError {
    let stopped = |why: &str| {
        format!(
            "the solver stopped without a plan ({why}); a smaller problem may solve: \
             a coarser --grid, a later --from or an earlier --deadline"
        )
    };
    PlanError::Solver(match e {
        ResolutionError::Infeasible => "it is infeasible: no set of orders meets the budget, \
             the lines' free capacity and the targets at once by the deadline; \
             raise --budget or choose a later --deadline"
            .into(),
        ResolutionError::Unbounded => "it is unbounded: the objective has no limit, \
             although every order is bounded by its line's free capacity and priced at its unit cost; \
             check the scenario's capacities and unit costs with `handover validate`"
            .into(),
        ResolutionError::Other(why) => stopped(why),
        ResolutionError::Str(why) => stopped(&why),
    })
}

/// A nation's row of the key: `(nation, share, GDP US$ m)`.
type KeyRow = (String, f64, Option<f64>);

/// The burden-sharing key and its name.
fn share_key(
    s: &Scenario,
    key: &ShareKey,
    european: &[&str],
) -> Result<(Vec<KeyRow>, String), PlanError> {
    let gdp = |n: &str| latest_gdp_musd(s, n);
    let rows: Vec<(String, f64)> = match key {
        ShareKey::Equal => european.iter().map(|n| (n.to_string(), 1.0)).collect(),
        ShareKey::Gdp => {
            let rows: Vec<(String, f64)> = european
                .iter()
                .filter_map(|n| Some((n.to_string(), gdp(n)?)))
                .collect();
            if rows.is_empty() {
                return Err(PlanError::Request(
                    "--share gdp: no European nation has a GDP figure in the economics table; use --share equal or a FILE".into(),
                ));
            }
            rows
        }
        ShareKey::Custom(rows) => {
            let mut out: Vec<(String, f64)> = vec![];
            for r in rows {
                if !s.nations.iter().any(|n| n.code == r.nation) {
                    return Err(PlanError::Request(format!(
                        "{}: field `nation`: unknown nation `{}`; expected a code from nations.csv",
                        r.origin, r.nation
                    )));
                }
                if !(r.share.is_finite() && r.share >= 0.0) {
                    return Err(PlanError::Request(format!(
                        "{}: field `share`: {} is not a share; expected a number >= 0",
                        r.origin, r.share
                    )));
                }
                if out.iter().any(|(n, _)| *n == r.nation) {
                    return Err(PlanError::Request(format!(
                        "{}: field `nation`: `{}` appears twice",
                        r.origin, r.nation
                    )));
                }
                out.push((r.nation.clone(), r.share));
            }
            out
        }
    };
    let sum: f64 = rows.iter().map(|(_, v)| v).sum();
    if sum <= 0.0 {
        return Err(PlanError::Request(
            "the share key's shares sum to zero; expected positive shares".into(),
        ));
    }
    let name = match key {
        ShareKey::Gdp => "gdp".to_string(),
        ShareKey::Equal => "equal".to_string(),
        ShareKey::Custom(rows) => rows
            .first()
            .map(|r| r.origin.file.clone())
            .unwrap_or_else(|| "file".into()),
    };
    let mut out: Vec<(String, f64, Option<f64>)> = rows
        .into_iter()
        .map(|(n, v)| {
            let g = gdp(&n);
            (n, v / sum, g)
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok((out, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;
    use crate::validate::{errors, validate};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn run(s: &Scenario, req: &PlanRequest) -> Result<Plan, PlanError> {
        let problems = validate(s);
        assert!(errors(&problems).next().is_none(), "{problems:?}");
        let eval = Evaluation::new(s);
        plan(s, &eval, req)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-4 * b.abs().max(1.0)
    }

    fn ordered(p: &Plan, line: &str) -> f64 {
        p.orders
            .iter()
            .filter(|o| o.line == line)
            .map(|o| o.quantity)
            .sum()
    }

    fn base() -> ScenarioBuilder {
        ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["EUROPE"])
            .nation("FR", &["EUROPE"])
            .nation("US", &["NATO"])
    }

    /// Two lines, one budget year: the cheap line (1 a unit, 12 a year) and
    /// the dear one (2 a unit, 24 a year), both without lead time or backlog.
    fn two_lines(target: f64) -> Scenario {
        base()
            .stock("sam", target)
            .holding("EUROPE", "sam", 0.0)
            .line("cheap", "sam", "DE", 0)
            .unit_cost("cheap", 1.0)
            .capacity("cheap", "2026-01-01", 12.0)
            .line("dear", "sam", "FR", 0)
            .unit_cost("dear", 2.0)
            .capacity("dear", "2026-01-01", 24.0)
            .build()
    }

    fn request(objective: Objective, budget: Option<f64>, deadline: &str) -> PlanRequest {
        let mut r = PlanRequest::new(objective, d("2026-01-01"), deadline);
        r.budget_per_year = budget;
        r.grid = Step::Year;
        r
    }

    #[test]
    fn coverage_by_hand_two_lines_one_budget_year() {
        // Budget 16 in 2026, deadline end-2026: all 12 cheap units (12), then
        // 2 dear ones (4): 14 of 20 = 0.7. Nothing better: the next unit costs 2.
        let s = two_lines(20.0);
        let p = run(&s, &request(Objective::Coverage, Some(16.0), "2026-12-31")).unwrap();
        assert!(close(ordered(&p, "cheap"), 12.0), "{:?}", p.orders);
        assert!(close(ordered(&p, "dear"), 2.0), "{:?}", p.orders);
        assert!(close(p.total_cost, 16.0));
        assert!(close(p.index_after.unwrap(), 0.7));
        assert_eq!(p.index_before, Some(0.0));
        assert_eq!(p.budget.len(), 1);
        assert!(p.budget[0].exhausted);
        // One more euro buys half a dear unit: 0.5 / 20 of coverage = 2.5 points per euro.
        let price = p.budget[0].shadow_price_per_bn.unwrap() / 1e9;
        assert!(close(price, 2.5), "{price}");
        // The cheap line is the bottleneck: all its capacity is taken.
        let cheap = p.lines.iter().find(|l| l.line == "cheap").unwrap();
        assert!(cheap.bottleneck);
        assert!(
            !p.lines
                .iter()
                .find(|l| l.line == "dear")
                .unwrap()
                .bottleneck
        );
        // Rounding down keeps whole units here, so nothing changes.
        assert!(close(p.index_rounded.unwrap(), 0.7));
        assert!(close(p.total_cost_rounded, 16.0));
    }

    #[test]
    fn cost_by_hand_two_lines() {
        // Target 20: 12 cheap (12) + 8 dear (16) = 28.
        let s = two_lines(20.0);
        let p = run(&s, &request(Objective::Cost, None, "2026-12-31")).unwrap();
        assert!(close(p.total_cost, 28.0), "{}", p.total_cost);
        assert!(close(ordered(&p, "cheap"), 12.0));
        assert!(close(ordered(&p, "dear"), 8.0));
        assert!(p.unreachable.is_empty());
        assert!(close(p.capabilities[0].coverage_rounded.unwrap(), 1.0));
        // One more unit of cheap capacity saves 2 - 1 = 1.
        let cheap = p.lines.iter().find(|l| l.line == "cheap").unwrap();
        assert!(close(cheap.shadow_price.unwrap(), 1.0), "{cheap:?}");
    }

    #[test]
    fn cost_within_too_small_budget_says_what_it_needs() {
        let s = two_lines(20.0);
        let e = run(&s, &request(Objective::Cost, Some(20.0), "2026-12-31")).unwrap_err();
        match e {
            PlanError::BudgetTooSmall { total, .. } => assert!(close(total, 28.0)),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn backlog_sends_orders_to_the_slower_but_emptier_line() {
        // `fast` makes 24 a year but 23 units of an older order queue first:
        // one unit is free before end-2026. `slow` makes 6 a year, empty.
        // Target 6: 1 on fast (cost 1), 5 on slow (cost 2 each) = 11.
        let s = base()
            .stock("sam", 6.0)
            .holding("EUROPE", "sam", 0.0)
            .line("fast", "sam", "DE", 0)
            .unit_cost("fast", 1.0)
            .capacity("fast", "2025-01-01", 24.0)
            .order("old", "US", "fast", 23.0, "2025-12-01")
            .line("slow", "sam", "FR", 0)
            .unit_cost("slow", 2.0)
            .capacity("slow", "2025-01-01", 6.0)
            .build();
        let p = run(&s, &request(Objective::Cost, None, "2026-12-31")).unwrap();
        assert!(close(ordered(&p, "slow"), 5.0), "{:?}", p.orders);
        assert!(close(ordered(&p, "fast"), 1.0), "{:?}", p.orders);
        assert!(close(p.total_cost, 11.0));
        let fast = p.lines.iter().find(|l| l.line == "fast").unwrap();
        assert!(close(fast.free_by_deadline, 1.0));
        assert!(fast.bottleneck);
        // The fast line's new unit arrives after the backlog: December 2026.
        let o = p.orders.iter().find(|o| o.line == "fast").unwrap();
        assert_eq!(o.first_delivery, Some(d("2026-12-31")));
    }

    #[test]
    fn content_rule_excludes_a_line_and_unknown_content_fails_it() {
        let s = base()
            .stock("sam", 10.0)
            .holding("EUROPE", "sam", 0.0)
            .line("mixed", "sam", "DE", 0)
            .unit_cost("mixed", 1.0)
            .capacity("mixed", "2026-01-01", 120.0)
            .line("european", "sam", "FR", 0)
            .unit_cost("european", 3.0)
            .capacity("european", "2026-01-01", 120.0)
            .line("unknown", "sam", "FR", 0)
            .unit_cost("unknown", 0.5)
            .capacity("unknown", "2026-01-01", 120.0)
            .with(|s| {
                s.lines[0].content_eu = Some(0.5);
                s.lines[0].content_us = Some(0.5);
                s.lines[1].content_eu = Some(0.8);
                s.lines[1].content_other = Some(0.2);
            })
            .build();
        let mut req = request(Objective::Cost, None, "2026-12-31");
        let free = run(&s, &req).unwrap();
        assert!(
            close(ordered(&free, "unknown"), 10.0),
            "cheapest without the rule"
        );
        req.min_european_content = Some(0.65);
        let p = run(&s, &req).unwrap();
        assert!(close(ordered(&p, "european"), 10.0), "{:?}", p.orders);
        assert_eq!(ordered(&p, "mixed"), 0.0);
        assert!(close(p.total_cost, 30.0));
        let mixed = p.lines.iter().find(|l| l.line == "mixed").unwrap();
        assert!(!mixed.eligible);
        assert!(mixed.reason.as_ref().unwrap().contains("0.5 is below"));
        let unknown = p.lines.iter().find(|l| l.line == "unknown").unwrap();
        assert!(unknown.reason.as_ref().unwrap().contains("unknown"));
    }

    #[test]
    fn unreachable_targets_are_named_with_their_earliest_date() {
        // One unit a month from January 2026: 12 by end-2026, 18 by end of June 2027.
        let s = base()
            .stock("sam", 18.0)
            .holding("EUROPE", "sam", 0.0)
            .line("l", "sam", "DE", 0)
            .unit_cost("l", 1.0)
            .capacity("l", "2026-01-01", 12.0)
            .stock("tank", 5.0)
            .holding("EUROPE", "tank", 1.0)
            .line("t", "tank", "DE", 0)
            .unit_cost("t", 1.0)
            .capacity("t", "2026-01-01", 12.0)
            .flow("ammo", 100.0)
            .line("a", "ammo", "DE", 0)
            .capacity("a", "2026-01-01", 50.0)
            .build();
        let p = run(&s, &request(Objective::Cost, None, "2026-12-31")).unwrap();
        let sam = p
            .unreachable
            .iter()
            .find(|u| u.capability == "sam")
            .unwrap();
        assert_eq!(sam.earliest, Some(d("2027-06-30")));
        assert!(close(sam.max_level.unwrap(), 12.0));
        let ammo = p
            .unreachable
            .iter()
            .find(|u| u.capability == "ammo")
            .unwrap();
        assert!(ammo.reason.contains("flow"), "{}", ammo.reason);
        assert_eq!(ammo.earliest, None);
        assert_eq!(p.unreachable.len(), 2);
        // The reachable target is still planned: 4 tanks.
        assert!(close(ordered(&p, "t"), 4.0));
        assert_eq!(ordered(&p, "l"), 0.0);
        // A target beyond the horizon has no date.
        let s2 = base()
            .stock("sam", 100.0)
            .holding("EUROPE", "sam", 0.0)
            .line("l", "sam", "DE", 0)
            .unit_cost("l", 1.0)
            .capacity("l", "2026-01-01", 12.0)
            .build();
        let p2 = run(&s2, &request(Objective::Cost, None, "2026-12-31")).unwrap();
        assert_eq!(p2.unreachable[0].earliest, None);
    }

    #[test]
    fn bad_requests_get_clear_messages() {
        let s = two_lines(20.0);
        let e = run(&s, &request(Objective::Coverage, None, "2026-12-31")).unwrap_err();
        assert!(e.to_string().contains("--budget"), "{e}");
        let e = run(&s, &request(Objective::Cost, None, "nope")).unwrap_err();
        assert!(e.to_string().contains("us-2027"), "{e}");
        let mut r = request(Objective::Cost, None, "us-2027");
        r.min_european_content = Some(65.0);
        assert!(run(&s, &r)
            .unwrap_err()
            .to_string()
            .contains("between 0 and 1"));
        let mut r = request(Objective::Cost, None, "us-2027");
        r.from = d("2025-01-01");
        assert!(run(&s, &r)
            .unwrap_err()
            .to_string()
            .contains("before the scenario start"));
        let mut r = request(Objective::Cost, None, "us-2027");
        r.share = Some(ShareKey::Custom(vec![ShareRow {
            nation: "XX".into(),
            share: 1.0,
            origin: Origin::line("key.csv", 2),
        }]));
        let e = run(&s, &r).unwrap_err().to_string();
        assert!(e.contains("key.csv:2") && e.contains("XX"), "{e}");
    }

    #[test]
    fn totals_of_no_orders_are_plain_zero() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
            .nation("DE", &["EUROPE"])
            .stock("x", 10.0)
            .holding("DE", "x", 10.0)
            .line("l", "x", "DE", 0)
            .unit_cost("l", 1.0)
            .capacity("l", "2026-01-01", 12.0)
            .build();
        let eval = Evaluation::new(&s);
        let p = plan(
            &s,
            &eval,
            &PlanRequest::new(Objective::Cost, s.scenario.start, "us-2027"),
        )
        .unwrap();
        assert!(p.orders.is_empty());
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("-0.0"), "{json}");
        assert!(p.total_cost.is_sign_positive());
    }

    #[test]
    fn solver_outcomes_without_a_plan_get_clear_messages() {
        let msg = |e: ResolutionError| solver_error(e).to_string();
        let prefix = "the planner's linear program could not be solved: ";
        let infeasible = msg(ResolutionError::Infeasible);
        assert_eq!(
            infeasible,
            format!(
                "{prefix}it is infeasible: no set of orders meets the budget, the lines' free \
                 capacity and the targets at once by the deadline; raise --budget or choose a \
                 later --deadline"
            )
        );
        let unbounded = msg(ResolutionError::Unbounded);
        assert_eq!(
            unbounded,
            format!(
                "{prefix}it is unbounded: the objective has no limit, although every order is \
                 bounded by its line's free capacity and priced at its unit cost; check the \
                 scenario's capacities and unit costs with `handover validate`"
            )
        );
        // The solver's own wording ("Infeasible: The problem contains
        // contradictory constraints...") never reaches the user.
        for m in [&infeasible, &unbounded] {
            assert!(
                !m.contains("contradictory") && !m.contains("infinitely"),
                "{m}"
            );
        }
        // Other stops keep the solver's reason, in brackets, with what to try.
        let stopped = msg(ResolutionError::Other("Max iterations reached"));
        assert_eq!(
            stopped,
            format!(
                "{prefix}the solver stopped without a plan (Max iterations reached); a smaller \
                 problem may solve: a coarser --grid, a later --from or an earlier --deadline"
            )
        );
        assert!(
            !stopped.contains("An unexpected error occurred"),
            "{stopped}"
        );
        let stopped = msg(ResolutionError::Str(
            "HiGHS error while solving model".into(),
        ));
        assert!(
            stopped.contains("stopped without a plan (HiGHS error while solving model)"),
            "{stopped}"
        );
        assert!(stopped.contains("a coarser --grid"), "{stopped}");
    }

    #[test]
    fn an_infeasible_lp_reaches_the_user_as_the_clear_message() {
        // Through the real solver and `run_solver`: x <= 9 and x >= 10.
        let mut vars = ProblemVariables::new();
        let x = vars.add(variable().min(0.0));
        let rows = vec![constraint!(x <= 9.0), constraint!(x >= 10.0)];
        let e = run_solver(vars.maximise(x), rows, &[vec![x]], &[], &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            solver_error(ResolutionError::Infeasible).to_string()
        );
    }

    /// A scenario with backlogs, lead times, capacity ramps, an export-approval
    /// delay and two capabilities: the oracle test's ground.
    fn rich() -> Scenario {
        ScenarioBuilder::monthly("2026-01-01", "2031-12-31")
            .nation("DE", &["EUROPE"])
            .nation("PL", &["EUROPE"])
            .nation("US", &["NATO"])
            .stock("sam", 60.0)
            .stock("mbt", 400.0)
            .weight("mbt", 2.0)
            .holding("EUROPE", "sam", 10.0)
            .holding("EUROPE", "mbt", 150.0)
            .line("sam-de", "sam", "DE", 14)
            .unit_cost("sam-de", 400.0)
            .capacity("sam-de", "2025-01-01", 6.0)
            .capacity("sam-de", "2027-07-01", 12.0)
            .order("b1", "PL", "sam-de", 9.0, "2025-03-01")
            .order("b2", "US", "sam-de", 5.0, "2025-09-01")
            .line("sam-us", "sam", "US", 24)
            .unit_cost("sam-us", 300.0)
            .capacity("sam-us", "2025-01-01", 12.0)
            .order("b3", "DE", "sam-us", 20.0, "2025-06-01")
            .delivered(4.0)
            .line("mbt-de", "mbt", "DE", 30)
            .unit_cost("mbt-de", 20.0)
            .capacity("mbt-de", "2025-01-01", 36.0)
            .capacity("mbt-de", "2026-10-01", 60.0)
            .order("b4", "DE", "mbt-de", 100.0, "2024-05-01")
            .line("mbt-pl", "mbt", "PL", 18)
            .unit_cost("mbt-pl", 25.0)
            .capacity("mbt-pl", "2026-01-01", 24.0)
            .with(|s| {
                s.scenario.us_export_approval_months = 5;
                s.lines[1].content_us = Some(0.6);
                s.lines[1].content_eu = Some(0.4);
            })
            .build()
    }

    #[test]
    fn plan_claims_match_assess_with_the_orders_added() {
        let s = rich();
        for (objective, budget, grid, deadline) in [
            (
                Objective::Coverage,
                Some(3000.0),
                Step::Quarter,
                "2029-12-31",
            ),
            (Objective::Coverage, Some(800.0), Step::Month, "2030-12-31"),
            (
                Objective::Coverage,
                Some(100_000.0),
                Step::Year,
                "2031-06-30",
            ),
            (Objective::Cost, None, Step::Quarter, "2030-12-31"),
            (Objective::Cost, Some(10_000.0), Step::Quarter, "2031-12-31"),
        ] {
            let mut r = PlanRequest::new(objective, d("2026-01-01"), deadline);
            r.budget_per_year = budget;
            r.grid = grid;
            let p = run(&s, &r).unwrap();
            assert!(!p.orders.is_empty(), "{objective} {deadline}: no orders");
            let at = d(deadline);
            for whole in [false, true] {
                let with = p.with_orders(&s, whole);
                assert!(errors(&validate(&with)).next().is_none());
                let eval = Evaluation::new(&with);
                let a = eval.assess(&with, at, false).unwrap();
                let index = a.index.at.unwrap();
                let claim = if whole {
                    p.index_rounded
                } else {
                    p.index_after
                };
                assert!(
                    (index - claim.unwrap()).abs() < 1e-6,
                    "{objective} {deadline} whole={whole}: assess {index} vs plan {claim:?}"
                );
                for (c, cp) in a.capabilities.iter().zip(&p.capabilities) {
                    let claim = if whole {
                        cp.level_rounded
                    } else {
                        cp.level_after
                    };
                    let (x, y) = (c.level.unwrap(), claim.unwrap());
                    assert!((x - y).abs() < 1e-6 * x.max(1.0), "{} {x} vs {y}", c.id);
                }
            }
            // Budget respected per year; approval delay applied to the US line.
            for b in &p.budget {
                if let Some(limit) = b.budget {
                    assert!(b.used <= limit * (1.0 + 1e-6));
                    assert!(b.used_rounded <= limit * (1.0 + 1e-6));
                }
            }
            for o in p.orders.iter().filter(|o| o.line == "sam-us") {
                assert!(o.us_export_approval);
                assert_eq!(o.queue_date, shift_months(o.date, 5));
            }
            if objective == Objective::Cost {
                for cp in &p.capabilities {
                    if !p.unreachable.iter().any(|u| u.capability == cp.capability) {
                        assert!(cp.coverage_rounded.unwrap() >= 1.0 - 1e-9, "{cp:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn more_budget_never_lowers_coverage() {
        let s = rich();
        let mut last = -1.0;
        for budget in [0.0, 500.0, 1500.0, 5000.0, 50_000.0] {
            let mut r = PlanRequest::new(Objective::Coverage, d("2026-01-01"), "2029-12-31");
            r.budget_per_year = Some(budget);
            let p = run(&s, &r).unwrap();
            let i = p.index_after.unwrap();
            assert!(i >= last - 1e-7, "{budget}: {i} < {last}");
            last = i;
        }
    }

    #[test]
    fn gdp_key_splits_by_gdp_and_reports_share_of_gdp() {
        let mut s = two_lines(20.0);
        for (n, gdp) in [("DE", 3000.0), ("FR", 1000.0)] {
            s.economics.push(crate::scenario::Economics {
                nation: n.into(),
                year: 2024,
                gdp_musd: Some(gdp),
                defence_musd: None,
                defence_pct_gdp: None,
                provenance: Provenance::default(),
                origin: Origin::default(),
            });
        }
        let mut r = request(Objective::Cost, None, "2026-12-31");
        r.share = Some(ShareKey::Gdp);
        r.usd_per_currency = Some(1e6); // 1 unit of money = US$ 1 m, for round numbers
        let p = run(&s, &r).unwrap();
        assert_eq!(p.shares.len(), 2);
        assert_eq!(p.shares[0].nation, "DE");
        assert!(close(p.shares[0].share, 0.75));
        assert!(close(p.shares[0].amount, 21.0));
        // 21 of money = US$ 21 m a year against a GDP of US$ 3,000 m: 0.7 %.
        assert!(close(p.shares[0].pct_gdp.unwrap() * 1000.0, 7.0));
    }

    #[test]
    fn a_synthetic_scenario_plans_and_agrees_with_assess() {
        // Existing orders run to 2030, and new ones queue behind them.
        let spec = "lines=20,capabilities=5,nations=4,years=8".parse().unwrap();
        let s = crate::synthetic::generate(&spec);
        let problems = validate(&s);
        assert!(
            errors(&problems).next().is_none(),
            "{:?}",
            errors(&problems).next()
        );
        let mut r = PlanRequest::new(Objective::Coverage, d("2026-01-01"), "2032-12-31");
        r.budget_per_year = Some(5e9);
        let p = run(&s, &r).unwrap();
        assert!(p.index_after.unwrap() > p.index_before.unwrap());
        let with = p.with_orders(&s, false);
        let eval = Evaluation::new(&with);
        let k = eval.model.calendar.period_of(d("2032-12-31")) as usize;
        let i = eval.metrics.index.unwrap()[k];
        assert!(
            (i - p.index_after.unwrap()).abs() < 1e-6,
            "{i} vs {:?}",
            p.index_after
        );
    }
}
