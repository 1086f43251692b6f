//! `triggers.toml`: the scenario's benchmarks (`[[trigger]]` tables), also
//! accepted inside scenario.toml. See docs/TRIGGERS.md.

use crate::text::line_of;
use handover_core::scenario::{Origin, Provenance, Releasability, Scenario};
use handover_core::trigger::{Rule, Trigger, TriggerSeverity};
use handover_core::validate::Problem;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// File name of the triggers file.
pub const FILE: &str = "triggers.toml";

/// One `[[trigger]]` table as written.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrigger {
    id: String,
    rule: Spanned<String>,
    severity: Spanned<String>,
    action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    releasability: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    estimate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// The fields a `[[trigger]]` table may have, for did-you-mean.
const FIELDS: [&str; 8] = [
    "id",
    "rule",
    "severity",
    "action",
    "source",
    "releasability",
    "estimate",
    "note",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    trigger: Vec<Spanned<RawTrigger>>,
}

/// Line and 1-based column where the text of a string value starts, when the
/// file holds it verbatim (a one-line string without escapes), so that rule
/// errors can point into the file.
fn verbatim_start(text: &str, span: std::ops::Range<usize>, value: &str) -> Option<(usize, usize)> {
    let raw = text.get(span.clone())?;
    let quoted = [format!("\"{value}\""), format!("'{value}'")];
    if !quoted.iter().any(|q| q == raw) {
        return None;
    }
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..span.start].chars().count() + 2;
    Some((line_of(text, span.start), col))
}

/// Turn `[[trigger]]` tables read from `file` (whose contents are `text`)
/// into triggers; a bad severity or marking is a problem.
pub fn convert(
    file: &str,
    text: &str,
    raw: Vec<Spanned<RawTrigger>>,
    problems: &mut Vec<Problem>,
) -> Vec<Trigger> {
    let mut out = vec![];
    for sp in raw {
        let origin = Origin::line(file, line_of(text, sp.span().start));
        let r = sp.into_inner();
        // A bad value is reported on its own line, not the table's.
        let at = |span: std::ops::Range<usize>| Origin::line(file, line_of(text, span.start));
        let severity = match r.severity.get_ref().parse::<TriggerSeverity>() {
            Ok(s) => s,
            Err(e) => {
                problems.push(Problem::error(&at(r.severity.span()), "severity", e));
                continue;
            }
        };
        let releasability = match &r.releasability {
            None => Releasability::Public,
            Some(m) => match m.get_ref().parse::<Releasability>() {
                Ok(x) => x,
                Err(e) => {
                    problems.push(Problem::error(&at(m.span()), "releasability", e));
                    continue;
                }
            },
        };
        let rule_at = verbatim_start(text, r.rule.span(), r.rule.get_ref());
        out.push(Trigger {
            id: r.id,
            rule: Rule::parse(r.rule.get_ref()),
            severity,
            action: r.action,
            provenance: Provenance {
                source: r.source,
                releasability,
                estimate: r.estimate,
                note: r.note,
            },
            origin,
            rule_at,
        });
    }
    out
}

/// Read triggers.toml; problems name the line.
pub fn parse(file: &str, text: &str, problems: &mut Vec<Problem>) -> Vec<Trigger> {
    match toml::from_str::<RawFile>(text) {
        Ok(raw) => convert(file, text, raw.trigger, problems),
        Err(e) => {
            let origin = Origin {
                file: file.to_string(),
                line: e.span().map(|s| line_of(text, s.start)),
                record: None,
                row: None,
            };
            let mut message = e.message().trim().to_string();
            // serde names an unknown key and lists the known ones; add the
            // one it was most likely meant to be.
            if let Some(name) = message
                .strip_prefix("unknown field `")
                .and_then(|r| r.split('`').next())
            {
                let near = handover_core::suggest::closest(name, FIELDS.into_iter());
                if let (Some(k), Some(i)) = (near, message.find(", expected")) {
                    message.insert_str(i, &format!(" (did you mean `{k}`?)"));
                }
            }
            problems.push(Problem::error(&origin, "", message));
            vec![]
        }
    }
}

#[derive(Serialize)]
struct WriteTrigger<'a> {
    id: &'a str,
    rule: &'a str,
    severity: &'a str,
    action: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    releasability: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    estimate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct WriteFile<'a> {
    trigger: Vec<WriteTrigger<'a>>,
}

/// Write triggers.toml text for the scenario's triggers.
pub fn write(s: &Scenario) -> String {
    let file = WriteFile {
        trigger: s
            .triggers
            .iter()
            .map(|t| WriteTrigger {
                id: &t.id,
                rule: &t.rule.text,
                severity: t.severity.as_str(),
                action: &t.action,
                source: t.provenance.source.as_deref(),
                releasability: (t.provenance.releasability != Releasability::Public)
                    .then(|| t.provenance.releasability.to_string()),
                estimate: t.provenance.estimate,
                note: t.provenance.note.as_deref(),
            })
            .collect(),
    };
    toml::to_string(&file).expect("triggers serialise to TOML")
}
