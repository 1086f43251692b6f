//! `handover report`: assessment, forecast and benchmarks in one document to
//! publish (docs/REPORT.md).

use crate::cli::{Cli, ReportArgs, ReportFormat};
use anyhow::{Context, Result};
use handover_report::{render, Report, ReportInput};
use std::io::Write;
use std::process::ExitCode;

/// Run `handover report`.
pub fn run(cli: &Cli, args: &ReportArgs, out: &mut impl Write) -> Result<ExitCode> {
    let format = args.format()?;
    if format == ReportFormat::Md && args.out.is_none() {
        anyhow::bail!("--format md writes report.md and charts/*.svg: give --out DIR (a folder that does not exist yet)");
    }
    let p = &args.plan_args;
    if !args.plan
        && (p.budget.is_some()
            || p.from.is_some()
            || p.deadline.is_some()
            || p.share.is_some()
            || p.min_european_content.is_some()
            || p.usd_rate.is_some())
    {
        anyhow::bail!(
            "plan options (--budget, --from, --deadline, ...) make a plan only with --plan"
        );
    }
    let loaded = crate::load(cli)?;
    let s = &loaded.scenario;
    let at = match args.at {
        Some(d) => d,
        None => chrono::Local::now().date_naive(),
    };
    let eval = handover_core::Evaluation::new(s);
    let assessment = eval.assess(s, at, true).with_context(|| {
        if args.at.is_none() {
            "today's date is outside the scenario; pass --at DATE"
        } else {
            "cannot report at --at"
        }
    })?;
    let forecast = if args.no_forecast {
        None
    } else {
        let f = eval.forecast(s, args.samples, args.seed)?;
        Some(crate::progress::run(&f, args.samples))
    };
    let checks = if s.triggers.is_empty() {
        None
    } else {
        Some(
            handover_core::trigger::check(s, &eval, &s.triggers, at, forecast.as_ref())
                .context("cannot evaluate the scenario's benchmarks")?,
        )
    };
    let plan = if args.plan {
        let req = crate::plan::request(&args.plan_args, s, at)?;
        Some(handover_core::plan::plan(s, &eval, &req).context("cannot make the plan for --plan")?)
    } else {
        None
    };
    let hash = handover_data::content_hash(s);
    let scenario_path = cli
        .scenario
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    let plan_options = plan_options(&args.plan_args);
    let report = Report::build(ReportInput {
        scenario: s,
        evaluation: &eval,
        assessment: &assessment,
        forecast: forecast.as_ref(),
        triggers: checks.as_ref(),
        plan: plan.as_ref(),
        content_hash: &hash,
        tool_version: env!("CARGO_PKG_VERSION"),
        scenario_path: scenario_path.as_deref(),
        plan_options: &plan_options,
    });
    match format {
        ReportFormat::Md => {
            let dir = args.out.as_ref().expect("checked above");
            let files = render::markdown(&report)
                .into_iter()
                .map(|(p, t)| (p, t.into_bytes()));
            handover_data::write_folder(dir, files)?;
            eprintln!("wrote report.md and charts to {}", dir.display());
        }
        _ => {
            let text = if format == ReportFormat::Json {
                crate::output::json(&report)?
            } else {
                render::html(&report)
            };
            match &args.out {
                Some(path) => {
                    handover_data::write_file(path, text.as_bytes(), args.force)?;
                    eprintln!("wrote {}", path.display());
                }
                None => out.write_all(text.as_bytes())?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The plan options as arguments, for the report's reproduce command: each
/// option given, as given, and the objective and grid always (so that the
/// command does not depend on their defaults).
fn plan_options(p: &crate::cli::PlanArgs) -> Vec<String> {
    let mut args = vec![];
    let mut push = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            args.extend([format!("--{name}"), v]);
        }
    };
    push("budget", p.budget.clone());
    push("from", p.from.clone());
    push("deadline", p.deadline.clone());
    use crate::cli::{value_name, GridArg, ObjectiveArg};
    push(
        "objective",
        Some(value_name(p.objective.unwrap_or(ObjectiveArg::Coverage))),
    );
    push("grid", Some(value_name(p.grid.unwrap_or(GridArg::Quarter))));
    push("share", p.share.clone());
    push("min-european-content", p.min_european_content.clone());
    push("usd-rate", p.usd_rate.clone());
    args
}
