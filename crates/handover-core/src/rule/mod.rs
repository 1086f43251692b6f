//! The benchmark rule language (MODEL.md, "Benchmarks and triggers";
//! docs/TRIGGERS.md): triggers and their rules as data, and the parser. A
//! leaf of the crate: it knows no scenario, projection or metric values, so
//! the scenario can hold triggers without depending on how they are evaluated
//! ([`crate::trigger`] evaluates them). Rules read like
//!
//! ```text
//! coverage(iamd-long) at 2026-12-31 < 0.5
//! status(airborne-isr, us-2027) == off-track
//! P(met, iamd-long, us-2027) < 0.2
//! index at us-2027 < 60% and not (reached(aar) <= eu-2030)
//! count(NATO where spending(2025) < 3.5%) > 0
//! ```
//!
//! [`Rule::parse`] reads a rule into an [`Expr`] ([`parse`]); errors carry the
//! byte offset and the 1-based character column.
//! [`crate::validate::references`] checks the ids a rule names against a
//! scenario (did-you-mean suggestions included).

pub mod parse;

use crate::provenance::{Origin, Provenance};
use crate::status::Status;
use crate::suggest::suggest;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// A node with the byte range of rule text it was read from. Equality ignores
/// the span, so a rule re-read from its display equals the original.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The node.
    pub node: T,
    /// Byte range in the rule text.
    pub span: Range<usize>,
}

impl<T> Spanned<T> {
    /// A node at `span`.
    pub fn new(node: T, span: Range<usize>) -> Self {
        Spanned { node, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// A rule: comparisons joined by `and`, `or`, `not`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// True if any is true (three-valued: see [`eval::Truth`]).
    Or(Vec<Expr>),
    /// True if all are true.
    And(Vec<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// One comparison.
    Compare(Box<Comparison>),
}

/// `left op right`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Left side.
    pub left: Operand,
    /// Operator.
    pub op: Spanned<CmpOp>,
    /// Right side.
    pub right: Operand,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }

    /// The operator that holds exactly when this one does not.
    pub fn negated(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
        }
    }

    /// Whether `a op b` for an ordering of `a` against `b`.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
        }
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A metric of the model.
    Metric(Spanned<Metric>),
    /// A number, date, deadline, status or `never`.
    Literal(Spanned<Literal>),
}

impl Operand {
    /// What kind of value it is.
    pub fn kind(&self) -> Kind {
        match self {
            Operand::Metric(m) => m.node.kind(),
            Operand::Literal(l) => l.node.kind(),
        }
    }

    /// Its byte range in the rule.
    pub fn span(&self) -> Range<usize> {
        match self {
            Operand::Metric(m) => m.span.clone(),
            Operand::Literal(l) => l.span.clone(),
        }
    }
}

/// The kinds of value a rule compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Shares, levels, units, money, counts.
    Number,
    /// Dates (including deadlines and `never`).
    Date,
    /// `on-track`, `at-risk`, `off-track`.
    Status,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Number => "a number",
            Kind::Date => "a date",
            Kind::Status => "a status",
        })
    }
}

/// A point in time: a date, or a deadline by id (its date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Time {
    /// `2026-12-31`
    Date(NaiveDate),
    /// `us-2027`
    Deadline(String),
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Time::Date(d) => write!(f, "{d}"),
            Time::Deadline(id) => f.write_str(id),
        }
    }
}

/// A number as written: `0.5` or `50%` (a percentage is divided by 100).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    /// The digits written.
    pub written: f64,
    /// Written with `%`.
    pub percent: bool,
}

impl Number {
    /// Its value: `50%` is 0.5.
    pub fn value(self) -> f64 {
        if self.percent {
            self.written / 100.0
        } else {
            self.written
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.written, if self.percent { "%" } else { "" })
    }
}

/// A status a rule can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusWord {
    /// `on-track`
    OnTrack,
    /// `at-risk`
    AtRisk,
    /// `off-track`
    OffTrack,
}

