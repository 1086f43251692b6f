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
//!
//! The module's parts, one job each: [`request`] (what to plan: the request,
//! its options as a user writes them, their parsing and defaults),
//! `problem` (the LP's data built from the scenario), `solve` (the LP, its
//! solver and duals), `rounding` (from the LP's solution to the [`Plan`]:
//! whole units, checked by the projection), `share` (burden-sharing keys) and
//! [`result`] (the plan and its rows).

mod invest;
pub mod odds;
mod problem;
pub mod request;
pub mod result;
mod rounding;
pub mod saa;
mod share;
mod solve;
#[cfg(test)]
mod tests;
mod workshare;

pub use odds::{odds, OddsRow, PlanOdds};
pub use problem::PlanProblem;
pub use request::{
    default_from, parse_budget, parse_from, Objective, PlanOption, PlanOptions, PlanRequest,
    RequestError, ShareChoice, ShareKey, ShareRow,
};
pub use result::{
    BudgetYear, CapabilityPlan, InvestmentOption, LinePlan, NationShare, NewLine, Plan,
    PlannedInvestment, PlannedOrder, Unreachable, WorkforceYear, WorkshareRow, WorkshareUse,
};
pub use saa::{plan_confident, Confidence, ConfidenceRow, DEFAULT_FUTURES};
pub use share::latest_gdp_musd;

use crate::assess::Evaluation;
use crate::scenario::Scenario;

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
    /// A plan exists, but none meets the `--workshare` rule.
    #[error("no plan meets --workshare {key} within {tolerance} of each nation's key share{why}; without the rule a plan exists: raise --workshare-tolerance or drop --workshare")]
    Workshare {
        /// Name of the key.
        key: String,
        /// Tolerance.
        tolerance: f64,
        /// The nations that cannot host their share, as text (may be empty).
        why: String,
    },
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
/// The mixed-integer solver's name (whole steps, `--confidence`).
#[cfg(not(feature = "highs"))]
pub const INTEGER_SOLVER: &str = "microlp (pure Rust, branch and bound)";
/// The mixed-integer solver's name (whole steps, `--confidence`).
#[cfg(feature = "highs")]
pub const INTEGER_SOLVER: &str = "HiGHS";
