//! Who may see what: releasability markings, and the disclosure rule for
//! aggregates (DESIGN.md, "Data sharing that respects national sensitivities").
//!
//! Every record of a scenario carries a [`Releasability`] marking. A viewer
//! belongs to one nation, or to none (the public). A record is released to a
//! viewer when its marking says so ([`releases`]); the nation a record belongs
//! to ([`owner`]) always sees it.
//!
//! Figures are computed on the whole scenario, then [`redact`] decides, per
//! capability, what the viewer may see:
//!
//! - every record bearing on the capability is released: the figures are shown
//!   ([`Disclosure::Open`]);
//! - some are not, and the part of the European level the viewer cannot see
//!   (the parts it could not subtract: [`Visibility::parts_seen`]) passes the [`DisclosureRule`] at every period
//!   (at least 3 contributing nations, none above 70 % of that part, by
//!   default): the aggregates are shown, record-level detail is not
//!   ([`Disclosure::Disclosed`]);
//! - otherwise every figure derived from the level is removed and the
//!   capability is marked [`Disclosure::Suppressed`] with the reason.
//!
//! The readiness index is suppressed when any capability in it is; a trigger is
//! suppressed when it reads a suppressed figure. The rule is applied at every
//! period, not only the date asked for, so that a series cannot be used to
//! recover what a single date would hide.

use crate::assess::{Assessment, Evaluation};
use crate::metrics::Status;
use crate::scenario::{Releasability, Scenario};
use crate::table::{RowRef, TableId};
use crate::trigger::{CheckReport, Metric, State, Trigger};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The group whose members `nato` releases to.
pub const NATO_GROUP: &str = "NATO";
/// The group whose members `eu` releases to.
pub const EU_GROUP: &str = "EU";

/// The rule an aggregate that includes unreleased figures must pass to be shown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DisclosureRule {
    /// At least this many nations contribute a non-zero figure.
    pub min_nations: usize,
    /// No single nation contributes more than this share of the total.
    pub max_share: f64,
}

impl Default for DisclosureRule {
    fn default() -> Self {
        DisclosureRule {
            min_nations: 3,
            max_share: 0.70,
        }
    }
}

impl DisclosureRule {
    /// Whether contributions `(nation, value)` pass; `Err` says why not.
    pub fn check<'a>(&self, parts: impl IntoIterator<Item = (&'a str, f64)>) -> Result<(), String> {
        let mut by_nation: BTreeMap<&str, f64> = BTreeMap::new();
        for (n, v) in parts {
            if v > 0.0 {
                *by_nation.entry(n).or_default() += v;
            }
        }
        let total: f64 = by_nation.values().sum();
        if by_nation.len() < self.min_nations {
            // No count: the parts are often the unreleased ones, whose number
            // the viewer may not learn.
            return Err(format!(
                "fewer than {} nations contribute",
                self.min_nations
            ));
        }
        let largest = by_nation.values().copied().fold(0.0, f64::max);
        if largest > self.max_share * total {
            return Err(format!(
                "one nation contributes more than {:.0} % of the total",
                self.max_share * 100.0
            ));
        }
        Ok(())
    }
}

/// Who is looking: a nation's user, or the public (no nation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Viewer {
    /// The viewer's nation; `None` sees only `public` records.
    pub nation: Option<String>,
}

impl Viewer {
    /// The public: only `public` records.
    pub fn public() -> Self {
        Viewer { nation: None }
    }

    /// A user of `nation`.
    pub fn of(nation: &str) -> Self {
        Viewer {
            nation: Some(nation.to_string()),
        }
    }
}

/// Whether a record marked `marking` and belonging to `owner` is released to `viewer`.
///
/// `public` releases to everyone; `nato` and `eu` to nations in the `NATO` and
/// `EU` groups of `s`; `rel:A,B` to the listed nations; `national` to the owner
/// only. The owner always sees its own records; the public sees only `public`.
pub fn releases(
    s: &Scenario,
    marking: &Releasability,
    owner: Option<&str>,
    viewer: &Viewer,
) -> bool {
    if *marking == Releasability::Public {
        return true;
    }
    let Some(v) = viewer.nation.as_deref() else {
        return false;
    };
    if owner == Some(v) {
        return true;
    }
    let in_group = |g: &str| {
        s.nations
            .iter()
            .any(|n| n.code == v && n.groups.iter().any(|x| x == g))
    };
    match marking {
        Releasability::Public => true,
        Releasability::Nato => in_group(NATO_GROUP),
        Releasability::Eu => in_group(EU_GROUP),
        Releasability::Rel(codes) => codes.iter().any(|c| c == v),
        Releasability::National => false,
    }
}

