//! A small builder for scenarios in code: tests, examples and generators.
//!
//! ```
//! use handover_core::build::ScenarioBuilder;
//! let s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
//!     .nation("DE", &["EUROPE"])
//!     .stock("mbt", 100.0)
//!     .holding("DE", "mbt", 40.0)
//!     .build();
//! assert_eq!(s.capabilities.len(), 1);
//! ```

use crate::scenario::*;
use crate::time::Step;
use chrono::NaiveDate;

fn date(s: &str) -> NaiveDate {
    s.parse()
        .unwrap_or_else(|_| panic!("bad date `{s}` in builder"))
}

fn origin(file: &str, n: usize) -> Origin {
    Origin::line(file, n + 2)
}

/// Builds a [`Scenario`] step by step. Panics on malformed dates: for code, not user input.
#[derive(Debug, Clone)]
pub struct ScenarioBuilder {
    s: Scenario,
}

impl ScenarioBuilder {
    /// A monthly scenario from `start` to `horizon` with deadlines `us-2027`
    /// and `eu-2030` where they fall within the horizon.
    pub fn monthly(start: &str, horizon: &str) -> Self {
        Self::new(start, horizon, Step::Month)
    }

    /// A scenario with the given step.
    pub fn new(start: &str, horizon: &str, step: Step) -> Self {
        let settings = Settings {
            name: "test".into(),
            description: None,
            start: date(start),
            horizon: date(horizon),
            step,
            currency: "EUR".into(),
            europe: "EUROPE".into(),
            tolerance: DEFAULT_TOLERANCE,
            us_export_approval_months: 0,
            data_version: None,
        };
        let mut b = ScenarioBuilder {
            s: Scenario::new(settings),
        };
        for (id, d) in [("us-2027", "2027-12-31"), ("eu-2030", "2030-12-31")] {
            if date(d) <= b.s.scenario.horizon {
                b = b.deadline(id, d);
            }
        }
        b
    }

    /// Add a deadline.
    pub fn deadline(mut self, id: &str, d: &str) -> Self {
        let n = self.s.deadlines.len();
        self.s.deadlines.push(Deadline {
            id: id.into(),
            date: date(d),
            name: None,
            source: None,
            origin: origin("scenario.toml", n),
        });
        self
    }

    /// Add a nation with groups.
    pub fn nation(mut self, code: &str, groups: &[&str]) -> Self {
        let n = self.s.nations.len();
        self.s.nations.push(Nation {
            code: code.into(),
            name: code.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            provenance: Provenance::default(),
            origin: origin("nations.csv", n),
        });
        self
    }

    fn capability(mut self, id: &str, kind: CapabilityKind, target: Option<f64>) -> Self {
        let n = self.s.capabilities.len();
        self.s.capabilities.push(Capability {
            id: id.into(),
            name: id.into(),
            unit: "units".into(),
            kind,
            weight: 1.0,
            area: None,
            origin: origin("scenario.toml", n),
        });
        if let Some(t) = target {
            self = self.requirement(id, t);
        }
        self
    }

    /// Add a stock capability with a requirement `target`.
    pub fn stock(self, id: &str, target: f64) -> Self {
        self.capability(id, CapabilityKind::Stock, Some(target))
    }

    /// Add a flow capability with a requirement `target` (units per year).
    pub fn flow(self, id: &str, target: f64) -> Self {
        self.capability(id, CapabilityKind::Flow, Some(target))
    }

    /// Add a capability without requirement.
    pub fn unrequired(self, id: &str, kind: CapabilityKind) -> Self {
        self.capability(id, kind, None)
    }

    /// Add a requirement.
    pub fn requirement(mut self, cap: &str, target: f64) -> Self {
        let n = self.s.requirements.len();
        self.s.requirements.push(Requirement {
            capability: cap.into(),
            target,
            deadlines: None,
            milestones: vec![],
            provenance: Provenance::default(),
            origin: origin("scenario.toml", n),
        });
        self
    }

    /// Set a capability's weight.
    pub fn weight(mut self, cap: &str, w: f64) -> Self {
        if let Some(c) = self.s.capabilities.iter_mut().find(|c| c.id == cap) {
            c.weight = w;
        }
        self
    }

    /// Add a holding.
    pub fn holding(mut self, holder: &str, cap: &str, q: f64) -> Self {
        let n = self.s.holdings.len();
        self.s.holdings.push(Holding {
            holder: holder.into(),
            capability: cap.into(),
            quantity: q,
            as_of: None,
            part_of: None,
            provenance: Provenance::default(),
            origin: origin("holdings.csv", n),
        });
        self
    }

    /// Add a national part of a group's holding (`part_of`).
    pub fn part(mut self, holder: &str, cap: &str, q: f64, of: &str) -> Self {
        self = self.holding(holder, cap, q);
        self.s.holdings.last_mut().expect("just pushed").part_of = Some(of.into());
        self
    }

    /// Add a source (sources.csv).
    pub fn source(mut self, id: &str, grade: SourceGrade) -> Self {
        let n = self.s.sources.len();
        self.s.sources.push(Source {
            id: id.into(),
            publisher: format!("publisher of {id}"),
            title: format!("title of {id}"),
            author: None,
            date: None,
            url: None,
            copy_url: Some(format!("https://example.org/{id}")),
            grade,
            provenance: Provenance::default(),
            origin: origin("sources.csv", n),
        });
        self
    }

