//! A scenario that passed validation: the only input the engine takes.
//!
//! [`Valid`] can be made only by validating (`Valid::check`), so an
//! unvalidated scenario cannot reach [`crate::projection::Model::compile`],
//! [`crate::Evaluation::new`] or the planner: what validation refuses, the
//! engine never sees, and what it accepts, the engine computes
//! (`tests/gate.rs`). It reads as a [`Scenario`] (`Deref`); to change one,
//! take it out ([`Valid::into_inner`]), change it and check it again.

use crate::scenario::Scenario;
use crate::validate::{validate_with, Declared, Problem, Severity};
use std::ops::Deref;

/// A scenario with no validation error.
#[derive(Debug, Clone, PartialEq)]
pub struct Valid(Scenario);

impl Valid {
    /// Validate `s`: the valid scenario and its warnings, or every problem
    /// (errors and warnings, in input order) when there is an error.
    pub fn check(s: Scenario) -> Result<(Valid, Vec<Problem>), Vec<Problem>> {
        Self::check_with(s, &Declared::default())
    }

    /// [`Valid::check`], treating `declared` ids as known (ids on rows a
    /// reader could not parse, whose errors the reader reports).
    pub fn check_with(
        s: Scenario,
        declared: &Declared,
    ) -> Result<(Valid, Vec<Problem>), Vec<Problem>> {
        let problems = validate_with(&s, declared);
        if problems.iter().any(|p| p.severity == Severity::Error) {
            Err(problems)
        } else {
            Ok((Valid(s), problems))
        }
    }

    /// [`Valid::check`] without the warnings.
    pub fn new(s: Scenario) -> Result<Valid, Vec<Problem>> {
        Self::check(s).map(|(v, _)| v)
    }

    /// The scenario, to change it (and check it again).
    pub fn into_inner(self) -> Scenario {
        self.0
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.0
    }
}

impl Deref for Valid {
    type Target = Scenario;
    fn deref(&self) -> &Scenario {
        &self.0
    }
}

impl AsRef<Scenario> for Valid {
    fn as_ref(&self) -> &Scenario {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;

    #[test]
    fn only_a_scenario_without_errors_is_valid() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
            .nation("DE", &["EUROPE"])
            .stock("mbt", 10.0)
            .holding("DE", "mbt", 5.0)
            .build();
        let (v, _) = Valid::check(s.clone()).unwrap();
        assert_eq!(v.scenario(), &s);
        let mut bad = s;
        bad.holdings[0].quantity = f64::NAN;
        let problems = Valid::check(bad).unwrap_err();
        assert!(
            problems.iter().any(|p| p.field == "quantity"),
            "{problems:?}"
        );
    }
}
