//! Validation rules: every reference resolves, every number is in range, every
//! date is inside the horizon. All problems are collected in one pass.

mod checker;
mod cites;
mod problem;
mod rules;
#[cfg(test)]
mod tests;

pub use crate::suggest::suggest;
use checker::*;
pub use problem::{Problem, Severity};
pub use rules::references;

use crate::scenario::{is_nation_code, CapabilityKind, Origin, Scenario, Table};
use crate::time::Calendar;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Whether `s` is a valid id: lower-case letters, digits, `-`, `_`, `.`, starting with a letter or digit.
pub fn is_valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

fn is_group_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Ids declared on rows a reader could not parse: they count as known, so a
/// reference to them is not reported again as unknown.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    /// Nation codes.
    pub nations: Vec<String>,
    /// Production line ids.
    pub lines: Vec<String>,
}

/// Check a scenario against every rule of docs/FORMAT.md; errors and warnings, in input order.
pub fn validate(s: &Scenario) -> Vec<Problem> {
    validate_with(s, &Declared::default())
}

/// [`validate`], treating `declared` ids as known.
pub fn validate_with(s: &Scenario, declared: &Declared) -> Vec<Problem> {
    let settings_origin = Origin {
        file: s
            .deadlines
            .first()
            .map(|d| d.origin.file.clone())
            .unwrap_or_else(|| "scenario.toml".into()),
        line: None,
        record: Some("[scenario]".into()),
        row: None,
    };
    let mut c = Checker {
        s,
        cal: None,
        problems: vec![],
        nations: s
            .nations
            .iter()
            .map(|n| n.code.as_str())
            .chain(declared.nations.iter().map(String::as_str))
            .collect(),
        groups: s
            .nations
            .iter()
            .flat_map(|n| n.groups.iter().map(String::as_str))
            .collect(),
        caps: s
            .capabilities
            .iter()
            .map(|c| (c.id.as_str(), c.kind))
            .collect(),
        required: s
            .requirements
            .iter()
            .map(|r| r.capability.as_str())
            .collect(),
        lines: s
            .lines
            .iter()
            .map(|l| l.id.as_str())
            .chain(declared.lines.iter().map(String::as_str))
            .collect(),
    };

    // Settings.
    match Calendar::new(s.scenario.start, s.scenario.horizon, s.scenario.step) {
        Ok(cal) => c.cal = Some(cal),
        Err(e) => {
            let field = if matches!(
                e,
                crate::time::CalendarError::StartNotFirstOfMonth(_)
                    | crate::time::CalendarError::StartOutOfRange(_)
            ) {
                "start"
            } else {
                "horizon"
            };
            c.err(&settings_origin, field, e.to_string());
        }
    }
    let tol = s.scenario.tolerance;
    if !(tol.is_finite() && (0.0..=1.0).contains(&tol)) {
        c.err(
            &settings_origin,
            "tolerance",
            format!("`{tol}` is out of range; expected a number from 0 to 1"),
        );
    }
    if !s
        .nations
        .iter()
        .any(|n| n.groups.contains(&s.scenario.europe))
    {
        let europe = &s.scenario.europe;
        c.err(
            &settings_origin,
            "europe",
            format!("no nation belongs to the European group `{europe}`; add it to the `groups` of nations.csv"),
        );
    }

    // Deadlines.
    for (o, k, first) in duplicates(&s.deadlines, |d| d.id.clone(), |d| &d.origin) {
        c.err(
            o,
            "id",
            format!("duplicate deadline id `{k}` (first defined at {first})"),
        );
    }
    for d in &s.deadlines {
        if !is_valid_id(&d.id) {
            c.err(
                &d.origin,
                "id",
                format!(
                    "`{}` is not a valid id; expected lower-case letters, digits and '-'",
                    d.id
                ),
            );
        }
        c.date(&d.origin, "date", d.date, false);
    }

    // Capabilities.
    for (o, k, first) in duplicates(&s.capabilities, |x| x.id.clone(), |x| &x.origin) {
        c.err(
            o,
            "id",
            format!("duplicate capability id `{k}` (first defined at {first})"),
        );
    }
    for cap in &s.capabilities {
        if !is_valid_id(&cap.id) {
            c.err(
                &cap.origin,
                "id",
                format!(
                    "`{}` is not a valid id; expected lower-case letters, digits and '-'",
                    cap.id
                ),
            );
        }
        c.number(&cap.origin, "weight", cap.weight, 0.0, false);
    }

    // Requirements.
    for (o, k, first) in duplicates(&s.requirements, |r| r.capability.clone(), |r| &r.origin) {
        c.err(o, "capability", format!("capability `{k}` already has a requirement (at {first}); expected one per capability"));
    }
    for r in &s.requirements {
        c.capability(&r.origin, "capability", &r.capability);
        c.number(&r.origin, "target", r.target, 0.0, true);
        if let Some(ds) = &r.deadlines {
            for d in ds {
                if s.deadline(d).is_none() {
                    let hint = suggest(d, s.deadlines.iter().map(|d| d.id.as_str()));
                    c.err(
                        &r.origin,
                        "deadlines",
                        format!("unknown deadline `{d}`; expected an id from [[deadline]]{hint}"),
                    );
                }
            }
        }
        for m in &r.milestones {
            c.date(&r.origin, "milestones", m.date, false);
            c.number(&r.origin, "milestones", m.level, 0.0, false);
        }
    }

    // Nations.
    for (o, k, first) in duplicates(&s.nations, |n| n.code.clone(), |n| &n.origin) {
        c.err(
            o,
            "code",
            format!("duplicate nation `{k}` (first defined at {first})"),
        );
    }
    for n in &s.nations {
        if !is_nation_code(&n.code) {
            c.err(&n.origin, "code", format!("`{}` is not a nation code; expected ISO 3166-1 alpha-2, two upper-case letters", n.code));
        }
        for g in &n.groups {
            if !is_group_name(g) {
                c.err(&n.origin, "groups", format!("`{g}` is not a group name; expected upper-case letters, digits, '_' or '-'"));
            } else if c.nations.contains(g.as_str()) {
                c.err(&n.origin, "groups", format!("group `{g}` has the same name as a nation code; holders could not tell them apart"));
            }
        }
    }

    // Holdings.
    for h in &s.holdings {
        c.holder(&h.origin, "holder", &h.holder);
        c.stock_capability(&h.origin, "capability", &h.capability);
        c.number(&h.origin, "quantity", h.quantity, 0.0, false);
        if let Some(d) = h.as_of {
            c.date(&h.origin, "as_of", d, true);
        }
    }
    for (o, k, first) in duplicates(
        &s.holdings,
        |h| format!("{} / {}", h.holder, h.capability),
        |h| &h.origin,
    ) {
        c.err(o, "holder", format!("duplicate holding for `{k}` (first at {first}); expected one row per holder and capability"));
    }

    cites::parts(&mut c);

    // US contributions.
    for (o, k, first) in duplicates(&s.us_contributions, |u| u.capability.clone(), |u| &u.origin) {
        c.err(
            o,
            "capability",
            format!("capability `{k}` already has a US contribution (at {first})"),
        );
    }
    for u in &s.us_contributions {
        c.capability(&u.origin, "capability", &u.capability);
        c.number(&u.origin, "level", u.level, 0.0, false);
    }

    // Lines.
    for (o, k, first) in duplicates(&s.lines, |l| l.id.clone(), |l| &l.origin) {
        c.err(
            o,
            "id",
            format!("duplicate line id `{k}` (first defined at {first})"),
        );
    }
    for l in &s.lines {
        if !is_valid_id(&l.id) {
            c.err(
                &l.origin,
                "id",
                format!(
                    "`{}` is not a valid id; expected lower-case letters, digits and '-'",
                    l.id
                ),
            );
        }
        if c.capability(&l.origin, "capability", &l.capability)
            .is_some()
            && !c.required.contains(l.capability.as_str())
        {
            c.err(
                &l.origin,
                "capability",
                format!("capability `{}` has no requirement; a production line needs its capability to have a [[requirement]]", l.capability),
            );
        }
        c.nation(&l.origin, "nation", &l.nation);
        if l.lead_time_months > crate::limits::MAX_MONTHS {
            c.err(
                &l.origin,
                "lead_time_months",
                format!(
                    "{} months is out of range; expected a lead time of at most {} months (100 years)",
                    l.lead_time_months,
                    crate::limits::MAX_MONTHS
                ),
            );
        }
        if let Some(cost) = l.unit_cost {
            c.number(&l.origin, "unit_cost", cost, 0.0, false);
        }
        c.share(&l.origin, "content_eu", l.content_eu);
        c.share(&l.origin, "content_us", l.content_us);
        c.share(&l.origin, "content_other", l.content_other);
        let given: Vec<f64> = [l.content_eu, l.content_us, l.content_other]
            .into_iter()
            .flatten()
            .collect();
        let sum: f64 = given.iter().sum();
        if given.len() == 3 && (sum - 1.0).abs() > 1e-3 {
            c.err(
                &l.origin,
                "content_eu",
                format!("content shares sum to {sum}; expected eu + us + other = 1"),
            );
        } else if sum > 1.0 + 1e-3 {
            c.err(
                &l.origin,
                "content_eu",
                format!("content shares sum to {sum}; expected at most 1"),
            );
        }
    }

    // Capacity steps.
    let mut step_periods: HashMap<(&str, i64), &Origin> = HashMap::new();
    for st in &s.capacity {
        c.line(&st.origin, "line", &st.line);
        c.date(&st.origin, "date", st.date, true);
        c.number(&st.origin, "units_per_year", st.units_per_year, 0.0, false);
        if let Some(cal) = c.cal {
            let k = cal.period_of(st.date).max(0);
            if let Some(first) = step_periods.insert((st.line.as_str(), k), &st.origin) {
                c.err(
                    &st.origin,
                    "date",
                    format!("line `{}` already has a capacity step in the same period (at {first}); expected one step per period", st.line),
                );
            }
        }
    }

    // Orders.
    for (o, k, first) in duplicates(&s.orders, |x| x.id.clone(), |x| &x.origin) {
        c.err(
            o,
            "id",
            format!("duplicate order id `{k}` (first defined at {first})"),
        );
    }
    for o in &s.orders {
        c.nation(&o.origin, "buyer", &o.buyer);
        c.line(&o.origin, "line", &o.line);
        c.number(&o.origin, "quantity", o.quantity, 0.0, true);
        c.date(&o.origin, "date", o.date, true);
        c.number(&o.origin, "delivered", o.delivered, 0.0, false);
        if o.quantity > 0.0 && o.delivered > o.quantity {
            c.err(
                &o.origin,
                "delivered",
                format!(
                    "{} delivered is more than the {} ordered",
                    o.delivered, o.quantity
                ),
            );
        }
        if o.delivered > 0.0 && o.date >= s.scenario.start {
            c.err(
                &o.origin,
                "delivered",
                "only orders placed before the start date can have units delivered already",
            );
        }
    }

    // Retirements and consumption.
    for r in &s.retirements {
        c.holder(&r.origin, "holder", &r.holder);
        c.stock_capability(&r.origin, "capability", &r.capability);
        c.date(&r.origin, "date", r.date, false);
        c.number(&r.origin, "quantity", r.quantity, 0.0, true);
    }
    for r in &s.consumption {
        c.holder(&r.origin, "holder", &r.holder);
        c.stock_capability(&r.origin, "capability", &r.capability);
        c.date(&r.origin, "from", r.from, true);
        if let Some(to) = r.to {
            c.date(&r.origin, "to", to, false);
            if to < r.from {
                c.err(
                    &r.origin,
                    "to",
                    format!("`to` ({to}) is before `from` ({})", r.from),
                );
            }
        }
        c.number(&r.origin, "units_per_year", r.units_per_year, 0.0, true);
    }

    // Economics.
    for (o, k, first) in duplicates(
        &s.economics,
        |e| format!("{} {}", e.nation, e.year),
        |e| &e.origin,
    ) {
        c.err(
            o,
            "year",
            format!(
                "duplicate row for `{k}` (first at {first}); expected one row per nation and year"
            ),
        );
    }
    for e in &s.economics {
        c.nation(&e.origin, "nation", &e.nation);
        if !crate::limits::year_in_range(e.year) {
            c.err(
                &e.origin,
                "year",
                format!(
                    "{} is out of range; expected a year from {} to {}",
                    e.year,
                    crate::limits::FIRST_YEAR,
                    crate::limits::LAST_YEAR
                ),
            );
        }
        if e.gdp_musd.is_none() && e.defence_musd.is_none() && e.defence_pct_gdp.is_none() {
            c.err(
                &e.origin,
                "gdp_musd",
                "no figure given; expected at least one of gdp_musd, defence_musd, defence_pct_gdp",
            );
        }
        for (f, v) in [
            ("gdp_musd", e.gdp_musd),
            ("defence_musd", e.defence_musd),
            ("defence_pct_gdp", e.defence_pct_gdp),
        ] {
            if let Some(v) = v {
                c.number(&e.origin, f, v, 0.0, false);
            }
        }
    }

    // Investments and workforce (the planner's tables).
    investments(&mut c);

    // Uncertain figures.
    let rows = |t: Table| s.row_count(t);
    for u in &s.uncertainty {
        let field = u.field.as_str();
        let Some(&(_, lo, hi)) = u
            .table
            .uncertain_fields()
            .iter()
            .find(|(f, _, _)| *f == field)
        else {
            let allowed: Vec<&str> = u
                .table
                .uncertain_fields()
                .iter()
                .map(|(f, _, _)| *f)
                .collect();
            c.err(
                &u.origin,
                field,
                format!(
                    "this field cannot hold a distribution; uncertain fields of this table: {}",
                    allowed.join(", ")
                ),
            );
            continue;
        };
        if u.row >= rows(u.table) {
            c.err(
                &u.origin,
                field,
                format!("row {} does not exist in this table", u.row),
            );
            continue;
        }
        let is_date = Table::is_date_field(field);
        if is_date != u.distribution.is_delay() {
            let msg = if is_date {
                "a date takes only `delay(...)`, e.g. `2026-06-01 + delay(uniform(0, 6))`"
            } else {
                "`delay(...)` belongs on a date; a number takes fixed, uniform, triangular, normal or lognormal"
            };
            c.err(&u.origin, field, msg);
            continue;
        }
        // An order cannot be smaller than what it has delivered already.
        let lo = match (u.table, field) {
            (Table::Orders, "quantity") => lo.max(s.orders[u.row].delivered),
            _ => lo,
        };
        if let Err(e) = u.distribution.check_within(lo, hi) {
            c.err(&u.origin, field, e);
        }
    }

    // Triggers.
    c.problems.extend(triggers(s));

    // Sources.
    cites::sources(&mut c);

    // Provenance: every figure names where it came from (the rows of every
    // table of figures; not the nation list, nor benchmarks, whose source is optional).
    let figures = Table::ALL
        .into_iter()
        .filter(|t| !matches!(t, Table::Triggers | Table::Nations | Table::Sources));
    for t in figures {
        for row in 0..s.row_count(t) {
            let at = crate::table::RowRef::new(t, row);
            let (Some(p), Some(o)) = (s.provenance(at), s.origin(at)) else {
                continue;
            };
            if p.source.as_deref().is_none_or(|x| x.trim().is_empty()) {
                c.problems.push(Problem::warning(
                    o,
                    "source",
                    "no source; every figure should name where it came from (a URL or citation)",
                ));
            } else if p.estimate && p.note.is_none() {
                c.problems.push(Problem::warning(
                    o,
                    "note",
                    "an estimate without a note; say how it was derived",
                ));
            }
        }
    }

    c.problems
}