    /// Add a US contribution.
    pub fn us(mut self, cap: &str, level: f64) -> Self {
        let n = self.s.us_contributions.len();
        self.s.us_contributions.push(UsContribution {
            capability: cap.into(),
            level,
            provenance: Provenance::default(),
            origin: origin("us_contributions.csv", n),
        });
        self
    }

    /// Add a production line.
    pub fn line(mut self, id: &str, cap: &str, nation: &str, lead_months: u32) -> Self {
        let n = self.s.lines.len();
        self.s.lines.push(ProductionLine {
            id: id.into(),
            capability: cap.into(),
            nation: nation.into(),
            name: None,
            lead_time_months: lead_months,
            unit_cost: None,
            content_eu: None,
            content_us: None,
            content_other: None,
            provenance: Provenance::default(),
            origin: origin("lines.csv", n),
        });
        self
    }

    /// A candidate investment: `max` units a year of `cap` in `nation`,
    /// first output `first` months after the decision and full rate `full`
    /// months after it, costing `capex` for the maximum size. Expand a line
    /// or set steps, costs and workers with [`ScenarioBuilder::with`].
    #[allow(clippy::too_many_arguments)]
    pub fn investment(
        mut self,
        id: &str,
        cap: &str,
        nation: &str,
        max: f64,
        first: u32,
        full: u32,
        capex: f64,
    ) -> Self {
        let n = self.s.investments.len();
        self.s.investments.push(Investment {
            id: id.into(),
            capability: cap.into(),
            nation: nation.into(),
            line: None,
            name: None,
            max_units_per_year: max,
            step: None,
            months_to_first_output: Some(first),
            months_to_full_rate: Some(full),
            capex: Some(capex),
            unit_cost: None,
            lead_time_months: None,
            content_eu: None,
            content_us: None,
            content_other: None,
            workers_per_unit: None,
            earliest: None,
            provenance: Provenance::default(),
            origin: origin("investments.csv", n),
        });
        self
    }

    /// Workers `nation` (or a group) can hire in `year`.
    pub fn workforce(mut self, nation: &str, year: i32, workers: f64) -> Self {
        let n = self.s.workforce.len();
        self.s.workforce.push(Workforce {
            nation: nation.into(),
            year,
            workers,
            provenance: Provenance::default(),
            origin: origin("workforce.csv", n),
        });
        self
    }

    /// Set a line's unit cost.
    pub fn unit_cost(mut self, line: &str, cost: f64) -> Self {
        if let Some(l) = self.s.lines.iter_mut().find(|l| l.id == line) {
            l.unit_cost = Some(cost);
        }
        self
    }

    /// Add a capacity step.
    pub fn capacity(mut self, line: &str, from: &str, per_year: f64) -> Self {
        let n = self.s.capacity.len();
        self.s.capacity.push(CapacityStep {
            line: line.into(),
            date: date(from),
            units_per_year: per_year,
            provenance: Provenance::default(),
            origin: origin("capacity.csv", n),
        });
        self
    }

    /// Add an order.
    pub fn order(mut self, id: &str, buyer: &str, line: &str, q: f64, d: &str) -> Self {
        let n = self.s.orders.len();
        self.s.orders.push(Order {
            id: id.into(),
            buyer: buyer.into(),
            line: line.into(),
            quantity: q,
            date: date(d),
            delivered: 0.0,
            provenance: Provenance::default(),
            origin: origin("orders.csv", n),
        });
        self
    }

    /// Mark units of the last order as delivered before the start.
    pub fn delivered(mut self, q: f64) -> Self {
        if let Some(o) = self.s.orders.last_mut() {
            o.delivered = q;
        }
        self
    }

    /// Add a one-off retirement.
    pub fn retire(mut self, holder: &str, cap: &str, d: &str, q: f64) -> Self {
        let n = self.s.retirements.len();
        self.s.retirements.push(Retirement {
            holder: holder.into(),
            capability: cap.into(),
            date: date(d),
            quantity: q,
            provenance: Provenance::default(),
            origin: origin("retirements.csv", n),
        });
        self
    }

    /// Add consumption at a rate.
    pub fn consume(
        mut self,
        holder: &str,
        cap: &str,
        from: &str,
        to: Option<&str>,
        per_year: f64,
    ) -> Self {
        let n = self.s.consumption.len();
        self.s.consumption.push(Consumption {
            holder: holder.into(),
            capability: cap.into(),
            from: date(from),
            to: to.map(date),
            units_per_year: per_year,
            provenance: Provenance::default(),
            origin: origin("consumption.csv", n),
        });
        self
    }

    /// Apply any change to the scenario.
    pub fn with(mut self, f: impl FnOnce(&mut Scenario)) -> Self {
        f(&mut self.s);
        self
    }

    /// The scenario.
    pub fn build(self) -> Scenario {
        self.s
    }

    /// The scenario, validated.
    ///
    /// # Panics
    /// When it has a validation error (the builder is for tests and
    /// examples), listing every problem.
    pub fn valid(self) -> crate::Valid {
        valid(self.s)
    }
}

/// `s` validated.
///
/// # Panics
/// When it has a validation error, listing every problem: for tests and
/// examples, where the scenario is written to be valid.
pub fn valid(s: Scenario) -> crate::Valid {
    crate::Valid::new(s).unwrap_or_else(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        panic!("not a valid scenario:\n{}", list.join("\n"))
    })
}
