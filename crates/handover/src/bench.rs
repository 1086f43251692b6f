//! `handover bench`: throughput of the forecast on the bundled, a given or a
//! synthetic scenario, printed as figures anyone can rerun (docs/BENCHMARKS.md).

use crate::cli::{BenchArgs, Format};
use crate::output;
use anyhow::{Context, Result};
use handover_core::forecast::Forecast;
use handover_core::projection::Model;
use handover_core::synthetic::{self, SyntheticSpec};
use handover_core::uncertainty::uncertain_inputs;
use handover_core::Valid;
use serde::Serialize;
use std::io::IsTerminal;
use std::time::Instant;

/// What one benchmark measured.
#[derive(Debug, Serialize)]
pub struct BenchReport {
    /// Which scenario: its label, or the synthetic spec.
    pub scenario: String,
    /// Periods of the projection.
    pub periods: usize,
    /// Production lines.
    pub lines: usize,
    /// Capabilities.
    pub capabilities: usize,
    /// Uncertain inputs drawn per sample.
    pub inputs: usize,
    /// Samples per run.
    pub samples: u64,
    /// Seed of the forecast.
    pub seed: u64,
    /// Timed runs with all threads.
    pub repeat: u32,
    /// Threads of the parallel runs.
    pub threads: usize,
    /// Seconds to compile the model and prepare the forecast (median).
    pub prepare_seconds: f64,
    /// Seconds of a whole forecast run with all threads (median of `repeat`).
    pub run_seconds: f64,
    /// Every parallel run's seconds, in order.
    pub runs_seconds: Vec<f64>,
    /// Samples per second (samples / median run).
    pub samples_per_second: f64,
    /// Period-line updates per second: samples × periods × lines / median run.
    pub period_line_updates_per_second: f64,
    /// Peak resident memory during the parallel runs, in MiB (Linux; `None` elsewhere).
    pub peak_memory_mib: Option<f64>,
    /// Seconds of one run on a single thread (`None` with `--no-single`).
    pub single_thread_seconds: Option<f64>,
    /// Single-thread run time divided by the parallel median.
    pub speedup: Option<f64>,
}

/// The scenario to benchmark: generated with --synthetic (and written with
/// --write), else the one given; with the default sample count for it.
fn scenario(args: &BenchArgs, given: Option<(Valid, String)>) -> Result<(Valid, String, u64)> {
    Ok(match &args.synthetic {
        Some(text) => {
            let spec: SyntheticSpec = text
                .parse()
                .map_err(|e: String| anyhow::anyhow!("--synthetic: {e}"))?;
            let s = Valid::new(synthetic::generate(&spec)).map_err(|problems| {
                let first = handover_core::validate::errors(&problems)
                    .next()
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                anyhow::anyhow!("the synthetic scenario {spec} does not validate: {first}")
            })?;
            if let Some(dir) = &args.write {
                handover_data::write_dir(dir, &s)?;
                eprintln!("wrote synthetic scenario {spec} to {}", dir.display());
            }
            (s, format!("synthetic {spec}"), 10_000)
        }
        None => {
            let (s, label) = given.context("no scenario to benchmark")?;
            (s, label, 100_000)
        }
    })
}

/// Run the forecast benchmark the arguments ask for.
pub fn run(args: &BenchArgs, given: Option<(Valid, String)>) -> Result<BenchReport> {
    let (s, label, default_samples) = scenario(args, given)?;
    let samples = args.samples.unwrap_or(default_samples);
    let repeat = args.repeat as usize;
    let show = std::io::stderr().is_terminal();

    let mut prepare = vec![];
    let mut runs = vec![];
    reset_peak_memory();
    let mut inputs = 0;
    for k in 0..repeat {
        let t = Instant::now();
        let model = Model::compile(&s);
        let input_list = uncertain_inputs(&s, &model);
        inputs = input_list.len();
        let forecast = Forecast::new(&s, &model, input_list, samples, args.seed)?;
        prepare.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let result = forecast.run();
        let secs = t.elapsed().as_secs_f64();
        std::hint::black_box(&result);
        drop(result);
        runs.push(secs);
        if show {
            eprintln!("run {}/{repeat}: {secs:.3} s", k + 1);
        }
    }
    let peak_memory_mib = peak_memory_mib();

    let single_thread_seconds = if args.no_single {
        None
    } else {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
        let model = Model::compile(&s);
        let forecast = Forecast::new(&s, &model, uncertain_inputs(&s, &model), samples, args.seed)?;
        let t = Instant::now();
        let result = pool.install(|| forecast.run());
        let secs = t.elapsed().as_secs_f64();
        std::hint::black_box(&result);
        if show {
            eprintln!("single thread: {secs:.3} s");
        }
        Some(secs)
    };

    let run_seconds = median(&runs);
    let periods = Model::compile(&s).calendar.periods();
    Ok(BenchReport {
        scenario: label,
        periods,
        lines: s.lines.len(),
        capabilities: s.capabilities.len(),
        inputs,
        samples,
        seed: args.seed,
        repeat: args.repeat,
        threads: rayon::current_num_threads(),
        prepare_seconds: median(&prepare),
        run_seconds,
        runs_seconds: runs,
        samples_per_second: samples as f64 / run_seconds,
        period_line_updates_per_second: samples as f64 * periods as f64 * s.lines.len() as f64
            / run_seconds,
        peak_memory_mib,
        single_thread_seconds,
        speedup: single_thread_seconds.map(|t1| t1 / run_seconds),
    })
}