/// Who a record is for, as written: the holder (a nation or a group such as
/// `EUROPE`), the buyer, the line's nation (capacity steps: their line's),
/// the nation of an economics row or a nation row, `US` for a US
/// contribution; `None` for requirements, a capacity step whose line is
/// unknown, and rows that do not exist.
pub fn row_holder(s: &Scenario, table: TableId, row: usize) -> Option<&str> {
    s.holder(RowRef::new(table, row))
}

/// The nation a record belongs to (the one that submits it and always sees
/// it): [`row_holder`] when that is a nation code; `None` for a group holder.
pub fn owner(s: &Scenario, table: TableId, row: usize) -> Option<&str> {
    row_holder(s, table, row).filter(|c| crate::scenario::is_nation_code(c))
}

/// Which rows of each table a viewer may see. Tables whose records are
/// released by their markings ([`crate::table::TableDef::marked`]) follow
/// [`releases`]; the rows of the others (the catalogue: deadlines,
/// capabilities; and benchmarks, redacted by [`redact_checks`]) are visible.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Visibility {
    /// Per table, in [`TableId::ALL`] order: per row.
    rows: Vec<Vec<bool>>,
}

impl Visibility {
    /// Work out every row's visibility for `viewer`.
    pub fn new(s: &Scenario, viewer: &Viewer) -> Self {
        let rows = TableId::ALL
            .into_iter()
            .map(|t| {
                (0..s.row_count(t))
                    .map(|i| match s.provenance(RowRef::new(t, i)) {
                        Some(p) if t.def().marked => {
                            releases(s, &p.releasability, owner(s, t, i), viewer)
                        }
                        _ => true,
                    })
                    .collect()
            })
            .collect();
        Visibility { rows }
    }

