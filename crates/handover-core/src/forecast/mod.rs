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

mod input;
mod lhs;
mod result;
mod stats;
#[cfg(test)]
mod tests;
mod worker;

pub use input::{ForecastError, InputRef, UncertainInput};
pub use result::*;
use stats::*;
use worker::*;

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
    sampling: Sampling,
    /// Per input, its strata's order ([`Sampling::Lhs`] only).
    strata: Vec<lhs::Permutation>,
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

/// How a forecast draws its uncertain inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Sampling {
    /// Independent draws (Monte Carlo): the default.
    #[default]
    Mc,
    /// Latin hypercube: each input's N draws one in each of N
    /// equal-probability strata, the strata paired at random across inputs
    /// (module `lhs`). Lowers the spread of estimates at equal N; the
    /// standard errors reported stay those of independent draws (an upper
    /// bound).
    Lhs,
}

impl Sampling {
    /// Whether these are independent draws.
    pub fn is_mc(&self) -> bool {
        *self == Sampling::Mc
    }
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
            sampling: Sampling::Mc,
            strata: vec![],
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

    /// Draw the inputs this way (default [`Sampling::Mc`]).
    pub fn with_sampling(mut self, sampling: Sampling) -> Self {
        self.sampling = sampling;
        self.strata = match sampling {
            Sampling::Mc => vec![],
            Sampling::Lhs => lhs::permutations(self.samples, self.seed, self.prepared.len()),
        };
        self
    }

    /// How the inputs are drawn.
    pub fn sampling(&self) -> Sampling {
        self.sampling
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
            sampling: self.sampling,
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
