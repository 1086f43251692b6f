//! The database schema and its migrations, versioned with `PRAGMA user_version`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// Migrations in order: entry `i` takes the schema from version `i` to `i + 1`.
/// Never edit one that has shipped; append a new one.
const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 1: users and roles, sessions, API tokens, versions and their files,
/// the audit log; triggers make versions, files and audit entries immutable.
const V1: &str = r#"
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    nation        TEXT CHECK (nation IS NULL OR (length(nation) = 2 AND nation GLOB '[A-Z][A-Z]')),
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('viewer', 'submitter', 'admin')),
    PRIMARY KEY (user_id, role)
) STRICT, WITHOUT ROWID;

-- Browser sessions: only the SHA-256 of the cookie value is kept.
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

-- API tokens for scripts: only the SHA-256 of the token is kept.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    created_at   TEXT NOT NULL,
    UNIQUE (user_id, name)
) STRICT;

-- Scenario versions: never updated, never deleted.
CREATE TABLE versions (
    version       INTEGER PRIMARY KEY CHECK (version >= 1),
    created_at    TEXT NOT NULL,
    author_id     INTEGER REFERENCES users(id),
    nation        TEXT CHECK (nation IS NULL OR (length(nation) = 2 AND nation GLOB '[A-Z][A-Z]')),
    message       TEXT NOT NULL,
    scenario_json TEXT NOT NULL CHECK (json_valid(scenario_json)),
    hash          TEXT NOT NULL CHECK (hash <> '')
) STRICT;

-- The files a version was submitted as, in the order given.
CREATE TABLE version_files (
    version  INTEGER NOT NULL REFERENCES versions(version),
    position INTEGER NOT NULL,
    name     TEXT NOT NULL CHECK (name <> ''),
    text     TEXT NOT NULL,
    PRIMARY KEY (version, name),
    UNIQUE (version, position)
) STRICT;

-- Who did what when. Append-only.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    username TEXT,
    nation   TEXT CHECK (nation IS NULL OR (length(nation) = 2 AND nation GLOB '[A-Z][A-Z]')),
    action   TEXT NOT NULL CHECK (action <> ''),
    detail   TEXT NOT NULL,
    version  INTEGER REFERENCES versions(version)
) STRICT;
CREATE INDEX audit_by_nation ON audit(nation, id);

-- Immutability. UPDATE and DELETE are refused outright; an INSERT that would
-- overwrite an existing row (INSERT OR REPLACE) is refused too, since REPLACE
-- deletes without firing DELETE triggers unless recursive_triggers is on.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: they cannot be updated'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: they cannot be deleted'); END;
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: they cannot be replaced'); END;

CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions
BEGIN SELECT RAISE(ABORT, 'versions are immutable: they cannot be updated'); END;
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'versions are immutable: they cannot be deleted'); END;
CREATE TRIGGER versions_no_replace BEFORE INSERT ON versions
WHEN EXISTS (SELECT 1 FROM versions WHERE version = NEW.version)
BEGIN SELECT RAISE(ABORT, 'versions are immutable: they cannot be replaced'); END;

CREATE TRIGGER version_files_no_update BEFORE UPDATE ON version_files
BEGIN SELECT RAISE(ABORT, 'submitted files are immutable: they cannot be updated'); END;
CREATE TRIGGER version_files_no_delete BEFORE DELETE ON version_files
BEGIN SELECT RAISE(ABORT, 'submitted files are immutable: they cannot be deleted'); END;
CREATE TRIGGER version_files_no_replace BEFORE INSERT ON version_files
WHEN EXISTS (SELECT 1 FROM version_files
             WHERE version = NEW.version AND (name = NEW.name OR position = NEW.position))
BEGIN SELECT RAISE(ABORT, 'submitted files are immutable: they cannot be replaced'); END;
"#;

/// Version 2: API tokens expire and can be revoked (a revoked token keeps its
/// row, with when it was revoked, so the list of tokens shows it).
const V2: &str = r#"
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
"#;

fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Refuse a file this build cannot use: a newer schema, or a database that
/// is not a handover store. Reads only.
pub(crate) fn check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let v = user_version(conn)?;
    if v > SCHEMA_VERSION {
        return Err(StoreError::Internal(format!(
            "{}: the store has schema version {v}, newer than this build of handover \
             understands ({SCHEMA_VERSION}); use a newer handover",
            path.display()
        )));
    }
    if v < 0 {
        return Err(not_ours(path));
    }
    Ok(())
}

fn not_ours(path: &Path) -> StoreError {
    StoreError::Internal(format!(
        "{}: this SQLite database is not a handover store (it has tables but no handover schema version)",
        path.display()
    ))
}

/// Bring the schema up to [`SCHEMA_VERSION`], in one transaction.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    if user_version(conn)? == SCHEMA_VERSION {
        return Ok(());
    }
    // IMMEDIATE: another process opening the same new file waits, then sees
    // the schema this one created.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    check(&tx, path)?;
    let v = user_version(&tx)?;
    if v == 0 {
        let tables: i64 = tx.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 {
            return Err(not_ours(path));
        }
    }
    for sql in MIGRATIONS.iter().skip(usize::try_from(v).unwrap_or(0)) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}
