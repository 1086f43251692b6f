//! The Monte Carlo forecast (MODEL.md, "Uncertainty (Monte Carlo)").
//!
//! One sample draws every [`UncertainInput`] once, writes the draws into a copy
//! of the compiled [`Model`] and runs the same deterministic [`Model::run`] that
//! `assess` uses. From N samples the forecast reports, per capability and
//! deadline, `P(met)` with its standard error, coverage quantiles, the date the
//! target is reached, the readiness index, a per-period fan chart and a
//! sensitivity ranking ([`ForecastResult`]).
//!
//! # Reproducibility
//! Sample `i` draws from its own ChaCha8 stream: the 256-bit key is the
//! `SeedableRng::seed_from_u64(seed)` expansion of the seed (the same for all
//! samples), and the stream number (nonce) is `i`. So every draw depends only
//! on `(seed, i)`, never on which thread ran the sample or in what order; the
//! per-sample results are written to slots indexed by `i`, and counts are
//! merged by integer addition. Results are therefore identical for any thread
//! count, and a run with `samples = n` is a prefix of a run with more samples.
//! Inputs draw in list order within a sample.
//!
//! # Work and memory
//! The samples are split into one contiguous block per rayon thread; each
//! block clones the model once and reuses one [`Projection`] and its
//! scratch buffers: the per-sample loop allocates nothing (a test counts
//! allocations). Memory is bounded for large N: no sample's time series is
//! kept. Kept per sample (one `f64` column per field, `8 × N × (inputs +
//! tracked capabilities × deadlines + deadlines)` bytes): the draws, coverage
//! at each deadline and the index at each deadline, for exact quantiles and
//! the rank correlations (each input's draws are replaced by their ranks
//! one column at a time, so ranking adds little to the peak). Kept per block: fixed-bin counts for the fan chart,
//! `4 × (tracked capabilities + 1) × periods × 1001` bytes, fed from a buffer
//! of 64 samples' bins so one 4 KB row of counters is in cache at a time; a
//! `periods + 1` histogram of the period reached per capability; 1001 bins of
//! US dependency per capability and deadline.

//! # Quantiles
//! All quantiles use the **nearest-rank** definition: `Pq` is the value of
//! rank `ceil(q·N)` (1-based, at least 1) among the N sample values sorted
//! ascending.
//! - Coverage and the index **at deadlines** are exact (from the per-sample rows).
//! - The **fan chart** (every period) and the **US dependency** at deadlines
//!   use 1,001 fixed bins on `[0, 1]`: 1,000 of width 0.001 (`[j/1000,
//!   (j+1)/1000)`) and one for exactly 1 (met). A quantile falling in bin `j`
//!   is reported as its lower edge `j/1000`: exact to 0.001, rounded down
//!   (values within 1e-6 below an edge count as on it, absorbing float dust).
//!   See [`RESOLUTION`].
//! - **Date reached** counts, per capability, the first period with coverage 1
//!   in each sample; a sample that never reaches it within the horizon counts
//!   as `+inf`. `share_never` is the share of such samples, and a quantile whose
//!   rank falls among them is `None` ("not within horizon").
//!
//! Coverage counts as 1 when [`is_met`] (level within 1e-9 of the target) and
//! is then reported as exactly 1; `P(met)` is the share of samples with
//! coverage 1 at the deadline's period, with standard error `sqrt(p(1-p)/N)`.
//! A deadline after the horizon is evaluated at the last period, as in `assess`.
//!
//! # Sensitivity
//! Spearman's rank correlation between each uncertain input's draws and
//! coverage at each deadline (and the index at each deadline): the Pearson
//! correlation of average ranks (ties share the mean of their ranks). Inputs
//! whose draws are all equal, and outputs that do not vary, have no
//! correlation and are left out. Listed by `|rho|`, largest first.
//!
//! # What a draw means
//! See [`InputRef`] for how each kind of draw is written into the model.
//! Delays are in months, rounded to whole months (half away from zero, as the
//! nominal run rounds a delay's median) and added to the date as written;
//! lead times are in months, rounded up to whole periods. Draws are truncated
//! or checked against the valid range of what they replace ([`Distribution`]):
//! quantities, rates, lead times and delays `>= 0`, targets `> 0`, an order's
//! quantity `>=` its units delivered before the start.

use crate::distribution::Distribution;
use crate::metrics::{coverage, dependency, is_met, Metrics};
use crate::projection::{Model, Projection, EPS};
use crate::scenario::{Scenario, Table};
use crate::table::CellRef;
use crate::time::Step;
use chrono::{Datelike, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::fmt;

/// Fixed bins of width `RESOLUTION` on `[0, 1)`, plus one bin for exactly 1.
pub const BINS: usize = 1000;
/// Width of a fan-chart bin: fan and dependency quantiles are exact to this.
pub const RESOLUTION: f64 = 1.0 / BINS as f64;
const NB: usize = BINS + 1;

/// Samples between calls of the progress callback.
const PROGRESS_EVERY: usize = 256;

/// What an uncertain input replaces in a compiled [`Model`]. Indices are into
/// the model's arrays (`Model::lines`, `Model::orders`, `Model::stocks`, a
/// line's `steps` in their sorted order, a stock's `retirements` and
/// `consumption`) or into `Scenario::capabilities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InputRef {
    /// A capacity step's rate in units per year (`LineModel::steps[step].1`).
    CapacityRate {
        /// Line.
        line: usize,
        /// Step, in the line's sorted order.
        step: usize,
    },
    /// A delay in months of a capacity step: the step's written date moved by
    /// the draw rounded to whole months, then to its period (before the start:
    /// period 0). Steps are re-sorted by period, ties in input order.
    CapacityDelay {
        /// Line.
        line: usize,
        /// Step, in the line's sorted order.
        step: usize,
    },
    /// A line's lead time in months, rounded up to whole periods
    /// (`ceil(months / months per period)`, as [`crate::time::Calendar::months_to_periods`]).
    LeadTime {
        /// Line.
        line: usize,
    },
    /// An order's quantity (the `quantity` field, including units delivered
    /// before the start): units still open = `max(0, draw - delivered)`.
    OrderQuantity {
        /// Order.
        order: usize,
    },
    /// A delay in months of an order: its written date moved by the draw
    /// rounded to whole months. Lines re-sort their FIFO queues per run.
    OrderDelay {
        /// Order.
        order: usize,
    },
    /// Units held at the start by one stock (`StockModel::initial`).
    Holding {
        /// Stock.
        stock: usize,
    },
    /// A one-off retirement's units (`StockModel::retirements[retirement].1`).
    RetirementQuantity {
        /// Stock.
        stock: usize,
        /// Retirement of that stock, in input order.
        retirement: usize,
    },
    /// A delay in months of a one-off retirement: its written date moved by the
    /// draw rounded to whole months.
    RetirementDelay {
        /// Stock.
        stock: usize,
        /// Retirement of that stock, in input order.
        retirement: usize,
    },
    /// A consumption rate in units per year (`StockModel::consumption[consumption].2`, per period).
    ConsumptionRate {
        /// Stock.
        stock: usize,
        /// Consumption of that stock, in input order.
        consumption: usize,
    },
    /// A capability's requirement target `T_c`.
    Target {
        /// Index into `Scenario::capabilities`.
        capability: usize,
    },
    /// A capability's US contribution `U_c` (moves the US dependency only).
    UsLevel {
        /// Index into `Scenario::capabilities`.
        capability: usize,
    },
}

impl InputRef {
    /// Whether the draw is a delay in months of a dated event.
    pub fn is_delay(&self) -> bool {
        matches!(
            self,
            InputRef::CapacityDelay { .. }
                | InputRef::OrderDelay { .. }
                | InputRef::RetirementDelay { .. }
        )
    }
}

impl fmt::Display for InputRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            InputRef::CapacityRate { line, step } => {
                write!(f, "capacity rate of line {line}, step {step}")
            }
            InputRef::CapacityDelay { line, step } => {
                write!(f, "delay of line {line}, capacity step {step}")
            }
            InputRef::LeadTime { line } => write!(f, "lead time of line {line}"),
            InputRef::OrderQuantity { order } => write!(f, "quantity of order {order}"),
            InputRef::OrderDelay { order } => write!(f, "delay of order {order}"),
            InputRef::Holding { stock } => write!(f, "holding of stock {stock}"),
            InputRef::RetirementQuantity { stock, retirement } => {
                write!(f, "units of stock {stock}, retirement {retirement}")
            }
            InputRef::RetirementDelay { stock, retirement } => {
                write!(f, "delay of stock {stock}, retirement {retirement}")
            }
            InputRef::ConsumptionRate { stock, consumption } => {
                write!(f, "rate of stock {stock}, consumption {consumption}")
            }
            InputRef::Target { capability } => write!(f, "target of capability {capability}"),
            InputRef::UsLevel { capability } => {
                write!(f, "US contribution of capability {capability}")
            }
        }
    }
}

