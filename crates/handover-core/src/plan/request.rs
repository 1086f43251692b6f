//! What to plan: the request, its options as a user writes them (command
//! line flags or query parameters), their parsing and their defaults. The
//! command line and the server both build their requests here, so a budget,
//! a date or a default means the same on both.

use crate::scenario::{Origin, Scenario};
use crate::time::Step;
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;

/// What the plan optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// Maximise the weighted coverage (readiness index) at the deadline within the budget.
    Coverage,
    /// Reach every reachable target by the deadline at least cost (within the budget, if given).
    Cost,
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Objective::Coverage => "coverage",
            Objective::Cost => "cost",
        })
    }
}

/// One row of a burden-sharing key given by the user.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareRow {
    /// Nation code.
    pub nation: String,
    /// Share (any non-negative weight; normalised to sum 1).
    pub share: f64,
    /// Where it was read, for messages.
    pub origin: Origin,
}

/// How each order's cost is split among European nations.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ShareKey {
    /// By GDP (latest year in the economics table; implied from defence spending where GDP is not given).
    #[default]
    Gdp,
    /// Equal shares for every European nation.
    Equal,
    /// Shares given by the user.
    Custom(Vec<ShareRow>),
}

/// The default `--workshare-tolerance`.
pub const DEFAULT_WORKSHARE_TOLERANCE: f64 = 0.1;

/// What to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// The objective.
    pub objective: Objective,
    /// Money available per year of ordering, in the scenario currency; required for `Coverage`.
    pub budget_per_year: Option<f64>,
    /// First date an order may be placed.
    pub from: NaiveDate,
    /// A deadline id of the scenario, or a date `YYYY-MM-DD`.
    pub deadline: String,
    /// Spacing of the dates on which orders may be placed.
    pub grid: Step,
    /// Burden-sharing key; `None`: no split reported.
    pub share: Option<ShareKey>,
    /// Only lines with at least this EU/EEA/Ukraine content share (unknown content fails the rule).
    pub min_european_content: Option<f64>,
    /// US$ per unit of the scenario currency, to express shares as % of GDP (GDP is in US$);
    /// not needed when the scenario currency is USD.
    pub usd_per_currency: Option<f64>,
    /// Whether the plan may invest in capacity from investments.csv
    /// (`--no-investments`: orders on existing lines only).
    pub investments: bool,
    /// `--workshare`: each nation's share of the investment within
    /// `workshare_tolerance` of its share of this key. Default: none.
    pub workshare: Option<ShareKey>,
    /// Tolerance of the workshare rule, in share points (default 0.1).
    pub workshare_tolerance: f64,
}

impl PlanRequest {
    /// A request with the defaults: quarterly grid, no share key, no content rule.
    pub fn new(objective: Objective, from: NaiveDate, deadline: &str) -> Self {
        PlanRequest {
            objective,
            budget_per_year: None,
            from,
            deadline: deadline.to_string(),
            grid: Step::Quarter,
            share: None,
            min_european_content: None,
            usd_per_currency: None,
            investments: true,
            workshare: None,
            workshare_tolerance: DEFAULT_WORKSHARE_TOLERANCE,
        }
    }
}

/// The options of a plan request, as a user names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanOption {
    /// `objective`: `coverage` or `cost`.
    Objective,
    /// `budget`: money per year of ordering.
    Budget,
    /// `from`: first order date.
    From,
    /// `deadline`: a deadline id or a date.
    Deadline,
    /// `grid`: spacing of order dates.
    Grid,
    /// `share`: burden-sharing key.
    Share,
    /// `min_european_content`: the content rule.
    MinEuropeanContent,
    /// `usd_rate`: US$ per unit of the scenario currency.
    UsdRate,
}

impl PlanOption {
    /// Every option, in the order of `handover plan --help`.
    pub const ALL: [PlanOption; 8] = [
        PlanOption::Budget,
        PlanOption::From,
        PlanOption::Deadline,
        PlanOption::Objective,
        PlanOption::Grid,
        PlanOption::Share,
        PlanOption::MinEuropeanContent,
        PlanOption::UsdRate,
    ];

