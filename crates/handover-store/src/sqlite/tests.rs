//! Tests on a real SQLite file in a temporary folder.

use std::sync::Arc;

use chrono::DateTime;
use rusqlite::Connection;
use tempfile::TempDir;

use super::*;
use crate::SCHEMA_VERSION;

const PW: &str = "correct horse battery";

fn store() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    (dir, s)
}

/// A second, plain connection on the store's file, as an intruder would use.
fn raw(s: &SqliteStore) -> Connection {
    Connection::open(s.path()).unwrap()
}

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid { field, .. } => field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn count(s: &SqliteStore, table: &str) -> i64 {
    s.conn()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn is_timestamp(t: &str) {
    assert_eq!(t.len(), 20, "{t}");
    assert!(t.ends_with('Z'), "{t}");
    DateTime::parse_from_rfc3339(t).unwrap();
}

fn alice(s: &SqliteStore) -> User {
    s.create_user(
        None,
        "alice",
        PW,
        Some("FR"),
        &[Role::Submitter, Role::Viewer],
    )
    .unwrap()
}

fn files(names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|n| (n.to_string(), format!("text of {n}")))
        .collect()
}

// ---- opening, schema, pragmas ----

#[test]
fn open_sets_wal_foreign_keys_sync_and_schema_version() {
    let (_dir, s) = store();
    let conn = s.conn();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    let sync: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "FULL");
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    drop(conn);
    // WAL is a property of the file: a plain connection sees it too.
    let mode: String = raw(&s)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(format!("{s:?}").contains("store.db"));
}

#[test]
fn reopening_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let s = SqliteStore::open(&path).unwrap();
        alice(&s);
    }
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.user_count().unwrap(), 1);
}

#[test]
fn a_newer_schema_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let e = SqliteStore::open(&path).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, StoreError::Internal(_)), "{e:?}");
    assert!(msg.contains("newer"), "{msg}");
    assert!(
        msg.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
        "{msg}"
    );
}

#[test]
fn a_foreign_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE things (x)")
        .unwrap();
    let msg = SqliteStore::open(&path).unwrap_err().to_string();
    assert!(msg.contains("not a handover store"), "{msg}");
}

#[test]
fn a_file_that_is_not_sqlite_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.db");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Database(_))
    ));
}

// ---- users ----

#[test]
fn create_and_look_up_users() {
    let (_dir, s) = store();
    assert_eq!(s.user_count().unwrap(), 0);
    let admin = s
        .create_user(None, "root", PW, None, &[Role::Admin])
        .unwrap();
    let a = s
        .create_user(
            Some(&admin),
            "alice",
            PW,
            Some("FR"),
            &[Role::Submitter, Role::Viewer, Role::Submitter],
        )
        .unwrap();
    assert_eq!(
        a.roles,
        vec![Role::Viewer, Role::Submitter],
        "sorted, deduplicated"
    );
    assert_eq!(a.nation.as_deref(), Some("FR"));
    is_timestamp(&a.created_at);
    assert!(a.has(Role::Viewer) && a.has(Role::Submitter) && !a.has(Role::Admin));
    assert!(
        admin.has(Role::Admin) && !admin.has(Role::Viewer),
        "admin implies nothing"
    );
    assert_eq!(s.user_count().unwrap(), 2);
    assert_eq!(s.user("alice").unwrap(), Some(a.clone()));
    assert_eq!(s.user("nobody").unwrap(), None);
    assert_eq!(s.user("Not Valid!").unwrap(), None);
    let names: Vec<_> = s.users().unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["alice", "root"]);
    let none = s.create_user(None, "nobody", PW, None, &[]).unwrap();
    assert!(none.roles.is_empty());
    assert_eq!(s.user("nobody").unwrap().unwrap().roles, vec![]);
}

#[test]
fn passwords_are_stored_as_argon2id() {
    let (_dir, s) = store();
    alice(&s);
    let stored: String = raw(&s)
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
    assert!(!stored.contains(PW));
}

#[test]
fn verify_right_wrong_and_unknown() {
    let (_dir, s) = store();
    let a = alice(&s);
    assert_eq!(s.verify_password("alice", PW).unwrap(), Some(a));
    assert_eq!(
        s.verify_password("alice", "correct horse batterY").unwrap(),
        None
    );
    assert_eq!(s.verify_password("alice", "").unwrap(), None);
    assert_eq!(s.verify_password("bob", PW).unwrap(), None);
    assert_eq!(s.verify_password("", "").unwrap(), None);
}

