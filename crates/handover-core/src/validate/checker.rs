//! The checker the rules report through: a problem per bad cell, with the
//! scenario's ids at hand for references and suggestions.

use super::*;

pub(super) struct Checker<'a> {
    pub(super) s: &'a Scenario,
    pub(super) cal: Option<Calendar>,
    pub(super) problems: Vec<Problem>,
    pub(super) nations: HashSet<&'a str>,
    pub(super) groups: HashSet<&'a str>,
    pub(super) caps: HashMap<&'a str, CapabilityKind>,
    pub(super) required: HashSet<&'a str>,
    pub(super) lines: HashSet<&'a str>,
}

impl<'a> Checker<'a> {
    pub(super) fn err(&mut self, o: &Origin, field: &str, msg: impl Into<String>) {
        self.problems.push(Problem::error(o, field, msg));
    }

    pub(super) fn number(&mut self, o: &Origin, field: &str, x: f64, min: f64, strict: bool) {
        if let Some(problem) = crate::limits::number_problem(x) {
            self.err(o, field, problem);
        } else if x < min || (strict && x == min) {
            let want = if strict { ">" } else { ">=" };
            self.err(
                o,
                field,
                format!("`{x}` is out of range; expected a number {want} {min}"),
            );
        }
    }

    pub(super) fn share(&mut self, o: &Origin, field: &str, x: Option<f64>) {
        if let Some(x) = x {
            if !(0.0..=1.0).contains(&x) {
                self.err(
                    o,
                    field,
                    format!("`{x}` is not a share; expected a number from 0 to 1"),
                );
            }
        }
    }

    /// A date that must fall within the horizon; `allow_before_start` for backlog-type dates.
    pub(super) fn date(&mut self, o: &Origin, field: &str, d: NaiveDate, allow_before_start: bool) {
        let Some(cal) = self.cal else { return };
        let k = cal.period_of(d);
        let horizon = self.s.scenario.horizon;
        if k >= cal.periods() as i64 {
            self.err(
                o,
                field,
                format!(
                    "date {d} is after the horizon ({horizon}); expected a date up to {horizon}"
                ),
            );
        } else if k < 0 && !allow_before_start {
            let start = cal.start();
            self.err(
                o,
                field,
                format!("date {d} is before the start date ({start}); expected a date from {start} to {horizon}"),
            );
        } else if crate::limits::months_between(d, cal.start()) > crate::limits::MAX_MONTHS as i64 {
            let earliest = crate::limits::shift(cal.start(), -(crate::limits::MAX_MONTHS as i64));
            self.err(
                o,
                field,
                format!("date {d} is more than 100 years before the start date; expected a date from {earliest} (docs/FORMAT.md, \"Limits\")"),
            );
        }
    }

    pub(super) fn capability(
        &mut self,
        o: &Origin,
        field: &str,
        id: &str,
    ) -> Option<CapabilityKind> {
        match self.caps.get(id) {
            Some(k) => Some(*k),
            None => {
                let hint = suggest(id, self.caps.keys().copied());
                self.err(
                    o,
                    field,
                    format!("unknown capability `{id}`; expected an id from the capability catalogue{hint}"),
                );
                None
            }
        }
    }

    pub(super) fn stock_capability(&mut self, o: &Origin, field: &str, id: &str) {
        if self.capability(o, field, id) == Some(CapabilityKind::Flow) {
            self.err(
                o,
                field,
                format!("capability `{id}` is a flow (production per year); stock figures need a stock capability"),
            );
        }
    }

    pub(super) fn nation(&mut self, o: &Origin, field: &str, code: &str) {
        if !self.nations.contains(code) {
            let hint = suggest(code, self.nations.iter().copied());
            self.err(
                o,
                field,
                format!("unknown nation `{code}`; expected a code from nations.csv{hint}"),
            );
        }
    }

    pub(super) fn holder(&mut self, o: &Origin, field: &str, holder: &str) {
        if !self.nations.contains(holder) && !self.groups.contains(holder) {
            self.err(
                o,
                field,
                format!(
                    "unknown holder `{holder}`; expected a nation code or a group from nations.csv"
                ),
            );
        }
    }

    pub(super) fn line(&mut self, o: &Origin, field: &str, id: &str) -> bool {
        if self.lines.contains(id) {
            return true;
        }
        let hint = suggest(id, self.lines.iter().copied());
        self.err(
            o,
            field,
            format!("unknown production line `{id}`; expected an id from lines.csv{hint}"),
        );
        false
    }
}

pub(super) fn duplicates<'a, T>(
    items: &'a [T],
    key: impl Fn(&'a T) -> String,
    origin: impl Fn(&'a T) -> &'a Origin,
) -> Vec<(&'a Origin, String, &'a Origin)> {
    let mut seen: HashMap<String, &Origin> = HashMap::new();
    let mut out = vec![];
    for it in items {
        let k = key(it);
        if let Some(first) = seen.get(&k) {
            out.push((origin(it), k, *first));
        } else {
            seen.insert(k, origin(it));
        }
    }
    out
}
