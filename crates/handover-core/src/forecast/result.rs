//! What a forecast returns: per capability and deadline P(met), coverage
//! quantiles, the date reached, the sensitivity ranking; the index; the fan.

use super::*;

/// P10, P50 and P90 (nearest rank; see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quantiles {
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// Rank correlation of one input with one output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sensitivity {
    /// The input's label ([`UncertainInput::id`]).
    pub input: String,
    /// The input's cell ([`UncertainInput::cell`]); not serialised, since a
    /// row index would tell a reader how many rows come before it.
    #[serde(skip)]
    pub cell: Option<CellRef>,
    /// Spearman's rho in `[-1, 1]`.
    pub rho: f64,
}

/// One capability at one deadline its requirement names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineForecast {
    /// Deadline id.
    pub deadline: String,
    /// The period evaluated (the deadline's period, clamped into the horizon).
    pub period: usize,
    /// Share of samples with coverage 1 at that period.
    pub p_met: f64,
    /// Its standard error `sqrt(p(1-p)/N)`.
    pub p_met_se: f64,
    /// Coverage quantiles at that period (exact).
    pub coverage: Quantiles,
    /// US dependency quantiles at that period (binned to [`RESOLUTION`]);
    /// `None` without a US contribution.
    pub us_dependency: Option<Quantiles>,
    /// Inputs by `|rho|` with coverage at that period, largest first.
    pub sensitivity: Vec<Sensitivity>,
}

/// A period and the last day of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReachedAt {
    /// Period index.
    pub period: usize,
    /// Its last day.
    pub date: NaiveDate,
}

/// The distribution of the first period with coverage 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReachedForecast {
    /// Share of samples that do not reach coverage 1 within the horizon.
    pub share_never: f64,
    /// 10th percentile, never counting as `+inf`; `None`: not within horizon.
    pub p10: Option<ReachedAt>,
    /// Median.
    pub p50: Option<ReachedAt>,
    /// 90th percentile.
    pub p90: Option<ReachedAt>,
}

/// One capability with known level and target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapabilityForecast {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Nominal target `T_c`.
    pub target: f64,
    /// Per deadline its requirement names, in scenario order.
    pub deadlines: Vec<DeadlineForecast>,
    /// Date reached.
    pub reached: ReachedForecast,
}

/// The readiness index at one deadline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexDeadline {
    /// Deadline id.
    pub deadline: String,
    /// The period evaluated.
    pub period: usize,
    /// Index quantiles (exact).
    pub index: Quantiles,
    /// Inputs by `|rho|` with the index at that period, largest first.
    pub sensitivity: Vec<Sensitivity>,
}

/// The readiness index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexForecast {
    /// Capabilities in the index.
    pub members: Vec<String>,
    /// Per deadline, in scenario order.
    pub deadlines: Vec<IndexDeadline>,
}

/// Per-period quantiles of one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FanSeries {
    /// Capability id; `None` for the readiness index.
    pub capability: Option<String>,
    /// 10th percentile per period (binned to [`RESOLUTION`]).
    pub p10: Vec<f64>,
    /// Median per period.
    pub p50: Vec<f64>,
    /// 90th percentile per period.
    pub p90: Vec<f64>,
}

/// The fan chart: coverage quantiles per capability per period, and the index's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fan {
    /// Last day of each period.
    pub dates: Vec<NaiveDate>,
    /// Tracked capabilities in catalogue order, then the index (if any).
    pub series: Vec<FanSeries>,
}

/// A deadline as the forecast evaluates it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastDeadline {
    /// Id.
    pub id: String,
    /// Date.
    pub date: NaiveDate,
    /// The period containing the date (may lie outside the horizon).
    pub period: i64,
    /// The period evaluated: `period` clamped into the horizon.
    pub evaluated: usize,
}

/// An uncertain input as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputSummary {
    /// Label.
    pub id: String,
    /// What it replaces.
    pub target: InputRef,
    /// Its distribution, in the cell syntax.
    pub distribution: Distribution,
    /// Its median.
    pub median: f64,
}

/// The result of a forecast. Field names are stable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastResult {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Number of samples N.
    pub samples: u64,
    /// How the inputs were drawn (absent: Monte Carlo).
    #[serde(skip_serializing_if = "Sampling::is_mc")]
    pub sampling: Sampling,
    /// Scenario start.
    pub start: NaiveDate,
    /// Step.
    pub step: Step,
    /// Number of periods.
    pub periods: usize,
    /// Resolution of binned quantiles (fan, US dependency).
    pub resolution: f64,
    /// Deadlines, in scenario order.
    pub deadlines: Vec<ForecastDeadline>,
    /// The uncertain inputs, in draw order.
    pub inputs: Vec<InputSummary>,
    /// Capabilities with known level and target, in catalogue order.
    pub capabilities: Vec<CapabilityForecast>,
    /// Capabilities without a known level or target.
    pub no_data: Vec<String>,
    /// Readiness index, if any capability enters it.
    pub index: Option<IndexForecast>,
    /// Per-period fan chart.
    pub fan: Fan,
}
