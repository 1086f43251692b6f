//! `handover check`: evaluate the scenario's benchmarks (or rules given with
//! `--rule`) and list which fire, which hold and which are unknown, with the
//! figures that decided each. Exit code 3 with `--fail-on` (docs/TRIGGERS.md).

use crate::cli::{CheckArgs, Cli, Format};
use anyhow::{Context, Result};
use comfy_table::Cell;
use handover_core::scenario::{Origin, Provenance};
use handover_core::trigger::{self, CheckReport, Rule, State, Trigger, TriggerSeverity};
use std::io::Write;
use std::process::ExitCode;

/// Exit code when a trigger at or above `--fail-on` fires.
pub const EXIT_FIRED: u8 = 3;
/// Exit code for a bad command line (as clap uses), here a `--rule` that cannot be used.
const EXIT_USAGE: u8 = 2;

/// Severity given to rules passed with `--rule`.
pub const AD_HOC_SEVERITY: TriggerSeverity = TriggerSeverity::Warning;

/// Triggers from `--rule` texts, checked against the scenario; `Err` holds
/// the messages for standard error.
fn ad_hoc(s: &handover_core::Scenario, rules: &[String]) -> Result<Vec<Trigger>, Vec<String>> {
    let mut out = vec![];
    let mut errors = vec![];
    for (i, text) in rules.iter().enumerate() {
        let rule = Rule::parse(text);
        let problems = match &rule.parsed {
            Err(e) => vec![e.clone()],
            Ok(expr) => trigger::references(text, expr, s),
        };
        for e in problems {
            let caret = e.caret(text).replace('\n', "\n    ");
            errors.push(format!("--rule {}: {e}\n    {caret}", i + 1));
        }
        out.push(Trigger {
            id: format!("rule-{}", i + 1),
            rule,
            severity: AD_HOC_SEVERITY,
            action: "given with --rule".into(),
            provenance: Provenance::default(),
            origin: Origin::line("--rule", i + 1),
            rule_at: None,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The benchmarks as a handover server shows them (`GET /api/overview`),
/// as a report of `check`.
fn remote(url: &str, at: Option<chrono::NaiveDate>, token: Option<&str>) -> Result<CheckReport> {
    let query = at.map(|d| format!("?at={d}")).unwrap_or_default();
    let (endpoint, body) = crate::remote_get(url, &format!("/api/overview{query}"), token)?;
    let bad = || format!("{endpoint} did not answer with an overview");
    let v: serde_json::Value = serde_json::from_str(&body).with_context(bad)?;
    let text = |x: &serde_json::Value| x.as_str().map(str::to_string);
    let mut triggers = vec![];
    for t in v["triggers"].as_array().with_context(bad)? {
        let state = match t["state"].as_str() {
            Some("fires") => State::Fires,
            Some("holds") => State::Holds,
            Some("unknown") => State::Unknown,
            Some("suppressed") => State::Suppressed,
            other => anyhow::bail!("{endpoint}: a trigger in an unknown state {other:?}"),
        };
        triggers.push(trigger::TriggerOutcome {
            id: text(&t["id"]).with_context(bad)?,
            severity: serde_json::from_value(t["severity"].clone()).with_context(bad)?,
            state,
            rule: text(&t["rule"]).unwrap_or_default(),
            figures: t["figures"]
                .as_array()
                .map(|f| f.iter().filter_map(text).collect())
                .unwrap_or_default(),
            action: text(&t["action"]).unwrap_or_default(),
            source: text(&t["source"]),
            note: None,
        });
    }
    let forecast = v["forecast"].as_array().and_then(|f| {
        Some(trigger::ForecastRun {
            samples: f.first()?.as_u64()?,
            seed: f.get(1)?.as_u64()?,
        })
    });
    Ok(CheckReport {
        scenario: text(&v["scenario"]).with_context(bad)?,
        at: serde_json::from_value(v["at"].clone()).with_context(bad)?,
        forecast,
        triggers,
    })
}

/// Write `report` in the chosen format; exit 3 if a trigger at or above
/// --fail-on fires.
fn finish(
    cli: &Cli,
    args: &CheckArgs,
    report: &CheckReport,
    out: &mut impl Write,
) -> Result<ExitCode> {
    let text = match cli.format() {
        Format::Table => table(report),
        Format::Json => crate::output::json(report)?,
        Format::Csv => csv(report)?,
    };
    out.write_all(text.as_bytes())?;
    let fail = args
        .fail_on
        .is_some_and(|sev| report.fires_at_least(sev.into()));
    Ok(if fail {
        ExitCode::from(EXIT_FIRED)
    } else {
        ExitCode::SUCCESS
    })
}

/// Run `handover check`.
pub fn run(cli: &Cli, args: &CheckArgs, out: &mut impl Write) -> Result<ExitCode> {
    if let Some(url) = &args.remote.server {
        let report = remote(url, args.at, args.remote.token.as_deref())?;
        return finish(cli, args, &report, out);
    }
    let loaded = crate::load(cli)?;
    let s = &loaded.scenario;
    let triggers = if args.rule.is_empty() {
        s.triggers.clone()
    } else {
        match ad_hoc(s, &args.rule) {
            Ok(t) => t,
            Err(errors) => {
                for e in errors {
                    eprintln!("error: {e}");
                }
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        }
    };
    let at = match args.at {
        Some(d) => d,
        None => chrono::Local::now().date_naive(),
    };
    let eval = handover_core::Evaluation::new(s);
    let needs_forecast = triggers
        .iter()
        .any(|t| t.rule.expr().is_some_and(|e| e.needs_forecast()));
    let forecast = if needs_forecast {
        let f = eval.forecast(s, args.samples, args.seed)?;
        Some(crate::progress::run(&f, args.samples))
    } else {
        None
    };
    let report = trigger::check(s, &eval, &triggers, at, forecast.as_ref()).with_context(|| {
        if args.at.is_none() {
            "today's date is outside the scenario; pass --at DATE"
        } else {
            "cannot check at --at"
        }
    })?;
    finish(cli, args, &report, out)
}

fn table(r: &CheckReport) -> String {
    let mut s = format!("Triggers of {} checked at {}\n", r.scenario, r.at);
    if r.triggers.is_empty() {
        s.push_str("The scenario has no triggers (add triggers.toml; see docs/TRIGGERS.md).\n");
        return s;
    }
    let mut t = crate::output::table();
    if t.width().is_none() {
        // Not a terminal: wrap the long rules and sources anyway.
        t.set_width(140);
    }
    t.set_header(vec![
        "Trigger",
        "State",
        "Rule and the figures that decided it",
        "Action and source",
    ]);
    for o in &r.triggers {
        let state = match o.state {
            State::Fires => "FIRES",
            State::Holds => "holds",
            State::Unknown => "unknown",
            State::Suppressed => "suppressed",
        };
        let figures: Vec<String> = o.figures.iter().map(|f| format!("- {f}")).collect();
        let mut action = o.action.clone();
        if let Some(src) = &o.source {
            action.push_str(&format!("\nsource: {src}"));
        }
        t.add_row(vec![
            Cell::new(format!("{}\n{}", o.id, o.severity)),
            Cell::new(state),
            Cell::new(format!("{}\n{}", o.rule, figures.join("\n"))),
            Cell::new(action),
        ]);
    }
    s.push_str(&t.to_string());
    s.push('\n');
    let fired = |sev: TriggerSeverity| {
        r.triggers
            .iter()
            .filter(|t| t.state == State::Fires && t.severity == sev)
            .count()
    };
    s.push_str(&format!(
        "{} fire ({} critical, {} warning, {} info), {} hold, {} unknown\n",
        r.count(State::Fires),
        fired(TriggerSeverity::Critical),
        fired(TriggerSeverity::Warning),
        fired(TriggerSeverity::Info),
        r.count(State::Holds),
        r.count(State::Unknown),
    ));
    if let Some(f) = r.forecast {
        s.push_str(&format!(
            "P(met) figures from a forecast of {} samples, seed {}\n",
            f.samples, f.seed
        ));
    }
    s
}

fn csv(r: &CheckReport) -> Result<String> {
    let mut w = ::csv::Writer::from_writer(vec![]);
    w.write_record([
        "at", "id", "severity", "state", "rule", "figures", "action", "source", "note",
    ])?;
    for o in &r.triggers {
        w.write_record([
            r.at.to_string().as_str(),
            &o.id,
            o.severity.as_str(),
            o.state.as_str(),
            &o.rule,
            &o.figures.join("; "),
            &o.action,
            o.source.as_deref().unwrap_or(""),
            o.note.as_deref().unwrap_or(""),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
