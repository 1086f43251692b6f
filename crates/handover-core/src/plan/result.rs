//! The plan and the rows that explain it.

use super::Objective;
use crate::scenario::CapabilityKind;
use crate::time::Step;
use chrono::NaiveDate;
use serde::Serialize;

/// An order the plan places.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedOrder {
    /// Line id.
    pub line: String,
    /// Capability the line produces.
    pub capability: String,
    /// Date Europe places (and pays for) the order.
    pub date: NaiveDate,
    /// Date the order enters the line's queue: later than `date` by the US
    /// export-approval delay when the line has US-origin content.
    pub queue_date: NaiveDate,
    /// Budget year (the year of `date`).
    pub year: i32,
    /// Units, as the LP chose them (continuous).
    pub quantity: f64,
    /// Whole units actually to order (the report's rounding).
    pub units: f64,
    /// Unit cost.
    pub unit_cost: f64,
    /// `quantity * unit_cost`.
    pub cost: f64,
    /// `units * unit_cost`.
    pub cost_rounded: f64,
    /// The line has US-origin content: the order needs US export approval.
    pub us_export_approval: bool,
    /// Units of this order (whole units) delivered by the deadline, by the projection.
    pub delivered_by_deadline: f64,
    /// First delivery (end of period), by the projection of the whole-unit plan.
    pub first_delivery: Option<NaiveDate>,
    /// Last delivery; `None` if not complete within the horizon.
    pub last_delivery: Option<NaiveDate>,
    /// Deliveries per period `(period end, units)` with units > 0.
    pub schedule: Vec<(NaiveDate, f64)>,
}

/// Per capability: what the plan buys.
#[derive(Debug, Clone, Serialize)]
pub struct CapabilityPlan {
    /// Capability id.
    pub capability: String,
    /// Stock or flow.
    pub kind: CapabilityKind,
    /// Weight in the index.
    pub weight: f64,
    /// Target `T_c`, if any.
    pub target: Option<f64>,
    /// European level at the deadline without the plan.
    pub level_before: Option<f64>,
    /// ... with the plan (continuous quantities, the LP's claim).
    pub level_after: Option<f64>,
    /// ... with the plan rounded to whole units (by the projection).
    pub level_rounded: Option<f64>,
    /// Coverage at the deadline without the plan.
    pub coverage_before: Option<f64>,
    /// ... with the plan.
    pub coverage_after: Option<f64>,
    /// ... with the whole-unit plan.
    pub coverage_rounded: Option<f64>,
    /// Units the plan has delivered by the deadline (continuous).
    pub bought: f64,
    /// Why orders cannot raise this capability, if they cannot.
    pub not_plannable: Option<String>,
}

/// Money per budget year.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetYear {
    /// Calendar year of ordering.
    pub year: i32,
    /// Budget, if one was given.
    pub budget: Option<f64>,
    /// Spent by the plan (continuous): procurement plus investment.
    pub used: f64,
    /// Of which orders (whole-unit plan).
    pub procurement: f64,
    /// Of which capex of the plan's investments paid in this year.
    pub investment: f64,
    /// Spent by the whole-unit plan.
    pub used_rounded: f64,
    /// The budget of this year is used up (a binding constraint).
    pub exhausted: bool,
    /// Shadow price: change of the objective per extra billion of this
    /// year's budget (index points for `coverage`); `None` where not computed.
    pub shadow_price_per_bn: Option<f64>,
}

/// Per production line: whether it could be used, and how much it was.
#[derive(Debug, Clone, Serialize)]
pub struct LinePlan {
    /// Line id.
    pub line: String,
    /// Capability.
    pub capability: String,
    /// Orders may be placed on it.
    pub eligible: bool,
    /// Why not, if not.
    pub reason: Option<String>,
    /// EU/EEA/Ukraine content share, if known.
    pub content_eu: Option<f64>,
    /// Orders need US export approval.
    pub us_export_approval: bool,
    /// Capacity left free by the existing order book, from the first period a
    /// new order could be delivered to the deadline.
    pub free_by_deadline: f64,
    /// New units delivered by the deadline (continuous plan).
    pub delivered_by_deadline: f64,
    /// Every unit of free capacity before the deadline is taken: the line is a bottleneck.
    pub bottleneck: bool,
    /// Shadow price of one more unit of capacity in the deadline period:
    /// index points (coverage objective) or money saved (cost objective).
    pub shadow_price: Option<f64>,
}

