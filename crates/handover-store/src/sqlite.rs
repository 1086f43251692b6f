//! [`SqliteStore`]: the [`Store`] on one SQLite file.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Datelike, SecondsFormat, SubsecRound, Utc};
use rusqlite::{ffi, params, Connection, OptionalExtension, Row, TransactionBehavior};

use crate::validate::{self, invalid, shown};
use crate::{schema, secret};
use crate::{AuditEntry, NewSession, Role, Store, StoreError, TokenInfo, User, VersionInfo};

/// SQLite implementation: one file, WAL journal, foreign keys on, busy timeout 5 s.
///
/// Every call takes the one connection behind a mutex; password hashing is
/// done outside it, so a slow login does not hold up other requests.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// How long a writer waits for another one before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Bytes of randomness in a session token, CSRF token or API token.
const TOKEN_BYTES: usize = 32;

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// RFC 3339, UTC, seconds, `Z`: fixed width for years 0..=9999, so the text
/// order is the time order (sessions' expiry is compared as text).
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What `USER_SELECT` yields: id, username, nation, created_at, roles joined by commas.
type UserRow = (i64, String, Option<String>, String, String);

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.nation, u.created_at, \
     COALESCE((SELECT group_concat(r.role, ',') FROM user_roles r WHERE r.user_id = u.id), '') \
     FROM users u";

fn make_user((id, username, nation, created_at, roles): UserRow) -> Result<User, StoreError> {
    let mut roles = roles
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Role>()
                .map_err(|_| StoreError::Internal(format!("unknown role `{s}` in the database")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(User {
        id,
        username,
        nation,
        roles,
        created_at,
    })
}

fn query_user(
    conn: &Connection,
    filter: &str,
    param: &dyn rusqlite::ToSql,
) -> Result<Option<User>, StoreError> {
    let sql = format!("{USER_SELECT} {filter}");
    conn.query_row(&sql, [param], user_from_row)
        .optional()?
        .map(make_user)
        .transpose()
}

fn insert_audit(
    conn: &Connection,
    at: &str,
    username: Option<&str>,
    nation: Option<&str>,
    action: &str,
    detail: &str,
    version: Option<i64>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit (at, username, nation, action, detail, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at, username, nation, action, detail, version],
    )?;
    Ok(())
}

fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ffi::ErrorCode::ConstraintViolation)
}

