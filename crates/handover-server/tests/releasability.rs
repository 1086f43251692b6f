//! Releasability, as a property over random nations, markings, records and
//! users, against a real server on a real SQLite file: no endpoint returns a
//! figure not released to the caller, and an aggregate that fails the
//! disclosure rule stays suppressed on every path.
//!
//! The oracle is written here from DESIGN.md, not taken from the server:
//! which rows a nation may see, and whether a capability's European level
//! (the sum of its holdings) passes "at least 3 nations, none above 70 %".
//! Every holding and US figure is a unique "canary" value, so a leak of a
//! single hidden figure shows as that number in a response.

mod common;

use common::{agent, read, start_with, Server};
use handover_core::build::ScenarioBuilder;
use handover_core::scenario::{Releasability, Scenario};
use handover_core::trigger::{Rule, Trigger, TriggerSeverity};
use handover_server::Config;
use handover_store::{Role, Store};
use proptest::prelude::*;
use serde_json::Value;

const POOL: [&str; 6] = ["DE", "FR", "PL", "NL", "IT", "ES"];

/// A holding: (quantity > 0?, marking kind, `rel:` target).
type HoldingSpec = Option<(bool, u8, usize)>;

#[derive(Debug, Clone)]
struct Case {
    /// Per nation: (NATO, EU).
    nations: Vec<(bool, bool)>,
    /// Per capability: target, and per nation an optional (quantity > 0?, marking).
    caps: Vec<(f64, Vec<HoldingSpec>)>,
    /// Per capability: a US figure with a marking.
    us: Vec<Option<(u8, usize)>>,
}

fn marking(kind: u8, rel_to: usize, n: usize) -> Releasability {
    match kind % 5 {
        0 => Releasability::Public,
        1 => Releasability::Nato,
        2 => Releasability::Eu,
        3 => Releasability::Rel(vec![POOL[rel_to % n].to_string()]),
        _ => Releasability::National,
    }
}

fn case() -> impl Strategy<Value = Case> {
    (3usize..=6, 1usize..=3).prop_flat_map(|(n, c)| {
        let nations = prop::collection::vec((any::<bool>(), any::<bool>()), n);
        let holding = prop::option::weighted(0.8, (prop::bool::weighted(0.9), 0u8..5, 0usize..6));
        let cap = (50.0f64..3000.0, prop::collection::vec(holding, n));
        let caps = prop::collection::vec(cap, c);
        let us = prop::collection::vec(prop::option::of((0u8..5, 0usize..6)), c);
        (nations, caps, us).prop_map(|(nations, caps, us)| Case { nations, caps, us })
    })
}

/// A unique value per row: never a sum of others, printed the same way by serde.
fn canary(i: usize) -> f64 {
    1000.0 + 37.0 * i as f64 + 0.3125
}

fn scenario(c: &Case) -> Scenario {
    let n = c.nations.len();
    let mut b = ScenarioBuilder::monthly("2026-01-01", "2028-12-31");
    for (i, (nato, eu)) in c.nations.iter().enumerate() {
        let mut groups = vec!["EUROPE"];
        if *nato {
            groups.push("NATO");
        }
        if *eu {
            groups.push("EU");
        }
        b = b.nation(POOL[i], &groups);
    }
    let mut row = 0;
    for (ci, (target, holdings)) in c.caps.iter().enumerate() {
        let id = format!("cap{ci}");
        b = b.stock(&id, target.round());
        for (ni, h) in holdings.iter().enumerate() {
            if let Some((positive, kind, rel)) = h {
                let q = if *positive { canary(row) } else { 0.0 };
                row += 1;
                let m = marking(*kind, *rel, n);
                b = b.holding(POOL[ni], &id, q).with(|s| {
                    s.holdings.last_mut().unwrap().provenance.releasability = m;
                });
            }
        }
        if let Some((kind, rel)) = c.us[ci] {
            let q = canary(row);
            row += 1;
            let m = marking(kind, rel, n);
            b = b.us(&id, q).with(|s| {
                s.us_contributions
                    .last_mut()
                    .unwrap()
                    .provenance
                    .releasability = m;
            });
        }
    }
    let mut s = b.build();
    for (id, rule) in [("c0", "coverage(cap0) < 0.5"), ("ix", "index < 0.5")] {
        s.triggers.push(Trigger {
            id: id.into(),
            rule: Rule::parse(rule),
            severity: TriggerSeverity::Warning,
            action: "test".into(),
            provenance: Default::default(),
            origin: Default::default(),
            rule_at: None,
        });
    }
    s
}

