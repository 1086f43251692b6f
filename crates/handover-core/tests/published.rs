//! The published cases of shared/validation (tests/fixtures/published), run
//! through the model. Every row carries its source in the fixture file.

use chrono::{Datelike, Months, NaiveDate};
use handover_core::build::ScenarioBuilder;
use handover_core::economics::{gap_to_target, share_of_gdp};
use handover_core::projection::Model;
use handover_core::validate::{errors, validate};
use handover_core::{Evaluation, Scenario};
use std::collections::HashMap;
use std::path::PathBuf;

fn rows(file: &str) -> Vec<HashMap<String, String>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/published")
        .join(file);
    let mut rdr =
        csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = rdr.headers().unwrap().clone();
    let rows: Vec<_> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>()
        })
        .collect();
    assert!(!rows.is_empty(), "{file} has no rows");
    for r in &rows {
        assert!(
            !r["source"].is_empty(),
            "{file}: every row names its source"
        );
    }
    rows
}

fn num(r: &HashMap<String, String>, k: &str) -> f64 {
    r[k].parse()
        .unwrap_or_else(|_| panic!("{k} = {} is not a number", r[k]))
}

/// A one-capability scenario: Europe holds `level`, the target is `target`, the US provides `us`.
fn one_capability(level: f64, target: f64, us: f64) -> Scenario {
    ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
        .nation("DE", &["EUROPE"])
        .stock("c", target)
        .holding("EUROPE", "c", level)
        .us("c", us)
        .build()
}

fn assess(s: &Scenario) -> handover_core::Assessment {
    assert!(errors(&validate(s)).next().is_none());
    Evaluation::new(&handover_core::build::valid(s.clone()))
        .assess(s, s.scenario.start, false)
        .unwrap()
}

#[test]
fn us_dependency_matches_published_ratios() {
    for r in rows("dependency.csv") {
        let a = assess(&one_capability(num(&r, "europe"), 1.0e12, num(&r, "us")));
        let d = a.capabilities[0].us_dependency.unwrap();
        let (want, tol) = (num(&r, "expected"), num(&r, "tolerance"));
        assert!(
            (d - want).abs() <= tol,
            "{}: D = {d:.6}, published {want} ({})",
            r["metric"],
            r["source"]
        );
    }
}

#[test]
fn coverage_matches_published_ratios() {
    for r in rows("coverage.csv") {
        let a = assess(&one_capability(num(&r, "level"), num(&r, "target"), 0.0));
        let c = a.capabilities[0].coverage.unwrap();
        let (want, tol) = (num(&r, "expected"), num(&r, "tolerance"));
        assert!(
            (c - want).abs() <= tol,
            "{}: C = {c:.6}, expected {want}",
            r["metric"]
        );
    }
}

#[test]
fn lead_times_give_the_published_first_delivery_month() {
    for r in rows("lead_times.csv") {
        let order: NaiveDate = r["order_date"].parse().unwrap();
        let lead: u32 = r["lead_time_months"].parse().unwrap();
        let ahead = num(&r, "backlog_ahead");
        let start = NaiveDate::from_ymd_opt(2023, 1, 1)
            .unwrap()
            .min(order.with_day0(0).unwrap());
        let mut b = ScenarioBuilder::monthly(&start.to_string(), "2035-12-31")
            .nation("DE", &["EUROPE"])
            .stock("c", 100.0)
            .holding("DE", "c", 0.0)
            .line("l", "c", "DE", lead)
            .capacity("l", &start.to_string(), num(&r, "units_per_year"));
        if ahead > 0.0 {
            // Orders already queued, eligible from the new order's own month.
            let earlier = order - Months::new(lead);
            b = b.order("queue", "DE", "l", ahead, &earlier.to_string());
        }
        let s = b.order("o", "DE", "l", 1.0, &order.to_string()).build();
        assert!(errors(&validate(&s)).next().is_none(), "{:?}", validate(&s));
        let (m, p) = Model::project(&handover_core::build::valid(s.clone()));
        let first = p.first_delivery[s.orders.len() - 1].expect("delivered within horizon");
        let month = m
            .calendar
            .period_start(first as i64)
            .format("%Y-%m")
            .to_string();
        assert_eq!(
            month, r["expected_first_delivery"],
            "{} ({})",
            r["system"], r["source"]
        );
    }
}

#[test]
fn gdp_shares_match_published_figures() {
    for r in rows("gdp_shares.csv") {
        let share = share_of_gdp(num(&r, "amount"), num(&r, "gdp")).unwrap();
        let (want, tol) = (num(&r, "expected_share"), num(&r, "tolerance"));
        assert!(
            (share - want).abs() <= tol,
            "{}: {share:.6} vs published {want}",
            r["case"]
        );
    }
}

#[test]
fn spending_gaps_match_published_figures() {
    for r in rows("spending_gaps.csv") {
        let gap = gap_to_target(
            num(&r, "gdp"),
            num(&r, "current_share"),
            num(&r, "target_share"),
        );
        let (want, tol) = (num(&r, "expected_gap"), num(&r, "tolerance_rel"));
        assert!(
            ((gap - want) / want).abs() <= tol,
            "{}: {gap:.1} vs published {want}",
            r["bloc"]
        );
    }
}