/// One uncertain input: a label, what it replaces and its distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertainInput {
    /// Human label, e.g. `capacity.csv:4 units_per_year` ([`CellRef::label`]); names the input in results.
    pub id: String,
    /// The cell it was written in, when it comes from a scenario's table:
    /// views that show a caller only some rows filter and label by it.
    pub cell: Option<CellRef>,
    /// What the draw replaces.
    pub target: InputRef,
    /// Its distribution. For a delay target, `delay(d)` and plain `d` both mean months.
    pub dist: Distribution,
}

/// Why a forecast cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForecastError {
    /// Zero samples, or more than the counts hold.
    #[error("the number of samples must be between 1 and {max}; got {got}", max = u32::MAX)]
    Samples {
        /// Samples asked for.
        got: u64,
    },
    /// The model was not compiled from this scenario.
    #[error("the model does not match the scenario: {0}")]
    Mismatch(String),
    /// An input that cannot be applied.
    #[error("uncertain input `{id}`: {message}")]
    Input {
        /// The input's label.
        id: String,
        /// What is wrong and what was expected.
        message: String,
    },
}

/// A capacity step with what a sample needs to move and re-sort it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct StepSlot {
    period: i64,
    /// Input order among the line's capacity rows: breaks ties as `Model::compile` does.
    rank: u32,
    rate: f64,
}

/// How a draw is written into a sample's state.
#[derive(Debug, Clone, Copy)]
enum Apply {
    StepRate {
        slot: usize,
        step: usize,
    },
    StepDelay {
        slot: usize,
        step: usize,
        month: i64,
    },
    Lead {
        line: usize,
    },
    Quantity {
        order: usize,
        delivered: f64,
    },
    OrderDate {
        order: usize,
        date: NaiveDate,
    },
    Holding {
        stock: usize,
    },
    RetireUnits {
        stock: usize,
        index: usize,
    },
    RetireDate {
        stock: usize,
        index: usize,
        month: i64,
    },
    Consumption {
        stock: usize,
        index: usize,
    },
    Target {
        capability: usize,
    },
    Us {
        capability: usize,
    },
}

#[derive(Debug, Clone)]
struct Prepared {
    apply: Apply,
    /// The distribution of the number drawn (a delay's inner distribution).
    dist: Distribution,
    lower: f64,
    upper: f64,
}

/// A configured forecast: the samples, the seed, the uncertain inputs, and
/// everything derived once from the scenario and its compiled model.
#[derive(Debug, Clone)]
pub struct Forecast {
    samples: u64,
    seed: u64,
    inputs: Vec<UncertainInput>,
    key: [u8; 32],
    base: Model,
    prepared: Vec<Prepared>,
    /// Lines whose steps a sample changes, and their nominal steps.
    step_lines: Vec<usize>,
    base_steps: Vec<Vec<StepSlot>>,
    /// Per capability: nominal target, US contribution, weight.
    targets: Vec<Option<f64>>,
    us: Vec<Option<f64>>,
    weights: Vec<f64>,
    /// Capabilities with known coverage (level and target), catalogue order: the index members.
    tracked: Vec<usize>,
    /// Per tracked capability, per deadline: whether the requirement names it.
    applies: Vec<Vec<bool>>,
    /// Per tracked capability: whether `U_c` is known (given or drawn).
    has_us: Vec<bool>,
    /// Sum of the members' weights; the index exists when positive.
    wsum: f64,
    /// Deadline periods, raw and as evaluated (clamped into the horizon).
    deadline_periods: Vec<i64>,
    deadline_at: Vec<usize>,
    meta: Meta,
}

#[derive(Debug, Clone)]
struct Meta {
    scenario: String,
    start: NaiveDate,
    step: Step,
    deadlines: Vec<(String, NaiveDate)>,
    capabilities: Vec<(String, String)>,
}

/// Months from the calendar's start month to `d`'s month.
fn month_offset(start: NaiveDate, d: NaiveDate) -> i64 {
    (d.year() as i64 - start.year() as i64) * 12 + d.month() as i64 - start.month() as i64
}

/// `d` moved by whole months, either way (day clamped to the month's end).
fn shift(d: NaiveDate, months: i64) -> NaiveDate {
    crate::limits::shift(d, months)
}

/// A delay draw in whole months.
fn whole_months(x: f64) -> i64 {
    x.round() as i64
}

/// Scenario capacity rows of each of `line`'s model steps, in the model's order,
/// with each row's rank among the line's rows. Mirrors `Model::compile`.
fn step_rows(s: &Scenario, model: &Model, line: usize) -> Result<Vec<(usize, u32)>, ForecastError> {
    let id = &s.lines[line].id;
    let cal = model.calendar;
    let rows: Vec<usize> = (0..s.capacity.len())
        .filter(|&r| s.capacity[r].line == *id)
        .collect();
    let steps = &model.lines[line].steps;
    // The nominal run may shift dates by a delay's median; try with and without.
    for nominal_shift in [true, false] {
        let mut keyed: Vec<(i64, usize, u32)> = rows
            .iter()
            .enumerate()
            .map(|(rank, &r)| {
                let months = if nominal_shift {
                    s.nominal_delay_months(Table::Capacity, r) as i64
                } else {
                    0
                };
                let p = cal.period_of(shift(s.capacity[r].date, months)).max(0);
                (p, r, rank as u32)
            })
            .collect();
        keyed.sort_by_key(|(p, _, _)| *p);
        let same = keyed.len() == steps.len()
            && keyed
                .iter()
                .zip(steps)
                .all(|((p, r, _), (sp, rate))| p == sp && s.capacity[*r].units_per_year == *rate);
        if same {
            return Ok(keyed.into_iter().map(|(_, r, rank)| (r, rank)).collect());
        }
    }
    Err(ForecastError::Mismatch(format!(
        "capacity steps of line `{id}` differ"
    )))
}

/// Scenario rows of `stock`'s retirements (`consumption` if `consumption`), in model order.
fn stock_rows(s: &Scenario, model: &Model, stock: usize, consumption: bool) -> Vec<usize> {
    let st = &model.stocks[stock];
    let cap = &s.capabilities[st.capability].id;
    if consumption {
        (0..s.consumption.len())
            .filter(|&r| {
                s.consumption[r].holder == st.holder && s.consumption[r].capability == *cap
            })
            .collect()
    } else {
        (0..s.retirements.len())
            .filter(|&r| {
                s.retirements[r].holder == st.holder && s.retirements[r].capability == *cap
            })
            .collect()
    }
}

