//! `--workshare`: each nation's share of the plan's investment within a
//! tolerance of its share of a key (docs/PLANNER.md, "Workshare").
//!
//! The industrial agreements behind coordinated procurement return work to
//! the nations that pay: a nation with a fifth of the key should host about
//! a fifth of the new capacity's capex. For every nation of the key, with
//! `C_n` the capex of the investments on its soil and `C` the capex of all
//! investments chosen: `C_n <= (k_n + t) C` and, where `k_n > t`,
//! `C_n >= (k_n - t) C`. Both are linear, and a plan that invests nothing
//! meets them.

use super::problem::PlanProblem;
use super::result::{PlannedInvestment, WorkshareRow, WorkshareUse};
use good_lp::{constraint, Constraint, Expression, Variable};

/// The workshare rule of a problem: the key and its tolerance.
#[derive(Debug, Clone)]
pub(super) struct Workshare {
    /// Name of the key (`gdp`, `equal`, a file).
    pub(super) key: String,
    /// Tolerance, in share points (0.1: within 10 points of the key).
    pub(super) tolerance: f64,
    /// Nation and its share of the key (summing to 1).
    pub(super) rows: Vec<(String, f64)>,
}

impl PlanProblem {
    /// The workshare rows over the decision sizes `y` (per investment and
    /// decision date), capex scaled by `1 / money` as in the program.
    pub(super) fn workshare_rows(&self, y: &[Vec<Variable>], money: f64) -> Vec<Constraint> {
        let Some(w) = &self.workshare else {
            return vec![];
        };
        let capex_of = |keep: &dyn Fn(&str) -> bool| -> Expression {
            let mut e = Expression::default();
            for (ii, c) in self.investments.iter().enumerate() {
                if keep(&c.line.nation) {
                    for &v in &y[ii] {
                        e.add_mul(c.capex_rate / money, v);
                    }
                }
            }
            e
        };
        let total = capex_of(&|_| true);
        let mut rows = vec![];
        for (nation, k) in &w.rows {
            let own = capex_of(&|n| n == nation);
            let high = k + w.tolerance;
            if high < 1.0 {
                rows.push(constraint!(own.clone() - high * total.clone() <= 0.0));
            }
            let low = k - w.tolerance;
            if low > 0.0 {
                rows.push(constraint!(own - low * total.clone() >= 0.0));
            }
        }
        rows
    }

    /// Notes on a workshare key that limits what can be built: nations whose
    /// lower bound no candidate on their soil can meet.
    pub(super) fn workshare_notes(&self) -> Vec<String> {
        let Some(w) = &self.workshare else {
            return vec![];
        };
        let without = self.workshare_short_of();
        if without.is_empty() {
            return vec![];
        }
        vec![format!(
            "--workshare {}: {} must host at least its key share less {} of the capex but has no candidate investment, so any investment breaks the rule: the plan invests nothing unless investments.csv gains candidates there or the tolerance grows",
            w.key,
            without.join(", "),
            w.tolerance
        )]
    }

    /// Nations of the key with a lower bound (key share above the
    /// tolerance) and no candidate investment on their soil.
    pub(super) fn workshare_short_of(&self) -> Vec<&str> {
        let Some(w) = &self.workshare else {
            return vec![];
        };
        w.rows
            .iter()
            .filter(|(n, k)| {
                *k > w.tolerance && !self.investments.iter().any(|c| c.line.nation == *n)
            })
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// The workshare of a plan's investments, if the rule was given.
    pub(super) fn workshare_use(&self, investments: &[PlannedInvestment]) -> Option<WorkshareUse> {
        let w = self.workshare.as_ref()?;
        let total: f64 = investments.iter().map(|i| i.capex).sum();
        let rows = w
            .rows
            .iter()
            .map(|(nation, k)| {
                let capex: f64 = investments
                    .iter()
                    .filter(|i| i.nation == *nation)
                    .map(|i| i.capex)
                    .sum();
                let share = (total > 0.0).then(|| capex / total);
                let low = (k - w.tolerance).max(0.0);
                let high = (k + w.tolerance).min(1.0);
                let tight = 1e-6;
                WorkshareRow {
                    nation: nation.clone(),
                    key_share: *k,
                    capex,
                    share,
                    low,
                    high,
                    binding: share.is_some_and(|s| {
                        (low > 0.0 && s <= low + tight) || (high < 1.0 && s >= high - tight)
                    }),
                }
            })
            .collect();
        Some(WorkshareUse {
            key: w.key.clone(),
            tolerance: w.tolerance,
            total_capex: total,
            rows,
        })
    }
}
