//! The API against a real server on 127.0.0.1:0 with a real SQLite file,
//! talked to over HTTP with a real client (ureq): reading on the bundled
//! public dataset, logging in, tokens, users, national submissions, the
//! history and the audit log, releasability.

mod common;

use common::{agent, get, read, start_on, Server};
use handover_server::Config;
use handover_store::{Role, Store};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

fn config() -> Config {
    Config {
        today: Some("2026-11-21".parse().unwrap()),
        login_attempts: 3,
        ..Config::default()
    }
}

/// A server on a new SQLite file with an admin, a DE submitter, a PL viewer
/// and an FR submitter.
fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start_on(&dir.path().join("handover.db"), config());
    for (name, nation, roles) in [
        ("admin", None, vec![Role::Admin, Role::Viewer]),
        ("de", Some("DE"), vec![Role::Viewer, Role::Submitter]),
        ("fr", Some("FR"), vec![Role::Viewer, Role::Submitter]),
        ("pl", Some("PL"), vec![Role::Viewer]),
    ] {
        s.store
            .create_user(None, name, PASSWORD, nation, &roles)
            .unwrap();
    }
    s.dir = Some(dir);
    s
}

/// A client with its own cookie jar: a browser, logged in or not.
struct Browser {
    agent: ureq::Agent,
    base: String,
    csrf: Option<String>,
}

impl Browser {
    fn new(server: &Server) -> Self {
        Browser {
            agent: agent(),
            base: server.base.clone(),
            csrf: None,
        }
    }

    fn login(server: &Server, user: &str) -> Self {
        let mut b = Browser::new(server);
        let (code, me) = b.post(
            "/api/login",
            json!({"username": user, "password": PASSWORD}),
        );
        assert_eq!(code, 200, "{me}");
        b.csrf = me["csrf"].as_str().map(str::to_string);
        b
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .unwrap();
        read(r, path)
    }

    fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let mut req = self.agent.post(format!("{}{path}", self.base));
        if let Some(c) = &self.csrf {
            req = req.header("X-CSRF-Token", c);
        }
        let r = req.send_json(body).unwrap();
        read(r, path)
    }
}

fn capability<'a>(o: &'a Value, id: &str) -> &'a Value {
    o["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no capability {id} in {o}"))
}

#[test]
fn health_and_openapi_describe_the_api() {
    let s = start();
    let (code, h) = get(&s, "/api/health");
    assert_eq!(code, 200);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(h["data_version"], 1, "the bundled data seeds version 1");
    let (code, doc) = get(&s, "/api/openapi.json");
    assert_eq!(code, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/api/health", "get"),
        ("/api/overview", "get"),
        ("/api/assessment", "get"),
        ("/api/capabilities/{id}", "get"),
        ("/api/plan", "get"),
        ("/api/me", "get"),
        ("/api/login", "post"),
        ("/api/logout", "post"),
        ("/api/tokens", "post"),
        ("/api/tokens", "get"),
        ("/api/tokens/{id}", "delete"),
        ("/api/users", "get"),
        ("/api/users", "post"),
        ("/api/submissions/check", "post"),
        ("/api/submissions", "post"),
        ("/api/versions", "get"),
        ("/api/versions/{version}/files/{name}", "get"),
        ("/api/audit", "get"),
        ("/api/openapi.json", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} documented"
        );
    }
    assert!(doc["components"]["schemas"]["ApiError"].is_object());
    // The served document is the one generated from the code.
    let generated: Value =
        serde_json::from_str(&handover_server::openapi().to_json().unwrap()).unwrap();
    assert_eq!(doc, generated);
}