impl Forecast {
    /// Set up a forecast of `samples` samples from `seed` for a validated
    /// scenario and the model compiled from it.
    pub fn new(
        s: &Scenario,
        model: &Model,
        inputs: Vec<UncertainInput>,
        samples: u64,
        seed: u64,
    ) -> Result<Forecast, ForecastError> {
        if samples == 0 || samples > u32::MAX as u64 {
            return Err(ForecastError::Samples { got: samples });
        }
        if model.lines.len() != s.lines.len()
            || model.orders.len() != s.orders.len()
            || model.basis.len() != s.capabilities.len()
        {
            return Err(ForecastError::Mismatch(
                "different numbers of lines, orders or capabilities".into(),
            ));
        }
        let cal = model.calendar;
        let start = cal.start();

        // Nominal metrics: targets, weights, index members, deadlines.
        let mut proj = model.new_projection();
        model.run(&mut proj);
        let metrics = Metrics::compute(s, model, &proj);
        let targets: Vec<Option<f64>> = metrics.capabilities.iter().map(|m| m.target).collect();
        let mut us: Vec<Option<f64>> = metrics.capabilities.iter().map(|m| m.us).collect();
        let weights: Vec<f64> = s.capabilities.iter().map(|c| c.weight).collect();

        let mut step_lines: Vec<usize> = vec![];
        let mut base_steps: Vec<Vec<StepSlot>> = vec![];
        let mut step_rows_of: Vec<Vec<(usize, u32)>> = vec![];
        let mut prepared = Vec::with_capacity(inputs.len());
        let mut seen: Vec<(InputRef, &str)> = vec![];
        for input in &inputs {
            let err = |message: String| ForecastError::Input {
                id: input.id.clone(),
                message,
            };
            if let Some((_, other)) = seen.iter().find(|(t, _)| *t == input.target) {
                return Err(err(format!(
                    "changes the same value as `{other}` ({})",
                    input.target
                )));
            }
            seen.push((input.target, &input.id));
            if input.dist.is_delay() && !input.target.is_delay() {
                return Err(err(format!(
                    "`delay(...)` applies only to dated events (capacity steps, orders, retirements); {} is not one",
                    input.target
                )));
            }
            let line_ok = |line: usize| {
                (line < model.lines.len()).then_some(()).ok_or_else(|| {
                    err(format!(
                        "line {line} does not exist (the model has {})",
                        model.lines.len()
                    ))
                })
            };
            let stock_ok = |stock: usize| {
                (stock < model.stocks.len()).then_some(()).ok_or_else(|| {
                    err(format!(
                        "stock {stock} does not exist (the model has {})",
                        model.stocks.len()
                    ))
                })
            };
            let cap_ok = |c: usize| {
                (c < s.capabilities.len()).then_some(()).ok_or_else(|| {
                    err(format!(
                        "capability {c} does not exist (the scenario has {})",
                        s.capabilities.len()
                    ))
                })
            };
            let order_ok = |o: usize| {
                (o < model.orders.len()).then_some(()).ok_or_else(|| {
                    err(format!(
                        "order {o} does not exist (the model has {})",
                        model.orders.len()
                    ))
                })
            };
            let mut slot_of = |line: usize, step: usize| -> Result<usize, ForecastError> {
                line_ok(line)?;
                if step >= model.lines[line].steps.len() {
                    return Err(err(format!(
                        "line `{}` has no capacity step {step} (it has {})",
                        s.lines[line].id,
                        model.lines[line].steps.len()
                    )));
                }
                if let Some(slot) = step_lines.iter().position(|&l| l == line) {
                    return Ok(slot);
                }
                let rows = step_rows(s, model, line)?;
                base_steps.push(
                    model.lines[line]
                        .steps
                        .iter()
                        .zip(&rows)
                        .map(|(&(period, rate), &(_, rank))| StepSlot { period, rank, rate })
                        .collect(),
                );
                step_rows_of.push(rows);
                step_lines.push(line);
                Ok(step_lines.len() - 1)
            };
            // The valid ranges of docs/FORMAT.md, "Limits" (as `Table::uncertain_fields`).
            const INF: f64 = crate::limits::MAX_MAGNITUDE;
            const MONTHS: f64 = crate::limits::MAX_MONTHS as f64;
            let (apply, lower, upper) = match input.target {
                InputRef::CapacityRate { line, step } => (
                    Apply::StepRate {
                        slot: slot_of(line, step)?,
                        step,
                    },
                    0.0,
                    INF,
                ),
                InputRef::CapacityDelay { line, step } => {
                    let slot = slot_of(line, step)?;
                    let row = step_rows_of[slot][step].0;
                    let month = month_offset(start, s.capacity[row].date);
                    (Apply::StepDelay { slot, step, month }, 0.0, MONTHS)
                }
                InputRef::LeadTime { line } => {
                    line_ok(line)?;
                    (Apply::Lead { line }, 0.0, MONTHS)
                }
                InputRef::OrderQuantity { order } => {
                    order_ok(order)?;
                    let delivered = s.orders[order].delivered.max(0.0);
                    (Apply::Quantity { order, delivered }, delivered, INF)
                }
                InputRef::OrderDelay { order } => {
                    order_ok(order)?;
                    (
                        Apply::OrderDate {
                            order,
                            date: s.orders[order].date,
                        },
                        0.0,
                        MONTHS,
                    )
                }
                InputRef::Holding { stock } => {
                    stock_ok(stock)?;
                    (Apply::Holding { stock }, 0.0, INF)
                }
                InputRef::RetirementQuantity { stock, retirement }
                | InputRef::RetirementDelay { stock, retirement } => {
                    stock_ok(stock)?;
                    let rows = stock_rows(s, model, stock, false);
                    if retirement >= model.stocks[stock].retirements.len()
                        || rows.len() != model.stocks[stock].retirements.len()
                    {
                        return Err(err(format!(
                            "stock {stock} has no retirement {retirement} (it has {})",
                            model.stocks[stock].retirements.len()
                        )));
                    }
                    if matches!(input.target, InputRef::RetirementDelay { .. }) {
                        let month = month_offset(start, s.retirements[rows[retirement]].date);
                        (
                            Apply::RetireDate {
                                stock,
                                index: retirement,
                                month,
                            },
                            0.0,
                            MONTHS,
                        )
                    } else {
                        (
                            Apply::RetireUnits {
                                stock,
                                index: retirement,
                            },
                            0.0,
                            INF,
                        )
                    }
                }
                InputRef::ConsumptionRate { stock, consumption } => {
                    stock_ok(stock)?;
                    if consumption >= model.stocks[stock].consumption.len() {
                        return Err(err(format!(
                            "stock {stock} has no consumption {consumption} (it has {})",
                            model.stocks[stock].consumption.len()
                        )));
                    }
                    (
                        Apply::Consumption {
                            stock,
                            index: consumption,
                        },
                        0.0,
                        INF,
                    )
                }
                InputRef::Target { capability } => {
                    cap_ok(capability)?;
                    if targets[capability].is_none() {
                        return Err(err(format!(
                            "capability `{}` has no requirement, so no target to vary",
                            s.capabilities[capability].id
                        )));
                    }
                    (Apply::Target { capability }, f64::MIN_POSITIVE, INF)
                }
                InputRef::UsLevel { capability } => {
                    cap_ok(capability)?;
                    us[capability].get_or_insert(0.0);
                    (Apply::Us { capability }, 0.0, INF)
                }
            };
            let dist = input.dist.value().clone();
            input
                .dist
                .check_within(lower, upper)
                .map_err(|e| err(format!("{e} ({})", input.target)))?;
            prepared.push(Prepared {
                apply,
                dist,
                lower,
                upper,
            });
        }
        let tracked = metrics.index_members.clone();
        let wsum: f64 = tracked.iter().map(|&i| s.capabilities[i].weight).sum();
        let applies = tracked
            .iter()
            .map(|&ci| metrics.capabilities[ci].applies.clone())
            .collect();
        let has_us = tracked.iter().map(|&ci| us[ci].is_some()).collect();
        let last = cal.periods() as i64 - 1;
        let deadline_at = metrics
            .deadline_periods
            .iter()
            .map(|&p| p.clamp(0, last) as usize)
            .collect();
        let key = ChaCha8Rng::seed_from_u64(seed).get_seed();
        Ok(Forecast {
            samples,
            seed,
            inputs,
            key,
            base: model.clone(),
            prepared,
            step_lines,
            base_steps,
            targets,
            us,
            weights,
            tracked,
            applies,
            has_us,
            wsum,
            deadline_periods: metrics.deadline_periods.clone(),
            deadline_at,
            meta: Meta {
                scenario: s.scenario.name.clone(),
                start,
                step: cal.step(),
                deadlines: s.deadlines.iter().map(|d| (d.id.clone(), d.date)).collect(),
                capabilities: s
                    .capabilities
                    .iter()
                    .map(|c| (c.id.clone(), c.name.clone()))
                    .collect(),
            },
        })
    }

    /// Number of samples N.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Seed of every random stream.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The uncertain inputs, in draw order.
    pub fn inputs(&self) -> &[UncertainInput] {
        &self.inputs
    }

    fn has_index(&self) -> bool {
        self.wsum > 0.0
    }

    /// Fan series × periods.
    fn fan_rows(&self) -> usize {
        (self.tracked.len() + usize::from(self.has_index())) * self.base.calendar.periods()
    }

    /// Columns of a per-sample row: draws, coverage per tracked capability and deadline, index per deadline.
    fn width(&self) -> usize {
        let d = self.deadline_at.len();
        self.prepared.len() + self.tracked.len() * d + if self.has_index() { d } else { 0 }
    }

    /// Run all samples in the current rayon pool.
    pub fn run(&self) -> ForecastResult {
        self.run_with_progress(&|_| {})
    }

    /// Run all samples, calling `progress(k)` from worker threads each time `k`
    /// more samples are done (the calls add up to N).
    pub fn run_with_progress(&self, progress: &(dyn Fn(u64) + Sync)) -> ForecastResult {
        let n = self.samples as usize;
        let w = self.width();
        // Per-sample results, one column per row field; each block writes its own rows.
        let mut columns: Vec<Vec<f64>> = (0..w).map(|_| vec![0.0; n]).collect();
        let per = n.div_ceil(rayon::current_num_threads().clamp(1, n));
        let blocks = n.div_ceil(per);
        let mut parts: Vec<Vec<&mut [f64]>> = (0..blocks).map(|_| Vec::with_capacity(w)).collect();
        for col in columns.iter_mut() {
            for (b, chunk) in col.chunks_mut(per).enumerate() {
                parts[b].push(chunk);
            }
        }
        let counts: Vec<Counts> = parts
            .into_par_iter()
            .enumerate()
            .map(|(b, mut slices)| {
                let mut worker = Worker::new(self);
                let mut row = vec![0.0; w];
                let first = b * per;
                let len = per.min(n - first);
                let mut pending = 0;
                for j in 0..len {
                    worker.sample((first + j) as u64, &mut row);
                    for (slice, x) in slices.iter_mut().zip(&row) {
                        slice[j] = *x;
                    }
                    pending += 1;
                    if pending == PROGRESS_EVERY {
                        progress(pending as u64);
                        pending = 0;
                    }
                }
                if pending > 0 {
                    progress(pending as u64);
                }
                worker.finish()
            })
            .collect();
        let mut total = Counts::new(self);
        for c in &counts {
            total.add(c);
        }
        drop(counts);
        self.summarise(columns, &total)
    }