/// DESIGN.md's rule, written again here as the oracle.
fn sees(s: &Scenario, m: &Releasability, owner: &str, viewer: Option<&str>) -> bool {
    let Some(v) = viewer else {
        return *m == Releasability::Public;
    };
    let member = |g: &str| {
        s.nations
            .iter()
            .any(|n| n.code == v && n.groups.iter().any(|x| x == g))
    };
    v == owner
        || match m {
            Releasability::Public => true,
            Releasability::Nato => member("NATO"),
            Releasability::Eu => member("EU"),
            Releasability::Rel(list) => list.iter().any(|x| x == v),
            Releasability::National => false,
        }
}

fn passes_rule(values: &[(String, f64)]) -> bool {
    let parts: Vec<f64> = values.iter().map(|x| x.1).filter(|&v| v > 0.0).collect();
    let total: f64 = parts.iter().sum();
    parts.len() >= 3 && parts.iter().all(|&v| v <= 0.70 * total)
}

/// A server on `s` (today 2026-06-15) over a SQLite file in a new folder.
fn serve(s: &Scenario) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        today: Some("2026-06-15".parse().unwrap()),
        ..Config::default()
    };
    let mut server = start_with(&dir.path().join("h.db"), s, config);
    server.dir = Some(dir);
    server
}

/// A bearer token of a new viewer of nation `code` on `server`.
fn viewer(server: &Server, code: &str) -> String {
    let u = server
        .store
        .create_user(
            None,
            &code.to_lowercase(),
            "a long test password",
            Some(code),
            &[Role::Viewer],
        )
        .unwrap();
    server.store.create_token(&u, "t").unwrap()
}

fn get_as(base: &str, token: Option<&str>, path: &str) -> (Value, String) {
    let mut req = agent().get(format!("{base}{path}"));
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let (code, v) = read(req.call().unwrap(), path);
    assert_eq!(code, 200, "{path}: {v}");
    let text = v.to_string();
    (v, text)
}

