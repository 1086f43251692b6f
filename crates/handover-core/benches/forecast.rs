//! Monte Carlo forecast throughput on two scenarios:
//!
//! - `forecast`: a hand-built one with monthly steps over ten years (120
//!   periods), 10 production lines over 6 capabilities, 30 orders, and about
//!   50 uncertain inputs (lead times, ramp dates and rates, order dates and
//!   quantities, holdings, targets);
//! - `forecast-synthetic-large`: the scenario `handover bench --synthetic`
//!   generates by default (`handover_core::synthetic::generate` with
//!   `SyntheticSpec::default()`: 300 lines, 40 capabilities, 35 nations,
//!   11 years monthly, 850 uncertain inputs), with the inputs `handover
//!   forecast` draws for it, at 1,000 samples, on all threads and on one.
//!
//! `cargo bench -p handover-core --bench forecast`
//! (`-- forecast-synthetic-large` runs only the large group, in under a minute)

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use handover_core::build::ScenarioBuilder;
use handover_core::distribution::Distribution;
use handover_core::forecast::{Forecast, InputRef, UncertainInput};
use handover_core::projection::Model;
use handover_core::synthetic::{generate, SyntheticSpec};
use handover_core::uncertainty::uncertain_inputs;
use handover_core::Scenario;
use std::hint::black_box;
use std::time::Duration;

const LINES: usize = 10;
const STOCKS: usize = 4;
const FLOWS: usize = 2;

fn scenario() -> Scenario {
    let nations = ["DE", "FR", "PL", "IT"];
    let mut b = ScenarioBuilder::monthly("2026-01-01", "2035-12-31");
    for n in nations {
        b = b.nation(n, &["EUROPE"]);
    }
    b = b.nation("US", &["NATO"]);
    for c in 0..STOCKS {
        let id = format!("stock{c}");
        b = b.stock(&id, 400.0 + 100.0 * c as f64).us(&id, 300.0);
        for n in nations {
            b = b.holding(n, &id, 20.0 + 5.0 * c as f64);
        }
    }
    for c in 0..FLOWS {
        b = b.flow(&format!("flow{c}"), 5000.0);
    }
    for l in 0..LINES {
        let id = format!("l{l}");
        let nation = nations[l % nations.len()];
        if l < 8 {
            let cap = format!("stock{}", l % STOCKS);
            b = b
                .line(&id, &cap, nation, 12 + 3 * l as u32)
                .capacity(&id, "2024-01-01", 12.0 + l as f64)
                .capacity(&id, "2027-07-01", 24.0 + 2.0 * l as f64)
                .capacity(&id, "2030-01-01", 36.0 + 2.0 * l as f64);
            for o in 0..3 {
                let date = format!("{}-0{}-01", 2025 + o, 1 + 3 * o);
                b = b.order(
                    &format!("o{l}-{o}"),
                    nations[(l + o) % nations.len()],
                    &id,
                    30.0 + 10.0 * o as f64,
                    &date,
                );
            }
        } else {
            let cap = format!("flow{}", l % FLOWS);
            b = b
                .line(&id, &cap, nation, 0)
                .capacity(&id, "2024-01-01", 2000.0)
                .capacity(&id, "2028-01-01", 3000.0);
        }
    }
    b.build()
}

