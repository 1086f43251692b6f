//! Metrics of MODEL.md over a projection: coverage, US dependency, readiness
//! index, glide paths, status, shortfall and date reached.

use crate::projection::{Model, Projection, EPS};
use crate::scenario::{Capability, Scenario};
use crate::time::Calendar;
use serde::{Deserialize, Serialize};

pub use crate::status::Status;

/// Shortfall in units (MODEL.md, "Levels and metrics"): `max(0, T - E)`.
pub fn shortfall(target: f64, level: f64) -> f64 {
    (target - level).max(0.0)
}

/// `C = min(1, E / T)`.
pub fn coverage(level: f64, target: f64) -> f64 {
    (level / target).min(1.0)
}

/// `D = U / (U + E)`; `None` when both are zero.
pub fn dependency(us: f64, level: f64) -> Option<f64> {
    let total = us + level;
    (total > 0.0).then(|| us / total)
}

/// Whether coverage counts as 1 (target met), allowing for floating-point dust.
pub fn is_met(level: f64, target: f64) -> bool {
    level >= target * (1.0 - EPS)
}

/// Status of coverage `c` against glide value `g` with tolerance `tol`.
pub fn status(c: f64, g: f64, tol: f64) -> Status {
    if c >= g - EPS {
        Status::OnTrack
    } else if c >= g - tol - EPS {
        Status::AtRisk
    } else {
        Status::OffTrack
    }
}

/// A glide path to one deadline: linear from `C(0)` at period 0 through the
/// milestones to 1 at the deadline's period, 1 after.
#[derive(Debug, Clone, PartialEq)]
pub struct GlidePath {
    /// Knots `(period, coverage)`, increasing in period, the last at the deadline.
    knots: Vec<(f64, f64)>,
}

impl GlidePath {
    /// Glide path from coverage `c0` to 1 at `deadline` (a period index), via milestones
    /// `(period, coverage)` before the deadline.
    pub fn new(c0: f64, deadline: i64, milestones: &[(i64, f64)]) -> Self {
        let mut knots = vec![(0.0, c0)];
        let mut ms: Vec<(i64, f64)> = milestones
            .iter()
            .copied()
            .filter(|(k, _)| *k > 0 && *k < deadline)
            .collect();
        ms.sort_by_key(|(k, _)| *k);
        knots.extend(ms.into_iter().map(|(k, c)| (k as f64, c)));
        knots.push((deadline.max(0) as f64, 1.0));
        GlidePath { knots }
    }

    /// `G(k)`.
    pub fn at(&self, k: usize) -> f64 {
        let x = k as f64;
        let last = self.knots[self.knots.len() - 1];
        if x >= last.0 {
            return 1.0;
        }
        for w in self.knots.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if x <= x1 {
                if x1 == x0 {
                    return y1;
                }
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
            }
        }
        1.0
    }
}

/// Everything the model derives for one capability, per period.
#[derive(Debug, Clone)]
pub struct CapabilityMetrics {
    /// Index into `Scenario::capabilities`.
    pub capability: usize,
    /// `T_c`, if the capability has a requirement.
    pub target: Option<f64>,
    /// `U_c`, if given.
    pub us: Option<f64>,
    /// `E_c(k)`, if known.
    pub level: Option<Vec<f64>>,
    /// `C_c(k)`, if level and target are known.
    pub coverage: Option<Vec<f64>>,
    /// Per scenario deadline: the glide path, if the requirement names that deadline and coverage is known.
    pub glide: Vec<Option<GlidePath>>,
    /// Per scenario deadline: whether the requirement names it.
    pub applies: Vec<bool>,
    /// First period with coverage 1.
    pub reached: Option<usize>,
}

/// Metrics of a whole scenario.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// The calendar.
    pub calendar: Calendar,
    /// Per capability, aligned with `Scenario::capabilities`.
    pub capabilities: Vec<CapabilityMetrics>,
    /// Readiness index per period, over capabilities with known coverage and
    /// positive total weight; `None` if there are none.
    pub index: Option<Vec<f64>>,
    /// Capabilities that enter the index.
    pub index_members: Vec<usize>,
    /// Status tolerance.
    pub tolerance: f64,
    /// Deadline periods, aligned with `Scenario::deadlines`.
    pub deadline_periods: Vec<i64>,
}

