//! One thread's share of the samples: draw every input, project, and add
//! the outputs into integer counts that merge by addition (so results do
//! not depend on the number of threads).

use super::*;

/// Integer counts a block accumulates; merged by addition.
#[derive(Debug, Clone)]
pub(super) struct Counts {
    /// `[(slot * periods + k) * NB + bin]`, slots: tracked capabilities, then the index.
    pub(super) fan: Vec<u32>,
    /// `[t * (periods + 1) + k]`, `k = periods`: not reached.
    pub(super) reached: Vec<u64>,
    /// `[(t * deadlines + d) * NB + bin]`: US dependency at deadlines.
    pub(super) dep: Vec<u32>,
}

impl Counts {
    pub(super) fn new(f: &Forecast) -> Counts {
        let p = f.base.calendar.periods();
        let t = f.tracked.len();
        Counts {
            fan: vec![0; f.fan_rows() * NB],
            reached: vec![0; t * (p + 1)],
            dep: vec![0; t * f.deadline_at.len() * NB],
        }
    }

    pub(super) fn add(&mut self, o: &Counts) {
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
pub(super) struct Worker<'a> {
    pub(super) f: &'a Forecast,
    pub(super) model: Model,
    pub(super) proj: Projection,
    pub(super) steps: Vec<Vec<StepSlot>>,
    pub(super) targets: Vec<f64>,
    pub(super) us: Vec<f64>,
    pub(super) index: Vec<f64>,
    pub(super) counts: Counts,
    /// Fan bins of the last `filled` samples, `[sample][slot * periods + k]`,
    /// added to `counts.fan` every [`FAN_BATCH`] samples: one fan row (4 KB)
    /// at a time stays in cache, instead of a cache miss per period and sample.
    pub(super) pending: Vec<u16>,
    pub(super) filled: usize,
}

/// Samples whose fan bins are buffered before counting.
pub(super) const FAN_BATCH: usize = 64;

impl<'a> Worker<'a> {
    pub(super) fn new(f: &'a Forecast) -> Self {
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
    pub(super) fn flush(&mut self) {
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
    pub(super) fn finish(mut self) -> Counts {
        self.flush();
        self.counts
    }

    /// Draw, project and record sample `i` into `row`; allocates nothing.
    pub(super) fn sample(&mut self, i: u64, row: &mut [f64]) {
        let f = self.f;
        let mut rng = ChaCha8Rng::from_seed(f.key);
        rng.set_stream(i);
        match f.sampling {
            Sampling::Mc => {
                for (j, p) in f.prepared.iter().enumerate() {
                    row[j] = p.dist.sample_within(&mut rng, p.lower, p.upper);
                }
            }
            Sampling::Lhs => {
                let n = f.samples as f64;
                for (j, p) in f.prepared.iter().enumerate() {
                    let v: f64 = rand::RngExt::random(&mut rng);
                    let u = (f.strata[j].at(i) as f64 + v) / n;
                    row[j] = p.dist.quantile_within(u, p.lower, p.upper);
                }
            }
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