fn check(c: &Case) {
    let s = scenario(c);
    let problems = handover_core::validate::validate(&s);
    assert!(
        handover_core::validate::errors(&problems).next().is_none(),
        "{problems:?}"
    );
    let server = serve(&s);
    let mut viewers: Vec<(Option<String>, Option<String>)> = vec![(None, None)];
    for code in POOL.iter().take(c.nations.len()) {
        viewers.push((Some(code.to_string()), Some(viewer(&server, code))));
    }
    for (nation, token) in &viewers {
        let nation = nation.as_deref();
        let token = token.as_deref();
        let (overview, o_text) = get_as(&server.base, token, "/api/overview?at=2026-06-15");
        let (assessment, a_text) = get_as(&server.base, token, "/api/assessment?at=2026-06-15");
        let mut texts = vec![o_text, a_text];
        let mut any_suppressed = false;
        for (ci, cap) in s.capabilities.iter().enumerate() {
            let rows: Vec<_> = s
                .holdings
                .iter()
                .filter(|h| h.capability == cap.id)
                .collect();
            let hidden = rows
                .iter()
                .any(|h| !sees(&s, &h.provenance.releasability, &h.holder, nation));
            // The caller can subtract every record it sees from the level:
            // the rule holds for the rest.
            let hidden_parts: Vec<(String, f64)> = rows
                .iter()
                .filter(|h| !sees(&s, &h.provenance.releasability, &h.holder, nation))
                .map(|h| (h.holder.clone(), h.quantity))
                .collect();
            let suppressed = !rows.is_empty() && hidden && !passes_rule(&hidden_parts);
            any_suppressed |= suppressed;
            let total: f64 = rows.iter().map(|h| h.quantity).sum();
            let (page, p_text) = get_as(
                &server.base,
                token,
                &format!("/api/capabilities/{}?at=2026-06-15", cap.id),
            );
            texts.push(p_text);
            let from_overview = &overview["capabilities"][ci];
            let from_assessment = &assessment["capabilities"][ci];
            assert_eq!(from_overview["id"], cap.id.as_str());
            let who = format!("{nation:?} on {}", cap.id);
            if suppressed {
                assert!(
                    from_overview["coverage"].is_null(),
                    "{who}: {from_overview}"
                );
                assert!(from_overview["suppressed"].is_string(), "{who}");
                assert!(from_assessment["level"].is_null(), "{who}");
                assert!(page["assessment"]["level"].is_null(), "{who}");
                assert!(page["series"]["level"].is_null(), "{who}");
                assert!(page["forecast"].is_null(), "{who}");
                assert_eq!(page["disclosure"]["state"], "suppressed", "{who}");
            } else if !rows.is_empty() {
                // Disclosed or open: the true aggregate, all records counted.
                assert_eq!(from_assessment["level"].as_f64(), Some(total), "{who}");
                assert!(from_overview["suppressed"].is_null(), "{who}");
            }
            // Records listed one by one are only those released.
            let listed = page["holdings"].as_array().unwrap();
            let visible = rows
                .iter()
                .filter(|h| sees(&s, &h.provenance.releasability, &h.holder, nation))
                .count();
            assert_eq!(listed.len(), visible, "{who}");
            for h in listed {
                let m: Releasability = h["releasability"].as_str().unwrap().parse().unwrap();
                assert!(
                    sees(&s, &m, h["holder"].as_str().unwrap(), nation),
                    "{who}: {h}"
                );
            }
            // What the caller can subtract: the level shown, less every
            // holding listed to it. That remainder is the hidden holdings'
            // sum; it must be no single hidden figure and pass the rule.
            if let Some(level) = from_assessment["level"].as_f64() {
                let listed_sum: f64 = listed.iter().map(|h| h["quantity"].as_f64().unwrap()).sum();
                let remainder = level - listed_sum;
                for (holder, q) in &hidden_parts {
                    assert!(
                        *q <= 0.0 || (remainder - q).abs() > 1e-6,
                        "{who}: {holder}'s hidden {q} is the level {level} less the listed {listed_sum}"
                    );
                }
                if remainder.abs() > 1e-6 {
                    assert!(
                        passes_rule(&hidden_parts),
                        "{who}: the remainder {remainder} singles out a hidden nation: {hidden_parts:?}"
                    );
                }
            }
            // A hidden US figure is not shown.
            if let Some(u) = s.us_contributions.iter().find(|u| u.capability == cap.id) {
                if !sees(&s, &u.provenance.releasability, "US", nation) {
                    assert!(from_assessment["us_contribution"].is_null(), "{who}");
                }
            }
            // The benchmark on cap0 is suppressed exactly when cap0 is.
            if ci == 0 {
                let t = &overview["triggers"][0];
                assert_eq!(t["state"] == "suppressed", suppressed, "{who}: {t}");
            }
        }
        // The index is withheld when any capability is suppressed, and
        // unknown when no capability has a level (no holdings at all).
        let no_data = s
            .capabilities
            .iter()
            .all(|cap| !s.holdings.iter().any(|h| h.capability == cap.id));
        assert_eq!(
            overview["index"].is_null(),
            any_suppressed || no_data,
            "{nation:?}: {overview}"
        );
        assert_eq!(
            overview["triggers"][1]["state"] == "suppressed",
            any_suppressed
        );
        // A nation's page lists only the records the caller sees (and adds
        // up only those): its text joins the responses checked below.
        for n in &s.nations {
            let (page, text) = get_as(
                &server.base,
                token,
                &format!("/api/nations/{}?at=2026-06-15", n.code),
            );
            for h in page["holdings"].as_array().unwrap() {
                let m: Releasability = h["releasability"].as_str().unwrap().parse().unwrap();
                assert!(
                    sees(&s, &m, &n.code, nation),
                    "{nation:?} on {}: {h}",
                    n.code
                );
            }
            texts.push(text);
        }
        // No single hidden figure appears anywhere, in any response.
        let hidden_values = s
            .holdings
            .iter()
            .filter(|h| {
                h.quantity > 0.0 && !sees(&s, &h.provenance.releasability, &h.holder, nation)
            })
            .map(|h| h.quantity)
            .chain(
                s.us_contributions
                    .iter()
                    .filter(|u| !sees(&s, &u.provenance.releasability, "US", nation))
                    .map(|u| u.level),
            );
        for v in hidden_values {
            let needle = serde_json::to_string(&v).unwrap();
            for t in &texts {
                assert!(
                    !t.contains(&needle),
                    "{nation:?} was sent the hidden figure {needle}"
                );
            }
        }
    }
    drop(server);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_endpoint_returns_what_a_nation_may_not_see(c in case()) {
        check(&c);
    }
}

