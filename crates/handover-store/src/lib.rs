//! The handover persistent store for the multi-nation service.
//!
//! One SQLite file (WAL journal, foreign keys on) holds the users and their
//! roles, browser sessions and API tokens (both stored only as SHA-256),
//! every submitted scenario version with the files it was made from, and an
//! append-only audit log. Versions, their files and audit entries can never be
//! updated or deleted: triggers in the schema refuse it, whichever connection
//! tries.
//!
//! The server talks to the [`Store`] trait; [`SqliteStore`] implements it.
//!
//! ```no_run
//! use handover_store::{Role, SqliteStore, Store};
//!
//! let store = SqliteStore::open(std::path::Path::new("handover.db"))?;
//! if store.user_count()? == 0 {
//!     store.create_user(None, "admin", "a long first password", None, &[Role::Admin])?;
//! }
//! # Ok::<(), handover_store::StoreError>(())
//! ```

#![warn(missing_docs)]

mod schema;
mod secret;
mod sqlite;
mod validate;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use schema::SCHEMA_VERSION;
pub use sqlite::SqliteStore;

/// Roles of a user.
///
/// A role grants exactly what it names: [`Role::Admin`] does not imply
/// [`Role::Submitter`] or [`Role::Viewer`]; give a user every role it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May read the data released to the user's nation.
    Viewer,
    /// May submit new scenario versions.
    Submitter,
    /// May manage users.
    Admin,
}

impl Role {
    /// Every role, in order.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Submitter, Role::Admin];

    /// The role's name: `viewer`, `submitter` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Submitter => "submitter",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;

    /// Parses `viewer`, `submitter` or `admin` (exactly, lower case); anything
    /// else is [`StoreError::Invalid`] for the field `role`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| StoreError::Invalid {
                field: "role".into(),
                message: format!(
                    "`{}` is not a role; use viewer, submitter or admin",
                    validate::shown(s)
                ),
            })
    }
}

/// A user of the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// The user's row id.
    pub id: i64,
    /// The login name: 1 to 64 of `a-z`, `0-9`, `.`, `_` and `-`.
    pub username: String,
    /// The nation the user belongs to (two upper-case letters), if any.
    pub nation: Option<String>,
    /// The user's roles, sorted, without duplicates.
    pub roles: Vec<Role>,
    /// When the user was created (RFC 3339, UTC, seconds).
    pub created_at: String,
}

impl User {
    /// Whether the user holds exactly this role (no role implies another).
    pub fn has(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }
}

/// One stored scenario version, without its scenario JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionInfo {
    /// The version number: 1, 2, ...
    pub version: i64,
    /// When it was stored (RFC 3339, UTC, seconds).
    pub created_at: String,
    /// The username of the submitter; `None` for a version seeded by the system.
    pub author: Option<String>,
    /// The nation the version was submitted for, if any.
    pub nation: Option<String>,
    /// The submitter's message.
    pub message: String,
    /// The names of the files submitted, in the order given.
    pub files: Vec<String>,
    /// The scenario's content hash, as given when it was added.
    pub hash: String,
}

/// One entry of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// The entry's id; ids increase with time.
    pub id: i64,
    /// When it happened (RFC 3339, UTC, seconds).
    pub at: String,
    /// Who did it; `None` for the system.
    pub username: Option<String>,
    /// The nation it is recorded under, if any.
    pub nation: Option<String>,
    /// What was done, e.g. `login`, `user.create`, `version.submit`.
    pub action: String,
    /// A human-readable description.
    pub detail: String,
    /// The scenario version it concerns, if any.
    pub version: Option<i64>,
}

