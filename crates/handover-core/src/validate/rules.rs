//! Checks of the triggers' rules against the scenario they are in.

use crate::rule::*;
use crate::scenario::Scenario;
use crate::suggest::suggest;
use chrono::NaiveDate;

/// Check the ids, dates and years a rule names against a scenario: unknown
/// capabilities, deadlines, nations and groups (with a did-you-mean), dates
/// outside the scenario. Errors point into `text`.
pub fn references(text: &str, expr: &Expr, s: &Scenario) -> Vec<RuleError> {
    let mut out = vec![];
    let caps = || s.capabilities.iter().map(|c| c.id.as_str());
    let deadlines = || s.deadlines.iter().map(|d| d.id.as_str());
    let cap = |out: &mut Vec<RuleError>, c: &Spanned<String>| {
        if s.capability(&c.node).is_none() {
            out.push(RuleError::at(
                text,
                c.span.start,
                format!(
                    "unknown capability `{}`; expected an id from the capability catalogue{}",
                    c.node,
                    suggest(&c.node, caps())
                ),
            ));
        }
    };
    let deadline = |out: &mut Vec<RuleError>, d: &Spanned<String>| {
        if s.deadline(&d.node).is_none() {
            out.push(RuleError::at(
                text,
                d.span.start,
                format!(
                    "unknown deadline `{}`; expected an id from [[deadline]]{}",
                    d.node,
                    suggest(&d.node, deadlines())
                ),
            ));
        }
    };
    let date = |out: &mut Vec<RuleError>, d: NaiveDate, at: usize| {
        let (start, horizon) = (s.scenario.start, s.scenario.horizon);
        if d < start || d > horizon {
            out.push(RuleError::at(
                text,
                at,
                format!(
                    "date {d} is outside the scenario; expected a date from {start} to {horizon}"
                ),
            ));
        }
    };
    let time = |out: &mut Vec<RuleError>, t: &Spanned<Time>| match &t.node {
        Time::Date(d) => date(out, *d, t.span.start),
        Time::Deadline(id) => deadline(out, &Spanned::new(id.clone(), t.span.clone())),
    };
    for m in expr.metrics() {
        match &m.node {
            Metric::Coverage { capability, at }
            | Metric::Level { capability, at }
            | Metric::Dependency { capability, at } => {
                cap(&mut out, capability);
                if let Some(t) = at {
                    time(&mut out, t);
                }
            }
            Metric::Shortfall { capability, at } | Metric::ShortfallCost { capability, at } => {
                cap(&mut out, capability);
                time(&mut out, at);
            }
            Metric::Status {
                capability,
                deadline: d,
                at,
            } => {
                cap(&mut out, capability);
                deadline(&mut out, d);
                if let Some(t) = at {
                    time(&mut out, t);
                }
            }
            Metric::Index { at } => {
                if let Some(t) = at {
                    time(&mut out, t);
                }
            }
            Metric::Reached { capability } => cap(&mut out, capability),
            Metric::PMet {
                capability,
                deadline: d,
            } => {
                cap(&mut out, capability);
                deadline(&mut out, d);
            }
            Metric::Spending { nation, .. } => {
                if !s.nations.iter().any(|n| n.code == nation.node) {
                    out.push(RuleError::at(
                        text,
                        nation.span.start,
                        format!(
                            "unknown nation `{}`; expected a code from nations.csv{}",
                            nation.node,
                            suggest(&nation.node, s.nations.iter().map(|n| n.code.as_str()))
                        ),
                    ));
                }
            }
            Metric::Count { group, .. } => {
                let groups = s.groups();
                if !groups.contains(&group.node.as_str()) {
                    out.push(RuleError::at(
                        text,
                        group.span.start,
                        format!(
                            "unknown group `{}`; expected a group from the `groups` of nations.csv{}",
                            group.node,
                            suggest(&group.node, groups.iter().copied())
                        ),
                    ));
                }
            }
        }
    }
    for l in expr.literals() {
        match &l.node {
            Literal::Deadline(id) => deadline(&mut out, &Spanned::new(id.clone(), l.span.clone())),
            Literal::Date(d) => date(&mut out, *d, l.span.start),
            _ => {}
        }
    }
    out.sort_by_key(|e| e.offset);
    out
}
