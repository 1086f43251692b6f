//! The answers to a nation's checks and submissions reveal nothing it may not
//! see, as a property over random markings against a real server on a real
//! SQLite file: no id of a line or order not released to the submitter
//! appears in any answer unless the submitter wrote it itself, and a
//! reference to a hidden line is refused exactly like a reference to a line
//! that does not exist ("unknown production line"), never accepted, never
//! answered with its owner.

mod common;

use common::{agent, read, start_with, Server};
use handover_core::build::ScenarioBuilder;
use handover_core::scenario::Releasability;
use handover_server::Config;
use handover_store::{Role, Store};
use proptest::prelude::*;
use serde_json::{json, Value};

const NATIONS: [&str; 4] = ["DE", "FR", "PL", "IT"];

/// A marking: (kind, `rel:` target).
type Mark = (u8, usize);

#[derive(Debug, Clone)]
struct Case {
    /// Per nation, per line: its marking and its order's.
    lines: Vec<Vec<(Mark, Mark)>>,
    /// A random tag in every id, so ids are hard to guess and easy to spot.
    tag: String,
    /// The submitting nation.
    submitter: usize,
    /// Lines the submission refers to: by an order, by a capacity step, by a typo.
    refs: (usize, usize, usize),
    /// An existing order whose id the submission reuses.
    reused: usize,
}

fn marking((kind, to): Mark) -> Releasability {
    match kind % 4 {
        0 => Releasability::Public,
        1 => Releasability::Rel(vec![NATIONS[to % NATIONS.len()].to_string()]),
        _ => Releasability::National,
    }
}

fn case() -> impl Strategy<Value = Case> {
    let mark = || (0u8..4, 0usize..4);
    (
        prop::collection::vec(prop::collection::vec((mark(), mark()), 1..3), 4),
        "[a-z]{5}",
        0usize..4,
        (0usize..16, 0usize..16, 0usize..16),
        0usize..16,
    )
        .prop_map(|(lines, tag, submitter, refs, reused)| Case {
            lines,
            tag,
            submitter,
            refs,
            reused,
        })
}

struct World {
    server: Server,
    tokens: Vec<String>,
    /// Every line and order id, with whether each nation may see it.
    ids: Vec<(String, [bool; 4])>,
    lines: Vec<String>,
    orders: Vec<String>,
}

fn sees(r: &Releasability, owner: usize, viewer: usize) -> bool {
    owner == viewer
        || match r {
            Releasability::Public => true,
            Releasability::Rel(to) => to.iter().any(|n| n == NATIONS[viewer]),
            _ => false,
        }
}

fn world(c: &Case) -> World {
    let mut b = ScenarioBuilder::monthly("2026-01-01", "2030-12-31").stock("sam", 100.0);
    for n in NATIONS {
        b = b
            .nation(n, &["NATO", "EU", "EUROPE"])
            .holding(n, "sam", 5.0);
    }
    let (mut ids, mut lines, mut orders) = (vec![], vec![], vec![]);
    let mut markings = vec![];
    for (ni, ls) in c.lines.iter().enumerate() {
        let n = NATIONS[ni];
        for (li, (lm, om)) in ls.iter().enumerate() {
            let line = format!("{}-{}-line{li}", n.to_lowercase(), c.tag);
            let order = format!("{line}-order");
            b = b
                .line(&line, "sam", n, 12)
                .capacity(&line, "2026-01-01", 12.0)
                .order(&order, n, &line, 3.0, "2025-06-01");
            let (lm, om) = (marking(*lm), marking(*om));
            ids.push((line.clone(), std::array::from_fn(|v| sees(&lm, ni, v))));
            ids.push((order.clone(), std::array::from_fn(|v| sees(&om, ni, v))));
            markings.push((lm, om));
            lines.push(line);
            orders.push(order);
        }
    }
    let scenario = b
        .with(|s| {
            for (i, (lm, om)) in markings.into_iter().enumerate() {
                s.lines[i].provenance.releasability = lm.clone();
                s.lines[i].provenance.source = Some("test".into());
                // A line's capacity is released like the line.
                s.capacity[i].provenance.releasability = lm;
                s.orders[i].provenance.releasability = om;
            }
        })
        .build();
    let dir = tempfile::tempdir().unwrap();
    let mut server = start_with(
        &dir.path().join("handover.db"),
        &scenario,
        Config {
            today: Some("2026-11-21".parse().unwrap()),
            ..Config::default()
        },
    );
    let tokens = NATIONS
        .iter()
        .map(|n| {
            let u = server
                .store
                .create_user(
                    None,
                    &n.to_lowercase(),
                    "correct horse battery",
                    Some(n),
                    &[Role::Viewer, Role::Submitter],
                )
                .unwrap();
            server.store.create_token(&u, "t").unwrap()
        })
        .collect();
    server.dir = Some(dir);
    World {
        server,
        tokens,
        ids,
        lines,
        orders,
    }
}

