//! Command-line definition: one place for every flag, its help and defaults.

use chrono::NaiveDate;
use clap::builder::{EnumValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Measure, forecast and plan Europe's takeover of NATO conventional defence duties.
///
/// handover computes, per capability, where Europe stands against its
/// requirements today and at each deadline (the US ask for 2027, the EU's
/// Readiness 2030), following the definitions in MODEL.md. Without
/// --scenario it runs on the bundled public dataset, every figure of which
/// names its source.
#[derive(Debug, Parser)]
#[command(name = "handover", version, max_term_width = 100)]
#[command(after_help = "Examples:
  handover assess                          where Europe stands today, bundled data
  handover assess --at 2027-12-31          ... at the US deadline
  handover assess --scenario my-scenario/  ... on your own scenario folder
  handover assess --server http://127.0.0.1:8080   ... as a handover server computes it
  handover --format json assess            machine-readable output
  handover forecast --samples 100000 --seed 7   P(met) per deadline, fan chart, sensitivity
  handover check                           which benchmarks (triggers.toml) fire, with the figures
  handover check --fail-on critical        ... exit 3 if a critical trigger fires (for CI)
  handover check --rule \"coverage(iamd-long) at us-2027 < 50%\"
  handover plan --budget 40e9/year --deadline eu-2030   orders that buy the most coverage
  handover plan --objective cost --deadline eu-2030 --share gdp   cheapest orders for every target
  handover validate --scenario my-scenario/
  handover export --format csv --out copy/ the bundled data as an editable folder
  handover export --format json > s.json   the scenario as one file
  handover report --out report.html        a self-contained report to publish
  handover serve --db handover.db          dashboard and JSON API with logins, national submissions, releasability
  handover bench                           forecast speed on the bundled data
  handover bench --synthetic lines=300,capabilities=40,nations=35,years=11 --write big/

Scenario format: docs/FORMAT.md. Output fields: docs/OUTPUT.md.
Exit codes: 0 success, 1 invalid input or failure, 2 bad command line,
3 a trigger fired at or above check --fail-on, or a plan was made but some targets
cannot be reached by the deadline.")]
pub struct Cli {
    /// Scenario folder (scenario.toml + CSV tables) or JSON file; default: the bundled public dataset.
    #[arg(long, short = 's', global = true, value_name = "PATH")]
    pub scenario: Option<PathBuf>,

    /// Output format (`handover report` has its own: html, md or json).
    ///
    /// Stored by name: `report`'s own --format shares the id, and clap copies a
    /// global's value between the levels, so both hold a string; see [`Cli::format`].
    #[arg(
        id = "format",
        long = "format",
        short = 'f',
        global = true,
        value_name = "FORMAT",
        value_parser = EnumValueParser::<Format>::new().map(value_name),
        default_value = "table"
    )]
    pub format_name: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The name of a value (`table`, `md`, `coverage`).
