//! Checking a nation's submission: parse, merge into the bundled version,
//! validate. `cargo bench -p handover-data --bench check`
//!
//! DE submits an orders.csv of N rows, each a distinct order on its
//! Leopard 2A8 line; the figure to watch is how time grows with N (linear:
//! doubling N doubles it).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::fmt::Write;
use std::hint::black_box;

fn orders(n: usize) -> String {
    let mut t = String::from("id,buyer,line,quantity,date,delivered,source,estimate,note\n");
    for i in 0..n {
        let _ = writeln!(
            t,
            "de-bench-{i},DE,leopard-2a8-de,1,20{:02}-{:02}-01,,https://example.org/bench,true,",
            10 + i % 15,
            1 + i % 12
        );
    }
    t
}

fn bench(c: &mut Criterion) {
    let current = handover_data::bundled().unwrap().scenario;
    let mut g = c.benchmark_group("submission-check");
    g.sample_size(10);
    for n in [10_000usize, 20_000, 40_000, 100_000] {
        let files = vec![("orders.csv".to_string(), orders(n))];
        g.bench_with_input(BenchmarkId::new("orders", n), &files, |b, files| {
            b.iter(|| {
                let loaded =
                    handover_data::submission::merge(black_box(&current), "DE", files, |f| {
                        f.to_string()
                    })
                    .unwrap();
                assert!(loaded.scenario.orders.len() > n);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
