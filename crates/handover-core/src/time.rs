//! The scenario calendar: start date, step and numbered periods (MODEL.md, "Time").

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The length of one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// One calendar month (the default).
    #[default]
    Month,
    /// Three calendar months.
    Quarter,
    /// Twelve calendar months.
    Year,
}

impl Step {
    /// Calendar months in one step.
    pub fn months(self) -> u32 {
        match self {
            Step::Month => 1,
            Step::Quarter => 3,
            Step::Year => 12,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Month => "month",
            Step::Quarter => "quarter",
            Step::Year => "year",
        })
    }
}

impl FromStr for Step {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "month" => Ok(Step::Month),
            "quarter" => Ok(Step::Quarter),
            "year" => Ok(Step::Year),
            other => Err(format!(
                "`{other}` is not a step; expected month, quarter or year"
            )),
        }
    }
}

/// Why a calendar cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The start date is not the first day of a month.
    #[error("start date {0} is not the first day of a month")]
    StartNotFirstOfMonth(NaiveDate),
    /// The start date is outside the years a scenario may start in.
    #[error("start date {0} is out of range; expected a start from 1900 to 2200 (docs/FORMAT.md, \"Limits\")")]
    StartOutOfRange(NaiveDate),
    /// The horizon is more than 100 years after the start.
    #[error("horizon {horizon} is more than 100 years after the start date {start}; expected a horizon up to {latest} (docs/FORMAT.md, \"Limits\")")]
    HorizonTooFar {
        /// Start date.
        start: NaiveDate,
        /// Horizon date.
        horizon: NaiveDate,
        /// The latest horizon allowed.
        latest: NaiveDate,
    },
    /// The horizon ends before the start date.
    #[error("horizon {horizon} is before the start date {start}")]
    HorizonBeforeStart {
        /// Start date.
        start: NaiveDate,
        /// Horizon date.
        horizon: NaiveDate,
    },
}

/// Numbered periods `0..P-1` from a start date `t0`: period `k` covers
/// `[t0 + k*step, t0 + (k+1)*step)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    start: NaiveDate,
    step: Step,
    periods: usize,
}

impl Calendar {
    /// A calendar from `start` (first of a month) through the period containing `horizon`.
    pub fn new(start: NaiveDate, horizon: NaiveDate, step: Step) -> Result<Self, CalendarError> {
        if start.day() != 1 {
            return Err(CalendarError::StartNotFirstOfMonth(start));
        }
        if !crate::limits::year_in_range(start.year()) {
            return Err(CalendarError::StartOutOfRange(start));
        }
        if horizon < start {
            return Err(CalendarError::HorizonBeforeStart { start, horizon });
        }
        let latest = crate::limits::shift(start, crate::limits::MAX_MONTHS as i64)
            .pred_opt()
            .unwrap_or(start);
        if horizon > latest {
            return Err(CalendarError::HorizonTooFar {
                start,
                horizon,
                latest,
            });
        }
        let mut cal = Calendar {
            start,
            step,
            periods: 0,
        };
        cal.periods = (cal.period_of(horizon) + 1) as usize;
        Ok(cal)
    }

    /// Start date `t0`.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// The step.
    pub fn step(&self) -> Step {
        self.step
    }

    /// Number of periods `P`.
    pub fn periods(&self) -> usize {
        self.periods
    }

    /// The period containing `date`; negative before the start, `>= P` after the horizon.
    pub fn period_of(&self, date: NaiveDate) -> i64 {
        let months = (date.year() as i64 - self.start.year() as i64) * 12
            + (date.month() as i64 - self.start.month() as i64);
        months.div_euclid(self.step.months() as i64)
    }

    /// Whether `date` falls within periods `0..P`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        let k = self.period_of(date);
        k >= 0 && (k as usize) < self.periods
    }

    /// First day of period `k`.
    /// Saturates at the ends of the calendar (see [`crate::limits::shift`]).
    pub fn period_start(&self, k: i64) -> NaiveDate {
        crate::limits::shift(self.start, k.saturating_mul(self.step.months() as i64))
    }

    /// Last day of period `k` (inclusive); saturates like [`Calendar::period_start`].
    pub fn period_end(&self, k: i64) -> NaiveDate {
        let next = self.period_start(k.saturating_add(1));
        next.pred_opt().unwrap_or(next)
    }

    /// A rate per year converted to units per period.
    pub fn per_period(&self, per_year: f64) -> f64 {
        per_year * self.step.months() as f64 / 12.0
    }

    /// A duration in months converted to whole periods, rounding up.
    pub fn months_to_periods(&self, months: u32) -> u32 {
        months.div_ceil(self.step.months())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn monthly_calendar_numbers_periods_from_zero() {
        let c = Calendar::new(d("2026-01-01"), d("2035-12-31"), Step::Month).unwrap();
        assert_eq!(c.periods(), 120);
        assert_eq!(c.period_of(d("2026-01-31")), 0);
        assert_eq!(c.period_of(d("2027-12-31")), 23);
        assert_eq!(c.period_of(d("2025-12-31")), -1);
        assert_eq!(c.period_of(d("2023-06-14")), -31);
        assert_eq!(c.period_end(23), d("2027-12-31"));
        assert_eq!(c.period_start(-1), d("2025-12-01"));
        assert!(!c.contains(d("2036-01-01")));
    }

    #[test]
    fn quarterly_and_yearly_steps() {
        let q = Calendar::new(d("2026-01-01"), d("2030-12-31"), Step::Quarter).unwrap();
        assert_eq!(q.periods(), 20);
        assert_eq!(q.period_of(d("2027-12-31")), 7);
        assert_eq!(q.period_of(d("2025-11-15")), -1);
        assert_eq!(q.period_of(d("2025-09-30")), -2);
        assert_eq!(q.months_to_periods(14), 5);
        assert!((q.per_period(12.0) - 3.0).abs() < 1e-12);
        let y = Calendar::new(d("2026-01-01"), d("2030-06-30"), Step::Year).unwrap();
        assert_eq!(y.periods(), 5);
        assert_eq!(y.period_end(0), d("2026-12-31"));
    }

    #[test]
    fn start_must_be_first_of_month() {
        assert_eq!(
            Calendar::new(d("2026-01-02"), d("2030-01-01"), Step::Month),
            Err(CalendarError::StartNotFirstOfMonth(d("2026-01-02")))
        );
        assert!(Calendar::new(d("2026-01-01"), d("2025-01-01"), Step::Month).is_err());
    }

    #[test]
    fn start_and_horizon_stay_within_the_limits() {
        assert_eq!(
            Calendar::new(d("1800-01-01"), d("1900-01-01"), Step::Month),
            Err(CalendarError::StartOutOfRange(d("1800-01-01")))
        );
        assert!(Calendar::new(d("2026-01-01"), d("2125-12-31"), Step::Month).is_ok());
        assert_eq!(
            Calendar::new(d("2026-01-01"), d("9999-12-31"), Step::Month),
            Err(CalendarError::HorizonTooFar {
                start: d("2026-01-01"),
                horizon: d("9999-12-31"),
                latest: d("2125-12-31")
            })
        );
        let c = Calendar::new(d("2026-01-01"), d("2030-12-31"), Step::Month).unwrap();
        assert_eq!(c.period_start(i64::MAX), NaiveDate::MAX);
        assert_eq!(c.period_end(i64::MIN), NaiveDate::MIN);
    }
}
