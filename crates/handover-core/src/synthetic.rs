//! Synthetic scenarios of any size, for benchmarks that anyone can rerun.
//!
//! `handover bench --synthetic lines=300,capabilities=40,nations=35,years=11`
//! generates a scenario with [`generate`] from a [`SyntheticSpec`]. The
//! generator is deterministic: the same spec (including its `seed`) gives the
//! same scenario on every machine, so timings of the same work can be
//! compared, and `--write DIR` saves it as an ordinary scenario folder that
//! other tools can read.
//!
//! The figures are made up to have the shape of the real problem, never to
//! describe it: every row is marked as an estimate whose source is the
//! generator. What the scenario holds, for `L` lines over `C` capabilities:
//! - one capability in five is a flow (production rate), the rest stocks;
//!   each has a requirement, a weight of 1 to 3, and stocks a US contribution
//!   and holdings spread over up to six nations;
//! - lines are dealt round-robin to capabilities; one in ten is made outside
//!   Europe (`US`); stock lines have lead times of 12 to 48 months, a capacity
//!   ramp between 2026 and 2029, a unit cost and content shares;
//! - each stock line has a backlog order from before the start (partly
//!   delivered) and three orders placed later, one in five by a customer
//!   outside Europe;
//! - uncertainty: every stock line's lead time is `triangular`, every ramp
//!   date carries a `delay(triangular(...))`, every ramp rate is `uniform`,
//!   and one target in four is `lognormal`;
//! - for the planner: a candidate investment expanding every other line (one
//!   in five of them in whole steps), and a hiring limit per nation and year.

use crate::build::ScenarioBuilder;
use crate::distribution::Distribution;
use crate::scenario::{Origin, Provenance, Scenario, Table, Uncertainty};
use crate::time::Step;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::str::FromStr;

/// The size of a synthetic scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticSpec {
    /// Production lines.
    pub lines: usize,
    /// Capabilities (each with a requirement).
    pub capabilities: usize,
    /// European nations (a `US` nation is added outside Europe).
    pub nations: usize,
    /// Years from 2025-01-01, in monthly steps.
    pub years: usize,
    /// Seed of the generator (not of the forecast).
    pub seed: u64,
}

impl Default for SyntheticSpec {
    /// The size the forecast issue benchmarks: 300 lines, 40 capabilities,
    /// 35 nations, 11 years.
    fn default() -> Self {
        SyntheticSpec {
            lines: 300,
            capabilities: 40,
            nations: 35,
            years: 11,
            seed: 1,
        }
    }
}

impl fmt::Display for SyntheticSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lines={},capabilities={},nations={},years={},seed={}",
            self.lines, self.capabilities, self.nations, self.years, self.seed
        )
    }
}

/// Most nations a spec may ask for: two-letter codes `AA`..`ZZ` without `US`.
pub const MAX_NATIONS: usize = 26 * 26 - 1;

impl FromStr for SyntheticSpec {
    type Err = String;

    /// `key=value` pairs separated by commas; keys `lines`, `capabilities`,
    /// `nations`, `years`, `seed`; missing keys keep the [default](Self::default).
    /// An empty string or `default` is the default.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut spec = SyntheticSpec::default();
        let text = text.trim();
        if text.is_empty() || text == "default" {
            return Ok(spec);
        }
        for part in text.split(',') {
            let part = part.trim();
            let Some((key, value)) = part.split_once('=') else {
                return Err(format!(
                    "`{part}` is not key=value; expected e.g. `lines=300,capabilities=40,nations=35,years=11`"
                ));
            };
            let (key, value) = (key.trim(), value.trim());
            let number: u64 = value
                .parse()
                .map_err(|_| format!("`{key}={value}`: `{value}` is not a whole number"))?;
            let size = |lo: u64, hi: u64| {
                if (lo..=hi).contains(&number) {
                    Ok(number as usize)
                } else {
                    Err(format!("`{key}={value}`: expected {lo} to {hi}"))
                }
            };
            match key {
                "lines" => spec.lines = size(1, 100_000)?,
                "capabilities" => spec.capabilities = size(1, 10_000)?,
                "nations" => spec.nations = size(1, MAX_NATIONS as u64)?,
                "years" => spec.years = size(1, 100)?,
                "seed" => spec.seed = number,
                _ => {
                    return Err(format!(
                        "unknown key `{key}`; expected lines, capabilities, nations, years or seed"
                    ))
                }
            }
        }
        Ok(spec)
    }
}

