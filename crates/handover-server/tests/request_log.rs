//! The request log: one `tracing` event per request with method, path (no
//! query string), status, latency and the caller's nation, and never a
//! token, cookie, password or CSRF value. Its own test binary, as it
//! installs the global subscriber that collects the events.

mod common;

use common::{agent, start_on};
use handover_server::Config;
use handover_store::{Role, Store};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

const PASSWORD: &str = "correct horse battery";

#[test]
fn each_request_is_logged_once_with_method_path_status_and_nation_but_no_secret() {
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .init();

    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        today: Some("2026-11-21".parse().unwrap()),
        ..Config::default()
    };
    let s = start_on(&dir.path().join("handover.db"), config);
    let user = s
        .store
        .create_user(None, "de", PASSWORD, Some("DE"), &[Role::Viewer])
        .unwrap();
    let token = s.store.create_token(&user, "test").unwrap();

    let r = agent()
        .get(format!("{}/api/overview?at=2027-01-01", s.base))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    // A login: its password, session cookie and CSRF token must not be logged.
    let mut r = agent()
        .post(format!("{}/api/login", s.base))
        .send_json(json!({"username": "de", "password": PASSWORD}))
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me: serde_json::Value = r.body_mut().read_json().unwrap();
    let csrf = me["csrf"].as_str().unwrap().to_string();
    let r = agent()
        .post(format!("{}/api/logout", s.base))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .send("")
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = agent()
        .get(format!("{}/api/nothing?secret=1", s.base))
        .call()
        .unwrap();
    assert_eq!(r.status(), 404);
    drop(s);

    let text = log.text();
    let requests: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("handover_server::request"))
        .collect();
    let overview: Vec<&&str> = requests
        .iter()
        .filter(|l| l.contains("path=/api/overview"))
        .collect();
    assert_eq!(overview.len(), 1, "one event per request:\n{text}");
    let line = overview[0];
    for part in ["method=GET", "status=200", "latency_ms=", "nation=DE"] {
        assert!(line.contains(part), "{part} in {line}");
    }
    assert!(!line.contains("at=2027"), "no query string: {line}");
    assert!(
        requests.iter().any(|l| l.contains("method=POST")
            && l.contains("path=/api/login")
            && l.contains("status=200")),
        "{text}"
    );
    assert!(
        requests
            .iter()
            .any(|l| l.contains("path=/api/nothing") && l.contains("status=404")),
        "{text}"
    );
    assert!(!text.contains("secret=1"), "{text}");
    let session = cookie.split('=').nth(1).unwrap();
    for (what, secret) in [
        ("bearer token", token.as_str()),
        ("password", PASSWORD),
        ("session cookie", session),
        ("CSRF token", csrf.as_str()),
    ] {
        assert!(!text.contains(secret), "the {what} is in the log:\n{text}");
    }
}
