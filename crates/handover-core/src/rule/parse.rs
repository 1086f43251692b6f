//! The rule parser (winnow). Grammar, as in docs/TRIGGERS.md:
//!
//! ```text
//! rule       = or EOF
//! or         = and { "or" and }
//! and        = not { "and" not }
//! not        = "not" not | primary
//! primary    = "(" or ")" | comparison
//! comparison = operand op operand          (same kind on both sides, at least one metric)
//! op         = "<" | "<=" | ">" | ">=" | "==" | "!="
//! operand    = metric | number | date | "never" | status | deadline-id
//! metric     = "coverage" "(" cap ")" [at] | "level" "(" cap ")" [at]
//!            | "dependency" "(" cap ")" [at] | "shortfall" "(" cap "," time ")"
//!            | "shortfall_cost" "(" cap "," time ")"
//!            | "status" "(" cap "," deadline-id ")" [at] | "index" [at]
//!            | "reached" "(" cap ")" | "P" "(" "met" "," cap "," deadline-id ")"
//!            | "spending" "(" nation "," year ")"
//!            | "count" "(" group "where" "spending" "(" year ")" op number ")"
//! at         = "at" time
//! time       = date | deadline-id
//! number     = ["-"] digits ["." digits] ["%"]
//! date       = digit{4} "-" digit{2} "-" digit{2}
//! ```

use super::*;
use winnow::error::{AddContext, ContextError, ErrMode};
use winnow::stream::{Location, Stream};
use winnow::token::{one_of, take_while};
use winnow::{LocatingSlice, ModalResult, Parser};

type In<'a> = LocatingSlice<&'a str>;

/// An error raised at a byte offset with its message.
#[derive(Debug, Clone)]
struct At(usize, String);

type PResult<O> = ModalResult<O, ContextError<At>>;

/// The metric names, for messages and suggestions.
pub const METRICS: &[&str] = &[
    "coverage",
    "level",
    "dependency",
    "shortfall",
    "shortfall_cost",
    "status",
    "index",
    "reached",
    "P",
    "spending",
    "count",
];

const KEYWORDS: &[&str] = &["and", "or", "not", "at", "where", "met"];

/// Read a rule. The error names the column where reading stopped and what
/// was expected there.
pub fn parse(text: &str) -> Result<Expr, RuleError> {
    let mut input = LocatingSlice::new(text);
    let result = rule.parse_next(&mut input);
    match result {
        Ok(e) => Ok(e),
        Err(e) => {
            let e = match e {
                ErrMode::Backtrack(e) | ErrMode::Cut(e) => e,
                ErrMode::Incomplete(_) => ContextError::new(),
            };
            let first = e.context().next().cloned();
            match first {
                Some(At(offset, msg)) => Err(RuleError::at(text, offset, msg)),
                None => {
                    let at = input.current_token_start();
                    Err(RuleError::at(
                        text,
                        at,
                        format!("cannot read the rule here ({})", found(text, at)),
                    ))
                }
            }
        }
    }
}

/// The input not read yet.
fn rest<'a>(i: &In<'a>) -> &'a str {
    i
}

fn pos(i: &In<'_>) -> usize {
    i.current_token_start()
}

/// Describe what stands at `at`.
fn found(text: &str, at: usize) -> String {
    let rest = &text[at.min(text.len())..];
    let word: String = rest.chars().take_while(|c| is_id_char(*c)).collect();
    match rest.chars().next() {
        None => "found the end of the rule".to_string(),
        Some(_) if !word.is_empty() => format!("found `{word}`"),
        Some(c) => format!("found `{c}`"),
    }
}

fn fail<O>(i: &In<'_>, at: usize, msg: impl Into<String>) -> PResult<O> {
    Err(ErrMode::Cut(ContextError::new().add_context(
        i,
        &i.checkpoint(),
        At(at, msg.into()),
    )))
}

