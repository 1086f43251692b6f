//! From the LP's solution to the [`Plan`]: whole units, every claim checked
//! by the projection of the scenario with the orders added.

use super::problem::{PlanProblem, Slot};
use super::solve::{clean, Duals, LpSolution};
use super::*;
use crate::assess::Evaluation;
use crate::economics::share_of_gdp;
use crate::metrics::coverage;
use crate::projection::EPS;
use crate::scenario::{CapacityStep, Order, Origin, Provenance, Scenario};
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

impl PlanProblem {
    pub(super) fn report(
        &self,
        s: &Scenario,
        sol: &LpSolution,
        duals: &Duals,
        size: (usize, usize),
        whole_steps: bool,
    ) -> Result<Plan, PlanError> {
        let req = &self.request;
        let cal = self.calendar;
        let k = self.k;
        // Drop the interior-point solver's dust.
        let y: Vec<Vec<f64>> = sol
            .y
            .iter()
            .zip(&self.investments)
            .map(|(v, c)| {
                v.iter()
                    .map(|q| match c.step.filter(|_| whole_steps) {
                        Some(step) => (q / step).round() * step,
                        None if *q <= 1e-5 * c.max => 0.0,
                        None => *q,
                    })
                    .collect()
            })
            .collect();
        let inv_slots: Vec<Vec<Slot>> = (0..self.investments.len())
            .map(|ii| self.inv_slots(ii, &y[ii]))
            .collect();
        // No capacity, no line and no orders on it.
        let xi: Vec<Vec<f64>> = sol
            .xi
            .iter()
            .zip(&inv_slots)
            .zip(&y)
            .map(|((v, slots), y)| {
                let built = y.iter().any(|u| *u > 0.0);
                v.iter()
                    .zip(slots)
                    .map(|(q, sl)| {
                        if !built || *q <= 1e-6 * sl.free_after.max(1.0) {
                            0.0
                        } else {
                            *q
                        }
                    })
                    .collect()
            })
            .collect();
        let x: Vec<Vec<f64>> = sol
            .x
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
        let (rounded, rounded_xi) = self.round(&x, &xi, &y);

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

        for (ii, c) in self.investments.iter().enumerate() {
            let n = if c.flow {
                c.decisions
                    .iter()
                    .zip(&y[ii])
                    .map(|(d, y)| d.at_deadline * y)
                    .sum()
            } else {
                delivered_by(&inv_slots[ii], &xi[ii])
            };
            *bought.entry(c.capability).or_default() += n;
        }

        // Whole-unit plan, by the real projection.
        // The planned orders and lines go through the gate like any input.
        let with = crate::Valid::new(self.scenario_with(s, &rounded, &rounded_xi, &y)).map_err(
            |problems| {
                let first = problems
                    .iter()
                    .find(|p| p.severity == crate::validate::Severity::Error)
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                PlanError::Solver(format!("the plan's orders do not validate: {first}"))
            },
        )?;
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

        // Orders with their schedules: on existing lines, then on the lines
        // investments build, in the order `scenario_with` added them.
        let mut orders = vec![];
        let mut oi = s.orders.len();
        let groups = self
            .candidates
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                let line = s.lines[c.line].id.as_str();
                (
                    line,
                    c.capability,
                    c.unit_cost,
                    c.approval,
                    &c.slots,
                    &x[ci],
                    &rounded[ci],
                )
            })
            .chain(self.investments.iter().enumerate().map(|(ii, c)| {
                let line = c.line.id.as_str();
                (
                    line,
                    c.capability,
                    c.unit_cost,
                    c.approval,
                    &inv_slots[ii],
                    &xi[ii],
                    &rounded_xi[ii],
                )
            }));
        for (line, capability, unit_cost, approval, slots, q, whole) in groups {
            for (j, sl) in slots.iter().enumerate() {
                let (q, units) = (q[j], whole[j]);
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
                    line: line.to_string(),
                    capability: s.capabilities[capability].id.clone(),
                    date: sl.date,
                    queue_date: sl.queue_date,
                    year: sl.date.year(),
                    quantity: q,
                    units,
                    unit_cost,
                    cost: q * unit_cost,
                    cost_rounded: units * unit_cost,
                    us_export_approval: approval,
                    // An empty sum of f64 is -0.0; reports print plain 0.
                    delivered_by_deadline: by_k + 0.0,
                    first_delivery: first,
                    last_delivery: last,
                    schedule: sched,
                });
            }
        }
        orders.sort_by(|a, b| a.date.cmp(&b.date).then(a.line.cmp(&b.line)));

        // Investments, the lines they build, and what bound them.
        let mut investments = vec![];
        let mut options = self.investment_options.clone();
        for (ii, c) in self.investments.iter().enumerate() {
            let inv = &s.investments[c.inv];
            let chosen: f64 = y[ii].iter().sum();
            if let Some(o) = options.iter_mut().find(|o| o.investment == inv.id) {
                o.chosen_units_per_year = chosen;
                o.at_maximum = chosen >= c.max * (1.0 - 1e-6);
                o.shadow_price = Some(match req.objective {
                    Objective::Coverage => clean(duals.investments[ii] * 100.0),
                    Objective::Cost => clean(-duals.investments[ii] * duals.money),
                });
            }
            for (di, d) in c.decisions.iter().enumerate() {
                let u = y[ii][di];
                if u <= 0.0 {
                    continue;
                }
                investments.push(PlannedInvestment {
                    investment: inv.id.clone(),
                    expands: inv.line.clone(),
                    capability: inv.capability.clone(),
                    nation: inv.nation.clone(),
                    date: d.date,
                    units_per_year: u,
                    steps: c.step.filter(|_| whole_steps).map(|st| (u / st).round()),
                    // The size's share of the capex (exact for the whole size).
                    capex: c.capex * (u / c.max),
                    first_output: d.first_output,
                    full_rate: d.full_rate,
                    capacity_at_deadline: u * d.at_deadline,
                    workers: c.workers.map(|w| w * u),
                });
            }
        }
        investments.sort_by(|a, b| a.date.cmp(&b.date).then(a.investment.cmp(&b.investment)));
        let new_lines = self.new_lines(&y);
        let workforce = self
            .workforce
            .iter()
            .enumerate()
            .map(|(wi, w)| {
                let hired: f64 = w
                    .members
                    .iter()
                    .map(|&ii| {
                        let c = &self.investments[ii];
                        c.decisions
                            .iter()
                            .zip(&y[ii])
                            .map(|(d, u)| {
                                d.hire_years
                                    .iter()
                                    .filter(|(yr, _)| *yr == w.year)
                                    .map(|(_, sh)| sh * u * c.workers.unwrap_or(0.0))
                                    .sum::<f64>()
                            })
                            .sum::<f64>()
                    })
                    .sum::<f64>()
                    + 0.0;
                let dual = duals.workforce[wi];
                WorkforceYear {
                    nation: w.nation.clone(),
                    year: w.year,
                    available: w.available,
                    hired,
                    binding: hired >= w.available * (1.0 - 1e-6) || dual.abs() > 1e-9,
                    shadow_price_per_1000: Some(match req.objective {
                        Objective::Coverage => clean(dual * 1000.0 * 100.0),
                        Objective::Cost => clean(-dual * duals.money * 1000.0),
                    }),
                }
            })
            .collect();
        let capex_in = |yr: Option<i32>| -> f64 {
            self.investments
                .iter()
                .enumerate()
                .map(|(ii, c)| {
                    c.decisions
                        .iter()
                        .zip(&y[ii])
                        .map(|(d, u)| {
                            d.capex_years
                                .iter()
                                .filter(|(x, _)| yr.is_none_or(|want| *x == want))
                                .map(|(_, sh)| sh * c.capex * (u / c.max))
                                .sum::<f64>()
                        })
                        .sum::<f64>()
                })
                .sum::<f64>()
                + 0.0
        };

        let budget: Vec<BudgetYear> = self
            .budget_years
            .iter()
            .map(|&y| {
                // + 0.0: an empty sum of f64 is -0.0.
                let invested = capex_in(Some(y));
                let used: f64 = orders
                    .iter()
                    .filter(|o| o.year == y)
                    .map(|o| o.cost)
                    .sum::<f64>()
                    + invested;
                let procurement: f64 = orders
                    .iter()
                    .filter(|o| o.year == y)
                    .map(|o| o.cost_rounded)
                    .sum::<f64>()
                    + 0.0;
                let used_rounded = procurement + invested;
                let dual = duals
                    .budget
                    .iter()
                    .find(|(yy, _)| *yy == y)
                    .map(|(_, d)| *d);
                BudgetYear {
                    year: y,
                    budget: req.budget_per_year,
                    used,
                    procurement,
                    investment: invested,
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
        let investment_cost = capex_in(None);
        let total_cost: f64 = orders.iter().map(|o| o.cost).sum::<f64>() + investment_cost;
        let total_cost_rounded: f64 =
            orders.iter().map(|o| o.cost_rounded).sum::<f64>() + investment_cost;

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
        notes.extend(self.workshare_notes());
        if rate.is_none() && self.share_key.is_some() {
            notes.push(format!(
                "GDP is in US$: give the exchange rate (US$ per {}) to show shares as % of GDP",
                s.scenario.currency
            ));
        }
        let workshare = self.workshare_use(&investments);
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
            investments,
            new_lines,
            investment_options: options,
            workforce,
            relaxation: None,
            integer_objective: None,
            total_cost,
            investment_cost,
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
            workshare,
            notes,
            odds: None,
            confidence: None,
            solver: SOLVER.to_string(),
            lp_size: size,
        })
    }

    /// Whole units per order. Rounding is done on each line's cumulative
    /// quantity, so a line's total loses (coverage: rounded down) or gains
    /// (cost: rounded up) less than one unit; if that would overspend a
    /// budget year under the coverage objective, each order is rounded down
    /// on its own instead. `xi` are the orders on the lines investments
    /// build, `y` the investments' capacity (its capex counts in the budget).
    pub(super) fn round(
        &self,
        x: &[Vec<f64>],
        xi: &[Vec<f64>],
        y: &[Vec<f64>],
    ) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
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
        let cumulative = |x: &[Vec<f64>]| -> Vec<Vec<f64>> {
            x.iter()
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
                .collect()
        };
        let (cx, cxi) = (cumulative(x), cumulative(xi));
        let over_budget = self.request.budget_per_year.is_some_and(|b| {
            self.budget_years.iter().any(|&yr| {
                let orders: f64 = self
                    .candidates
                    .iter()
                    .zip(&cx)
                    .flat_map(|(c, u)| {
                        c.slots
                            .iter()
                            .zip(u)
                            .filter(|(sl, _)| sl.date.year() == yr)
                            .map(|(_, u)| u * c.unit_cost)
                    })
                    .sum();
                let on_new: f64 = self
                    .investments
                    .iter()
                    .zip(&cxi)
                    .flat_map(|(c, u)| {
                        c.slots
                            .iter()
                            .zip(u)
                            .filter(|(sl, _)| sl.date.year() == yr)
                            .map(|(_, u)| u * c.unit_cost)
                    })
                    .sum();
                let capex: f64 = self
                    .investments
                    .iter()
                    .zip(y)
                    .flat_map(|(c, u)| {
                        c.decisions.iter().zip(u).map(|(d, u)| {
                            d.capex_years
                                .iter()
                                .filter(|(x, _)| *x == yr)
                                .map(|(_, sh)| sh * u * c.capex_rate)
                                .sum::<f64>()
                        })
                    })
                    .sum();
                orders + on_new + capex > b * (1.0 + 1e-9)
            })
        });
        if objective == Objective::Coverage && over_budget {
            let each = |x: &[Vec<f64>]| -> Vec<Vec<f64>> {
                x.iter()
                    .map(|v| v.iter().map(|q| whole(*q)).collect())
                    .collect()
            };
            (each(x), each(xi))
        } else {
            (cx, cxi)
        }
    }

    /// The order slots of investment candidate `ii`'s line as [`Slot`]s, with
    /// the free capacity that capacity `y` (per decision date) gives.
    pub(super) fn inv_slots(&self, ii: usize, y: &[f64]) -> Vec<Slot> {
        self.investments[ii]
            .slots
            .iter()
            .map(|sl| Slot {
                date: sl.date,
                queue_date: sl.queue_date,
                eligible: sl.eligible,
                free_after: sl.cap_after.iter().zip(y).map(|(c, y)| c * y).sum(),
            })
            .collect()
    }

    /// The lines that capacity `y` (per candidate and decision date) builds:
    /// one per investment with capacity, its steps the sum of its ramps.
    pub(super) fn new_lines(&self, y: &[Vec<f64>]) -> Vec<NewLine> {
        let cal = self.calendar;
        let mut out = vec![];
        for (ii, c) in self.investments.iter().enumerate() {
            if y[ii].iter().all(|u| *u <= 0.0) {
                continue;
            }
            // Every period where some ramp steps, with its first date.
            let mut periods: Vec<(i64, NaiveDate)> = vec![];
            for (d, u) in c.decisions.iter().zip(&y[ii]) {
                if *u <= 0.0 {
                    continue;
                }
                for &(date, _) in &d.ramp {
                    let p = cal.period_of(date);
                    match periods.iter_mut().find(|(q, _)| *q == p) {
                        Some((_, first)) => *first = (*first).min(date),
                        None => periods.push((p, date)),
                    }
                }
            }
            periods.sort();
            let capacity = periods
                .iter()
                .map(|&(p, date)| {
                    let v: f64 = c
                        .decisions
                        .iter()
                        .zip(&y[ii])
                        .map(|(d, u)| {
                            u * d
                                .ramp
                                .iter()
                                .rev()
                                .find(|(x, _)| cal.period_of(*x) <= p)
                                .map_or(0.0, |(_, f)| *f)
                        })
                        .sum();
                    (date, v)
                })
                .collect();
            out.push(NewLine {
                line: c.line.clone(),
                capacity,
            });
        }
        out
    }

    /// The scenario with orders `q[candidate][slot]` added (booked to the
    /// plan's buyer), the lines capacity `y` builds, and orders `qi` on them.
    pub(super) fn scenario_with(
        &self,
        s: &Scenario,
        q: &[Vec<f64>],
        qi: &[Vec<f64>],
        y: &[Vec<f64>],
    ) -> Scenario {
        let mut out = s.clone();
        add_lines(&mut out, &self.new_lines(y));
        let mut n = 0;
        let mut push = |out: &mut Scenario, line: &str, date: NaiveDate, qj: f64| {
            n += 1;
            out.orders.push(Order {
                id: format!("plan-{n}"),
                buyer: self.buyer.clone(),
                line: line.to_string(),
                quantity: qj,
                date,
                delivered: 0.0,
                provenance: Provenance {
                    note: Some("planned by `handover plan`".into()),
                    ..Provenance::default()
                },
                origin: Origin::default(),
            });
        };
        for (ci, c) in self.candidates.iter().enumerate() {
            for (sl, &qj) in c.slots.iter().zip(&q[ci]) {
                if qj > 0.0 {
                    push(&mut out, &s.lines[c.line].id, sl.queue_date, qj);
                }
            }
        }
        for (ii, c) in self.investments.iter().enumerate() {
            for (sl, &qj) in c.slots.iter().zip(&qi[ii]) {
                if qj > 0.0 {
                    push(&mut out, &c.line.id, sl.queue_date, qj);
                }
            }
        }
        out
    }
}

/// Add the lines a plan's investments build, with their capacity steps.
/// The investments they come from are built, so they leave the candidates.
fn add_lines(out: &mut Scenario, lines: &[NewLine]) {
    out.investments
        .retain(|i| !lines.iter().any(|nl| nl.line.id == i.id));
    for nl in lines {
        let mut line = nl.line.clone();
        line.provenance.note = Some("built by an investment of `handover plan`".into());
        line.origin = Origin::default();
        for &(date, v) in &nl.capacity {
            out.capacity.push(CapacityStep {
                line: line.id.clone(),
                date,
                units_per_year: v,
                provenance: line.provenance.clone(),
                origin: Origin::default(),
            });
        }
        out.lines.push(line);
    }
}

impl Plan {
    /// The scenario with this plan added: the lines its investments build
    /// (with their capacity steps) and its orders, in continuous quantities
    /// when `whole_units` is false, the rounded units when true. Orders are
    /// dated at their queue date and booked to [`Plan::buyer`].
    pub fn with_orders(&self, s: &Scenario, whole_units: bool) -> Scenario {
        let mut out = s.clone();
        add_lines(&mut out, &self.new_lines);
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
