//! `--confidence`: plans that hold under uncertainty, by sample average
//! approximation (docs/PLANNER.md, "Plans that hold under uncertainty").
//!
//! `S` futures are drawn from the scenario's uncertain inputs (each a
//! deterministic scenario: every distribution replaced by one draw). One
//! program holds the decisions, shared by every future (orders on the order
//! grid, investments, their budget and hiring), and per future the FIFO
//! deliveries of that future's projection and one binary per target: the
//! target is met in that future. Each target must be met in at least
//! `ceil(confidence * S)` futures; the cost is minimised. The plan is then
//! reported on the nominal scenario like any plan, and its odds are measured
//! by an independent forecast on fresh seeds.

use super::problem::{PlanProblem, Slot};
use super::solve::{run_solver, LpSolution};
use super::{Objective, Plan, PlanError};
use crate::assess::Evaluation;
use crate::metrics::is_met;
use crate::projection::shift_months;
use crate::scenario::{Scenario, Table};
use chrono::{Datelike, NaiveDate};
use good_lp::{constraint, variable, Constraint, Expression, ProblemVariables, Variable};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The default number of futures `S`.
pub const DEFAULT_FUTURES: usize = 50;

/// A target under `--confidence`.
#[derive(Debug, Clone, Serialize)]
pub struct ConfidenceRow {
    /// Capability id.
    pub capability: String,
    /// Share of the `S` futures in which the plan meets it (in the program).
    pub in_sample: f64,
    /// Futures in which it can be met at all (at any cost).
    pub reachable: usize,
    /// It cannot be met in enough futures at any cost: left out of the program.
    pub left_out: bool,
}

/// What `--confidence` planned against.
#[derive(Debug, Clone, Serialize)]
pub struct Confidence {
    /// The share of futures each target must be met in.
    pub confidence: f64,
    /// Futures `S`.
    pub futures: usize,
    /// Seed of the futures.
    pub seed: u64,
    /// Per target.
    pub rows: Vec<ConfidenceRow>,
}

/// `n` futures of `s`: every uncertain input replaced by one draw (within
/// its field's valid range, as the forecast draws it). Delayed dates past
/// the horizon drop their row (the event does not happen within it).
pub fn futures(s: &Scenario, n: usize, seed: u64) -> Vec<Scenario> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let mut f = s.clone();
            let mut gone: Vec<(Table, usize)> = vec![];
            for u in &s.uncertainty {
                let (lo, hi) = u
                    .table
                    .uncertain_fields()
                    .iter()
                    .find(|(x, _, _)| *x == u.field)
                    .map_or((f64::NEG_INFINITY, f64::INFINITY), |(_, lo, hi)| (*lo, *hi));
                let x = u.distribution.sample_within(&mut rng, lo, hi);
                let months = x.round() as i32;
                match (u.table, u.field.as_str()) {
                    (Table::Requirements, "target") => f.requirements[u.row].target = x,
                    (Table::Holdings, "quantity") => f.holdings[u.row].quantity = x,
                    (Table::UsContributions, "level") => f.us_contributions[u.row].level = x,
                    (Table::Lines, "lead_time_months") => {
                        f.lines[u.row].lead_time_months = x.max(0.0).ceil() as u32
                    }
                    (Table::Capacity, "units_per_year") => f.capacity[u.row].units_per_year = x,
                    (Table::Orders, "quantity") => f.orders[u.row].quantity = x,
                    (Table::Retirements, "quantity") => f.retirements[u.row].quantity = x,
                    (table, "date") => {
                        if let Some(d) = date_of(&mut f, table, u.row) {
                            let moved = shift_months(*d, months);
                            if moved > s.scenario.horizon {
                                gone.push((table, u.row));
                            } else {
                                *d = moved;
                            }
                        }
                    }
                    (Table::Consumption, "units_per_year") => {
                        f.consumption[u.row].units_per_year = x
                    }
                    _ => {}
                }
            }
            f.uncertainty.clear();
            for table in [Table::Capacity, Table::Orders, Table::Retirements] {
                let keep: Vec<bool> = (0..f.row_count(table))
                    .map(|r| !gone.contains(&(table, r)))
                    .collect();
                f.retain_rows(table, &keep);
            }
            f
        })
        .collect()
}