fn is_unique(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

fn roles_text(roles: &[Role]) -> String {
    if roles.is_empty() {
        return "none".into();
    }
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl SqliteStore {
    /// Open or create the file at `path`, creating the schema (versioned with PRAGMA user_version; refuse a newer schema with a clear error).
    ///
    /// Sets `journal_mode=WAL` (an error if SQLite cannot), `synchronous=FULL`
    /// (a committed transaction survives power loss, not only a crash),
    /// `foreign_keys=ON` and a 5 s busy timeout.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Refuse a newer schema before changing anything in the file.
        schema::check(&conn, path)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Internal(format!(
                "{}: SQLite would not use the WAL journal (it kept `{mode}`)",
                path.display()
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn, path)?;
        // Pay for the dummy password hash now, not in the first login of an
        // unknown user (which would then take longer than others).
        secret::dummy_hash()?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    /// The file this store was opened on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock dropped any open transaction, which
        // rolled it back: the connection is fine to use again.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for SqliteStore {
    fn user_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn create_user(
        &self,
        actor: Option<&User>,
        username: &str,
        password: &str,
        nation: Option<&str>,
        roles: &[Role],
    ) -> Result<User, StoreError> {
        validate::username(username)?;
        validate::password(password)?;
        validate::nation("nation", nation)?;
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        // Cheap check first, so a taken name does not cost a hash; checked
        // again in the transaction.
        if self.user(username)?.is_some() {
            return Err(taken(username));
        }
        let hash = secret::hash_password(password)?;
        let created_at = timestamp(now());

        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT INTO users (username, password_hash, nation, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![username, hash, nation, created_at],
        );
        match inserted {
            Err(e) if is_unique(&e) => return Err(taken(username)),
            other => other?,
        };
        let id = tx.last_insert_rowid();
        for role in &roles {
            tx.execute(
                "INSERT INTO user_roles (user_id, role) VALUES (?1, ?2)",
                params![id, role.as_str()],
            )?;
        }
        let detail = format!(
            "created user `{username}` (nation {}; roles: {})",
            nation.unwrap_or("none"),
            roles_text(&roles)
        );
        insert_audit(
            &tx,
            &created_at,
            actor.map(|a| a.username.as_str()),
            actor.and_then(|a| a.nation.as_deref()),
            "user.create",
            &detail,
            None,
        )?;
        tx.commit()?;
        Ok(User {
            id,
            username: username.to_owned(),
            nation: nation.map(str::to_owned),
            roles,
            created_at,
        })
    }

    fn user(&self, username: &str) -> Result<Option<User>, StoreError> {
        query_user(&self.conn(), "WHERE u.username = ?1", &username)
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{USER_SELECT} ORDER BY u.username"))?;
        let rows = stmt
            .query_map([], user_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(make_user).collect()
    }

    fn set_password(
        &self,
        username: &str,
        password: &str,
        detail: &str,
    ) -> Result<bool, StoreError> {
        validate::password(password)?;
        let Some(user) = self.user(username)? else {
            return Ok(false);
        };
        let hash = secret::hash_password(password)?;
        let at = timestamp(now());
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE users SET password_hash = ?1 WHERE id = ?2",
            params![hash, user.id],
        )?;
        tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user.id])?;
        insert_audit(
            &tx,
            &at,
            Some(&user.username),
            user.nation.as_deref(),
            "user.password",
            detail,
            None,
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn verify_password(&self, username: &str, password: &str) -> Result<Option<User>, StoreError> {
        let stored: Option<(i64, String)> = self
            .conn()
            .query_row(
                "SELECT id, password_hash FROM users WHERE username = ?1",
                [username],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        // Outside the lock: hashing takes tens of milliseconds.
        match stored {
            Some((id, hash)) => {
                if secret::verify_password(password, &hash)? {
                    query_user(&self.conn(), "WHERE u.id = ?1", &id)
                } else {
                    Ok(None)
                }
            }
            None => {
                // Same work as a wrong password, so timing does not tell
                // which usernames exist.
                secret::verify_password(password, secret::dummy_hash()?)?;
                Ok(None)
            }
        }
    }

    fn create_session(&self, user: &User, ttl: chrono::Duration) -> Result<NewSession, StoreError> {
        let created = now();
        let expires = created
            .checked_add_signed(ttl)
            .filter(|t| (0..=9999).contains(&t.year()))
            .ok_or_else(|| invalid("ttl", "puts the expiry outside the years 0 to 9999"))?;
        let token = secret::random_hex(TOKEN_BYTES)?;
        let csrf = secret::random_hex(TOKEN_BYTES)?;
        let (created_at, expires_at) = (timestamp(created), timestamp(expires));
        let conn = self.conn();
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [&created_at])?;
        conn.execute(
            "INSERT INTO sessions (token_sha256, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![secret::sha256_hex(&token), user.id, csrf, created_at, expires_at],
        )?;
        Ok(NewSession {
            token,
            csrf,
            expires_at,
        })
    }

    fn session(&self, token: &str) -> Result<Option<(User, String)>, StoreError> {
        let conn = self.conn();
        let found: Option<(i64, String)> = conn
            .query_row(
                "SELECT user_id, csrf FROM sessions WHERE token_sha256 = ?1 AND expires_at > ?2",
                params![secret::sha256_hex(token), timestamp(now())],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((user_id, csrf)) = found else {
            return Ok(None);
        };
        Ok(query_user(&conn, "WHERE u.id = ?1", &user_id)?.map(|u| (u, csrf)))
    }

    fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM sessions WHERE token_sha256 = ?1",
            [secret::sha256_hex(token)],
        )?;
        Ok(())
    }

    fn create_token_for(
        &self,
        user: &User,
        name: &str,
        ttl: chrono::Duration,
    ) -> Result<(String, i64), StoreError> {
        validate::token_name(name)?;
        if ttl <= chrono::Duration::zero() || ttl > chrono::Duration::days(crate::MAX_TOKEN_DAYS) {
            return Err(invalid(
                "expires_in_days",
                format!("must be from 1 to {} days", crate::MAX_TOKEN_DAYS),
            ));
        }
        let token = secret::random_hex(TOKEN_BYTES)?;
        let created = now();
        let at = timestamp(created);
        let expires = timestamp(created + ttl);
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT INTO api_tokens (token_sha256, user_id, name, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![secret::sha256_hex(&token), user.id, name, at, expires],
        );
        match inserted {
            Err(e) if is_unique(&e) => {
                return Err(StoreError::Conflict {
                    field: "name".into(),
                    message: format!(
                        "`{}` already has an API token named `{}`",
                        user.username,
                        shown(name)
                    ),
                })
            }
            other => other?,
        };
        let id = tx.last_insert_rowid();
        insert_audit(
            &tx,
            &at,
            Some(&user.username),
            user.nation.as_deref(),
            "token.create",
            &format!("created API token {id} `{name}`, valid until {expires}"),
            None,
        )?;
        tx.commit()?;
        Ok((token, id))
    }

    fn token_user(&self, token: &str) -> Result<Option<User>, StoreError> {
        let conn = self.conn();
        let live: Option<i64> = conn
            .query_row(
                "SELECT user_id FROM api_tokens WHERE token_sha256 = ?1 AND revoked_at IS NULL \
                 AND (expires_at IS NULL OR expires_at > ?2)",
                params![secret::sha256_hex(token), timestamp(now())],
                |r| r.get(0),
            )
            .optional()?;
        let Some(user_id) = live else {
            return Ok(None);
        };
        query_user(&conn, "WHERE u.id = ?1", &user_id)
    }

    fn tokens(&self, user: Option<&User>) -> Result<Vec<TokenInfo>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT t.id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE ?1 IS NULL OR t.user_id = ?1 ORDER BY t.id DESC",
        )?;
        let rows = stmt.query_map([user.map(|u| u.id)], |r| {
            Ok(TokenInfo {
                id: r.get(0)?,
                username: r.get(1)?,
                name: r.get(2)?,
                created_at: r.get(3)?,
                expires_at: r.get(4)?,
                revoked_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn revoke_token(&self, actor: &User, id: i64, any_owner: bool) -> Result<bool, StoreError> {
        let at = timestamp(now());
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let owner: Option<(i64, String, Option<String>, String)> = tx
            .query_row(
                "SELECT u.id, u.username, u.nation, t.name FROM api_tokens t \
                 JOIN users u ON u.id = t.user_id WHERE t.id = ?1 AND t.revoked_at IS NULL",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((owner_id, owner_name, owner_nation, name)) = owner else {
            return Ok(false);
        };
        if owner_id != actor.id && !any_owner {
            return Ok(false);
        }
        tx.execute(
            "UPDATE api_tokens SET revoked_at = ?1 WHERE id = ?2",
            params![at, id],
        )?;
        insert_audit(
            &tx,
            &at,
            Some(&actor.username),
            owner_nation.as_deref(),
            "token.revoke",
            &format!("revoked API token {id} `{name}` of `{owner_name}`"),
            None,
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn add_version(
        &self,
        author: Option<&User>,
        nation: Option<&str>,
        message: &str,
        scenario_json: &str,
        hash: &str,
        files: &[(String, String)],
    ) -> Result<i64, StoreError> {
        validate::nation("nation", nation)?;
        if hash.trim().is_empty() {
            return Err(invalid("hash", "must not be empty"));
        }
        for (name, _) in files {
            validate::file_name(name)?;
        }
        let at = timestamp(now());
        let mut conn = self.conn();
        let valid: bool = conn.query_row("SELECT json_valid(?1)", [scenario_json], |r| r.get(0))?;
        if !valid {
            return Err(invalid("scenario_json", "is not valid JSON"));
        }
        // IMMEDIATE: the version number read here is still free at the insert,
        // even with another process writing to the same file.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM versions",
            [],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO versions (version, created_at, author_id, nation, message, scenario_json, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![version, at, author.map(|a| a.id), nation, message, scenario_json, hash],
        )?;
        let (action, who) = match author {
            None => ("version.seed", "seeded by the system".to_owned()),
            Some(a) => ("version.submit", format!("submitted by `{}`", a.username)),
        };
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        let detail = format!(
            "version {version} {who}: {message} (files: {}; hash {hash})",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        );
        insert_audit(
            &tx,
            &at,
            author.map(|a| a.username.as_str()),
            nation.or(author.and_then(|a| a.nation.as_deref())),
            action,
            &detail,
            Some(version),
        )?;
        let mut seen = HashSet::new();
        for (position, (name, text)) in files.iter().enumerate() {
            let inserted = tx.execute(
                "INSERT INTO version_files (version, position, name, text) VALUES (?1, ?2, ?3, ?4)",
                params![
                    version,
                    i64::try_from(position).unwrap_or(i64::MAX),
                    name,
                    text
                ],
            );
            if let Err(e) = inserted {
                // Dropping `tx` rolls back the version and its audit entry.
                if is_constraint(&e) && seen.contains(name.as_str()) {
                    return Err(invalid(
                        "files",
                        format!("`{}` is given more than once", shown(name)),
                    ));
                }
                return Err(e.into());
            }
            seen.insert(name.as_str());
        }
        tx.commit()?;
        Ok(version)
    }

    fn latest_version(&self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT version, scenario_json FROM versions ORDER BY version DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn version_json(&self, version: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT scenario_json FROM versions WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn version_file(&self, version: i64, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT text FROM version_files WHERE version = ?1 AND name = ?2",
                params![version, name],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn versions(&self) -> Result<Vec<VersionInfo>, StoreError> {
        let conn = self.conn();
        let mut files: HashMap<i64, Vec<String>> = HashMap::new();
        {
            let mut stmt =
                conn.prepare("SELECT version, name FROM version_files ORDER BY version, position")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (v, name) = row?;
                files.entry(v).or_default().push(name);
            }
        }
        let mut stmt = conn.prepare(
            "SELECT v.version, v.created_at, u.username, v.nation, v.message, v.hash \
             FROM versions v LEFT JOIN users u ON u.id = v.author_id ORDER BY v.version DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(VersionInfo {
                version: r.get(0)?,
                created_at: r.get(1)?,
                author: r.get(2)?,
                nation: r.get(3)?,
                message: r.get(4)?,
                files: Vec::new(),
                hash: r.get(5)?,
            })
        })?;
        let mut out = Vec::new();
        for row in rows {
            let mut info = row?;
            info.files = files.remove(&info.version).unwrap_or_default();
            out.push(info);
        }
        Ok(out)
    }

    fn record(
        &self,
        username: Option<&str>,
        nation: Option<&str>,
        action: &str,
        detail: &str,
        version: Option<i64>,
    ) -> Result<(), StoreError> {
        validate::action(action)?;
        validate::nation("nation", nation)?;
        let conn = self.conn();
        if let Some(v) = version {
            let exists: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM versions WHERE version = ?1)",
                [v],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(invalid("version", format!("there is no version {v}")));
            }
        }
        insert_audit(
            &conn,
            &timestamp(now()),
            username,
            nation,
            action,
            detail,
            version,
        )
    }

    fn audit(&self, nation: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        validate::nation("nation", nation)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, at, username, nation, action, detail, version FROM audit \
             WHERE ?1 IS NULL OR nation = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![nation, limit], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                username: r.get(2)?,
                nation: r.get(3)?,
                action: r.get(4)?,
                detail: r.get(5)?,
                version: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

fn taken(username: &str) -> StoreError {
    StoreError::Conflict {
        field: "username".into(),
        message: format!("the username `{username}` is taken"),
    }
}

#[cfg(test)]
mod tests;