    /// Takes the columns by value: each input's draws are dropped as soon as
    /// its ranks are computed, so the ranks do not double peak memory.
    fn summarise(&self, mut columns: Vec<Vec<f64>>, counts: &Counts) -> ForecastResult {
        let n = self.samples as usize;
        let cal = self.base.calendar;
        let periods = cal.periods();
        let ni = self.prepared.len();
        let nd = self.deadline_at.len();

        // Centred ranks of the inputs that vary.
        let outputs = columns.split_off(ni);
        let input_ranks: Vec<Option<Centred>> = columns
            .into_par_iter()
            .map(|col| {
                let varies = col.iter().any(|x| *x != col[0]);
                varies
                    .then(|| Centred::new(Sorted::new(&col).ranks()))
                    .flatten()
            })
            .collect();
        // Exact quantiles and the sensitivity ranking of one output column.
        let summary = |values: &[f64]| -> (Quantiles, Vec<Sensitivity>) {
            let sorted = Sorted::new(values);
            let q = sorted.quantiles();
            if q.p10 == q.p90 && values.iter().all(|x| *x == values[0]) {
                return (q, vec![]);
            }
            let Some(r) = Centred::new(sorted.ranks()) else {
                return (q, vec![]);
            };
            let mut out: Vec<Sensitivity> = input_ranks
                .iter()
                .enumerate()
                .filter_map(|(j, ir)| {
                    Some(Sensitivity {
                        input: self.inputs[j].id.clone(),
                        cell: self.inputs[j].cell.clone(),
                        rho: ir.as_ref()?.correlation(&r),
                    })
                })
                .collect();
            out.sort_by(|a, b| b.rho.abs().total_cmp(&a.rho.abs()));
            (q, out)
        };

        // Per tracked capability and deadline: the columns to summarise.
        let cells: Vec<(usize, usize)> = (0..self.tracked.len())
            .flat_map(|t| (0..nd).map(move |d| (t, d)))
            .filter(|&(t, d)| self.applies[t][d])
            .collect();
        let per_cell: Vec<DeadlineForecast> = cells
            .par_iter()
            .map(|&(t, d)| {
                let col = &outputs[t * nd + d];
                let met = col.iter().filter(|c| **c == 1.0).count();
                let p = met as f64 / n as f64;
                let dep = &counts.dep[(t * nd + d) * NB..(t * nd + d + 1) * NB];
                let (coverage, sensitivity) = summary(col);
                DeadlineForecast {
                    deadline: self.meta.deadlines[d].0.clone(),
                    period: self.deadline_at[d],
                    p_met: p,
                    p_met_se: (p * (1.0 - p) / n as f64).sqrt(),
                    coverage,
                    us_dependency: self.has_us[t].then(|| binned(dep)).flatten(),
                    sensitivity,
                }
            })
            .collect();
        let mut per_cell = per_cell.into_iter();

        let reached_at = |k: usize| ReachedAt {
            period: k,
            date: cal.period_end(k as i64),
        };
        let capabilities = self
            .tracked
            .iter()
            .enumerate()
            .map(|(t, &ci)| {
                let deadlines = (0..nd)
                    .filter(|&d| self.applies[t][d])
                    .map(|_| per_cell.next().expect("one per cell"))
                    .collect();
                let hist = &counts.reached[t * (periods + 1)..(t + 1) * (periods + 1)];
                let q = |pct: u64| {
                    let k = hist_rank(hist, pct, n);
                    (k < periods).then(|| reached_at(k))
                };
                CapabilityForecast {
                    id: self.meta.capabilities[ci].0.clone(),
                    name: self.meta.capabilities[ci].1.clone(),
                    target: self.targets[ci].unwrap_or(f64::NAN),
                    deadlines,
                    reached: ReachedForecast {
                        share_never: hist[periods] as f64 / n as f64,
                        p10: q(10),
                        p50: q(50),
                        p90: q(90),
                    },
                }
            })
            .collect();

        let index = self.has_index().then(|| IndexForecast {
            members: self
                .tracked
                .iter()
                .map(|&ci| self.meta.capabilities[ci].0.clone())
                .collect(),
            deadlines: (0..nd)
                .into_par_iter()
                .map(|d| {
                    let (index, sensitivity) = summary(&outputs[self.tracked.len() * nd + d]);
                    IndexDeadline {
                        deadline: self.meta.deadlines[d].0.clone(),
                        period: self.deadline_at[d],
                        index,
                        sensitivity,
                    }
                })
                .collect(),
        });

        let fan_of = |slot: usize, name: Option<String>| {
            let mut s = FanSeries {
                capability: name,
                p10: Vec::with_capacity(periods),
                p50: Vec::with_capacity(periods),
                p90: Vec::with_capacity(periods),
            };
            for k in 0..periods {
                let r = slot * periods + k;
                let q = binned(&counts.fan[r * NB..(r + 1) * NB]).expect("every sample is binned");
                s.p10.push(q.p10);
                s.p50.push(q.p50);
                s.p90.push(q.p90);
            }
            s
        };
        let mut series: Vec<FanSeries> = self
            .tracked
            .iter()
            .enumerate()
            .map(|(t, &ci)| fan_of(t, Some(self.meta.capabilities[ci].0.clone())))
            .collect();
        if self.has_index() {
            series.push(fan_of(self.tracked.len(), None));
        }

        ForecastResult {
            scenario: self.meta.scenario.clone(),
            seed: self.seed,
            samples: self.samples,
            start: self.meta.start,
            step: self.meta.step,
            periods,
            resolution: RESOLUTION,
            deadlines: self
                .meta
                .deadlines
                .iter()
                .enumerate()
                .map(|(d, (id, date))| ForecastDeadline {
                    id: id.clone(),
                    date: *date,
                    period: self.deadline_periods[d],
                    evaluated: self.deadline_at[d],
                })
                .collect(),
            inputs: self
                .inputs
                .iter()
                .map(|i| InputSummary {
                    id: i.id.clone(),
                    target: i.target,
                    distribution: i.dist.clone(),
                    median: i.dist.median(),
                })
                .collect(),
            capabilities,
            no_data: (0..self.meta.capabilities.len())
                .filter(|ci| !self.tracked.contains(ci))
                .map(|ci| self.meta.capabilities[ci].0.clone())
                .collect(),
            index,
            fan: Fan {
                dates: (0..periods).map(|k| cal.period_end(k as i64)).collect(),
                series,
            },
        }
    }
}

/// 0-based index of the nearest-rank `pct` percentile among `n` sorted values.
fn rank(pct: u64, n: usize) -> usize {
    let r = (pct * n as u64).div_ceil(100).max(1);
    (r - 1) as usize
}

/// The bucket holding the nearest-rank `pct` percentile of a histogram of `n` counts.
fn hist_rank(hist: &[u64], pct: u64, n: usize) -> usize {
    let r = (pct * n as u64).div_ceil(100).max(1);
    let mut cum = 0;
    for (j, c) in hist.iter().enumerate() {
        cum += c;
        if cum >= r {
            return j;
        }
    }
    hist.len() - 1
}

fn bin_value(j: usize) -> f64 {
    if j >= BINS {
        1.0
    } else {
        j as f64 / BINS as f64
    }
}

fn bin_of(x: f64) -> usize {
    if x >= 1.0 - EPS {
        BINS
    } else {
        // `as` truncates towards zero and saturates at 0: the floor for x >= 0.
        ((x * BINS as f64 + 1e-6) as usize).min(BINS - 1)
    }
}

/// Quantiles of binned values; `None` without counts.
fn binned(bins: &[u32]) -> Option<Quantiles> {
    let hist: Vec<u64> = bins.iter().map(|&c| c as u64).collect();
    let n: u64 = hist.iter().sum();
    (n > 0).then(|| Quantiles {
        p10: bin_value(hist_rank(&hist, 10, n as usize)),
        p50: bin_value(hist_rank(&hist, 50, n as usize)),
        p90: bin_value(hist_rank(&hist, 90, n as usize)),
    })
}

/// A column sorted ascending in `f64::total_cmp` order, ties in sample order:
/// the values' order-preserving bits ([`order_key`]) and their sample indices,
/// sorted by a stable least-significant-digit radix sort.
struct Sorted {
    keys: Vec<u64>,
    index: Vec<u32>,
}

/// Bits per radix-sort pass.
const RADIX_BITS: u32 = 11;

