//! `scenario.toml`: settings, deadlines, capabilities and requirements.

use chrono::NaiveDate;
use handover_core::distribution::Distribution;
use handover_core::scenario::{
    Capability, CapabilityKind, Deadline, Milestone, Origin, Provenance, Releasability,
    Requirement, Settings,
};
use handover_core::scenario::{Table, Uncertainty};
use handover_core::time::Step;
use handover_core::validate::Problem;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// File name of the settings file.
pub const FILE: &str = "scenario.toml";

/// A date written either as a TOML date (`2027-12-31`) or a string (`"2027-12-31"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TomlDate(pub NaiveDate);

impl<'de> Deserialize<'de> for TomlDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = toml::Value::deserialize(d)?;
        let text = match &v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(dt) => dt.to_string(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a date YYYY-MM-DD, found {}",
                    other.type_str()
                )))
            }
        };
        handover_core::limits::parse_date(&text)
            .map(TomlDate)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("`{text}` is not a date; expected YYYY-MM-DD"))
            })
    }
}

impl Serialize for TomlDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    start: TomlDate,
    horizon: TomlDate,
    #[serde(default)]
    step: Step,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    europe: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tolerance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    us_export_approval_months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_version: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    id: String,
    date: TomlDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawCapability {
    id: String,
    name: String,
    unit: String,
    kind: CapabilityKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    area: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawMilestone {
    date: TomlDate,
    level: f64,
}

/// A figure written as a number or as a distribution string (`"triangular(80, 89, 100)"`).
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// A plain number.
    Number(f64),
    /// A distribution; its median is the nominal value.
    Uncertain(Distribution),
}

impl<'de> Deserialize<'de> for Figure {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(d)? {
            toml::Value::Integer(i) => Ok(Figure::Number(i as f64)),
            toml::Value::Float(x) => Ok(Figure::Number(x)),
            toml::Value::String(text) => {
                Distribution::parse(&text)
                    .map(Figure::Uncertain)
                    .map_err(|e| {
                        serde::de::Error::custom(format!(
                            "`{text}` is not a valid distribution: {e}"
                        ))
                    })
            }
            other => Err(serde::de::Error::custom(format!(
                "expected a number or a distribution string, found {}",
                other.type_str()
            ))),
        }
    }
}

impl Serialize for Figure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Figure::Number(x) => s.serialize_f64(*x),
            Figure::Uncertain(d) => s.collect_str(d),
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    capability: String,
    target: Figure,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deadlines: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    milestones: Vec<RawMilestone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    releasability: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    estimate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    scenario: RawSettings,
    #[serde(default)]
    deadline: Vec<Spanned<RawDeadline>>,
    #[serde(default)]
    capability: Vec<Spanned<RawCapability>>,
    #[serde(default)]
    requirement: Vec<Spanned<RawRequirement>>,
    #[serde(default)]
    trigger: Vec<Spanned<crate::triggers_file::RawTrigger>>,
}

#[derive(Serialize)]
struct WriteFile<'a> {
    scenario: &'a RawSettings,
    deadline: Vec<RawDeadline>,
    capability: Vec<RawCapability>,
    requirement: Vec<RawRequirement>,
}

/// What scenario.toml holds.
#[derive(Debug, Clone)]
pub struct TomlPart {
    /// Settings.
    pub settings: Settings,
    /// Deadlines.
    pub deadlines: Vec<Deadline>,
    /// Capabilities.
    pub capabilities: Vec<Capability>,
    /// Requirements.
    pub requirements: Vec<Requirement>,
    /// Uncertain requirement targets.
    pub uncertainty: Vec<Uncertainty>,
    /// `[[trigger]]` tables written in scenario.toml.
    pub triggers: Vec<handover_core::trigger::Trigger>,
}

pub use crate::text::line_of;