pub fn value_name(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

impl Cli {
    /// The output format of every command but `report` (which reads
    /// [`ReportArgs::format`]).
    pub fn format(&self) -> Format {
        Format::from_str(&self.format_name, true).unwrap_or(Format::Table)
    }

    /// How messages name the scenario.
    pub fn scenario_label(&self) -> String {
        match &self.scenario {
            Some(p) => p.display().to_string(),
            None => "bundled public dataset".into(),
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// One JSON document with stable field names.
    Json,
    /// CSV with stable column names.
    Csv,
}

/// Formats of `handover report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page.
    Html,
    /// A folder with report.md and its charts as SVG files (needs --out DIR).
    Md,
    /// The numbers behind the report, as one JSON document.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Where Europe stands per capability, now and at each deadline.
    ///
    /// For every capability: European level, target, coverage (level/target,
    /// at most 1), US dependency, status against the glide path to each
    /// deadline (on-track, at-risk within the tolerance, off-track), the
    /// projected shortfall at each deadline in units and money, and the date
    /// the target is reached. Then the weighted readiness index. Cells
    /// without data say "no data"; nothing is filled in.
    Assess(AssessArgs),
    /// How likely each deadline is: Monte Carlo over the scenario's uncertain figures.
    ///
    /// Every figure written as a distribution (docs/FORMAT.md, "Uncertain
    /// figures") is drawn once per sample, then the same projection as
    /// `assess` runs. Reports, per capability and deadline: P(met) with its
    /// standard error, P10/P50/P90 of coverage, the distribution of the date
    /// the target is reached, the readiness index, and which inputs drive
    /// the spread (Spearman rank correlation). Results depend only on the
    /// scenario, --samples and --seed, never on the number of threads.
    Forecast(ForecastArgs),
    /// Evaluate the benchmarks (triggers): which fire, which hold, which are unknown.
    ///
    /// Each trigger of the scenario (triggers.toml, docs/TRIGGERS.md) is a
    /// rule over the metrics, e.g. `coverage(iamd-long) at us-2027 < 50%`.
    /// It fires when the rule is true and holds when it is false; a rule
    /// over a figure the scenario lacks is unknown, never taken as 0. The
    /// output names the figures that decided each trigger, its action and
    /// its source. Rules with P(met, ...) run the Monte Carlo forecast
    /// (--samples, --seed). Exit code 3 when --fail-on is given and a
    /// trigger of that severity or above fires; unknown never fails.
    Check(CheckArgs),
    /// Choose new orders: the most coverage within a budget, or every target at least cost.
    ///
    /// New orders queue behind each line's existing backlog (FIFO) and
    /// respect lead times and capacity ramps. Reports the orders with their
    /// cost and delivery schedule, coverage bought per capability, budget
    /// used per year, the binding constraints and shadow prices, and with
    /// --objective cost the targets no plan reaches by the deadline and the
    /// earliest date each can be. Method: docs/PLANNER.md.
    Plan(PlanCommandArgs),
    /// Check a scenario and list every problem with file, line and field.
    ///
    /// Exits 1 if there is an error. Warnings (e.g. a figure without a
    /// source) are listed but do not fail.
    Validate,
    /// Write the scenario as one JSON document or as a folder.
    ///
    /// --format json (the default here) writes one JSON document, readable
    /// again with --scenario FILE.json; --format csv writes a scenario folder
    /// (scenario.toml and CSV tables) at --out. Nothing is overwritten: a folder is written beside its target and
    /// renamed into place; an existing file is replaced only with --force.
    Export(ExportArgs),
    /// Measure the forecast's speed: samples/s, period-line updates/s, memory.
    ///
    /// Runs the forecast --repeat times on all cores and once on one thread,
    /// and prints the median time, samples per second, period-line updates
    /// per second (samples × periods × lines / time), peak memory and the
    /// speed-up over one thread. Without --synthetic it runs the scenario
    /// of --scenario (default: the bundled dataset) with 100,000 samples;
    /// with --synthetic it generates a scenario of the size asked for
    /// (10,000 samples by default). Figures and how to read them:
    /// docs/BENCHMARKS.md.
    Bench(BenchArgs),
    /// What changed between two scenarios, and what it does to coverage and the index.
    ///
    /// OLD and NEW are each a scenario folder, a JSON file, or a version of
    /// the bundled data (`1.0.0`, or the current one, e.g. `2.0.0`). Lists
    /// every row added, removed or changed in every table (matched by its
    /// id, or by holder and capability, line and date, ...), each changed
    /// row with the fields that moved, a distribution shown as written. Then
    /// per capability the level, target and coverage of both at --at and at
    /// each deadline of NEW, and the readiness index. Exits 0 whether or not
    /// anything changed. `handover diff 1.0.0 2.0.0` shows what a release of
    /// the bundled data moved (data/CHANGELOG.md says why).
    Diff(DiffArgs),
    /// Write a report to publish: HTML (default), Markdown with SVG charts, or JSON.
    ///
    /// One self-contained HTML file (no network needed to open it): a
    /// summary (readiness index, capabilities on track, at risk and off
    /// track per deadline), then per capability the European level against
    /// the target over time with the glide paths, US dependency, holdings,
    /// production lines with backlog and lead times, shortfall in units and
    /// money, the forecast fan, P(met) with its standard error and the
    /// sensitivity tornado; every source behind the figures; and the
    /// scenario's content hash, seed and tool version to reproduce it.
    /// --format md writes a folder with report.md and charts/*.svg;
    /// --format json the numbers behind the report. See docs/REPORT.md.
    Report(ReportArgs),
    /// Serve the multi-nation service: dashboard and JSON API.
    ///
    /// Keeps its data in a SQLite file (--db, default handover.db, created and
    /// seeded with --scenario or the bundled public dataset on first run):
    /// users of nations with roles, every national submission as a new
    /// version, an append-only audit log. On first run it makes an
    /// administrator and prints the password once (or takes it from
    /// HANDOVER_ADMIN_PASSWORD). Every answer holds only what the caller's
    /// nation may see: record markings, and the disclosure rule for
    /// aggregates (--min-nations, --max-share). The dashboard is at /, the
    /// API under /api/ (OpenAPI at /api/openapi.json). Stops on Ctrl-C.
    /// See docs/API.md.
    Serve(ServeArgs),
    /// Administer a service's store from the machine it runs on (the trusted path).
    ///
    /// `handover admin password NAME --db handover.db` sets a user's password
    /// (from HANDOVER_NEW_PASSWORD, or a new random one printed once) and ends
    /// the user's sessions, so an administrator can always get in, however
    /// many failed logins others sent. Works on the SQLite file directly; the
    /// server may keep running. Audited as `user.password`. See docs/API.md.
    Admin(AdminArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    ///
    /// Generated from the same definitions as --help. For bash:
    /// `handover completions bash > ~/.local/share/bash-completion/completions/handover`;
    /// zsh: write `_handover` into a folder of $fpath; fish:
    /// `handover completions fish > ~/.config/fish/completions/handover.fish`.
    Completions(CompletionsArgs),
    /// Print the man page (roff), every subcommand included; or write one page per command.
    ///
    /// Generated from the same definitions as --help. `handover man | man -l -`
    /// reads it; `handover man --out DIR` writes handover.1, handover-plan.1, ...
    /// into DIR for a man path.
    Man(ManArgs),
}

/// Options of `admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: AdminAction,
}

/// What `admin` does.
#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Set a user's password and end its sessions.
    Password {
        /// The user name.
        #[arg(value_name = "NAME")]
        user: String,
        /// The service's SQLite file (must exist).
        #[arg(long, default_value = "handover.db", value_name = "PATH")]
        db: PathBuf,
    },
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Options of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command (handover.1, handover-plan.1, ...) into this folder instead of
    /// printing one document to standard output.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Options of `assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Date to assess (YYYY-MM-DD); levels are those at the end of the period containing it. Default: today.
    #[arg(long, value_name = "DATE", value_parser = date_arg)]
    pub at: Option<NaiveDate>,
    /// Include per-period series (level, coverage, glide paths, index) in JSON output.
    #[arg(long)]
    pub series: bool,
    /// After the table, list the sources behind each capability's figures:
    /// publisher, title and date, grade and the link to the copy read.
    #[arg(long, conflicts_with = "server")]
    pub sources: bool,
    /// Where to ask instead of computing here.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `--server` and `--token`: ask a running `handover serve`.
#[derive(Debug, Args)]
pub struct RemoteArgs {
    /// Ask a handover server (`handover serve`) instead of computing here,
    /// e.g. http://127.0.0.1:8080: the answer as the server shows it to the
    /// token's nation.
    #[arg(long, value_name = "URL", conflicts_with = "scenario")]
    pub server: Option<String>,
    /// API token for --server (made on the server with POST /api/tokens): the answer
    /// then holds what the token's nation may see. Default: $HANDOVER_TOKEN.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "HANDOVER_TOKEN",
        hide_env_values = true,
        requires = "server"
    )]
    pub token: Option<String>,
}