    /// Per row of `table`: whether it is visible.
    pub fn table(&self, table: TableId) -> &[bool] {
        self.rows
            .get(table as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Whether every row is visible.
    pub fn all(&self) -> bool {
        self.rows.iter().all(|v| v.iter().all(|&b| b))
    }

    /// Row `row`'s place among the rows of `table` the viewer sees (its
    /// index in the table as the viewer would export it), so that a label
    /// counts no hidden row; `None` when the row is not visible.
    pub fn seen_index(&self, table: TableId, row: usize) -> Option<usize> {
        let rows = self.table(table);
        rows.get(row)
            .copied()
            .filter(|&v| v)
            .map(|_| rows[..row].iter().filter(|&&v| v).count())
    }

    /// Whether row `row` of `table` is visible (rows that do not exist are not).
    pub fn row(&self, table: TableId, row: usize) -> bool {
        self.table(table).get(row).copied().unwrap_or(false)
    }

    /// Which parts of the European levels the viewer sees whole, so could
    /// subtract from a level: per compiled line, its capacity (the line and
    /// its capacity steps); per compiled stock (one holder's stock of one
    /// capability), its holdings, removals and consumption, and, for each
    /// line delivering to it, the line, its capacity steps and every order on
    /// it (another buyer's order ahead in the queue moves this holder's
    /// deliveries). One pass over the rows.
    pub fn parts_seen(&self, s: &Scenario, eval: &Evaluation) -> PartsSeen {
        let m = &eval.model;
        let lines: Vec<bool> = m
            .lines
            .iter()
            .enumerate()
            .map(|(li, l)| {
                self.row(TableId::Lines, li)
                    && l.step_rows.iter().all(|&r| self.row(TableId::Capacity, r))
            })
            .collect();
        let book: Vec<bool> = m
            .lines
            .iter()
            .enumerate()
            .map(|(li, l)| lines[li] && l.orders.iter().all(|&o| self.row(TableId::Orders, o)))
            .collect();
        let mut stocks = vec![true; m.stocks.len()];
        let index: HashMap<(&str, &str), usize> = m
            .stocks
            .iter()
            .enumerate()
            .map(|(si, st)| {
                (
                    (
                        st.holder.as_str(),
                        s.capabilities[st.capability].id.as_str(),
                    ),
                    si,
                )
            })
            .collect();
        let mut hide = |t: TableId, holder: &str, cap: &str, i: usize| {
            if !self.row(t, i) {
                if let Some(&si) = index.get(&(holder, cap)) {
                    stocks[si] = false;
                }
            }
        };
        for (i, h) in s.holdings.iter().enumerate() {
            hide(TableId::Holdings, &h.holder, &h.capability, i);
        }
        for (i, r) in s.retirements.iter().enumerate() {
            hide(TableId::Retirements, &r.holder, &r.capability, i);
        }
        for (i, c) in s.consumption.iter().enumerate() {
            hide(TableId::Consumption, &c.holder, &c.capability, i);
        }
        for o in &m.orders {
            if let Some(si) = o.stock {
                stocks[si] &= book[o.line];
            }
        }
        PartsSeen { lines, stocks }
    }

    /// Whether every record bearing on the European level of capability `id`
    /// is visible: its holdings, removals, lines, their capacity steps and orders.
    pub fn level_open(&self, s: &Scenario, id: &str) -> bool {
        let lines: BTreeSet<&str> = s
            .lines
            .iter()
            .filter(|l| l.capability == id)
            .map(|l| l.id.as_str())
            .collect();
        let all = |items: &[bool], pick: &dyn Fn(usize) -> bool| {
            items.iter().enumerate().all(|(i, &v)| v || !pick(i))
        };
        use TableId as T;
        all(self.table(T::Holdings), &|i| s.holdings[i].capability == id)
            && all(self.table(T::Retirements), &|i| {
                s.retirements[i].capability == id
            })
            && all(self.table(T::Consumption), &|i| {
                s.consumption[i].capability == id
            })
            && all(self.table(T::Lines), &|i| s.lines[i].capability == id)
            && all(self.table(T::Capacity), &|i| {
                lines.contains(s.capacity[i].line.as_str())
            })
            && all(self.table(T::Orders), &|i| {
                lines.contains(s.orders[i].line.as_str())
            })
    }
}

/// The parts of the European levels a viewer sees whole ([`Visibility::parts_seen`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartsSeen {
    /// Per compiled line: its capacity.
    pub lines: Vec<bool>,
    /// Per compiled stock: its level.
    pub stocks: Vec<bool>,
}

/// Whether a viewer may see the aggregates of line `line`'s order book (its
/// backlog and deliveries, sums over its buyers' orders): when every order
/// of the line is visible, or when the open quantities of the orders the
/// viewer cannot see pass the disclosure rule on their own. The viewer sees
/// the visible orders one by one and could subtract them from the total, so
/// it is the unreleased remainder that must not single out a nation.
pub fn line_book_disclosed(
    s: &Scenario,
    eval: &Evaluation,
    vis: &Visibility,
    rule: &DisclosureRule,
    line: usize,
) -> bool {
    let orders = &eval.model.lines[line].orders;
    let hidden: Vec<usize> = orders
        .iter()
        .copied()
        .filter(|&o| !vis.row(TableId::Orders, o))
        .collect();
    hidden.is_empty()
        || rule
            .check(
                hidden
                    .iter()
                    .map(|&o| (s.orders[o].buyer.as_str(), eval.model.orders[o].open)),
            )
            .is_ok()
}

/// What a viewer may see of one capability.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Disclosure {
    /// Every record bearing on it is released to the viewer.
    Open,
    /// Some are not, and the aggregates pass the disclosure rule at every period.
    Disclosed,
    /// Aggregates would reveal unreleased figures: removed.
    Suppressed {
        /// Why, for the reader.
        reason: String,
    },
}

impl Disclosure {
    /// Whether the figures were removed.
    pub fn is_suppressed(&self) -> bool {
        matches!(self, Disclosure::Suppressed { .. })
    }
}

/// The outcome of [`redact`]: per capability id, and for the index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Redaction {
    /// Per capability id.
    pub capabilities: BTreeMap<String, Disclosure>,
    /// Why the readiness index was removed, if it was.
    pub index: Option<String>,
    /// Capabilities whose US contribution is not released to the viewer.
    pub us_hidden: BTreeSet<String>,
    /// The rows the viewer may see.
    #[serde(skip)]
    pub visibility: Visibility,
}

impl Redaction {
    /// Whether nothing was held back.
    pub fn is_open(&self) -> bool {
        self.visibility.all()
    }

    /// Whether capability `id`'s figures were removed.
    pub fn suppressed(&self, id: &str) -> bool {
        self.capabilities
            .get(id)
            .is_some_and(Disclosure::is_suppressed)
    }
}