impl Sorted {
    fn new(values: &[f64]) -> Sorted {
        assert!(values.len() <= u32::MAX as usize);
        let n = values.len();
        let mut keys: Vec<u64> = values.iter().map(|x| order_key(*x)).collect();
        let mut index: Vec<u32> = (0..n as u32).collect();
        let mut keys2 = vec![0u64; n];
        let mut index2 = vec![0u32; n];
        let mut count = vec![0usize; 1 << RADIX_BITS];
        let mask = (1u64 << RADIX_BITS) - 1;
        let mut shift = 0;
        while shift < 64 && n > 0 {
            count.fill(0);
            for &k in &keys {
                count[((k >> shift) & mask) as usize] += 1;
            }
            // A digit shared by every key orders nothing: skip the pass.
            if count[((keys[0] >> shift) & mask) as usize] < n {
                let mut sum = 0;
                for c in count.iter_mut() {
                    let here = *c;
                    *c = sum;
                    sum += here;
                }
                for (&k, &i) in keys.iter().zip(&index) {
                    let slot = &mut count[((k >> shift) & mask) as usize];
                    keys2[*slot] = k;
                    index2[*slot] = i;
                    *slot += 1;
                }
                std::mem::swap(&mut keys, &mut keys2);
                std::mem::swap(&mut index, &mut index2);
            }
            shift += RADIX_BITS;
        }
        Sorted { keys, index }
    }

    fn value(&self, i: usize) -> f64 {
        from_order_key(self.keys[i])
    }

    /// Nearest-rank P10, P50, P90.
    fn quantiles(&self) -> Quantiles {
        let n = self.keys.len();
        Quantiles {
            p10: self.value(rank(10, n)),
            p50: self.value(rank(50, n)),
            p90: self.value(rank(90, n)),
        }
    }

    /// Average ranks by sample (1-based; ties share the mean of their ranks).
    fn ranks(&self) -> Vec<f64> {
        let k = &self.keys;
        let mut r = vec![0.0; k.len()];
        let mut i = 0;
        while i < k.len() {
            let mut j = i;
            while j + 1 < k.len() && k[j + 1] == k[i] {
                j += 1;
            }
            let avg = (i + j) as f64 / 2.0 + 1.0;
            for &s in &self.index[i..=j] {
                r[s as usize] = avg;
            }
            i = j + 1;
        }
        r
    }
}

/// Bits of `x` whose unsigned order is `f64::total_cmp`'s order.
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Values minus their mean, and the root of their sum of squares: the
/// Pearson correlation of two such is one dot product.
struct Centred {
    d: Vec<f64>,
    norm: f64,
}

impl Centred {
    /// `None` if the values do not vary.
    fn new(mut v: Vec<f64>) -> Option<Centred> {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        for x in v.iter_mut() {
            *x -= mean;
        }
        let norm = dot(&v, &v).sqrt();
        (norm > 0.0).then_some(Centred { d: v, norm })
    }

    /// Pearson correlation with `o`, in `[-1, 1]`.
    fn correlation(&self, o: &Centred) -> f64 {
        (dot(&self.d, &o.d) / (self.norm * o.norm)).clamp(-1.0, 1.0)
    }
}

/// Dot product in a fixed order (four running sums, then their total):
/// deterministic, and fast without reassociation by the compiler.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            s[i] += x[i] * y[i];
        }
    }
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

/// Pearson correlation; `None` if either side does not vary.
#[cfg(test)]
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    Some(Centred::new(x.to_vec())?.correlation(&Centred::new(y.to_vec())?))
}

/// Integer counts a block accumulates; merged by addition.
#[derive(Debug, Clone)]
struct Counts {
    /// `[(slot * periods + k) * NB + bin]`, slots: tracked capabilities, then the index.
    fan: Vec<u32>,
    /// `[t * (periods + 1) + k]`, `k = periods`: not reached.
    reached: Vec<u64>,
    /// `[(t * deadlines + d) * NB + bin]`: US dependency at deadlines.
    dep: Vec<u32>,
}

impl Counts {
    fn new(f: &Forecast) -> Counts {
        let p = f.base.calendar.periods();
        let t = f.tracked.len();
        Counts {
            fan: vec![0; f.fan_rows() * NB],
            reached: vec![0; t * (p + 1)],
            dep: vec![0; t * f.deadline_at.len() * NB],
        }
    }

    fn add(&mut self, o: &Counts) {
        for (a, b) in self.fan.iter_mut().zip(&o.fan) {
            *a += b;
        }
        for (a, b) in self.reached.iter_mut().zip(&o.reached) {
            *a += b;
        }
        for (a, b) in self.dep.iter_mut().zip(&o.dep) {
            *a += b;
        }
    }
}

/// One block's state, allocated once and reused for every sample.
struct Worker<'a> {
    f: &'a Forecast,
    model: Model,
    proj: Projection,
    steps: Vec<Vec<StepSlot>>,
    targets: Vec<f64>,
    us: Vec<f64>,
    index: Vec<f64>,
    counts: Counts,
    /// Fan bins of the last `filled` samples, `[sample][slot * periods + k]`,
    /// added to `counts.fan` every [`FAN_BATCH`] samples: one fan row (4 KB)
    /// at a time stays in cache, instead of a cache miss per period and sample.
    pending: Vec<u16>,
    filled: usize,
}

/// Samples whose fan bins are buffered before counting.
const FAN_BATCH: usize = 64;

impl<'a> Worker<'a> {
    fn new(f: &'a Forecast) -> Self {
        let model = f.base.clone();
        let proj = model.new_projection();
        Worker {
            f,
            proj,
            steps: f.base_steps.clone(),
            targets: f.targets.iter().map(|t| t.unwrap_or(f64::NAN)).collect(),
            us: f.us.iter().map(|u| u.unwrap_or(f64::NAN)).collect(),
            index: vec![0.0; model.calendar.periods()],
            counts: Counts::new(f),
            pending: vec![0; FAN_BATCH * f.fan_rows()],
            filled: 0,
            model,
        }
    }

    /// Count the buffered fan bins.
    fn flush(&mut self) {
        let rows = self.f.fan_rows();
        for r in 0..rows {
            let h = &mut self.counts.fan[r * NB..(r + 1) * NB];
            for s in 0..self.filled {
                h[self.pending[s * rows + r] as usize] += 1;
            }
        }
        self.filled = 0;
    }

    /// The block's counts, after the last sample.
    fn finish(mut self) -> Counts {
        self.flush();
        self.counts
    }

