//! The deterministic projection of MODEL.md: production lines serving orders
//! first-in first-out after their lead time, stocks that never go below zero,
//! and flows as summed European capacity.
//!
//! [`Model::compile`] turns a validated [`Scenario`] into flat arrays once;
//! [`Model::run`] projects into a reusable [`Projection`] without allocating,
//! so the same code serves `assess` and every Monte Carlo sample.

use crate::scenario::{CapabilityKind, Scenario, Table};
use crate::time::Calendar;
use crate::valid::Valid;
use chrono::NaiveDate;
use std::collections::HashMap;

/// Quantities below this are treated as zero (floating-point dust).
pub const EPS: f64 = 1e-9;

/// `d` moved by `months` whole calendar months (either way); saturating at
/// the ends of the calendar (see [`crate::limits::shift`]).
pub fn shift_months(d: NaiveDate, months: i32) -> NaiveDate {
    crate::limits::shift(d, months as i64)
}

/// A compiled production line.
#[derive(Debug, Clone)]
pub struct LineModel {
    /// Index into `Scenario::capabilities`.
    pub capability: usize,
    /// Located in a European nation.
    pub european: bool,
    /// Lead time in periods.
    pub lead: i64,
    /// Capacity steps `(first period, units per year)`, sorted by period; empty: no capacity data.
    pub steps: Vec<(i64, f64)>,
    /// Per step: its row in `Scenario::capacity`.
    pub step_rows: Vec<usize>,
    /// Orders of this line, as indices into `Model::orders`, in input order.
    pub orders: Vec<usize>,
}

/// A compiled order.
#[derive(Debug, Clone)]
pub struct OrderModel {
    /// Index into `Model::lines`.
    pub line: usize,
    /// Index into `Model::stocks` of the buyer's stock, for stock capabilities.
    pub stock: Option<usize>,
    /// Order date.
    pub date: NaiveDate,
    /// Units still to deliver at the start.
    pub open: f64,
}

/// One holder's stock of one capability.
#[derive(Debug, Clone)]
pub struct StockModel {
    /// Nation code or group.
    pub holder: String,
    /// Index into `Scenario::capabilities`.
    pub capability: usize,
    /// Counts in the European level.
    pub european: bool,
    /// Units held at the start.
    pub initial: f64,
    /// One-off removals `(period, units)`.
    pub retirements: Vec<(i64, f64)>,
    /// Removals at a rate `(first period, last period, units per period)`.
    pub consumption: Vec<(i64, i64, f64)>,
}

/// How a capability's European level is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelBasis {
    /// Stock held by European holders.
    Stock,
    /// Capacity of European lines.
    Flow,
    /// No data to compute a level.
    Unknown,
}

/// A scenario compiled to flat arrays for projection.
#[derive(Debug, Clone)]
pub struct Model {
    /// The calendar.
    pub calendar: Calendar,
    /// Per capability: how its level is known.
    pub basis: Vec<LevelBasis>,
    /// Production lines, aligned with `Scenario::lines`.
    pub lines: Vec<LineModel>,
    /// Orders, aligned with `Scenario::orders`.
    pub orders: Vec<OrderModel>,
    /// Stocks, one per (holder, capability) that appears anywhere.
    pub stocks: Vec<StockModel>,
}

/// The result of one projection. Series are indexed by period.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    /// Number of periods.
    pub periods: usize,
    /// European level `E_c(k)` per capability (`None`: unknown).
    pub level: Vec<Option<Vec<f64>>>,
    /// Units each line can deliver per period.
    pub capacity: Vec<Vec<f64>>,
    /// Units each line delivered per period.
    pub delivered: Vec<Vec<f64>>,
    /// Per order: first period with a delivery.
    pub first_delivery: Vec<Option<usize>>,
    /// Per order: the period its last unit arrives.
    pub completed: Vec<Option<usize>>,
    /// Per order: units still open at the end of the horizon.
    pub open_at_end: Vec<f64>,
    /// Per stock: level per period.
    pub stock: Vec<Vec<f64>>,
    /// Per stock: removals asked for beyond what was held.
    pub unmet: Vec<f64>,
    /// Per stock: first period with an unmet removal.
    pub first_unmet: Vec<Option<usize>>,
    /// Scratch: FIFO order of each line's orders.
    fifo: Vec<Vec<usize>>,
    /// Scratch: units open per order.
    open: Vec<f64>,
    /// Scratch: period of each order's date.
    ordered: Vec<i64>,
}