/// The rules of investments.csv and workforce.csv (docs/FORMAT.md).
fn investments(c: &mut Checker<'_>) {
    let s = c.s;
    for (o, k, first) in duplicates(&s.investments, |x| x.id.clone(), |x| &x.origin) {
        c.err(
            o,
            "id",
            format!("duplicate investment id `{k}` (first defined at {first})"),
        );
    }
    for inv in &s.investments {
        let o = &inv.origin;
        if !is_valid_id(&inv.id) {
            c.err(
                o,
                "id",
                format!(
                    "`{}` is not a valid id; expected lower-case letters, digits and '-'",
                    inv.id
                ),
            );
        } else if c.lines.contains(inv.id.as_str()) {
            c.err(
                o,
                "id",
                format!("`{}` is also a line id; the planned capacity becomes a line of the investment's id, so the two must differ", inv.id),
            );
        }
        if c.capability(o, "capability", &inv.capability).is_some()
            && !c.required.contains(inv.capability.as_str())
        {
            c.err(
                o,
                "capability",
                format!("capability `{}` has no requirement; an investment needs its capability to have a [[requirement]]", inv.capability),
            );
        }
        c.nation(o, "nation", &inv.nation);
        if let Some(line) = &inv.line {
            if c.line(o, "line", line) {
                if let Some(l) = s.lines.iter().find(|l| &l.id == line) {
                    if l.capability != inv.capability {
                        c.err(
                            o,
                            "capability",
                            format!("line `{line}` produces `{}`, not `{}`; an expansion adds capacity for its line's capability", l.capability, inv.capability),
                        );
                    }
                    if l.nation != inv.nation {
                        c.err(
                            o,
                            "nation",
                            format!("line `{line}` is in {}, not {}; an expansion is built where its line is", l.nation, inv.nation),
                        );
                    }
                }
            }
        }
        c.number(o, "max_units_per_year", inv.max_units_per_year, 0.0, true);
        if let Some(step) = inv.step {
            c.number(o, "step", step, 0.0, true);
            if step > inv.max_units_per_year {
                c.err(
                    o,
                    "step",
                    format!("a step of {step} units a year is more than the maximum of {}; expected a step up to max_units_per_year", inv.max_units_per_year),
                );
            }
        }
        for (field, m) in [
            ("months_to_first_output", inv.months_to_first_output),
            ("months_to_full_rate", inv.months_to_full_rate),
            ("lead_time_months", inv.lead_time_months),
        ] {
            if let Some(m) = m.filter(|&m| m > crate::limits::MAX_MONTHS) {
                c.err(
                    o,
                    field,
                    format!(
                        "{m} months is out of range; expected at most {} months (100 years)",
                        crate::limits::MAX_MONTHS
                    ),
                );
            }
        }
        match (inv.months_to_first_output, inv.months_to_full_rate) {
            (None, Some(_)) => c.err(
                o,
                "months_to_first_output",
                "missing; months_to_full_rate counts from the same decision and needs it",
            ),
            (Some(first), Some(full)) if full < first => c.err(
                o,
                "months_to_full_rate",
                format!("{full} months is before first output ({first} months); expected months_to_full_rate >= months_to_first_output"),
            ),
            _ => {}
        }
        for (field, v) in [
            ("capex", inv.capex),
            ("unit_cost", inv.unit_cost),
            ("workers_per_unit", inv.workers_per_unit),
        ] {
            if let Some(v) = v {
                c.number(o, field, v, 0.0, false);
            }
        }
        c.share(o, "content_eu", inv.content_eu);
        c.share(o, "content_us", inv.content_us);
        c.share(o, "content_other", inv.content_other);
        let given: Vec<f64> = [inv.content_eu, inv.content_us, inv.content_other]
            .into_iter()
            .flatten()
            .collect();
        let sum: f64 = given.iter().sum();
        if sum > 1.0 + 1e-3 || (given.len() == 3 && (sum - 1.0).abs() > 1e-3) {
            c.err(
                o,
                "content_eu",
                format!("content shares sum to {sum}; expected eu + us + other = 1"),
            );
        }
        if let Some(d) = inv.earliest {
            c.date(o, "earliest", d, true);
        }
    }

    for (o, k, first) in duplicates(
        &s.workforce,
        |w| format!("{} {}", w.nation, w.year),
        |w| &w.origin,
    ) {
        c.err(
            o,
            "year",
            format!(
                "duplicate row for `{k}` (first at {first}); expected one row per nation or group and year"
            ),
        );
    }
    for w in &s.workforce {
        c.holder(&w.origin, "nation", &w.nation);
        if !crate::limits::year_in_range(w.year) {
            c.err(
                &w.origin,
                "year",
                format!(
                    "{} is out of range; expected a year from {} to {}",
                    w.year,
                    crate::limits::FIRST_YEAR,
                    crate::limits::LAST_YEAR
                ),
            );
        }
        c.number(&w.origin, "workers", w.workers, 0.0, false);
    }
}

