//! The bounds validation holds every input to, so that whatever it accepts the
//! engine can compute: no date arithmetic leaves the calendar, no sum of
//! figures overflows to infinity, no draw of a distribution is non-finite.
//!
//! The bounds are far beyond any real defence figure (docs/FORMAT.md, "Limits"):
//!
//! | what | bound |
//! |---|---|
//! | any number (a cell, a distribution's parameter) | finite, at most [`MAX_MAGNITUDE`] = 10^15 in size |
//! | a lead time, a `delay(...)` and every draw of it | 0 to [`MAX_MONTHS`] = 1,200 months (100 years) |
//! | the start date | from [`FIRST_YEAR`] (1900) to [`LAST_YEAR`] (2200) |
//! | the horizon | at most [`MAX_MONTHS`] after the start |
//! | a date before the start (a backlog order, a capacity step) | at most [`MAX_MONTHS`] before it |
//! | a year (economics) | from [`FIRST_YEAR`] to [`LAST_YEAR`] |
//!
//! With these, every date the engine forms (a date plus a lead time plus a
//! delay) lies between 1700 and 2600, where calendar arithmetic cannot fail.

use chrono::{Datelike, Months, NaiveDate};

/// A date written exactly `YYYY-MM-DD`: four-digit year, two-digit month
/// and day, nothing else. `2026-1-1`, `+10000-01-01` and `2026-02-30` are
/// not dates (`None`).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10);
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The largest size of any number in a scenario: 10^15 (a quadrillion; the
/// largest real figures, costs in euros, stay below 10^13).
pub const MAX_MAGNITUDE: f64 = 1e15;

/// The longest lead time or delay, in months: 100 years. Also how far the
/// horizon may lie after the start, and a dated row before it.
pub const MAX_MONTHS: u32 = 1200;

/// The earliest year of a start date or an economics row.
pub const FIRST_YEAR: i32 = 1900;

/// The latest year of a start date or an economics row.
pub const LAST_YEAR: i32 = 2200;

/// Why a number is out of bounds, or `None` when it is a finite number of at
/// most [`MAX_MAGNITUDE`] in size.
pub fn number_problem(x: f64) -> Option<String> {
    if !x.is_finite() {
        Some(format!("`{x}` is not a finite number"))
    } else if x.abs() > MAX_MAGNITUDE {
        Some(format!(
            "`{x}` is too large; numbers may be at most 1e15 in size (docs/FORMAT.md, \"Limits\")"
        ))
    } else {
        None
    }
}

/// `d` moved by `months` whole calendar months (either way), the day clamped
/// to the month's end; `None` only outside chrono's calendar (about ±262,000
/// years), which validated inputs never reach.
pub fn checked_shift(d: NaiveDate, months: i64) -> Option<NaiveDate> {
    let m = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        d.checked_add_months(m)
    } else {
        d.checked_sub_months(m)
    }
}

/// `d` moved by `months` whole calendar months, saturating at the ends of
/// chrono's calendar. A saturated date lies tens of thousands of years past any
/// horizon, where it has the same effect as the exact date: none within the horizon.
pub fn shift(d: NaiveDate, months: i64) -> NaiveDate {
    checked_shift(d, months).unwrap_or(if months >= 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// Whether `year` is within [`FIRST_YEAR`]..=[`LAST_YEAR`].
pub fn year_in_range(year: i32) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&year)
}

/// Whole months from `from`'s month to `to`'s month.
pub fn months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to.year() as i64 - from.year() as i64) * 12 + to.month() as i64 - from.month() as i64
}

#[cfg(test)]
mod tests {

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert_eq!(
            parse_date("2026-01-01"),
            NaiveDate::from_ymd_opt(2026, 1, 1)
        );
        for bad in [
            "2026-1-1",
            "+10000-01-01",
            "2026-02-30",
            " 2026-01-01",
            "2026-01-01x",
            "",
            "10000-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn numbers_beyond_the_bound_or_not_finite_are_refused() {
        assert!(number_problem(1e15).is_none());
        assert!(number_problem(-1e15).is_none());
        assert!(number_problem(0.0).is_none());
        assert!(number_problem(1.0000001e15).unwrap().contains("too large"));
        assert!(number_problem(1e308).unwrap().contains("too large"));
        assert!(number_problem(f64::NAN).unwrap().contains("not a finite"));
        assert!(number_problem(f64::INFINITY)
            .unwrap()
            .contains("not a finite"));
    }

    #[test]
    fn shifts_saturate_instead_of_panicking() {
        assert_eq!(shift(d("2026-01-31"), 1), d("2026-02-28"));
        assert_eq!(shift(d("2026-03-15"), -3), d("2025-12-15"));
        assert_eq!(shift(d("2026-01-01"), i64::MAX), NaiveDate::MAX);
        assert_eq!(shift(d("2026-01-01"), i64::MIN), NaiveDate::MIN);
        assert_eq!(shift(d("2026-01-01"), u32::MAX as i64), NaiveDate::MAX);
        assert_eq!(
            checked_shift(d("9999-12-31"), 1),
            NaiveDate::from_ymd_opt(10000, 1, 31)
        );
        assert_eq!(months_between(d("2026-01-01"), d("2027-03-31")), 14);
    }
}