/// Options of `forecast`.
#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Number of samples.
    #[arg(long, default_value_t = 10_000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=u32::MAX as u64))]
    pub samples: u64,
    /// Seed of the random streams (printed in every output).
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Also write the fan chart (P10/P50/P90 of coverage per capability per period) as CSV to FILE.
    #[arg(long, value_name = "FILE")]
    pub quantiles: Option<PathBuf>,
    /// How many inputs to list in each sensitivity ranking.
    #[arg(long, default_value_t = 3, value_name = "K")]
    pub top: usize,
    /// How the inputs are drawn: `mc`, independent draws; `lhs`, a Latin
    /// hypercube (each input's draws one in each of N equal-probability
    /// strata), which lowers the spread of P(met) at equal N; the standard
    /// errors printed stay those of independent draws, an upper bound.
    #[arg(long, value_enum, default_value = "mc", value_name = "HOW")]
    pub sampling: SamplingArg,
}

/// `forecast --sampling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplingArg {
    /// Independent draws (Monte Carlo).
    Mc,
    /// Latin hypercube.
    Lhs,
}

impl From<SamplingArg> for handover_core::forecast::Sampling {
    fn from(a: SamplingArg) -> Self {
        match a {
            SamplingArg::Mc => handover_core::forecast::Sampling::Mc,
            SamplingArg::Lhs => handover_core::forecast::Sampling::Lhs,
        }
    }
}

