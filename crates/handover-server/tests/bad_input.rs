//! Regression tests: submissions that once took the service down for good (a
//! panic in the projection after the version was stored, a poisoned
//! submission lock, a server that could not restart) are refused with a 422
//! naming file, line and field; the service keeps answering and restarts; and
//! a stored version that cannot be computed does not stop the server starting.

mod common;

use common::{agent, get, read, start_on, Server};
use handover_server::Config;
use handover_store::{Role, Store};
use serde_json::{json, Value};

fn config() -> Config {
    Config {
        today: Some("2026-11-21".parse().unwrap()),
        ..Config::default()
    }
}

/// A bearer token of a DE submitter on `s`.
fn de_token(s: &Server) -> String {
    let user = s
        .store
        .create_user(
            None,
            "de",
            "correct horse battery",
            Some("DE"),
            &[Role::Viewer, Role::Submitter],
        )
        .unwrap();
    s.store.create_token(&user, "test").unwrap()
}

fn submit(s: &Server, token: &str, name: &str, text: &str) -> (u16, Value) {
    let r = agent()
        .post(format!("{}/api/submissions", s.base))
        .header("Authorization", format!("Bearer {token}"))
        .send_json(json!({"files": [{"name": name, "text": text}], "message": "test"}))
        .unwrap();
    read(r, "/api/submissions")
}

const ORDERS: &str = "id,buyer,line,quantity,date,delivered,source,estimate,note\n";

/// An orders.csv of DE with one order whose `date` and `quantity` cells are given.
fn order(date: &str, quantity: &str) -> String {
    format!("{ORDERS}de-test,DE,leopard-2a8-de,\"{quantity}\",\"{date}\",,ministry (test),false,\n")
}

/// Each input that once panicked, the field the 422 must name, and a word of its message.
fn bad_inputs() -> Vec<(&'static str, String, &'static str, &'static str)> {
    vec![
        (
            "a delay with a huge upper end",
            order("2026-02-01 + delay(triangular(0, 3, 1e308))", "10"),
            "date",
            "too large",
        ),
        (
            "a delay of 10^15 months",
            order("2026-02-01 + delay(fixed(1e15))", "10"),
            "date",
            "1200",
        ),
        (
            "a delay just over 100 years",
            order("2026-02-01 + delay(uniform(0, 1201))", "10"),
            "date",
            "1200",
        ),
        (
            "an order of 1900",
            order("1900-01-01", "10"),
            "date",
            "100 years",
        ),
        (
            "an order of year 0",
            order("0000-01-01", "10"),
            "date",
            "100 years",
        ),
        (
            "an order of 9999",
            order("9999-12-31", "10"),
            "date",
            "after the horizon",
        ),
        (
            "a quantity of 1e308",
            order("2026-02-01", "1e308"),
            "quantity",
            "too large",
        ),
        (
            "a quantity distribution with 1e308",
            order("2026-02-01", "uniform(1, 1e308)"),
            "quantity",
            "too large",
        ),
        (
            "a NaN in a distribution",
            order("2026-02-01", "normal(NaN, 1)"),
            "quantity",
            "finite",
        ),
        ("a NaN quantity", order("2026-02-01", "NaN"), "quantity", ""),
    ]
}

#[test]
fn inputs_that_once_took_the_service_down_get_a_422_and_it_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("handover.db");
    let s = start_on(&db, config());
    let token = de_token(&s);
    for (what, text, field, word) in bad_inputs() {
        let (code, e) = submit(&s, &token, "orders.csv", &text);
        assert_eq!(code, 422, "{what}: {e}");
        assert_eq!(e["code"], "invalid_submission", "{what}: {e}");
        let p = &e["problems"][0];
        assert_eq!(
            (p["file"].as_str(), p["line"].as_u64(), p["field"].as_str()),
            (Some("orders.csv"), Some(2), Some(field)),
            "{what}: {e}"
        );
        assert!(p["message"].as_str().unwrap().contains(word), "{what}: {e}");
        assert_eq!(s.store.versions().unwrap().len(), 1, "{what}: stored");
        assert_eq!(get(&s, "/api/overview").0, 200, "{what}: overview");
    }
    // The submission lock still works: a good submission is stored and served.
    let good = order("2026-02-01 + delay(triangular(0, 3, 12))", "10");
    let (code, v) = submit(&s, &token, "orders.csv", &good);
    assert_eq!(code, 201, "{v}");
    assert_eq!(get(&s, "/api/health").1["data_version"], 2);
    assert_eq!(get(&s, "/api/capabilities/mbt").0, 200);
    drop(s);
    // And the server restarts on the same file, serving version 2.
    let s = start_on(&db, config());
    let (code, h) = get(&s, "/api/health");
    assert_eq!((code, h["status"].as_str()), (200, Some("ok")), "{h}");
    assert_eq!(h["data_version"], 2);
}

