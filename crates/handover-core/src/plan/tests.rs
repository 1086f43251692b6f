//! The planner end to end: by-hand cases, and its claims against the projection.

use super::*;
use crate::build::ScenarioBuilder;
use crate::projection::shift_months;
use crate::scenario::{Origin, Provenance};
use crate::time::Step;
use crate::validate::{errors, validate};
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn run(s: &Scenario, req: &PlanRequest) -> Result<Plan, PlanError> {
    let problems = validate(s);
    assert!(errors(&problems).next().is_none(), "{problems:?}");
    let eval = Evaluation::new(&crate::build::valid(s.clone()));
    plan(s, &eval, req)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-4 * b.abs().max(1.0)
}

fn ordered(p: &Plan, line: &str) -> f64 {
    p.orders
        .iter()
        .filter(|o| o.line == line)
        .map(|o| o.quantity)
        .sum()
}

fn base() -> ScenarioBuilder {
    ScenarioBuilder::monthly("2026-01-01", "2027-12-31")
        .nation("DE", &["EUROPE"])
        .nation("FR", &["EUROPE"])
        .nation("US", &["NATO"])
}

/// Two lines, one budget year: the cheap line (1 a unit, 12 a year) and
/// the dear one (2 a unit, 24 a year), both without lead time or backlog.
fn two_lines(target: f64) -> Scenario {
    base()
        .stock("sam", target)
        .holding("EUROPE", "sam", 0.0)
        .line("cheap", "sam", "DE", 0)
        .unit_cost("cheap", 1.0)
        .capacity("cheap", "2026-01-01", 12.0)
        .line("dear", "sam", "FR", 0)
        .unit_cost("dear", 2.0)
        .capacity("dear", "2026-01-01", 24.0)
        .build()
}

fn request(objective: Objective, budget: Option<f64>, deadline: &str) -> PlanRequest {
    let mut r = PlanRequest::new(objective, d("2026-01-01"), deadline);
    r.budget_per_year = budget;
    r.grid = Step::Year;
    r
}

#[test]
fn coverage_by_hand_two_lines_one_budget_year() {
    // Budget 16 in 2026, deadline end-2026: all 12 cheap units (12), then
    // 2 dear ones (4): 14 of 20 = 0.7. Nothing better: the next unit costs 2.
    let s = two_lines(20.0);
    let p = run(&s, &request(Objective::Coverage, Some(16.0), "2026-12-31")).unwrap();
    assert!(close(ordered(&p, "cheap"), 12.0), "{:?}", p.orders);
    assert!(close(ordered(&p, "dear"), 2.0), "{:?}", p.orders);
    assert!(close(p.total_cost, 16.0));
    assert!(close(p.index_after.unwrap(), 0.7));
    assert_eq!(p.index_before, Some(0.0));
    assert_eq!(p.budget.len(), 1);
    assert!(p.budget[0].exhausted);
    // One more euro buys half a dear unit: 0.5 / 20 of coverage = 2.5 points per euro.
    let price = p.budget[0].shadow_price_per_bn.unwrap() / 1e9;
    assert!(close(price, 2.5), "{price}");
    // The cheap line is the bottleneck: all its capacity is taken.
    let cheap = p.lines.iter().find(|l| l.line == "cheap").unwrap();
    assert!(cheap.bottleneck);
    assert!(
        !p.lines
            .iter()
            .find(|l| l.line == "dear")
            .unwrap()
            .bottleneck
    );
    // Rounding down keeps whole units here, so nothing changes.
    assert!(close(p.index_rounded.unwrap(), 0.7));
    assert!(close(p.total_cost_rounded, 16.0));
}

#[test]
fn cost_by_hand_two_lines() {
    // Target 20: 12 cheap (12) + 8 dear (16) = 28.
    let s = two_lines(20.0);
    let p = run(&s, &request(Objective::Cost, None, "2026-12-31")).unwrap();
    assert!(close(p.total_cost, 28.0), "{}", p.total_cost);
    assert!(close(ordered(&p, "cheap"), 12.0));
    assert!(close(ordered(&p, "dear"), 8.0));
    assert!(p.unreachable.is_empty());
    assert!(close(p.capabilities[0].coverage_rounded.unwrap(), 1.0));
    // One more unit of cheap capacity saves 2 - 1 = 1.
    let cheap = p.lines.iter().find(|l| l.line == "cheap").unwrap();
    assert!(close(cheap.shadow_price.unwrap(), 1.0), "{cheap:?}");
}

#[test]
fn cost_within_too_small_budget_says_what_it_needs() {
    let s = two_lines(20.0);
    let e = run(&s, &request(Objective::Cost, Some(20.0), "2026-12-31")).unwrap_err();
    match e {
        PlanError::BudgetTooSmall { total, .. } => assert!(close(total, 28.0)),
        other => panic!("{other}"),
    }
}

