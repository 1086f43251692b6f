//! Scenario types: the entities of MODEL.md as plain data.
//!
//! Field names match the scenario format (docs/FORMAT.md) so that errors can
//! name the field a user wrote.

use crate::distribution::Distribution;
use crate::time::Step;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::provenance::{is_nation_code, Origin, Provenance, Releasability};

/// Scenario settings (`[scenario]` in scenario.toml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Scenario name.
    pub name: String,
    /// What it describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `t0`, first day of a month.
    pub start: NaiveDate,
    /// Last day covered.
    pub horizon: NaiveDate,
    /// Period length.
    #[serde(default)]
    pub step: Step,
    /// Currency of unit costs.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// The group whose nations count as European.
    #[serde(default = "default_europe")]
    pub europe: String,
    /// Status tolerance: within this of the glide path is at-risk.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Months a US export approval adds before an order on a line with
    /// US-origin content can enter the line's queue (the planner uses it; 0 by default).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub us_export_approval_months: u32,
    /// The version of the data (the bundled dataset's release, e.g.
    /// `2.0.0`; data/CHANGELOG.md), printed by `assess`, reports and the
    /// dashboard. `None` where the scenario names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_version: Option<String>,
}

fn is_zero_u32(x: &u32) -> bool {
    *x == 0
}

fn default_currency() -> String {
    "EUR".into()
}
fn default_europe() -> String {
    "EUROPE".into()
}
/// The default status tolerance of MODEL.md.
pub const DEFAULT_TOLERANCE: f64 = 0.10;
fn default_tolerance() -> f64 {
    DEFAULT_TOLERANCE
}
fn default_weight() -> f64 {
    1.0
}

/// A named deadline such as `us-2027`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deadline {
    /// Identifier used in requirements and rules.
    pub id: String,
    /// The date by which the target is due.
    pub date: NaiveDate,
    /// Human name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the deadline comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// Stock (a quantity held) or flow (production per year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CapabilityKind {
    /// A quantity held.
    Stock,
    /// A production rate per year of European lines.
    Flow,
}

impl fmt::Display for CapabilityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CapabilityKind::Stock => "stock",
            CapabilityKind::Flow => "flow",
        })
    }
}

/// A capability in the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capability {
    /// Identifier, e.g. `iamd-long`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Unit of levels and targets.
    pub unit: String,
    /// Stock or flow.
    pub kind: CapabilityKind,
    /// Weight in the readiness index, `>= 0`.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Grouping for reports (e.g. a White Paper priority area).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// An intermediate target on the way to a deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    /// When.
    pub date: NaiveDate,
    /// Level due by then, in the capability's unit.
    pub level: f64,
}

/// The level Europe must field for a capability, and by when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    /// Capability id.
    pub capability: String,
    /// `T_c > 0`.
    pub target: f64,
    /// Deadline ids; `None` means every deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadlines: Option<Vec<String>>,
    /// Milestones replacing the straight glide path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A nation and its groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nation {
    /// ISO 3166-1 alpha-2 code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Groups such as `NATO`, `EU`, `EUROPE`.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// Stock held at the start date by a nation or a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holding {
    /// Nation code or group name.
    pub holder: String,
    /// A stock capability.
    pub capability: String,
    /// Units held, `>= 0`.
    pub quantity: f64,
    /// The date the figure describes, when not the start date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    /// The group whose total (a row held by that group for the same
    /// capability) already counts this row: a national part, shown per
    /// nation but not added again to the group's level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

impl Holding {
    /// Whether it counts in its holder's stock: every row except a national
    /// part of a group total (`part_of`), which that total already counts.
    pub fn counts_in_level(&self) -> bool {
        self.part_of.is_none()
    }
}