impl StatusWord {
    /// The model's status.
    pub fn status(self) -> Status {
        match self {
            StatusWord::OnTrack => Status::OnTrack,
            StatusWord::AtRisk => Status::AtRisk,
            StatusWord::OffTrack => Status::OffTrack,
        }
    }

    /// From its name.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "on-track" => Some(StatusWord::OnTrack),
            "at-risk" => Some(StatusWord::AtRisk),
            "off-track" => Some(StatusWord::OffTrack),
            _ => None,
        }
    }
}

/// A value written in a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `0.5`, `50%`, `1200`
    Number(Number),
    /// `2027-12-31`
    Date(NaiveDate),
    /// A deadline id, standing for its date.
    Deadline(String),
    /// `never`: not within the horizon (later than every date in it).
    Never,
    /// `on-track`, `at-risk`, `off-track`
    Status(StatusWord),
}

impl Literal {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Literal::Number(_) => Kind::Number,
            Literal::Date(_) | Literal::Deadline(_) | Literal::Never => Kind::Date,
            Literal::Status(_) => Kind::Status,
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Number(n) => n.fmt(f),
            Literal::Date(d) => write!(f, "{d}"),
            Literal::Deadline(id) => f.write_str(id),
            Literal::Never => f.write_str("never"),
            Literal::Status(s) => f.write_str(s.status().as_str()),
        }
    }
}

/// A metric of MODEL.md.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// `coverage(CAP) [at TIME]`: `min(1, E/T)`.
    Coverage {
        /// Capability id.
        capability: Spanned<String>,
        /// When; default the check date.
        at: Option<Spanned<Time>>,
    },
    /// `level(CAP) [at TIME]`: European level `E`.
    Level {
        /// Capability id.
        capability: Spanned<String>,
        /// When; default the check date.
        at: Option<Spanned<Time>>,
    },
    /// `dependency(CAP) [at TIME]`: `U / (U + E)`.
    Dependency {
        /// Capability id.
        capability: Spanned<String>,
        /// When; default the check date.
        at: Option<Spanned<Time>>,
    },
    /// `shortfall(CAP, TIME)`: `max(0, T - E)` in units.
    Shortfall {
        /// Capability id.
        capability: Spanned<String>,
        /// When.
        at: Spanned<Time>,
    },
    /// `shortfall_cost(CAP, TIME)`: the shortfall at the cheapest European line's unit cost.
    ShortfallCost {
        /// Capability id.
        capability: Spanned<String>,
        /// When.
        at: Spanned<Time>,
    },
    /// `status(CAP, DEADLINE) [at TIME]`: against the glide path to the deadline.
    Status {
        /// Capability id.
        capability: Spanned<String>,
        /// Deadline id.
        deadline: Spanned<String>,
        /// When; default the check date.
        at: Option<Spanned<Time>>,
    },
    /// `index [at TIME]`: the readiness index.
    Index {
        /// When; default the check date.
        at: Option<Spanned<Time>>,
    },
    /// `reached(CAP)`: last day of the first period with coverage 1, or `never`.
    Reached {
        /// Capability id.
        capability: Spanned<String>,
    },
    /// `P(met, CAP, DEADLINE)`: the forecast's share of samples meeting the target.
    PMet {
        /// Capability id.
        capability: Spanned<String>,
        /// Deadline id.
        deadline: Spanned<String>,
    },
    /// `spending(NATION, YEAR)`: defence expenditure as a share of GDP (0.02 = 2 %).
    Spending {
        /// Nation code.
        nation: Spanned<String>,
        /// Calendar year.
        year: i32,
    },
    /// `count(GROUP where spending(YEAR) OP X)`: how many nations of a group.
    Count {
        /// Group name.
        group: Spanned<String>,
        /// Calendar year.
        year: i32,
        /// Operator.
        op: CmpOp,
        /// Threshold.
        threshold: Number,
    },
}