/// One objective's planner timings.
#[derive(Debug, Serialize)]
pub struct PlannerRun {
    /// `coverage` or `cost`.
    pub objective: String,
    /// Seconds to build the LP (median of `repeat`).
    pub build_seconds: f64,
    /// Seconds to solve it and write the plan (median of `repeat`): the
    /// integer plan where some investment comes in whole steps.
    pub solve_seconds: f64,
    /// Every solve's seconds, in order.
    pub solves_seconds: Vec<f64>,
    /// Seconds to solve the linear relaxation (whole steps relaxed) and
    /// write its plan (median of `repeat`).
    pub relaxed_seconds: f64,
    /// Candidate investments the program may choose.
    pub candidates: usize,
    /// Investments (decision rows) in the plan.
    pub investments: usize,
    /// The objective of the linear relaxation and of the integer plan
    /// (index or cost), where some investment comes in whole steps.
    pub relaxation: Option<f64>,
    /// The integer plan's objective.
    pub integer_objective: Option<f64>,
    /// The plan's notes (e.g. that the integer solver stopped and the
    /// relaxation's steps were rounded).
    pub notes: Vec<String>,
    /// LP variables.
    pub variables: usize,
    /// LP constraints.
    pub constraints: usize,
    /// Orders in the plan.
    pub orders: usize,
    /// Readiness index at the deadline without and with the plan.
    pub index_before: Option<f64>,
    /// With the plan.
    pub index_after: Option<f64>,
    /// Why no plan came out, if none did.
    pub error: Option<String>,
}

/// What `bench --planner` measured.
#[derive(Debug, Serialize)]
pub struct PlannerReport {
    /// Which scenario.
    pub scenario: String,
    /// Periods.
    pub periods: usize,
    /// Production lines.
    pub lines: usize,
    /// The request: first order date, deadline, grid, budget per year.
    pub request: String,
    /// Timed runs per objective.
    pub repeat: u32,
    /// Per objective.
    pub runs: Vec<PlannerRun>,
}

