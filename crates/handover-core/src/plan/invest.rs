//! Candidate investments in capacity (investments.csv), made ready for the
//! planner's program: the dates each may be decided on, the capacity its
//! ramp-up gives per period for one unit a year, how its capex and its
//! hiring fall into calendar years, and the order slots of a new stock line.
//!
//! The conventions, documented in docs/PLANNER.md:
//! - a decision at date `d` gives first output `months_to_first_output`
//!   months later and full rate `months_to_full_rate` months later, rising
//!   linearly month by month in between (`(m - first + 1) / (full - first + 1)`
//!   of the size in month `m`); in a scenario with longer periods a period
//!   takes the fraction of its last ramp month, as a capacity step dated
//!   within a period applies to the whole period;
//! - capex is paid in equal monthly parts from the decision to full rate
//!   (at the decision when full rate is immediate), and counts against the
//!   budget of the year it is paid in;
//! - the workers a unit of capacity needs are hired in the year that unit of
//!   capacity comes on line;
//! - the capacity is a line of its own (an expansion: a new cell of its
//!   line, at the line's site, with the line's lead time, unit cost and
//!   content unless the row gives its own), serving the plan's orders.

use super::problem::content_rule;
use super::{InvestmentOption, PlanRequest};
use crate::projection::shift_months;
use crate::scenario::{CapabilityKind, Investment, ProductionLine, Scenario};
use crate::time::Calendar;
use chrono::{Datelike, NaiveDate};

/// One date an investment may be decided on.
#[derive(Debug, Clone)]
pub(super) struct Decision {
    pub(super) date: NaiveDate,
    /// Capacity steps of one unit a year: (date, fraction of the size), one per period.
    pub(super) ramp: Vec<(NaiveDate, f64)>,
    /// Units per period, per period, for one unit a year.
    pub(super) per_period: Vec<f64>,
    /// Fraction of the size in force in the deadline period.
    pub(super) at_deadline: f64,
    /// Share of the capex paid in each year.
    pub(super) capex_years: Vec<(i32, f64)>,
    /// Share of the size that comes on line (and is hired for) in each year.
    pub(super) hire_years: Vec<(i32, f64)>,
    pub(super) first_output: NaiveDate,
    pub(super) full_rate: NaiveDate,
}

/// An order date on the line an investment builds (stock capabilities).
#[derive(Debug, Clone)]
pub(super) struct InvSlot {
    pub(super) date: NaiveDate,
    pub(super) queue_date: NaiveDate,
    pub(super) eligible: i64,
    /// Per decision: capacity, for one unit a year, from `eligible` to the deadline.
    pub(super) cap_after: Vec<f64>,
}

/// An investment the program may choose.
#[derive(Debug, Clone)]
pub(super) struct InvCandidate {
    /// Index into `Scenario::investments`.
    pub(super) inv: usize,
    pub(super) capability: usize,
    pub(super) flow: bool,
    pub(super) step: Option<f64>,
    pub(super) max: f64,
    /// Capex per unit a year of capacity.
    pub(super) capex_rate: f64,
    /// Capex of the maximum size.
    pub(super) capex: f64,
    pub(super) workers: Option<f64>,
    pub(super) decisions: Vec<Decision>,
    /// The line the capacity becomes (its id is the investment's).
    pub(super) line: ProductionLine,
    pub(super) unit_cost: f64,
    pub(super) approval: bool,
    /// Order slots (stock capabilities with a unit cost and a lead time).
    pub(super) slots: Vec<InvSlot>,
}

impl InvCandidate {
    /// Units deliverable by the deadline (stock) or capacity at the deadline
    /// (flow) if the whole size is decided at the first date.
    pub(super) fn most_by_deadline(&self) -> f64 {
        let Some(d) = self.decisions.first() else {
            return 0.0;
        };
        if self.flow {
            self.max * d.at_deadline
        } else {
            self.slots
                .first()
                .map_or(0.0, |sl| self.max * sl.cap_after[0])
        }
    }
}

/// The ramp of one unit a year decided at `d`: capacity steps, one per period.
fn ramp(cal: &Calendar, d: NaiveDate, first: u32, full: u32) -> Vec<(NaiveDate, f64)> {
    let n = (full - first + 1) as f64;
    let mut out: Vec<(NaiveDate, f64)> = vec![];
    for m in first..=full {
        let date = shift_months(d, m as i32);
        if !cal.contains(date) {
            break;
        }
        let f = (m - first + 1) as f64 / n;
        match out.last_mut() {
            Some(last) if cal.period_of(last.0) == cal.period_of(date) => last.1 = f,
            _ => out.push((date, f)),
        }
    }
    out
}