/// `U_c`: what the US provides to European defence today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsContribution {
    /// Capability id.
    pub capability: String,
    /// Level, `>= 0`.
    pub level: f64,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A production line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductionLine {
    /// Identifier.
    pub id: String,
    /// Capability produced.
    pub capability: String,
    /// Nation where the line is located.
    pub nation: String,
    /// Human name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Minimum months from order to first delivery.
    pub lead_time_months: u32,
    /// Cost of one unit in the scenario currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<f64>,
    /// Share of EU/EEA-EFTA/Ukraine content, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_eu: Option<f64>,
    /// Share of US-origin content, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_us: Option<f64>,
    /// Share of other content, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_other: Option<f64>,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// From `date` on, a line produces `units_per_year`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityStep {
    /// Line id.
    pub line: String,
    /// First date of the step.
    pub date: NaiveDate,
    /// Capacity, `>= 0`.
    pub units_per_year: f64,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// An order on a production line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Identifier.
    pub id: String,
    /// Buying nation (may be non-European).
    pub buyer: String,
    /// Line id.
    pub line: String,
    /// Units ordered, `> 0`.
    pub quantity: f64,
    /// Order date; before the start date means backlog.
    pub date: NaiveDate,
    /// Units delivered before the start date.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delivered: f64,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// A one-off removal from stock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retirement {
    /// Nation code or group.
    pub holder: String,
    /// A stock capability.
    pub capability: String,
    /// When.
    pub date: NaiveDate,
    /// Units, `> 0`.
    pub quantity: f64,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// Removal from stock at a rate (use, donation, attrition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consumption {
    /// Nation code or group.
    pub holder: String,
    /// A stock capability.
    pub capability: String,
    /// First date.
    pub from: NaiveDate,
    /// Last date; `None` runs to the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Rate, `> 0`.
    pub units_per_year: f64,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// GDP and defence spending of a nation in a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Economics {
    /// Nation code.
    pub nation: String,
    /// Calendar year.
    pub year: i32,
    /// GDP, million US$.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gdp_musd: Option<f64>,
    /// Defence expenditure, million US$.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defence_musd: Option<f64>,
    /// Defence expenditure, % of GDP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defence_pct_gdp: Option<f64>,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A candidate investment in production capacity (investments.csv): the
/// expansion of an existing line, or a new line, that the planner may
/// choose (docs/PLANNER.md). Figures a source does not give stay `None`,
/// and the planner says the candidate cannot be planned without them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investment {
    /// Identifier; the planned capacity becomes a line of this id.
    pub id: String,
    /// Capability the new capacity produces.
    pub capability: String,
    /// Nation where the capacity is built (an expansion: the line's nation).
    pub nation: String,
    /// The existing line expanded; `None` for a new line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// Human name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Largest capacity the investment may add, units a year, `> 0`.
    pub max_units_per_year: f64,
    /// Whole steps it comes in, units a year (a plant); `None`: any size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
    /// Months from the decision to first output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_to_first_output: Option<u32>,
    /// Months from the decision to full rate (`>= months_to_first_output`);
    /// `None`: full rate at first output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_to_full_rate: Option<u32>,
    /// Capital cost of `max_units_per_year`, scenario currency; a smaller
    /// size costs its share (linear).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capex: Option<f64>,
    /// Cost of one unit of output (a new line; an expansion defaults to its line's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<f64>,
    /// Months from order to first delivery (a new line; an expansion: its line's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_time_months: Option<u32>,
    /// Share of EU/EEA-EFTA/Ukraine content, 0..1 (an expansion defaults to its line's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_eu: Option<f64>,
    /// Share of US-origin content, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_us: Option<f64>,
    /// Share of other content, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_other: Option<f64>,
    /// Skilled workers needed per unit of annual capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers_per_unit: Option<f64>,
    /// Earliest date it may be decided (e.g. when a site is approved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<NaiveDate>,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// Skilled workers a nation, or a group's industry where only a total is
/// known, can hire in a year (workforce.csv).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workforce {
    /// Nation code or group.
    pub nation: String,
    /// Calendar year.
    pub year: i32,
    /// Workers available to hire in that year, `>= 0`.
    pub workers: f64,
    /// Source and marking.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// How far a source can be trusted on its own (sources.csv `grade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SourceGrade {
    /// A government, NATO, EU or company statement of its own.
    Official,
    /// A think tank or peer-reviewed study.
    Research,
    /// A news report.
    Press,
    /// A forum, tag page, re-post of unclear origin or unattributed
    /// re-report: a figure resting on it alone is flagged by `validate`.
    Aggregator,
}