#[test]
fn backlog_sends_orders_to_the_slower_but_emptier_line() {
    // `fast` makes 24 a year but 23 units of an older order queue first:
    // one unit is free before end-2026. `slow` makes 6 a year, empty.
    // Target 6: 1 on fast (cost 1), 5 on slow (cost 2 each) = 11.
    let s = base()
        .stock("sam", 6.0)
        .holding("EUROPE", "sam", 0.0)
        .line("fast", "sam", "DE", 0)
        .unit_cost("fast", 1.0)
        .capacity("fast", "2025-01-01", 24.0)
        .order("old", "US", "fast", 23.0, "2025-12-01")
        .line("slow", "sam", "FR", 0)
        .unit_cost("slow", 2.0)
        .capacity("slow", "2025-01-01", 6.0)
        .build();
    let p = run(&s, &request(Objective::Cost, None, "2026-12-31")).unwrap();
    assert!(close(ordered(&p, "slow"), 5.0), "{:?}", p.orders);
    assert!(close(ordered(&p, "fast"), 1.0), "{:?}", p.orders);
    assert!(close(p.total_cost, 11.0));
    let fast = p.lines.iter().find(|l| l.line == "fast").unwrap();
    assert!(close(fast.free_by_deadline, 1.0));
    assert!(fast.bottleneck);
    // The fast line's new unit arrives after the backlog: December 2026.
    let o = p.orders.iter().find(|o| o.line == "fast").unwrap();
    assert_eq!(o.first_delivery, Some(d("2026-12-31")));
}

#[test]
fn content_rule_excludes_a_line_and_unknown_content_fails_it() {
    let s = base()
        .stock("sam", 10.0)
        .holding("EUROPE", "sam", 0.0)
        .line("mixed", "sam", "DE", 0)
        .unit_cost("mixed", 1.0)
        .capacity("mixed", "2026-01-01", 120.0)
        .line("european", "sam", "FR", 0)
        .unit_cost("european", 3.0)
        .capacity("european", "2026-01-01", 120.0)
        .line("unknown", "sam", "FR", 0)
        .unit_cost("unknown", 0.5)
        .capacity("unknown", "2026-01-01", 120.0)
        .with(|s| {
            s.lines[0].content_eu = Some(0.5);
            s.lines[0].content_us = Some(0.5);
            s.lines[1].content_eu = Some(0.8);
            s.lines[1].content_other = Some(0.2);
        })
        .build();
    let mut req = request(Objective::Cost, None, "2026-12-31");
    let free = run(&s, &req).unwrap();
    assert!(
        close(ordered(&free, "unknown"), 10.0),
        "cheapest without the rule"
    );
    req.min_european_content = Some(0.65);
    let p = run(&s, &req).unwrap();
    assert!(close(ordered(&p, "european"), 10.0), "{:?}", p.orders);
    assert_eq!(ordered(&p, "mixed"), 0.0);
    assert!(close(p.total_cost, 30.0));
    let mixed = p.lines.iter().find(|l| l.line == "mixed").unwrap();
    assert!(!mixed.eligible);
    assert!(mixed.reason.as_ref().unwrap().contains("0.5 is below"));
    let unknown = p.lines.iter().find(|l| l.line == "unknown").unwrap();
    assert!(unknown.reason.as_ref().unwrap().contains("unknown"));
}

#[test]
fn unreachable_targets_are_named_with_their_earliest_date() {
    // One unit a month from January 2026: 12 by end-2026, 18 by end of June 2027.
    let s = base()
        .stock("sam", 18.0)
        .holding("EUROPE", "sam", 0.0)
        .line("l", "sam", "DE", 0)
        .unit_cost("l", 1.0)
        .capacity("l", "2026-01-01", 12.0)
        .stock("tank", 5.0)
        .holding("EUROPE", "tank", 1.0)
        .line("t", "tank", "DE", 0)
        .unit_cost("t", 1.0)
        .capacity("t", "2026-01-01", 12.0)
        .flow("ammo", 100.0)
        .line("a", "ammo", "DE", 0)
        .capacity("a", "2026-01-01", 50.0)
        .build();
    let p = run(&s, &request(Objective::Cost, None, "2026-12-31")).unwrap();
    let sam = p
        .unreachable
        .iter()
        .find(|u| u.capability == "sam")
        .unwrap();
    assert_eq!(sam.earliest, Some(d("2027-06-30")));
    assert!(close(sam.max_level.unwrap(), 12.0));
    let ammo = p
        .unreachable
        .iter()
        .find(|u| u.capability == "ammo")
        .unwrap();
    assert!(ammo.reason.contains("flow"), "{}", ammo.reason);
    assert_eq!(ammo.earliest, None);
    assert_eq!(p.unreachable.len(), 2);
    // The reachable target is still planned: 4 tanks.
    assert!(close(ordered(&p, "t"), 4.0));
    assert_eq!(ordered(&p, "l"), 0.0);
    // A target beyond the horizon has no date.
    let s2 = base()
        .stock("sam", 100.0)
        .holding("EUROPE", "sam", 0.0)
        .line("l", "sam", "DE", 0)
        .unit_cost("l", 1.0)
        .capacity("l", "2026-01-01", 12.0)
        .build();
    let p2 = run(&s2, &request(Objective::Cost, None, "2026-12-31")).unwrap();
    assert_eq!(p2.unreachable[0].earliest, None);
}