/// Units per period, per period, of a line with capacity steps `steps`
/// (values in units a year), as the projection reads them: a step applies
/// from its period on.
pub(super) fn per_period(cal: &Calendar, steps: &[(NaiveDate, f64)]) -> Vec<f64> {
    let mut out = vec![0.0; cal.periods()];
    let mut now = 0.0;
    let mut it = steps.iter().peekable();
    for (k, slot) in out.iter_mut().enumerate() {
        while let Some(&&(d, v)) = it.peek() {
            if cal.period_of(d).max(0) <= k as i64 {
                now = v;
                it.next();
            } else {
                break;
            }
        }
        *slot = cal.per_period(now);
    }
    out
}

fn decision(cal: &Calendar, k: usize, d: NaiveDate, first: u32, full: u32) -> Decision {
    let steps = ramp(cal, d, first, full);
    let per = per_period(cal, &steps);
    let at_deadline = per[k] / cal.per_period(1.0);
    let mut capex_years: Vec<(i32, f64)> = vec![];
    let add = |v: &mut Vec<(i32, f64)>, y: i32, x: f64| match v.iter_mut().find(|(yy, _)| *yy == y)
    {
        Some((_, a)) => *a += x,
        None => v.push((y, x)),
    };
    if full == 0 {
        add(&mut capex_years, d.year(), 1.0);
    } else {
        for m in 0..full {
            add(
                &mut capex_years,
                shift_months(d, m as i32).year(),
                1.0 / full as f64,
            );
        }
    }
    let mut hire_years = vec![];
    let mut before = 0.0;
    for &(date, f) in &steps {
        add(&mut hire_years, date.year(), f - before);
        before = f;
    }
    Decision {
        date: d,
        ramp: steps,
        per_period: per,
        at_deadline,
        capex_years,
        hire_years,
        first_output: shift_months(d, first as i32),
        full_rate: shift_months(d, full as i32),
    }
}

/// Why an investment cannot be planned, if it cannot; `None` if it can.
fn missing(inv: &Investment, line: Option<&ProductionLine>, flow: bool) -> Option<String> {
    let mut gaps = vec![];
    if inv.months_to_first_output.is_none() {
        gaps.push("months_to_first_output");
    }
    if inv.capex.is_none() {
        gaps.push("capex");
    }
    if !flow {
        if inv.unit_cost.or(line.and_then(|l| l.unit_cost)).is_none() {
            gaps.push("unit_cost");
        }
        if inv.lead_time_months.is_none() && line.is_none() {
            gaps.push("lead_time_months");
        }
    }
    (!gaps.is_empty()).then(|| format!("unknown {}: cannot be planned", gaps.join(", ")))
}

/// Everything the program needs about the scenario's investments, and a row
/// per investment saying whether it could be used.
pub(super) struct Investments {
    pub(super) candidates: Vec<InvCandidate>,
    pub(super) options: Vec<InvestmentOption>,
}

