//! Validation against hand-written scenarios: one test per rule.

mod ids {
    use super::super::*;

    #[test]
    fn ids_and_suggestions() {
        assert!(is_valid_id("iamd-long"));
        assert!(is_valid_id("155mm"));
        assert!(!is_valid_id("IAMD"));
        assert!(!is_valid_id("-x"));
        assert_eq!(
            suggest("iamd-lng", ["iamd-long", "aar"].into_iter()),
            "; did you mean `iamd-long`?"
        );
        assert_eq!(suggest("zzzzzz", ["iamd-long", "aar"].into_iter()), "");
        assert!(is_group_name("EUROPE"));
        assert!(is_group_name("EU"));
        assert!(!is_group_name("Europe"));
    }
}

mod rules {
    use super::super::*;
    use crate::build::ScenarioBuilder;
    use crate::distribution::Distribution;
    use crate::scenario::Uncertainty;

    fn ok() -> ScenarioBuilder {
        ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["NATO", "EU", "EUROPE"])
            .nation("US", &["NATO"])
            .stock("sam", 10.0)
            .holding("DE", "sam", 1.0)
            .line("l", "sam", "DE", 12)
            .capacity("l", "2026-01-01", 12.0)
            .order("o", "DE", "l", 4.0, "2025-01-01")
    }

    fn problems(b: ScenarioBuilder) -> Vec<String> {
        errors(&validate(&b.build()))
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn a_clean_scenario_has_no_errors() {
        assert_eq!(problems(ok()), Vec::<String>::new());
    }

    #[test]
    fn unknown_references_name_file_line_and_field() {
        let p = problems(
            ok().order("o2", "XX", "nope", 1.0, "2026-05-01")
                .holding("DE", "samm", 1.0),
        );
        assert!(p.contains(&"orders.csv:3: field `buyer`: unknown nation `XX`; expected a code from nations.csv".to_string()), "{p:?}");
        assert!(p
            .iter()
            .any(|m| m.starts_with("orders.csv:3: field `line`: unknown production line `nope`")));
        assert!(p.iter().any(|m| m
            .starts_with("holdings.csv:3: field `capability`: unknown capability `samm`")
            && m.ends_with("did you mean `sam`?")));
    }

    #[test]
    fn duplicates_negative_quantities_and_dates() {
        let p = problems(
            ok().order("o", "DE", "l", 1.0, "2026-01-01")
                .holding("US", "sam", -4.0)
                .retire("DE", "sam", "2031-01-01", 1.0)
                .retire("DE", "sam", "2025-12-31", 1.0),
        );
        assert!(p.iter().any(|m| m.contains("duplicate order id `o`")));
        assert!(p
            .iter()
            .any(|m| m.contains("field `quantity`: `-4` is out of range")));
        assert!(p
            .iter()
            .any(|m| m.contains("field `date`: date 2031-01-01 is after the horizon")));
        assert!(p
            .iter()
            .any(|m| m.contains("field `date`: date 2025-12-31 is before the start date")));
    }

    #[test]
    fn a_line_needs_a_requirement_and_valid_content() {
        let p = problems(
            ok().unrequired("isr", CapabilityKind::Stock)
                .line("l2", "isr", "DE", 1)
                .with(|s| {
                    s.lines[0].content_eu = Some(0.7);
                    s.lines[0].content_us = Some(0.5);
                }),
        );
        assert!(p
            .iter()
            .any(|m| m.contains("capability `isr` has no requirement")));
        assert!(p.iter().any(|m| m.contains("content shares sum to 1.2")));
    }

    #[test]
    fn flows_take_no_stock_rows_and_orders_respect_delivered() {
        let p = problems(
            ok().flow("ammo", 100.0)
                .holding("DE", "ammo", 5.0)
                .order("o3", "DE", "l", 2.0, "2026-03-01")
                .delivered(1.0),
        );
        assert!(p.iter().any(|m| m.contains("is a flow")));
        assert!(p
            .iter()
            .any(|m| m.contains("only orders placed before the start date")));
    }

    #[test]
    fn an_uncertain_order_cannot_fall_below_what_it_delivered() {
        let with_dist = |text: &str| {
            ok().delivered(3.0).with(|s| {
                s.orders[0].quantity = 5.0;
                s.uncertainty.push(Uncertainty {
                    table: Table::Orders,
                    row: 0,
                    field: "quantity".into(),
                    distribution: Distribution::parse(text).unwrap(),
                    origin: Origin::line("orders.csv", 2),
                });
            })
        };
        let p = problems(with_dist("uniform(2, 8)"));
        assert!(
            p.iter().any(|m| m.contains("orders.csv:2")
                && m.contains("can fall below 3, the least valid value")),
            "{p:?}"
        );
        assert!(problems(with_dist("uniform(3, 8)")).is_empty());
    }

    #[test]
    fn settings_are_checked() {
        let p = problems(ok().with(|s| {
            s.scenario.start = "2026-01-05".parse().unwrap();
            s.scenario.tolerance = 2.0;
            s.scenario.europe = "EUROPA".into();
        }));
        assert!(p.iter().any(|m| m.contains("field `start`")));
        assert!(p.iter().any(|m| m.contains("field `tolerance`")));
        assert!(p
            .iter()
            .any(|m| m.contains("no nation belongs to the European group `EUROPA`")));
    }

    #[test]
    fn triggers_need_unique_ids_an_action_and_rules_that_fit() {
        use crate::trigger::{Rule, Trigger, TriggerSeverity};
        let t = |id: &str, rule: &str, action: &str, origin: Origin| Trigger {
            id: id.into(),
            rule: Rule::parse(rule),
            severity: TriggerSeverity::Warning,
            action: action.into(),
            provenance: Default::default(),
            origin,
            rule_at: None,
        };
        let json = |i: usize| Origin {
            file: "s.json".into(),
            line: None,
            record: Some(format!("triggers[{i}]")),
            row: None,
        };
        let p = problems(ok().with(|s| {
            s.triggers = vec![
                t(
                    "a",
                    "coverage(sam) < 0.5",
                    "act",
                    Origin::line("triggers.toml", 2),
                ),
                t("a", "coverage(sam) <", "", Origin::line("triggers.toml", 8)),
                t("B", "level(sma) > 1", "act", json(2)),
            ]
        }));
        assert!(p.contains(&"triggers.toml:8: field `id`: duplicate trigger id `a` (first defined at triggers.toml:2)".to_string()), "{p:#?}");
        assert!(p
            .iter()
            .any(|m| m.starts_with("triggers.toml:8: field `action`: no action")));
        assert!(
            p.iter().any(|m| m.starts_with(
                "triggers.toml:8: field `rule`: at column 16 of the rule: expected a metric"
            )),
            "{p:#?}"
        );
        assert!(p.iter().any(|m| m.contains("`B` is not a valid id")));
        assert!(p.contains(&"s.json (triggers[2]) column 7: field `rule`: unknown capability `sma`; expected an id from the capability catalogue".to_string()), "{p:#?}");
    }

    #[test]
    fn two_capacity_steps_in_one_period() {
        let p = problems(ok().capacity("l", "2026-01-20", 24.0));
        assert!(p
            .iter()
            .any(|m| m.contains("already has a capacity step in the same period")));
    }
}