/// The subtraction leak, pinned: DE's national 313 tanks, FR's public 600
/// and a public EUROPE total of 1,627. A level of 2,540 less the listed
/// 1,627 and 600 would give DE's 313 to anyone: the level is suppressed for
/// all but DE, and 313 appears nowhere.
#[test]
fn a_national_figure_is_not_recoverable_by_subtraction() {
    let mut s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
        .nation("DE", &["EUROPE", "NATO", "EU"])
        .nation("FR", &["EUROPE", "NATO", "EU"])
        .nation("PL", &["EUROPE", "NATO", "EU"])
        .stock("mbt", 3000.0)
        .holding("DE", "mbt", 313.0)
        .holding("FR", "mbt", 600.0)
        .holding("PL", "mbt", 1627.0)
        .build();
    s.holdings[0].provenance.releasability = Releasability::National;
    let server = serve(&s);
    let mut tokens = vec![("public", None)];
    for code in ["FR", "DE"] {
        tokens.push((code, Some(viewer(&server, code))));
    }
    for (who, token) in &tokens {
        let (a, a_text) = get_as(
            &server.base,
            token.as_deref(),
            "/api/assessment?at=2026-06-15",
        );
        let (page, p_text) = get_as(
            &server.base,
            token.as_deref(),
            "/api/capabilities/mbt?at=2026-06-15",
        );
        let (o, o_text) = get_as(
            &server.base,
            token.as_deref(),
            "/api/overview?at=2026-06-15",
        );
        if *who == "DE" {
            assert_eq!(a["capabilities"][0]["level"].as_f64(), Some(2540.0));
            continue;
        }
        assert!(a["capabilities"][0]["level"].is_null(), "{who}: {a}");
        assert!(o["capabilities"][0]["coverage"].is_null(), "{who}: {o}");
        assert_eq!(page["disclosure"]["state"], "suppressed", "{who}");
        assert_eq!(page["holdings"].as_array().unwrap().len(), 2, "{who}");
        for t in [a_text, p_text, o_text] {
            assert!(!t.contains("2540") && !t.contains("313"), "{who}: {t}");
        }
    }
}

/// A pinned case: DE's national figure and FR's public one make a level of
/// two nations, suppressed for everyone but DE; the US figure is FR's to see.
#[test]
fn a_dominant_national_figure_is_suppressed_for_others() {
    let c = Case {
        nations: vec![(true, true), (true, true), (true, false)],
        caps: vec![(1000.0, vec![Some((true, 4, 0)), Some((true, 0, 0)), None])],
        us: vec![Some((3, 1))],
    };
    check(&c);
}

/// An uncertain input is named by its line among the rows the caller sees:
/// FR, who cannot see DE's national line in row 1, finds its own line's
/// lead time at `lines.csv:2`; DE, who sees both, at `lines.csv:3`. The
/// hidden line's input is not listed to FR at all.
#[test]
fn sensitivity_labels_count_only_the_rows_the_caller_sees() {
    use handover_core::distribution::Distribution;
    use handover_core::scenario::{Origin, Table, Uncertainty};
    let mut s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
        .nation("DE", &["EUROPE", "NATO", "EU"])
        .nation("FR", &["EUROPE", "NATO", "EU"])
        .stock("mbt", 500.0)
        .stock("sam", 100.0)
        .holding("DE", "mbt", 100.0)
        .holding("FR", "sam", 20.0)
        .line("de-line", "mbt", "DE", 12)
        .capacity("de-line", "2026-01-01", 120.0)
        .order("de-order", "DE", "de-line", 60.0, "2026-06-01")
        .line("fr-line", "sam", "FR", 12)
        .capacity("fr-line", "2026-01-01", 120.0)
        .order("fr-order", "FR", "fr-line", 60.0, "2026-06-01")
        .build();
    s.lines[0].provenance.releasability = Releasability::National;
    s.orders[0].provenance.releasability = Releasability::National;
    for row in [0, 1] {
        s.uncertainty.push(Uncertainty {
            table: Table::Lines,
            row,
            field: "lead_time_months".into(),
            distribution: Distribution::parse("uniform(6, 18)").unwrap(),
            origin: Origin::line("lines.csv", row + 2),
        });
    }
    let problems = handover_core::validate::validate(&s);
    assert!(
        handover_core::validate::errors(&problems).next().is_none(),
        "{problems:?}"
    );
    let server = serve(&s);
    let mut inputs = std::collections::BTreeMap::new();
    for code in ["FR", "DE"] {
        let token = viewer(&server, code);
        let (page, _) = get_as(
            &server.base,
            Some(&token),
            "/api/capabilities/sam?at=2026-06-15",
        );
        let names: Vec<String> = page["forecast"]["deadlines"][0]["sensitivity"]
            .as_array()
            .unwrap_or_else(|| panic!("{code}: no sensitivity in {page}"))
            .iter()
            .map(|x| x["input"].as_str().unwrap().to_string())
            .collect();
        inputs.insert(code, names);
    }
    assert_eq!(inputs["FR"], ["lines.csv:2 lead_time_months"], "{inputs:?}");
    assert!(
        inputs["DE"].contains(&"lines.csv:3 lead_time_months".to_string()),
        "{inputs:?}"
    );
}