/// The `i`-th two-letter nation code, skipping `US`.
fn nation_code(i: usize) -> String {
    let i = if i >= 20 * 26 + 18 { i + 1 } else { i }; // "US" is 20*26 + 18
    let a = (b'A' + (i / 26) as u8) as char;
    let b = (b'A' + (i % 26) as u8) as char;
    format!("{a}{b}")
}

/// Round to `digits` significant-ish decimals so written files stay readable.
fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Generate the scenario of `spec`. Deterministic in `spec`.
pub fn generate(spec: &SyntheticSpec) -> Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let start_year = 2025;
    let end_year = start_year + spec.years as i32 - 1;
    let mut b = ScenarioBuilder::new("2025-01-01", &format!("{end_year}-12-31"), Step::Month);
    let nations: Vec<String> = (0..spec.nations).map(nation_code).collect();
    for n in &nations {
        b = b.nation(n, &["NATO", "EUROPE"]);
    }
    b = b.nation("US", &["NATO"]);

    // Capabilities: stock targets, US contributions and holdings.
    let caps: Vec<(String, bool)> = (0..spec.capabilities)
        .map(|c| (format!("cap{c:03}"), c % 5 == 4))
        .collect();
    let mut targets = vec![0.0; caps.len()];
    let mut uncertain_targets = vec![];
    for (c, (id, flow)) in caps.iter().enumerate() {
        let weight = rng.random_range(1..=3) as f64;
        if *flow {
            let t = round(rng.random_range(5_000.0..200_000.0), 0);
            b = b.flow(id, t).weight(id, weight);
            targets[c] = t;
        } else {
            let t = round(rng.random_range(50.0..2_000.0), 0);
            b = b.stock(id, t).weight(id, weight);
            targets[c] = t;
            b = b.us(id, round(t * rng.random_range(0.2..0.6), 0));
            let holders = spec.nations.min(6);
            let first = rng.random_range(0..spec.nations);
            let total = t * rng.random_range(0.3..0.7);
            for h in 0..holders {
                let n = &nations[(first + h) % spec.nations];
                b = b.holding(n, id, round(total / holders as f64, 0));
            }
        }
        if c % 4 == 1 {
            uncertain_targets.push(c);
        }
    }

    // Lines, capacity ramps and orders.
    let mut uncertain = vec![];
    for l in 0..spec.lines {
        let c = l % caps.len();
        let (cap, flow) = (&caps[c].0, caps[c].1);
        let id = format!("line{l:04}");
        let outside = l % 10 == 9;
        let producer = if outside {
            "US".to_string()
        } else {
            nations[rng.random_range(0..spec.nations)].clone()
        };
        let per_cap = spec.lines.div_ceil(caps.len()) as f64;
        let share = targets[c] / per_cap;
        let last_ramp = 2029.min(end_year);
        let ramp_year = rng.random_range(2026.min(last_ramp)..=last_ramp);
        let ramp_month = rng.random_range(2..=12);
        let ramp = format!("{ramp_year}-{ramp_month:02}-01");
        let factor = rng.random_range(1.5..3.0);
        if flow {
            let r0 = round(share * rng.random_range(0.2..0.6), 0).max(1.0);
            b = b
                .line(&id, cap, &producer, 0)
                .capacity(&id, "2024-01-01", r0)
                .capacity(&id, &ramp, round(r0 * factor, 0));
            let row = 2 * l + 1;
            uncertain.push((Table::Capacity, row, "date", delay()));
            uncertain.push((
                Table::Capacity,
                row,
                "units_per_year",
                Distribution::Uniform {
                    a: round(r0 * factor * 0.7, 1),
                    b: round(r0 * factor * 1.1, 1),
                },
            ));
            continue;
        }
        let lead: u32 = rng.random_range(12..=48);
        let r0 = round(share * rng.random_range(0.05..0.15), 1).max(1.0);
        let eu = if outside {
            round(rng.random_range(0.0..0.3), 2)
        } else {
            round(rng.random_range(0.5..1.0), 2)
        };
        let us = round((1.0 - eu) * rng.random_range(0.0..1.0), 2);
        let cost = round(rng.random_range(1e6..5e8), -4);
        b = b
            .line(&id, cap, &producer, lead)
            .unit_cost(&id, cost)
            .with(|s| {
                let line = s.lines.last_mut().expect("line just added");
                line.content_eu = Some(eu);
                line.content_us = Some(us);
                line.content_other = Some(round(1.0 - eu - us, 2).max(0.0));
            })
            .capacity(&id, "2024-01-01", r0)
            .capacity(&id, &ramp, round(r0 * factor, 1));
        // Every line adds itself and two capacity rows.
        let (line_row, step_row) = (l, 2 * l + 1);
        // The median of triangular(0.8 L, L, 1.6 L) is above L; the record
        // holds the median rounded up, as the loader does.
        let lead_dist = Distribution::Triangular {
            lo: round(lead as f64 * 0.8, 1),
            mode: lead as f64,
            hi: round(lead as f64 * 1.6, 1),
        };
        let nominal = lead_dist.median().ceil() as u32;
        b = b.with(|s| s.lines[line_row].lead_time_months = nominal);
        uncertain.push((Table::Lines, line_row, "lead_time_months", lead_dist));
        uncertain.push((Table::Capacity, step_row, "date", delay()));
        uncertain.push((
            Table::Capacity,
            step_row,
            "units_per_year",
            Distribution::Uniform {
                a: round(r0 * factor * 0.7, 1),
                b: round(r0 * factor * 1.1, 1),
            },
        ));
        // A backlog order from before the start, partly delivered, then three more.
        let backlog = round(r0 * rng.random_range(1.0..3.0), 0).max(1.0);
        let buyer = nations[rng.random_range(0..spec.nations)].clone();
        b = b
            .order(&format!("{id}-o0"), &buyer, &id, backlog, "2023-06-01")
            .delivered(round(backlog * 0.25, 0));
        for o in 1..=3 {
            let buyer = if (l + o) % 5 == 0 {
                "US".to_string()
            } else {
                nations[rng.random_range(0..spec.nations)].clone()
            };
            let year = rng.random_range(start_year..=(start_year + 5).min(end_year));
            let month = rng.random_range(1..=12);
            let q = round(r0 * rng.random_range(0.5..2.0), 0).max(1.0);
            b = b.order(
                &format!("{id}-o{o}"),
                &buyer,
                &id,
                q,
                &format!("{year}-{month:02}-01"),
            );
        }
    }

    let mut s = b.build();
    for c in uncertain_targets {
        let row = s
            .requirements
            .iter()
            .position(|r| r.capability == caps[c].0)
            .expect("every capability has a requirement");
        let t = s.requirements[row].target;
        let d = Distribution::LogNormal {
            p05: round(t * 0.8, 1),
            p95: round(t * 1.4, 1),
        };
        s.requirements[row].target = d.median();
        uncertain.push((Table::Requirements, row, "target", d));
    }
    for (table, row, field, distribution) in uncertain {
        let origin = row_origin(&s, table, row);
        if field == "units_per_year" {
            // The record holds the median, as the loader sets it.
            s.capacity[row].units_per_year = distribution.median();
        }
        s.uncertainty.push(Uncertainty {
            table,
            row,
            field: field.into(),
            distribution,
            origin,
        });
    }
    // In the order a loader reads them back: by table, row, then column.
    s.uncertainty.sort_by_key(|u| {
        let table = match u.table {
            Table::Requirements => 0,
            Table::Lines => 1,
            _ => 2,
        };
        (table, u.row, u.field != "date")
    });
    add_investments(&mut s, spec);
    mark_provenance(&mut s, spec);
    s
}

