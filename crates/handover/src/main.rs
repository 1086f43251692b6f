//! `handover`: measure, forecast and plan Europe's takeover of NATO
//! conventional defence duties. This binary only orchestrates: reading
//! (handover-data), computing (handover-core) and printing.

mod bench;
mod check;
mod cli;
mod diff;
mod docs;
mod output;
mod plan;
mod progress;
mod report;

use anyhow::{Context, Result};
use clap::Parser;
use cli::{Cli, Command, Format};
use handover_data::{LoadError, Loaded};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            // Invalid input is reported in full, as the loader wrote it.
            if let Some(u) = e.downcast_ref::<cli::Usage>() {
                eprintln!("error: {u}");
                return ExitCode::from(2);
            }
            match e.downcast_ref::<LoadError>() {
                Some(le) => eprintln!("error: {le}"),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::from(1)
        }
    }
}

/// Load the scenario named on the command line, or the bundled dataset.
fn load(cli: &Cli) -> Result<Loaded> {
    let loaded = match &cli.scenario {
        Some(path) => handover_data::load(path)?,
        None => handover_data::bundled()?,
    };
    Ok(loaded)
}

fn run(cli: &Cli) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &cli.command {
        Command::Assess(args) if args.remote.server.is_some() => {
            let url = args.remote.server.as_deref().expect("guarded");
            let mut assessment = remote_assessment(url, args.at, args.remote.token.as_deref())?;
            if !args.series {
                assessment.series = None;
            }
            let text = match cli.format() {
                Format::Table => output::assess_table(&assessment, None),
                Format::Json => output::json(&assessment)?,
                Format::Csv => output::assess_csv(&assessment)?,
            };
            out.write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Assess(args) => {
            let loaded = load(cli)?;
            let s = &loaded.scenario;
            let at = match args.at {
                Some(d) => d,
                None => chrono::Local::now().date_naive(),
            };
            let eval = handover_core::Evaluation::new(s);
            let assessment = eval.assess(s, at, args.series).with_context(|| {
                if args.at.is_none() {
                    "today's date is outside the scenario; pass --at DATE"
                } else {
                    "cannot assess at --at"
                }
            })?;
            let text = match cli.format() {
                Format::Table if args.sources => {
                    output::assess_table(&assessment, Some(&loaded)) + &output::sources_table(s)
                }
                Format::Table => output::assess_table(&assessment, Some(&loaded)),
                Format::Json => output::json(&assessment)?,
                Format::Csv => output::assess_csv(&assessment)?,
            };
            out.write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Forecast(args) => {
            let loaded = load(cli)?;
            let s = &loaded.scenario;
            let eval = handover_core::Evaluation::new(s);
            let forecast = eval
                .forecast(s, args.samples, args.seed)?
                .with_sampling(args.sampling.into());
            let result = progress::run(&forecast, args.samples);
            if let Some(path) = &args.quantiles {
                handover_data::write_file(path, output::fan_csv(&result)?.as_bytes(), true)?;
                eprintln!("wrote fan chart quantiles to {}", path.display());
            }
            let text = match cli.format() {
                Format::Table => output::forecast_table(&result, args.top),
                Format::Json => output::json(&result)?,
                Format::Csv => output::forecast_csv(&result)?,
            };
            out.write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => {
            let scenario = if args.synthetic.is_some() {
                None
            } else {
                let loaded = load(cli)?;
                Some((loaded.scenario, loaded.label))
            };
            let text = if args.planner {
                bench::render_planner(&bench::run_planner(args, scenario)?, cli.format())?
            } else {
                bench::render(&bench::run(args, scenario)?, cli.format())?
            };
            out.write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => check::run(cli, args, &mut out),
        Command::Plan(args) => plan::run(cli, args, &mut out),
        Command::Report(args) => report::run(cli, args, &mut out),
        Command::Diff(args) => diff::run(cli, args, &mut out),
        Command::Serve(args) => serve(cli, args, &mut out),
        Command::Admin(args) => admin(args, &mut out),
        Command::Completions(args) => docs::completions(args, &mut out),
        Command::Man(args) => docs::man(args, &mut out),
        Command::Validate => {
            let result = match &cli.scenario {
                Some(path) => handover_data::load(path),
                None => handover_data::bundled(),
            };
            let (problems, label) = match &result {
                Ok(l) => (l.warnings.clone(), l.label.clone()),
                Err(LoadError::Invalid(p)) => (p.clone(), cli.scenario_label()),
                Err(e) => return Err(anyhow::anyhow!("{e}")),
            };
            let text = match cli.format() {
                Format::Table => output::problems_table(&problems, &label),
                Format::Json => output::json(&problems)?,
                Format::Csv => output::problems_csv(&problems)?,
            };
            out.write_all(text.as_bytes())?;
            Ok(if result.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Export(args) => {
            let loaded = load(cli)?;
            let s = &loaded.scenario;
            match (cli.format(), &args.out) {
                (Format::Table | Format::Json, None) => {
                    out.write_all(handover_data::to_json(s).as_bytes())?;
                    out.write_all(b"\n")?;
                }
                (Format::Table | Format::Json, Some(path)) => {
                    let mut text = handover_data::to_json(s);
                    text.push('\n');
                    handover_data::write_file(path, text.as_bytes(), args.force)?;
                    eprintln!("wrote {}", path.display());
                }
                (Format::Csv, Some(path)) => {
                    handover_data::write_dir(path, s)?;
                    eprintln!("wrote scenario folder {}", path.display());
                }
                (Format::Csv, None) => {
                    anyhow::bail!("--format csv writes a folder of tables: give --out DIR (a folder that does not exist yet)")
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `handover serve`: open (or create and seed) the store, make the first
/// administrator, and serve until Ctrl-C.
/// `handover admin`: the trusted path to a service's store.
fn admin(args: &cli::AdminArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    use handover_store::Store;
    match &args.action {
        cli::AdminAction::Password { user, db } => {
            if !db.exists() {
                anyhow::bail!(
                    "{} does not exist; give the service's SQLite file with --db",
                    db.display()
                );
            }
            let store = handover_store::SqliteStore::open(db)
                .with_context(|| format!("cannot open the store {}", db.display()))?;
            let chosen = std::env::var("HANDOVER_NEW_PASSWORD").ok();
            let password = match &chosen {
                Some(p) => p.clone(),
                None => handover_server::auth::random_password()?,
            };
            let detail = "password set with `handover admin password` on the service's machine";
            if !store.set_password(user, &password, detail)? {
                anyhow::bail!("no user `{user}` in {}", db.display());
            }
            match chosen {
                Some(_) => writeln!(
                    out,
                    "password of `{user}` set from HANDOVER_NEW_PASSWORD; its sessions are ended"
                )?,
                None => writeln!(
                    out,
                    "password of `{user}` set to {password} (shown once; set HANDOVER_NEW_PASSWORD to choose it); its sessions are ended"
                )?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn serve(cli: &Cli, args: &cli::ServeArgs, out: &mut impl Write) -> Result<ExitCode> {
    if !(args.max_share > 0.0 && args.max_share <= 1.0) {
        anyhow::bail!("--max-share {} must be a share in (0, 1]", args.max_share);
    }
    // The service's log on standard error: `RUST_LOG` chooses what (default: info).
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let store = std::sync::Arc::new(
        handover_store::SqliteStore::open(&args.db)
            .with_context(|| format!("cannot open the store {}", args.db.display()))?,
    );
    use handover_store::Store;
    let stored = store.latest_version()?;
    if stored.is_some() && cli.scenario.is_some() {
        anyhow::bail!(
            "{} already holds the service's data (version {}); --scenario only seeds a new store. \
             Submit changes through the server, or give a new --db",
            args.db.display(),
            stored.as_ref().map(|v| v.0).unwrap_or_default()
        );
    }
    // The seed is used only by a new store (the bundled data unless --scenario).
    let seed = load(cli)?;
    let password = std::env::var("HANDOVER_ADMIN_PASSWORD").ok();
    let admin = handover_server::auth::first_admin(store.as_ref(), &args.admin_user, password)
        .context("cannot make the first administrator")?;
    let config = handover_server::Config {
        rule: handover_core::releasability::DisclosureRule {
            min_nations: args.min_nations,
            max_share: args.max_share,
        },
        secure_cookies: args.secure_cookies,
        ..handover_server::Config::default()
    };
    let state = std::sync::Arc::new(
        handover_server::AppState::open(store, &seed.scenario, config)
            .context("cannot start the service")?,
    );
    let current = state.current();
    if let Some(d) = state.degraded() {
        let _ = writeln!(out, "warning: {}", d.message);
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr()?;
        // Whoever started the server may stop reading its output; it keeps serving.
        let _ = writeln!(
            out,
            "handover listening on http://{addr} ({}, version {} of {})",
            current.scenario.scenario.name,
            current.version,
            args.db.display()
        );
        match &admin {
            Some((user, Some(pw))) => {
                let _ = writeln!(
                    out,
                    "first run: administrator `{user}` made with password {pw} (shown once; set HANDOVER_ADMIN_PASSWORD to choose it)"
                );
            }
            Some((user, None)) => {
                let _ = writeln!(
                    out,
                    "first run: administrator `{user}` made with the password in HANDOVER_ADMIN_PASSWORD"
                );
            }
            None => {}
        }
        let _ = writeln!(out, "log in at http://{addr}/login; dashboard http://{addr}/, API http://{addr}/api/overview, OpenAPI http://{addr}/api/openapi.json; Ctrl-C stops");
        let _ = out.flush();
        handover_server::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `GET URL/api/assessment?at=DATE` from a handover server, with its errors
/// (code, message, field) passed on; `token` authenticates as its user.
fn remote_assessment(
    url: &str,
    at: Option<chrono::NaiveDate>,
    token: Option<&str>,
) -> Result<handover_core::Assessment> {
    let query = at.map(|d| format!("?at={d}")).unwrap_or_default();
    let (endpoint, body) = remote_get(url, &format!("/api/assessment{query}"), token)?;
    serde_json::from_str(&body)
        .with_context(|| format!("{endpoint} did not answer with an assessment"))
}

/// GET `path` (with its query) of the handover server at `url`, as the
/// token's nation where a token is given; the endpoint asked and the body of
/// a successful answer. A refusal names the server's message, code and field.
pub(crate) fn remote_get(url: &str, path: &str, token: Option<&str>) -> Result<(String, String)> {
    let base = url.trim_end_matches('/');
    let endpoint = format!("{base}{path}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into();
    let mut request = agent.get(&endpoint);
    if let Some(t) = token {
        request = request.header("Authorization", &format!("Bearer {t}"));
    }
    let mut response = request
        .call()
        .with_context(|| format!("cannot reach the handover server at {base}"))?;
    let status = response.status();
    let body = response
        .body_mut()
        .read_to_string()
        .with_context(|| format!("cannot read the answer of {endpoint}"))?;
    if !status.is_success() {
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        anyhow::bail!(
            "the server refused ({status}): {} [{}{}]",
            v["message"].as_str().unwrap_or(&body),
            v["code"].as_str().unwrap_or("no code"),
            v["field"]
                .as_str()
                .map(|f| format!(", field `{f}`"))
                .unwrap_or_default()
        );
    }
    Ok((endpoint, body))
}
