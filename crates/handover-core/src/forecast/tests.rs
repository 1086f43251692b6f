//! The forecast against hand-computed cases and the deterministic engine.

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
    let model = Model::compile(&crate::build::valid(s.clone()));
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
            date: Model::compile(&crate::build::valid(s.clone()))
                .calendar
                .period_end(p as i64),
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
    let eval = Evaluation::new(&crate::build::valid(s.clone()));
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
        let m =
            &eval.metrics.capabilities[s.capabilities.iter().position(|x| x.id == c.id).unwrap()];
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

/// `f` run on a pool of `threads` threads.
fn on_threads(threads: usize, f: &Forecast) -> ForecastResult {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| f.run())
}

#[test]
fn same_result_for_any_thread_count() {
    let s = rich();
    let model = Model::compile(&crate::build::valid(s.clone()));
    let f = Forecast::new(&s, &model, rich_inputs(true), 1001, 42).unwrap();
    let run = |threads: usize| on_threads(threads, &f);
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
    let model = Model::compile(&crate::build::valid(s.clone()));
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
    let e = Evaluation::new(&crate::build::valid(moved.clone()));
    let want: Vec<f64> = e.metrics.capabilities[0].coverage.clone().unwrap();
    assert_eq!(&want[3..11], &[0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5]);
    assert_eq!(r.fan.series[0].p50, want);
}

#[test]
fn bad_inputs_are_refused() {
    let s = rich();
    let model = Model::compile(&crate::build::valid(s.clone()));
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
    let model = Model::compile(&crate::build::valid(s.clone()));
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

/// `--sampling lhs`: a known P(met) estimated at equal N has a smaller
/// spread across seeds than with independent draws, and stays unbiased.
#[test]
fn latin_hypercube_lowers_the_spread_of_a_known_p_met() {
    // As lead_time_uniform_matches_closed_form: P = 17 / 24 at us-2027,
    // plus a second input (the order's quantity) that does not matter, so
    // that strata are paired across two inputs.
    let s = one_line(12).build();
    let model = Model::compile(&crate::build::valid(s.clone()));
    let inputs = || {
        vec![
            input("lead", InputRef::LeadTime { line: 0 }, d("uniform(6, 30)")),
            input(
                "qty",
                InputRef::OrderQuantity { order: 0 },
                d("uniform(10, 12)"),
            ),
        ]
    };
    let exact = 17.0 / 24.0;
    let n = 240;
    let estimates = |sampling: Sampling| -> Vec<f64> {
        (1..=40)
            .map(|seed| {
                let r = Forecast::new(&s, &model, inputs(), n, seed)
                    .unwrap()
                    .with_sampling(sampling)
                    .run();
                assert_eq!(r.sampling, sampling);
                r.capabilities[0].deadlines[0].p_met
            })
            .collect()
    };
    let spread = |x: &[f64]| {
        let m = x.iter().sum::<f64>() / x.len() as f64;
        (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
    };
    let (mc, lhs) = (estimates(Sampling::Mc), estimates(Sampling::Lhs));
    let se = (exact * (1.0 - exact) / n as f64).sqrt();
    // Independent draws spread as their standard error says; the hypercube
    // puts exactly one draw of the lead time in each 1/240 of its range, so
    // the count below 23 months is 170 or 171 of 240 whatever the seed.
    assert!(spread(&mc) > 0.5 * se, "{} vs SE {se}", spread(&mc));
    assert!(
        spread(&lhs) < 0.1 * spread(&mc),
        "{} vs {}",
        spread(&lhs),
        spread(&mc)
    );
    for p in &lhs {
        assert!(
            (p - exact).abs() <= 1.0 / n as f64 + 1e-12,
            "{p} vs {exact}"
        );
    }
    // The same for any thread count.
    let f = Forecast::new(&s, &model, inputs(), 1001, 7)
        .unwrap()
        .with_sampling(Sampling::Lhs);
    assert_eq!(on_threads(1, &f), on_threads(3, &f));
}