/// Time the planner: build and solve for both objectives, orders from the
/// scenario's start on a quarterly grid up to its horizon (the largest LP),
/// 40e9 a year.
pub fn run_planner(args: &BenchArgs, given: Option<(Valid, String)>) -> Result<PlannerReport> {
    use handover_core::plan::{Objective, PlanProblem, PlanRequest};
    let (s, label, _) = scenario(args, given)?;
    let eval = handover_core::Evaluation::new(&s);
    let horizon = s.scenario.horizon.to_string();
    let show = std::io::stderr().is_terminal();
    let mut runs = vec![];
    for objective in [Objective::Coverage, Objective::Cost] {
        let mut req = PlanRequest::new(objective, s.scenario.start, &horizon);
        // The budget binds the coverage objective; the cost objective runs
        // without one (it finds the cheapest plan for every reachable target).
        if objective == Objective::Coverage {
            req.budget_per_year = Some(40e9);
        }
        let (mut builds, mut solves, mut relaxed) = (vec![], vec![], vec![]);
        let mut last = None;
        let mut candidates = 0;
        for _ in 0..args.repeat {
            let t = Instant::now();
            let problem = PlanProblem::build(&s, &eval, &req)?;
            builds.push(t.elapsed().as_secs_f64());
            candidates = problem.investment_candidates();
            let t = Instant::now();
            let _ = problem.solve_relaxed(&s);
            relaxed.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let plan = problem.solve(&s);
            solves.push(t.elapsed().as_secs_f64());
            if show {
                eprintln!(
                    "{objective}: relaxation {:.3} s, plan {:.3} s",
                    relaxed.last().unwrap(),
                    solves.last().unwrap()
                );
            }
            last = Some(plan);
        }
        let (mut investments, mut relaxation, mut integer_objective) = (0, None, None);
        let mut notes = vec![];
        let (variables, constraints, orders, before, after, error) = match last {
            Some(Ok(p)) => {
                investments = p.investments.len();
                relaxation = p.relaxation;
                integer_objective = p.integer_objective;
                notes = p.notes.clone();
                (
                    p.lp_size.0,
                    p.lp_size.1,
                    p.orders.len(),
                    p.index_before,
                    p.index_after,
                    None,
                )
            }
            Some(Err(e)) => (0, 0, 0, None, None, Some(e.to_string())),
            None => (0, 0, 0, None, None, None),
        };
        runs.push(PlannerRun {
            objective: objective.to_string(),
            build_seconds: median(&builds),
            solve_seconds: median(&solves),
            solves_seconds: solves,
            relaxed_seconds: median(&relaxed),
            candidates,
            investments,
            relaxation,
            integer_objective,
            notes,
            variables,
            constraints,
            orders,
            index_before: before,
            index_after: after,
            error,
        });
    }
    if let Some(n) = args.futures {
        let mut req = PlanRequest::new(Objective::Cost, s.scenario.start, &horizon);
        req.grid = handover_core::time::Step::Quarter;
        let mut solves = vec![];
        let mut last = None;
        for _ in 0..args.repeat {
            let t = Instant::now();
            let plan = handover_core::plan::plan_confident(&s, &eval, &req, 0.8, n as usize, 2);
            solves.push(t.elapsed().as_secs_f64());
            if show {
                eprintln!(
                    "cost --confidence 0.8, {n} futures: {:.3} s",
                    solves.last().unwrap()
                );
            }
            last = Some(plan);
        }
        let (size, orders, investments, notes, error) = match last {
            Some(Ok(p)) => (
                p.lp_size,
                p.orders.len(),
                p.investments.len(),
                p.notes,
                None,
            ),
            Some(Err(e)) => ((0, 0), 0, 0, vec![], Some(e.to_string())),
            None => ((0, 0), 0, 0, vec![], None),
        };
        runs.push(PlannerRun {
            objective: format!("cost, --confidence 0.8, {n} futures"),
            build_seconds: 0.0,
            solve_seconds: median(&solves),
            solves_seconds: solves,
            relaxed_seconds: 0.0,
            candidates: 0,
            investments,
            relaxation: None,
            integer_objective: None,
            notes,
            variables: size.0,
            constraints: size.1,
            orders,
            index_before: None,
            index_after: None,
            error,
        });
    }
    Ok(PlannerReport {
        scenario: label,
        periods: eval.model.calendar.periods(),
        lines: s.lines.len(),
        request: format!(
            "orders from {} on a quarterly grid, deadline {horizon}; coverage within 40e9 a year, cost without a budget",
            s.scenario.start
        ),
        repeat: args.repeat,
        runs,
    })
}