#[test]
fn bad_requests_get_clear_messages() {
    let s = two_lines(20.0);
    let e = run(&s, &request(Objective::Coverage, None, "2026-12-31")).unwrap_err();
    assert!(e.to_string().contains("--budget"), "{e}");
    let e = run(&s, &request(Objective::Cost, None, "nope")).unwrap_err();
    assert!(e.to_string().contains("us-2027"), "{e}");
    let mut r = request(Objective::Cost, None, "us-2027");
    r.min_european_content = Some(65.0);
    assert!(run(&s, &r)
        .unwrap_err()
        .to_string()
        .contains("between 0 and 1"));
    let mut r = request(Objective::Cost, None, "us-2027");
    r.from = d("2025-01-01");
    assert!(run(&s, &r)
        .unwrap_err()
        .to_string()
        .contains("before the scenario start"));
    let mut r = request(Objective::Cost, None, "us-2027");
    r.share = Some(ShareKey::Custom(vec![ShareRow {
        nation: "XX".into(),
        share: 1.0,
        origin: Origin::line("key.csv", 2),
    }]));
    let e = run(&s, &r).unwrap_err().to_string();
    assert!(e.contains("key.csv:2") && e.contains("XX"), "{e}");
}

#[test]
fn totals_of_no_orders_are_plain_zero() {
    let s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
        .nation("DE", &["EUROPE"])
        .stock("x", 10.0)
        .holding("DE", "x", 10.0)
        .line("l", "x", "DE", 0)
        .unit_cost("l", 1.0)
        .capacity("l", "2026-01-01", 12.0)
        .build();
    let eval = Evaluation::new(&crate::build::valid(s.clone()));
    let p = plan(
        &s,
        &eval,
        &PlanRequest::new(Objective::Cost, s.scenario.start, "us-2027"),
    )
    .unwrap();
    assert!(p.orders.is_empty());
    let json = serde_json::to_string(&p).unwrap();
    assert!(!json.contains("-0.0"), "{json}");
    assert!(p.total_cost.is_sign_positive());
}

/// A scenario with backlogs, lead times, capacity ramps, an export-approval
/// delay and two capabilities: the oracle test's ground.
fn rich() -> Scenario {
    ScenarioBuilder::monthly("2026-01-01", "2031-12-31")
        .nation("DE", &["EUROPE"])
        .nation("PL", &["EUROPE"])
        .nation("US", &["NATO"])
        .stock("sam", 60.0)
        .stock("mbt", 400.0)
        .weight("mbt", 2.0)
        .holding("EUROPE", "sam", 10.0)
        .holding("EUROPE", "mbt", 150.0)
        .line("sam-de", "sam", "DE", 14)
        .unit_cost("sam-de", 400.0)
        .capacity("sam-de", "2025-01-01", 6.0)
        .capacity("sam-de", "2027-07-01", 12.0)
        .order("b1", "PL", "sam-de", 9.0, "2025-03-01")
        .order("b2", "US", "sam-de", 5.0, "2025-09-01")
        .line("sam-us", "sam", "US", 24)
        .unit_cost("sam-us", 300.0)
        .capacity("sam-us", "2025-01-01", 12.0)
        .order("b3", "DE", "sam-us", 20.0, "2025-06-01")
        .delivered(4.0)
        .line("mbt-de", "mbt", "DE", 30)
        .unit_cost("mbt-de", 20.0)
        .capacity("mbt-de", "2025-01-01", 36.0)
        .capacity("mbt-de", "2026-10-01", 60.0)
        .order("b4", "DE", "mbt-de", 100.0, "2024-05-01")
        .line("mbt-pl", "mbt", "PL", 18)
        .unit_cost("mbt-pl", 25.0)
        .capacity("mbt-pl", "2026-01-01", 24.0)
        .with(|s| {
            s.scenario.us_export_approval_months = 5;
            s.lines[1].content_us = Some(0.6);
            s.lines[1].content_eu = Some(0.4);
        })
        .build()
}