/// Candidate investments for the planner: one per two lines, expanding it
/// (one in five of them in whole steps of half its size), and a workforce
/// limit per nation and year. From their own random stream, so the rest of
/// the scenario is the same as without them.
fn add_investments(s: &mut Scenario, spec: &SyntheticSpec) {
    use crate::scenario::{Investment, Workforce};
    use chrono::Datelike;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed ^ 0x1_2345_6789);
    let start_year = s.scenario.start.year();
    let end_year = s.scenario.horizon.year();
    let mut out = vec![];
    for (l, line) in s.lines.iter().enumerate().filter(|(l, _)| l % 2 == 0) {
        let flow = s
            .capability(&line.capability)
            .is_some_and(|c| c.kind == crate::scenario::CapabilityKind::Flow);
        let size = s
            .capacity
            .iter()
            .filter(|c| c.line == line.id)
            .map(|c| c.units_per_year)
            .fold(0.0, f64::max);
        let max = round(size * rng.random_range(0.5..1.0), 0).max(2.0);
        let first: u32 = rng.random_range(12..=30);
        let full = first + rng.random_range(6..=24);
        let capex = if flow {
            max * rng.random_range(500.0..3000.0)
        } else {
            max * line.unit_cost.unwrap_or(1e6) * rng.random_range(1.0..4.0)
        };
        let workers = if flow {
            rng.random_range(0.0005..0.002)
        } else {
            rng.random_range(5.0..20.0)
        };
        out.push(Investment {
            id: format!("inv{l:04}"),
            capability: line.capability.clone(),
            nation: line.nation.clone(),
            line: Some(line.id.clone()),
            name: None,
            max_units_per_year: max,
            step: (l % 10 == 0).then(|| (max / 2.0).round().max(1.0)),
            months_to_first_output: Some(first),
            months_to_full_rate: Some(full),
            capex: Some(round(capex, -3)),
            unit_cost: None,
            lead_time_months: None,
            content_eu: None,
            content_us: None,
            content_other: None,
            workers_per_unit: Some(round(workers, 4)),
            earliest: None,
            provenance: Provenance::default(),
            origin: Origin::line("investments.csv", out.len() + 2),
        });
    }
    for inv in &mut out {
        if let Some(step) = inv.step {
            inv.max_units_per_year = (inv.max_units_per_year / step).floor().max(1.0) * step;
        }
    }
    s.investments = out;
    let nations: Vec<String> = s
        .nations
        .iter()
        .filter(|n| n.code != "US")
        .map(|n| n.code.clone())
        .collect();
    for n in nations {
        for year in start_year + 1..=end_year {
            s.workforce.push(Workforce {
                nation: n.clone(),
                year,
                workers: round(rng.random_range(200.0..2000.0), 0),
                provenance: Provenance::default(),
                origin: Origin::line("workforce.csv", s.workforce.len() + 2),
            });
        }
    }
}