/// Print a planner report in the chosen format.
pub fn render_planner(r: &PlannerReport, format: Format) -> Result<String> {
    match format {
        Format::Json => output::json(r),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(vec![]);
            w.write_record([
                "scenario",
                "objective",
                "build_seconds",
                "solve_seconds",
                "variables",
                "constraints",
                "orders",
            ])?;
            for x in &r.runs {
                w.write_record([
                    r.scenario.clone(),
                    x.objective.clone(),
                    x.build_seconds.to_string(),
                    x.solve_seconds.to_string(),
                    x.variables.to_string(),
                    x.constraints.to_string(),
                    x.orders.to_string(),
                ])?;
            }
            Ok(String::from_utf8(w.into_inner()?)?)
        }
        Format::Table => {
            let mut t = crate::output::table();
            t.set_header(vec![
                "objective",
                "build (median)",
                "relaxation (median)",
                "solve (median)",
                "LP size",
                "plan",
            ]);
            let idx = |x: Option<f64>| x.map_or("no data".into(), output::pct);
            for x in &r.runs {
                t.add_row(vec![
                    x.objective.clone(),
                    format!("{:.4} s", x.build_seconds),
                    format!("{:.3} s", x.relaxed_seconds),
                    format!(
                        "{:.3} s  [{}]",
                        x.solve_seconds,
                        x.solves_seconds
                            .iter()
                            .map(|v| format!("{v:.3}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    format!("{} variables, {} constraints", x.variables, x.constraints),
                    match &x.error {
                        Some(e) => format!("no plan: {e}"),
                        None => format!(
                            "{} orders, {} investments of {} candidates; index {} -> {}{}{}",
                            x.orders,
                            x.investments,
                            x.candidates,
                            idx(x.index_before),
                            idx(x.index_after),
                            match (x.relaxation, x.integer_objective, x.objective.as_str()) {
                                (Some(r), Some(i), "coverage") => format!(
                                    "; relaxation {}, whole steps {}",
                                    output::pct(r),
                                    output::pct(i)
                                ),
                                (Some(r), Some(i), _) =>
                                    format!("; relaxation {r:.4e}, whole steps {i:.4e}"),
                                _ => String::new(),
                            },
                            if x.notes
                                .iter()
                                .any(|n| n.starts_with("the integer solver stopped"))
                            {
                                "; the integer solver stopped: relaxation's steps rounded"
                            } else {
                                ""
                            }
                        ),
                    },
                ]);
            }
            Ok(format!(
                "planner benchmark: {} ({} periods, {} lines)\n{}\n{t}\n",
                r.scenario, r.periods, r.lines, r.request
            ))
        }
    }
}

/// The median of a non-empty list (mean of the middle two for an even count).
fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Reset the kernel's peak-RSS mark of this process (Linux `clear_refs` 5),
/// so the figure covers the benchmark only. Ignored where unsupported.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size of this process (`VmHWM`), in MiB; `None` where unknown.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Print a report in the chosen format.
pub fn render(r: &BenchReport, format: Format) -> Result<String> {
    let rows: Vec<(&str, String)> = vec![
        ("scenario", r.scenario.clone()),
        (
            "size",
            format!(
                "{} periods, {} lines, {} capabilities, {} uncertain inputs",
                r.periods, r.lines, r.capabilities, r.inputs
            ),
        ),
        (
            "samples",
            format!("{} (seed {})", output::number(r.samples as f64, 0), r.seed),
        ),
        ("threads", r.threads.to_string()),
        ("prepare (median)", format!("{:.3} s", r.prepare_seconds)),
        (
            "run (median)",
            format!(
                "{:.3} s  [{}]",
                r.run_seconds,
                r.runs_seconds
                    .iter()
                    .map(|x| format!("{x:.3}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        ("samples/s", output::number(r.samples_per_second, 0)),
        (
            "period-line updates/s",
            format!("{:.3e}", r.period_line_updates_per_second),
        ),
        (
            "peak memory",
            r.peak_memory_mib
                .map_or("unknown".into(), |m| format!("{m:.0} MiB")),
        ),
        (
            "single thread",
            r.single_thread_seconds
                .map_or("not run (--no-single)".into(), |t| format!("{t:.3} s")),
        ),
        (
            "speed-up",
            r.speedup.map_or("not run".into(), |x| {
                format!("{x:.2}x on {} threads", r.threads)
            }),
        ),
    ];
    match format {
        Format::Json => output::json(r),
        Format::Table => {
            let mut t = crate::output::table();
            t.set_header(vec!["forecast benchmark", ""]);
            for (k, v) in rows {
                t.add_row(vec![k.to_string(), v]);
            }
            Ok(format!("{t}\n"))
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(vec![]);
            w.write_record([
                "scenario",
                "periods",
                "lines",
                "capabilities",
                "inputs",
                "samples",
                "seed",
                "threads",
                "prepare_seconds",
                "run_seconds",
                "samples_per_second",
                "period_line_updates_per_second",
                "peak_memory_mib",
                "single_thread_seconds",
                "speedup",
            ])?;
            let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
            w.write_record([
                r.scenario.clone(),
                r.periods.to_string(),
                r.lines.to_string(),
                r.capabilities.to_string(),
                r.inputs.to_string(),
                r.samples.to_string(),
                r.seed.to_string(),
                r.threads.to_string(),
                r.prepare_seconds.to_string(),
                r.run_seconds.to_string(),
                r.samples_per_second.to_string(),
                r.period_line_updates_per_second.to_string(),
                opt(r.peak_memory_mib),
                opt(r.single_thread_seconds),
                opt(r.speedup),
            ])?;
            Ok(String::from_utf8(w.into_inner()?)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_lists() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn peak_memory_reads_on_linux() {
        if cfg!(target_os = "linux") {
            let m = peak_memory_mib().expect("VmHWM in /proc/self/status");
            assert!(m > 0.0);
        }
    }
}