/// A session: the cookie value is returned once; the store keeps only its SHA-256.
///
/// `Debug` shows neither token.
#[derive(Clone)]
pub struct NewSession {
    /// The session token for the cookie (64 hex digits). Not stored.
    pub token: String,
    /// The CSRF token to echo in state-changing requests (64 hex digits).
    pub csrf: String,
    /// When the session expires (RFC 3339, UTC, seconds).
    pub expires_at: String,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("token", &"<redacted>")
            .field("csrf", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A user mistake: names the field, e.g. ("username", "`Bob!` may contain only a-z, 0-9, '.', '_' and '-'").
    #[error("{field}: {message}")]
    Invalid {
        /// The field (argument) at fault, e.g. `username`.
        field: String,
        /// What is wrong with it and what is allowed.
        message: String,
    },
    /// A unique name taken, e.g. a username or a token's name; names the
    /// field (argument) whose value is taken.
    #[error("{message}")]
    Conflict {
        /// The field whose value is taken: `username`, or `name` for a token.
        field: String,
        /// What is taken.
        message: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// Anything else internal (hashing, randomness, a database file this
    /// version cannot use).
    #[error("{0}")]
    Internal(String),
}

/// Days an API token lives unless its maker chooses otherwise.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;

/// The longest an API token may live, in days.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its id, for revoking it.
    pub id: i64,
    /// Whose it is.
    pub username: String,
    /// What it is for.
    pub name: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it stops working (RFC 3339); `None` for tokens made before tokens expired.
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// The storage the server uses. Object safe; `Send + Sync`.
pub trait Store: Send + Sync {
    /// How many users there are.
    fn user_count(&self) -> Result<u64, StoreError>;

    /// Create a user (argon2id hash with a random salt); audit `user.create` by `actor` (None = the system, e.g. first-run admin).
    /// username: 1..=64 of [a-z0-9._-]; password: at least 12 characters (at most 1024); nation: None or two upper-case letters.
    /// Duplicate roles are dropped and the rest sorted. A taken username is [`StoreError::Conflict`].
    fn create_user(
        &self,
        actor: Option<&User>,
        username: &str,
        password: &str,
        nation: Option<&str>,
        roles: &[Role],
    ) -> Result<User, StoreError>;

    /// The user with this username, if any.
    fn user(&self, username: &str) -> Result<Option<User>, StoreError>;

    /// Every user, by username.
    fn users(&self) -> Result<Vec<User>, StoreError>;

    /// Verify a password; Ok(None) for an unknown user or a wrong password (constant work either way: hash a dummy when the user is unknown).
    fn verify_password(&self, username: &str, password: &str) -> Result<Option<User>, StoreError>;

    /// Set `username`'s password (same rules as [`Store::create_user`]) and
    /// end its sessions; audit `user.password` with `detail` saying who did
    /// it. Ok(false) for an unknown user. For an administrator on the
    /// server's machine (`handover admin password`), who can always get in so.
    fn set_password(
        &self,
        username: &str,
        password: &str,
        detail: &str,
    ) -> Result<bool, StoreError>;

    /// A new session for the user, valid for `ttl`; random 32-byte token and CSRF token (hex, from getrandom).
    /// Expired sessions are purged on the way.
    fn create_session(&self, user: &User, ttl: chrono::Duration) -> Result<NewSession, StoreError>;

    /// The user and CSRF token of a live (not expired) session.
    fn session(&self, token: &str) -> Result<Option<(User, String)>, StoreError>;

    /// End a session; ending an unknown one is not an error.
    fn delete_session(&self, token: &str) -> Result<(), StoreError>;

    /// A new API token for scripts (returned once, stored hashed), valid for
    /// [`DEFAULT_TOKEN_DAYS`]; audit `token.create`.
    /// `name`: 1 to 64 characters, no control characters, unique per user ([`StoreError::Conflict`] otherwise).
    fn create_token(&self, user: &User, name: &str) -> Result<String, StoreError> {
        self.create_token_for(user, name, chrono::Duration::days(DEFAULT_TOKEN_DAYS))
            .map(|(token, _)| token)
    }

    /// [`Store::create_token`] valid for `ttl` (positive, at most [`MAX_TOKEN_DAYS`]);
    /// returns the token and its id.
    fn create_token_for(
        &self,
        user: &User,
        name: &str,
        ttl: chrono::Duration,
    ) -> Result<(String, i64), StoreError>;

    /// The user a live API token belongs to: known, not expired, not revoked.
    fn token_user(&self, token: &str) -> Result<Option<User>, StoreError>;

    /// API tokens, newest first: the user's, or every user's for `None`.
    fn tokens(&self, user: Option<&User>) -> Result<Vec<TokenInfo>, StoreError>;

    /// Revoke token `id` by `actor`: its owner, or anyone when `any_owner`
    /// (an administrator); audit `token.revoke` under the owner's nation.
    /// Ok(false) when there is no such token the actor may revoke (or it is
    /// revoked already).
    fn revoke_token(&self, actor: &User, id: i64, any_owner: bool) -> Result<bool, StoreError>;

    /// Add a scenario version: the whole scenario as JSON, its content hash, and the files submitted (name, text) —
    /// in ONE transaction together with its audit entry (`version.seed` when author is None, else `version.submit`). Returns the version number (1, 2, ...).
    ///
    /// The audit entry is recorded under `nation`, or the author's nation when `nation` is `None`.
    /// `scenario_json` must be valid JSON, `hash` non-empty, file names non-empty and distinct.
    fn add_version(
        &self,
        author: Option<&User>,
        nation: Option<&str>,
        message: &str,
        scenario_json: &str,
        hash: &str,
        files: &[(String, String)],
    ) -> Result<i64, StoreError>;

    /// The newest version and its scenario JSON.
    fn latest_version(&self) -> Result<Option<(i64, String)>, StoreError>;

    /// The scenario JSON of one version.
    fn version_json(&self, version: i64) -> Result<Option<String>, StoreError>;

    /// The text of one submitted file of a version.
    fn version_file(&self, version: i64, name: &str) -> Result<Option<String>, StoreError>;

    /// Every version, newest first.
    fn versions(&self) -> Result<Vec<VersionInfo>, StoreError>;

    /// Append an audit entry (e.g. `login`, `login.failed`, `logout`); `username`/`nation` are given explicitly so a failed login for an unknown user is recorded too.
    /// `action`: 1 to 64 of [a-z0-9._-]; `version`, when given, must exist.
    fn record(
        &self,
        username: Option<&str>,
        nation: Option<&str>,
        action: &str,
        detail: &str,
        version: Option<i64>,
    ) -> Result<(), StoreError>;

    /// Audit entries newest first; `nation: Some(X)` keeps only entries whose nation is X; at most `limit`.
    fn audit(&self, nation: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>, StoreError>;
}