#[test]
fn a_taken_username_is_a_conflict_and_records_nothing() {
    let (_dir, s) = store();
    alice(&s);
    let e = s
        .create_user(
            None,
            "alice",
            "another long password",
            None,
            &[Role::Viewer],
        )
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict { field, message } if field == "username" && message.contains("alice")),
        "{e:?}"
    );
    assert_eq!(s.user_count().unwrap(), 1);
    assert_eq!(s.audit(None, 100).unwrap().len(), 1);
}

#[test]
fn bad_user_input_is_invalid_naming_the_field() {
    let (_dir, s) = store();
    let cases: [(&str, &str, Option<&str>, &str); 7] = [
        ("Bob!", PW, None, "username"),
        ("", PW, None, "username"),
        (&"x".repeat(65), PW, None, "username"),
        ("bob", "short", None, "password"),
        ("bob", "elevenchars", None, "password"),
        ("bob", PW, Some("fr"), "nation"),
        ("bob", PW, Some("FRA"), "nation"),
    ];
    for (u, p, n, field) in cases {
        let e = s.create_user(None, u, p, n, &[Role::Viewer]).unwrap_err();
        assert_eq!(field_of(e), field, "{u:?} {p:?} {n:?}");
    }
    let msg = s
        .create_user(None, "Bob!", PW, None, &[])
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "username: `Bob!` may contain only a-z, 0-9, '.', '_' and '-'"
    );
    assert_eq!(s.user_count().unwrap(), 0);
    assert!(s.audit(None, 10).unwrap().is_empty());
}

#[test]
fn user_create_is_audited_with_the_actor() {
    let (_dir, s) = store();
    let root = s
        .create_user(None, "root", PW, Some("DE"), &[Role::Admin])
        .unwrap();
    s.create_user(Some(&root), "alice", PW, Some("FR"), &[Role::Viewer])
        .unwrap();
    let log = s.audit(None, 10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].action, "user.create");
    assert_eq!(log[0].username.as_deref(), Some("root"));
    assert_eq!(log[0].nation.as_deref(), Some("DE"));
    assert!(log[0].detail.contains("`alice`"), "{}", log[0].detail);
    assert!(log[0].detail.contains("FR"), "{}", log[0].detail);
    assert_eq!(
        log[1].username, None,
        "the first admin is created by the system"
    );
    assert!(log[0].id > log[1].id);
    is_timestamp(&log[0].at);
}

// ---- sessions ----

