//! How likely a plan is to work: P(met) per capability and deadline by a
//! Monte Carlo forecast of the scenario with the plan added (its whole-unit
//! orders and the lines its investments build), beside the same forecast
//! without the plan, with the same engine, samples and seed as
//! `handover forecast` (docs/PLANNER.md, "How likely the plan is to work").

use super::{Plan, PlanError};
use crate::assess::Evaluation;
use crate::forecast::ForecastResult;
use crate::scenario::Scenario;
use serde::Serialize;

/// P(met) of one target, without and with the plan.
#[derive(Debug, Clone, Serialize)]
pub struct OddsRow {
    /// Capability id.
    pub capability: String,
    /// Deadline id.
    pub deadline: String,
    /// P(met) without the plan.
    pub p_met_before: f64,
    /// Its standard error.
    pub p_met_before_se: f64,
    /// P(met) with the plan.
    pub p_met: f64,
    /// Its standard error.
    pub p_met_se: f64,
}

/// The plan's odds.
#[derive(Debug, Clone, Serialize)]
pub struct PlanOdds {
    /// Samples of each forecast.
    pub samples: u64,
    /// Seed of both forecasts.
    pub seed: u64,
    /// Uncertain inputs the forecasts draw.
    pub inputs: usize,
    /// One row per capability with a known level and target, per deadline.
    pub rows: Vec<OddsRow>,
}

/// Forecast the scenario without and with `plan`; `progress(k)` is called
/// as samples are done (2 × `samples` in all).
pub fn odds(
    s: &Scenario,
    plan: &Plan,
    samples: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<PlanOdds, PlanError> {
    let run = |sc: Scenario| -> Result<ForecastResult, PlanError> {
        let valid = crate::Valid::new(sc).map_err(|problems| {
            let first = problems
                .iter()
                .find(|p| p.severity == crate::validate::Severity::Error)
                .map(|p| p.to_string())
                .unwrap_or_default();
            PlanError::Solver(format!("the plan does not validate: {first}"))
        })?;
        let eval = Evaluation::new(&valid);
        let f = eval
            .forecast(&valid, samples, seed)
            .map_err(|e| PlanError::Request(e.to_string()))?;
        Ok(f.run_with_progress(progress))
    };
    let before = run(s.clone())?;
    let after = run(plan.with_orders(s, true))?;
    let mut rows = vec![];
    for c in &after.capabilities {
        let b = before.capabilities.iter().find(|x| x.id == c.id);
        for d in &c.deadlines {
            let bd = b.and_then(|b| b.deadlines.iter().find(|x| x.deadline == d.deadline));
            rows.push(OddsRow {
                capability: c.id.clone(),
                deadline: d.deadline.clone(),
                p_met_before: bd.map_or(0.0, |x| x.p_met),
                p_met_before_se: bd.map_or(0.0, |x| x.p_met_se),
                p_met: d.p_met,
                p_met_se: d.p_met_se,
            });
        }
    }
    Ok(PlanOdds {
        samples,
        seed,
        inputs: after.inputs.len(),
        rows,
    })
}