/// Decide what `viewer` may see of each capability (see the module docs).
pub fn disclosure(
    s: &Scenario,
    eval: &Evaluation,
    viewer: &Viewer,
    rule: &DisclosureRule,
) -> Redaction {
    let vis = Visibility::new(s, viewer);
    let seen = vis.parts_seen(s, eval);
    let cal = eval.model.calendar;
    let mut caps = BTreeMap::new();
    let mut us_hidden = BTreeSet::new();
    for (ci, c) in s.capabilities.iter().enumerate() {
        if let Some(i) = s.us_contributions.iter().position(|u| u.capability == c.id) {
            if !vis.row(TableId::UsContributions, i) {
                us_hidden.insert(c.id.clone());
            }
        }
        let req_hidden = s
            .requirements
            .iter()
            .enumerate()
            .any(|(i, r)| r.capability == c.id && !vis.row(TableId::Requirements, i));
        let d = if req_hidden {
            Disclosure::Suppressed {
                reason: "the target is not released to you".into(),
            }
        } else if vis.level_open(s, &c.id) {
            Disclosure::Open
        } else {
            // The European level's parts the viewer cannot work out from
            // what it sees, per contributing nation (or group), per period.
            // The viewer can subtract every visible part from the level, so
            // the rule is applied to the rest: it must not single out a nation.
            let mut parts: Vec<(&str, &Vec<f64>)> = vec![];
            for (si, st) in eval.model.stocks.iter().enumerate() {
                if st.capability == ci && st.european && !seen.stocks[si] {
                    parts.push((st.holder.as_str(), &eval.projection.stock[si]));
                }
            }
            for (li, lm) in eval.model.lines.iter().enumerate() {
                if lm.capability == ci && lm.european && !seen.lines[li] {
                    parts.push((s.lines[li].nation.as_str(), &eval.projection.capacity[li]));
                }
            }
            let failed = if parts.is_empty() {
                None
            } else {
                (0..cal.periods()).find_map(|k| {
                    rule.check(parts.iter().map(|(n, v)| (*n, v[k])))
                        .err()
                        .map(|why| (k, why))
                })
            };
            match failed {
                None => Disclosure::Disclosed,
                Some((k, why)) => Disclosure::Suppressed {
                    reason: format!(
                        "includes figures not released to you and, of those, {why} in the period ending {}",
                        cal.period_end(k as i64)
                    ),
                },
            }
        };
        caps.insert(c.id.clone(), d);
    }
    Redaction {
        capabilities: caps,
        index: None,
        us_hidden,
        visibility: vis,
    }
}