#[test]
fn a_stored_version_that_cannot_be_computed_does_not_stop_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("handover.db");
    drop(start_on(&db, config()));
    // A version stored by an older handover that validated less: an order
    // delayed by 10^15 months (once a panic at every start).
    let mut scenario = handover_data::bundled().unwrap().scenario.into_inner();
    scenario
        .uncertainty
        .push(handover_core::scenario::Uncertainty {
            table: handover_core::scenario::Table::Orders,
            row: 0,
            field: "date".into(),
            distribution: handover_core::distribution::Distribution::Delay(Box::new(
                handover_core::distribution::Distribution::Fixed(1e15),
            )),
            origin: Default::default(),
        });
    let json = handover_data::to_json(&scenario);
    {
        let store = handover_store::SqliteStore::open(&db).unwrap();
        store
            .add_version(None, None, "bad", &json, "hash", &[])
            .unwrap();
    }
    let s = start_on(&db, config());
    let (code, h) = get(&s, "/api/health");
    assert_eq!(code, 200);
    assert_eq!(h["status"], "degraded", "{h}");
    assert_eq!(h["data_version"], 1, "the last good version is served");
    assert_eq!(h["degraded"]["newest_version"], 2);
    assert!(h["degraded"]["message"]
        .as_str()
        .unwrap()
        .contains("version 2 cannot be computed"));
    assert_eq!(get(&s, "/api/overview").0, 200);
    // A submission is merged into the version served, stored as version 3,
    // and the service is whole again.
    let token = de_token(&s);
    let good = order("2026-02-01", "10");
    let (code, v) = submit(&s, &token, "orders.csv", &good);
    assert_eq!((code, v["version"].as_i64()), (201, Some(3)), "{v}");
    let (_, h) = get(&s, "/api/health");
    assert_eq!(
        (h["status"].as_str(), h["data_version"].as_i64()),
        (Some("ok"), Some(3))
    );
}

/// Too large to check, too long a message, dates not written YYYY-MM-DD:
/// each refused at once with the field named, and nothing stored.
#[test]
fn oversized_and_malformed_submissions_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = start_on(&dir.path().join("handover.db"), config());
    let token = de_token(&s);
    // 1,000,000 short rows: 11 MB of CSV, 12 MB as JSON, under the body limit.
    let row = "o,DE,l,1,d\n";
    let big = format!("{ORDERS}{}", row.repeat(1_000_000));
    let body = json!({"files": [{"name": "orders.csv", "text": big}], "message": "test"});
    assert!(
        body.to_string().len() < handover_server::MAX_BODY,
        "over the body limit"
    );
    let (code, e) = submit(&s, &token, "orders.csv", &big);
    assert_eq!(
        (code, e["code"].as_str()),
        (422, Some("invalid_submission")),
        "{e}"
    );
    let p = &e["problems"][0];
    assert_eq!(
        (p["file"].as_str(), p["line"].as_u64()),
        (Some("orders.csv"), Some(1))
    );
    assert!(
        p["message"]
            .as_str()
            .unwrap()
            .contains("1000000 rows is too many"),
        "{p}"
    );
    // A message of 8 MiB.
    let r = agent()
        .post(format!("{}/api/submissions", s.base))
        .header("Authorization", format!("Bearer {token}"))
        .send_json(json!({"files": [{"name": "orders.csv", "text": order("2027-01-01", "1")}], "message": "m".repeat(8 << 20)}))
        .unwrap();
    let (code, e) = read(r, "long message");
    assert_eq!((code, e["field"].as_str()), (400, Some("message")), "{e}");
    // Dates not written YYYY-MM-DD.
    for date in ["2026-1-1", "+10000-01-01"] {
        let (code, e) = submit(&s, &token, "orders.csv", &order(date, "1"));
        assert_eq!(code, 422, "{date}: {e}");
        let p = &e["problems"][0];
        assert_eq!(p["field"], "date", "{date}: {e}");
        assert!(
            p["message"]
                .as_str()
                .unwrap()
                .contains(&format!("`{date}` is not a date")),
            "{date}: {p}"
        );
    }
    assert_eq!(s.store.versions().unwrap().len(), 1);
}

/// Defect 10: problems came in the order the rules ran (lines 3, 2, 4);
/// the check lists them by file and line, as the Data page says.
#[test]
fn defect_10_problems_are_listed_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let s = start_on(&dir.path().join("handover.db"), config());
    let token = de_token(&s);
    let text = format!(
        "{ORDERS}de-a,DE,leopard-2a8-de,-1,2027-01-01,,s,false,\n\
         de-a,DE,leopard-2a8-de,1,2027-01-01,,s,false,\n\
         de-b,DE,leopard-2a8-de,-4,2027-01-01,,s,false,\n"
    );
    let r = agent()
        .post(format!("{}/api/submissions/check", s.base))
        .header("Authorization", format!("Bearer {token}"))
        .send_json(json!({"files": [{"name": "orders.csv", "text": text}]}))
        .unwrap();
    let (code, v) = read(r, "check");
    assert_eq!(code, 200, "{v}");
    let lines: Vec<u64> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["file"] == "orders.csv")
        .filter_map(|p| p["line"].as_u64())
        .collect();
    assert!(lines.len() >= 3, "{v}");
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    for want in [2, 3, 4] {
        assert!(lines.contains(&want), "{lines:?}");
    }
}
