//! Validation is the gate: whatever it accepts, the engine computes without
//! panicking. Random scenarios mix ordinary figures with the extremes that
//! once panicked (dates of year 0 and 9999, delays of 10^15 months, 1e308,
//! NaN, lead times of u32::MAX); each that validates is projected, assessed
//! with series at several dates, forecast, checked against benchmarks and
//! planned. A proptest-driven harness on stable Rust (docs/FORMAT.md, "Limits").

use handover_core::build::ScenarioBuilder;
use handover_core::distribution::Distribution;
use handover_core::plan::{plan, Objective, PlanRequest};
use handover_core::scenario::{Table, Uncertainty};
use handover_core::validate::{errors, validate};
use handover_core::Evaluation;
use proptest::prelude::*;

const DATES: &[&str] = &[
    "2020-06-15",
    "2025-12-31",
    "2026-01-01",
    "2027-07-01",
    "2030-12-31",
];

const ODD_DATES: &[&str] = &[
    "0000-01-01",
    "1900-01-01",
    "1926-01-01",
    "1926-02-01",
    "2031-01-01",
    "2125-12-31",
    "2126-01-01",
    "9999-12-31",
];

const NUMBERS: &[f64] = &[
    0.0,
    1.0,
    3.5,
    12.0,
    250.0,
    1e6,
    1e15,
    1.5e15,
    1e308,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::MIN_POSITIVE,
];

const LEADS: &[u32] = &[0, 1, 24, 1200, 1201, u32::MAX];

const DISTRIBUTIONS: &[&str] = &[
    "uniform(0, 6)",
    "triangular(0, 3, 1e308)",
    "triangular(0, 0, 24)",
    "normal(12, 1e15)",
    "normal(5, 3)",
    "lognormal(p05=1, p95=1e15)",
    "lognormal(p05=1e-300, p95=1e15)",
    "lognormal(p05=2, p95=40)",
    "fixed(1e15)",
    "fixed(1200)",
    "uniform(0, 1201)",
    "uniform(-1e15, 1e15)",
    "triangular(1, 2, 3)",
];

fn date() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        12 => prop::sample::select(DATES),
        1 => prop::sample::select(ODD_DATES),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        12 => 0.0f64..500.0,
        1 => prop::sample::select(NUMBERS),
    ]
}

/// Mostly `usual`, sometimes one of `odd`.
fn mostly<T: Clone + std::fmt::Debug + 'static>(
    usual: T,
    odd: &'static [T],
) -> impl Strategy<Value = T> {
    prop_oneof![12 => Just(usual), 1 => prop::sample::select(odd)]
}