#[test]
fn overview_and_assessment_agree_with_the_engine() {
    let s = start();
    let (code, o) = get(&s, "/api/overview?at=2027-12-31");
    assert_eq!(code, 200);
    // The engine, run here, gives the same figures.
    let scenario = handover_data::bundled().unwrap().scenario;
    let eval = handover_core::Evaluation::new(&scenario);
    let a = eval
        .assess(&scenario, "2027-12-31".parse().unwrap(), true)
        .unwrap();
    assert_eq!(o["index"].as_f64(), a.index.at);
    assert_eq!(o["data_version"], 1);
    assert_eq!(o["nation"], Value::Null);
    assert_eq!(
        o["capabilities"].as_array().unwrap().len(),
        a.capabilities.len()
    );
    let iamd = capability(&o, "iamd-long");
    let mine = a.capabilities.iter().find(|c| c.id == "iamd-long").unwrap();
    assert_eq!(iamd["coverage"].as_f64(), mine.coverage);
    assert_eq!(
        iamd["status"]["us-2027"],
        mine.deadlines[0].status.to_string()
    );
    assert_eq!(
        o["index_series"].as_array().unwrap().len(),
        o["dates"].as_array().unwrap().len()
    );
    // Benchmarks are evaluated, with the forecast for P(...) rules.
    let triggers = o["triggers"].as_array().unwrap();
    assert_eq!(triggers.len(), scenario.triggers.len());
    assert!(triggers.iter().any(|t| t["state"] == "fires"));
    assert_eq!(o["forecast"][0], handover_server::FORECAST_SAMPLES);
    // The full assessment is the CLI's JSON: every bundled figure is public.
    let (code, full) = get(&s, "/api/assessment?at=2027-12-31");
    assert_eq!(code, 200);
    assert_eq!(full, serde_json::to_value(&a).unwrap());
    // A second request is served from the cache, byte for byte the same.
    let (_, again) = get(&s, "/api/overview?at=2027-12-31");
    assert_eq!(again, o);
}

#[test]
fn capability_pages_and_errors_have_stable_codes() {
    let s = start();
    let (code, c) = get(&s, "/api/capabilities/iamd-long?at=2026-11-21");
    assert_eq!(code, 200);
    assert_eq!(c["assessment"]["id"], "iamd-long");
    assert_eq!(c["disclosure"]["state"], "open");
    assert_eq!(
        c["series"]["level"].as_array().unwrap().len(),
        c["dates"].as_array().unwrap().len()
    );
    // Holdings by nation, lines with backlog, the forecast with its fan.
    let scenario = handover_data::bundled().unwrap().scenario;
    let rows = scenario
        .holdings
        .iter()
        .filter(|h| h.capability == "iamd-long")
        .count();
    assert_eq!(c["holdings"].as_array().unwrap().len(), rows);
    let lines = c["lines"].as_array().unwrap();
    assert_eq!(
        lines.len(),
        scenario
            .lines
            .iter()
            .filter(|l| l.capability == "iamd-long")
            .count()
    );
    assert!(lines.iter().all(|l| l["backlog"].is_number()));
    let f = &c["forecast"];
    assert_eq!(f["samples"], handover_server::FORECAST_SAMPLES);
    assert_eq!(
        f["fan"]["p50"].as_array().unwrap().len(),
        c["dates"].as_array().unwrap().len()
    );
    let p = f["deadlines"][0]["p_met"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    // Sensitivity names the cell by table and row, as a reader finds it.
    let input = f["deadlines"][0]["sensitivity"][0]["input"]
        .as_str()
        .unwrap();
    assert_eq!(input, "lines.csv:2 lead_time_months", "{f}");

    let (code, e) = get(&s, "/api/capabilities/iamd-lnog");
    assert_eq!(code, 404);
    assert_eq!(e["code"], "not_found");
    assert_eq!(e["field"], "id");
    assert!(e["message"].as_str().unwrap().contains("iamd-long"), "{e}");
    let (code, e) = get(&s, "/api/overview?at=2026-13-01");
    assert_eq!(code, 400);
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("invalid_input"), Some("at"))
    );
    let (code, e) = get(&s, "/api/overview?at=2050-01-01");
    assert_eq!(code, 400);
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("outside the scenario"));
    let (code, e) = get(&s, "/api/overview?date=2026-01-01");
    assert_eq!((code, e["field"].as_str()), (400, Some("date")));
    let (code, e) = get(&s, "/api/nothing");
    assert_eq!((code, e["code"].as_str()), (404, Some("not_found")));
}