#[test]
fn plan_claims_match_assess_with_the_orders_added() {
    let s = rich();
    for (objective, budget, grid, deadline) in [
        (
            Objective::Coverage,
            Some(3000.0),
            Step::Quarter,
            "2029-12-31",
        ),
        (Objective::Coverage, Some(800.0), Step::Month, "2030-12-31"),
        (
            Objective::Coverage,
            Some(100_000.0),
            Step::Year,
            "2031-06-30",
        ),
        (Objective::Cost, None, Step::Quarter, "2030-12-31"),
        (Objective::Cost, Some(10_000.0), Step::Quarter, "2031-12-31"),
    ] {
        let mut r = PlanRequest::new(objective, d("2026-01-01"), deadline);
        r.budget_per_year = budget;
        r.grid = grid;
        let p = run(&s, &r).unwrap();
        assert!(!p.orders.is_empty(), "{objective} {deadline}: no orders");
        let at = d(deadline);
        for whole in [false, true] {
            let with = p.with_orders(&s, whole);
            assert!(errors(&validate(&with)).next().is_none());
            let eval = Evaluation::new(&crate::build::valid(with.clone()));
            let a = eval.assess(&with, at, false).unwrap();
            let index = a.index.at.unwrap();
            let claim = if whole {
                p.index_rounded
            } else {
                p.index_after
            };
            assert!(
                (index - claim.unwrap()).abs() < 1e-6,
                "{objective} {deadline} whole={whole}: assess {index} vs plan {claim:?}"
            );
            for (c, cp) in a.capabilities.iter().zip(&p.capabilities) {
                let claim = if whole {
                    cp.level_rounded
                } else {
                    cp.level_after
                };
                let (x, y) = (c.level.unwrap(), claim.unwrap());
                assert!((x - y).abs() < 1e-6 * x.max(1.0), "{} {x} vs {y}", c.id);
            }
        }
        // Budget respected per year; approval delay applied to the US line.
        for b in &p.budget {
            if let Some(limit) = b.budget {
                assert!(b.used <= limit * (1.0 + 1e-6));
                assert!(b.used_rounded <= limit * (1.0 + 1e-6));
            }
        }
        for o in p.orders.iter().filter(|o| o.line == "sam-us") {
            assert!(o.us_export_approval);
            assert_eq!(o.queue_date, shift_months(o.date, 5));
        }
        if objective == Objective::Cost {
            for cp in &p.capabilities {
                if !p.unreachable.iter().any(|u| u.capability == cp.capability) {
                    assert!(cp.coverage_rounded.unwrap() >= 1.0 - 1e-9, "{cp:?}");
                }
            }
        }
    }
}

#[test]
fn more_budget_never_lowers_coverage() {
    let s = rich();
    let mut last = -1.0;
    for budget in [0.0, 500.0, 1500.0, 5000.0, 50_000.0] {
        let mut r = PlanRequest::new(Objective::Coverage, d("2026-01-01"), "2029-12-31");
        r.budget_per_year = Some(budget);
        let p = run(&s, &r).unwrap();
        let i = p.index_after.unwrap();
        assert!(i >= last - 1e-7, "{budget}: {i} < {last}");
        last = i;
    }
}

#[test]
fn gdp_key_splits_by_gdp_and_reports_share_of_gdp() {
    let mut s = two_lines(20.0);
    for (n, gdp) in [("DE", 3000.0), ("FR", 1000.0)] {
        s.economics.push(crate::scenario::Economics {
            nation: n.into(),
            year: 2024,
            gdp_musd: Some(gdp),
            defence_musd: None,
            defence_pct_gdp: None,
            provenance: Provenance::default(),
            origin: Origin::default(),
        });
    }
    let mut r = request(Objective::Cost, None, "2026-12-31");
    r.share = Some(ShareKey::Gdp);
    r.usd_per_currency = Some(1e6); // 1 unit of money = US$ 1 m, for round numbers
    let p = run(&s, &r).unwrap();
    assert_eq!(p.shares.len(), 2);
    assert_eq!(p.shares[0].nation, "DE");
    assert!(close(p.shares[0].share, 0.75));
    assert!(close(p.shares[0].amount, 21.0));
    // 21 of money = US$ 21 m a year against a GDP of US$ 3,000 m: 0.7 %.
    assert!(close(p.shares[0].pct_gdp.unwrap() * 1000.0, 7.0));
}

#[test]
fn a_synthetic_scenario_plans_and_agrees_with_assess() {
    // Existing orders run to 2030, and new ones queue behind them.
    let spec = "lines=20,capabilities=5,nations=4,years=8".parse().unwrap();
    let s = crate::synthetic::generate(&spec);
    let problems = validate(&s);
    assert!(
        errors(&problems).next().is_none(),
        "{:?}",
        errors(&problems).next()
    );
    let mut r = PlanRequest::new(Objective::Coverage, d("2026-01-01"), "2032-12-31");
    r.budget_per_year = Some(5e9);
    let p = run(&s, &r).unwrap();
    assert!(p.index_after.unwrap() > p.index_before.unwrap());
    let with = p.with_orders(&s, false);
    let eval = Evaluation::new(&crate::build::valid(with.clone()));
    let k = eval.model.calendar.period_of(d("2032-12-31")) as usize;
    let i = eval.metrics.index.unwrap()[k];
    assert!(
        (i - p.index_after.unwrap()).abs() < 1e-6,
        "{i} vs {:?}",
        p.index_after
    );
}

// Investments in capacity (docs/PLANNER.md, "Investments").

/// A flow capability of 100 rounds a year with a European line of 40 a year,
/// and a candidate plant in DE: up to 100 a year, full rate 6 months after
/// the decision, capex 1,000 for the whole size (10 per round a year).
fn flow_plant(deadline_horizon: &str) -> ScenarioBuilder {
    ScenarioBuilder::monthly("2026-01-01", deadline_horizon)
        .nation("DE", &["EUROPE"])
        .nation("FR", &["EUROPE"])
        .flow("shells", 100.0)
        .line("old", "shells", "FR", 0)
        .capacity("old", "2026-01-01", 40.0)
        .investment("plant", "shells", "DE", 100.0, 6, 6, 1000.0)
}