/// Prepare the candidates. `plannable(ci)` says whether the capability can be
/// planned at all (else the reason); `grid` are the order dates.
#[allow(clippy::too_many_arguments)]
pub(super) fn candidates(
    s: &Scenario,
    req: &PlanRequest,
    cal: &Calendar,
    k: usize,
    grid: &[NaiveDate],
    deadline: NaiveDate,
    plannable: &dyn Fn(usize) -> Result<(), String>,
) -> Investments {
    let mut out = Investments {
        candidates: vec![],
        options: vec![],
    };
    let approval_months = s.scenario.us_export_approval_months as i32;
    for (ii, inv) in s.investments.iter().enumerate() {
        let Some(ci) = s.capabilities.iter().position(|c| c.id == inv.capability) else {
            continue;
        };
        let flow = s.capabilities[ci].kind == CapabilityKind::Flow;
        let existing = inv
            .line
            .as_ref()
            .and_then(|id| s.lines.iter().position(|l| &l.id == id));
        let base = existing.map(|li| &s.lines[li]);
        let line = ProductionLine {
            id: inv.id.clone(),
            capability: inv.capability.clone(),
            nation: inv.nation.clone(),
            name: inv.name.clone(),
            lead_time_months: inv
                .lead_time_months
                .or(base.map(|l| l.lead_time_months))
                .unwrap_or(0),
            unit_cost: inv.unit_cost.or(base.and_then(|l| l.unit_cost)),
            content_eu: inv.content_eu.or(base.and_then(|l| l.content_eu)),
            content_us: inv.content_us.or(base.and_then(|l| l.content_us)),
            content_other: inv.content_other.or(base.and_then(|l| l.content_other)),
            provenance: inv.provenance.clone(),
            origin: inv.origin.clone(),
        };
        let mut reason = None;
        if !req.investments {
            reason = Some("--no-investments".to_string());
        } else if let Err(why) = plannable(ci) {
            reason = Some(format!("capability `{}`: {why}", inv.capability));
        } else if let Some(why) = missing(inv, base, flow) {
            reason = Some(why);
        } else if flow && !s.is_european_nation(&inv.nation) {
            reason = Some(format!(
                "built in {}, outside `{}`: its capacity does not count as European",
                inv.nation, s.scenario.europe
            ));
        } else if let Some(why) = content_rule(req.min_european_content, line.content_eu) {
            reason = Some(why);
        }
        let first = inv.months_to_first_output.unwrap_or(0);
        let full = inv.months_to_full_rate.unwrap_or(first).max(first);
        let mut decisions = vec![];
        if reason.is_none() {
            let earliest = inv.earliest.unwrap_or(req.from).max(req.from);
            for &d in grid.iter().filter(|&&d| d >= earliest) {
                if shift_months(d, first as i32) > deadline {
                    break;
                }
                decisions.push(decision(cal, k, d, first, full));
            }
            if decisions.is_empty() {
                reason = Some(format!(
                    "{first} months from decision to first output: nothing decided from {earliest} produces by {deadline}"
                ));
            }
        }
        let approval = match line.content_us {
            Some(u) => u > 0.0,
            None => line.nation == "US",
        };
        let shift = if approval { approval_months } else { 0 };
        let lead = cal.months_to_periods(line.lead_time_months) as i64;
        let mut slots = vec![];
        if reason.is_none() && !flow {
            for &d in grid {
                let queue_date = shift_months(d, shift);
                let eligible = cal.period_of(queue_date) + lead;
                if eligible > k as i64 {
                    continue;
                }
                let cap_after: Vec<f64> = decisions
                    .iter()
                    .map(|dec| dec.per_period[eligible.max(0) as usize..=k].iter().sum())
                    .collect();
                if cap_after.iter().all(|c| *c <= 0.0) {
                    continue;
                }
                slots.push(InvSlot {
                    date: d,
                    queue_date,
                    eligible,
                    cap_after,
                });
            }
            if slots.is_empty() {
                reason = Some(format!(
                    "first output {} and a lead time of {} months: no order on it can be delivered by {deadline}",
                    decisions[0].first_output, line.lead_time_months
                ));
            }
        }
        out.options.push(InvestmentOption {
            investment: inv.id.clone(),
            capability: inv.capability.clone(),
            nation: inv.nation.clone(),
            line: inv.line.clone(),
            eligible: reason.is_none(),
            reason: reason.clone(),
            chosen_units_per_year: 0.0,
            at_maximum: false,
            shadow_price: None,
        });
        if reason.is_some() {
            continue;
        }
        out.candidates.push(InvCandidate {
            inv: ii,
            capability: ci,
            flow,
            step: inv.step,
            max: inv.max_units_per_year,
            capex_rate: inv.capex.unwrap_or(0.0) / inv.max_units_per_year,
            capex: inv.capex.unwrap_or(0.0),
            workers: inv.workers_per_unit,
            decisions,
            unit_cost: line.unit_cost.unwrap_or(0.0),
            line,
            approval,
            slots,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Step;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_ramp_rises_month_by_month_to_full_rate() {
        let cal = Calendar::new(d("2026-01-01"), d("2030-12-31"), Step::Month).unwrap();
        // First output 2 months after the decision, full rate after 5: 1/4, 2/4, 3/4, 1.
        let r = ramp(&cal, d("2026-01-01"), 2, 5);
        assert_eq!(
            r,
            vec![
                (d("2026-03-01"), 0.25),
                (d("2026-04-01"), 0.5),
                (d("2026-05-01"), 0.75),
                (d("2026-06-01"), 1.0)
            ]
        );
        let dec = decision(&cal, 12, d("2026-01-01"), 2, 5);
        assert_eq!(dec.per_period[1], 0.0);
        assert!((dec.per_period[2] - 0.25 / 12.0).abs() < 1e-12);
        assert_eq!(dec.at_deadline, 1.0);
        // Capex in 5 equal monthly parts, all in 2026; hiring as capacity comes.
        assert_eq!(dec.capex_years, vec![(2026, 1.0)]);
        assert_eq!(dec.hire_years, vec![(2026, 1.0)]);
    }

    #[test]
    fn in_quarters_a_period_takes_its_last_ramp_month() {
        let cal = Calendar::new(d("2026-01-01"), d("2030-12-31"), Step::Quarter).unwrap();
        // Months 2..=5 after January: March (Q1: 1/4), April, May, June (Q2: 1).
        let r = ramp(&cal, d("2026-01-01"), 2, 5);
        assert_eq!(r, vec![(d("2026-03-01"), 0.25), (d("2026-04-01"), 1.0)]);
    }

    #[test]
    fn capex_and_hiring_fall_into_the_years_they_happen() {
        let cal = Calendar::new(d("2026-01-01"), d("2030-12-31"), Step::Month).unwrap();
        // Decided October 2026, full rate 6 months later (April 2027), first output at once.
        let dec = decision(&cal, 40, d("2026-10-01"), 0, 6);
        assert_eq!(dec.capex_years, vec![(2026, 0.5), (2027, 0.5)]);
        let hired_2026: f64 = dec.hire_years.iter().find(|(y, _)| *y == 2026).unwrap().1;
        // October, November, December: 3 of 7 ramp months.
        assert!((hired_2026 - 3.0 / 7.0).abs() < 1e-12, "{hired_2026}");
    }
}