impl SourceGrade {
    /// Every grade, in the order of trust.
    pub const ALL: [SourceGrade; 4] = [
        SourceGrade::Official,
        SourceGrade::Research,
        SourceGrade::Press,
        SourceGrade::Aggregator,
    ];

    /// Its name in sources.csv.
    pub fn name(self) -> &'static str {
        match self {
            SourceGrade::Official => "official",
            SourceGrade::Research => "research",
            SourceGrade::Press => "press",
            SourceGrade::Aggregator => "aggregator",
        }
    }
}

impl fmt::Display for SourceGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for SourceGrade {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SourceGrade::ALL
            .into_iter()
            .find(|g| g.name() == s)
            .ok_or_else(|| {
                format!("`{s}` is not a grade; expected official, research, press or aggregator")
            })
    }
}

/// A publication figures cite by its id (sources.csv).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Identifier rows cite in their `source` column.
    pub id: String,
    /// Who published the original (CSIS, Reuters).
    pub publisher: String,
    /// Its title.
    pub title: String,
    /// Its author(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Its date as published: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The original's URL, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The URL of the copy that was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_url: Option<String>,
    /// How far it can be trusted on its own.
    pub grade: SourceGrade,
    /// Marking and note (its own `source` column is unused).
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

impl Source {
    /// How a reader sees it: `publisher, "title", date`.
    pub fn citation(&self) -> String {
        let mut out = format!("{}, \"{}\"", self.publisher, self.title);
        if let Some(d) = &self.date {
            out.push_str(", ");
            out.push_str(d);
        }
        out
    }

    /// The link to follow: the copy read, else the original.
    pub fn link(&self) -> Option<&str> {
        self.copy_url.as_deref().or(self.url.as_deref())
    }
}

/// A table of a scenario ([`crate::table`]); the name uncertain figures use.
pub type Table = crate::table::TableId;

/// An uncertain figure: a distribution written where a number would go, or a
/// `delay(...)` added to a date. The record itself holds the nominal value:
/// the median for a number, the written date for a delayed date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    /// Table.
    pub table: Table,
    /// 0-based row in that table.
    pub row: usize,
    /// Field (column) name.
    pub field: String,
    /// The distribution, in the cell syntax.
    #[serde(serialize_with = "ser_dist", deserialize_with = "de_dist")]
    pub distribution: Distribution,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
}

fn ser_dist<S: serde::Serializer>(d: &Distribution, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn de_dist<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Distribution, D::Error> {
    let text = String::deserialize(d)?;
    Distribution::parse(&text).map_err(serde::de::Error::custom)
}

/// A whole scenario, as read and before validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// Settings.
    pub scenario: Settings,
    /// Named deadlines.
    #[serde(default)]
    pub deadlines: Vec<Deadline>,
    /// Capability catalogue.
    #[serde(default)]
    pub capabilities: Vec<Capability>,
    /// Requirements.
    #[serde(default)]
    pub requirements: Vec<Requirement>,
    /// Nations.
    #[serde(default)]
    pub nations: Vec<Nation>,
    /// Holdings at the start.
    #[serde(default)]
    pub holdings: Vec<Holding>,
    /// US contributions.
    #[serde(default)]
    pub us_contributions: Vec<UsContribution>,
    /// Production lines.
    #[serde(default)]
    pub lines: Vec<ProductionLine>,
    /// Capacity steps.
    #[serde(default)]
    pub capacity: Vec<CapacityStep>,
    /// Orders.
    #[serde(default)]
    pub orders: Vec<Order>,
    /// One-off removals.
    #[serde(default)]
    pub retirements: Vec<Retirement>,
    /// Removals at a rate.
    #[serde(default)]
    pub consumption: Vec<Consumption>,
    /// GDP and spending.
    #[serde(default)]
    pub economics: Vec<Economics>,
    /// Candidate investments in capacity, for the planner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub investments: Vec<Investment>,
    /// Workers available to hire, for the planner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workforce: Vec<Workforce>,
    /// The publications rows cite by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// Uncertain figures, for the forecast.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertainty: Vec<Uncertainty>,
    /// Benchmarks: rules over the metrics and the action each calls for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<crate::rule::Trigger>,
}