    /// The name as a query parameter (`min_european_content`).
    pub fn name(self) -> &'static str {
        match self {
            PlanOption::Objective => "objective",
            PlanOption::Budget => "budget",
            PlanOption::From => "from",
            PlanOption::Deadline => "deadline",
            PlanOption::Grid => "grid",
            PlanOption::Share => "share",
            PlanOption::MinEuropeanContent => "min_european_content",
            PlanOption::UsdRate => "usd_rate",
        }
    }

    /// The name as a command-line flag (`--min-european-content`).
    pub fn flag(self) -> String {
        format!("--{}", self.name().replace('_', "-"))
    }

    /// The option of a query parameter name.
    pub fn from_name(name: &str) -> Option<PlanOption> {
        PlanOption::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// A plan option that cannot be used: which one, what was given, what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}", option.flag(), self.tail())]
pub struct RequestError {
    /// The option at fault.
    pub option: PlanOption,
    /// What was given, if anything was.
    pub given: Option<String>,
    /// What is wrong and what is expected.
    pub message: String,
}

impl RequestError {
    fn new(option: PlanOption, given: Option<&str>, message: impl Into<String>) -> Self {
        RequestError {
            option,
            given: given.map(str::to_string),
            message: message.into(),
        }
    }

    /// The message without the flag, for an API error whose `field` names the
    /// parameter: "`forty` is not a number; expected ...".
    pub fn detail(&self) -> String {
        match &self.given {
            Some(g) => format!("`{g}` {}", self.message),
            None => self.message.clone(),
        }
    }

    fn tail(&self) -> String {
        match &self.given {
            Some(_) => format!(" {}", self.detail()),
            None => format!(": {}", self.message),
        }
    }
}

/// Parse an objective: `coverage` or `cost`.
pub fn parse_objective(text: &str) -> Result<Objective, RequestError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "coverage" => Ok(Objective::Coverage),
        "cost" => Ok(Objective::Cost),
        _ => Err(RequestError::new(
            PlanOption::Objective,
            Some(text),
            "is not an objective; expected coverage or cost",
        )),
    }
}

/// Parse a budget per year: `40e9/year`, `40e9`, `40bn/year`, `40bn/yr`,
/// `2_500m`, `1,5e9`: an amount in the scenario currency, with an optional
/// scale (`k`, `m`, `b`/`bn`) and an optional per-year suffix (`/year`,
/// `/yr`, `/y`, `/a`, `per year`).
pub fn parse_budget(text: &str) -> Result<f64, RequestError> {
    let t = text.trim().to_ascii_lowercase();
    let body = ["/year", "/yr", "/y", "/a", " per year", "/an"]
        .iter()
        .find_map(|s| t.strip_suffix(s))
        .unwrap_or(&t)
        .trim();
    let (num, scale) = [("bn", 1e9), ("b", 1e9), ("m", 1e6), ("k", 1e3)]
        .iter()
        .find_map(|(s, f)| body.strip_suffix(s).map(|b| (b.trim(), *f)))
        .unwrap_or((body, 1.0));
    let cleaned: String = num.chars().filter(|c| *c != '_' && *c != ',').collect();
    match cleaned.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 && !cleaned.is_empty() => Ok(x * scale),
        Ok(x) if x < 0.0 => Err(RequestError::new(
            PlanOption::Budget,
            Some(text),
            "is negative; expected a non-negative amount per year in the scenario currency, such as 40e9/year, 40e9 or 40bn/year",
        )),
        _ => Err(RequestError::new(
            PlanOption::Budget,
            Some(text),
            "is not a number; expected a non-negative amount per year in the scenario currency, such as 40e9/year, 40e9 or 40bn/year",
        )),
    }
}

/// Parse a first order date: a year (`2026`: 1 January), a month
/// (`2026-04`: its first day) or a date (`2026-04-15`).
pub fn parse_from(text: &str) -> Result<NaiveDate, RequestError> {
    let t = text.trim();
    let parsed = if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse::<i32>()
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
    } else if t.len() == 7 {
        crate::limits::parse_date(&format!("{t}-01"))
    } else {
        crate::limits::parse_date(t)
    };
    parsed.ok_or_else(|| {
        RequestError::new(
            PlanOption::From,
            Some(text),
            "is not a date; expected a year (2026), a month (2026-04) or a date (2026-04-15)",
        )
    })
}

/// Parse an order grid: `month`, `quarter` or `year`.
pub fn parse_grid(text: &str) -> Result<Step, RequestError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "month" => Ok(Step::Month),
        "quarter" => Ok(Step::Quarter),
        "year" => Ok(Step::Year),
        _ => Err(RequestError::new(
            PlanOption::Grid,
            Some(text),
            "is not a grid; expected month, quarter or year",
        )),
    }
}

/// A burden-sharing key as named by the user.
#[derive(Debug, Clone, PartialEq)]
pub enum ShareChoice {
    /// `gdp` or `equal`.
    Key(ShareKey),
    /// Anything else: a CSV file `nation,share`, read by the caller (core does no I/O).
    File(String),
}

/// Parse a share key: `gdp`, `equal`, or else a file name.
pub fn parse_share(text: &str) -> Result<ShareChoice, RequestError> {
    match text.trim() {
        "" => Err(RequestError::new(
            PlanOption::Share,
            Some(text),
            "is not a share key; expected gdp, equal, or a CSV file nation,share",
        )),
        "gdp" => Ok(ShareChoice::Key(ShareKey::Gdp)),
        "equal" => Ok(ShareChoice::Key(ShareKey::Equal)),
        file => Ok(ShareChoice::File(file.to_string())),
    }
}

