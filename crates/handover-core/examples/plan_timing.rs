//! Time the planner on the synthetic large scenario (300 lines, 11 years
//! monthly, quarterly order grid): `cargo run --release -p handover-core --example plan_timing`.

use handover_core::plan::{synthetic_scenario, Objective, PlanProblem, PlanRequest};
use handover_core::Evaluation;
use std::time::Instant;

fn main() {
    let t = Instant::now();
    let s = synthetic_scenario(300, 11);
    let eval = Evaluation::new(&s);
    println!("scenario + projection: {:.3} s", t.elapsed().as_secs_f64());
    for objective in [Objective::Coverage, Objective::Cost] {
        let mut r = PlanRequest::new(objective, "2026-01-01".parse().unwrap(), "2036-12-31");
        r.budget_per_year = Some(40e9);
        let t = Instant::now();
        let p = PlanProblem::build(&s, &eval, &r).unwrap();
        let build = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let plan = p.solve(&s);
        let solve = t.elapsed().as_secs_f64();
        match plan {
            Ok(plan) => println!(
                "{objective}: build {build:.4} s, solve {solve:.3} s; LP {} variables, {} constraints; {} orders; index {:?} -> {:?}",
                plan.lp_size.0, plan.lp_size.1, plan.orders.len(), plan.index_before, plan.index_after
            ),
            Err(e) => println!("{objective}: build {build:.4} s, solve {solve:.3} s: {e}"),
        }
    }
}