/// An investment the plan makes: capacity decided at a date.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedInvestment {
    /// Investment id (investments.csv); the capacity is a line of this id.
    pub investment: String,
    /// The line it expands, if it expands one.
    pub expands: Option<String>,
    /// Capability.
    pub capability: String,
    /// Nation where it is built.
    pub nation: String,
    /// Decision date.
    pub date: NaiveDate,
    /// Capacity added at full rate, units a year.
    pub units_per_year: f64,
    /// Whole steps, where the investment comes in steps.
    pub steps: Option<f64>,
    /// Capital cost (paid from the decision to full rate).
    pub capex: f64,
    /// First output.
    pub first_output: NaiveDate,
    /// Full rate.
    pub full_rate: NaiveDate,
    /// Capacity in force in the deadline period, units a year.
    pub capacity_at_deadline: f64,
    /// Skilled workers it needs at full rate, if known.
    pub workers: Option<f64>,
}

/// Per candidate investment: whether it could be used, and how much it was.
#[derive(Debug, Clone, Serialize)]
pub struct InvestmentOption {
    /// Investment id.
    pub investment: String,
    /// Capability.
    pub capability: String,
    /// Nation where it would be built.
    pub nation: String,
    /// The line it would expand.
    pub line: Option<String>,
    /// The plan may choose it.
    pub eligible: bool,
    /// Why not, if not: a missing figure is named.
    pub reason: Option<String>,
    /// Capacity the plan chose over all decision dates, units a year.
    pub chosen_units_per_year: f64,
    /// The plan takes its maximum size (a binding constraint).
    pub at_maximum: bool,
    /// Shadow price of its maximum size, per unit a year more (index points
    /// or money saved, like a line's), from the program with the whole
    /// steps fixed; `None` where not computed.
    pub shadow_price: Option<f64>,
}

/// Hiring against the workers a nation or group can hire in a year.
#[derive(Debug, Clone, Serialize)]
pub struct WorkforceYear {
    /// Nation code or group (workforce.csv).
    pub nation: String,
    /// Calendar year.
    pub year: i32,
    /// Workers available to hire.
    pub available: f64,
    /// Workers the plan's investments hire.
    pub hired: f64,
    /// Every available worker is hired: hiring binds.
    pub binding: bool,
    /// Shadow price per 1,000 more workers (index points or money saved).
    pub shadow_price_per_1000: Option<f64>,
}

/// A line the plan's investments build, as added to the scenario.
#[derive(Debug, Clone, Serialize)]
pub struct NewLine {
    /// Line id (the investment's).
    pub line: crate::scenario::ProductionLine,
    /// Capacity steps `(date, units a year)`.
    pub capacity: Vec<(NaiveDate, f64)>,
}

/// A target that no plan reaches by the deadline.
#[derive(Debug, Clone, Serialize)]
pub struct Unreachable {
    /// Capability id.
    pub capability: String,
    /// Target.
    pub target: f64,
    /// Highest level reachable by the deadline at any cost, if the level is known.
    pub max_level: Option<f64>,
    /// Earliest date the target can be reached by ordering everything possible
    /// at the first order date; `None`: not within the horizon (or never by orders).
    pub earliest: Option<NaiveDate>,
    /// Why.
    pub reason: String,
}

/// One nation's part of the plan's cost.
#[derive(Debug, Clone, Serialize)]
pub struct NationShare {
    /// Nation code.
    pub nation: String,
    /// Share of every order's cost, 0..1.
    pub share: f64,
    /// Amount over the whole plan (whole-unit costs).
    pub amount: f64,
    /// Average per budget year.
    pub per_year: f64,
    /// GDP used (US$ m), if known.
    pub gdp_musd: Option<f64>,
    /// `per_year` as a share of GDP (0.001 = 0.1 %), if GDP and the exchange rate are known.
    pub pct_gdp: Option<f64>,
}