/// Parse a number option (`min_european_content`, `usd_rate`).
fn parse_number(option: PlanOption, text: &str, expected: &str) -> Result<f64, RequestError> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(RequestError::new(option, Some(text), expected)),
    }
}

/// Parse the content rule: a share between 0 and 1 (`0.65`, as SAFE requires).
pub fn parse_min_european_content(text: &str) -> Result<f64, RequestError> {
    parse_number(
        PlanOption::MinEuropeanContent,
        text,
        "is not a share; expected a number between 0 and 1, such as 0.65",
    )
}

/// Parse an exchange rate: US$ per unit of the scenario currency, positive.
pub fn parse_usd_rate(text: &str) -> Result<f64, RequestError> {
    match parse_number(
        PlanOption::UsdRate,
        text,
        "is not a rate; expected a positive number, such as 1.08",
    ) {
        Ok(x) if x > 0.0 => Ok(x),
        Ok(_) => Err(RequestError::new(
            PlanOption::UsdRate,
            Some(text),
            "is not a rate; expected a positive number, such as 1.08",
        )),
        Err(e) => Err(e),
    }
}

/// The options of a plan as given, as text; `None`: not given (the default
/// applies). [`PlanOptions::request`] parses them and fills in the defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanOptions {
    /// `coverage` (default) or `cost`.
    pub objective: Option<String>,
    /// Money per year: `40e9/year`, `40e9`, `40bn/year`; required for `coverage`.
    pub budget: Option<String>,
    /// First order date: year, month or date. Default: today or the scenario start, whichever is later.
    pub from: Option<String>,
    /// Deadline id or date `YYYY-MM-DD`. Default: the scenario's first deadline.
    pub deadline: Option<String>,
    /// `month`, `quarter` (default) or `year`.
    pub grid: Option<String>,
    /// The burden-sharing key, already resolved ([`parse_share`] names it; the
    /// caller reads a key file). Default: none.
    pub share: Option<ShareKey>,
    /// The content rule, a share 0..1. Default: none.
    pub min_european_content: Option<String>,
    /// US$ per unit of the scenario currency. Default: none.
    pub usd_rate: Option<String>,
}

/// The default first order date: `today` or the scenario start, whichever is
/// later, so that no plan proposes an order in the past.
pub fn default_from(s: &Scenario, today: NaiveDate) -> NaiveDate {
    today.max(s.scenario.start)
}

impl PlanOptions {
    /// Set an option by its query-parameter name; `false` if no option has that name.
    pub fn set(&mut self, name: &str, value: &str) -> bool {
        let slot = match PlanOption::from_name(name) {
            Some(PlanOption::Objective) => &mut self.objective,
            Some(PlanOption::Budget) => &mut self.budget,
            Some(PlanOption::From) => &mut self.from,
            Some(PlanOption::Deadline) => &mut self.deadline,
            Some(PlanOption::Grid) => &mut self.grid,
            Some(PlanOption::MinEuropeanContent) => &mut self.min_european_content,
            Some(PlanOption::UsdRate) => &mut self.usd_rate,
            Some(PlanOption::Share) | None => return false,
        };
        *slot = Some(value.to_string());
        true
    }