/// Options of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Benchmark a generated scenario: `lines=300,capabilities=40,nations=35,years=11` (the
    /// default when SPEC is left out); add `seed=N` for another one of the same size.
    #[arg(long, value_name = "SPEC", num_args = 0..=1, default_missing_value = "default")]
    pub synthetic: Option<String>,
    /// Also write the synthetic scenario as a scenario folder DIR (which must not exist), so
    /// `handover forecast --scenario DIR` and other tools can run the same work.
    #[arg(long, value_name = "DIR", requires = "synthetic")]
    pub write: Option<PathBuf>,
    /// Samples per run [default: 100000, or 10000 with --synthetic].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=u32::MAX as u64))]
    pub samples: Option<u64>,
    /// Seed of the forecast.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Timed runs on all threads; the median is reported.
    #[arg(long, default_value_t = 3, value_name = "R", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
    /// Skip the single-thread run (and so the speed-up figure).
    #[arg(long)]
    pub no_single: bool,
    /// Time the planner instead of the forecast: build and solve for both objectives, orders
    /// from the start on a quarterly grid up to the horizon (coverage within 40e9 a year, cost
    /// without a budget).
    #[arg(long)]
    pub planner: bool,
    /// With --planner, also time the cost plan with --confidence 0.8 against this many sampled
    /// futures (a mixed-integer program about this many times the size of the plain one).
    #[arg(long, value_name = "S", requires = "planner", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub futures: Option<u64>,
}

/// Severities `--fail-on` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any firing trigger.
    Info,
    /// A firing trigger of severity warning or critical.
    Warning,
    /// A firing critical trigger.
    Critical,
}

impl From<FailOn> for handover_core::trigger::TriggerSeverity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Info => Self::Info,
            FailOn::Warning => Self::Warning,
            FailOn::Critical => Self::Critical,
        }
    }
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Date of metrics written without `at` (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "DATE", value_parser = date_arg)]
    pub at: Option<NaiveDate>,
    /// Exit with code 3 if a trigger of this severity or above fires.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Evaluate this rule instead of the scenario's triggers (repeatable; severity warning).
    #[arg(long, value_name = "EXPR", conflicts_with = "server")]
    pub rule: Vec<String>,
    /// Forecast samples, for rules with P(met, ...). With --server the server's own forecast is used.
    #[arg(long, default_value_t = 10_000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=u32::MAX as u64), conflicts_with = "server")]
    pub samples: u64,
    /// Forecast seed, for rules with P(met, ...).
    #[arg(long, default_value_t = 1, value_name = "S", conflicts_with = "server")]
    pub seed: u64,
    /// Where to ask instead of computing here (the server's benchmarks at --at).
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: std::net::SocketAddr,
    /// The SQLite file of the service; created (and seeded) when missing.
    #[arg(long, default_value = "handover.db", value_name = "PATH")]
    pub db: PathBuf,
    /// User name of the administrator made on first run.
    #[arg(long, default_value = "admin", value_name = "NAME")]
    pub admin_user: String,
    /// Disclosure rule: an aggregate that includes figures a caller may not see needs at least this many contributing nations.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub min_nations: usize,
    /// Disclosure rule: ... and no nation above this share of the total (0..1).
    #[arg(long, default_value_t = 0.70, value_name = "SHARE")]
    pub max_share: f64,
    /// Mark the session cookie Secure (when served behind TLS).
    #[arg(long)]
    pub secure_cookies: bool,
}