    /// Draw, project and record sample `i` into `row`; allocates nothing.
    fn sample(&mut self, i: u64, row: &mut [f64]) {
        let f = self.f;
        let mut rng = ChaCha8Rng::from_seed(f.key);
        rng.set_stream(i);
        for (j, p) in f.prepared.iter().enumerate() {
            row[j] = p.dist.sample_within(&mut rng, p.lower, p.upper);
        }

        // Write the draws into the model.
        for (slot, base) in f.base_steps.iter().enumerate() {
            self.steps[slot].copy_from_slice(base);
        }
        let cal = self.model.calendar;
        let step_months = cal.step().months() as i64;
        for (j, p) in f.prepared.iter().enumerate() {
            let x = row[j];
            match p.apply {
                Apply::StepRate { slot, step } => self.steps[slot][step].rate = x,
                Apply::StepDelay { slot, step, month } => {
                    self.steps[slot][step].period =
                        (month + whole_months(x)).div_euclid(step_months).max(0);
                }
                Apply::Lead { line } => {
                    self.model.lines[line].lead = (x / step_months as f64).ceil() as i64;
                }
                Apply::Quantity { order, delivered } => {
                    self.model.orders[order].open = (x - delivered).max(0.0);
                }
                Apply::OrderDate { order, date } => {
                    self.model.orders[order].date = shift(date, whole_months(x));
                }
                Apply::Holding { stock } => self.model.stocks[stock].initial = x,
                Apply::RetireUnits { stock, index } => {
                    self.model.stocks[stock].retirements[index].1 = x;
                }
                Apply::RetireDate {
                    stock,
                    index,
                    month,
                } => {
                    self.model.stocks[stock].retirements[index].0 =
                        (month + whole_months(x)).div_euclid(step_months);
                }
                Apply::Consumption { stock, index } => {
                    self.model.stocks[stock].consumption[index].2 = cal.per_period(x);
                }
                Apply::Target { capability } => self.targets[capability] = x,
                Apply::Us { capability } => self.us[capability] = x,
            }
        }
        for (slot, &line) in f.step_lines.iter().enumerate() {
            let steps = &mut self.steps[slot];
            // Insertion sort by (period, rank): stable, in place, short slices.
            for a in 1..steps.len() {
                let mut b = a;
                while b > 0
                    && (steps[b - 1].period, steps[b - 1].rank) > (steps[b].period, steps[b].rank)
                {
                    steps.swap(b - 1, b);
                    b -= 1;
                }
            }
            for (dst, src) in self.model.lines[line].steps.iter_mut().zip(steps.iter()) {
                *dst = (src.period, src.rate);
            }
        }

        self.model.run(&mut self.proj);

        // Record.
        let periods = self.index.len();
        let nd = f.deadline_at.len();
        let ni = f.prepared.len();
        let has_index = f.has_index();
        self.index.fill(0.0);
        for (t, &ci) in f.tracked.iter().enumerate() {
            let level = self.proj.level[ci]
                .as_deref()
                .expect("tracked: level known");
            let target = self.targets[ci];
            let weight = f.weights[ci];
            let rows = f.fan_rows();
            let fan = &mut self.pending[self.filled * rows + t * periods..][..periods];
            // `is_met` and `bin_of(coverage)` without a division or a floor call per period.
            let met_at = target * (1.0 - EPS);
            let scale = BINS as f64 / target;
            let inv = 1.0 / target;
            let mut reached = periods;
            for (k, &e) in level.iter().enumerate() {
                let bin = if e >= met_at {
                    if reached == periods {
                        reached = k;
                    }
                    BINS
                } else {
                    ((e * scale + 1e-6) as usize).min(BINS - 1)
                };
                fan[k] = bin as u16;
                if has_index {
                    self.index[k] += weight * (e * inv).min(1.0);
                }
            }
            self.counts.reached[t * (periods + 1) + reached] += 1;
            for (d, &k) in f.deadline_at.iter().enumerate() {
                let e = level[k];
                row[ni + t * nd + d] = if is_met(e, target) {
                    1.0
                } else {
                    coverage(e, target)
                };
                if f.has_us[t] {
                    if let Some(dep) = dependency(self.us[ci], e) {
                        self.counts.dep[(t * nd + d) * NB + bin_of(dep)] += 1;
                    }
                }
            }
        }
        if has_index {
            let rows = f.fan_rows();
            let fan =
                &mut self.pending[self.filled * rows + f.tracked.len() * periods..][..periods];
            for (k, v) in self.index.iter().enumerate() {
                fan[k] = bin_of(v / f.wsum) as u16;
            }
            // At deadlines, exactly as `Metrics::compute` sums it.
            let base = ni + f.tracked.len() * nd;
            for (d, &k) in f.deadline_at.iter().enumerate() {
                let sum: f64 = f
                    .tracked
                    .iter()
                    .map(|&ci| {
                        let e = self.proj.level[ci].as_deref().expect("tracked")[k];
                        f.weights[ci] * coverage(e, self.targets[ci])
                    })
                    .sum();
                row[base + d] = sum / f.wsum;
            }
        }
        self.filled += 1;
        if self.filled == FAN_BATCH {
            self.flush();
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;
    use crate::validate::{errors, validate};
    use crate::Evaluation;

    fn fixed(x: f64) -> Distribution {
        Distribution::Fixed(x)
    }

    fn d(s: &str) -> Distribution {
        Distribution::parse(s).unwrap()
    }

    fn input(id: &str, target: InputRef, dist: Distribution) -> UncertainInput {
        UncertainInput {
            cell: None,
            id: id.into(),
            target,
            dist,
        }
    }

    fn forecast(s: &Scenario, inputs: Vec<UncertainInput>, n: u64, seed: u64) -> ForecastResult {
        let problems = validate(s);
        assert!(errors(&problems).next().is_none(), "{problems:?}");
        let model = Model::compile(s);
        Forecast::new(s, &model, inputs, n, seed).unwrap().run()
    }

    /// The standard normal CDF (erfc after Numerical Recipes, relative error < 1.2e-7).
    fn phi(x: f64) -> f64 {
        let z = (x / std::f64::consts::SQRT_2).abs();
        let t = 1.0 / (1.0 + 0.5 * z);
        let poly = -z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        let erfc = t * poly.exp();
        if x >= 0.0 {
            1.0 - 0.5 * erfc
        } else {
            0.5 * erfc
        }
    }

    fn within_4_se(got: f64, want: f64, n: u64) {
        let se = (want * (1.0 - want) / n as f64).sqrt();
        assert!(
            (got - want).abs() <= 4.0 * se,
            "P(met) {got} vs closed form {want} (4 SE = {})",
            4.0 * se
        );
    }

    /// One stock capability `sam` (target 10) fed by one order of 10 at period 0
    /// on a line that can deliver it all in one period once the lead time is over.
    fn one_line(lead_months: u32) -> ScenarioBuilder {
        ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["EUROPE"])
            .stock("sam", 10.0)
            .holding("DE", "sam", 0.0)
            .line("l", "sam", "DE", lead_months)
            .capacity("l", "2024-01-01", 1200.0)
            .order("o", "DE", "l", 10.0, "2026-01-01")
    }

    #[test]
    fn lead_time_uniform_matches_closed_form() {
        // Delivery at period ceil(v), v ~ uniform(6, 30) months; us-2027 is period 23:
        // met iff ceil(v) <= 23 iff v <= 23, so P = (23 - 6) / 24.
        let s = one_line(12).build();
        let n = 20_000;
        let r = forecast(
            &s,
            vec![input(
                "lead",
                InputRef::LeadTime { line: 0 },
                d("uniform(6, 30)"),
            )],
            n,
            11,
        );
        let sam = &r.capabilities[0];
        assert_eq!(sam.deadlines[0].deadline, "us-2027");
        assert_eq!(sam.deadlines[0].period, 23);
        within_4_se(sam.deadlines[0].p_met, 17.0 / 24.0, n);
        let se = sam.deadlines[0].p_met_se;
        let p = sam.deadlines[0].p_met;
        assert!((se - (p * (1.0 - p) / n as f64).sqrt()).abs() < 1e-15);
        // eu-2030 (period 59) is always met; coverage is 0 or 1.
        assert_eq!(sam.deadlines[1].p_met, 1.0);
        assert_eq!(sam.deadlines[0].coverage.p10, 0.0);
        assert_eq!(sam.deadlines[0].coverage.p90, 1.0);
        assert_eq!(sam.reached.share_never, 0.0);
        // The lead time drives everything.
        assert_eq!(sam.deadlines[0].sensitivity[0].input, "lead");
        assert!(sam.deadlines[0].sensitivity[0].rho < -0.5);
    }

    #[test]
    fn quarterly_lead_time_rounds_up_to_whole_periods() {
        // Quarterly: delivery at period ceil(v / 3), v ~ uniform(0, 12). us-2027 is
        // period 7, so always met; a deadline in period 2 (2026-09-30) is met iff
        // ceil(v/3) <= 2 iff v <= 6: P = 1/2.
        let s = ScenarioBuilder::new("2026-01-01", "2028-12-31", Step::Quarter)
            .nation("DE", &["EUROPE"])
            .stock("sam", 10.0)
            .holding("DE", "sam", 0.0)
            .line("l", "sam", "DE", 12)
            .capacity("l", "2024-01-01", 1200.0)
            .order("o", "DE", "l", 10.0, "2026-01-01")
            .deadline("q3", "2026-09-30")
            .build();
        let n = 20_000;
        let r = forecast(
            &s,
            vec![input(
                "lead",
                InputRef::LeadTime { line: 0 },
                d("uniform(0, 12)"),
            )],
            n,
            5,
        );
        let sam = &r.capabilities[0];
        assert_eq!(sam.deadlines[0].p_met, 1.0);
        assert_eq!(sam.deadlines[1].deadline, "q3");
        within_4_se(sam.deadlines[1].p_met, 0.5, n);
    }

    #[test]
    fn sum_of_normal_holdings_matches_phi() {
        // E = X + Y with X ~ N(40, 5), Y ~ N(50, 12); target 100:
        // P(met) = P(X + Y >= 100) = 1 - Phi((100 - 90) / 13).
        let s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
            .nation("DE", &["EUROPE"])
            .nation("FR", &["EUROPE"])
            .stock("sam", 100.0)
            .holding("DE", "sam", 40.0)
            .holding("FR", "sam", 50.0)
            .build();
        let n = 20_000;
        let r = forecast(
            &s,
            vec![
                input("de", InputRef::Holding { stock: 0 }, d("normal(40, 5)")),
                input("fr", InputRef::Holding { stock: 1 }, d("normal(50, 12)")),
            ],
            n,
            3,
        );
        let want = 1.0 - phi(10.0 / 13.0);
        let sam = &r.capabilities[0];
        within_4_se(sam.deadlines[0].p_met, want, n);
        // Median coverage: min(1, 90/100) within a few SE of the median.
        assert!((sam.deadlines[0].coverage.p50 - 0.9).abs() < 0.005);
        // FR's wider spread explains more: rho = 12/13 vs 5/13 in the linear part.
        let sens = &sam.deadlines[0].sensitivity;
        assert_eq!(sens[0].input, "fr");
        assert_eq!(sens[1].input, "de");
        assert!(sens[0].rho > 0.8 && sens[1].rho > 0.25 && sens[1].rho < 0.5);
    }

    #[test]
    fn target_uncertainty_against_a_known_level() {
        // Level 90, target ~ uniform(80, 120): P(T <= 90) = 1/4.
        let s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
            .nation("DE", &["EUROPE"])
            .stock("sam", 100.0)
            .holding("DE", "sam", 90.0)
            .build();
        let n = 20_000;
        let r = forecast(
            &s,
            vec![input(
                "t",
                InputRef::Target { capability: 0 },
                d("uniform(80, 120)"),
            )],
            n,
            9,
        );
        within_4_se(r.capabilities[0].deadlines[0].p_met, 0.25, n);
        assert!(r.capabilities[0].deadlines[0].sensitivity[0].rho < -0.5);
    }

    #[test]
    fn date_reached_under_a_uniform_order_delay() {
        // Delay v ~ uniform(0, 4) months, rounded: 0 w.p. 1/8, 1, 2, 3 w.p. 1/4, 4 w.p. 1/8.
        // sam's order is at period 0: reached = round(v); cumulative .125 .375 .625 .875 1,
        // so P10 = 0, P50 = 2, P90 = 4.
        // tanks' order is at period 57 of 60: reached 57 + round(v), never if round(v) >= 3
        // (P = 3/8); P10 = 57, P50 = 59, P90 not within horizon.
        let s = one_line(0)
            .stock("tanks", 5.0)
            .holding("DE", "tanks", 0.0)
            .line("t", "tanks", "DE", 0)
            .capacity("t", "2024-01-01", 1200.0)
            .order("ot", "DE", "t", 5.0, "2030-10-15")
            .build();
        let n = 20_000;
        let r = forecast(
            &s,
            vec![
                input(
                    "sam delay",
                    InputRef::OrderDelay { order: 0 },
                    d("delay(uniform(0, 4))"),
                ),
                input(
                    "tanks delay",
                    InputRef::OrderDelay { order: 1 },
                    d("uniform(0, 4)"),
                ),
            ],
            n,
            21,
        );
        let at = |p: usize| {
            Some(ReachedAt {
                period: p,
                date: Model::compile(&s).calendar.period_end(p as i64),
            })
        };
        let sam = &r.capabilities[0].reached;
        assert_eq!(sam.share_never, 0.0);
        assert_eq!((sam.p10, sam.p50, sam.p90), (at(0), at(2), at(4)));
        assert_eq!(sam.p50.unwrap().date.to_string(), "2026-03-31");
        let tanks = &r.capabilities[1].reached;
        within_4_se(tanks.share_never, 3.0 / 8.0, n);
        assert_eq!((tanks.p10, tanks.p50, tanks.p90), (at(57), at(59), None));
        // The fan at period 2 for sam: met in P(round(v) <= 2) = 5/8 of samples.
        let fan = &r.fan.series[0];
        assert_eq!(fan.capability.as_deref(), Some("sam"));
        assert_eq!((fan.p10[2], fan.p50[2], fan.p90[2]), (0.0, 1.0, 1.0));
        assert_eq!((fan.p10[1], fan.p50[1], fan.p90[1]), (0.0, 0.0, 1.0));
    }

    /// A scenario that uses every kind of input, with a flow, a capability
    /// without requirement, retirements, consumption and US contributions.
    fn rich() -> Scenario {
        ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["EUROPE"])
            .nation("FR", &["EUROPE"])
            .nation("US", &["NATO"])
            .stock("sam", 40.0)
            .us("sam", 30.0)
            .holding("DE", "sam", 10.0)
            .holding("FR", "sam", 6.0)
            .line("l", "sam", "DE", 6)
            .capacity("l", "2025-06-01", 6.0)
            .capacity("l", "2027-01-01", 18.0)
            .order("a", "DE", "l", 12.0, "2025-09-01")
            .delivered(2.0)
            .order("b", "FR", "l", 20.0, "2026-03-01")
            .order("c", "US", "l", 5.0, "2026-02-01")
            .retire("FR", "sam", "2027-06-01", 3.0)
            .consume("DE", "sam", "2028-01-01", Some("2028-12-31"), 2.0)
            .stock("tanks", 50.0)
            .weight("tanks", 2.0)
            .holding("DE", "tanks", 45.0)
            .flow("ammo", 1000.0)
            .us("ammo", 500.0)
            .line("m", "ammo", "DE", 0)
            .capacity("m", "2025-01-01", 600.0)
            .capacity("m", "2028-01-01", 1100.0)
            .unrequired("isr", crate::scenario::CapabilityKind::Stock)
            .build()
    }