fn assess_with(s: &Scenario, p: &Plan) -> Evaluation {
    Evaluation::new(&crate::build::valid(p.with_orders(s, true)))
}

fn level_at(eval: &Evaluation, s: &Scenario, cap: &str, date: &str) -> f64 {
    let ci = s.capabilities.iter().position(|c| c.id == cap).unwrap();
    let k = eval.model.calendar.period_of(d(date)) as usize;
    eval.metrics.capabilities[ci].level.as_ref().unwrap()[k]
}

#[test]
fn a_flow_target_is_reached_only_by_investing() {
    // 60 rounds a year more are needed: 60 * 10 = 600 of capex, the cheapest plan.
    let s = flow_plant("2027-12-31").build();
    let p = run(&s, &request(Objective::Cost, None, "2027-12-31")).unwrap();
    assert!(p.unreachable.is_empty(), "{:?}", p.unreachable);
    assert_eq!(p.investments.len(), 1, "{:?}", p.investments);
    let inv = &p.investments[0];
    assert_eq!(inv.date, d("2026-01-01"));
    assert!(close(inv.units_per_year, 60.0), "{inv:?}");
    assert!(close(inv.capex, 600.0));
    assert_eq!(inv.first_output, d("2026-07-01"));
    assert!(close(p.total_cost, 600.0));
    assert!(close(p.investment_cost, 600.0));
    // Capex is paid over the six months of the build, all in 2026.
    let y2026 = p.budget.iter().find(|b| b.year == 2026).unwrap();
    assert!(close(y2026.investment, 600.0), "{y2026:?}");
    assert!(p.orders.is_empty());
    // The oracle: the scenario with the plan has the level the plan claims.
    let eval = assess_with(&s, &p);
    assert!(close(level_at(&eval, &s, "shells", "2027-12-31"), 100.0));
    assert!(close(level_at(&eval, &s, "shells", "2026-06-30"), 40.0));
    let shells = p
        .capabilities
        .iter()
        .find(|c| c.capability == "shells")
        .unwrap();
    assert!(close(shells.level_after.unwrap(), 100.0));
    assert!(close(shells.level_rounded.unwrap(), 100.0));

    // Without investments the flow cannot be planned at all.
    let mut req = request(Objective::Cost, None, "2027-12-31");
    req.investments = false;
    let p = run(&s, &req).unwrap();
    assert!(p.investments.is_empty());
    assert!(p.unreachable.iter().any(|u| u.capability == "shells"));
}

#[test]
fn whole_steps_make_the_integer_plan_differ_from_its_relaxation() {
    // Steps of 50 a year, one decision date (deadline end-2026). Cost: the
    // relaxation buys 60 (600), the integer plan two steps (100, 1,000).
    let s = flow_plant("2026-12-31")
        .with(|s| s.investments[0].step = Some(50.0))
        .build();
    let p = run(&s, &request(Objective::Cost, None, "2026-12-31")).unwrap();
    assert!(close(p.relaxation.unwrap(), 600.0), "{:?}", p.relaxation);
    assert!(close(p.integer_objective.unwrap(), 1000.0));
    assert!(close(p.investments[0].units_per_year, 100.0));
    assert_eq!(p.investments[0].steps, Some(2.0));
    assert!(close(p.total_cost, 1000.0));
    // Coverage within 700 a year: the relaxation reaches the target (60
    // for 600), whole steps only one step (90 of 100).
    let p = run(&s, &request(Objective::Coverage, Some(700.0), "2026-12-31")).unwrap();
    assert!(close(p.relaxation.unwrap(), 1.0), "{:?}", p.relaxation);
    assert!(close(p.integer_objective.unwrap(), 0.9));
    assert!(close(p.index_after.unwrap(), 0.9));
    assert!(close(p.investments[0].units_per_year, 50.0));
    let eval = assess_with(&s, &p);
    assert!(close(level_at(&eval, &s, "shells", "2026-12-31"), 90.0));
}

#[test]
fn hiring_binds_with_its_shadow_price() {
    // 2 workers per round a year and 80 workers to hire in DE in 2026: at
    // most 40 a year more, so 80 of 100 (index 0.8) whatever the budget.
    // One more worker is half a round a year: 0.5 / 100 of coverage, 0.5
    // index points, 500 per 1,000 workers.
    let s = flow_plant("2026-12-31")
        .with(|s| s.investments[0].workers_per_unit = Some(2.0))
        .workforce("DE", 2026, 80.0)
        .build();
    let p = run(&s, &request(Objective::Coverage, Some(1e6), "2026-12-31")).unwrap();
    assert!(
        close(p.investments[0].units_per_year, 40.0),
        "{:?}",
        p.investments
    );
    assert!(close(p.index_after.unwrap(), 0.8));
    let w = &p.workforce[0];
    assert_eq!((w.nation.as_str(), w.year), ("DE", 2026));
    assert!(close(w.hired, 80.0));
    assert!(w.binding);
    assert!(close(w.shadow_price_per_1000.unwrap(), 500.0), "{w:?}");
    // The budget does not bind.
    assert!(p.budget.iter().all(|b| !b.exhausted));
    // A group's limit binds the same way on a nation of the group.
    let s = flow_plant("2026-12-31")
        .with(|s| s.investments[0].workers_per_unit = Some(2.0))
        .workforce("EUROPE", 2026, 100.0)
        .build();
    let p = run(&s, &request(Objective::Coverage, Some(1e6), "2026-12-31")).unwrap();
    assert!(close(p.investments[0].units_per_year, 50.0));
    assert!(p.workforce[0].binding);
}

