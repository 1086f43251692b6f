//! What to plan: the request and its defaults.

use crate::scenario::Origin;
use crate::time::Step;
use chrono::NaiveDate;
use serde::Serialize;
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