    /// The request these options ask for on scenario `s`, with the defaults
    /// filled in. `today` is the caller's date (core reads no clock): `from`
    /// defaults to it, or to the scenario start if that is later.
    pub fn request(&self, s: &Scenario, today: NaiveDate) -> Result<PlanRequest, RequestError> {
        let objective = match &self.objective {
            Some(t) => parse_objective(t)?,
            None => Objective::Coverage,
        };
        let budget = self.budget.as_deref().map(parse_budget).transpose()?;
        if objective == Objective::Coverage && budget.is_none() {
            return Err(RequestError::new(
                PlanOption::Budget,
                None,
                "the coverage objective needs --budget, money per year such as 40e9/year \
                 (budget=40e9 on the API); or choose the cost objective",
            ));
        }
        let from = match &self.from {
            Some(t) => parse_from(t)?,
            None => default_from(s, today),
        };
        let deadline = match &self.deadline {
            Some(d) => d.trim().to_string(),
            None => s.deadlines.first().map(|d| d.id.clone()).ok_or_else(|| {
                RequestError::new(
                    PlanOption::Deadline,
                    None,
                    "the scenario has no deadline: give a date YYYY-MM-DD",
                )
            })?,
        };
        let mut r = PlanRequest::new(objective, from, &deadline);
        r.budget_per_year = budget;
        if let Some(g) = &self.grid {
            r.grid = parse_grid(g)?;
        }
        r.share = self.share.clone();
        r.min_european_content = self
            .min_european_content
            .as_deref()
            .map(parse_min_european_content)
            .transpose()?;
        r.usd_per_currency = self.usd_rate.as_deref().map(parse_usd_rate).transpose()?;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn budgets_parse_with_or_without_per_year() {
        assert_eq!(parse_budget("40e9/year").unwrap(), 40e9);
        assert_eq!(parse_budget("40e9").unwrap(), 40e9);
        assert_eq!(parse_budget("40bn/yr").unwrap(), 40e9);
        assert_eq!(parse_budget("40bn/year").unwrap(), 40e9);
        assert_eq!(parse_budget("2_500m").unwrap(), 2.5e9);
        let e = parse_budget("forty/year").unwrap_err();
        assert_eq!(e.option, PlanOption::Budget);
        assert!(
            e.to_string()
                .starts_with("--budget `forty/year` is not a number; "),
            "{e}"
        );
        assert!(
            e.detail()
                .starts_with("`forty/year` is not a number; expected"),
            "{e}"
        );
        assert!(parse_budget("-1e9").is_err());
        assert!(parse_budget("/year").is_err());
    }

    #[test]
    fn from_takes_year_month_or_date() {
        assert_eq!(parse_from("2026").unwrap(), d("2026-01-01"));
        assert_eq!(parse_from("2026-04").unwrap(), d("2026-04-01"));
        assert_eq!(parse_from("2026-04-15").unwrap(), d("2026-04-15"));
        assert!(parse_from("26").unwrap_err().to_string().contains("--from"));
        assert!(parse_from("20x6").is_err());
    }

    #[test]
    fn every_option_names_its_flag_and_parameter() {
        for o in PlanOption::ALL {
            assert_eq!(PlanOption::from_name(o.name()), Some(o));
            assert_eq!(o.flag(), format!("--{}", o.name().replace('_', "-")));
        }
        assert_eq!(
            PlanOption::MinEuropeanContent.flag(),
            "--min-european-content"
        );
        assert_eq!(parse_grid("week").unwrap_err().option, PlanOption::Grid);
        assert_eq!(
            parse_objective("fastest").unwrap_err().option,
            PlanOption::Objective
        );
        assert_eq!(parse_usd_rate("0").unwrap_err().option, PlanOption::UsdRate);
        let e = parse_min_european_content("most").unwrap_err().to_string();
        assert!(e.starts_with("--min-european-content `most`"), "{e}");
        assert_eq!(parse_share("gdp").unwrap(), ShareChoice::Key(ShareKey::Gdp));
        assert_eq!(
            parse_share("k.csv").unwrap(),
            ShareChoice::File("k.csv".into())
        );
    }

    #[test]
    fn from_defaults_to_today_or_the_scenario_start_whichever_is_later() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2031-12-31")
            .nation("DE", &["EUROPE"])
            .stock("x", 10.0)
            .build();
        let opts = PlanOptions {
            objective: Some("cost".into()),
            ..PlanOptions::default()
        };
        // Today after the start: today.
        let r = opts.request(&s, d("2026-12-03")).unwrap();
        assert_eq!(r.from, d("2026-12-03"));
        // Today before the start: the start.
        let r = opts.request(&s, d("2025-06-30")).unwrap();
        assert_eq!(r.from, d("2026-01-01"));
        assert_eq!(default_from(&s, d("2026-01-01")), d("2026-01-01"));
        // Given: as given, whatever today is.
        let mut given = opts.clone();
        given.from = Some("2027-04".into());
        assert_eq!(
            given.request(&s, d("2026-12-03")).unwrap().from,
            d("2027-04-01")
        );
    }

    #[test]
    fn request_defaults_and_errors_name_the_option() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2031-12-31")
            .nation("DE", &["EUROPE"])
            .stock("x", 10.0)
            .build();
        let today = d("2026-12-03");
        // Coverage is the default objective and needs a budget.
        let e = PlanOptions::default().request(&s, today).unwrap_err();
        assert_eq!((e.option, e.given.clone()), (PlanOption::Budget, None));
        let mut o = PlanOptions::default();
        assert!(o.set("budget", "40bn/year"));
        assert!(o.set("grid", "year"));
        assert!(!o.set("colour", "red"));
        let r = o.request(&s, today).unwrap();
        assert_eq!(r.objective, Objective::Coverage);
        assert_eq!(r.budget_per_year, Some(40e9));
        assert_eq!(r.grid, Step::Year);
        assert_eq!(r.deadline, s.deadlines[0].id);
        assert_eq!(
            PlanOptions {
                objective: Some("cost".into()),
                ..PlanOptions::default()
            }
            .request(&s, today)
            .unwrap()
            .grid,
            Step::Quarter
        );
        o.set("usd_rate", "-2");
        assert_eq!(
            o.request(&s, today).unwrap_err().option,
            PlanOption::UsdRate
        );
    }
}