#[test]
fn sessions_create_look_up_and_delete() {
    let (_dir, s) = store();
    let a = alice(&s);
    let new = s.create_session(&a, chrono::Duration::hours(8)).unwrap();
    assert_eq!(new.token.len(), 64);
    assert_eq!(new.csrf.len(), 64);
    assert_ne!(new.token, new.csrf);
    is_timestamp(&new.expires_at);
    let (u, csrf) = s.session(&new.token).unwrap().unwrap();
    assert_eq!(u, a);
    assert_eq!(csrf, new.csrf);
    assert_eq!(s.session("not a token").unwrap(), None);
    assert_eq!(s.session("").unwrap(), None);

    // Only the SHA-256 of the token is stored.
    let stored: String = raw(&s)
        .query_row("SELECT token_sha256 FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, secret::sha256_hex(&new.token));
    assert_ne!(stored, new.token);

    let other = s.create_session(&a, chrono::Duration::hours(8)).unwrap();
    assert_ne!(other.token, new.token);
    s.delete_session(&new.token).unwrap();
    assert_eq!(s.session(&new.token).unwrap(), None);
    assert!(
        s.session(&other.token).unwrap().is_some(),
        "only that one ended"
    );
    s.delete_session(&new.token).unwrap();
    s.delete_session("never existed").unwrap();
}

#[test]
fn expired_sessions_are_not_returned_and_are_purged() {
    let (_dir, s) = store();
    let a = alice(&s);
    let zero = s.create_session(&a, chrono::Duration::zero()).unwrap();
    let past = s
        .create_session(&a, chrono::Duration::seconds(-60))
        .unwrap();
    assert_eq!(s.session(&zero.token).unwrap(), None);
    assert_eq!(s.session(&past.token).unwrap(), None);
    let live = s.create_session(&a, chrono::Duration::minutes(5)).unwrap();
    assert!(s.session(&live.token).unwrap().is_some());
    assert_eq!(count(&s, "sessions"), 1, "expired ones purged");
}

#[test]
fn an_absurd_ttl_is_invalid() {
    let (_dir, s) = store();
    let a = alice(&s);
    for ttl in [
        chrono::Duration::MAX,
        chrono::Duration::MIN,
        chrono::Duration::days(9000 * 366),
    ] {
        assert_eq!(field_of(s.create_session(&a, ttl).unwrap_err()), "ttl");
    }
}

#[test]
fn debug_of_a_session_redacts_its_secrets() {
    let (_dir, s) = store();
    let a = alice(&s);
    let new = s.create_session(&a, chrono::Duration::hours(1)).unwrap();
    let dbg = format!("{new:?}");
    assert!(
        !dbg.contains(&new.token) && !dbg.contains(&new.csrf),
        "{dbg}"
    );
    assert!(
        dbg.contains("redacted") && dbg.contains(&new.expires_at),
        "{dbg}"
    );
}

// ---- API tokens ----

#[test]
fn api_tokens() {
    let (_dir, s) = store();
    let a = alice(&s);
    let t = s.create_token(&a, "nightly import").unwrap();
    assert_eq!(t.len(), 64);
    assert_eq!(s.token_user(&t).unwrap(), Some(a.clone()));
    assert_eq!(s.token_user("nope").unwrap(), None);
    let stored: String = raw(&s)
        .query_row("SELECT token_sha256 FROM api_tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, secret::sha256_hex(&t));
    // A session token is not an API token, nor the other way round.
    assert_eq!(s.session(&t).unwrap(), None);

    let e = s.create_token(&a, "nightly import").unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict { field, .. } if field == "name"),
        "{e:?}"
    );
    assert_eq!(field_of(s.create_token(&a, "").unwrap_err()), "name");
    assert_eq!(
        field_of(s.create_token(&a, &"n".repeat(65)).unwrap_err()),
        "name"
    );
    let t2 = s.create_token(&a, "another").unwrap();
    assert_ne!(t, t2);

    let log = s.audit(None, 10).unwrap();
    let tokens: Vec<_> = log.iter().filter(|e| e.action == "token.create").collect();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[1].username.as_deref(), Some("alice"));
    assert_eq!(tokens[1].nation.as_deref(), Some("FR"));
    assert!(tokens[1].detail.contains("nightly import"));
    assert!(
        !log.iter().any(|e| e.detail.contains(&t)),
        "the token is not logged"
    );
}

#[test]
fn api_tokens_expire_and_are_revoked_by_their_owner_or_an_admin() {
    let (_dir, s) = store();
    let a = alice(&s);
    let b = s
        .create_user(None, "bob", PW, Some("DE"), &[Role::Viewer])
        .unwrap();
    let admin = s
        .create_user(None, "root", PW, None, &[Role::Admin])
        .unwrap();
    let (t, id) = s
        .create_token_for(&a, "script", chrono::Duration::days(30))
        .unwrap();
    let listed = s.tokens(Some(&a)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id, listed[0].name.as_str()), (id, "script"));
    let expires = listed[0].expires_at.clone().unwrap();
    is_timestamp(&expires);
    let made = DateTime::parse_from_rfc3339(&listed[0].created_at).unwrap();
    let until = DateTime::parse_from_rfc3339(&expires).unwrap();
    assert_eq!(until - made, chrono::Duration::days(30));
    assert!(s.tokens(Some(&b)).unwrap().is_empty());
    assert_eq!(s.tokens(None).unwrap().len(), 1);
    // Bad lifetimes are refused.
    for days in [0, -1, crate::MAX_TOKEN_DAYS + 1] {
        let e = s
            .create_token_for(&a, "x", chrono::Duration::days(days))
            .unwrap_err();
        assert_eq!(field_of(e), "expires_in_days");
    }
    // Someone else cannot revoke it; its owner can, once.
    assert!(!s.revoke_token(&b, id, false).unwrap());
    assert_eq!(s.token_user(&t).unwrap(), Some(a.clone()));
    assert!(s.revoke_token(&a, id, false).unwrap());
    assert_eq!(
        s.token_user(&t).unwrap(),
        None,
        "a revoked token stops working"
    );
    assert!(!s.revoke_token(&a, id, false).unwrap());
    assert!(s.tokens(Some(&a)).unwrap()[0].revoked_at.is_some());
    // An administrator revokes anyone's.
    let (t2, id2) = s
        .create_token_for(&a, "other", chrono::Duration::days(1))
        .unwrap();
    assert!(s.revoke_token(&admin, id2, true).unwrap());
    assert_eq!(s.token_user(&t2).unwrap(), None);
    let log = s.audit(None, 20).unwrap();
    let revoked: Vec<_> = log.iter().filter(|e| e.action == "token.revoke").collect();
    assert_eq!(revoked.len(), 2);
    assert_eq!(revoked[0].username.as_deref(), Some("root"));
    assert_eq!(
        revoked[0].nation.as_deref(),
        Some("FR"),
        "under the owner's nation"
    );
    // An expired token stops working.
    let (t3, id3) = s
        .create_token_for(&a, "short", chrono::Duration::days(1))
        .unwrap();
    raw(&s)
        .execute(
            "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE id = ?1",
            [id3],
        )
        .unwrap();
    assert_eq!(s.token_user(&t3).unwrap(), None);
}

