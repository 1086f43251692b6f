//! Benchmarks and triggers (MODEL.md, "Benchmarks and triggers"): rules over
//! the metrics, written in a small language (docs/TRIGGERS.md), such as
//!
//! ```text
//! coverage(iamd-long) at 2026-12-31 < 0.5
//! status(airborne-isr, us-2027) == off-track
//! P(met, iamd-long, us-2027) < 0.2
//! index at us-2027 < 60% and not (reached(aar) <= eu-2030)
//! count(NATO where spending(2025) < 3.5%) > 0
//! ```
//!
//! The rules as data and their parser live in [`crate::rule`] (re-exported
//! here); [`references`] checks the ids a rule names against a scenario
//! (did-you-mean suggestions included); [`eval`] evaluates rules with
//! three-valued logic, so a rule over a figure the scenario does not have is
//! *unknown*, never silently 0.

pub mod eval;

pub use crate::rule::*;
pub use crate::validate::references;
pub use eval::{check, CheckReport, ForecastRun, State, TriggerOutcome};