impl Model {
    /// Compile a scenario that passed validation (only a [`Valid`] one can be given).
    pub fn compile(s: &Valid) -> Model {
        let s: &Scenario = s;
        let calendar = Calendar::new(s.scenario.start, s.scenario.horizon, s.scenario.step)
            .expect("validated calendar");
        let cap_index: HashMap<&str, usize> = s
            .capabilities
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let line_index: HashMap<&str, usize> = s
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.as_str(), i))
            .collect();

        let mut stocks: Vec<StockModel> = vec![];
        let mut stock_index: HashMap<(String, usize), usize> = HashMap::new();
        let mut stock_of = |holder: &str, cap: usize, stocks: &mut Vec<StockModel>| -> usize {
            *stock_index
                .entry((holder.to_string(), cap))
                .or_insert_with(|| {
                    stocks.push(StockModel {
                        holder: holder.to_string(),
                        capability: cap,
                        european: s.is_european_holder(holder),
                        initial: 0.0,
                        retirements: vec![],
                        consumption: vec![],
                    });
                    stocks.len() - 1
                })
        };

        // A national part of a group total is in that total already.
        for h in s.holdings.iter().filter(|h| h.counts_in_level()) {
            let i = stock_of(&h.holder, cap_index[h.capability.as_str()], &mut stocks);
            stocks[i].initial += h.quantity;
        }
        // Dated rows with a `delay(...)` are shifted by its median in the nominal run.
        let shifted = |d: NaiveDate, table: Table, row: usize| {
            shift_months(d, s.nominal_delay_months(table, row))
        };
        for (ri, r) in s.retirements.iter().enumerate() {
            let i = stock_of(&r.holder, cap_index[r.capability.as_str()], &mut stocks);
            let date = shifted(r.date, Table::Retirements, ri);
            stocks[i]
                .retirements
                .push((calendar.period_of(date), r.quantity));
        }
        for r in &s.consumption {
            let i = stock_of(&r.holder, cap_index[r.capability.as_str()], &mut stocks);
            let from = calendar.period_of(r.from).max(0);
            let to =
                r.to.map(|d| calendar.period_of(d))
                    .unwrap_or(calendar.periods() as i64 - 1);
            stocks[i]
                .consumption
                .push((from, to, calendar.per_period(r.units_per_year)));
        }

        let mut lines: Vec<LineModel> = s
            .lines
            .iter()
            .map(|l| LineModel {
                capability: cap_index[l.capability.as_str()],
                european: s.is_european_nation(&l.nation),
                lead: calendar.months_to_periods(l.lead_time_months) as i64,
                steps: vec![],
                step_rows: vec![],
                orders: vec![],
            })
            .collect();
        for (si, st) in s.capacity.iter().enumerate() {
            let l = &mut lines[line_index[st.line.as_str()]];
            let date = shifted(st.date, Table::Capacity, si);
            l.steps
                .push((calendar.period_of(date).max(0), st.units_per_year));
            l.step_rows.push(si);
        }
        for l in &mut lines {
            // Stable sort by period (ties in input order), rows kept alongside.
            let mut keyed: Vec<((i64, f64), usize)> = l
                .steps
                .iter()
                .copied()
                .zip(l.step_rows.iter().copied())
                .collect();
            keyed.sort_by_key(|((k, _), _)| *k);
            (l.steps, l.step_rows) = keyed.into_iter().unzip();
        }

        let mut orders = Vec::with_capacity(s.orders.len());
        for (i, o) in s.orders.iter().enumerate() {
            let li = line_index[o.line.as_str()];
            let cap = lines[li].capability;
            let stock = (s.capabilities[cap].kind == CapabilityKind::Stock)
                .then(|| stock_of(&o.buyer, cap, &mut stocks));
            lines[li].orders.push(i);
            orders.push(OrderModel {
                line: li,
                stock,
                date: shifted(o.date, Table::Orders, i),
                open: o.quantity - o.delivered,
            });
        }

        let basis = s
            .capabilities
            .iter()
            .enumerate()
            .map(|(ci, c)| match c.kind {
                CapabilityKind::Stock => {
                    let held = s.holdings.iter().any(|h| {
                        cap_index[h.capability.as_str()] == ci && s.is_european_holder(&h.holder)
                    });
                    if held {
                        LevelBasis::Stock
                    } else {
                        LevelBasis::Unknown
                    }
                }
                CapabilityKind::Flow => {
                    if lines
                        .iter()
                        .any(|l| l.capability == ci && l.european && !l.steps.is_empty())
                    {
                        LevelBasis::Flow
                    } else {
                        LevelBasis::Unknown
                    }
                }
            })
            .collect();

        Model {
            calendar,
            basis,
            lines,
            orders,
            stocks,
        }
    }

    /// A projection with buffers sized for this model.
    pub fn new_projection(&self) -> Projection {
        let p = self.calendar.periods();
        Projection {
            periods: p,
            level: self
                .basis
                .iter()
                .map(|b| (*b != LevelBasis::Unknown).then(|| vec![0.0; p]))
                .collect(),
            capacity: vec![vec![0.0; p]; self.lines.len()],
            delivered: vec![vec![0.0; p]; self.lines.len()],
            first_delivery: vec![None; self.orders.len()],
            completed: vec![None; self.orders.len()],
            open_at_end: vec![0.0; self.orders.len()],
            stock: vec![vec![0.0; p]; self.stocks.len()],
            unmet: vec![0.0; self.stocks.len()],
            first_unmet: vec![None; self.stocks.len()],
            fifo: self.lines.iter().map(|l| l.orders.clone()).collect(),
            open: vec![0.0; self.orders.len()],
            ordered: vec![0; self.orders.len()],
        }
    }

    /// Project the model into `out` (from [`Model::new_projection`]); allocates nothing.
    pub fn run(&self, out: &mut Projection) {
        let p = self.calendar.periods();
        let months = self.calendar.step().months() as f64;
        for (i, o) in self.orders.iter().enumerate() {
            out.open[i] = o.open;
            out.ordered[i] = self.calendar.period_of(o.date);
            out.first_delivery[i] = None;
            out.completed[i] = if o.open <= EPS { Some(0) } else { None };
        }
        for s in out.stock.iter_mut() {
            s.fill(0.0);
        }

        // Lines: capacity schedule, then FIFO deliveries.
        for (li, line) in self.lines.iter().enumerate() {
            let cap = &mut out.capacity[li];
            let mut step = 0;
            let mut rate = 0.0 * months;
            for (k, c) in cap.iter_mut().enumerate() {
                while step < line.steps.len() && line.steps[step].0 <= k as i64 {
                    rate = line.steps[step].1 * months / 12.0;
                    step += 1;
                }
                *c = rate;
            }

            let fifo = &mut out.fifo[li];
            // Stable order by date, ties by input order; `sort_unstable` on a total key allocates nothing.
            fifo.sort_unstable_by_key(|&i| (self.orders[i].date, i));
            let delivered = &mut out.delivered[li];
            delivered.fill(0.0);
            let mut head = 0;
            for k in 0..p {
                let mut free = cap[k];
                let mut j = head;
                while free > EPS && j < fifo.len() {
                    let oi = fifo[j];
                    let o = &self.orders[oi];
                    let eligible = out.ordered[oi] + line.lead;
                    if eligible > k as i64 {
                        break; // later orders are no older, so no earlier eligible
                    }
                    let open = &mut out.open[oi];
                    if *open > EPS {
                        let d = free.min(*open);
                        *open -= d;
                        free -= d;
                        delivered[k] += d;
                        if let Some(si) = o.stock {
                            out.stock[si][k] += d; // deliveries, summed into the stock below
                        }
                        out.first_delivery[oi].get_or_insert(k);
                        if *open <= EPS * o.open.max(1.0) {
                            *open = 0.0;
                            out.completed[oi] = Some(k);
                        }
                    }
                    if *open == 0.0 && j == head {
                        head += 1;
                    }
                    j += 1;
                }
            }
        }
        for (i, open) in out.open.iter().enumerate() {
            out.open_at_end[i] = *open;
        }

        // Stocks: S(k) = S(k-1) + delivered - retired - consumed, never below zero.
        for (si, st) in self.stocks.iter().enumerate() {
            let series = &mut out.stock[si];
            let mut level = st.initial;
            let mut unmet = 0.0;
            let mut first_unmet = None;
            if st.retirements.is_empty() && st.consumption.is_empty() {
                for slot in series.iter_mut() {
                    level += *slot;
                    *slot = level;
                }
                out.unmet[si] = 0.0;
                out.first_unmet[si] = None;
                continue;
            }
            for (k, slot) in series.iter_mut().enumerate() {
                let kk = k as i64;
                level += *slot;
                let mut ask = 0.0;
                for &(at, q) in &st.retirements {
                    if at == kk {
                        ask += q;
                    }
                }
                for &(from, to, q) in &st.consumption {
                    if from <= kk && kk <= to {
                        ask += q;
                    }
                }
                if ask > 0.0 {
                    let taken = ask.min(level);
                    level -= taken;
                    if ask - taken > EPS {
                        unmet += ask - taken;
                        first_unmet.get_or_insert(k);
                    }
                }
                *slot = level;
            }
            out.unmet[si] = unmet;
            out.first_unmet[si] = first_unmet;
        }

        // European levels.
        for (ci, basis) in self.basis.iter().enumerate() {
            let Some(level) = out.level[ci].as_mut() else {
                continue;
            };
            level.fill(0.0);
            match basis {
                LevelBasis::Stock => {
                    for (si, st) in self.stocks.iter().enumerate() {
                        if st.capability == ci && st.european {
                            for (l, s) in level.iter_mut().zip(&out.stock[si]) {
                                *l += s;
                            }
                        }
                    }
                }
                LevelBasis::Flow => {
                    for (li, line) in self.lines.iter().enumerate() {
                        if line.capability == ci && line.european {
                            for (l, c) in level.iter_mut().zip(&out.capacity[li]) {
                                *l += c * 12.0 / months;
                            }
                        }
                    }
                }
                LevelBasis::Unknown => {}
            }
        }
    }

    /// Compile and run in one call.
    pub fn project(s: &Valid) -> (Model, Projection) {
        let m = Model::compile(s);
        let mut p = m.new_projection();
        m.run(&mut p);
        (m, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;
    use crate::validate::{errors, validate};
    use proptest::prelude::*;

    fn run(s: &Scenario) -> (Model, Projection) {
        let problems = validate(s);
        assert!(errors(&problems).next().is_none(), "{problems:?}");
        Model::project(&crate::build::valid(s.clone()))
    }

    fn base() -> ScenarioBuilder {
        ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["EUROPE"])
            .nation("FR", &["EUROPE"])
            .nation("US", &["NATO"])
            .stock("sam", 10.0)
    }

    #[test]
    fn fifo_by_order_date_after_lead_time() {
        // 1 unit a month from period 0; lead 3 months.
        // FIFO by date: b (Jan 10), a (Jan 15), c (Feb 1).
        // b eligible from period 3, gets k=3,4; a gets k=5..9; c (eligible 4) gets k=10..13.
        let s = base()
            .holding("DE", "sam", 2.0)
            .line("l", "sam", "DE", 3)
            .capacity("l", "2026-01-01", 12.0)
            .order("a", "DE", "l", 5.0, "2026-01-15")
            .order("b", "FR", "l", 2.0, "2026-01-10")
            .order("c", "US", "l", 4.0, "2026-02-01")
            .build();
        let (_, p) = run(&s);
        assert_eq!(p.first_delivery, vec![Some(5), Some(3), Some(10)]);
        assert_eq!(p.completed, vec![Some(9), Some(4), Some(13)]);
        let d = &p.delivered[0];
        assert_eq!(
            &d[0..3],
            &[0.0, 0.0, 0.0],
            "capacity before eligibility is lost"
        );
        assert_eq!(d.iter().sum::<f64>(), 11.0);
        let e = p.level[0].as_ref().unwrap();
        assert_eq!(e[0], 2.0);
        assert_eq!(e[3], 3.0);
        assert_eq!(e[4], 4.0);
        assert_eq!(e[9], 9.0);
        assert_eq!(e[23], 9.0, "deliveries to the US do not count");
    }

    #[test]
    fn backlog_with_partial_delivery_queues_from_period_zero() {
        // Ordered June 2025 (period -7), lead 12 months: eligible from period 5.
        // 10 ordered, 4 delivered before the start, 2 a month: k=5,6,7.
        let s = base()
            .holding("DE", "sam", 0.0)
            .line("l", "sam", "DE", 12)
            .capacity("l", "2024-01-01", 24.0)
            .order("old", "DE", "l", 10.0, "2025-06-01")
            .delivered(4.0)
            .order("new", "FR", "l", 3.0, "2025-07-01")
            .build();
        let (_, p) = run(&s);
        assert_eq!(p.first_delivery[0], Some(5));
        assert_eq!(p.completed[0], Some(7));
        // "new" is eligible from period 6 but queues behind "old": k=8 (2) and k=9 (1).
        assert_eq!(p.first_delivery[1], Some(8));
        assert_eq!(p.completed[1], Some(9));
        assert_eq!(p.level[0].as_ref().unwrap()[23], 9.0);
    }

    #[test]
    fn capacity_steps_apply_from_their_period() {
        // 0 before the first step; 12/yr from March; 24/yr from mid-June (period 5).
        let s = base()
            .holding("DE", "sam", 0.0)
            .line("l", "sam", "DE", 0)
            .capacity("l", "2026-03-01", 12.0)
            .capacity("l", "2026-06-15", 24.0)
            .build();
        let (_, p) = run(&s);
        assert_eq!(&p.capacity[0][0..7], &[0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0]);
    }

    #[test]
    fn quarterly_steps_convert_rates_and_lead_times() {
        // 14 months lead = 5 quarters; 8 a year = 2 a quarter.
        let s = ScenarioBuilder::new("2026-01-01", "2029-12-31", crate::time::Step::Quarter)
            .nation("DE", &["EUROPE"])
            .stock("sam", 10.0)
            .holding("DE", "sam", 0.0)
            .line("l", "sam", "DE", 14)
            .capacity("l", "2026-01-01", 8.0)
            .order("o", "DE", "l", 5.0, "2026-02-01")
            .build();
        let (_, p) = run(&s);
        assert_eq!(p.capacity[0][0], 2.0);
        assert_eq!(p.first_delivery[0], Some(5));
        assert_eq!(p.completed[0], Some(7));
    }

    #[test]
    fn stock_never_below_zero_and_unmet_is_reported() {
        let s = base()
            .holding("DE", "sam", 5.0)
            .retire("DE", "sam", "2026-03-15", 8.0)
            .build();
        let (_, p) = run(&s);
        assert_eq!(p.stock[0][1], 5.0);
        assert_eq!(p.stock[0][2], 0.0);
        assert_eq!(p.unmet[0], 3.0);
        assert_eq!(p.first_unmet[0], Some(2));
    }

    #[test]
    fn consumption_at_a_rate_between_dates() {
        // 12 a year = 1 a month for Jan..Jun: 10 -> 4.
        let s = base()
            .holding("DE", "sam", 10.0)
            .consume("DE", "sam", "2026-01-01", Some("2026-06-30"), 12.0)
            .build();
        let (_, p) = run(&s);
        assert_eq!(p.stock[0][0], 9.0);
        assert_eq!(p.stock[0][5], 4.0);
        assert_eq!(p.stock[0][23], 4.0);
        assert_eq!(p.unmet[0], 0.0);
    }

    #[test]
    fn flow_level_is_summed_european_capacity_per_year() {
        let s = base()
            .flow("ammo", 2_000_000.0)
            .line("eu1", "ammo", "DE", 0)
            .line("eu2", "ammo", "FR", 0)
            .line("us1", "ammo", "US", 0)
            .capacity("eu1", "2025-01-01", 1_000_000.0)
            .capacity("eu2", "2026-07-01", 500_000.0)
            .capacity("us1", "2025-01-01", 1_200_000.0)
            .build();
        let (m, p) = run(&s);
        assert_eq!(m.basis[1], LevelBasis::Flow);
        let e = p.level[1].as_ref().unwrap();
        assert_eq!(e[0], 1_000_000.0);
        assert_eq!(e[6], 1_500_000.0);
    }

    #[test]
    fn unknown_level_without_holdings_or_european_capacity() {
        let s = base()
            .flow("ammo", 100.0)
            .line("us1", "ammo", "US", 0)
            .capacity("us1", "2025-01-01", 1000.0)
            .build();
        let (m, p) = run(&s);
        assert_eq!(m.basis, vec![LevelBasis::Unknown, LevelBasis::Unknown]);
        assert!(p.level.iter().all(Option::is_none));
    }

    #[test]
    fn rerunning_reuses_buffers_and_gives_the_same_result() {
        let s = base()
            .holding("DE", "sam", 1.0)
            .line("l", "sam", "DE", 2)
            .capacity("l", "2026-01-01", 6.0)
            .order("a", "DE", "l", 3.0, "2025-12-01")
            .build();
        let m = Model::compile(&crate::build::valid(s.clone()));
        let mut p = m.new_projection();
        m.run(&mut p);
        let first = p.level.clone();
        m.run(&mut p);
        assert_eq!(first, p.level);
    }

    fn arb_scenario() -> impl Strategy<Value = Scenario> {
        let order = (0usize..3, 0usize..3, 0.5f64..50.0, 0i64..30, 0.0f64..1.0);
        let line = (
            0u32..30,
            proptest::collection::vec((0i64..30, 0.0f64..60.0), 0..4),
        );
        (
            proptest::collection::vec(line, 1..4),
            proptest::collection::vec(order, 0..12),
            proptest::collection::vec((0usize..3, 0.0f64..40.0), 0..4),
            proptest::collection::vec((0usize..3, 0i64..30, 0.1f64..30.0), 0..4),
        )
            .prop_map(|(lines, orders, holdings, retirements)| {
                let nations = ["DE", "FR", "US"];
                let month = |m: i64| {
                    let d = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
                        + chrono::Months::new(m as u32);
                    d.to_string()
                };
                let mut b = base().holding("DE", "sam", 0.0);
                for (li, (lead, steps)) in lines.iter().enumerate() {
                    let id = format!("l{li}");
                    b = b.line(&id, "sam", nations[li % 3], *lead);
                    let mut seen = std::collections::HashSet::new();
                    for (m, rate) in steps {
                        // one step per period
                        if seen.insert((*m).max(12)) {
                            b = b.capacity(&id, &month(*m), *rate);
                        }
                    }
                }
                for (oi, (li, buyer, q, m, part)) in orders.iter().enumerate() {
                    let li = li % lines.len();
                    b = b.order(
                        &format!("o{oi}"),
                        nations[*buyer],
                        &format!("l{li}"),
                        *q,
                        &month(*m),
                    );
                    if *m < 12 {
                        b = b.delivered((q * part).floor());
                    }
                }
                let mut held = std::collections::HashSet::from([0]);
                for (n, q) in holdings {
                    if held.insert(n) {
                        b = b.holding(nations[n], "sam", q);
                    }
                }
                for (n, m, q) in retirements {
                    b = b.retire(nations[n], "sam", &month(12 + m), q);
                }
                b.build()
            })
    }

    proptest! {
        #[test]
        fn projection_invariants(s in arb_scenario()) {
            let problems = validate(&s);
            prop_assume!(errors(&problems).next().is_none());
            let (m, p) = Model::project(&crate::build::valid(s.clone()));
            let metrics = crate::metrics::Metrics::compute(&s, &m, &p);
            // Coverage in [0, 1].
            for c in metrics.capabilities.iter().filter_map(|c| c.coverage.as_ref()) {
                prop_assert!(c.iter().all(|x| (0.0..=1.0).contains(x)));
            }
            // Stocks never negative.
            prop_assert!(p.stock.iter().flatten().all(|x| *x >= 0.0));
            for (li, line) in m.lines.iter().enumerate() {
                let delivered: f64 = p.delivered[li].iter().sum();
                let capacity: f64 = p.capacity[li].iter().sum();
                let open: f64 = line.orders.iter().map(|&o| m.orders[o].open).sum();
                // Delivered never exceeds capacity or what was ordered.
                prop_assert!(delivered <= capacity + 1e-6);
                prop_assert!(delivered <= open + 1e-6);
                for (k, d) in p.delivered[li].iter().enumerate() {
                    prop_assert!(*d <= p.capacity[li][k] + 1e-9);
                }
                // FIFO: an order receives nothing before every older order is complete,
                // and nothing before its lead time.
                let mut fifo = line.orders.clone();
                fifo.sort_by_key(|&o| (m.orders[o].date, o));
                for w in 0..fifo.len() {
                    let b = fifo[w];
                    if let Some(fb) = p.first_delivery[b] {
                        let eligible = m.calendar.period_of(m.orders[b].date) + line.lead;
                        prop_assert!(fb as i64 >= eligible);
                        for &a in &fifo[..w] {
                            let ca = p.completed[a];
                            prop_assert!(ca.is_some_and(|c| c <= fb), "order {a} not complete before {b} starts");
                        }
                    }
                }
            }
        }
    }
}