/// A distribution parsed from the list (the parser refuses some: those are skipped)
/// or built directly with extreme parameters the parser would refuse.
fn distribution() -> impl Strategy<Value = Option<Distribution>> {
    prop_oneof![
        3 => prop::sample::select(DISTRIBUTIONS).prop_map(|t| t.parse().ok()),
        1 => (prop::sample::select(NUMBERS), prop::sample::select(NUMBERS))
            .prop_map(|(a, b)| Some(Distribution::Uniform { a, b })),
        1 => prop::sample::select(NUMBERS).prop_map(|x| Some(Distribution::Fixed(x))),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    start: &'static str,
    horizon: &'static str,
    target: f64,
    holding: f64,
    lead: u32,
    steps: Vec<(&'static str, f64)>,
    orders: Vec<(f64, &'static str)>,
    retire: Option<(&'static str, f64)>,
    uncertain: Vec<(usize, bool, Option<Distribution>)>,
    spending_year: i32,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            mostly("2026-01-01", &["1800-01-01", "2026-03-01", "2200-01-01"]),
            mostly("2030-12-31", &["2125-12-31", "2126-01-01", "9999-12-31"]),
            number(),
            number(),
            mostly(24, LEADS),
        ),
        prop::collection::vec((date(), number()), 0..3),
        prop::collection::vec((number(), date()), 0..4),
        prop::option::of((date(), number())),
        prop::collection::vec((0usize..8, any::<bool>(), distribution()), 0..4),
        mostly(2025, &[1800, 2300, i32::MAX]),
    )
        .prop_map(
            |((start, horizon, target, holding, lead), steps, orders, retire, uncertain, year)| {
                Case {
                    start,
                    horizon,
                    target,
                    holding,
                    lead,
                    steps,
                    orders,
                    retire,
                    uncertain,
                    spending_year: year,
                }
            },
        )
}

fn scenario(c: &Case) -> handover_core::Scenario {
    let mut b = ScenarioBuilder::monthly(c.start, c.horizon)
        .nation("DE", &["NATO", "EU", "EUROPE"])
        .nation("FR", &["NATO", "EU", "EUROPE"])
        .nation("US", &["NATO"])
        .stock("sam", c.target)
        .flow("shells", 1000.0)
        .holding("DE", "sam", c.holding)
        .line("l", "sam", "DE", c.lead)
        .unit_cost("l", 3.0)
        .line("f", "shells", "FR", 0)
        .capacity("f", "2026-01-01", 500.0);
    let mut seen = std::collections::HashSet::new();
    for (d, rate) in &c.steps {
        if seen.insert(*d) {
            b = b.capacity("l", d, *rate);
        }
    }
    for (i, (q, d)) in c.orders.iter().enumerate() {
        b = b.order(&format!("o{i}"), "DE", "l", *q, d);
    }
    if let Some((d, q)) = c.retire {
        b = b.retire("DE", "sam", d, q);
    }
    let year = c.spending_year;
    let uncertain = c.uncertain.clone();
    b.with(move |s| {
        s.economics.push(handover_core::scenario::Economics {
            nation: "DE".into(),
            year,
            gdp_musd: Some(4000.0),
            defence_musd: None,
            defence_pct_gdp: Some(2.0),
            provenance: Default::default(),
            origin: Default::default(),
        });
        for (i, rule) in [
            "coverage(sam) at 2027-12-31 < 0.5",
            "P(met, sam, us-2027) < 0.2",
            "spending(DE, 2025) < 3.5%",
            "shortfall(sam, eu-2030) > 1000000000000000000000",
        ]
        .into_iter()
        .enumerate()
        {
            s.triggers.push(handover_core::trigger::Trigger {
                id: format!("t{i}"),
                rule: handover_core::trigger::Rule::parse(rule),
                severity: handover_core::trigger::TriggerSeverity::Warning,
                action: "review".into(),
                provenance: Default::default(),
                origin: Default::default(),
                rule_at: None,
            });
        }
        for (slot, on_date, dist) in uncertain {
            let Some(dist) = dist else { continue };
            let (table, field, rows) = match slot % 4 {
                0 => (
                    Table::Orders,
                    if on_date { "date" } else { "quantity" },
                    s.orders.len(),
                ),
                1 => (
                    Table::Capacity,
                    if on_date { "date" } else { "units_per_year" },
                    s.capacity.len(),
                ),
                2 => (Table::Lines, "lead_time_months", s.lines.len()),
                _ => (Table::Holdings, "quantity", s.holdings.len()),
            };
            if rows == 0 {
                continue;
            }
            let distribution = if field == "date" {
                Distribution::Delay(Box::new(dist))
            } else {
                dist
            };
            s.uncertainty.push(Uncertainty {
                table,
                row: slot % rows,
                field: field.into(),
                distribution,
                origin: Default::default(),
            });
        }
    })
    .build()
}

/// Everything the CLI and the server compute on a scenario.
fn compute(s: &handover_core::Scenario) {
    let eval = Evaluation::new(&handover_core::build::valid(s.clone()));
    let cal = eval.model.calendar;
    let last = cal.period_end(cal.periods() as i64 - 1);
    for at in [s.scenario.start, last]
        .into_iter()
        .chain(s.deadlines.iter().map(|d| d.date))
    {
        let _ = eval.assess(s, at, true);
    }
    let forecast = eval.forecast(s, 64, 7).map(|f| f.run());
    if let Ok(f) = &forecast {
        let _ = handover_core::trigger::check(s, &eval, &s.triggers, s.scenario.start, Some(f));
    }
    for deadline in s.deadlines.iter().map(|d| d.id.clone()) {
        let mut req = PlanRequest::new(Objective::Coverage, s.scenario.start, &deadline);
        req.budget_per_year = Some(1e6);
        let _ = plan(s, &eval, &req);
        let req = PlanRequest::new(Objective::Cost, s.scenario.start, &deadline);
        let _ = plan(s, &eval, &req);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn whatever_validation_accepts_the_engine_computes(c in case()) {
        let s = scenario(&c);
        let problems = validate(&s);
        if errors(&problems).next().is_none() {
            compute(&s);
        }
    }
}

/// The inputs of the reliability report, each refused by validation with the field named.
#[test]
fn the_reported_inputs_are_refused_by_validation() {
    let base = || {
        ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["NATO", "EU", "EUROPE"])
            .stock("sam", 10.0)
            .line("l", "sam", "DE", 12)
            .capacity("l", "2026-01-01", 12.0)
    };
    let delayed = |d: Distribution| {
        base()
            .order("o", "DE", "l", 4.0, "2026-02-01")
            .with(move |s| {
                s.uncertainty.push(Uncertainty {
                    table: Table::Orders,
                    row: 0,
                    field: "date".into(),
                    distribution: Distribution::Delay(Box::new(d)),
                    origin: Default::default(),
                })
            })
            .build()
    };
    let cases = [
        (
            delayed(Distribution::Triangular {
                lo: 0.0,
                mode: 3.0,
                hi: 1e308,
            }),
            "date",
        ),
        (delayed(Distribution::Fixed(1e15)), "date"),
        (
            delayed(Distribution::Normal {
                mean: f64::NAN,
                sd: 1.0,
            }),
            "date",
        ),
        (
            base().order("o", "DE", "l", 4.0, "1900-01-01").build(),
            "date",
        ),
        (
            base().order("o", "DE", "l", 4.0, "0000-01-01").build(),
            "date",
        ),
        (
            base().order("o", "DE", "l", 4.0, "9999-12-31").build(),
            "date",
        ),
        (
            base().order("o", "DE", "l", 1e308, "2026-02-01").build(),
            "quantity",
        ),
        (
            base().order("o", "DE", "l", f64::NAN, "2026-02-01").build(),
            "quantity",
        ),
        (
            base().line("m", "sam", "DE", u32::MAX).build(),
            "lead_time_months",
        ),
    ];
    for (i, (s, field)) in cases.iter().enumerate() {
        let problems = validate(s);
        let e: Vec<_> = errors(&problems).collect();
        assert!(
            e.iter().any(|p| p.field == *field),
            "case {i}: expected an error on `{field}`, got {e:?}"
        );
    }
}
