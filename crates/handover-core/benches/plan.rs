//! Planner build and solve time on the synthetic large scenario: 300 lines,
//! 11 years monthly, orders on a quarterly grid up to the horizon.
//!
//! `cargo bench -p handover-core --bench plan`

use criterion::{criterion_group, criterion_main, Criterion};
use handover_core::plan::{Objective, PlanProblem, PlanRequest};
use handover_core::synthetic::{generate, SyntheticSpec};
use handover_core::Evaluation;
use std::hint::black_box;

fn request(objective: Objective) -> PlanRequest {
    let mut r = PlanRequest::new(objective, "2025-01-01".parse().unwrap(), "2035-12-31");
    r.budget_per_year = Some(40e9);
    r
}

fn bench(c: &mut Criterion) {
    let s = generate(&SyntheticSpec::default());
    let eval = Evaluation::new(&handover_core::build::valid(s.clone()));
    let mut g = c.benchmark_group("plan-300-lines-11-years-quarterly");
    g.sample_size(10);
    g.bench_function("build", |b| {
        b.iter(|| PlanProblem::build(black_box(&s), &eval, &request(Objective::Coverage)).unwrap())
    });
    for objective in [Objective::Coverage, Objective::Cost] {
        let p = PlanProblem::build(&s, &eval, &request(objective)).unwrap();
        g.bench_function(format!("solve-{objective}"), |b| {
            b.iter(|| p.solve(black_box(&s)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