#[test]
fn an_expansion_beats_buying_from_a_backlogged_line() {
    // Line `old` (3 a unit, 12 a year) is full in 2026 with a US order; an
    // expansion cell (1 a unit, capex 0.5 per unit a year, at once) can
    // deliver y a year over 2026-2027. 20 units by end-2027 on the
    // expansion: y = 10, orders 20 + capex 5 = 25. On the old line each
    // unit costs 3 against 1 + 0.5 / 2 = 1.25 on the expansion.
    let s = base()
        .stock("sam", 20.0)
        .holding("EUROPE", "sam", 0.0)
        .line("old", "sam", "DE", 0)
        .unit_cost("old", 3.0)
        .capacity("old", "2026-01-01", 12.0)
        .order("backlog", "US", "old", 12.0, "2025-06-01")
        .investment("old-cell", "sam", "DE", 24.0, 0, 0, 12.0)
        .with(|s| {
            s.investments[0].line = Some("old".into());
            s.investments[0].unit_cost = Some(1.0);
        })
        .build();
    let p = run(&s, &request(Objective::Cost, None, "2027-12-31")).unwrap();
    assert!(close(ordered(&p, "old"), 0.0), "{:?}", p.orders);
    assert!(close(ordered(&p, "old-cell"), 20.0), "{:?}", p.orders);
    assert!(close(p.investments[0].units_per_year, 10.0));
    assert_eq!(p.investments[0].expands.as_deref(), Some("old"));
    assert!(close(p.total_cost, 25.0), "{}", p.total_cost);
    let eval = assess_with(&s, &p);
    assert!(close(level_at(&eval, &s, "sam", "2027-12-31"), 20.0));
    // Without the investment only the old line's 12 free units of 2027 are there.
    let mut req = request(Objective::Cost, None, "2027-12-31");
    req.investments = false;
    let p = run(&s, &req).unwrap();
    let u = p
        .unreachable
        .iter()
        .find(|u| u.capability == "sam")
        .unwrap();
    assert!(close(u.max_level.unwrap(), 12.0), "{u:?}");
}

#[test]
fn an_investment_without_its_figures_says_which_are_unknown() {
    let s = flow_plant("2027-12-31")
        .with(|s| {
            s.investments[0].months_to_first_output = None;
            s.investments[0].months_to_full_rate = None;
            s.investments[0].capex = None;
        })
        .build();
    let p = run(&s, &request(Objective::Cost, None, "2027-12-31")).unwrap();
    let o = &p.investment_options[0];
    assert!(!o.eligible);
    assert_eq!(
        o.reason.as_deref(),
        Some("unknown months_to_first_output, capex: cannot be planned")
    );
    let u = p
        .unreachable
        .iter()
        .find(|u| u.capability == "shells")
        .unwrap();
    assert!(u.reason.contains("no candidate investment"), "{}", u.reason);
}

#[test]
fn rounded_relaxation_steps_stay_within_the_maximum() {
    // Steps of 50 up to 100 (2 steps) over two decision dates: rounding up
    // 1.2 and 0.9 gives 2 and then only what is left (0); down gives 1 and 0.
    let s = flow_plant("2027-12-31")
        .with(|s| s.investments[0].step = Some(50.0))
        .build();
    let eval = Evaluation::new(&crate::build::valid(s.clone()));
    let p = PlanProblem::build(&s, &eval, &request(Objective::Cost, None, "2027-12-31")).unwrap();
    assert_eq!(p.investments[0].decisions.len(), 2);
    assert_eq!(p.round_steps(&[vec![1.2, 0.9]], true), vec![vec![2.0, 0.0]]);
    assert_eq!(
        p.round_steps(&[vec![1.2, 0.9]], false),
        vec![vec![1.0, 0.0]]
    );
    assert_eq!(
        p.round_steps(&[vec![0.9999999, 1.0]], true),
        vec![vec![1.0, 1.0]]
    );
}

// --confidence (sample average approximation).