/// Options of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report format. This flag of `report` stands in for the global --format (table, json,
    /// csv), whose id it shares; `handover --format json report` still works.
    #[arg(
        id = "format",
        long = "format",
        short = 'f',
        value_name = "FORMAT",
        value_parser = EnumValueParser::<ReportFormat>::new().map(value_name),
        default_value = "html"
    )]
    pub format_name: String,
    /// Where to write: a file for HTML and JSON (standard output without it), a new folder for Markdown.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Replace an existing HTML or JSON file.
    #[arg(long)]
    pub force: bool,
    /// Date to assess (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "DATE", value_parser = date_arg)]
    pub at: Option<NaiveDate>,
    /// Forecast samples.
    #[arg(long, default_value_t = 10_000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=u32::MAX as u64))]
    pub samples: u64,
    /// Forecast seed.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Leave the forecast out (no P(met), fan charts or sensitivity).
    #[arg(long)]
    pub no_forecast: bool,
    /// Add a procurement plan, made with the plan options below (as `handover plan`).
    #[arg(long)]
    pub plan: bool,
    /// Options of the plan (with --plan).
    #[command(flatten, next_help_heading = "Plan (with --plan)")]
    pub plan_args: PlanArgs,
}

impl ReportArgs {
    /// The report format; a global `--format table|csv` before `report` is refused here.
    pub fn format(&self) -> anyhow::Result<ReportFormat> {
        ReportFormat::from_str(&self.format_name, true).map_err(|_| {
            anyhow::anyhow!(
                "--format {}: a report is written as html (the default), md or json \
                 (`handover report --format md --out DIR`); for CSV use `assess`, `forecast` or `check`",
                self.format_name
            )
        })
    }
}

/// Options of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old scenario: a folder, a JSON file or a bundled data version (`1.0.0`).
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new scenario: a folder, a JSON file or a bundled data version.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Date the coverage of both is compared at (YYYY-MM-DD). Default: NEW's start.
    #[arg(long, value_name = "DATE", value_parser = date_arg)]
    pub at: Option<NaiveDate>,
}

/// Options of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write: a file for JSON (standard output without it), a new folder for CSV.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Replace an existing JSON file.
    #[arg(long)]
    pub force: bool,
}

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    /// Maximise the weighted coverage (readiness index) at the deadline within --budget.
    Coverage,
    /// Reach every target by the deadline at least cost (within --budget, if given).
    Cost,
}

/// Spacing of order dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GridArg {
    /// An order date every month.
    Month,
    /// Every quarter.
    Quarter,
    /// Every year.
    Year,
}