impl Metric {
    /// The kind of value it gives.
    pub fn kind(&self) -> Kind {
        match self {
            Metric::Status { .. } => Kind::Status,
            Metric::Reached { .. } => Kind::Date,
            _ => Kind::Number,
        }
    }

    /// Whether it is a share from 0 to 1 (coverage, dependency, the index,
    /// P(met), spending as a share of GDP), compared with `0.5` or `50%`.
    pub fn is_share(&self) -> bool {
        matches!(
            self,
            Metric::Coverage { .. }
                | Metric::Dependency { .. }
                | Metric::Index { .. }
                | Metric::PMet { .. }
                | Metric::Spending { .. }
        )
    }

    /// Whether it needs the Monte Carlo forecast.
    pub fn needs_forecast(&self) -> bool {
        matches!(self, Metric::PMet { .. })
    }
}

fn opt_at(f: &mut fmt::Formatter<'_>, at: &Option<Spanned<Time>>) -> fmt::Result {
    match at {
        Some(t) => write!(f, " at {t}"),
        None => Ok(()),
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Coverage { capability, at } => {
                write!(f, "coverage({capability})")?;
                opt_at(f, at)
            }
            Metric::Level { capability, at } => {
                write!(f, "level({capability})")?;
                opt_at(f, at)
            }
            Metric::Dependency { capability, at } => {
                write!(f, "dependency({capability})")?;
                opt_at(f, at)
            }
            Metric::Shortfall { capability, at } => write!(f, "shortfall({capability}, {at})"),
            Metric::ShortfallCost { capability, at } => {
                write!(f, "shortfall_cost({capability}, {at})")
            }
            Metric::Status {
                capability,
                deadline,
                at,
            } => {
                write!(f, "status({capability}, {deadline})")?;
                opt_at(f, at)
            }
            Metric::Index { at } => {
                f.write_str("index")?;
                opt_at(f, at)
            }
            Metric::Reached { capability } => write!(f, "reached({capability})"),
            Metric::PMet {
                capability,
                deadline,
            } => write!(f, "P(met, {capability}, {deadline})"),
            Metric::Spending { nation, year } => write!(f, "spending({nation}, {year})"),
            Metric::Count {
                group,
                year,
                op,
                threshold,
            } => write!(f, "count({group} where spending({year}) {op} {threshold})"),
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Metric(m) => m.fmt(f),
            Operand::Literal(l) => l.fmt(f),
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.left, self.op, self.right)
    }
}

impl fmt::Display for Expr {
    /// The canonical text: reading it back gives an equal expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[Expr], word: &str, is_or: bool| {
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " {word} ")?;
                }
                // `and` binds tighter than `or`; a nested list of the same
                // kind (written with parentheses) keeps them.
                let parens = match e {
                    Expr::Or(_) => true,
                    Expr::And(_) => !is_or,
                    _ => false,
                };
                if parens {
                    write!(f, "({e})")?;
                } else {
                    write!(f, "{e}")?;
                }
            }
            Ok(())
        };
        match self {
            Expr::Or(items) => join(f, items, "or", true),
            Expr::And(items) => join(f, items, "and", false),
            Expr::Not(e) => match **e {
                Expr::Or(_) | Expr::And(_) => write!(f, "not ({e})"),
                _ => write!(f, "not {e}"),
            },
            Expr::Compare(c) => c.fmt(f),
        }
    }
}

