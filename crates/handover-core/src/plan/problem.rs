//! The LP's data, built once from the scenario and its projection: grid
//! slots per eligible line, the free capacity the backlog leaves, which
//! capabilities orders can raise, the budget years and the share key.

use super::invest::{self, InvCandidate};
use super::share::{latest_gdp_musd, share_key, KeyRow};
use super::{
    CapabilityPlan, InvestmentOption, LinePlan, Objective, PlanError, PlanRequest, Unreachable,
};
use crate::assess::Evaluation;
use crate::metrics::is_met;
use crate::projection::{shift_months, LevelBasis, EPS};
use crate::scenario::{CapabilityKind, Scenario};
use crate::time::Calendar;
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

/// A grid point on a line: one LP variable.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    pub(super) date: NaiveDate,
    pub(super) queue_date: NaiveDate,
    /// First period a delivery may come.
    pub(super) eligible: i64,
    /// Free capacity from `eligible` to the deadline.
    pub(super) free_after: f64,
}

#[derive(Debug, Clone)]
pub(super) struct Candidate {
    /// Index into `Scenario::lines`.
    pub(super) line: usize,
    pub(super) capability: usize,
    pub(super) unit_cost: f64,
    pub(super) approval: bool,
    pub(super) slots: Vec<Slot>,
    /// First period a new order could be delivered at all (first grid date), for the earliest-date scan.
    pub(super) first_eligible: i64,
}

/// Everything the LP needs, built once; [`PlanProblem::solve`] solves it.
#[derive(Debug, Clone)]
pub struct PlanProblem {
    pub(super) request: PlanRequest,
    pub(super) deadline_id: String,
    pub(super) deadline_date: NaiveDate,
    /// Deadline period.
    pub(super) k: usize,
    pub(super) calendar: Calendar,
    pub(super) buyer: String,
    pub(super) candidates: Vec<Candidate>,
    /// Candidate investments the program may choose.
    pub(super) investments: Vec<InvCandidate>,
    /// Per investment row: whether it could be used.
    pub(super) investment_options: Vec<InvestmentOption>,
    /// Workforce limits that bear on some candidate.
    pub(super) workforce: Vec<WorkforceRow>,
    /// Capabilities orders can raise: index -> (target, level at K without plan).
    pub(super) plannable: HashMap<usize, (f64, f64)>,
    /// Index members and weights.
    pub(super) members: Vec<usize>,
    pub(super) capabilities: Vec<CapabilityPlan>,
    pub(super) lines: Vec<LinePlan>,
    pub(super) unreachable: Vec<Unreachable>,
    pub(super) index_before: Option<f64>,
    pub(super) budget_years: Vec<i32>,
    pub(super) shares: Vec<KeyRow>,
    pub(super) share_key: Option<String>,
    /// `--workshare`, resolved.
    pub(super) workshare: Option<super::workshare::Workshare>,
    pub(super) notes: Vec<String>,
}

/// A workforce.csv row and the candidates whose hiring it limits.
#[derive(Debug, Clone)]
pub(super) struct WorkforceRow {
    pub(super) nation: String,
    pub(super) year: i32,
    pub(super) available: f64,
    /// Indices into `PlanProblem::investments`.
    pub(super) members: Vec<usize>,
}

/// Why a line with European content `content_eu` fails `--min-european-content`, if it does.
pub(super) fn content_rule(min: Option<f64>, content_eu: Option<f64>) -> Option<String> {
    let min = min?;
    match content_eu {
        None => Some(format!(
            "European content unknown: treated as not meeting --min-european-content {min}"
        )),
        Some(c) if c + 1e-12 < min => Some(format!(
            "European content {c} is below --min-european-content {min}"
        )),
        _ => None,
    }
}