/// What the program sees of one future: futures with equal signatures give
/// identical rows, so they share one binary per target weighted by their
/// number (exact: meeting one copy meets them all at no extra cost).
fn signature(p: &PlanProblem) -> String {
    let mut plannable: Vec<_> = p
        .plannable
        .iter()
        .map(|(c, (t, b))| (*c, t.to_bits(), b.to_bits()))
        .collect();
    plannable.sort_unstable();
    let unreachable: Vec<&str> = p
        .unreachable
        .iter()
        .map(|u| u.capability.as_str())
        .collect();
    let slots: Vec<_> = p.candidates.iter().map(|c| (c.line, &c.slots)).collect();
    format!(
        "{slots:?}|{:?}|{plannable:?}|{unreachable:?}",
        p.investments
    )
}

/// A target open in one future: capability, its deliveries by the deadline,
/// and the gap they must fill.
type OpenTarget = (usize, Expression, f64);

/// The date field of a dated row (capacity step, order, retirement).
fn date_of(f: &mut Scenario, table: Table, row: usize) -> Option<&mut NaiveDate> {
    match table {
        Table::Capacity => Some(&mut f.capacity[row].date),
        Table::Orders => Some(&mut f.orders[row].date),
        Table::Retirements => Some(&mut f.retirements[row].date),
        _ => None,
    }
}

/// Index of the slot of `slots` dated `d`.
fn slot_at(slots: &[Slot], d: NaiveDate) -> Option<usize> {
    slots.iter().position(|s| s.date == d)
}

impl PlanProblem {
    /// This problem with every candidate's order slots the union of its
    /// slots in `others` (same scenario, other futures): a slot the nominal
    /// projection cannot use gets no free capacity here.
    fn with_slots_of(&self, others: &[PlanProblem]) -> PlanProblem {
        let mut out = self.clone();
        let lead_of = |p: &PlanProblem, d: NaiveDate, queue: NaiveDate, eligible: i64| {
            (d, queue, eligible - p.calendar.period_of(queue))
        };
        for c in &mut out.candidates {
            let mut dates: Vec<(NaiveDate, NaiveDate, i64)> = vec![];
            for o in others {
                if let Some(oc) = o.candidates.iter().find(|x| x.line == c.line) {
                    for sl in &oc.slots {
                        if slot_at(&c.slots, sl.date).is_none()
                            && !dates.iter().any(|(d, _, _)| *d == sl.date)
                        {
                            dates.push(lead_of(o, sl.date, sl.queue_date, sl.eligible));
                        }
                    }
                }
            }
            // The nominal lead: the eligible period of an existing slot, or the
            // first future's where the nominal one has none.
            let lead = c
                .slots
                .first()
                .map(|sl| sl.eligible - self.calendar.period_of(sl.queue_date));
            for (d, queue, l) in dates {
                c.slots.push(Slot {
                    date: d,
                    queue_date: queue,
                    eligible: self.calendar.period_of(queue) + lead.unwrap_or(l),
                    free_after: 0.0,
                });
            }
            c.slots.sort_by_key(|sl| sl.date);
        }
        for c in &mut out.investments {
            for o in others {
                let Some(oc) = o.investments.iter().find(|x| x.inv == c.inv) else {
                    continue;
                };
                for sl in &oc.slots {
                    if !c.slots.iter().any(|x| x.date == sl.date) {
                        let mut sl = sl.clone();
                        sl.cap_after = vec![0.0; c.decisions.len()];
                        c.slots.push(sl);
                    }
                }
            }
            c.slots.sort_by_key(|sl| sl.date);
        }
        out
    }