    fn rich_inputs(spread: bool) -> Vec<UncertainInput> {
        let pick = |nominal: f64, spec: &str| if spread { d(spec) } else { fixed(nominal) };
        vec![
            input(
                "rate",
                InputRef::CapacityRate { line: 0, step: 1 },
                pick(18.0, "triangular(10, 18, 20)"),
            ),
            input(
                "ramp",
                InputRef::CapacityDelay { line: 0, step: 1 },
                pick(0.0, "delay(triangular(0, 3, 12))"),
            ),
            input(
                "ammo ramp",
                InputRef::CapacityDelay { line: 1, step: 1 },
                pick(0.0, "uniform(0, 24)"),
            ),
            input(
                "ammo rate",
                InputRef::CapacityRate { line: 1, step: 1 },
                pick(1100.0, "normal(1100, 200)"),
            ),
            input(
                "lead",
                InputRef::LeadTime { line: 0 },
                pick(6.0, "uniform(3, 12)"),
            ),
            input(
                "qty",
                InputRef::OrderQuantity { order: 1 },
                pick(20.0, "uniform(15, 25)"),
            ),
            input(
                "late",
                InputRef::OrderDelay { order: 0 },
                pick(0.0, "delay(uniform(0, 6))"),
            ),
            input(
                "de",
                InputRef::Holding { stock: 0 },
                pick(10.0, "normal(10, 2)"),
            ),
            input(
                "retired",
                InputRef::RetirementQuantity {
                    stock: 1,
                    retirement: 0,
                },
                pick(3.0, "uniform(0, 6)"),
            ),
            input(
                "retire late",
                InputRef::RetirementDelay {
                    stock: 1,
                    retirement: 0,
                },
                pick(0.0, "uniform(0, 12)"),
            ),
            input(
                "use",
                InputRef::ConsumptionRate {
                    stock: 0,
                    consumption: 0,
                },
                pick(2.0, "lognormal(p05=1, p95=4)"),
            ),
            input(
                "target",
                InputRef::Target { capability: 0 },
                pick(40.0, "triangular(35, 40, 50)"),
            ),
            input(
                "us",
                InputRef::UsLevel { capability: 0 },
                pick(30.0, "uniform(20, 40)"),
            ),
        ]
    }

    fn check_matches_assess(s: &Scenario, r: &ForecastResult) {
        let eval = Evaluation::new(s);
        let a = eval.assess(s, s.scenario.start, false).unwrap();
        assert_eq!(r.capabilities.len() + r.no_data.len(), a.capabilities.len());
        for c in &r.capabilities {
            let ac = a.capabilities.iter().find(|x| x.id == c.id).unwrap();
            for df in &c.deadlines {
                let ad = ac
                    .deadlines
                    .iter()
                    .find(|x| x.deadline == df.deadline)
                    .unwrap();
                let met = ad.met.unwrap();
                assert_eq!(
                    df.p_met,
                    if met { 1.0 } else { 0.0 },
                    "{} {}",
                    c.id,
                    df.deadline
                );
                assert_eq!(df.p_met_se, 0.0);
                let cov = ad.coverage.unwrap();
                assert_eq!(
                    df.coverage,
                    Quantiles {
                        p10: cov,
                        p50: cov,
                        p90: cov
                    }
                );
                if let Some(u) = ac.us_contribution {
                    let dep = crate::metrics::dependency(u, ad.level.unwrap()).unwrap();
                    let b = bin_value(bin_of(dep));
                    assert_eq!(
                        df.us_dependency,
                        Some(Quantiles {
                            p10: b,
                            p50: b,
                            p90: b
                        })
                    );
                }
                assert!(df.sensitivity.is_empty());
            }
            assert_eq!(c.reached.p50.map(|x| x.date), ac.reached);
            assert_eq!(c.reached.p10, c.reached.p90);
            assert_eq!(
                c.reached.share_never,
                if ac.reached.is_none() { 1.0 } else { 0.0 }
            );
            // The fan collapses onto the deterministic coverage, binned.
            let m = &eval.metrics.capabilities
                [s.capabilities.iter().position(|x| x.id == c.id).unwrap()];
            let fan = r
                .fan
                .series
                .iter()
                .find(|f| f.capability.as_ref() == Some(&c.id))
                .unwrap();
            for (k, cov) in m.coverage.as_ref().unwrap().iter().enumerate() {
                let b = bin_value(bin_of(*cov));
                assert_eq!(
                    (fan.p10[k], fan.p50[k], fan.p90[k]),
                    (b, b, b),
                    "{} period {k}",
                    c.id
                );
            }
        }
        let idx = r.index.as_ref().unwrap();
        assert_eq!(idx.members, a.index.included);
        for id in &idx.deadlines {
            let v = a.index.deadlines[&id.deadline].unwrap();
            assert_eq!(
                id.index,
                Quantiles {
                    p10: v,
                    p50: v,
                    p90: v
                }
            );
        }
    }

    #[test]
    fn no_inputs_reproduce_assess() {
        let s = rich();
        let r = forecast(&s, vec![], 50, 1);
        assert_eq!(r.no_data, vec!["isr"]);
        check_matches_assess(&s, &r);
        // The scenario is not trivial: some deadlines met, some not.
        let met: Vec<f64> = r
            .capabilities
            .iter()
            .flat_map(|c| c.deadlines.iter().map(|d| d.p_met))
            .collect();
        assert!(met.contains(&0.0) && met.contains(&1.0), "{met:?}");
    }