// ---- versions ----

#[test]
fn versions_increase_and_read_back() {
    let (_dir, s) = store();
    assert_eq!(s.latest_version().unwrap(), None);
    assert!(s.versions().unwrap().is_empty());
    let a = alice(&s);
    let v1 = s
        .add_version(None, None, "bundled public data", r#"{"v":1}"#, "h1", &[])
        .unwrap();
    let v2 = s
        .add_version(
            Some(&a),
            Some("FR"),
            "French update",
            r#"{"v":2}"#,
            "h2",
            &files(&["scenario.toml", "capabilities.csv", "assets.csv"]),
        )
        .unwrap();
    let v3 = s
        .add_version(
            Some(&a),
            None,
            "again",
            r#"{"v":3}"#,
            "h3",
            &files(&["a.csv"]),
        )
        .unwrap();
    assert_eq!((v1, v2, v3), (1, 2, 3));
    assert_eq!(s.latest_version().unwrap(), Some((3, r#"{"v":3}"#.into())));
    assert_eq!(s.version_json(2).unwrap().as_deref(), Some(r#"{"v":2}"#));
    assert_eq!(s.version_json(9).unwrap(), None);
    assert_eq!(
        s.version_file(2, "capabilities.csv").unwrap().as_deref(),
        Some("text of capabilities.csv")
    );
    assert_eq!(s.version_file(2, "missing.csv").unwrap(), None);
    assert_eq!(s.version_file(1, "capabilities.csv").unwrap(), None);

    let list = s.versions().unwrap();
    assert_eq!(
        list.iter().map(|v| v.version).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    let two = &list[1];
    assert_eq!(two.author.as_deref(), Some("alice"));
    assert_eq!(two.nation.as_deref(), Some("FR"));
    assert_eq!(two.message, "French update");
    assert_eq!(two.hash, "h2");
    assert_eq!(
        two.files,
        ["scenario.toml", "capabilities.csv", "assets.csv"],
        "order kept"
    );
    is_timestamp(&two.created_at);
    assert_eq!(list[2].author, None);
    assert!(list[2].files.is_empty());

    let log = s.audit(None, 10).unwrap();
    let seed = log.iter().find(|e| e.version == Some(1)).unwrap();
    assert_eq!(seed.action, "version.seed");
    assert_eq!(seed.username, None);
    let submit = log.iter().find(|e| e.version == Some(2)).unwrap();
    assert_eq!(submit.action, "version.submit");
    assert_eq!(submit.username.as_deref(), Some("alice"));
    assert_eq!(submit.nation.as_deref(), Some("FR"));
    assert!(submit.detail.contains("French update") && submit.detail.contains("capabilities.csv"));
    let three = log.iter().find(|e| e.version == Some(3)).unwrap();
    assert_eq!(
        three.nation.as_deref(),
        Some("FR"),
        "falls back to the author's nation"
    );
}

#[test]
fn add_version_rolls_back_everything_on_failure() {
    let (_dir, s) = store();
    let a = alice(&s);
    let audit_before = s.audit(None, 100).unwrap();
    // The duplicate name is refused by the database after the version row
    // and its audit entry were inserted: the transaction must undo both.
    let e = s
        .add_version(
            Some(&a),
            Some("FR"),
            "broken",
            "{}",
            "h",
            &files(&["a.csv", "b.csv", "a.csv"]),
        )
        .unwrap_err();
    let msg = e.to_string();
    assert_eq!(field_of(e), "files");
    assert!(msg.contains("`a.csv` is given more than once"), "{msg}");
    assert_eq!(s.latest_version().unwrap(), None);
    assert!(s.versions().unwrap().is_empty());
    assert_eq!(s.version_json(1).unwrap(), None);
    assert_eq!(s.version_file(1, "a.csv").unwrap(), None);
    assert_eq!(count(&s, "versions"), 0);
    assert_eq!(count(&s, "version_files"), 0);
    assert_eq!(s.audit(None, 100).unwrap(), audit_before);
    // The number was not used up.
    assert_eq!(
        s.add_version(Some(&a), None, "ok", "{}", "h", &files(&["a.csv"]))
            .unwrap(),
        1
    );
}

#[test]
fn bad_version_input_is_invalid_naming_the_field() {
    let (_dir, s) = store();
    let cases = [
        (Some("fr"), "{}", "h", vec![], "nation"),
        (None, "{not json", "h", vec![], "scenario_json"),
        (None, "", "h", vec![], "scenario_json"),
        (None, "{}", " ", vec![], "hash"),
        (None, "{}", "h", files(&[""]), "files"),
    ];
    for (nation, json, hash, fs, field) in cases {
        let e = s
            .add_version(None, nation, "m", json, hash, &fs)
            .unwrap_err();
        assert_eq!(field_of(e), field);
    }
    assert_eq!(count(&s, "versions"), 0);
    assert!(s.audit(None, 10).unwrap().is_empty());
}

// ---- immutability ----

fn assert_refused(conn: &Connection, sql: &str) {
    let e = conn.execute(sql, []).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("append-only") || msg.contains("immutable"),
        "{sql}: {msg}"
    );
}

#[test]
fn audit_versions_and_files_are_append_only() {
    let (_dir, s) = store();
    let a = alice(&s);
    s.add_version(Some(&a), Some("FR"), "m", "{}", "h", &files(&["a.csv"]))
        .unwrap();
    let before = s.audit(None, 100).unwrap();
    let statements = [
        "UPDATE audit SET detail = 'forged'",
        "DELETE FROM audit",
        "INSERT OR REPLACE INTO audit (id, at, action, detail) VALUES (1, 'x', 'forged', 'x')",
        "UPDATE versions SET message = 'forged'",
        "DELETE FROM versions",
        "INSERT OR REPLACE INTO versions (version, created_at, message, scenario_json, hash) VALUES (1, 'x', 'x', '{}', 'x')",
        "UPDATE version_files SET text = 'forged'",
        "DELETE FROM version_files",
        "INSERT OR REPLACE INTO version_files (version, position, name, text) VALUES (1, 0, 'a.csv', 'forged')",
    ];
    // On the store's own connection, and on a plain one: the triggers are in
    // the file, not in this code.
    for sql in statements {
        assert_refused(&s.conn(), sql);
        assert_refused(&raw(&s), sql);
    }
    assert_eq!(s.audit(None, 100).unwrap(), before);
    assert_eq!(
        s.version_file(1, "a.csv").unwrap().as_deref(),
        Some("text of a.csv")
    );
    assert_eq!(s.versions().unwrap()[0].message, "m");
}

// ---- audit ----

#[test]
fn record_and_filter_the_audit_log() {
    let (_dir, s) = store();
    s.record(Some("alice"), Some("FR"), "login", "from 10.0.0.1", None)
        .unwrap();
    s.record(Some("mallory"), None, "login.failed", "unknown user", None)
        .unwrap();
    s.record(Some("bob"), Some("DE"), "login", "", None)
        .unwrap();
    s.record(Some("alice"), Some("FR"), "logout", "", None)
        .unwrap();

    let all = s.audit(None, 100).unwrap();
    assert_eq!(
        all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["logout", "login", "login.failed", "login"],
        "newest first"
    );
    assert_eq!(all[2].username.as_deref(), Some("mallory"));
    assert_eq!(all[2].nation, None);
    let fr = s.audit(Some("FR"), 100).unwrap();
    assert_eq!(fr.len(), 2);
    assert!(fr.iter().all(|e| e.nation.as_deref() == Some("FR")));
    assert_eq!(fr[0].action, "logout");
    assert!(s.audit(Some("PL"), 100).unwrap().is_empty());
    assert_eq!(s.audit(None, 2).unwrap(), all[..2].to_vec());
    assert!(s.audit(None, 0).unwrap().is_empty());
    assert_eq!(s.audit(None, usize::MAX).unwrap().len(), 4);
    assert_eq!(field_of(s.audit(Some("france"), 1).unwrap_err()), "nation");
}

#[test]
fn record_checks_its_input() {
    let (_dir, s) = store();
    assert_eq!(
        field_of(s.record(None, None, "", "", None).unwrap_err()),
        "action"
    );
    assert_eq!(
        field_of(s.record(None, None, "Log In", "", None).unwrap_err()),
        "action"
    );
    assert_eq!(
        field_of(s.record(None, Some("x"), "login", "", None).unwrap_err()),
        "nation"
    );
    assert_eq!(
        field_of(s.record(None, None, "view", "", Some(1)).unwrap_err()),
        "version"
    );
    s.add_version(None, None, "seed", "{}", "h", &[]).unwrap();
    s.record(Some("alice"), None, "version.view", "", Some(1))
        .unwrap();
    assert_eq!(s.audit(None, 1).unwrap()[0].version, Some(1));
}

// ---- several handles, threads ----

#[test]
fn two_handles_on_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let a = SqliteStore::open(&path).unwrap();
    let b = SqliteStore::open(&path).unwrap();
    let v = a
        .add_version(None, None, "seed", r#"{"x":1}"#, "h", &files(&["f.csv"]))
        .unwrap();
    assert_eq!(b.latest_version().unwrap(), Some((v, r#"{"x":1}"#.into())));
    assert_eq!(
        b.version_file(v, "f.csv").unwrap().as_deref(),
        Some("text of f.csv")
    );
    assert_eq!(
        b.add_version(None, None, "second", "{}", "h", &[]).unwrap(),
        2
    );
    assert_eq!(a.latest_version().unwrap().unwrap().0, 2);
    assert_eq!(a.audit(None, 10).unwrap(), b.audit(None, 10).unwrap());
}

#[test]
fn a_commit_survives_a_handle_that_never_closed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let a = SqliteStore::open(&path).unwrap();
    a.add_version(None, None, "seed", r#"{"x":1}"#, "h", &[])
        .unwrap();
    // No close, no checkpoint: the commit is only in the WAL file.
    std::mem::forget(a);
    assert!(dir.path().join("store.db-wal").exists());
    let b = SqliteStore::open(&path).unwrap();
    assert_eq!(b.latest_version().unwrap(), Some((1, r#"{"x":1}"#.into())));
}

#[test]
fn the_store_is_object_safe_and_shared_across_threads() {
    let (_dir, s) = store();
    let s: Arc<dyn Store> = Arc::new(s);
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                (0..5)
                    .map(|j| {
                        s.add_version(None, None, &format!("{i}/{j}"), "{}", "h", &[])
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<i64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, (1..=20).collect::<Vec<_>>());
}

// ---- roles ----

#[test]
fn roles_display_parse_and_serialize() {
    for r in Role::ALL {
        assert_eq!(r.to_string().parse::<Role>().unwrap(), r);
    }
    assert_eq!(Role::Submitter.to_string(), "submitter");
    assert_eq!(field_of("Admin".parse::<Role>().unwrap_err()), "role");
    assert_eq!(field_of("".parse::<Role>().unwrap_err()), "role");
    assert!(Role::Viewer < Role::Submitter && Role::Submitter < Role::Admin);
}

#[test]
fn setting_a_password_ends_the_sessions_and_is_audited() {
    let (_d, s) = store();
    let u = alice(&s);
    let session = s.create_session(&u, chrono::Duration::hours(1)).unwrap();
    assert!(s.session(&session.token).unwrap().is_some());
    assert!(s
        .set_password("alice", "another long password", "test")
        .unwrap());
    assert!(s.session(&session.token).unwrap().is_none());
    assert!(s.verify_password("alice", PW).unwrap().is_none());
    assert!(s
        .verify_password("alice", "another long password")
        .unwrap()
        .is_some());
    let last = &s.audit(None, 1).unwrap()[0];
    assert_eq!(
        (last.action.as_str(), last.username.as_deref()),
        ("user.password", Some("alice"))
    );
    // An unknown user, and a password the rules refuse.
    assert!(!s
        .set_password("bob", "another long password", "test")
        .unwrap());
    assert_eq!(
        field_of(s.set_password("alice", "short", "t").unwrap_err()),
        "password"
    );
}