impl Scenario {
    /// An empty scenario with the given settings.
    pub fn new(settings: Settings) -> Self {
        Scenario {
            scenario: settings,
            deadlines: vec![],
            capabilities: vec![],
            requirements: vec![],
            nations: vec![],
            holdings: vec![],
            us_contributions: vec![],
            lines: vec![],
            capacity: vec![],
            orders: vec![],
            retirements: vec![],
            consumption: vec![],
            economics: vec![],
            investments: vec![],
            workforce: vec![],
            sources: vec![],
            uncertainty: vec![],
            triggers: vec![],
        }
    }

    /// The distribution given for a field of a row, if any.
    pub fn uncertainty_of(&self, table: Table, row: usize, field: &str) -> Option<&Distribution> {
        self.uncertainty
            .iter()
            .find(|u| u.table == table && u.row == row && u.field == field)
            .map(|u| &u.distribution)
    }

    /// Whole months by which the nominal run shifts a dated row: the median of
    /// its `delay(...)`, rounded to the nearest month; 0 without one.
    pub fn nominal_delay_months(&self, table: Table, row: usize) -> i32 {
        self.uncertainty_of(table, row, "date")
            .map(|d| d.median().round() as i32)
            .unwrap_or(0)
    }

    /// The capability with this id.
    pub fn capability(&self, id: &str) -> Option<&Capability> {
        self.capabilities.iter().find(|c| c.id == id)
    }

    /// The requirement of this capability.
    pub fn requirement(&self, capability: &str) -> Option<&Requirement> {
        self.requirements
            .iter()
            .find(|r| r.capability == capability)
    }

    /// The deadline with this id.
    pub fn deadline(&self, id: &str) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.id == id)
    }

    /// Whether nation `code` belongs to the European group.
    pub fn is_european_nation(&self, code: &str) -> bool {
        self.nations
            .iter()
            .any(|n| n.code == code && n.groups.contains(&self.scenario.europe))
    }

    /// Whether a holder (nation code or group) counts as European.
    pub fn is_european_holder(&self, holder: &str) -> bool {
        holder == self.scenario.europe || self.is_european_nation(holder)
    }

    /// Every group named by some nation.
    pub fn groups(&self) -> Vec<&str> {
        let mut g: Vec<&str> = self
            .nations
            .iter()
            .flat_map(|n| n.groups.iter().map(String::as_str))
            .collect();
        g.sort_unstable();
        g.dedup();
        g
    }

    /// The source with this id (sources.csv).
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// What a `source` cell cites, one entry per ` ; `-separated item: the
    /// source of that id where sources.csv has it, else the text as written
    /// (a URL or a free-text citation, as scenarios without sources.csv have).
    pub fn cited<'a>(&'a self, source: &'a str) -> Vec<Cited<'a>> {
        source_items(source)
            .map(|item| match self.source(item) {
                Some(s) => Cited::Source(s),
                None => Cited::Text(item),
            })
            .collect()
    }

    /// The `source` items cited by the rows behind capability `cap` (its
    /// requirement, holdings, US contribution, lines, their capacity steps
    /// and orders), each once, in that order.
    pub fn sources_of(&self, cap: &str) -> Vec<&str> {
        let lines: Vec<&str> = self
            .lines
            .iter()
            .filter(|l| l.capability == cap)
            .map(|l| l.id.as_str())
            .collect();
        let cells = self
            .requirements
            .iter()
            .filter(|r| r.capability == cap)
            .map(|r| &r.provenance)
            .chain(
                self.holdings
                    .iter()
                    .filter(|h| h.capability == cap)
                    .map(|h| &h.provenance),
            )
            .chain(
                self.us_contributions
                    .iter()
                    .filter(|u| u.capability == cap)
                    .map(|u| &u.provenance),
            )
            .chain(
                self.lines
                    .iter()
                    .filter(|l| l.capability == cap)
                    .map(|l| &l.provenance),
            )
            .chain(
                self.capacity
                    .iter()
                    .filter(|c| lines.contains(&c.line.as_str()))
                    .map(|c| &c.provenance),
            )
            .chain(
                self.orders
                    .iter()
                    .filter(|o| lines.contains(&o.line.as_str()))
                    .map(|o| &o.provenance),
            );
        let mut out: Vec<&str> = vec![];
        for p in cells {
            for item in p.source.as_deref().map(source_items).into_iter().flatten() {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
        }
        out
    }

    /// One `source` item as a reader sees it.
    pub fn citation(&self, item: &str) -> Citation {
        let cited = match self.source(item) {
            Some(s) => Cited::Source(s),
            None => Cited::Text(item),
        };
        Citation {
            source: item.to_string(),
            citation: cited.citation(),
            link: cited.link().map(str::to_string),
            grade: cited.grade(),
        }
    }

    /// Every item of a `source` cell as a reader sees it.
    pub fn citations(&self, source: Option<&str>) -> Vec<Citation> {
        source
            .map(source_items)
            .into_iter()
            .flatten()
            .map(|item| self.citation(item))
            .collect()
    }
}