/// Whether a line needs US export approval: US-origin content, or no content
/// data on a line located in the US.
pub(super) fn needs_us_approval(s: &Scenario, line: usize) -> bool {
    let l = &s.lines[line];
    match l.content_us {
        Some(u) => u > 0.0,
        None => l.nation == "US",
    }
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
            let has_investment = s.investments.iter().any(|i| i.capability == c.id);
            let not_plannable = match (c.kind, eval.model.basis[ci], m.target) {
                (_, _, None) => Some("no requirement: nothing to plan for".to_string()),
                (CapabilityKind::Flow, LevelBasis::Unknown, _) => Some(
                    "no European production capacity: the level is unknown".to_string(),
                ),
                (CapabilityKind::Flow, _, _) if !req.investments => Some(
                    "flow capability: orders do not raise production capacity, and --no-investments"
                        .to_string(),
                ),
                (CapabilityKind::Flow, _, _) if !has_investment => Some(
                    "flow capability: orders do not raise production capacity, and investments.csv has no candidate for it"
                        .to_string(),
                ),
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
            if s.capabilities[ci].kind == CapabilityKind::Flow {
                reason = Some(
                    "flow capability: orders do not raise capacity; investments do".to_string(),
                );
            } else if !plannable.contains_key(&ci) {
                reason = Some(format!(
                    "capability `{}`: {}",
                    s.capabilities[ci].id,
                    capabilities[ci]
                        .not_plannable
                        .clone()
                        .unwrap_or_else(|| "not plannable".into())
                ));
            } else if !s.capacity.iter().any(|c| c.line == l.id) {
                reason = Some(
                    "no capacity data (no capacity.csv row for the line): its output is unknown, so orders on it cannot be planned"
                        .into(),
                );
            } else if l.unit_cost.is_none_or(|c| c <= 0.0) {
                reason = Some("no unit cost: cannot be planned".into());
            } else if let Some(why) = content_rule(req.min_european_content, l.content_eu) {
                reason = Some(why);
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
        // Candidate investments.
        let inv =
            invest::candidates(
                s,
                req,
                &cal,
                k,
                &grid,
                deadline_date,
                &|ci| match &capabilities[ci].not_plannable {
                    Some(why) => Err(why.clone()),
                    None if !plannable.contains_key(&ci) => Err("not plannable".into()),
                    None => Ok(()),
                },
            );
        let investments = inv.candidates;
        let investment_options = inv.options;
        let mut workforce = vec![];
        for w in &s.workforce {
            let members: Vec<usize> = investments
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    let n = &s.investments[c.inv].nation;
                    c.workers.is_some_and(|x| x > 0.0)
                        && (n == &w.nation
                            || s.nations
                                .iter()
                                .any(|x| &x.code == n && x.groups.contains(&w.nation)))
                        && c.decisions
                            .iter()
                            .any(|d| d.hire_years.iter().any(|(y, _)| *y == w.year))
                })
                .map(|(i, _)| i)
                .collect();
            if !members.is_empty() {
                workforce.push(WorkforceRow {
                    nation: w.nation.clone(),
                    year: w.year,
                    available: w.workers,
                    members,
                });
            }
        }
        let no_workers: Vec<&str> = investments
            .iter()
            .filter(|c| c.workers.is_none())
            .map(|c| s.investments[c.inv].id.as_str())
            .collect();
        if !no_workers.is_empty() {
            notes.push(format!(
                "workers per unit unknown for {}: their hiring is not limited",
                no_workers.join(", ")
            ));
        }
        let unlimited: Vec<String> = {
            let mut v: Vec<String> = investments
                .iter()
                .filter(|c| c.workers.is_some())
                .filter(|c| {
                    let n = &s.investments[c.inv].nation;
                    !s.workforce.iter().any(|w| {
                        &w.nation == n
                            || s.nations
                                .iter()
                                .any(|x| &x.code == n && x.groups.contains(&w.nation))
                    })
                })
                .map(|c| s.investments[c.inv].nation.clone())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        if !unlimited.is_empty() {
            notes.push(format!(
                "no workforce.csv row for {}: hiring there is not limited",
                unlimited.join(", ")
            ));
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

            let own_inv: Vec<&InvCandidate> =
                investments.iter().filter(|x| x.capability == ci).collect();
            let inv_at = |p: usize| -> f64 {
                own_inv
                    .iter()
                    .map(|x| {
                        let Some(d) = x.decisions.first() else {
                            return 0.0;
                        };
                        if x.flow {
                            x.max * d.per_period[p] / cal.per_period(1.0)
                        } else {
                            let e = x.slots.first().map_or(i64::MAX / 2, |sl| sl.eligible);
                            if e > p as i64 {
                                0.0
                            } else {
                                x.max * d.per_period[e.max(0) as usize..=p].iter().sum::<f64>()
                            }
                        }
                    })
                    .sum()
            };
            let max_k = level[k]
                + own
                    .iter()
                    .map(|x| x.slots.first().map_or(0.0, |s| s.free_after))
                    .sum::<f64>()
                + own_inv.iter().map(|x| x.most_by_deadline()).sum::<f64>();
            if is_met(max_k, t) {
                continue;
            }
            let max_at = |p: usize| -> f64 {
                level[p]
                    + own
                        .iter()
                        .map(|x| free_from(x.line, x.first_eligible.min(i64::MAX / 2), p))
                        .sum::<f64>()
                    + inv_at(p)
            };
            let earliest = (k + 1..periods)
                .find(|&p| is_met(max_at(p), t))
                .map(|p| cal.period_end(p as i64));
            let reason = if c.kind == CapabilityKind::Flow {
                if own_inv.is_empty() {
                    "no candidate investment with the figures to plan it (see the investments)"
                        .to_string()
                } else {
                    "its candidate investments, at their maximum size and earliest date, do not add enough capacity by the deadline".to_string()
                }
            } else if !eval.model.lines.iter().any(|l| l.capability == ci) && own_inv.is_empty() {
                "no production line in the scenario".to_string()
            } else if own.is_empty()
                && own_inv.is_empty()
                && s.lines.iter().enumerate().all(|(li, l)| {
                    eval.model.lines[li].capability != ci
                        || !s.capacity.iter().any(|c| c.line == l.id)
                })
            {
                "its lines have no capacity data (capacity.csv): their output is unknown"
                    .to_string()
            } else if own.is_empty() && own_inv.is_empty() {
                "no line with a unit cost that meets the rules".to_string()
            } else if own.iter().all(|x| x.slots.is_empty()) && own_inv.is_empty() {
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
            for c in &investments {
                for d in &c.decisions {
                    y.extend(d.capex_years.iter().map(|(y, _)| *y));
                }
            }
            y.sort_unstable();
            y.dedup();
            y
        };

        // Burden-sharing key.
        let left_out = |option: &str, key: &super::ShareKey, notes: &mut Vec<String>| {
            let out = super::share::without_gdp(s, key, &european);
            if !out.is_empty() {
                notes.push(format!(
                    "{option} gdp leaves out {} ({}): no GDP in economics.csv, given or implied by defence spending and its share of GDP; the key's shares are those of the {} nations with a GDP, summing to 100 % among them",
                    out.join(", "),
                    if out.len() == 1 { "1 nation".to_string() } else { format!("{} nations", out.len()) },
                    european.len() - out.len()
                ));
            }
        };
        let (shares, share_key) = match &req.share {
            Some(key) => {
                left_out("--share", key, &mut notes);
                let (rows, name) = share_key(s, key, &european)?;
                (rows, Some(name))
            }
            None => (vec![], None),
        };
        if shares.iter().any(|(_, _, g)| g.is_none()) {
            notes.push("nations without a GDP figure show no % of GDP".into());
        }
        let workshare = match &req.workshare {
            Some(key) => {
                let t = req.workshare_tolerance;
                if !(t.is_finite() && (0.0..=1.0).contains(&t)) {
                    return Err(PlanError::Request(format!(
                        "--workshare-tolerance {t} is not a share between 0 and 1 (0.1: within 10 points of the key)"
                    )));
                }
                left_out("--workshare", key, &mut notes);
                let (rows, name) = super::share::share_key(s, key, &european)?;
                Some(super::workshare::Workshare {
                    key: name,
                    tolerance: t,
                    rows: rows.into_iter().map(|(n, k, _)| (n, k)).collect(),
                })
            }
            None => None,
        };

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
            investments,
            investment_options,
            workforce,
            plannable,
            members,
            capabilities,
            lines,
            unreachable,
            index_before,
            budget_years,
            shares,
            share_key,
            workshare,
            notes,
        })
    }

    /// Number of candidate investments the program may choose.
    pub fn investment_candidates(&self) -> usize {
        self.investments.len()
    }

    /// Number of LP order variables.
    pub fn order_variables(&self) -> usize {
        self.candidates.iter().map(|c| c.slots.len()).sum()
    }
}