/// A capacity ramp's slip: 0 to 18 months, most likely 3.
fn delay() -> Distribution {
    Distribution::Delay(Box::new(Distribution::Triangular {
        lo: 0.0,
        mode: 3.0,
        hi: 18.0,
    }))
}

fn row_origin(s: &Scenario, table: Table, row: usize) -> Origin {
    match table {
        Table::Lines => s.lines[row].origin.clone(),
        Table::Capacity => s.capacity[row].origin.clone(),
        Table::Requirements => s.requirements[row].origin.clone(),
        _ => Origin::default(),
    }
}

/// Name the generator as the source of every row, as an estimate with a note.
fn mark_provenance(s: &mut Scenario, spec: &SyntheticSpec) {
    let p = Provenance {
        source: Some(format!("synthetic: handover bench --synthetic {spec}")),
        estimate: true,
        note: Some("generated for benchmarks; describes no real capability".into()),
        ..Provenance::default()
    };
    s.scenario.name = format!("synthetic {spec}");
    s.scenario.description =
        Some("Synthetic scenario generated by `handover bench`; not real data.".into());
    for x in &mut s.requirements {
        x.provenance = p.clone();
    }
    for x in &mut s.nations {
        x.provenance = p.clone();
    }
    for x in &mut s.holdings {
        x.provenance = p.clone();
    }
    for x in &mut s.us_contributions {
        x.provenance = p.clone();
    }
    for x in &mut s.lines {
        x.provenance = p.clone();
    }
    for x in &mut s.capacity {
        x.provenance = p.clone();
    }
    for x in &mut s.orders {
        x.provenance = p.clone();
    }
    for x in &mut s.investments {
        x.provenance = p.clone();
    }
    for x in &mut s.workforce {
        x.provenance = p.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{errors, validate};

    #[test]
    fn spec_parses_and_prints() {
        let s: SyntheticSpec = "lines=300,capabilities=40,nations=35,years=11"
            .parse()
            .unwrap();
        assert_eq!(s, SyntheticSpec::default());
        let s: SyntheticSpec = " lines = 5 , seed=9".parse().unwrap();
        assert_eq!((s.lines, s.capabilities, s.seed), (5, 40, 9));
        assert_eq!(s.to_string().parse::<SyntheticSpec>().unwrap(), s);
        assert_eq!(
            "".parse::<SyntheticSpec>().unwrap(),
            SyntheticSpec::default()
        );
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let err = |t: &str| t.parse::<SyntheticSpec>().unwrap_err();
        assert!(err("lines=0").contains("expected 1 to 100000"));
        assert!(err("lines=x").contains("not a whole number"));
        assert!(err("line=3").contains("unknown key `line`"));
        assert!(err("lines").contains("not key=value"));
        assert!(err("nations=700").contains("expected 1 to 675"));
    }

    #[test]
    fn nation_codes_are_distinct_two_letter_codes_without_us() {
        let codes: Vec<String> = (0..MAX_NATIONS).map(nation_code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), MAX_NATIONS);
        assert!(!codes.contains(&"US".to_string()));
        assert!(codes
            .iter()
            .all(|c| c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase())));
        assert_eq!(codes.last().unwrap(), "ZZ");
    }

    #[test]
    fn generates_the_size_asked_for_and_validates() {
        let spec: SyntheticSpec = "lines=30,capabilities=7,nations=4,years=6".parse().unwrap();
        let s = generate(&spec);
        assert_eq!(s.lines.len(), 30);
        assert_eq!(s.capabilities.len(), 7);
        assert_eq!(s.requirements.len(), 7);
        assert_eq!(s.nations.len(), 5);
        assert_eq!(s.scenario.horizon.to_string(), "2030-12-31");
        let problems = validate(&s);
        let errs: Vec<_> = errors(&problems).collect();
        assert!(errs.is_empty(), "{errs:?}");
        assert!(problems.is_empty(), "no warnings either: {problems:?}");
        assert!(s.uncertainty.len() > 30);
        // Deterministic, and the seed matters.
        assert_eq!(generate(&spec), s);
        let other = SyntheticSpec { seed: 2, ..spec };
        assert_ne!(generate(&other), s);
    }

    #[test]
    fn short_and_small_scenarios_validate_too() {
        for years in 1..=4 {
            for (lines, caps, nations) in [(1, 1, 1), (7, 3, 2), (12, 12, 1)] {
                let spec = SyntheticSpec {
                    lines,
                    capabilities: caps,
                    nations,
                    years,
                    seed: years as u64,
                };
                let problems = validate(&generate(&spec));
                let errs: Vec<_> = errors(&problems).collect();
                assert!(errs.is_empty(), "{spec}: {errs:?}");
            }
        }
    }

    #[test]
    fn records_hold_the_medians_of_their_distributions() {
        let s = generate(&"lines=20,capabilities=4,nations=3,years=4".parse().unwrap());
        for u in &s.uncertainty {
            let m = u.distribution.median();
            match (u.table, u.field.as_str()) {
                (Table::Lines, _) => {
                    assert_eq!(s.lines[u.row].lead_time_months, m.ceil() as u32)
                }
                (Table::Capacity, "units_per_year") => {
                    assert_eq!(s.capacity[u.row].units_per_year, m)
                }
                (Table::Requirements, _) => assert_eq!(s.requirements[u.row].target, m),
                (Table::Capacity, "date") => assert!(u.distribution.is_delay()),
                other => panic!("unexpected uncertain field {other:?}"),
            }
        }
    }

    #[test]
    fn the_default_spec_is_the_benchmark_size_and_valid() {
        let s = generate(&SyntheticSpec::default());
        assert_eq!(s.lines.len(), 300);
        assert_eq!(s.capabilities.len(), 40);
        assert_eq!(s.nations.len(), 36);
        assert!(errors(&validate(&s)).next().is_none());
    }
}