/// Problems of the scenario's triggers: ids, actions, rules that cannot be
/// read, and ids, dates or groups a rule names that the scenario lacks.
/// Errors in a rule point at its line and column in the file when the file
/// holds the rule verbatim, else they name the column within the rule.
pub fn triggers(s: &Scenario) -> Vec<Problem> {
    let mut out = vec![];
    for (o, k, first) in duplicates(&s.triggers, |t| t.id.clone(), |t| &t.origin) {
        out.push(Problem::error(
            o,
            "id",
            format!("duplicate trigger id `{k}` (first defined at {first})"),
        ));
    }
    for t in &s.triggers {
        if !is_valid_id(&t.id) {
            out.push(Problem::error(
                &t.origin,
                "id",
                format!(
                    "`{}` is not a valid id; expected lower-case letters, digits and '-'",
                    t.id
                ),
            ));
        }
        if t.action.trim().is_empty() {
            out.push(Problem::error(
                &t.origin,
                "action",
                "no action; say in words what the trigger calls for when it fires",
            ));
        }
        let errors = match &t.rule.parsed {
            Err(e) => vec![e.clone()],
            Ok(expr) => references(&t.rule.text, expr, s),
        };
        for e in errors {
            out.push(rule_problem(t, &e));
        }
    }
    out
}

/// A problem in a trigger's rule, placed in the file where possible.
pub fn rule_problem(t: &crate::rule::Trigger, e: &crate::rule::RuleError) -> Problem {
    match t.rule_at {
        Some((line, col)) => {
            let mut p = Problem::error(
                &Origin {
                    line: Some(line),
                    ..t.origin.clone()
                },
                "rule",
                e.message.clone(),
            );
            p.column = Some(col + e.column - 1);
            p
        }
        None => {
            let mut p = Problem::error(&t.origin, "rule", e.message.clone());
            if t.origin.line.is_some() {
                p.message = format!("at column {} of the rule: {}", e.column, e.message);
            } else {
                p.column = Some(e.column);
            }
            p
        }
    }
}

/// Only the errors of a validation.
pub fn errors(problems: &[Problem]) -> impl Iterator<Item = &Problem> {
    problems.iter().filter(|p| p.severity == Severity::Error)
}