/// Remove from `a` what `viewer` may not see, and say what was removed.
///
/// `a` must be an assessment of `s` by `eval`. Suppressed capabilities keep
/// their id, name, unit, weight and target; every figure derived from the
/// European level is set to unknown and `suppressed` gives the reason.
/// Capabilities with unreleased records keep their aggregates but lose the
/// notes (which name single records) and any money figure priced on an
/// unreleased line. The index goes when a member capability is suppressed.
pub fn redact(
    s: &Scenario,
    eval: &Evaluation,
    a: &mut Assessment,
    viewer: &Viewer,
    rule: &DisclosureRule,
) -> Redaction {
    let mut r = disclosure(s, eval, viewer, rule);
    if r.is_open() {
        return r;
    }
    let vis = &r.visibility;
    for c in &mut a.capabilities {
        let d = &r.capabilities[&c.id];
        let us_hidden = r.us_hidden.contains(&c.id);
        if us_hidden {
            c.us_contribution = None;
            c.us_dependency = None;
        }
        if !matches!(d, Disclosure::Open) {
            // National parts the viewer may not see join the unattributed rest.
            let row = |holder: &str, part_of: Option<&str>| {
                s.holdings.iter().position(|h| {
                    h.capability == c.id && h.holder == holder && h.part_of.as_deref() == part_of
                })
            };
            let seen = |i: Option<usize>| i.is_some_and(|i| vis.row(TableId::Holdings, i));
            c.parts.retain(|g| seen(row(&g.group, None)));
            for g in &mut c.parts {
                g.parts.retain(|(n, _)| seen(row(n, Some(&g.group))));
                let known: f64 = g.parts.iter().map(|(_, q)| q).sum();
                g.unattributed = (g.total - known).max(0.0);
            }
            c.parts.retain(|g| !g.parts.is_empty());
        }
        match d {
            Disclosure::Open if !us_hidden => continue,
            Disclosure::Open | Disclosure::Disclosed => {
                for dl in &mut c.deadlines {
                    let line_hidden = dl.cost_line.as_ref().is_some_and(|id| {
                        s.lines
                            .iter()
                            .position(|l| &l.id == id)
                            .is_some_and(|i| !vis.row(TableId::Lines, i))
                    });
                    if line_hidden {
                        dl.cost_line = None;
                        dl.shortfall_cost = None;
                    }
                }
                c.notes = vec![match (d, us_hidden) {
                    (Disclosure::Open, _) => "the US contribution is not released to you".into(),
                    (_, false) => format!(
                        "includes figures not released to you, shown as aggregates under the disclosure rule (at least {} nations, none above {:.0} %)",
                        rule.min_nations,
                        rule.max_share * 100.0
                    ),
                    (_, true) => format!(
                        "includes figures not released to you, shown as aggregates under the disclosure rule (at least {} nations, none above {:.0} %); the US contribution is not released to you",
                        rule.min_nations,
                        rule.max_share * 100.0
                    ),
                }];
            }
            Disclosure::Suppressed { reason } => {
                c.level = None;
                c.coverage = None;
                c.us_dependency = None;
                c.reached = None;
                for dl in &mut c.deadlines {
                    dl.glide = None;
                    if dl.status != Status::NotApplicable {
                        dl.status = Status::NoData;
                    }
                    dl.level = None;
                    dl.coverage = None;
                    dl.met = None;
                    dl.shortfall = None;
                    dl.shortfall_cost = None;
                    dl.cost_line = None;
                }
                c.notes = vec![format!("suppressed: {reason}")];
                c.parts.clear();
                c.suppressed = Some(reason.clone());
                if let Some(series) = a.series.as_mut() {
                    if let Some(cs) = series.capabilities.get_mut(&c.id) {
                        cs.level = None;
                        cs.coverage = None;
                        cs.glide.clear();
                    }
                }
            }
        }
    }
    if let Some(id) = a.index.included.iter().find(|id| r.suppressed(id)) {
        let why = format!("it includes `{id}`, whose figures are suppressed");
        a.index.at = None;
        for v in a.index.deadlines.values_mut() {
            *v = None;
        }
        a.index.suppressed = Some(why.clone());
        if let Some(series) = a.series.as_mut() {
            series.index = None;
        }
        r.index = Some(why);
    }
    // A removal that could not be met names one holder's stock: shown only
    // where every record of the capability is released.
    a.unmet
        .retain(|u| matches!(r.capabilities.get(&u.capability), Some(Disclosure::Open)));
    r
}