    #[test]
    fn degenerate_inputs_reproduce_assess() {
        let s = rich();
        let r = forecast(&s, rich_inputs(false), 50, 2);
        check_matches_assess(&s, &r);
        assert_eq!(r.inputs.len(), 13);
        assert_eq!(r.seed, 2);
        assert_eq!(r.samples, 50);
    }

    #[test]
    fn same_result_for_any_thread_count() {
        let s = rich();
        let model = Model::compile(&s);
        let f = Forecast::new(&s, &model, rich_inputs(true), 1001, 42).unwrap();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| f.run())
        };
        let one = run(1);
        assert_eq!(one, run(3));
        assert_eq!(one, run(4));
        // Fewer samples than threads.
        let few = Forecast::new(&s, &model, rich_inputs(true), 2, 42).unwrap();
        let pool = |k| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .unwrap()
        };
        assert_eq!(pool(1).install(|| few.run()), pool(4).install(|| few.run()));
        // Inputs really vary the outcome.
        let sam = &one.capabilities[0];
        assert!(
            sam.deadlines.iter().any(|d| d.p_met > 0.0 && d.p_met < 1.0),
            "{sam:?}"
        );
        assert!(!sam.deadlines[1].sensitivity.is_empty());
        // A different seed gives different draws.
        let other = Forecast::new(&s, &model, rich_inputs(true), 1001, 43)
            .unwrap()
            .run();
        assert_ne!(one.capabilities, other.capabilities);
        // Serialises with its seed and N.
        let json = serde_json::to_value(&one).unwrap();
        assert_eq!(json["seed"], 42);
        assert_eq!(json["samples"], 1001);
        assert_eq!(
            json["inputs"][1]["distribution"],
            "delay(triangular(0, 3, 12))"
        );
        assert_eq!(json["inputs"][1]["target"]["kind"], "capacity_delay");
    }

    #[test]
    fn nothing_to_forecast_is_not_an_error() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["EUROPE"])
            .unrequired("isr", crate::scenario::CapabilityKind::Stock)
            .build();
        let r = forecast(&s, vec![], 10, 0);
        assert!(r.capabilities.is_empty());
        assert_eq!(r.no_data, vec!["isr"]);
        assert_eq!(r.index, None);
        assert!(r.fan.series.is_empty());
        assert_eq!(r.fan.dates.len(), 24);
    }

    #[test]
    fn progress_adds_up_to_the_samples() {
        let s = rich();
        let model = Model::compile(&s);
        let f = Forecast::new(&s, &model, rich_inputs(true), 700, 1).unwrap();
        let done = std::sync::atomic::AtomicU64::new(0);
        f.run_with_progress(&|k| {
            done.fetch_add(k, std::sync::atomic::Ordering::Relaxed);
        });
        assert_eq!(done.into_inner(), 700);
    }

    #[test]
    fn capacity_delay_resorts_steps_like_a_moved_date() {
        // ammo: 12 a year from January, 24 from June. Delaying the first step by
        // 9 months puts it after the second: 0 until May, then 24, then 12 from October.
        let base = ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["EUROPE"])
            .flow("ammo", 24.0)
            .line("m", "ammo", "DE", 0)
            .capacity("m", "2026-01-01", 12.0)
            .capacity("m", "2026-06-01", 24.0);
        let s = base.clone().build();
        let r = forecast(
            &s,
            vec![input(
                "slip",
                InputRef::CapacityDelay { line: 0, step: 0 },
                d("delay(fixed(9.4))"),
            )],
            5,
            0,
        );
        let moved = base
            .with(|s| s.capacity[0].date = "2026-10-01".parse().unwrap())
            .build();
        let e = Evaluation::new(&moved);
        let want: Vec<f64> = e.metrics.capabilities[0].coverage.clone().unwrap();
        assert_eq!(&want[3..11], &[0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5]);
        assert_eq!(r.fan.series[0].p50, want);
    }

    #[test]
    fn bad_inputs_are_refused() {
        let s = rich();
        let model = Model::compile(&s);
        let err = |inputs: Vec<UncertainInput>| {
            Forecast::new(&s, &model, inputs, 10, 0)
                .unwrap_err()
                .to_string()
        };
        let cases = [
            (
                vec![
                    input("a", InputRef::Holding { stock: 0 }, d("uniform(1, 2)")),
                    input("b", InputRef::Holding { stock: 0 }, d("uniform(1, 2)")),
                ],
                "same value as `a`",
            ),
            (
                vec![input(
                    "x",
                    InputRef::Holding { stock: 0 },
                    d("delay(uniform(1, 2))"),
                )],
                "only to dated events",
            ),
            (
                vec![input(
                    "x",
                    InputRef::LeadTime { line: 9 },
                    d("uniform(1, 2)"),
                )],
                "line 9 does not exist",
            ),
            (
                vec![input(
                    "x",
                    InputRef::CapacityRate { line: 0, step: 5 },
                    d("uniform(1, 2)"),
                )],
                "no capacity step 5",
            ),
            (
                vec![input(
                    "x",
                    InputRef::Target { capability: 3 },
                    d("uniform(1, 2)"),
                )],
                "`isr` has no requirement",
            ),
            (
                vec![input(
                    "x",
                    InputRef::Holding { stock: 0 },
                    d("normal(-1, 2)"),
                )],
                "mean outside",
            ),
            (
                vec![input(
                    "x",
                    InputRef::Holding { stock: 0 },
                    d("uniform(-1, 2)"),
                )],
                "below 0",
            ),
            (
                vec![input(
                    "x",
                    InputRef::RetirementQuantity {
                        stock: 0,
                        retirement: 0,
                    },
                    d("uniform(1, 2)"),
                )],
                "no retirement 0",
            ),
        ];
        for (inputs, want) in cases {
            let e = err(inputs);
            assert!(e.contains(want), "`{e}` lacks `{want}`");
            assert!(e.starts_with("uncertain input `"), "{e}");
        }
        assert!(Forecast::new(&s, &model, vec![], 0, 0)
            .unwrap_err()
            .to_string()
            .contains("between 1 and"));
    }

    mod counting {
        use std::alloc::{GlobalAlloc, Layout, System};
        use std::cell::Cell;

        thread_local! {
            static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
        }

        /// Counts allocations per thread; the sample loop must make none.
        pub struct Counting;

        fn count() {
            let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        }

        // SAFETY: forwards to the system allocator; the count is a const-initialised
        // thread-local without destructor, which does not allocate.
        unsafe impl GlobalAlloc for Counting {
            unsafe fn alloc(&self, l: Layout) -> *mut u8 {
                count();
                unsafe { System.alloc(l) }
            }
            unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
                count();
                unsafe { System.alloc_zeroed(l) }
            }
            unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
                count();
                unsafe { System.realloc(p, l, n) }
            }
            unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
                unsafe { System.dealloc(p, l) }
            }
        }

        #[global_allocator]
        static COUNTING: Counting = Counting;

        pub fn allocations() -> u64 {
            ALLOCATIONS.with(|c| c.get())
        }
    }

    #[test]
    fn sample_loop_allocates_nothing() {
        let s = rich();
        let model = Model::compile(&s);
        let f = Forecast::new(&s, &model, rich_inputs(true), 200, 7).unwrap();
        let mut worker = Worker::new(&f);
        let mut row = vec![0.0; f.width()];
        let before = counting::allocations();
        worker.sample(0, &mut row);
        let probe = std::hint::black_box(vec![1u8; 10]);
        assert!(counting::allocations() > before, "the counter counts");
        drop(probe);
        let before = counting::allocations();
        for i in 1..200 {
            worker.sample(i, &mut row);
        }
        assert_eq!(counting::allocations() - before, 0);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(
            Sorted::new(&[3.0, 1.0, 3.0, 2.0]).ranks(),
            vec![3.5, 1.0, 3.5, 2.0]
        );
        assert_eq!(
            pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 7.0]).map(|r| r > 0.98),
            Some(true)
        );
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
        let x: Vec<f64> = (0..11).map(|i| i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.0 - 2.0 * v).collect();
        assert!((pearson(&x, &y).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(dot(&x, &x), 385.0);
        assert_eq!(rank(10, 20_000), 1999);
        assert_eq!(rank(50, 1), 0);
        assert_eq!(bin_of(0.35), 350);
        assert_eq!(bin_of(0.3456), 345);
        assert_eq!(bin_of(1.0 - 1e-12), BINS);
        assert_eq!(bin_of(0.0), 0);
        let xs = [2.5, -1.0, 0.0, -0.0, 1e-300, -7e10, f64::INFINITY, 3.0];
        let sorted = Sorted::new(&xs);
        let back: Vec<f64> = (0..xs.len()).map(|i| sorted.value(i)).collect();
        let mut want = xs.to_vec();
        want.sort_by(f64::total_cmp);
        assert_eq!(
            back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
}
