//! From the LP's solution to the [`Plan`]: whole units, every claim checked
//! by the projection of the scenario with the orders added.

use super::problem::{PlanProblem, Slot};
use super::solve::{clean, Duals};
use super::*;
use crate::assess::Evaluation;
use crate::economics::share_of_gdp;
use crate::metrics::coverage;
use crate::projection::EPS;
use crate::scenario::{Order, Origin, Provenance, Scenario};
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

impl PlanProblem {
    pub(super) fn report(
        &self,
        s: &Scenario,
        x: &[Vec<f64>],
        duals: &Duals,
        size: (usize, usize),
    ) -> Result<Plan, PlanError> {
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
        // The planned orders go through the gate like any input.
        let with = crate::Valid::new(self.scenario_with(s, &rounded)).map_err(|problems| {
            let first = problems
                .iter()
                .find(|p| p.severity == crate::validate::Severity::Error)
                .map(|p| p.to_string())
                .unwrap_or_default();
            PlanError::Solver(format!("the plan's orders do not validate: {first}"))
        })?;
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
        Ok(Plan {
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
        })
    }

    /// Whole units per order. Rounding is done on each line's cumulative
    /// quantity, so a line's total loses (coverage: rounded down) or gains
    /// (cost: rounded up) less than one unit; if that would overspend a
    /// budget year under the coverage objective, each order is rounded down
    /// on its own instead.
    pub(super) fn round(&self, x: &[Vec<f64>]) -> Vec<Vec<f64>> {
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
    pub(super) fn scenario_with(&self, s: &Scenario, q: &[Vec<f64>]) -> Scenario {
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

/// Units delivered by the deadline to orders `q` on slots `slots`:
/// `min(X, min_j (X[e_i < e_j] + F(e_j)))`.
pub(super) fn delivered_by(slots: &[Slot], q: &[f64]) -> f64 {
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

pub(super) fn order_schedule(eval: &Evaluation, _s: &Scenario, oi: usize) -> Vec<(NaiveDate, f64)> {
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