mod cites {
    use super::super::*;
    use crate::build::ScenarioBuilder;
    use crate::scenario::SourceGrade;

    fn eu() -> ScenarioBuilder {
        ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["NATO", "EU", "EUROPE"])
            .nation("FR", &["NATO", "EU", "EUROPE"])
            .nation("US", &["NATO"])
            .stock("sam", 10.0)
            .holding("EUROPE", "sam", 35.0)
    }

    fn all(s: &Scenario) -> Vec<String> {
        validate(s).iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn a_national_part_of_a_group_total_is_valid_and_not_counted_again() {
        let s = eu().part("DE", "sam", 9.0, "EUROPE").build();
        assert_eq!(errors(&validate(&s)).count(), 0, "{:?}", all(&s));
        assert!(!s.holdings[1].counts_in_level());
    }

    #[test]
    fn a_national_row_on_top_of_a_group_total_is_an_error() {
        let s = eu().holding("DE", "sam", 9.0).build();
        let p = all(&s);
        assert!(
            p.contains(&"holdings.csv:3: field `part_of`: `DE`'s holding of `sam` is added on top of the `EUROPE` total, which counts it twice; write part_of = EUROPE if the total includes it".to_string()),
            "{p:?}"
        );
    }

    #[test]
    fn parts_must_name_a_group_of_their_nation_with_a_total_and_fit_in_it() {
        let s = eu()
            .nation("CH", &["PARTNER"])
            .stock("mbt", 1.0)
            .part("DE", "sam", 30.0, "EUROPE")
            .part("FR", "sam", 6.0, "EUROPE")
            .part("CH", "sam", 1.0, "EUROPE")
            .part("DE", "mbt", 1.0, "EUROPE")
            .part("FR", "sam", 1.0, "NOPE")
            .build();
        let p = all(&s);
        for want in [
            "holdings.csv:5: field `part_of`: `CH` is not a nation of group `EUROPE`",
            "holdings.csv:6: field `part_of`: no `EUROPE` total for `mbt` in holdings.csv",
            "holdings.csv:7: field `part_of`: unknown group `NOPE`",
            "holdings.csv:2: field `quantity`: the national parts of the `EUROPE` total for `sam` add to 36, more than the total 35",
        ] {
            assert!(p.iter().any(|m| m.starts_with(want)), "{want}\n{p:?}");
        }
    }

    #[test]
    fn a_national_part_cannot_be_uncertain() {
        let mut s = eu().part("DE", "sam", 9.0, "EUROPE").build();
        s.uncertainty.push(crate::scenario::Uncertainty {
            table: Table::Holdings,
            row: 1,
            field: "quantity".into(),
            distribution: crate::distribution::Distribution::Uniform { a: 8.0, b: 10.0 },
            origin: s.holdings[1].origin.clone(),
        });
        let p = all(&s);
        assert!(
            p.iter().any(|m| m.starts_with(
                "holdings.csv:3: field `quantity`: a national part cannot be uncertain"
            )),
            "{p:?}"
        );
    }

    #[test]
    fn sources_are_checked_and_cited_ids_must_exist() {
        let mut s = eu()
            .source("csis-2025", SourceGrade::Research)
            .source("forum-post", SourceGrade::Aggregator)
            .source("forum-post", SourceGrade::Press)
            .build();
        s.sources[1].date = Some("2025-13".into());
        s.holdings[0].provenance.source =
            Some("csis-2025 ; csis-2026 ; https://example.org/x".into());
        let p = all(&s);
        for want in [
            "sources.csv:4: field `id`: duplicate source id `forum-post`",
            "sources.csv:3: field `date`: `2025-13` is not a date",
            "holdings.csv:2: field `source`: source `csis-2026` is not in sources.csv; did you mean `csis-2025`?",
        ] {
            assert!(p.iter().any(|m| m.starts_with(want)), "{want}\n{p:?}");
        }
        assert!(!p.iter().any(|m| m.contains("example.org/x")), "{p:?}");
    }

    #[test]
    fn a_headline_figure_on_aggregators_alone_is_flagged() {
        let mut s = eu()
            .source("csis-2025", SourceGrade::Research)
            .source("forum-post", SourceGrade::Aggregator)
            .build();
        s.holdings[0].provenance.source = Some("forum-post".into());
        let p = all(&s);
        assert!(p.iter().any(|m| m.starts_with("holdings.csv:2: field `source`: a headline figure resting only on aggregator sources (`forum-post`)")), "{p:?}");
        s.holdings[0].provenance.source = Some("forum-post ; csis-2025".into());
        let p = all(&s);
        assert!(!p.iter().any(|m| m.contains("aggregator")), "{p:?}");
    }
}