/// A `source` item as reports, the dashboard and `assess --sources` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Citation {
    /// The item as cited: an id of sources.csv, or a URL or citation as written.
    pub source: String,
    /// Publisher, "title", date (sources.csv), else the text as written.
    pub citation: String,
    /// The link to follow: the copy that was read (a URL written out is its own link).
    pub link: Option<String>,
    /// Its grade, where sources.csv has the item.
    pub grade: Option<SourceGrade>,
}

/// The items of a `source` cell: split at `;`, trimmed, empty ones dropped.
pub fn source_items(source: &str) -> impl Iterator<Item = &str> {
    source.split(';').map(str::trim).filter(|x| !x.is_empty())
}

/// One item a `source` cell cites.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cited<'a> {
    /// A source of sources.csv, by its id.
    Source(&'a Source),
    /// A URL or citation written out (no such id in sources.csv).
    Text(&'a str),
}

impl Cited<'_> {
    /// How a reader sees it: the source's citation, or the text.
    pub fn citation(&self) -> String {
        match self {
            Cited::Source(s) => s.citation(),
            Cited::Text(t) => t.to_string(),
        }
    }

    /// The link to follow, where there is one.
    pub fn link(&self) -> Option<&str> {
        match self {
            Cited::Source(s) => s.link(),
            Cited::Text(t) if t.starts_with("http://") || t.starts_with("https://") => Some(t),
            Cited::Text(_) => None,
        }
    }

    /// Its grade, where it is a source of sources.csv.
    pub fn grade(&self) -> Option<SourceGrade> {
        match self {
            Cited::Source(s) => Some(s.grade),
            Cited::Text(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releasability_round_trips() {
        for s in ["public", "nato", "eu", "national", "rel:DE,FR"] {
            let r: Releasability = s.parse().unwrap();
            assert_eq!(r.to_string(), s);
        }
        assert_eq!(
            "rel:DE+PL".parse::<Releasability>().unwrap(),
            Releasability::Rel(vec!["DE".into(), "PL".into()])
        );
        assert_eq!("".parse::<Releasability>().unwrap(), Releasability::Public);
        assert!("rel:".parse::<Releasability>().is_err());
        assert!("rel:de".parse::<Releasability>().is_err());
        assert!("secret".parse::<Releasability>().is_err());
    }
}