/// Fail at the current position: "expected X, found Y".
fn expected<O>(i: &In<'_>, what: &str) -> PResult<O> {
    let at = pos(i);
    let found = found(rest(i), 0);
    fail(i, at, format!("expected {what}, {found}"))
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn ws(i: &mut In<'_>) -> PResult<()> {
    take_while(0.., char::is_whitespace).void().parse_next(i)
}

/// A word of id characters, with its span; `None` (input untouched) if there is none.
fn word<'a>(i: &mut In<'a>) -> PResult<Option<(&'a str, Range<usize>)>> {
    let cp = i.checkpoint();
    match take_while(1.., is_id_char).with_span().parse_next(i) {
        Ok((w, span)) => Ok(Some((w, span))),
        Err(ErrMode::Backtrack(_)) => {
            i.reset(&cp);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Consume keyword `k` if it comes next (after whitespace).
fn keyword(i: &mut In<'_>, k: &str) -> PResult<bool> {
    let cp = i.checkpoint();
    ws(i)?;
    match word(i)? {
        Some((w, _)) if w == k => Ok(true),
        _ => {
            i.reset(&cp);
            Ok(false)
        }
    }
}

/// Expect punctuation `p` (after whitespace).
fn punct(i: &mut In<'_>, p: char, what: &str) -> PResult<()> {
    ws(i)?;
    let cp = i.checkpoint();
    match one_of::<_, _, ContextError<At>>(p).parse_next(i) {
        Ok(_) => Ok(()),
        Err(_) => {
            i.reset(&cp);
            expected(i, what)
        }
    }
}

fn rule(i: &mut In<'_>) -> PResult<Expr> {
    let e = or_expr(i)?;
    ws(i)?;
    if i.eof_offset() > 0 {
        return expected(i, "`and`, `or`, `)` or the end of the rule");
    }
    Ok(e)
}

fn or_expr(i: &mut In<'_>) -> PResult<Expr> {
    let mut items = vec![and_expr(i)?];
    while keyword(i, "or")? {
        items.push(and_expr(i)?);
    }
    Ok(if items.len() == 1 {
        items.remove(0)
    } else {
        Expr::Or(items)
    })
}

fn and_expr(i: &mut In<'_>) -> PResult<Expr> {
    let mut items = vec![not_expr(i)?];
    while keyword(i, "and")? {
        items.push(not_expr(i)?);
    }
    Ok(if items.len() == 1 {
        items.remove(0)
    } else {
        Expr::And(items)
    })
}

fn not_expr(i: &mut In<'_>) -> PResult<Expr> {
    if keyword(i, "not")? {
        return Ok(Expr::Not(Box::new(not_expr(i)?)));
    }
    primary(i)
}

fn primary(i: &mut In<'_>) -> PResult<Expr> {
    ws(i)?;
    if rest(i).starts_with('(') {
        let _ = i.next_token();
        let e = or_expr(i)?;
        ws(i)?;
        if !rest(i).starts_with(')') {
            return expected(i, "`)` to close the parenthesis");
        }
        let _ = i.next_token();
        return Ok(e);
    }
    comparison(i)
}

fn comparison(i: &mut In<'_>) -> PResult<Expr> {
    let left = operand(i)?;
    ws(i)?;
    let op_at = pos(i);
    let op = cmp_op(i)?;
    let op_span = op_at..pos(i);
    let right = operand(i)?;
    let (lk, rk) = (left.kind(), right.kind());
    if matches!((&left, &right), (Operand::Literal(_), Operand::Literal(_))) {
        return fail(
            i,
            left.span().start,
            "a comparison needs a metric on at least one side, e.g. `coverage(iamd-long) at us-2027 < 0.5`",
        );
    }
    if lk != rk {
        return fail(
            i,
            op_at,
            format!("cannot compare {lk} with {rk}; both sides of `{op}` must be of one kind"),
        );
    }
    // A share against a plain number above 1 (`coverage(x) < 50`) holds
    // always or never: the writer meant a percentage.
    for (m, l) in [(&left, &right), (&right, &left)] {
        if let (Operand::Metric(m), Operand::Literal(l)) = (m, l) {
            if let Literal::Number(n) = &l.node {
                if m.node.is_share() && !n.percent && n.written.abs() > 1.0 {
                    return fail(
                        i,
                        l.span.start,
                        format!(
                            "`{}` is a share from 0 to 1, so comparing it with {} is always true or always false; write `{}%` or `{}`",
                            m.node,
                            n.written,
                            n.written,
                            n.written / 100.0
                        ),
                    );
                }
            }
        }
    }
    if lk == Kind::Status && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
        return fail(
            i,
            op_at,
            format!("a status is compared with `==` or `!=`, not `{op}`"),
        );
    }
    Ok(Expr::Compare(Box::new(Comparison {
        left,
        op: Spanned::new(op, op_span),
        right,
    })))
}

fn cmp_op(i: &mut In<'_>) -> PResult<CmpOp> {
    let rest = rest(i);
    let (op, n) = if rest.starts_with("<=") {
        (CmpOp::Le, 2)
    } else if rest.starts_with(">=") {
        (CmpOp::Ge, 2)
    } else if rest.starts_with("==") {
        (CmpOp::Eq, 2)
    } else if rest.starts_with("!=") {
        (CmpOp::Ne, 2)
    } else if rest.starts_with('<') {
        (CmpOp::Lt, 1)
    } else if rest.starts_with('>') {
        (CmpOp::Gt, 1)
    } else if rest.starts_with('=') {
        return fail(i, pos(i), "`=` is not an operator; write `==` to compare");
    } else {
        return expected(i, "a comparison operator (<, <=, >, >=, ==, !=)");
    };
    for _ in 0..n {
        let _ = i.next_token();
    }
    Ok(op)
}

fn operand(i: &mut In<'_>) -> PResult<Operand> {
    ws(i)?;
    let start = pos(i);
    let first = rest(i).chars().next();
    match first {
        Some(c) if c.is_ascii_digit() || c == '-' => {
            if let Some(d) = try_date(i)? {
                return Ok(Operand::Literal(Spanned::new(Literal::Date(d), start..pos(i))));
            }
            let n = number(i)?;
            Ok(Operand::Literal(Spanned::new(Literal::Number(n), start..pos(i))))
        }
        Some(c) if c.is_ascii_alphabetic() => {
            let Some((w, span)) = word(i)? else {
                return expected(i, "a metric or a value");
            };
            if METRICS.contains(&w) {
                let m = metric(i, w, start)?;
                return Ok(Operand::Metric(Spanned::new(m, start..pos(i))));
            }
            ws(i)?;
            if rest(i).starts_with('(') {
                return fail(
                    i,
                    start,
                    format!(
                        "unknown metric `{w}`{}; expected one of {}",
                        suggest(w, METRICS.iter().copied()),
                        METRICS.join(", ")
                    ),
                );
            }
            let lit = if w == "never" {
                Literal::Never
            } else if let Some(s) = StatusWord::from_name(w) {
                Literal::Status(s)
            } else if KEYWORDS.contains(&w) {
                return fail(
                    i,
                    start,
                    format!("expected a metric or a value, found the keyword `{w}`"),
                );
            } else {
                Literal::Deadline(w.to_string())
            };
            Ok(Operand::Literal(Spanned::new(lit, span)))
        }
        _ => expected(
            i,
            "a metric (coverage, level, dependency, shortfall, status, index, reached, P, spending, count) or a value",
        ),
    }
}

/// A date `YYYY-MM-DD`, if one comes next; an impossible date is an error.
fn try_date(i: &mut In<'_>) -> PResult<Option<NaiveDate>> {
    let rest = rest(i);
    let b = rest.as_bytes();
    let shape = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && !b.get(10).is_some_and(|c| is_id_char(*c as char));
    if !shape {
        return Ok(None);
    }
    let text = &rest[..10];
    let at = pos(i);
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => {
            for _ in 0..10 {
                let _ = i.next_token();
            }
            Ok(Some(d))
        }
        Err(_) => fail(
            i,
            at,
            format!("`{text}` is not a date; expected YYYY-MM-DD"),
        ),
    }
}

fn number(i: &mut In<'_>) -> PResult<Number> {
    ws(i)?;
    let at = pos(i);
    let digits = (
        winnow::combinator::opt('-'),
        take_while(1.., |c: char| c.is_ascii_digit()),
        winnow::combinator::opt(('.', take_while(1.., |c: char| c.is_ascii_digit()))),
    )
        .take()
        .parse_next(i);
    let text = match digits {
        Ok(t) => t,
        Err(ErrMode::Backtrack(_)) => {
            return expected(i, "a number such as 0.5 or 50%");
        }
        Err(e) => return Err(e),
    };
    let written: f64 = match text.parse() {
        Ok(x) => x,
        Err(_) => return fail(i, at, format!("`{text}` is not a number")),
    };
    let percent = rest(i).starts_with('%');
    if percent {
        let _ = i.next_token();
    }
    if rest(i).chars().next().is_some_and(is_id_char) {
        return expected(i, "a number such as 0.5 or 50%, then a space");
    }
    Ok(Number { written, percent })
}

fn year(i: &mut In<'_>) -> PResult<i32> {
    ws(i)?;
    let at = pos(i);
    match word(i)? {
        Some((w, _)) if w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(w.parse().unwrap_or_default())
        }
        Some((w, _)) => fail(i, at, format!("expected a year such as 2025, found `{w}`")),
        None => expected(i, "a year such as 2025"),
    }
}

