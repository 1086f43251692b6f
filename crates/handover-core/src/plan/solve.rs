//! The linear program, its solver and its duals.

use super::problem::PlanProblem;
use super::{Objective, Plan, PlanError};
use crate::metrics::is_met;
use crate::scenario::Scenario;
use chrono::{Datelike, NaiveDate};
use good_lp::{
    constraint, variable, Constraint, DualValues, Expression, ProblemVariables, ResolutionError,
    Solution, SolutionWithDual, SolverModel, Variable,
};
use std::collections::HashMap;

impl PlanProblem {
    /// Solve the program (two phases for the coverage objective: best index,
    /// then the cheapest plan with that index) and build the report, checking
    /// the whole-unit plan with the projection. With whole-step investments
    /// the program is mixed-integer; its duals come from the linear program
    /// with the chosen steps fixed (docs/PLANNER.md).
    pub fn solve(&self, s: &Scenario) -> Result<Plan, PlanError> {
        let solved = self.solve_as(s, self.has_steps());
        match (&solved, &self.workshare) {
            (Err(PlanError::Solver(_) | PlanError::BudgetTooSmall { .. }), Some(w)) => {
                // Blame the workshare rule where the plan exists without it.
                let mut free = self.clone();
                free.workshare = None;
                if free.solve_as(s, free.has_steps()).is_err() {
                    return solved;
                }
                let short = self.workshare_short_of();
                Err(PlanError::Workshare {
                    key: w.key.clone(),
                    tolerance: w.tolerance,
                    why: if short.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({} must host part of the capex but has no candidate investment)",
                            short.join(", ")
                        )
                    },
                })
            }
            _ => solved,
        }
    }

    /// [`PlanProblem::solve`] with whole steps relaxed to any size: the
    /// linear relaxation as a plan (for comparison and benchmarks; its
    /// investments need not come in whole steps).
    pub fn solve_relaxed(&self, s: &Scenario) -> Result<Plan, PlanError> {
        self.solve_as(s, false)
    }

    fn solve_as(&self, s: &Scenario, integer: bool) -> Result<Plan, PlanError> {
        let req = &self.request;
        let unreachable_caps: Vec<usize> = self
            .unreachable
            .iter()
            .filter_map(|u| s.capabilities.iter().position(|c| c.id == u.capability))
            .collect();
        let budget = req.budget_per_year;
        // The integer program, or where its solver stops without an answer
        // (a numerical failure, not infeasibility) the relaxation's steps
        // rounded, with a note saying so.
        let mut fallback = None;
        let mut steps_or_rounded = |solved: Result<Vec<Vec<f64>>, PlanError>,
                                    relaxed: &LpResult,
                                    up: bool| match solved {
            Ok(steps) => Ok(steps),
            Err(PlanError::Solver(why)) if !why.contains("infeasible") => {
                fallback = Some(format!(
                        "the integer solver stopped without a plan ({why}); whole steps are the linear relaxation's, rounded {}, so the plan may be short of the best one by up to the gap between the relaxation and it",
                        if up { "up" } else { "down" }
                    ));
                Ok(self.round_steps(&relaxed.steps_raw, up))
            }
            Err(e) => Err(e),
        };
        let (sol, duals, size, relaxation, integer_objective) = match req.objective {
            Objective::Coverage if integer => {
                let relaxed = self.lp(s, Phase::MaxIndex, budget, &Ints::Relaxed)?;
                let solved = self
                    .lp(s, Phase::MaxIndex, budget, &Ints::Integer)
                    .and_then(|first| {
                        let best = first.objective - first.fixed_index;
                        self.lp(s, Phase::MinCostAtIndex(best), budget, &Ints::Integer)
                    })
                    .map(|second| second.steps);
                let fixed = Ints::Fixed(steps_or_rounded(solved, &relaxed, false)?);
                let dual = self.lp(s, Phase::MaxIndex, budget, &fixed)?;
                let best = dual.objective - dual.fixed_index;
                let last = self.lp(s, Phase::MinCostAtIndex(best), budget, &fixed)?;
                (
                    last.sol,
                    dual.duals,
                    dual.size,
                    Some(relaxed.objective),
                    Some(dual.objective),
                )
            }
            Objective::Coverage => {
                let first = self.lp(s, Phase::MaxIndex, budget, &Ints::Relaxed)?;
                // The second phase keeps the first's index (its z part).
                let best = first.objective - first.fixed_index;
                let second = self.lp(s, Phase::MinCostAtIndex(best), budget, &Ints::Relaxed)?;
                (second.sol, first.duals, first.size, None, None)
            }
            Objective::Cost => {
                let phase = || Phase::MinCost(&unreachable_caps);
                let first = match self.lp(s, phase(), budget, &Ints::Relaxed) {
                    Ok(r) => r,
                    Err(PlanError::Solver(_)) if budget.is_some() => {
                        // Infeasible within the budget: say what it would take.
                        let free = self.lp(s, phase(), None, &Ints::Relaxed)?;
                        let mut per_year: Vec<(i32, f64)> = vec![];
                        let mut total = 0.0;
                        for (y, v) in self.spending(&free.sol) {
                            total += v;
                            per_year.push((y, v));
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
                };
                if integer {
                    let solved = self.lp(s, phase(), budget, &Ints::Integer).map(|r| r.steps);
                    let fixed = Ints::Fixed(steps_or_rounded(solved, &first, true)?);
                    let last = self.lp(s, phase(), budget, &fixed)?;
                    (
                        last.sol,
                        last.duals,
                        last.size,
                        Some(first.objective),
                        Some(last.objective),
                    )
                } else {
                    (first.sol, first.duals, first.size, None, None)
                }
            }
        };
        let mut plan = self.report(s, &sol, &duals, size, integer)?;
        plan.relaxation = relaxation;
        plan.integer_objective = integer_objective;
        if integer && fallback.is_none() && super::INTEGER_SOLVER != super::SOLVER {
            plan.solver = format!("{}; whole steps: {}", super::SOLVER, super::INTEGER_SOLVER);
        }
        plan.notes.extend(fallback);
        Ok(plan)
    }

    /// Whole step counts from fractional ones: rounded up (`up`, never
    /// past an investment's maximum over all its dates) or down.
    pub(super) fn round_steps(&self, raw: &[Vec<f64>], up: bool) -> Vec<Vec<f64>> {
        self.investments
            .iter()
            .zip(raw)
            .map(|(c, ks)| {
                let most = c.step.map_or(0.0, |st| (c.max / st + 1e-9).floor());
                let mut used = 0.0;
                ks.iter()
                    .map(|k| {
                        let k = if (k - k.round()).abs() < 1e-6 {
                            k.round()
                        } else if up {
                            k.ceil()
                        } else {
                            k.floor()
                        };
                        let k = k.min(most - used).max(0.0);
                        used += k;
                        k
                    })
                    .collect()
            })
            .collect()
    }

    /// Whether some candidate investment comes only in whole steps.
    pub(super) fn has_steps(&self) -> bool {
        self.investments.iter().any(|c| c.step.is_some())
    }

    /// Money per budget year of a solution: orders and capex.
    pub(super) fn spending(&self, sol: &LpSolution) -> Vec<(i32, f64)> {
        let mut out: Vec<(i32, f64)> = vec![];
        let mut add = |y: i32, v: f64| match out.iter_mut().find(|(yy, _)| *yy == y) {
            Some((_, a)) => *a += v,
            None => out.push((y, v)),
        };
        for (ci, c) in self.candidates.iter().enumerate() {
            for (j, slot) in c.slots.iter().enumerate() {
                add(slot.date.year(), sol.x[ci][j] * c.unit_cost);
            }
        }
        for (ii, c) in self.investments.iter().enumerate() {
            for (j, sl) in c.slots.iter().enumerate() {
                add(sl.date.year(), sol.xi[ii][j] * c.unit_cost);
            }
            for (di, d) in c.decisions.iter().enumerate() {
                for &(y, share) in &d.capex_years {
                    add(y, sol.y[ii][di] * c.capex_rate * share);
                }
            }
        }
        out
    }

    /// The unit money is scaled to in a program, so its coefficients stay
    /// near 1: the budget a year, else the dearest unit or investment.
    pub(super) fn money_unit(&self, budget: Option<f64>) -> f64 {
        budget
            .filter(|b| *b > 0.0)
            .or_else(|| {
                self.candidates
                    .iter()
                    .map(|c| c.unit_cost)
                    .chain(self.investments.iter().map(|c| c.capex_rate * c.max))
                    .reduce(f64::max)
            })
            .unwrap_or(1.0)
            .max(1.0)
    }

    /// Whether the target of capability `ci` applies at this problem's
    /// deadline in `s` (a requirement may name the deadlines it holds for).
    pub(super) fn target_applies(&self, s: &Scenario, ci: usize) -> bool {
        s.deadlines
            .iter()
            .position(|d| d.id == self.deadline_id)
            .is_none_or(|di| {
                s.requirement(&s.capabilities[ci].id).is_some_and(|r| {
                    r.deadlines
                        .as_ref()
                        .is_none_or(|ds| ds.contains(&s.deadlines[di].id))
                })
            })
    }

    pub(super) fn lp(
        &self,
        s: &Scenario,
        phase: Phase<'_>,
        budget: Option<f64>,
        ints: &Ints,
    ) -> Result<LpResult, PlanError> {
        let mut vars = ProblemVariables::new();
        let money = self.money_unit(budget);
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
        let mut count = 0;
        // Per line: n <= X and n <= X[e_i < e_j] + F(e_j); remember the capacity rows.
        // Cumulative orders `s_{l,m} = x_{l,1} + ... + x_{l,m}` keep the FIFO
        // rows sparse (two terms each instead of up to J).
        let mut cap_rows: Vec<Vec<usize>> = vec![];
        for (ci, c) in self.candidates.iter().enumerate() {
            let cum: Vec<Variable> = c
                .slots
                .iter()
                .map(|_| vars.add(variable().min(0.0)))
                .collect();
            count += cum.len();
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

        // Investments: capacity y per decision date (whole steps where the
        // row has a step), at most the maximum size over all dates; orders on
        // the line they build behind the same FIFO rows, with the free
        // capacity itself a variable (`sum_d y_d * R_d(e_j)`).
        let mut y: Vec<Vec<Variable>> = vec![];
        let mut k: Vec<Vec<Variable>> = vec![];
        let mut xi: Vec<Vec<Variable>> = vec![];
        let mut ni: Vec<Variable> = vec![];
        let mut max_rows = vec![];
        let mut integer = false;
        for (ii, c) in self.investments.iter().enumerate() {
            let mut yy = vec![];
            let mut kk = vec![];
            for di in 0..c.decisions.len() {
                let v = vars.add(variable().min(0.0).max(c.max));
                if let Some(step) = c.step {
                    let most = (c.max / step + 1e-9).floor();
                    let kv = match ints {
                        Ints::Integer => {
                            integer = true;
                            vars.add(variable().integer().min(0.0).max(most))
                        }
                        Ints::Relaxed => vars.add(variable().min(0.0).max(most)),
                        Ints::Fixed(f) => {
                            let fx = f[ii][di];
                            vars.add(variable().min(fx).max(fx))
                        }
                    };
                    rows.push(constraint!(v - step * kv == 0.0));
                    kk.push(kv);
                }
                yy.push(v);
            }
            let total: Expression = yy.iter().sum();
            max_rows.push(rows.len());
            rows.push(constraint!(total <= c.max));
            let xs: Vec<Variable> = c
                .slots
                .iter()
                .map(|_| vars.add(variable().min(0.0)))
                .collect();
            let nv = vars.add(variable().min(0.0));
            let total_x: Expression = xs.iter().sum();
            rows.push(constraint!(nv - total_x <= 0.0));
            for sl in &c.slots {
                let before = c
                    .slots
                    .iter()
                    .take_while(|o| o.eligible < sl.eligible)
                    .count();
                let mut cap = Expression::default();
                for (di, &v) in yy.iter().enumerate() {
                    cap.add_mul(sl.cap_after[di], v);
                }
                let prior: Expression = xs[..before].iter().sum();
                rows.push(constraint!(nv - prior - cap <= 0.0));
            }
            count += yy.len() + kk.len() + xs.len() + 1;
            y.push(yy);
            k.push(kk);
            xi.push(xs);
            ni.push(nv);
        }
        let capex = |ii: usize, year: Option<i32>| -> Expression {
            let c = &self.investments[ii];
            let mut e = Expression::default();
            for (di, d) in c.decisions.iter().enumerate() {
                let share: f64 = d
                    .capex_years
                    .iter()
                    .filter(|(yr, _)| year.is_none_or(|want| *yr == want))
                    .map(|(_, s)| s)
                    .sum();
                if share > 0.0 {
                    e.add_mul(c.capex_rate * share / money, y[ii][di]);
                }
            }
            e
        };

        // Budget per year: orders placed and capex paid in it.
        let cost_of = |filter: &dyn Fn(NaiveDate) -> bool, year: Option<i32>| -> Expression {
            let mut e = Expression::default();
            for (ci, c) in self.candidates.iter().enumerate() {
                for (j, sl) in c.slots.iter().enumerate() {
                    if filter(sl.date) {
                        e.add_mul(c.unit_cost / money, x[ci][j]);
                    }
                }
            }
            for (ii, c) in self.investments.iter().enumerate() {
                for (j, sl) in c.slots.iter().enumerate() {
                    if filter(sl.date) {
                        e.add_mul(c.unit_cost / money, xi[ii][j]);
                    }
                }
                e += capex(ii, year);
            }
            e
        };
        let mut budget_rows = vec![];
        if let Some(b) = budget {
            for &yr in &self.budget_years {
                let e = cost_of(&|d: NaiveDate| d.year() == yr, Some(yr));
                budget_rows.push((yr, rows.len()));
                rows.push(constraint!(e <= b / money));
            }
        }
        // Workforce: hiring per nation or group and year.
        let mut workforce_rows = vec![];
        for w in &self.workforce {
            let mut e = Expression::default();
            for &ii in &w.members {
                let c = &self.investments[ii];
                let per = c.workers.unwrap_or(0.0);
                for (di, d) in c.decisions.iter().enumerate() {
                    let share: f64 = d
                        .hire_years
                        .iter()
                        .filter(|(yr, _)| *yr == w.year)
                        .map(|(_, s)| s)
                        .sum();
                    if share > 0.0 {
                        e.add_mul(per * share, y[ii][di]);
                    }
                }
            }
            workforce_rows.push(rows.len());
            rows.push(constraint!(e <= w.available));
        }
        // Workshare: each nation's capex within the tolerance of its key share.
        rows.extend(self.workshare_rows(&y, money));
        // Capability levels: deliveries of orders, capacity of flow investments.
        let delivered = |ci: usize| -> Expression {
            let mut e: Expression = self
                .candidates
                .iter()
                .enumerate()
                .filter(|(_, c)| c.capability == ci)
                .map(|(i, _)| n[i])
                .sum();
            for (ii, c) in self.investments.iter().enumerate() {
                if c.capability != ci {
                    continue;
                }
                if c.flow {
                    for (di, d) in c.decisions.iter().enumerate() {
                        e.add_mul(d.at_deadline, y[ii][di]);
                    }
                } else {
                    e += ni[ii];
                }
            }
            e
        };
        let total_cost = cost_of(&|_| true, None);
        // Of two plans that cost the same, the one that decides earlier: a
        // tie-break of 1/10,000 of the capex per year of waiting (an
        // interior-point solver does not see a smaller one).
        let mut late = Expression::default();
        for (ii, c) in self.investments.iter().enumerate() {
            for (di, d) in c.decisions.iter().enumerate() {
                let years = (d.date - self.request.from).num_days() as f64 / 365.25;
                if years > 0.0 {
                    late.add_mul(1e-4 * years * (c.capex_rate / money).max(1e-9), y[ii][di]);
                }
            }
        }
        let wsum: f64 = self.members.iter().map(|&i| s.capabilities[i].weight).sum();
        let mut index = Expression::default();
        let mut zs = vec![];
        // The index's part the program cannot change: members without a z.
        let mut fixed_index = 0.0;
        let mut nothing_to_reach = false;
        match phase {
            Phase::MaxIndex | Phase::MinCostAtIndex(_) => {
                for &ci in &self.members {
                    let fixed = (wsum > 0.0).then(|| {
                        s.capabilities[ci].weight
                            * self.capabilities[ci].coverage_before.unwrap_or(0.0)
                            / wsum
                    });
                    let Some(&(t, base)) = self.plannable.get(&ci) else {
                        fixed_index += fixed.unwrap_or(0.0);
                        continue;
                    };
                    if wsum <= 0.0 || s.capabilities[ci].weight <= 0.0 || base >= t {
                        fixed_index += fixed.unwrap_or(0.0);
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
                let before = rows.len();
                for (&ci, &(t, base)) in &self.plannable {
                    if skip.contains(&ci) || is_met(base, t) {
                        continue;
                    }
                    if !self.target_applies(s, ci) {
                        continue;
                    }
                    let d = delivered(ci);
                    // A hair above the target, so floating-point dust cannot leave it unmet.
                    rows.push(constraint!(d / t >= (t - base) / t + 1e-7));
                }
                nothing_to_reach = rows.len() == before;
            }
        }
        let nvars = self.order_variables() + count + n.len() + zs.len();
        let problem = match phase {
            Phase::MaxIndex => vars.maximise(index.clone()),
            Phase::MinCostAtIndex(best) => {
                if !zs.is_empty() {
                    rows.push(constraint!(index.clone() >= best - 1e-7));
                }
                vars.minimise(total_cost.clone() + late)
            }
            Phase::MinCost(_) => vars.minimise(total_cost.clone() + late),
        };
        let nrows = rows.len();
        let fixed_zero = match ints {
            Ints::Fixed(steps) => steps.iter().flatten().all(|k| *k == 0.0),
            _ => true,
        };
        if nvars == 0 || (nothing_to_reach && fixed_zero) {
            // Nothing to order (the solver does not take an empty problem), or
            // least cost with no target to reach: buy and build nothing, which
            // every row allows. Not sent to the solver, whose interior point
            // may fail to converge on a program with no active row.
            let zeros = |n: usize| vec![0.0; n];
            return Ok(LpResult {
                sol: LpSolution {
                    x: self
                        .candidates
                        .iter()
                        .map(|c| zeros(c.slots.len()))
                        .collect(),
                    y: self
                        .investments
                        .iter()
                        .map(|c| zeros(c.decisions.len()))
                        .collect(),
                    xi: self
                        .investments
                        .iter()
                        .map(|c| zeros(c.slots.len()))
                        .collect(),
                },
                steps: k.iter().map(|v| zeros(v.len())).collect(),
                steps_raw: k.iter().map(|v| zeros(v.len())).collect(),
                objective: fixed_index,
                fixed_index,
                duals: Duals {
                    lines: vec![0.0; self.candidates.len()],
                    budget: budget_rows.iter().map(|&(y, _)| (y, 0.0)).collect(),
                    investments: vec![0.0; self.investments.len()],
                    workforce: vec![0.0; self.workforce.len()],
                    money,
                },
                size: if nvars == 0 { (0, 0) } else { (nvars, nrows) },
            });
        }
        let mut all: Vec<Variable> = x.iter().flatten().copied().collect();
        all.extend(&n);
        all.extend(&zs);
        all.extend(y.iter().flatten());
        all.extend(k.iter().flatten());
        all.extend(xi.iter().flatten());
        all.extend(&ni);
        let (values, duals) = run_solver(problem, rows, &all, integer)?;
        let val = |v: &Variable| values.get(v).copied().unwrap_or(0.0).max(0.0);
        let objective = match phase {
            Phase::MaxIndex => eval_expr(&index, &values) + fixed_index,
            _ => eval_expr(&total_cost, &values) * money,
        };
        let dual = |i: usize| duals.as_ref().map_or(0.0, |d| d[i]);
        let line_duals = cap_rows
            .iter()
            .map(|r| r.iter().map(|&i| dual(i)).sum())
            .collect();
        let budget_duals = budget_rows
            .iter()
            .map(|&(y, i)| (y, dual(i) / money))
            .collect();
        Ok(LpResult {
            sol: LpSolution {
                x: x.iter().map(|v| v.iter().map(val).collect()).collect(),
                y: y.iter().map(|v| v.iter().map(val).collect()).collect(),
                xi: xi.iter().map(|v| v.iter().map(val).collect()).collect(),
            },
            steps: k
                .iter()
                .map(|v| v.iter().map(|k| val(k).round()).collect())
                .collect(),
            steps_raw: k.iter().map(|v| v.iter().map(val).collect()).collect(),
            objective,
            fixed_index,
            duals: Duals {
                lines: line_duals,
                budget: budget_duals,
                investments: max_rows.iter().map(|&i| dual(i)).collect(),
                workforce: workforce_rows.iter().map(|&i| dual(i)).collect(),
                money,
            },
            size: (nvars, nrows),
        })
    }
}

/// How whole-step investments enter a program.
pub(super) enum Ints {
    /// As integer variables (mixed-integer program, no duals).
    Integer,
    /// Relaxed to any size (the linear relaxation).
    Relaxed,
    /// Fixed at these step counts, per candidate and decision date.
    Fixed(Vec<Vec<f64>>),
}

pub(super) enum Phase<'a> {
    MaxIndex,
    MinCostAtIndex(f64),
    MinCost(&'a [usize]),
}

pub(super) struct Duals {
    /// Per candidate line: sum of the capacity rows' duals.
    pub(super) lines: Vec<f64>,
    /// Per budget year: dual per unit of money.
    pub(super) budget: Vec<(i32, f64)>,
    /// Per candidate investment: dual of its maximum size (per unit a year).
    pub(super) investments: Vec<f64>,
    /// Per workforce row: dual per worker.
    pub(super) workforce: Vec<f64>,
    pub(super) money: f64,
}

/// A solution's quantities.
#[derive(Debug, Clone)]
pub(super) struct LpSolution {
    /// Orders per line candidate and slot.
    pub(super) x: Vec<Vec<f64>>,
    /// Capacity per investment candidate and decision date, units a year.
    pub(super) y: Vec<Vec<f64>>,
    /// Orders per investment candidate and slot of its line.
    pub(super) xi: Vec<Vec<f64>>,
}

pub(super) struct LpResult {
    pub(super) sol: LpSolution,
    /// Whole steps per investment candidate and decision date.
    pub(super) steps: Vec<Vec<f64>>,
    /// The step counts as solved (fractional in the relaxation).
    pub(super) steps_raw: Vec<Vec<f64>>,
    /// Index at the deadline (MaxIndex) or total cost (the cost phases).
    pub(super) objective: f64,
    /// The index's part no variable changes (MaxIndex).
    pub(super) fixed_index: f64,
    pub(super) duals: Duals,
    pub(super) size: (usize, usize),
}

pub(super) fn clean(x: f64) -> f64 {
    if x.abs() < 1e-9 {
        0.0
    } else {
        x
    }
}

fn eval_expr(e: &Expression, values: &HashMap<Variable, f64>) -> f64 {
    e.eval_with(values)
}

/// The value of each variable.
type Values = HashMap<Variable, f64>;

/// Solve; the value of every variable of `all`, and the constraints' duals
/// (`None` for a mixed-integer program, which has none).
pub(super) fn run_solver(
    problem: good_lp::variable::UnsolvedProblem,
    rows: Vec<Constraint>,
    all: &[Variable],
    integer: bool,
) -> Result<(Values, Option<Vec<f64>>), PlanError> {
    if integer {
        return run_integer(problem, rows, all).map(|v| (v, None));
    }
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
    let values = all.iter().map(|v| (*v, sol.value(*v))).collect();
    let dual = sol.compute_dual();
    let duals = refs.iter().map(|r| dual.dual(r.clone())).collect();
    Ok((values, Some(duals)))
}

/// The mixed-integer program: microlp (pure Rust, branch and bound) by
/// default, HiGHS with the `highs` feature.
fn run_integer(
    problem: good_lp::variable::UnsolvedProblem,
    rows: Vec<Constraint>,
    all: &[Variable],
) -> Result<Values, PlanError> {
    #[cfg(not(feature = "highs"))]
    let mut model = problem.using(good_lp::microlp);
    #[cfg(feature = "highs")]
    let mut model = {
        let mut m = problem.using(good_lp::highs);
        m.set_verbose(false);
        m
    };
    for r in rows {
        model.add_constraint(r);
    }
    let solved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.solve()))
        .map_err(|_| PlanError::Solver("the solver failed internally".into()))?;
    let sol = solved.map_err(solver_error)?;
    Ok(all.iter().map(|v| (*v, sol.value(*v))).collect())
}

/// The user-facing message for a solver outcome without a plan: what it
/// means and what to change, never the solver's own text alone. Shown after
/// "the planner's linear program could not be solved: ".
pub(super) fn solver_error(e: ResolutionError) -> PlanError {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let e = run_solver(vars.maximise(x), rows, &[x], false).unwrap_err();
        assert_eq!(
            e.to_string(),
            solver_error(ResolutionError::Infeasible).to_string()
        );
    }
}