#[test]
fn plan_answers_like_the_planner_and_names_bad_fields() {
    let s = start();
    let (code, p) = get(&s, "/api/plan?objective=cost&deadline=eu-2030");
    assert_eq!(code, 200, "{p}");
    let scenario = handover_data::bundled().unwrap().scenario;
    let eval = handover_core::Evaluation::new(&scenario);
    let mut req = handover_core::plan::PlanRequest::new(
        handover_core::plan::Objective::Cost,
        "2026-11-21".parse().unwrap(),
        "eu-2030",
    );
    req.grid = handover_core::time::Step::Quarter;
    let mine = handover_core::plan::plan(&scenario, &eval, &req).unwrap();
    assert_eq!(p, serde_json::to_value(&mine).unwrap());
    let (code, e) = get(&s, "/api/plan?objective=coverage");
    assert_eq!((code, e["field"].as_str()), (400, Some("budget")));
    let (code, e) = get(&s, "/api/plan?objective=fastest");
    assert_eq!((code, e["field"].as_str()), (400, Some("objective")));
}

#[test]
fn login_sessions_csrf_and_rate_limit() {
    let s = start();
    // The public: no user.
    let (code, me) = get(&s, "/api/me");
    assert_eq!((code, &me["user"]), (200, &Value::Null));
    // A wrong password is refused and logged.
    let b = Browser::new(&s);
    let (code, e) = b.post(
        "/api/login",
        json!({"username": "de", "password": "wrong password!"}),
    );
    assert_eq!((code, e["code"].as_str()), (401, Some("unauthorized")));
    // A session: the cookie is HttpOnly and SameSite=Strict.
    let r = agent()
        .post(format!("{}/api/login", s.base))
        .send_json(json!({"username": "de", "password": PASSWORD}))
        .unwrap();
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let de = Browser::login(&s, "de");
    let (_, me) = de.get("/api/me");
    assert_eq!(me["user"]["nation"], "DE");
    assert_eq!(me["user"]["roles"], json!(["viewer", "submitter"]));
    assert_eq!(me["csrf"].as_str(), de.csrf.as_deref());
    // A POST without the CSRF token is refused; with it, it passes.
    let bare = Browser {
        agent: de.agent.clone(),
        base: de.base.clone(),
        csrf: None,
    };
    let (code, e) = bare.post("/api/tokens", json!({"name": "script"}));
    assert_eq!((code, e["code"].as_str()), (403, Some("csrf")));
    let (code, t) = de.post("/api/tokens", json!({"name": "script"}));
    assert_eq!(code, 201, "{t}");
    // With the CSRF token but from another site (or a sandboxed `null`
    // origin), a cookie POST is refused on every state-changing endpoint.
    for origin in ["http://evil.example", "null"] {
        for (path, body) in [
            ("/api/tokens", json!({"name": "cross-site"})),
            ("/api/submissions/check", json!({"files": []})),
            ("/api/submissions", json!({"files": [], "message": "x"})),
        ] {
            let r = de
                .agent
                .post(format!("{}{path}", de.base))
                .header("X-CSRF-Token", de.csrf.as_deref().unwrap())
                .header("Origin", origin)
                .send_json(body)
                .unwrap();
            let (code, e) = read(r, path);
            assert_eq!(
                (code, e["code"].as_str()),
                (403, Some("forbidden")),
                "{path} from {origin}: {e}"
            );
        }
    }
    // The token acts as its user, for scripts.
    let token = t["token"].as_str().unwrap();
    let r = agent()
        .get(format!("{}/api/me", s.base))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    let (_, me) = read(r, "/api/me");
    assert_eq!(me["user"]["username"], "de");
    let r = agent()
        .get(format!("{}/api/overview", s.base))
        .header("Authorization", "Bearer nope")
        .call()
        .unwrap();
    let (code, e) = read(r, "bad token");
    assert_eq!((code, e["code"].as_str()), (401, Some("unauthorized")));
    // Its owner lists and revokes it; another user cannot; then it stops working.
    let id = t["id"].as_i64().unwrap();
    let (code, list) = de.get("/api/tokens");
    assert_eq!(code, 200);
    assert_eq!(list[0]["id"].as_i64(), Some(id));
    assert!(list[0]["expires_at"].is_string(), "{list}");
    assert!(
        !list.to_string().contains(token),
        "the token itself is never listed"
    );
    let delete = |b: &Browser, id: i64| {
        let mut req = b.agent.delete(format!("{}/api/tokens/{id}", b.base));
        if let Some(c) = &b.csrf {
            req = req.header("X-CSRF-Token", c);
        }
        read(req.call().unwrap(), "DELETE /api/tokens")
    };
    let fr = Browser::login(&s, "fr");
    let (code, e) = delete(&fr, id);
    assert_eq!((code, e["code"].as_str()), (404, Some("not_found")), "{e}");
    assert_eq!(delete(&de, id).0, 204);
    let r = agent()
        .get(format!("{}/api/me", s.base))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    let (code, e) = read(r, "revoked token");
    assert_eq!(
        (code, e["code"].as_str()),
        (401, Some("unauthorized")),
        "{e}"
    );
    let (_, audit) = de.get("/api/audit");
    assert!(audit
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "token.revoke"));
    let (code, e) = de.post(
        "/api/tokens",
        json!({"name": "long", "expires_in_days": 400}),
    );
    assert_eq!((code, e["field"].as_str()), (400, Some("expires_in_days")));
    // Logging out ends the session.
    let (code, _) = de.post("/api/logout", json!({}));
    assert_eq!(code, 204);
    let (_, me) = de.get("/api/me");
    assert_eq!(me["user"], Value::Null);
    // Three failures block the name, even with the right password then.
    for _ in 0..3 {
        let (code, _) = b.post(
            "/api/login",
            json!({"username": "pl", "password": "wrong password!"}),
        );
        assert_eq!(code, 401);
    }
    let r = agent()
        .post(format!("{}/api/login", s.base))
        .send_json(json!({"username": "pl", "password": PASSWORD}))
        .unwrap();
    assert!(r.headers().get("retry-after").is_some());
    let (code, e) = read(r, "blocked login");
    assert_eq!((code, e["code"].as_str()), (429, Some("rate_limited")));
    // A cross-site login is refused.
    let r = agent()
        .post(format!("{}/api/login", s.base))
        .header("Origin", "http://elsewhere.example")
        .send_json(json!({"username": "fr", "password": PASSWORD}))
        .unwrap();
    assert_eq!(read(r, "cross-site").0, 403);
    // Every login attempt is in the audit log.
    let actions: Vec<String> = s
        .store
        .audit(None, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "login",
        "login.failed",
        "login.blocked",
        "logout",
        "token.create",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

#[test]
fn admins_make_users_and_others_cannot() {
    let s = start();
    let admin = Browser::login(&s, "admin");
    let new = json!({"username": "nl", "password": PASSWORD, "nation": "NL", "roles": ["viewer"]});
    let (code, u) = admin.post("/api/users", new.clone());
    assert_eq!(code, 201, "{u}");
    assert_eq!(u["nation"], "NL");
    let (code, e) = admin.post("/api/users", new);
    assert_eq!((code, e["code"].as_str()), (409, Some("conflict")));
    let (code, e) = admin.post(
        "/api/users",
        json!({"username": "x", "password": PASSWORD, "nation": "DX", "roles": ["viewer"]}),
    );
    assert_eq!((code, e["field"].as_str()), (400, Some("nation")));
    assert!(
        e["message"].as_str().unwrap().contains("did you mean"),
        "{e}"
    );
    let (code, e) = admin.post(
        "/api/users",
        json!({"username": "y", "password": "short", "roles": ["viewer"]}),
    );
    assert_eq!((code, e["field"].as_str()), (400, Some("password")));
    let (code, e) = admin.post(
        "/api/users",
        json!({"username": "z", "password": PASSWORD, "roles": ["boss"]}),
    );
    assert_eq!((code, e["field"].as_str()), (400, Some("roles")));
    let (code, list) = admin.get("/api/users");
    assert_eq!(code, 200);
    assert_eq!(list.as_array().unwrap().len(), 5);
    let pl = Browser::login(&s, "pl");
    let (code, e) = pl.post(
        "/api/users",
        json!({"username": "w", "password": PASSWORD, "roles": ["admin"]}),
    );
    assert_eq!((code, e["code"].as_str()), (403, Some("forbidden")));
    let (code, _) = get(&s, "/api/users");
    assert_eq!(code, 401);
}

fn holdings(text: &str) -> Value {
    json!({"files": [{"name": "holdings.csv", "text": text}], "message": "DE holdings, test"})
}

#[test]
fn submissions_are_checked_per_row_stored_as_versions_and_audited() {
    let s = start();
    let de = Browser::login(&s, "de");
    // A check names file, line and field, and stores nothing.
    let bad = "holder,capability,quantity,source\nDE,mbt,300,ministry\nFR,mbt,200,ministry\nDE,iamd-long,-3,ministry\n";
    let (code, r) = de.post("/api/submissions/check", holdings(bad));
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["ok"], false);
    assert_eq!(r["rows"]["holdings.csv"], 3);
    let problems = r["problems"].as_array().unwrap();
    let at = |line: u64| {
        problems
            .iter()
            .find(|p| p["line"] == line)
            .unwrap_or_else(|| panic!("no problem at line {line}: {r}"))
    };
    assert_eq!(at(3)["field"], "holder");
    assert_eq!(at(3)["file"], "holdings.csv");
    assert_eq!(at(4)["field"], "quantity");
    // Submitting it is refused with the same problems; nothing is stored.
    let (code, e) = de.post("/api/submissions", holdings(bad));
    assert_eq!(
        (code, e["code"].as_str()),
        (422, Some("invalid_submission"))
    );
    assert!(e["problems"].as_array().unwrap().len() >= 2);
    assert_eq!(s.store.versions().unwrap().len(), 1);
    assert_eq!(get(&s, "/api/health").1["data_version"], 1);
    // A viewer may not submit; nor may the public.
    let pl = Browser::login(&s, "pl");
    // DE's part of the European total of long-range air defence (part_of).
    let good = "holder,capability,quantity,part_of,source\nDE,iamd-long,12,EUROPE,ministry of defence (test)\n";
    assert_eq!(pl.post("/api/submissions", holdings(good)).0, 403);
    assert_eq!(
        Browser::new(&s).post("/api/submissions", holdings(good)).0,
        401
    );
    // A submission needs a message.
    let (code, e) = de.post(
        "/api/submissions",
        json!({"files": [{"name": "holdings.csv", "text": good}]}),
    );
    assert_eq!((code, e["field"].as_str()), (400, Some("message")));

    // A good one becomes version 2 and is served at once.
    let before = get(&s, "/api/capabilities/iamd-long?at=2026-11-21").1;
    let (code, v) = de.post("/api/submissions", holdings(good));
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(get(&s, "/api/health").1["data_version"], 2);
    let after = get(&s, "/api/capabilities/iamd-long?at=2026-11-21").1;
    let scenario = handover_data::bundled().unwrap().scenario;
    let de_before: f64 = scenario
        .holdings
        .iter()
        .filter(|h| h.capability == "iamd-long" && h.holder == "DE")
        .map(|h| h.quantity)
        .sum();
    let level = |c: &Value| c["assessment"]["level"].as_f64().unwrap();
    // A national part is inside the total: the level stays, the part moves.
    assert!(de_before > 0.0, "the bundled data has DE's part");
    assert_eq!(level(&after), level(&before));
    let part = |c: &Value| {
        c["assessment"]["parts"][0]["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0] == "DE")
            .map(|p| p[1].as_f64().unwrap())
    };
    assert_eq!(part(&before), Some(de_before));
    assert_eq!(part(&after), Some(12.0));
    assert!(after["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["holder"] == "DE" && h["quantity"] == 12.0));

    // The history and the audit log say who, when, what and which version.
    let (_, versions) = de.get("/api/versions");
    let v2 = &versions[0];
    assert_eq!(
        (
            v2["version"].as_i64(),
            v2["author"].as_str(),
            v2["nation"].as_str()
        ),
        (Some(2), Some("de"), Some("DE"))
    );
    assert_eq!(v2["files"], json!(["holdings.csv"]));
    assert_eq!(v2["current"], true);
    assert_eq!(versions[1]["version"], 1);
    let (_, audit) = de.get("/api/audit");
    let submit = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "version.submit")
        .unwrap();
    assert_eq!(
        (submit["version"].as_i64(), submit["username"].as_str()),
        (Some(2), Some("de"))
    );
    // FR's users see that DE made version 2, not its message or author.
    let fr = Browser::login(&s, "fr");
    let (_, fr_versions) = fr.get("/api/versions");
    assert_eq!(
        (
            fr_versions[0]["nation"].as_str(),
            &fr_versions[0]["message"],
            &fr_versions[0]["author"]
        ),
        (Some("DE"), &Value::Null, &Value::Null)
    );
    assert!(v2["message"].is_string());
    assert!(
        fr_versions[1]["message"].is_string(),
        "the seed's is public"
    );
    // FR's users see FR's entries only; admins see all.
    let (_, fr_audit) = fr.get("/api/audit");
    assert!(fr_audit
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["nation"] == "FR"));
    // An account of no nation has no nation's entries: an empty list.
    s.store
        .create_user(None, "press", PASSWORD, None, &[Role::Viewer])
        .unwrap();
    let (code, none) = Browser::login(&s, "press").get("/api/audit");
    assert_eq!((code, none), (200, json!([])));
    let (_, all) = Browser::login(&s, "admin").get("/api/audit?limit=1000");
    assert!(all.as_array().unwrap().len() > audit.as_array().unwrap().len());
    // The file as submitted: to DE, not to FR, nor to an administrator.
    let r = de
        .agent
        .get(format!("{}/api/versions/2/files/holdings.csv", s.base))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.into_body().read_to_string().unwrap(), good);
    assert_eq!(fr.get("/api/versions/2/files/holdings.csv").0, 403);
    let (code, e) = Browser::login(&s, "admin").get("/api/versions/2/files/holdings.csv");
    assert_eq!((code, e["code"].as_str()), (403, Some("forbidden")));

    // A restart on the same file serves what was stored.
    // A second server on the same file (WAL: readers see what is committed).
    let again = start_on(&s.db, config());
    assert_eq!(get(&again, "/api/health").1["data_version"], 2);
    assert_eq!(
        level(&get(&again, "/api/capabilities/iamd-long?at=2026-11-21").1),
        level(&after)
    );
}