/// An id (capability, deadline, nation, group) with its span.
fn id(i: &mut In<'_>, what: &str) -> PResult<Spanned<String>> {
    ws(i)?;
    match word(i)? {
        Some((w, span)) => Ok(Spanned::new(w.to_string(), span)),
        None => expected(i, what),
    }
}

fn time(i: &mut In<'_>) -> PResult<Spanned<Time>> {
    ws(i)?;
    let start = pos(i);
    if let Some(d) = try_date(i)? {
        return Ok(Spanned::new(Time::Date(d), start..pos(i)));
    }
    let w = id(i, "a date YYYY-MM-DD or a deadline id")?;
    Ok(Spanned::new(Time::Deadline(w.node), w.span))
}

fn opt_at(i: &mut In<'_>) -> PResult<Option<Spanned<Time>>> {
    if keyword(i, "at")? {
        Ok(Some(time(i)?))
    } else {
        Ok(None)
    }
}

const CAP: &str = "a capability id";
const DEADLINE: &str = "a deadline id";

fn metric(i: &mut In<'_>, name: &str, start: usize) -> PResult<Metric> {
    let open = |i: &mut In<'_>| punct(i, '(', &format!("`(` after `{name}`"));
    let comma = |i: &mut In<'_>| punct(i, ',', "`,`");
    let close = |i: &mut In<'_>| punct(i, ')', "`)`");
    let m = match name {
        "coverage" | "level" | "dependency" => {
            open(i)?;
            let capability = id(i, CAP)?;
            close(i)?;
            let at = opt_at(i)?;
            match name {
                "coverage" => Metric::Coverage { capability, at },
                "level" => Metric::Level { capability, at },
                _ => Metric::Dependency { capability, at },
            }
        }
        "shortfall" | "shortfall_cost" => {
            open(i)?;
            let capability = id(i, CAP)?;
            comma(i)?;
            let at = time(i)?;
            close(i)?;
            if name == "shortfall" {
                Metric::Shortfall { capability, at }
            } else {
                Metric::ShortfallCost { capability, at }
            }
        }
        "status" => {
            open(i)?;
            let capability = id(i, CAP)?;
            comma(i)?;
            let deadline = id(i, DEADLINE)?;
            close(i)?;
            let at = opt_at(i)?;
            Metric::Status {
                capability,
                deadline,
                at,
            }
        }
        "index" => Metric::Index { at: opt_at(i)? },
        "reached" => {
            open(i)?;
            let capability = id(i, CAP)?;
            close(i)?;
            Metric::Reached { capability }
        }
        "P" => {
            open(i)?;
            ws(i)?;
            let at = pos(i);
            if !keyword(i, "met")? {
                return fail(
                    i,
                    at,
                    format!(
                        "expected `met` as in `P(met, iamd-long, us-2027)`, {}",
                        found(rest(i), 0)
                    ),
                );
            }
            comma(i)?;
            let capability = id(i, CAP)?;
            comma(i)?;
            let deadline = id(i, DEADLINE)?;
            close(i)?;
            Metric::PMet {
                capability,
                deadline,
            }
        }
        "spending" => {
            open(i)?;
            let nation = id(i, "a nation code such as DE")?;
            comma(i)?;
            let year = year(i)?;
            close(i)?;
            Metric::Spending { nation, year }
        }
        "count" => {
            open(i)?;
            let group = id(i, "a group such as NATO")?;
            ws(i)?;
            if !keyword(i, "where")? {
                return expected(
                    i,
                    "`where`, as in `count(NATO where spending(2025) < 3.5%)`",
                );
            }
            ws(i)?;
            if !keyword(i, "spending")? {
                return expected(i, "`spending(YEAR)` after `where`");
            }
            open_paren(i)?;
            let year = year(i)?;
            close(i)?;
            ws(i)?;
            let op = cmp_op(i)?;
            let threshold = number(i)?;
            close(i)?;
            Metric::Count {
                group,
                year,
                op,
                threshold,
            }
        }
        _ => return fail(i, start, format!("unknown metric `{name}`")),
    };
    Ok(m)
}