impl Metrics {
    /// Compute every metric from a projection.
    pub fn compute(s: &Scenario, model: &Model, proj: &Projection) -> Metrics {
        let cal = model.calendar;
        let deadline_periods: Vec<i64> =
            s.deadlines.iter().map(|d| cal.period_of(d.date)).collect();
        let mut caps = Vec::with_capacity(s.capabilities.len());
        for (ci, c) in s.capabilities.iter().enumerate() {
            let req = s.requirement(&c.id);
            let target = req.map(|r| r.target);
            let us = s
                .us_contributions
                .iter()
                .find(|u| u.capability == c.id)
                .map(|u| u.level);
            let level = proj.level[ci].clone();
            let coverage = match (&level, target) {
                (Some(l), Some(t)) => Some(l.iter().map(|e| coverage(*e, t)).collect::<Vec<_>>()),
                _ => None,
            };
            let applies: Vec<bool> = s
                .deadlines
                .iter()
                .map(|d| {
                    req.is_some_and(|r| r.deadlines.as_ref().is_none_or(|ds| ds.contains(&d.id)))
                })
                .collect();
            let glide = s
                .deadlines
                .iter()
                .enumerate()
                .map(|(di, _)| {
                    let (cov, req, t) = (coverage.as_ref()?, req?, target?);
                    if !applies[di] {
                        return None;
                    }
                    let ms: Vec<(i64, f64)> = req
                        .milestones
                        .iter()
                        .map(|m| (cal.period_of(m.date), (m.level / t).min(1.0)))
                        .collect();
                    Some(GlidePath::new(cov[0], deadline_periods[di], &ms))
                })
                .collect();
            let reached = match (&level, target) {
                (Some(l), Some(t)) => l.iter().position(|e| is_met(*e, t)),
                _ => None,
            };
            caps.push(CapabilityMetrics {
                capability: ci,
                target,
                us,
                level,
                coverage,
                glide,
                applies,
                reached,
            });
        }

        let members: Vec<usize> = caps
            .iter()
            .filter(|m| m.coverage.is_some())
            .map(|m| m.capability)
            .collect();
        let wsum: f64 = members.iter().map(|&i| s.capabilities[i].weight).sum();
        let index = (wsum > 0.0).then(|| {
            (0..cal.periods())
                .map(|k| {
                    members
                        .iter()
                        .map(|&i| s.capabilities[i].weight * caps[i].coverage.as_ref().unwrap()[k])
                        .sum::<f64>()
                        / wsum
                })
                .collect()
        });
        Metrics {
            calendar: cal,
            capabilities: caps,
            index,
            index_members: members,
            tolerance: s.scenario.tolerance,
            deadline_periods,
        }
    }

    /// Status of capability `ci` against deadline `di`'s glide path at period `k`.
    pub fn status(&self, ci: usize, di: usize, k: usize) -> Status {
        let m = &self.capabilities[ci];
        if !m.applies[di] && m.target.is_some() {
            return Status::NotApplicable;
        }
        match (&m.coverage, &m.glide[di]) {
            (Some(c), Some(g)) => status(c[k], g.at(k), self.tolerance),
            _ => Status::NoData,
        }
    }
}

/// Money value of a shortfall: units times the unit cost of the cheapest European line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostBasis {
    /// Line whose unit cost is used.
    pub line: String,
    /// Its unit cost.
    pub unit_cost: f64,
}

/// The cheapest European line of a capability with a unit cost, if any.
pub fn cheapest_european_line(s: &Scenario, cap: &Capability) -> Option<CostBasis> {
    s.lines
        .iter()
        .filter(|l| l.capability == cap.id && s.is_european_nation(&l.nation))
        .filter_map(|l| l.unit_cost.map(|c| (c, l)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(c, l)| CostBasis {
            line: l.id.clone(),
            unit_cost: c,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_and_dependency_by_hand() {
        assert_eq!(coverage(35.0, 89.0), 35.0 / 89.0);
        assert_eq!(coverage(120.0, 100.0), 1.0);
        assert_eq!(dependency(850.0, 336.0), Some(850.0 / 1186.0));
        assert_eq!(dependency(0.0, 0.0), None);
        assert_eq!(dependency(0.0, 5.0), Some(0.0));
    }

    #[test]
    fn status_thresholds() {
        assert_eq!(status(0.5, 0.5, 0.1), Status::OnTrack);
        assert_eq!(status(0.45, 0.5, 0.1), Status::AtRisk);
        assert_eq!(status(0.40, 0.5, 0.1), Status::AtRisk);
        assert_eq!(status(0.39, 0.5, 0.1), Status::OffTrack);
    }

    #[test]
    fn straight_glide_path() {
        // C(0) = 0.4, deadline at period 24: G(12) = 0.4 + 0.6 * 12/24 = 0.7.
        let g = GlidePath::new(0.4, 24, &[]);
        assert!((g.at(0) - 0.4).abs() < 1e-12);
        assert!((g.at(12) - 0.7).abs() < 1e-12);
        assert_eq!(g.at(24), 1.0);
        assert_eq!(g.at(30), 1.0);
    }

    #[test]
    fn glide_path_through_milestones() {
        // 0.2 at 0, 0.8 at 10, 1 at 20: G(5) = 0.5, G(15) = 0.9.
        let g = GlidePath::new(0.2, 20, &[(10, 0.8), (25, 0.9)]);
        assert!((g.at(5) - 0.5).abs() < 1e-12);
        assert!((g.at(10) - 0.8).abs() < 1e-12);
        assert!((g.at(15) - 0.9).abs() < 1e-12);
    }

    #[test]
    fn deadline_at_period_zero_is_flat_one() {
        let g = GlidePath::new(0.3, 0, &[]);
        assert_eq!(g.at(0), 1.0);
    }
}