#[test]
fn national_figures_are_released_only_as_marked() {
    let s = start();
    let de = Browser::login(&s, "de");
    // DE holds infantry fighting vehicles (a capability with no group total,
    // so a national row makes the level), releasable to FR only.
    let text =
        "holder,capability,quantity,releasability,source\nDE,ifv,537.25,rel:FR,ministry (test)\n";
    let (code, v) = de.post("/api/submissions", holdings(text));
    assert_eq!(code, 201, "{v}");
    let public = get(&s, "/api/overview?at=2026-11-21").1;
    let iamd = capability(&public, "ifv");
    assert!(iamd["coverage"].is_null(), "{iamd}");
    assert!(
        iamd["suppressed"]
            .as_str()
            .unwrap()
            .contains("includes figures not released to you"),
        "{iamd}"
    );
    assert!(public["index"].is_null() && public["index_suppressed"].is_string());
    let (_, c) = get(&s, "/api/capabilities/ifv?at=2026-11-21");
    assert_eq!(c["disclosure"]["state"], "suppressed");
    assert!(c["assessment"]["level"].is_null() && c["forecast"].is_null());
    assert!(c["series"]["level"].is_null());
    assert!(c["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["holder"] != "DE"));
    assert_eq!(c["holdings_withheld"], true);
    let (_, a) = get(&s, "/api/assessment?at=2026-11-21");
    assert!(
        !a.to_string().contains("537.25"),
        "the hidden figure never appears"
    );
    // PL may not see it either; FR and DE see the figure.
    let pl = Browser::login(&s, "pl");
    assert!(capability(&pl.get("/api/overview?at=2026-11-21").1, "ifv")["coverage"].is_null());
    let fr = Browser::login(&s, "fr");
    let (_, c) = fr.get("/api/capabilities/ifv?at=2026-11-21");
    assert_eq!(c["disclosure"]["state"], "open");
    assert!(c["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["holder"] == "DE" && h["quantity"] == 537.25));
    assert!(capability(&de.get("/api/overview?at=2026-11-21").1, "ifv")["coverage"].is_number());
    // DE's page shows the public nothing of it; DE and FR see it.
    let (code, page) = get(&s, "/api/nations/DE?at=2026-11-21");
    assert_eq!(code, 200, "{page}");
    assert!(!page.to_string().contains("537.25"), "{page}");
    assert!(page["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["capability"] != "ifv"));
    let (_, page) = fr.get("/api/nations/DE?at=2026-11-21");
    assert!(page["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["capability"] == "ifv" && h["quantity"] == 537.25));
    // Planning rests on every record: refused to those who cannot see them all.
    let (code, e) = get(&s, "/api/plan?objective=cost");
    assert_eq!((code, e["code"].as_str()), (403, Some("suppressed")));
}

#[test]
fn a_submission_is_not_told_about_records_it_may_not_see() {
    let s = start();
    // FR orders from DE's IRIS-T line, marked for FR only.
    let fr = Browser::login(&s, "fr");
    let order = "id,buyer,line,quantity,date,releasability,source\nfr-secret-order,FR,iris-t-missiles-de,50,2026-03-01,national,test\n";
    let (code, v) = fr.post(
        "/api/submissions",
        json!({"files": [{"name": "orders.csv", "text": order}], "message": "FR order"}),
    );
    assert_eq!(code, 201, "{v}");
    // DE withdraws its lines: FR's order breaks, but DE is not told whose.
    let de = Browser::login(&s, "de");
    let header = "id,capability,nation,lead_time_months,source\n";
    let (code, r) = de.post(
        "/api/submissions/check",
        json!({"files": [{"name": "lines.csv", "text": header}]}),
    );
    assert_eq!(code, 200);
    assert_eq!(r["ok"], false);
    let text = r.to_string();
    assert!(!text.contains("fr-secret-order"), "{text}");
    assert!(text.contains("not released to you"), "{text}");
    // DE's own broken rows are named in full.
    assert!(text.contains("leopard-2a8-de"), "{text}");
    // The warnings of other nations' rows are not passed on.
    assert!(r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["severity"] == "error" || p["file"] == "lines.csv"));
}

/// A nation's page: its national parts, orders with their projected
/// deliveries, lines on its soil, spending against 3.5 % and what it
/// contributes, computed from the bundled rows of that nation.
#[test]
fn a_nations_page_lists_its_rows_and_contributions() {
    let s = start();
    let (code, n) = get(&s, "/api/nations/DE?at=2026-11-21");
    assert_eq!(code, 200, "{n}");
    assert_eq!(
        (n["code"].as_str(), n["european"].as_bool()),
        (Some("DE"), Some(true))
    );
    assert_eq!(n["spending_goal"], 3.5);
    let scenario = handover_data::bundled().unwrap().scenario;
    let mine = |h: &&handover_core::scenario::Holding| h.holder == "DE";
    let held: Vec<(String, f64)> = scenario
        .holdings
        .iter()
        .filter(mine)
        .map(|h| (h.capability.clone(), h.quantity))
        .collect();
    assert!(!held.is_empty());
    let shown: Vec<(String, f64)> = n["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["capability"].as_str().unwrap().to_string(),
                h["quantity"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shown, held);
    // Contributions add the rows up: iamd-long is DE's part of the EUROPE total.
    let iamd = n["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["capability"] == "iamd-long")
        .unwrap()
        .clone();
    let part = held.iter().find(|(c, _)| c == "iamd-long").unwrap().1;
    assert_eq!(iamd["held"].as_f64(), Some(part));
    assert_eq!(iamd["part_of_totals"].as_f64(), Some(part));
    let open: f64 = scenario
        .orders
        .iter()
        .filter(|o| o.buyer == "DE" && o.line == "patriot-us")
        .map(|o| o.quantity - o.delivered)
        .sum();
    assert_eq!(iamd["on_order"].as_f64(), Some(open));
    // Orders carry the projection's dates; lines are those on German soil.
    let orders = n["orders"].as_array().unwrap();
    let o = orders
        .iter()
        .find(|o| o["id"] == "de-patriot-2024")
        .unwrap();
    assert!(o["first_delivery"].is_string(), "{o}");
    let lines: Vec<&str> = n["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = scenario
        .lines
        .iter()
        .filter(|l| l.nation == "DE")
        .map(|l| l.id.as_str())
        .collect();
    assert_eq!(lines, want);
    let y2024 = n["spending"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["year"] == 2024)
        .unwrap()
        .clone();
    let pct = y2024["defence_pct_gdp"].as_f64().unwrap();
    assert!((y2024["short_of_goal"].as_f64().unwrap() - (3.5 - pct).max(0.0)).abs() < 1e-12);
    // An unknown code: 404 with a suggestion among the nations released.
    let (code, e) = get(&s, "/api/nations/DX");
    assert_eq!((code, e["code"].as_str()), (404, Some("not_found")));
    assert!(
        e["message"].as_str().unwrap().contains("did you mean"),
        "{e}"
    );
}