fn open_paren(i: &mut In<'_>) -> PResult<()> {
    punct(i, '(', "`(`")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> RuleError {
        parse(text).expect_err(text)
    }

    #[test]
    fn reads_every_metric_and_prints_it_back() {
        for text in [
            "coverage(iamd-long) at 2026-12-31 < 0.5",
            "status(airborne-isr, us-2027) == off-track",
            "P(met, iamd-long, us-2027) < 0.2",
            "index at us-2027 < 0.6",
            "dependency(aar) at 2027-12-31 > 0.5",
            "level(mbt) >= 1500",
            "shortfall(mbt, eu-2030) > 500",
            "shortfall_cost(mbt, us-2027) > 1000000000",
            "status(aar, eu-2030) at 2028-06-30 != on-track",
            "reached(iamd-long) > us-2027",
            "reached(aar) == never",
            "spending(DE, 2025) < 3.5%",
            "count(NATO where spending(2025) < 3.5%) > 0",
            "index < 50%",
            "coverage(a) < 0.5 and coverage(b) < 0.5 or not coverage(c) >= -1",
            "not (coverage(a) < 0.5 or coverage(b) < 0.5)",
            "coverage(a) < 0.5 and (coverage(b) < 0.5 or coverage(c) < 0.5)",
        ] {
            let e = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(e.to_string(), text, "canonical text");
            assert_eq!(parse(&e.to_string()).unwrap(), e);
        }
    }

    #[test]
    fn precedence_not_and_or() {
        let e = parse("not coverage(a) < 1 and coverage(b) < 1 or index < 1").unwrap();
        let Expr::Or(items) = &e else {
            panic!("or at the top: {e:?}")
        };
        assert_eq!(items.len(), 2);
        let Expr::And(ands) = &items[0] else {
            panic!("and binds tighter")
        };
        assert!(matches!(ands[0], Expr::Not(_)));
        // Whitespace and parentheses around a single comparison do not matter.
        assert_eq!(
            parse("(  coverage( a )at 2026-01-31<0.5 )").unwrap(),
            parse("coverage(a) at 2026-01-31 < 0.5").unwrap()
        );
    }

    /// Defect 1 of the new-user review: `coverage(x) < 50` was accepted
    /// and always fired.
    #[test]
    fn a_share_against_a_plain_number_above_one_is_refused() {
        let e = parse("coverage(iamd-long) < 50").unwrap_err();
        assert!(e.message.contains("write `50%` or `0.5`"), "{}", e.message);
        assert_eq!(e.column, 23);
        assert!(parse("50 > index").is_err());
        assert!(parse("P(met, sam, us-2027) < 80").is_err());
        for ok in [
            "coverage(iamd-long) < 50%",
            "coverage(iamd-long) < 0.5",
            "level(mbt) < 50",
            "coverage(mbt) <= 1",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn percentages_and_dates() {
        let e = parse("coverage(a) < 42.5%").unwrap();
        let Expr::Compare(c) = e else { panic!() };
        let Operand::Literal(l) = &c.right else {
            panic!()
        };
        let Literal::Number(n) = l.node else { panic!() };
        assert!((n.value() - 0.425).abs() < 1e-15);
        assert_eq!(err("coverage(a) at 2026-02-30 < 1").column, 16);
        assert!(err("coverage(a) at 2026-02-30 < 1")
            .message
            .contains("`2026-02-30` is not a date"));
    }

    #[test]
    fn errors_name_the_column_and_what_was_expected() {
        let e = err("coverage(iamd-long) at 2026-12-31 <");
        assert_eq!(e.column, 36, "{e}");
        assert!(e.message.contains("expected a metric"), "{e}");
        assert!(e.message.contains("found the end of the rule"), "{e}");

        let e = err("coverage(iamd-long) at 2026-12-31 = 0.5");
        assert_eq!(e.column, 35);
        assert!(e.message.contains("write `==`"));

        let e = err("coverge(iamd-long) < 0.5");
        assert_eq!(e.column, 1);
        assert!(e.message.contains("did you mean `coverage`?"), "{e}");

        let e = err("coverage(iamd-long) < 0.5 und index < 1");
        assert_eq!(e.column, 27);
        assert!(e.message.contains("found `und`"), "{e}");

        let e = err("coverage iamd-long) < 0.5");
        assert_eq!(e.column, 10);
        assert!(e.message.contains("`(` after `coverage`"), "{e}");

        let e = err("reached(aar) < 0.5");
        assert_eq!(e.column, 14);
        assert!(
            e.message.contains("cannot compare a date with a number"),
            "{e}"
        );

        let e = err("status(aar, us-2027) < off-track");
        assert!(e.message.contains("`==` or `!=`"), "{e}");

        let e = err("0.5 < 0.6");
        assert_eq!(e.column, 1);
        assert!(e.message.contains("needs a metric"), "{e}");

        let e = err("(coverage(a) < 0.5");
        assert_eq!(e.column, 19);
        assert!(e.message.contains("`)`"), "{e}");

        let e = err("P(mett, a, us-2027) < 0.5");
        assert_eq!(e.column, 3);

        let e = err("count(NATO spending(2025) < 3.5%) > 0");
        assert_eq!(e.column, 12);
        assert!(e.message.contains("`where`"), "{e}");

        // Columns count characters, not bytes.
        // (a no-break space is two bytes in UTF-8).
        let e = err("index <\u{a0}0.5 §");
        assert_eq!(e.offset, 13);
        assert_eq!(e.column, 13, "{e}");
        let e = err("coverage(é) < 0.5");
        assert_eq!(e.column, 10);
        assert!(
            e.message.contains("expected a capability id, found `é`"),
            "{e}"
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "",
            " ",
            "(",
            ")",
            "((",
            "not",
            "not not",
            "-",
            "%",
            "P(",
            "count(",
            "index at",
            "index at 9999-99-99 < 1",
            "coverage(a) < 1e5",
            "coverage(a) < .5",
            "é",
            "<",
        ] {
            assert!(parse(text).is_err(), "{text:?} should not parse");
        }
    }
}

#[cfg(test)]
mod round_trip {
    use super::*;
    use proptest::prelude::*;

    fn sp<T>(node: T) -> Spanned<T> {
        Spanned::new(node, 0..0)
    }

    fn ident() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9-]{0,6}".prop_filter("not a reserved word", |w| {
            !KEYWORDS.contains(&w.as_str())
                && !METRICS.contains(&w.as_str())
                && w != "never"
                && StatusWord::from_name(w).is_none()
        })
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (2000i32..2100, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn time() -> impl Strategy<Value = Spanned<Time>> {
        prop_oneof![
            date().prop_map(|d| sp(Time::Date(d))),
            ident().prop_map(|d| sp(Time::Deadline(d))),
        ]
    }

    fn number() -> impl Strategy<Value = Number> {
        (-5_000i64..100_000, 0u32..4, any::<bool>()).prop_map(|(n, scale, percent)| Number {
            written: n as f64 / 10f64.powi(scale as i32),
            percent,
        })
    }

    fn op() -> impl Strategy<Value = CmpOp> {
        prop_oneof![
            Just(CmpOp::Lt),
            Just(CmpOp::Le),
            Just(CmpOp::Gt),
            Just(CmpOp::Ge),
            Just(CmpOp::Eq),
            Just(CmpOp::Ne),
        ]
    }

    fn number_metric() -> impl Strategy<Value = Metric> {
        let cap = || ident().prop_map(sp);
        prop_oneof![
            (cap(), proptest::option::of(time()))
                .prop_map(|(capability, at)| Metric::Coverage { capability, at }),
            (cap(), proptest::option::of(time()))
                .prop_map(|(capability, at)| Metric::Level { capability, at }),
            (cap(), proptest::option::of(time()))
                .prop_map(|(capability, at)| Metric::Dependency { capability, at }),
            (cap(), time()).prop_map(|(capability, at)| Metric::Shortfall { capability, at }),
            (cap(), time()).prop_map(|(capability, at)| Metric::ShortfallCost { capability, at }),
            proptest::option::of(time()).prop_map(|at| Metric::Index { at }),
            (cap(), ident().prop_map(sp)).prop_map(|(capability, deadline)| Metric::PMet {
                capability,
                deadline
            }),
            ("[A-Z]{2}", 1990i32..2100).prop_map(|(n, year)| Metric::Spending {
                nation: sp(n),
                year
            }),
            ("[A-Z]{2,6}", 1990i32..2100, op(), number()).prop_map(|(g, year, op, threshold)| {
                Metric::Count {
                    group: sp(g),
                    year,
                    op,
                    threshold,
                }
            }),
        ]
    }

    fn comparison() -> impl Strategy<Value = Expr> {
        let cmp = |left, op, right| {
            Expr::Compare(Box::new(Comparison {
                left,
                op: sp(op),
                right,
            }))
        };
        let status = prop_oneof![
            Just(StatusWord::OnTrack),
            Just(StatusWord::AtRisk),
            Just(StatusWord::OffTrack)
        ];
        // A share is compared with a share: a plain number above 1 against
        // one is refused, so it is written as a percentage here.
        let fit = |m: &Metric, n: Number| Number {
            percent: n.percent || (m.is_share() && n.written.abs() > 1.0),
            ..n
        };
        prop_oneof![
            (number_metric(), op(), number()).prop_map(move |(m, o, n)| {
                let n = fit(&m, n);
                cmp(
                    Operand::Metric(sp(m)),
                    o,
                    Operand::Literal(sp(Literal::Number(n))),
                )
            }),
            (number(), op(), number_metric()).prop_map(move |(n, o, m)| {
                let n = fit(&m, n);
                cmp(
                    Operand::Literal(sp(Literal::Number(n))),
                    o,
                    Operand::Metric(sp(m)),
                )
            }),
            (
                ident(),
                ident(),
                proptest::option::of(time()),
                any::<bool>(),
                status
            )
                .prop_map(move |(c, d, at, eq, st)| cmp(
                    Operand::Metric(sp(Metric::Status {
                        capability: sp(c),
                        deadline: sp(d),
                        at
                    })),
                    if eq { CmpOp::Eq } else { CmpOp::Ne },
                    Operand::Literal(sp(Literal::Status(st)))
                )),
            (
                ident(),
                op(),
                prop_oneof![
                    date().prop_map(Literal::Date),
                    ident().prop_map(Literal::Deadline),
                    Just(Literal::Never)
                ]
            )
                .prop_map(move |(c, o, l)| cmp(
                    Operand::Metric(sp(Metric::Reached { capability: sp(c) })),
                    o,
                    Operand::Literal(sp(l))
                )),
        ]
    }

    fn expr() -> impl Strategy<Value = Expr> {
        comparison().prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
                proptest::collection::vec(inner, 2..4).prop_map(Expr::Or),
            ]
        })
    }

    proptest! {
        #[test]
        fn parse_display_parse_is_identity(e in expr()) {
            let text = e.to_string();
            let again = parse(&text).map_err(|err| TestCaseError::fail(format!("{text}: {err}")))?;
            prop_assert_eq!(&again, &e, "{}", text);
            prop_assert_eq!(again.to_string(), text);
        }
    }
}