/// Remove from a trigger report what `viewer` may not see: a trigger that
/// reads a suppressed capability, the suppressed index, an unreleased US
/// contribution, or unreleased spending figures is marked `suppressed` with
/// no figures.
pub fn redact_checks(s: &Scenario, triggers: &[Trigger], report: &mut CheckReport, r: &Redaction) {
    if r.is_open() {
        return;
    }
    let econ_hidden = |nation: Option<&str>| {
        s.economics.iter().enumerate().any(|(i, e)| {
            !r.visibility.row(TableId::Economics, i) && nation.is_none_or(|n| e.nation == n)
        })
    };
    for (t, out) in triggers.iter().zip(&mut report.triggers) {
        let Some(expr) = t.rule.expr() else { continue };
        let hides = expr.metrics().iter().any(|m| match &m.node {
            Metric::Coverage { capability, .. }
            | Metric::Level { capability, .. }
            | Metric::Shortfall { capability, .. }
            | Metric::Status { capability, .. }
            | Metric::Reached { capability }
            | Metric::PMet { capability, .. } => r.suppressed(&capability.node),
            Metric::ShortfallCost { capability, .. } => {
                r.suppressed(&capability.node)
                    || !matches!(r.capabilities.get(&capability.node), Some(Disclosure::Open))
            }
            Metric::Dependency { capability, .. } => {
                r.suppressed(&capability.node) || r.us_hidden.contains(&capability.node)
            }
            Metric::Index { .. } => r.index.is_some(),
            Metric::Spending { nation, .. } => econ_hidden(Some(&nation.node)),
            Metric::Count { .. } => econ_hidden(None),
        });
        if hides {
            out.state = State::Suppressed;
            out.figures = vec!["suppressed: it reads figures not released to you".into()];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;

    fn mark(s: &mut Scenario, holder: &str, m: &str) {
        for h in s.holdings.iter_mut().filter(|h| h.holder == holder) {
            h.provenance.releasability = m.parse().unwrap();
        }
    }

    /// Mark `holders`' holdings of tanks only.
    fn mark_mbt(s: &mut Scenario, holders: &[&str], m: &str) {
        for h in s.holdings.iter_mut() {
            if h.capability == "mbt" && holders.contains(&h.holder.as_str()) {
                h.provenance.releasability = m.parse().unwrap();
            }
        }
    }

    /// Four NATO nations (DE, FR, PL, NL; DE, FR, NL also EU) holding tanks.
    fn four(de: f64, fr: f64, pl: f64, nl: f64) -> Scenario {
        ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["NATO", "EU", "EUROPE"])
            .nation("FR", &["NATO", "EU", "EUROPE"])
            .nation("PL", &["NATO", "EUROPE"])
            .nation("NL", &["NATO", "EU", "EUROPE"])
            .stock("mbt", 1000.0)
            .stock("aar", 50.0)
            .holding("DE", "mbt", de)
            .holding("FR", "mbt", fr)
            .holding("PL", "mbt", pl)
            .holding("NL", "mbt", nl)
            .holding("FR", "aar", 20.0)
            .us("mbt", 100.0)
            .build()
    }

    #[test]
    fn markings_release_as_designed() {
        let s = four(1.0, 1.0, 1.0, 1.0);
        let de = Viewer::of("DE");
        let pl = Viewer::of("PL");
        let public = Viewer::public();
        let m = |t: &str| t.parse::<Releasability>().unwrap();
        assert!(releases(&s, &m("public"), Some("FR"), &public));
        assert!(!releases(&s, &m("nato"), Some("FR"), &public));
        assert!(releases(&s, &m("nato"), Some("FR"), &pl));
        assert!(releases(&s, &m("eu"), Some("FR"), &de));
        assert!(!releases(&s, &m("eu"), Some("FR"), &pl));
        assert!(releases(&s, &m("rel:PL"), Some("FR"), &pl));
        assert!(!releases(&s, &m("rel:PL"), Some("FR"), &de));
        assert!(!releases(&s, &m("national"), Some("FR"), &de));
        assert!(releases(&s, &m("national"), Some("FR"), &Viewer::of("FR")));
        // A nation not in the scenario is in no group.
        assert!(!releases(&s, &m("nato"), Some("FR"), &Viewer::of("JP")));
    }

    #[test]
    fn rule_counts_nations_and_shares() {
        let r = DisclosureRule::default();
        assert!(r.check([("A", 1.0), ("B", 1.0), ("C", 1.0)]).is_ok());
        assert!(r
            .check([("A", 1.0), ("B", 1.0)])
            .unwrap_err()
            .contains("fewer than 3"));
        // Zeros do not count as contributions.
        assert!(r.check([("A", 1.0), ("B", 1.0), ("C", 0.0)]).is_err());
        // 71 % is over the line; 70 % is not.
        assert!(r
            .check([("A", 71.0), ("B", 15.0), ("C", 14.0)])
            .unwrap_err()
            .contains("70 %"));
        assert!(r.check([("A", 70.0), ("B", 15.0), ("C", 15.0)]).is_ok());
        // One nation's parts are added up before the share is taken.
        assert!(r
            .check([("A", 40.0), ("A", 40.0), ("B", 10.0), ("C", 10.0)])
            .is_err());
    }

    fn assessed(s: &Scenario, v: &Viewer) -> (Assessment, Redaction) {
        let e = Evaluation::new(&crate::build::valid(s.clone()));
        let mut a = e.assess(s, s.scenario.start, true).unwrap();
        let r = redact(s, &e, &mut a, v, &DisclosureRule::default());
        (a, r)
    }

    /// A national part the viewer may not see is not named: it joins the
    /// unattributed rest of the total, which the level shows anyway.
    #[test]
    fn a_hidden_national_part_joins_the_unattributed_rest() {
        let mut s = ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["NATO", "EU", "EUROPE"])
            .nation("FR", &["NATO", "EU", "EUROPE"])
            .stock("mbt", 3000.0)
            .holding("EUROPE", "mbt", 35.0)
            .part("DE", "mbt", 9.0, "EUROPE")
            .part("FR", "mbt", 3.0, "EUROPE")
            .build();
        mark(&mut s, "DE", "national");
        let (a, _) = assessed(&s, &Viewer::of("FR"));
        let c = &a.capabilities[0];
        assert_eq!(c.level, Some(35.0));
        assert_eq!(c.parts.len(), 1);
        assert_eq!(c.parts[0].parts, vec![("FR".to_string(), 3.0)]);
        assert_eq!(c.parts[0].unattributed, 32.0);
        assert!(!format!("{a:?}").contains("\"DE\", 9.0"), "{a:?}");
        let (a, _) = assessed(&s, &Viewer::of("DE"));
        assert_eq!(a.capabilities[0].parts[0].parts.len(), 2);
        assert_eq!(a.capabilities[0].parts[0].unattributed, 23.0);
    }

    #[test]
    fn open_scenario_is_untouched() {
        let s = four(100.0, 100.0, 100.0, 100.0);
        let e = Evaluation::new(&crate::build::valid(s.clone()));
        let full = e.assess(&s, s.scenario.start, true).unwrap();
        let (a, r) = assessed(&s, &Viewer::public());
        assert_eq!(a, full);
        assert!(r.is_open());
    }

    #[test]
    fn hidden_records_of_three_nations_are_disclosed_as_an_aggregate() {
        let mut s = four(300.0, 200.0, 200.0, 200.0);
        mark_mbt(&mut s, &["DE", "FR", "NL"], "national");
        let (a, r) = assessed(&s, &Viewer::of("PL"));
        assert_eq!(r.capabilities["mbt"], Disclosure::Disclosed);
        let mbt = &a.capabilities[0];
        assert_eq!(mbt.level, Some(900.0));
        assert!(mbt.notes[0].contains("disclosure rule"));
        assert!(a.index.at.is_some());
    }

    /// One hidden figure among released ones is recovered by subtraction:
    /// the level minus the listed holdings. DE's national 313 tanks beside
    /// FR's public 600 and a public EUROPE total of 1,627 give a level of
    /// 2,540 of three holders, none above 70 %; the level must still be
    /// suppressed, because 2,540 − 1,627 − 600 = 313 is DE's figure.
    #[test]
    fn a_hidden_figure_recoverable_by_subtraction_is_suppressed() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["NATO", "EU", "EUROPE"])
            .nation("FR", &["NATO", "EU", "EUROPE"])
            .nation("PL", &["NATO", "EU", "EUROPE"])
            .stock("mbt", 3000.0)
            .holding("DE", "mbt", 313.0)
            .holding("FR", "mbt", 600.0)
            .holding("PL", "mbt", 1627.0)
            .build();
        let mut s = s;
        mark(&mut s, "DE", "national");
        let (a, r) = assessed(&s, &Viewer::public());
        assert!(r.suppressed("mbt"), "{:?}", r.capabilities["mbt"]);
        assert_eq!(a.capabilities[0].level, None);
        let why = a.capabilities[0].suppressed.as_deref().unwrap();
        assert!(why.contains("fewer than 3 nations"), "{why}");
        assert!(!why.contains("DE") && !why.contains("313"), "{why}");
        // FR, who sees DE's figure no more than the public, is refused too.
        assert!(assessed(&s, &Viewer::of("FR")).1.suppressed("mbt"));
        // DE sees its own figure, so everything.
        assert!(assessed(&s, &Viewer::of("DE")).1.is_open());
    }

    /// The same for a line's order book: the backlog minus the visible
    /// orders is the hidden order.
    #[test]
    fn a_line_book_with_one_hidden_order_is_not_disclosed() {
        let mut s = ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["NATO", "EU", "EUROPE"])
            .nation("FR", &["NATO", "EU", "EUROPE"])
            .nation("PL", &["NATO", "EUROPE"])
            .stock("mbt", 3000.0)
            .line("l", "mbt", "DE", 12)
            .capacity("l", "2026-01-01", 120.0)
            .order("o1", "DE", "l", 100.0, "2025-01-01")
            .order("o2", "FR", "l", 200.0, "2025-02-01")
            .order("o3", "PL", "l", 300.0, "2025-03-01")
            .build();
        s.orders[0].provenance.releasability = "national".parse().unwrap();
        let e = Evaluation::new(&crate::build::valid(s.clone()));
        let rule = DisclosureRule::default();
        let vis = Visibility::new(&s, &Viewer::public());
        assert!(!line_book_disclosed(&s, &e, &vis, &rule, 0));
        // Hidden orders of three buyers, none dominant, may be summed.
        for o in &mut s.orders {
            o.provenance.releasability = "national".parse().unwrap();
        }
        let e = Evaluation::new(&crate::build::valid(s.clone()));
        let vis = Visibility::new(&s, &Viewer::public());
        assert!(line_book_disclosed(&s, &e, &vis, &rule, 0));
    }

    #[test]
    fn dominant_hidden_nation_suppresses_and_index_follows() {
        // DE's 800 of the 950 tanks PL cannot see is over 70 %.
        let mut s = four(800.0, 100.0, 50.0, 50.0);
        mark_mbt(&mut s, &["DE", "FR", "NL"], "national");
        let (a, r) = assessed(&s, &Viewer::of("PL"));
        assert!(r.suppressed("mbt"));
        let mbt = &a.capabilities[0];
        assert_eq!(
            (mbt.level, mbt.coverage, mbt.us_dependency),
            (None, None, None)
        );
        assert_eq!(mbt.target, Some(1000.0));
        assert!(mbt.suppressed.as_ref().unwrap().contains("70 %"));
        assert!(mbt
            .deadlines
            .iter()
            .all(|d| d.level.is_none() && d.status == Status::NoData));
        let cs = &a.series.as_ref().unwrap().capabilities["mbt"];
        assert!(cs.level.is_none() && cs.coverage.is_none() && cs.glide.is_empty());
        assert!(a.index.at.is_none() && a.index.suppressed.is_some());
        assert!(a.series.as_ref().unwrap().index.is_none());
        // DE sees its own figure; what it cannot see (FR's and NL's) is
        // of two nations only.
        let (own, r) = assessed(&s, &Viewer::of("DE"));
        assert!(r.suppressed("mbt") && own.capabilities[0].level.is_none());
        // With every record its own, a holder sees everything.
        let mut s = four(800.0, 100.0, 50.0, 50.0);
        mark(&mut s, "DE", "national");
        let (own, r) = assessed(&s, &Viewer::of("DE"));
        assert!(r.is_open() && own.capabilities[0].level == Some(1000.0));
        // Other capabilities are unaffected.
        assert_eq!(a.capabilities[1].level, Some(20.0));
    }

    #[test]
    fn two_nations_cannot_be_disclosed_and_us_figure_hides() {
        let mut s = four(100.0, 100.0, 0.0, 0.0);
        mark(&mut s, "FR", "eu");
        s.us_contributions[0].provenance.releasability = "rel:DE".parse().unwrap();
        let (a, r) = assessed(&s, &Viewer::of("PL"));
        assert!(r.suppressed("mbt"));
        assert!(r.capabilities["mbt"].clone().is_suppressed());
        assert!(a.capabilities[0].us_contribution.is_none());
        // Within the EU, FR's row is released: all open but the US figure.
        let (a, r) = assessed(&s, &Viewer::of("NL"));
        assert_eq!(r.capabilities["mbt"], Disclosure::Open);
        assert!(a.capabilities[0].us_contribution.is_none());
        assert_eq!(a.capabilities[0].level, Some(200.0));
        let (a, _) = assessed(&s, &Viewer::of("DE"));
        assert_eq!(a.capabilities[0].us_contribution, Some(100.0));
    }

    #[test]
    fn hidden_target_suppresses() {
        let mut s = four(100.0, 100.0, 100.0, 100.0);
        s.requirements[0].provenance.releasability = "nato".parse().unwrap();
        let (a, r) = assessed(&s, &Viewer::public());
        assert!(r.suppressed("mbt"));
        assert!(a.capabilities[0]
            .suppressed
            .as_ref()
            .unwrap()
            .contains("target"));
        let (_, r) = assessed(&s, &Viewer::of("FR"));
        assert!(r.is_open());
    }

    #[test]
    fn owners_of_each_table() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["EUROPE"])
            .nation("US", &["NATO"])
            .stock("x", 10.0)
            .holding("EUROPE", "x", 1.0)
            .holding("DE", "x", 1.0)
            .us("x", 1.0)
            .line("l", "x", "DE", 12)
            .capacity("l", "2026-01-01", 12.0)
            .order("o", "US", "l", 5.0, "2026-02-01")
            .build();
        assert_eq!(owner(&s, TableId::Holdings, 0), None);
        assert_eq!(owner(&s, TableId::Holdings, 1), Some("DE"));
        assert_eq!(owner(&s, TableId::UsContributions, 0), Some("US"));
        assert_eq!(owner(&s, TableId::Capacity, 0), Some("DE"));
        assert_eq!(owner(&s, TableId::Orders, 0), Some("US"));
        assert_eq!(owner(&s, TableId::Requirements, 0), None);
        assert_eq!(owner(&s, TableId::Orders, 9), None);
    }
}