impl Expr {
    /// Every metric in the rule, in reading order.
    pub fn metrics(&self) -> Vec<&Spanned<Metric>> {
        let mut out = vec![];
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a Spanned<Metric>>) {
            match e {
                Expr::Or(items) | Expr::And(items) => items.iter().for_each(|x| walk(x, out)),
                Expr::Not(x) => walk(x, out),
                Expr::Compare(c) => {
                    for side in [&c.left, &c.right] {
                        if let Operand::Metric(m) = side {
                            out.push(m);
                        }
                    }
                }
            }
        }
        walk(self, &mut out);
        out
    }

    /// Every literal in the rule, in reading order.
    pub fn literals(&self) -> Vec<&Spanned<Literal>> {
        let mut out = vec![];
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a Spanned<Literal>>) {
            match e {
                Expr::Or(items) | Expr::And(items) => items.iter().for_each(|x| walk(x, out)),
                Expr::Not(x) => walk(x, out),
                Expr::Compare(c) => {
                    for side in [&c.left, &c.right] {
                        if let Operand::Literal(l) = side {
                            out.push(l);
                        }
                    }
                }
            }
        }
        walk(self, &mut out);
        out
    }

    /// Whether evaluating it needs the Monte Carlo forecast.
    pub fn needs_forecast(&self) -> bool {
        self.metrics().iter().any(|m| m.node.needs_forecast())
    }
}

/// Why a rule cannot be read or does not fit the scenario: a message at a
/// position of the rule text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// Byte offset in the rule text.
    pub offset: usize,
    /// 1-based character column in the rule text.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl RuleError {
    /// An error at byte `offset` of `text`.
    pub fn at(text: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(text.len());
        let column = text.char_indices().take_while(|(i, _)| *i < offset).count() + 1;
        RuleError {
            offset,
            column,
            message: message.into(),
        }
    }

    /// The rule with a caret under the column, for terminals.
    pub fn caret(&self, text: &str) -> String {
        format!("{text}\n{}^", " ".repeat(self.column - 1))
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for RuleError {}

/// A rule as written, with its parsed form (or why it could not be read).
#[derive(Debug, Clone)]
pub struct Rule {
    /// The text as written.
    pub text: String,
    /// The expression, or the parse error.
    pub parsed: Result<Expr, RuleError>,
}

impl Rule {
    /// Read a rule; a parse error is kept, for validation to report.
    pub fn parse(text: &str) -> Rule {
        Rule {
            text: text.to_string(),
            parsed: parse::parse(text),
        }
    }

    /// The expression, if the rule could be read.
    pub fn expr(&self) -> Option<&Expr> {
        self.parsed.as_ref().ok()
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(Rule::parse(&text))
    }
}

/// How serious a trigger is when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TriggerSeverity {
    /// For the record.
    Info,
    /// Needs attention.
    Warning,
    /// Calls for a decision.
    Critical,
}

impl TriggerSeverity {
    /// The name used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerSeverity::Info => "info",
            TriggerSeverity::Warning => "warning",
            TriggerSeverity::Critical => "critical",
        }
    }
}

impl fmt::Display for TriggerSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TriggerSeverity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "info" => Ok(TriggerSeverity::Info),
            "warning" => Ok(TriggerSeverity::Warning),
            "critical" => Ok(TriggerSeverity::Critical),
            other => Err(format!(
                "`{other}` is not a severity; expected info, warning or critical"
            )),
        }
    }
}

/// A benchmark: a rule, how serious it is when it fires, and what it calls for.
/// Equality compares what was written, not where it was read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trigger {
    /// Identifier.
    pub id: String,
    /// The rule; the trigger *fires* when it is true.
    pub rule: Rule,
    /// How serious a firing is.
    pub severity: TriggerSeverity,
    /// The action it calls for, in words.
    pub action: String,
    /// Source or authority of the benchmark, marking and notes.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Where it was read.
    #[serde(skip)]
    pub origin: Origin,
    /// Line and 1-based column in the file where the rule's text starts, when
    /// the file holds it verbatim; errors in the rule then point into the file.
    #[serde(skip)]
    pub rule_at: Option<(usize, usize)>,
}

impl PartialEq for Trigger {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.rule == other.rule
            && self.severity == other.severity
            && self.action == other.action
            && self.provenance == other.provenance
    }
}
