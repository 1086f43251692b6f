//! The linear program, its solver and its duals.

use super::problem::{PlanProblem, Slot};
use super::{Objective, Plan, PlanError};
use crate::metrics::is_met;
use crate::scenario::Scenario;
use chrono::Datelike;
use good_lp::{
    constraint, variable, Constraint, DualValues, Expression, ProblemVariables, ResolutionError,
    Solution, SolutionWithDual, SolverModel, Variable,
};
use std::collections::HashMap;

impl PlanProblem {
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
        self.report(s, &x, &duals, size)
    }

    pub(super) fn lp(
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
    pub(super) money: f64,
}

pub(super) struct LpResult {
    x: Vec<Vec<f64>>,
    objective: f64,
    duals: Duals,
    size: (usize, usize),
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

type LpValues = (Vec<Vec<f64>>, HashMap<Variable, f64>);

pub(super) fn run_solver(
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
        let e = run_solver(vars.maximise(x), rows, &[vec![x]], &[], &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            solver_error(ResolutionError::Infeasible).to_string()
        );
    }
}