/// Line `a` (1 a unit, 12 a year) has a lead time uniform between 0 and 12
/// months; line `b` (2 a unit, 12 a year) delivers at once. 12 units are
/// needed by end-2026, ordered in January. Units on `a` arrive from month
/// `L = ceil(lead)`, so `12 - L` of them by December; `P(L <= m) = m / 12`.
fn uncertain_lead() -> Scenario {
    let mut s = base()
        .deadline("end-2026", "2026-12-31")
        .stock("sam", 12.0)
        .holding("EUROPE", "sam", 0.0)
        .line("a", "sam", "DE", 6)
        .unit_cost("a", 1.0)
        .capacity("a", "2026-01-01", 12.0)
        .line("b", "sam", "FR", 0)
        .unit_cost("b", 2.0)
        .capacity("b", "2026-01-01", 12.0)
        .build();
    s.uncertainty.push(crate::scenario::Uncertainty {
        table: crate::scenario::Table::Lines,
        row: 0,
        field: "lead_time_months".into(),
        distribution: crate::distribution::Distribution::Uniform { a: 0.0, b: 12.0 },
        origin: Origin::default(),
    });
    s
}

#[test]
fn confidence_plans_for_the_quantile_of_an_uncertain_lead_time() {
    // Meeting the target in a share 0.79 of futures means relying on `a`
    // for at most `12 - m` units, where m is the 0.79 quantile of L:
    // P(L <= 9) = 0.75 < 0.79 <= P(L <= 10) = 0.833, so m = 10: 2 units on
    // `a`, 10 on `b`, cost 22. (With 300 futures the sampled shares are
    // within about 2 standard errors of 0.75 and 0.833.) On the median lead
    // (6 months) the plan would rely on `a` for 6 units and cost 18.
    let s = uncertain_lead();
    let req = request(Objective::Cost, None, "end-2026");
    let nominal = run(&s, &req).unwrap();
    assert!(close(ordered(&nominal, "a"), 6.0), "{:?}", nominal.orders);
    assert!(close(nominal.total_cost, 18.0));
    let eval = Evaluation::new(&crate::build::valid(s.clone()));
    let p = plan_confident(&s, &eval, &req, 0.79, 300, 7).unwrap();
    assert!(close(ordered(&p, "a"), 2.0), "{:?}", p.orders);
    assert!(close(ordered(&p, "b"), 10.0), "{:?}", p.orders);
    assert!(close(p.total_cost, 22.0), "{}", p.total_cost);
    let c = p.confidence.as_ref().unwrap();
    assert_eq!(c.futures, 300);
    let row = &c.rows[0];
    assert_eq!(row.capability, "sam");
    assert!(row.in_sample >= 0.79, "{row:?}");
    // Verified by an independent forecast on other seeds: P(L <= 10) = 10/12.
    let odds = odds(&s, &p, 20_000, 99, &|_| {}).unwrap();
    let r = odds
        .rows
        .iter()
        .find(|r| r.capability == "sam" && r.deadline == "end-2026")
        .unwrap();
    assert!(
        (r.p_met - 10.0 / 12.0).abs() < 3.0 * r.p_met_se.max(1e-3),
        "{r:?}"
    );
    // The median plan meets it only when L <= 6: half the time.
    let odds = super::odds(&s, &nominal, 20_000, 99, &|_| {}).unwrap();
    let r = odds
        .rows
        .iter()
        .find(|r| r.capability == "sam" && r.deadline == "end-2026")
        .unwrap();
    assert!((r.p_met - 0.5).abs() < 3.0 * r.p_met_se, "{r:?}");
}

#[test]
fn confidence_needs_the_cost_objective_and_a_share() {
    let s = uncertain_lead();
    let eval = Evaluation::new(&crate::build::valid(s.clone()));
    let req = request(Objective::Coverage, Some(100.0), "2026-12-31");
    let e = plan_confident(&s, &eval, &req, 0.8, 10, 1).unwrap_err();
    assert!(
        e.to_string().contains("use it with --objective cost"),
        "{e}"
    );
    let req = request(Objective::Cost, None, "2026-12-31");
    let e = plan_confident(&s, &eval, &req, 1.5, 10, 1).unwrap_err();
    assert!(e.to_string().contains("at most 1"), "{e}");
}

// --workshare (docs/PLANNER.md, "Workshare").

/// `flow_plant` with a second candidate plant in FR at twice the capex (20
/// per round a year).
fn two_plants() -> Scenario {
    flow_plant("2027-12-31")
        .investment("plant-fr", "shells", "FR", 100.0, 6, 6, 2000.0)
        .build()
}

fn with_workshare(key: ShareKey, tolerance: f64) -> PlanRequest {
    let mut req = request(Objective::Cost, None, "2027-12-31");
    req.workshare = Some(key);
    req.workshare_tolerance = tolerance;
    req
}

fn capex_in(p: &Plan, nation: &str) -> f64 {
    p.investments
        .iter()
        .filter(|i| i.nation == nation)
        .map(|i| i.capex)
        .sum()
}