    /// Plan against the futures `futures` (scenario and problem of each), so
    /// that each target is met in at least `confidence` of them, at least
    /// cost. `self` is the nominal problem; the plan is reported on `s`.
    pub fn solve_confident(
        &self,
        s: &Scenario,
        futures: &[(Scenario, PlanProblem)],
        confidence: f64,
        seed: u64,
    ) -> Result<Plan, PlanError> {
        if self.request.objective != Objective::Cost {
            return Err(PlanError::Request(
                "--confidence plans for every target to be met in a share of futures, at least cost: use it with --objective cost".into(),
            ));
        }
        if !(confidence > 0.0 && confidence <= 1.0) {
            return Err(PlanError::Request(format!(
                "--confidence must be a share above 0 and at most 1 (e.g. 0.8), not {confidence}"
            )));
        }
        let problems: Vec<PlanProblem> = futures.iter().map(|(_, p)| p.clone()).collect();
        let u = self.with_slots_of(&problems);
        let n_f = futures.len();
        // Identical futures, grouped: (representative, how many).
        let mut groups: Vec<(usize, usize, String)> = vec![];
        for (fi, (_, p)) in futures.iter().enumerate() {
            let sig = signature(p);
            match groups.iter_mut().find(|g| g.2 == sig) {
                Some(g) => g.1 += 1,
                None => groups.push((fi, 1, sig)),
            }
        }
        let n_g = groups.len();
        let need = ((confidence * n_f as f64) - 1e-9).ceil() as usize;
        let budget = self.request.budget_per_year;
        let money = u.money_unit(budget);
        let mut vars = ProblemVariables::new();
        let mut rows: Vec<Constraint> = vec![];
        // Shared decisions.
        let mut quantities = |slots: usize| -> Vec<Variable> {
            (0..slots).map(|_| vars.add(variable().min(0.0))).collect()
        };
        let x: Vec<Vec<Variable>> = u
            .candidates
            .iter()
            .map(|c| quantities(c.slots.len()))
            .collect();
        let xi: Vec<Vec<Variable>> = u
            .investments
            .iter()
            .map(|c| quantities(c.slots.len()))
            .collect();
        let mut y: Vec<Vec<Variable>> = vec![];
        let mut integer = false;
        for c in &u.investments {
            let mut yy = vec![];
            for _ in &c.decisions {
                let v = vars.add(variable().min(0.0).max(c.max));
                if let Some(step) = c.step {
                    integer = true;
                    let most = (c.max / step + 1e-9).floor();
                    let k = vars.add(variable().integer().min(0.0).max(most));
                    rows.push(constraint!(v - step * k == 0.0));
                }
                yy.push(v);
            }
            let total: Expression = yy.iter().sum();
            rows.push(constraint!(total <= c.max));
            y.push(yy);
        }
        // Money: orders in the year placed, capex in the years paid.
        let mut cost = Expression::default();
        let mut by_year: Vec<(i32, Expression)> = u
            .budget_years
            .iter()
            .map(|&y| (y, Expression::default()))
            .collect();
        let mut add = |yr: i32, coef: f64, v: Variable, cost: &mut Expression| {
            cost.add_mul(coef / money, v);
            if let Some((_, e)) = by_year.iter_mut().find(|(y, _)| *y == yr) {
                e.add_mul(coef / money, v);
            }
        };
        for (ci, c) in u.candidates.iter().enumerate() {
            for (j, sl) in c.slots.iter().enumerate() {
                add(sl.date.year(), c.unit_cost, x[ci][j], &mut cost);
            }
        }
        let mut late = Expression::default();
        for (ii, c) in u.investments.iter().enumerate() {
            for (j, sl) in c.slots.iter().enumerate() {
                add(sl.date.year(), c.unit_cost, xi[ii][j], &mut cost);
            }
            for (di, d) in c.decisions.iter().enumerate() {
                for &(yr, share) in &d.capex_years {
                    add(yr, c.capex_rate * share, y[ii][di], &mut cost);
                }
                let years = (d.date - u.request.from).num_days() as f64 / 365.25;
                late.add_mul(
                    1e-4 * years.max(0.0) * (c.capex_rate / money).max(1e-9),
                    y[ii][di],
                );
            }
        }
        if let Some(b) = budget {
            for (_, e) in by_year {
                rows.push(constraint!(e <= b / money));
            }
        }
        for w in &u.workforce {
            let mut e = Expression::default();
            for &ii in &w.members {
                let c = &u.investments[ii];
                for (di, d) in c.decisions.iter().enumerate() {
                    let share: f64 = d
                        .hire_years
                        .iter()
                        .filter(|(yr, _)| *yr == w.year)
                        .map(|(_, s)| s)
                        .sum();
                    e.add_mul(c.workers.unwrap_or(0.0) * share, y[ii][di]);
                }
            }
            rows.push(constraint!(e <= w.available));
        }
        rows.extend(u.workshare_rows(&y, money));

        // Per future: deliveries by the deadline and whether each target is met.
        // capability -> per future: Some(binary) to be met, None already met, or unreachable.
        let mut met: Vec<(usize, Vec<Option<Variable>>, usize, usize)> = vec![];
        let mut rows_of: Vec<(usize, Vec<OpenTarget>)> = vec![];
        for (gi, &(fi, weight, _)) in groups.iter().enumerate() {
            let (sc, p) = &futures[fi];
            let mut delivered: Vec<(usize, Expression)> = vec![];
            let mut push =
                |ci: usize, e: Expression| match delivered.iter_mut().find(|(c, _)| *c == ci) {
                    Some((_, d)) => *d += e,
                    None => delivered.push((ci, e)),
                };
            for pc in &p.candidates {
                let Some(ui) = u.candidates.iter().position(|c| c.line == pc.line) else {
                    continue;
                };
                let idx: Vec<usize> = pc
                    .slots
                    .iter()
                    .filter_map(|sl| slot_at(&u.candidates[ui].slots, sl.date))
                    .collect();
                let n = vars.add(variable().min(0.0));
                let all: Expression = idx.iter().map(|&j| x[ui][j]).sum();
                rows.push(constraint!(n - all <= 0.0));
                for sl in &pc.slots {
                    let before: Expression = pc
                        .slots
                        .iter()
                        .filter(|o| o.eligible < sl.eligible)
                        .filter_map(|o| slot_at(&u.candidates[ui].slots, o.date))
                        .map(|j| x[ui][j])
                        .sum();
                    rows.push(constraint!(n - before <= sl.free_after));
                }
                push(pc.capability, n.into());
            }
            for pc in &p.investments {
                let Some(ui) = u.investments.iter().position(|c| c.inv == pc.inv) else {
                    continue;
                };
                if pc.decisions.len() != u.investments[ui].decisions.len() {
                    continue;
                }
                if pc.flow {
                    let mut e = Expression::default();
                    for (di, d) in pc.decisions.iter().enumerate() {
                        e.add_mul(d.at_deadline, y[ui][di]);
                    }
                    push(pc.capability, e);
                    continue;
                }
                let at = |d: NaiveDate| u.investments[ui].slots.iter().position(|s| s.date == d);
                let n = vars.add(variable().min(0.0));
                let all: Expression = pc
                    .slots
                    .iter()
                    .filter_map(|sl| at(sl.date))
                    .map(|j| xi[ui][j])
                    .sum();
                rows.push(constraint!(n - all <= 0.0));
                for sl in &pc.slots {
                    let before: Expression = pc
                        .slots
                        .iter()
                        .filter(|o| o.eligible < sl.eligible)
                        .filter_map(|o| at(o.date))
                        .map(|j| xi[ui][j])
                        .sum();
                    let mut cap = Expression::default();
                    for (di, c) in sl.cap_after.iter().enumerate() {
                        cap.add_mul(*c, y[ui][di]);
                    }
                    rows.push(constraint!(n - before - cap <= 0.0));
                }
                push(pc.capability, n.into());
            }
            let mut mine = vec![];
            for (&ci, &(t, base)) in &p.plannable {
                if !u.target_applies(sc, ci) {
                    continue;
                }
                let unreachable = p
                    .unreachable
                    .iter()
                    .any(|x| x.capability == sc.capabilities[ci].id);
                let d = delivered
                    .iter()
                    .find(|(c, _)| *c == ci)
                    .map(|(_, e)| e.clone())
                    .unwrap_or_default();
                let entry = match met.iter_mut().find(|(c, _, _, _)| *c == ci) {
                    Some(e) => e,
                    None => {
                        met.push((ci, vec![None; n_g], 0, 0));
                        met.last_mut().expect("just pushed")
                    }
                };
                if is_met(base, t) {
                    entry.2 += weight; // met already
                    entry.3 += weight;
                } else if !unreachable {
                    let m = vars.add(variable().binary());
                    integer = true;
                    entry.1[gi] = Some(m);
                    entry.3 += weight;
                    mine.push((ci, d, t - base));
                }
            }
            rows_of.push((gi, mine));
        }
        let mut conf_rows = vec![];
        for (ci, ms, already, reachable) in &met {
            let left_out = *reachable < need;
            conf_rows.push((*ci, *reachable, left_out));
            if left_out {
                continue;
            }
            let mut count = Expression::default();
            for (gi, m) in ms.iter().enumerate() {
                if let Some(m) = m {
                    count.add_mul(groups[gi].1 as f64, *m);
                }
            }
            rows.push(constraint!(count >= (need - (*already).min(need)) as f64));
            for (gi, mine) in &rows_of {
                for (c, d, gap) in mine {
                    if c != ci {
                        continue;
                    }
                    let m = ms[*gi].expect("a binary for every open target");
                    // A hair above the target, as in the deterministic program.
                    rows.push(constraint!(
                        d.clone() - (gap + 1e-7 * gap.max(1.0)) * m >= 0.0
                    ));
                }
            }
        }
        let mut all: Vec<Variable> = x.iter().flatten().copied().collect();
        all.extend(y.iter().flatten());
        all.extend(xi.iter().flatten());
        let binaries: Vec<Variable> = met
            .iter()
            .flat_map(|(_, ms, _, _)| ms.iter().flatten().copied())
            .collect();
        all.extend(&binaries);
        let size = (all.len(), rows.len());
        // Nothing to order or build: no program to solve; the futures' shares
        // are what the scenario reaches alone.
        let nothing = x.iter().all(Vec::is_empty) && y.iter().all(Vec::is_empty);
        let values = if nothing {
            std::collections::HashMap::new()
        } else {
            run_solver(vars.minimise(cost + late), rows, &all, integer)?.0
        };
        let integer = integer && !nothing;
        let val = |v: &Variable| values.get(v).copied().unwrap_or(0.0).max(0.0);
        let sol = LpSolution {
            x: x.iter().map(|v| v.iter().map(val).collect()).collect(),
            y: y.iter().map(|v| v.iter().map(val).collect()).collect(),
            xi: xi.iter().map(|v| v.iter().map(val).collect()).collect(),
        };
        let duals = super::solve::Duals {
            lines: vec![0.0; u.candidates.len()],
            budget: u.budget_years.iter().map(|&y| (y, 0.0)).collect(),
            investments: vec![0.0; u.investments.len()],
            workforce: vec![0.0; u.workforce.len()],
            money,
        };
        let mut plan = u.report(s, &sol, &duals, size, true)?;
        if integer {
            plan.solver = super::INTEGER_SOLVER.to_string();
        }
        // A chance-constrained program has no duals: no shadow prices.
        for l in &mut plan.lines {
            l.shadow_price = None;
        }
        for b in &mut plan.budget {
            b.shadow_price_per_bn = None;
        }
        for o in &mut plan.investment_options {
            o.shadow_price = None;
        }
        for w in &mut plan.workforce {
            w.shadow_price_per_1000 = None;
        }
        let rows = conf_rows
            .iter()
            .map(|&(ci, reachable, left_out)| {
                let (_, ms, already, _) = met.iter().find(|(c, _, _, _)| *c == ci).expect("row");
                let won: usize = ms
                    .iter()
                    .enumerate()
                    .filter_map(|(gi, m)| m.filter(|m| val(m) > 0.5).map(|_| groups[gi].1))
                    .sum::<usize>()
                    + already;
                ConfidenceRow {
                    capability: s.capabilities[ci].id.clone(),
                    in_sample: won as f64 / n_f as f64,
                    reachable,
                    left_out,
                }
            })
            .collect();
        plan.notes.push(format!(
            "planned against {n_f} sampled futures (seed {seed}; {n_g} distinct) so that each target is met in at least {need} of them; shadow prices are not computed for such a plan"
        ));
        plan.confidence = Some(Confidence {
            confidence,
            futures: n_f,
            seed,
            rows,
        });
        Ok(plan)
    }
}

/// Plan with `--confidence`: draw the futures, build each one's problem,
/// and solve them together.
pub fn plan_confident(
    s: &Scenario,
    eval: &Evaluation,
    req: &super::PlanRequest,
    confidence: f64,
    n: usize,
    seed: u64,
) -> Result<Plan, PlanError> {
    if n == 0 {
        return Err(PlanError::Request("--futures must be at least 1".into()));
    }
    let nominal = PlanProblem::build(s, eval, req)?;
    let mut built = Vec::with_capacity(n);
    for f in futures(s, n, seed) {
        let valid = crate::Valid::new(f).map_err(|problems| {
            let first = problems
                .iter()
                .find(|p| p.severity == crate::validate::Severity::Error)
                .map(|p| p.to_string())
                .unwrap_or_default();
            PlanError::Solver(format!("a sampled future does not validate: {first}"))
        })?;
        let e = Evaluation::new(&valid);
        let p = PlanProblem::build(&valid, &e, req)?;
        built.push((valid.into_inner(), p));
    }
    nominal.solve_confident(s, &built, confidence, seed)
}