/// A plan and everything that explains it.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Objective.
    pub objective: Objective,
    /// Scenario currency.
    pub currency: String,
    /// Deadline id (or the date given).
    pub deadline: String,
    /// Deadline date.
    pub deadline_date: NaiveDate,
    /// First order date allowed.
    pub from: NaiveDate,
    /// Order grid.
    pub grid: Step,
    /// Budget per year, if given.
    pub budget_per_year: Option<f64>,
    /// Minimum European content rule, if given.
    pub min_european_content: Option<f64>,
    /// The European nation that books the planned orders in the scenario (the
    /// cost is split by the share key; any European buyer gives the same level).
    pub buyer: String,
    /// The orders, by date then line.
    pub orders: Vec<PlannedOrder>,
    /// The investments, by date then id.
    pub investments: Vec<PlannedInvestment>,
    /// Lines the investments build (the scenario with the plan has them).
    pub new_lines: Vec<NewLine>,
    /// Per candidate investment.
    pub investment_options: Vec<InvestmentOption>,
    /// Hiring per nation or group and year, where workforce.csv limits it.
    pub workforce: Vec<WorkforceYear>,
    /// Objective of the program with whole steps relaxed to any size (index
    /// at the deadline for `coverage`, total cost for `cost`); `None`
    /// without whole-step investments.
    pub relaxation: Option<f64>,
    /// The same objective of the plan with whole steps.
    pub integer_objective: Option<f64>,
    /// Total cost (continuous): orders plus capex.
    pub total_cost: f64,
    /// Of which capex of the investments.
    pub investment_cost: f64,
    /// Total cost of the whole-unit plan.
    pub total_cost_rounded: f64,
    /// Per capability.
    pub capabilities: Vec<CapabilityPlan>,
    /// Readiness index at the deadline without the plan.
    pub index_before: Option<f64>,
    /// ... with the plan (the LP's claim).
    pub index_after: Option<f64>,
    /// ... with the whole-unit plan (by the projection).
    pub index_rounded: Option<f64>,
    /// Budget per year.
    pub budget: Vec<BudgetYear>,
    /// Per line.
    pub lines: Vec<LinePlan>,
    /// Targets not reachable by the deadline at any cost.
    pub unreachable: Vec<Unreachable>,
    /// Burden sharing.
    pub shares: Vec<NationShare>,
    /// Name of the burden-sharing key, if one was given.
    pub share_key: Option<String>,
    /// Each nation's share of the investment against `--workshare`, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workshare: Option<WorkshareUse>,
    /// Caveats and choices made.
    pub notes: Vec<String>,
    /// How likely the plan is to work (P(met) with and without it), where
    /// a forecast was run ([`super::odds`]; `handover plan` always runs one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub odds: Option<super::PlanOdds>,
    /// What `--confidence` planned against, where it was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<super::Confidence>,
    /// The LP solver used.
    pub solver: String,
    /// LP size: variables and constraints.
    pub lp_size: (usize, usize),
}

/// The plan's investment per nation against the `--workshare` key.
#[derive(Debug, Clone, Serialize)]
pub struct WorkshareUse {
    /// Name of the key.
    pub key: String,
    /// Tolerance in share points.
    pub tolerance: f64,
    /// Capex of all the plan's investments.
    pub total_capex: f64,
    /// One row per nation of the key, in the key's order.
    pub rows: Vec<WorkshareRow>,
}

/// One nation's workshare.
#[derive(Debug, Clone, Serialize)]
pub struct WorkshareRow {
    /// Nation code.
    pub nation: String,
    /// Its share of the key.
    pub key_share: f64,
    /// Capex of the plan's investments on its soil.
    pub capex: f64,
    /// Its share of the plan's capex; `None` when the plan invests nothing.
    pub share: Option<f64>,
    /// Least share the rule allows.
    pub low: f64,
    /// Greatest share the rule allows.
    pub high: f64,
    /// The share is at a bound.
    pub binding: bool,
}