/// Options of `plan`. Parsed and defaulted by `handover_core::plan::PlanOptions`,
/// as the server's `/api/plan` parameters are.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Money per year of ordering, in the scenario currency: `40e9/year`, `40e9`, `40bn/year`.
    #[arg(long, value_name = "AMOUNT[/year]", allow_hyphen_values = true)]
    pub budget: Option<String>,
    /// First order date: a year (2026), a month (2026-04) or a date. Default: today or the
    /// scenario start, whichever is later.
    #[arg(long, value_name = "WHEN")]
    pub from: Option<String>,
    /// Deadline id of the scenario (e.g. us-2027) or a date YYYY-MM-DD. Default: the first deadline.
    #[arg(long, value_name = "ID|DATE")]
    pub deadline: Option<String>,
    /// Objective [default: coverage].
    #[arg(long, value_enum)]
    pub objective: Option<ObjectiveArg>,
    /// Spacing of the dates on which orders may be placed [default: quarter].
    #[arg(long, value_enum)]
    pub grid: Option<GridArg>,
    /// Split each order's cost among European nations: `gdp`, `equal`, or a CSV FILE with columns nation,share.
    #[arg(long, value_name = "gdp|equal|FILE")]
    pub share: Option<String>,
    /// Only lines whose EU/EEA/Ukraine content share is at least this (e.g. 0.65, as SAFE requires); unknown content fails.
    #[arg(long, value_name = "SHARE")]
    pub min_european_content: Option<String>,
    /// US$ per unit of the scenario currency, to show shares as % of GDP (GDP figures are in US$).
    #[arg(long, value_name = "RATE")]
    pub usd_rate: Option<String>,
    /// Orders on existing lines only: leave the candidate investments of investments.csv out
    /// (today's behaviour before investments, for comparison).
    #[arg(long)]
    pub no_investments: bool,
    /// Industrial workshare: each European nation's share of the plan's investment capex within
    /// --workshare-tolerance of its share of this key: `gdp`, `equal`, or a CSV FILE
    /// nation,share. A plan that invests nothing meets it.
    #[arg(long, value_name = "gdp|equal|FILE")]
    pub workshare: Option<String>,
    /// How far a nation's share of the capex may be from its key share, in share points
    /// (0.1: a nation with 30 % of the key hosts 20 % to 40 % of the capex).
    #[arg(long, value_name = "SHARE", default_value_t = handover_core::plan::request::DEFAULT_WORKSHARE_TOLERANCE, value_parser = tolerance_arg)]
    pub workshare_tolerance: f64,
}

/// A `--workshare-tolerance`: a share from 0 to 1.
fn tolerance_arg(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        Ok(x) => Err(format!(
            "{x} is not a share from 0 to 1; write 0.1 for 10 points"
        )),
        Err(_) => Err(format!(
            "`{text}` is not a number; write a share such as 0.1"
        )),
    }
}

/// Options of `plan`: the plan's, and the forecast of its odds.
#[derive(Debug, Args)]
pub struct PlanCommandArgs {
    /// What to plan.
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Samples of the forecast that measures how likely the plan is to work (P(met) with and
    /// without the plan, the engine of `handover forecast`).
    #[arg(long, default_value_t = 10_000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=u32::MAX as u64))]
    pub samples: u64,
    /// Seed of that forecast.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Plan so that each target is met in at least this share of sampled futures of the
    /// scenario's uncertain inputs (sample average approximation; with --objective cost), e.g.
    /// 0.8. The forecast then checks the plan on other seeds and both figures are printed.
    #[arg(long, value_name = "SHARE", value_parser = share_arg)]
    pub confidence: Option<f64>,
    /// Futures `--confidence` plans against: more hold the plan closer to the forecast, at the
    /// cost of a larger mixed-integer program (one yes/no per target and distinct future).
    #[arg(long, default_value_t = handover_core::plan::DEFAULT_FUTURES as u64, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub futures: u64,
    /// Seed of those futures; it must differ from --seed, so that the forecast that checks the
    /// plan draws fresh futures.
    #[arg(long, default_value_t = 2, value_name = "S")]
    pub futures_seed: u64,
}

/// A `--confidence` share: above 0 and at most 1.
fn share_arg(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
        Ok(x) => Err(format!(
            "{x} is not a share above 0 and at most 1; write 0.8 for 80 %"
        )),
        Err(_) => Err(format!(
            "`{text}` is not a number; write a share such as 0.8"
        )),
    }
}

/// A `--at` date: exactly YYYY-MM-DD, as in the data files.
fn date_arg(text: &str) -> Result<NaiveDate, String> {
    handover_core::limits::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date; expected YYYY-MM-DD, e.g. 2027-12-31"))
}

/// A wrong command line found after parsing: an option's value that the
/// parser cannot judge alone (a budget, a share key, a deadline). Exits 2,
/// like the parser's own errors (docs/OUTPUT.md, "Exit codes").
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}