fn post(w: &World, who: usize, path: &str, files: &[(&str, String)]) -> (u16, Value, String) {
    let files: Vec<Value> = files
        .iter()
        .map(|(n, t)| json!({"name": n, "text": t}))
        .collect();
    let r = agent()
        .post(format!("{}{path}", w.server.base))
        .header("Authorization", format!("Bearer {}", w.tokens[who]))
        .send_json(json!({"files": files, "message": "test"}))
        .unwrap();
    let (code, v) = read(r, path);
    let text = v.to_string();
    (code, v, text)
}

fn check_case(c: &Case) -> Result<(), TestCaseError> {
    let w = world(c);
    let me = c.submitter;
    let pick = |i: usize| w.lines[i % w.lines.len()].clone();
    let (on_order, on_step, near) = (pick(c.refs.0), pick(c.refs.1), pick(c.refs.2));
    let typo = format!("{}x", &near[..near.len() - 1]);
    let reused = w.orders[c.reused % w.orders.len()].clone();
    let n = NATIONS[me];
    let orders = format!(
        "id,buyer,line,quantity,date,source\n\
         {}-new,{n},{on_order},4,2026-06-01,test\n\
         {}-typo,{n},{typo},4,2026-06-01,test\n\
         {reused},{n},{on_order},4,2026-06-01,test\n",
        n.to_lowercase(),
        n.to_lowercase()
    );
    let capacity = format!("line,date,units_per_year,source\n{on_step},2027-01-01,24,test\n");
    let files = [
        ("orders.csv", orders.clone()),
        ("capacity.csv", capacity.clone()),
    ];
    let sent = format!("{orders}{capacity}");
    let visible = |id: &str| w.ids.iter().any(|(i, s)| i == id && s[me]);
    for path in ["/api/submissions/check", "/api/submissions"] {
        let (code, v, text) = post(&w, me, path, &files);
        prop_assert!(code != 500, "{path}: {text}");
        for (id, seen) in &w.ids {
            if !seen[me] && !sent.contains(id.as_str()) {
                prop_assert!(
                    !text.contains(id.as_str()),
                    "{path}: {n} was told of hidden `{id}`: {text}"
                );
            }
        }
        // Referring to a hidden line is refused as an unknown line, on that row.
        let problems = v["problems"].as_array().cloned().unwrap_or_default();
        for (line, file, row) in [(&on_order, "orders.csv", 2), (&on_step, "capacity.csv", 2)] {
            if !visible(line) {
                let want = format!("unknown production line `{line}`");
                prop_assert!(
                    problems.iter().any(|p| p["file"] == file
                        && p["line"] == row
                        && p["field"] == "line"
                        && p["message"].as_str().unwrap_or("").starts_with(&want)),
                    "{path}: {n} referring to hidden `{line}` in {file}: {text}"
                );
                prop_assert!(code != 201, "{path}: accepted a hidden line: {text}");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(16),
        ..ProptestConfig::default()
    })]

    #[test]
    fn check_and_submission_answers_reveal_no_hidden_record(c in case()) {
        check_case(&c)?;
    }
}

/// A problem on a stored row the submitter may see names the row by its
/// place among the rows released to it: FR withdrawing its line breaks PL's
/// public order on it, which comes after DE's national order; the answer
/// says `orders[0]`, not `orders[1]`, which would tell FR that a row it
/// cannot see comes first.
#[test]
fn a_stored_row_is_named_by_its_place_among_the_rows_released() {
    let mut s = ScenarioBuilder::monthly("2026-01-01", "2028-12-31")
        .nation("DE", &["EUROPE", "NATO", "EU"])
        .nation("FR", &["EUROPE", "NATO", "EU"])
        .nation("PL", &["EUROPE", "NATO"])
        .stock("mbt", 500.0)
        .holding("PL", "mbt", 100.0)
        .line("de-line", "mbt", "DE", 12)
        .line("fr-line", "mbt", "FR", 12)
        .order("de-hidden-order", "DE", "de-line", 10.0, "2026-06-01")
        .order("pl-order", "PL", "fr-line", 10.0, "2026-06-01")
        .build();
    s.orders[0].provenance.releasability = Releasability::National;
    s.lines[0].provenance.releasability = Releasability::National;
    let dir = tempfile::tempdir().unwrap();
    let server = start_with(&dir.path().join("h.db"), &s, Config::default());
    let u = server
        .store
        .create_user(
            None,
            "fr",
            "a long test password",
            Some("FR"),
            &[Role::Viewer, Role::Submitter],
        )
        .unwrap();
    let token = server.store.create_token(&u, "t").unwrap();
    let header = "id,capability,nation,lead_time_months,source\n";
    let r = agent()
        .post(format!("{}/api/submissions/check", server.base))
        .header("Authorization", format!("Bearer {token}"))
        .send_json(json!({"files": [{"name": "lines.csv", "text": header}]}))
        .unwrap();
    let (code, v) = read(r, "check");
    assert_eq!(code, 200, "{v}");
    let p = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["message"].as_str().unwrap_or("").contains("fr-line"))
        .unwrap_or_else(|| panic!("no problem on PL's order: {v}"));
    assert_eq!(
        p["record"].as_str(),
        Some("orders[0] of the current version, counting the rows released to you"),
        "{v}"
    );
    assert!(!v.to_string().contains("de-hidden"), "{v}");
}
