//! Failed logins as an attacker would send them, against a real server on
//! loopback: failures from one address cannot lock a user out of another,
//! and a flood of failures writes a bounded number of audit rows.
//!
//! Other addresses are real: Linux routes all of 127.0.0.0/8 to loopback,
//! so a socket bound to 127.0.0.2 reaches the server on 127.0.0.1 from a
//! different client address.

mod common;

use common::{agent, read, start_on, Server};
use handover_server::Config;
use handover_store::{Role, Store};
use serde_json::json;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "correct horse battery";

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start_on(&dir.path().join("h.db"), Config::default());
    for (name, nation, roles) in [
        ("admin", None, vec![Role::Admin, Role::Viewer]),
        ("fr", Some("FR"), vec![Role::Viewer]),
    ] {
        s.store
            .create_user(None, name, PASSWORD, nation, &roles)
            .unwrap();
    }
    s.dir = Some(dir);
    s
}

/// `POST /api/login` sent from client address `from`: the status.
fn login_from(s: &Server, from: &str, user: &str, password: &str) -> u16 {
    let to: SocketAddr = s.base.trim_start_matches("http://").parse().unwrap();
    let body = json!({"username": user, "password": password}).to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(format!("{from}:0").parse().unwrap())
            .unwrap_or_else(|e| panic!("cannot bind a client socket to {from}: {e}"));
        let mut stream = socket.connect(to).await.unwrap();
        let request = format!(
            "POST /api/login HTTP/1.1\r\nHost: {to}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"))
    })
}

fn login(s: &Server, user: &str, password: &str) -> u16 {
    let r = agent()
        .post(format!("{}/api/login", s.base))
        .send_json(json!({"username": user, "password": password}))
        .unwrap();
    read(r, "login").0
}

#[test]
fn failures_from_another_address_do_not_lock_a_user_out() {
    let s = start();
    // The attacker at 127.0.0.2 fails the administrator's and fr's logins
    // until it is throttled.
    let mut statuses = vec![];
    for i in 0..30 {
        let user = if i % 2 == 0 { "admin" } else { "fr" };
        statuses.push(login_from(&s, "127.0.0.2", user, "wrong password!"));
    }
    assert!(statuses[..5].iter().all(|&c| c == 401), "{statuses:?}");
    assert!(
        statuses.contains(&429),
        "the attacker is throttled: {statuses:?}"
    );
    // From there even the right password is refused for now ...
    assert_eq!(login_from(&s, "127.0.0.2", "admin", PASSWORD), 429);
    // ... but the users log in from their own address.
    assert_eq!(login(&s, "admin", PASSWORD), 200);
    assert_eq!(login(&s, "fr", PASSWORD), 200);
    assert_eq!(login_from(&s, "127.0.0.3", "fr", PASSWORD), 200);
}

#[test]
fn a_flood_of_failed_logins_writes_a_bounded_audit_log() {
    let s = start();
    let before = s.store.audit(None, 1_000_000).unwrap().len();
    let agent = agent();
    let mut blocked = 0;
    for i in 0..10_000 {
        let r = agent
            .post(format!("{}/api/login", s.base))
            .send_json(
                json!({"username": format!("user{}", i % 50), "password": "wrong password!"}),
            )
            .unwrap();
        let code = r.status().as_u16();
        assert!(code == 401 || code == 429, "attempt {i}: {code}");
        blocked += usize::from(code == 429);
    }
    let rows = s.store.audit(None, 1_000_000).unwrap();
    let failures: Vec<_> = rows[..rows.len() - before]
        .iter()
        .filter(|e| e.action.starts_with("login."))
        .collect();
    // 20 failures per address per window (5 per user name and address,
    // 4 times that per address), then one row for all blocked tries.
    assert!(blocked >= 9_900, "blocked {blocked}");
    assert!(
        failures.len() <= 21,
        "{} audit rows for 10,000 failed logins: {:?}",
        failures.len(),
        failures.iter().map(|e| &e.action).collect::<Vec<_>>()
    );
    assert_eq!(
        failures
            .iter()
            .filter(|e| e.action == "login.blocked")
            .count(),
        1
    );
}