/// Parse scenario.toml; problems name the line.
pub fn parse(file: &str, text: &str) -> Result<TomlPart, Vec<Problem>> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let origin = Origin {
            file: file.to_string(),
            line: e.span().map(|s| line_of(text, s.start)),
            record: None,
            row: None,
        };
        let field = e
            .message()
            .split('`')
            .nth(1)
            .filter(|_| e.message().contains("field"))
            .unwrap_or("")
            .to_string();
        vec![Problem::error(
            &origin,
            &field,
            e.message().trim().to_string(),
        )]
    })?;
    let mut problems = vec![];
    let origin = |span: std::ops::Range<usize>| Origin::line(file, line_of(text, span.start));
    let s = raw.scenario;
    let settings = Settings {
        name: s.name,
        description: s.description,
        start: s.start.0,
        horizon: s.horizon.0,
        step: s.step,
        currency: s.currency.unwrap_or_else(|| "EUR".into()),
        europe: s.europe.unwrap_or_else(|| "EUROPE".into()),
        tolerance: s
            .tolerance
            .unwrap_or(handover_core::scenario::DEFAULT_TOLERANCE),
        us_export_approval_months: s.us_export_approval_months.unwrap_or(0),
        data_version: s.data_version,
    };
    let deadlines = raw
        .deadline
        .into_iter()
        .map(|sp| {
            let o = origin(sp.span());
            let d = sp.into_inner();
            Deadline {
                id: d.id,
                date: d.date.0,
                name: d.name,
                source: d.source,
                origin: o,
            }
        })
        .collect();
    let capabilities = raw
        .capability
        .into_iter()
        .map(|sp| {
            let o = origin(sp.span());
            let c = sp.into_inner();
            Capability {
                id: c.id,
                name: c.name,
                unit: c.unit,
                kind: c.kind,
                weight: c.weight.unwrap_or(1.0),
                area: c.area,
                origin: o,
            }
        })
        .collect();
    let mut requirements = vec![];
    let mut uncertainty = vec![];
    for sp in raw.requirement {
        let o = origin(sp.span());
        let r = sp.into_inner();
        let releasability = match r.releasability.as_deref().map(str::parse::<Releasability>) {
            None => Releasability::Public,
            Some(Ok(x)) => x,
            Some(Err(e)) => {
                problems.push(Problem::error(&o, "releasability", e));
                continue;
            }
        };
        requirements.push(Requirement {
            capability: r.capability,
            target: match r.target {
                Figure::Number(x) => x,
                Figure::Uncertain(d) => {
                    let nominal = d.median();
                    uncertainty.push(Uncertainty {
                        table: Table::Requirements,
                        row: requirements.len(),
                        field: "target".into(),
                        distribution: d,
                        origin: o.clone(),
                    });
                    nominal
                }
            },
            deadlines: r.deadlines,
            milestones: r
                .milestones
                .into_iter()
                .map(|m| Milestone {
                    date: m.date.0,
                    level: m.level,
                })
                .collect(),
            provenance: Provenance {
                source: r.source,
                releasability,
                estimate: r.estimate,
                note: r.note,
            },
            origin: o,
        });
    }
    let triggers = crate::triggers_file::convert(file, text, raw.trigger, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(TomlPart {
        settings,
        deadlines,
        capabilities,
        requirements,
        uncertainty,
        triggers,
    })
}

/// Write scenario.toml text.
pub fn write(sc: &handover_core::Scenario) -> String {
    let (settings, deadlines, capabilities, requirements) = (
        &sc.scenario,
        &sc.deadlines,
        &sc.capabilities,
        &sc.requirements,
    );
    let s = RawSettings {
        name: settings.name.clone(),
        description: settings.description.clone(),
        start: TomlDate(settings.start),
        horizon: TomlDate(settings.horizon),
        step: settings.step,
        currency: Some(settings.currency.clone()),
        europe: Some(settings.europe.clone()),
        tolerance: Some(settings.tolerance),
        us_export_approval_months: (settings.us_export_approval_months > 0)
            .then_some(settings.us_export_approval_months),
        data_version: settings.data_version.clone(),
    };
    let file = WriteFile {
        scenario: &s,
        deadline: deadlines
            .iter()
            .map(|d| RawDeadline {
                id: d.id.clone(),
                date: TomlDate(d.date),
                name: d.name.clone(),
                source: d.source.clone(),
            })
            .collect(),
        capability: capabilities
            .iter()
            .map(|c| RawCapability {
                id: c.id.clone(),
                name: c.name.clone(),
                unit: c.unit.clone(),
                kind: c.kind,
                weight: Some(c.weight),
                area: c.area.clone(),
            })
            .collect(),
        requirement: requirements
            .iter()
            .enumerate()
            .map(|(i, r)| RawRequirement {
                capability: r.capability.clone(),
                target: match sc.uncertainty_of(Table::Requirements, i, "target") {
                    Some(d) => Figure::Uncertain(d.clone()),
                    None => Figure::Number(r.target),
                },
                deadlines: r.deadlines.clone(),
                milestones: r
                    .milestones
                    .iter()
                    .map(|m| RawMilestone {
                        date: TomlDate(m.date),
                        level: m.level,
                    })
                    .collect(),
                source: r.provenance.source.clone(),
                releasability: (r.provenance.releasability != Releasability::Public)
                    .then(|| r.provenance.releasability.to_string()),
                estimate: r.provenance.estimate,
                note: r.provenance.note.clone(),
            })
            .collect(),
    };
    toml::to_string(&file).expect("scenario serialises to TOML")
}