fn inputs(s: &Scenario, model: &Model) -> Vec<UncertainInput> {
    let d = |t: &str| Distribution::parse(t).unwrap();
    let mut out = vec![];
    let mut add = |id: String, target: InputRef, dist: Distribution| {
        out.push(UncertainInput {
            id,
            cell: None,
            target,
            dist,
        })
    };
    for (l, line) in model.lines.iter().enumerate() {
        let months = s.lines[l].lead_time_months as f64;
        if months > 0.0 {
            add(
                format!("lead {l}"),
                InputRef::LeadTime { line: l },
                d(&format!("uniform({}, {})", months * 0.8, months * 1.5)),
            );
        }
        let last = line.steps.len() - 1;
        add(
            format!("ramp {l}"),
            InputRef::CapacityDelay {
                line: l,
                step: last,
            },
            d("delay(triangular(0, 3, 12))"),
        );
        let rate = line.steps[last].1;
        add(
            format!("rate {l}"),
            InputRef::CapacityRate {
                line: l,
                step: last,
            },
            d(&format!(
                "triangular({}, {}, {})",
                rate * 0.6,
                rate,
                rate * 1.1
            )),
        );
    }
    for o in 0..model.orders.len() {
        add(
            format!("date {o}"),
            InputRef::OrderDelay { order: o },
            d("uniform(0, 6)"),
        );
        let q = s.orders[o].quantity;
        add(
            format!("qty {o}"),
            InputRef::OrderQuantity { order: o },
            d(&format!("normal({q}, {})", q * 0.1)),
        );
    }
    for (i, st) in model.stocks.iter().enumerate().take(8) {
        add(
            format!("held {i}"),
            InputRef::Holding { stock: i },
            d(&format!(
                "normal({}, {})",
                st.initial,
                st.initial * 0.2 + 1.0
            )),
        );
    }
    for c in 0..STOCKS {
        let t = 400.0 + 100.0 * c as f64;
        add(
            format!("target {c}"),
            InputRef::Target { capability: c },
            d(&format!("lognormal(p05={}, p95={})", t * 0.8, t * 1.3)),
        );
    }
    out
}

fn bench(c: &mut Criterion) {
    let s = scenario();
    let model = Model::compile(&handover_core::build::valid(s.clone()));
    let inputs = inputs(&s, &model);
    let mut group = c.benchmark_group("forecast");
    group.sample_size(10);
    for n in [10_000u64, 100_000] {
        let f = Forecast::new(&s, &model, inputs.clone(), n, 1).unwrap();
        group.throughput(Throughput::Elements(n));
        group.bench_function(format!("{n} samples, {} inputs", inputs.len()), |b| {
            b.iter(|| black_box(f.run()))
        });
    }
    // The same on one thread, for the parallel speed-up.
    let f = Forecast::new(&s, &model, inputs.clone(), 10_000, 1).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("10000 samples, 1 thread", |b| {
        b.iter(|| pool.install(|| black_box(f.run())))
    });
    group.finish();
    // One projection: the deterministic core of a sample.
    let mut p = model.new_projection();
    c.bench_function("one projection", |b| {
        b.iter(|| model.run(black_box(&mut p)))
    });
}

/// Samples per run on the large synthetic scenario: about 0.2 s a run on 2
/// cores, so the group stays under a minute (`handover bench --synthetic`
/// runs 10,000 by default).
const SYNTHETIC_SAMPLES: u64 = 1_000;

fn bench_synthetic(c: &mut Criterion) {
    let s = generate(&SyntheticSpec::default());
    let model = Model::compile(&handover_core::build::valid(s.clone()));
    let inputs = uncertain_inputs(&s, &model);
    let n_inputs = inputs.len();
    let f = Forecast::new(&s, &model, inputs, SYNTHETIC_SAMPLES, 1).unwrap();
    let mut group = c.benchmark_group("forecast-synthetic-large");
    // Each run takes a sizeable fraction of a second: a flat sampling plan
    // with the fewest samples criterion allows keeps the group short.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(SYNTHETIC_SAMPLES));
    group.bench_function(
        format!(
            "{SYNTHETIC_SAMPLES} samples, {} lines, {} periods, {} inputs",
            s.lines.len(),
            model.calendar.periods(),
            n_inputs
        ),
        |b| b.iter(|| black_box(f.run())),
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    group.bench_function(format!("{SYNTHETIC_SAMPLES} samples, 1 thread"), |b| {
        b.iter(|| pool.install(|| black_box(f.run())))
    });
    group.finish();
}

criterion_group!(benches, bench, bench_synthetic);
criterion_main!(benches);