#[test]
fn workshare_spreads_the_capex_within_the_tolerance_of_the_key() {
    // 60 rounds a year are needed: a in DE at 10, b in FR at 20, a + b = 60.
    // Without the rule all in DE: 600.
    let s = two_plants();
    let free = run(&s, &request(Objective::Cost, None, "2027-12-31")).unwrap();
    assert!(close(free.investment_cost, 600.0), "{:?}", free.investments);
    assert!(free.workshare.is_none());
    // Equal key, 10 points: DE at most 60 % of the capex, 10a <= 0.6 (10a +
    // 20b), so a <= 3b: a = 45, b = 15, capex 450 + 300 = 750.
    let p = run(&s, &with_workshare(ShareKey::Equal, 0.1)).unwrap();
    assert!(close(capex_in(&p, "DE"), 450.0), "{:?}", p.investments);
    assert!(close(capex_in(&p, "FR"), 300.0), "{:?}", p.investments);
    assert!(close(p.investment_cost, 750.0));
    let w = p.workshare.as_ref().unwrap();
    assert_eq!(w.key, "equal");
    let de = w.rows.iter().find(|r| r.nation == "DE").unwrap();
    assert!(close(de.share.unwrap(), 0.6) && de.binding, "{de:?}");
    assert!(close(de.key_share, 0.5) && close(de.low, 0.4) && close(de.high, 0.6));
    // No tolerance: 10a = 20b, a = 40, b = 20, capex 800.
    let p = run(&s, &with_workshare(ShareKey::Equal, 0.0)).unwrap();
    assert!(close(capex_in(&p, "DE"), 400.0), "{:?}", p.investments);
    assert!(close(p.investment_cost, 800.0));
    // The oracle: the plan still reaches 100 a year.
    let eval = assess_with(&s, &p);
    assert!(close(level_at(&eval, &s, "shells", "2027-12-31"), 100.0));
}

#[test]
fn workshare_that_no_plan_can_meet_names_the_nation_without_candidates() {
    // One plant, in DE; FR holds half the key and no candidate: any
    // investment breaks the rule, and investing is the only way to the target.
    let s = flow_plant("2027-12-31").build();
    let e = run(&s, &with_workshare(ShareKey::Equal, 0.1)).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("no plan meets --workshare equal within 0.1")
            && text.contains("FR must host part of the capex"),
        "{text}"
    );
    // The coverage objective invests nothing and says why.
    let mut req = with_workshare(ShareKey::Equal, 0.1);
    req.objective = Objective::Coverage;
    req.budget_per_year = Some(1e6);
    let p = run(&s, &req).unwrap();
    assert!(p.investments.is_empty(), "{:?}", p.investments);
    assert!(
        p.notes.iter().any(|n| n.contains("FR must host at least")),
        "{:?}",
        p.notes
    );
}

#[test]
fn a_cost_plan_with_every_target_met_buys_nothing() {
    // The flow is met by the existing line; the stepped plant is not needed.
    let mut s = ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
        .nation("DE", &["EUROPE"])
        .nation("FR", &["EUROPE"])
        .flow("shells", 100.0)
        .line("old", "shells", "FR", 0)
        .capacity("old", "2026-01-01", 100.0)
        .investment("plant", "shells", "DE", 100.0, 19, 35, 5e8)
        .build();
    s.investments[0].step = Some(100.0);
    let p = run(&s, &request(Objective::Cost, None, "2030-12-31")).unwrap();
    assert!(p.investments.is_empty(), "{:?}", p.investments);
    assert!(close(p.total_cost, 0.0));
}

#[test]
fn a_gdp_key_names_the_nations_it_leaves_out() {
    // Only DE has a GDP: FR is left out of the key, and the plan says so.
    let mut s = two_lines(20.0);
    s.economics.push(crate::scenario::Economics {
        nation: "DE".into(),
        year: 2024,
        gdp_musd: Some(3000.0),
        defence_musd: None,
        defence_pct_gdp: None,
        provenance: Provenance::default(),
        origin: Origin::default(),
    });
    let mut r = request(Objective::Cost, None, "2026-12-31");
    r.share = Some(ShareKey::Gdp);
    let p = run(&s, &r).unwrap();
    assert_eq!(p.shares.len(), 1);
    assert!(close(p.shares[0].share, 1.0));
    assert!(
        p.notes
            .iter()
            .any(|n| n.starts_with("--share gdp leaves out FR (1 nation)")),
        "{:?}",
        p.notes
    );
}

#[test]
fn a_line_without_capacity_data_is_not_blamed_on_its_backlog() {
    // The only line has a unit cost and an order book but no capacity rows.
    let s = base()
        .stock("mbt", 100.0)
        .holding("EUROPE", "mbt", 50.0)
        .line("tank", "mbt", "DE", 12)
        .unit_cost("tank", 10.0)
        .order("o", "DE", "tank", 20.0, "2026-01-01")
        .build();
    let p = run(&s, &request(Objective::Cost, None, "2027-12-31")).unwrap();
    let why = p.lines[0].reason.as_deref().unwrap();
    assert!(why.starts_with("no capacity data"), "{why}");
    let u = p
        .unreachable
        .iter()
        .find(|u| u.capability == "mbt")
        .unwrap();
    assert!(u.reason.contains("no capacity data"), "{}", u.reason);
    assert!(p.orders.is_empty());
}
