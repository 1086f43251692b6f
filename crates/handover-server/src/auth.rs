//! Who is asking: session cookies (browsers), bearer tokens (scripts), or
//! nobody (the public). Login with rate limiting, logout, CSRF, users, tokens.

use crate::error::{Json, Path};
use crate::{ApiError, AppState};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use handover_core::releasability::Viewer;
use handover_store::{Role, User};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// The session cookie's name.
pub const COOKIE: &str = "handover_session";

/// How the caller proved who it is. `Debug` does not show the secrets.
#[derive(Clone, PartialEq, Eq)]
pub enum Via {
    /// Nothing: the public.
    Anonymous,
    /// A browser session; state-changing requests must echo its CSRF token.
    Session {
        /// The cookie value.
        token: String,
        /// The session's CSRF token.
        csrf: String,
    },
    /// `Authorization: Bearer TOKEN`.
    Token,
}

/// The caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user, if logged in.
    pub user: Option<User>,
    /// How.
    pub via: Via,
}

impl Caller {
    /// Whose eyes the answer is for.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            nation: self.user.as_ref().and_then(|u| u.nation.clone()),
        }
    }

    /// The user, or a 401.
    pub fn user(&self) -> Result<&User, ApiError> {
        self.user.as_ref().ok_or_else(|| {
            ApiError::unauthorized("log in first (POST /api/login) or send a bearer token")
        })
    }

    /// The user if it has `role`, else 401/403.
    pub fn with_role(&self, role: Role) -> Result<&User, ApiError> {
        let u = self.user()?;
        if u.has(role) {
            Ok(u)
        } else {
            Err(ApiError::forbidden(format!(
                "`{}` does not have the {role} role",
                u.username
            )))
        }
    }

    /// For state-changing requests: a session caller must come from this
    /// server's own pages (an `Origin`, when sent, naming this server; `null`
    /// and other sites are refused) and send its CSRF token in
    /// `X-CSRF-Token`; token callers need not (no ambient credentials).
    pub fn check_csrf(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        match &self.via {
            Via::Session { csrf, .. } => {
                same_origin(headers)?;
                let sent = headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if constant_eq(sent.as_bytes(), csrf.as_bytes()) {
                    Ok(())
                } else {
                    Err(ApiError::csrf())
                }
            }
            Via::Token | Via::Anonymous => Ok(()),
        }
    }
}

impl std::fmt::Debug for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Via::Anonymous => f.write_str("Anonymous"),
            Via::Session { .. } => f.write_str("Session { token: <redacted>, csrf: <redacted> }"),
            Via::Token => f.write_str("Token"),
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let caller = Self::identify(parts, state)?;
        if let (Some(log), Some(nation)) = (
            parts.extensions.get::<crate::LoggedNation>(),
            caller.user.as_ref().and_then(|u| u.nation.as_deref()),
        ) {
            log.set(nation);
        }
        Ok(caller)
    }
}

impl Caller {
    /// Who sent `parts`: a bearer token, a session cookie, or nobody.
    fn identify(parts: &Parts, state: &Arc<AppState>) -> Result<Self, ApiError> {
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let text = auth.to_str().unwrap_or("");
            let Some(token) = text.strip_prefix("Bearer ") else {
                return Err(ApiError::unauthorized(
                    "the Authorization header must be `Bearer TOKEN`",
                ));
            };
            return match state.store.token_user(token.trim())? {
                Some(u) => Ok(Caller {
                    user: Some(u),
                    via: Via::Token,
                }),
                None => Err(ApiError::unauthorized(
                    "unknown, expired or revoked API token",
                )),
            };
        }
        if let Some(token) = cookie_value(&parts.headers, COOKIE) {
            if let Some((u, csrf)) = state.store.session(token)? {
                return Ok(Caller {
                    user: Some(u),
                    via: Via::Session {
                        token: token.to_string(),
                        csrf,
                    },
                });
            }
        }
        // No credentials, or a stale cookie: the public.
        Ok(Caller {
            user: None,
            via: Via::Anonymous,
        })
    }
}

/// An address may fail this many times more often than one (user, address) pair.
pub const ADDRESS_SCALE: u32 = 4;

/// At most this many failed-login audit rows per window over all
/// addresses; further failures are counted and the count written with the
/// next row of the same kind.
pub const AUDIT_ROWS_PER_WINDOW: u32 = 1000;

/// Failed-login counting per (user name, client address) and per client
/// address, and the bound on the audit rows failures write.
///
/// A user is never locked as such: failures from one address throttle that
/// address (for that user, and for all users at four times the allowance),
/// so nobody can lock another person out from elsewhere.
#[derive(Debug)]
pub struct Limiter {
    attempts: u32,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    audit: Mutex<AuditGate>,
}

/// Audit rows written per key and overall in the current window, and the
/// events folded into a count since each key's last row.
#[derive(Debug, Default)]
struct AuditGate {
    started: Option<Instant>,
    written: u32,
    per_key: HashMap<String, (u32, u64)>,
}

impl Limiter {
    /// At most `attempts` failures per key within `window`.
    pub fn new(attempts: u32, window: Duration) -> Self {
        Limiter {
            attempts,
            window,
            failures: Mutex::default(),
            audit: Mutex::default(),
        }
    }

    /// Whether an event of `key` (e.g. a blocked login from one address) is
    /// written to the audit log now: `Some(n)` to write it, saying that `n`
    /// earlier events were only counted; `None` to count it. At most
    /// `per_key` rows per key and [`AUDIT_ROWS_PER_WINDOW`] in all per window.
    fn audit_due(&self, key: &str, per_key: u32) -> Option<u64> {
        let now = Instant::now();
        let mut g = self.audit.lock().unwrap_or_else(|p| p.into_inner());
        if g.started
            .is_none_or(|t| now.duration_since(t) > self.window)
        {
            g.started = Some(now);
            g.written = 0;
            // Keep the counts not yet written, forget the rows.
            g.per_key.retain(|_, (_, folded)| *folded > 0);
            for v in g.per_key.values_mut() {
                v.0 = 0;
            }
        }
        // Bounded memory under a flood of keys: count new ones under one key.
        let key = if g.per_key.len() > 100_000 && !g.per_key.contains_key(key) {
            "*"
        } else {
            key
        };
        let written = g.written;
        let e = g.per_key.entry(key.to_string()).or_default();
        if e.0 < per_key && written < AUDIT_ROWS_PER_WINDOW {
            e.0 += 1;
            let folded = std::mem::take(&mut e.1);
            g.written += 1;
            Some(folded)
        } else {
            e.1 += 1;
            None
        }
    }

    /// Seconds to wait if `key` is blocked now; `scale` multiplies the
    /// allowed attempts (an address is shared by many users behind a gateway).
    fn blocked(&self, key: &str, scale: u32) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().ok()?;
        let q = map.get_mut(key)?;
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.window)
        {
            q.pop_front();
        }
        if q.len() as u32 >= self.attempts.saturating_mul(scale) {
            let oldest = *q.front()?;
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            Some(wait.as_secs().max(1))
        } else {
            None
        }
    }

    fn fail(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                map.clear(); // bounded memory under a flood of names
            }
            map.entry(key.to_string())
                .or_default()
                .push_back(Instant::now());
        }
    }

    fn clear(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
        }
    }
}

/// `POST /api/login` body (no `Debug`: it holds a password).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A user as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// User name.
    pub username: String,
    /// Nation; `null` for an account without one (sees public figures only).
    pub nation: Option<String>,
    /// `viewer`, `submitter`, `admin`.
    pub roles: Vec<String>,
    /// When the account was made (RFC 3339).
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            username: u.username.clone(),
            nation: u.nation.clone(),
            roles: u.roles.iter().map(|r| r.to_string()).collect(),
            created_at: u.created_at.clone(),
        }
    }
}

/// `GET /api/me`, and the answer to a login.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The user; `null` for the public.
    pub user: Option<UserView>,
    /// The CSRF token to send as `X-CSRF-Token` on POSTs (browser sessions only).
    pub csrf: Option<String>,
    /// The disclosure rule for aggregates that include figures not released to the caller.
    pub disclosure: DisclosureView,
}

/// The disclosure rule in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureView {
    /// At least this many contributing nations.
    pub min_nations: usize,
    /// No nation above this share of the total.
    pub max_share: f64,
}

fn me_of(state: &AppState, user: Option<&User>, csrf: Option<String>) -> Me {
    Me {
        user: user.map(UserView::from),
        csrf,
        disclosure: DisclosureView {
            min_nations: state.config.rule.min_nations,
            max_share: state.config.rule.max_share,
        },
    }
}

/// Who is asking.
#[utoipa::path(get, path = "/api/me", responses(
        (status = 200, body = Me),
        crate::error::CallerErrors
    ))]
pub async fn me(State(state): State<Arc<AppState>>, caller: Caller) -> Json<Me> {
    let csrf = match &caller.via {
        Via::Session { csrf, .. } => Some(csrf.clone()),
        _ => None,
    };
    Json(me_of(&state, caller.user.as_ref(), csrf))
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("handover_session=; Max-Age=0"))
}

/// Reject cross-site form posts: a browser always sends `Origin` on a POST;
/// when present it must be this server.
fn same_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
    else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    let host = host.to_str().unwrap_or("");
    let bare = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    if bare == host {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "cross-site request from `{origin}` refused"
        )))
    }
}

/// Log in: sets an HttpOnly, SameSite=Strict session cookie and returns the CSRF token.
#[utoipa::path(
    post,
    path = "/api/login",
    request_body = LoginRequest,
    responses(
        (status = 200, body = Me),
        (status = 400, body = ApiError, description = "invalid_input: a body that is not `{username, password}` (`field` names the field)"),
        (status = 401, body = ApiError, description = "unauthorized: wrong user name or password"),
        (status = 403, body = ApiError, description = "forbidden: a cross-site request"),
        crate::error::BodyErrors,
        (status = 429, body = ApiError, description = "rate_limited: too many failed logins; `Retry-After` says when to try again"),
        crate::error::InternalError
    )
)]
pub async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    same_origin(&headers)?;
    // The audit log keeps at most 64 characters of a name that failed.
    let shown: String = req.username.chars().take(64).collect();
    let name_key = format!("user:{}@{}", shown.to_lowercase(), peer.ip());
    let addr_key = format!("addr:{}", peer.ip());
    for (key, scale) in [(&name_key, 1), (&addr_key, ADDRESS_SCALE)] {
        if let Some(wait) = state.limiter.blocked(key, scale) {
            // One row per address and window; the rest are counted.
            if let Some(folded) = state
                .limiter
                .audit_due(&format!("blocked:{}", peer.ip()), 1)
            {
                state.store.record(
                    Some(&shown),
                    None,
                    "login.blocked",
                    &failure_detail(peer, folded, "blocked"),
                    None,
                )?;
            }
            return Err(ApiError::rate_limited(wait));
        }
    }
    let st = state.clone();
    let (username, password) = (req.username.clone(), req.password);
    let user = tokio::task::spawn_blocking(move || st.store.verify_password(&username, &password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let Some(user) = user else {
        state.limiter.fail(&name_key);
        state.limiter.fail(&addr_key);
        let per_address = state.limiter.attempts.saturating_mul(ADDRESS_SCALE);
        if let Some(folded) = state
            .limiter
            .audit_due(&format!("failed:{}", peer.ip()), per_address)
        {
            state.store.record(
                Some(&shown),
                None,
                "login.failed",
                &failure_detail(peer, folded, "failed"),
                None,
            )?;
        }
        return Err(ApiError::unauthorized("wrong user name or password"));
    };
    state.limiter.clear(&name_key);
    let ttl = state.config.session_ttl;
    let session = state.store.create_session(&user, ttl)?;
    state.store.record(
        Some(&user.username),
        user.nation.as_deref(),
        "login",
        &format!("from {}", peer.ip()),
        None,
    )?;
    let mut r = Json(me_of(&state, Some(&user), Some(session.csrf.clone()))).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&state, &session.token, ttl.num_seconds()),
    );
    Ok(r)
}

/// An audit row's detail for a failed or blocked login: the address, and
/// how many such attempts were only counted since the last row.
fn failure_detail(peer: SocketAddr, folded: u64, what: &str) -> String {
    match folded {
        0 => format!("from {}", peer.ip()),
        n => format!(
            "from {}; {n} more {what} logins since the last such row were counted, not logged one by one",
            peer.ip()
        ),
    }
}

/// Log out: ends the session and clears the cookie.
#[utoipa::path(post, path = "/api/logout", responses(
        (status = 204, description = "Logged out; the cookie is cleared"),
        crate::error::CallerErrors,
        (status = 403, body = ApiError, description = "csrf: a cookie request without its X-CSRF-Token; forbidden: a cross-site request")
    ))]
pub async fn logout(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.check_csrf(&headers)?;
    if let (Via::Session { token, .. }, Some(u)) = (&caller.via, &caller.user) {
        state.store.delete_session(token)?;
        state
            .store
            .record(Some(&u.username), u.nation.as_deref(), "logout", "", None)?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(r)
}

/// `POST /api/tokens` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for, e.g. `nightly import`.
    pub name: String,
    /// Days until it stops working: 1 to 366 (default 90).
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// A new API token: shown once (no `Debug`: it is a secret).
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    /// Its id, to revoke it (`DELETE /api/tokens/{id}`).
    pub id: i64,
}

/// An API token as listed: never the token itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfoView {
    /// Its id.
    pub id: i64,
    /// Whose it is.
    pub username: String,
    /// What it is for.
    pub name: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it stops working (RFC 3339).
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Make an API token for scripts; it acts as the user who made it.
#[utoipa::path(
    post,
    path = "/api/tokens",
    request_body = TokenRequest,
    responses(
        (status = 201, body = TokenView),
        (status = 400, body = ApiError, description = "invalid_input: a bad name or expiry, or a body that is not JSON of this shape (`field` names the field)"),
        crate::error::CallerErrors,
        (status = 403, body = ApiError, description = "csrf: a cookie request without its X-CSRF-Token; forbidden: a cross-site request"),
        (status = 409, body = ApiError, description = "conflict: the caller has a token of that name (`field`: `name`)"),
        crate::error::BodyErrors
    )
)]
pub async fn create_token(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Json(req): Json<TokenRequest>,
) -> Result<Response, ApiError> {
    caller.check_csrf(&headers)?;
    let u = caller.user()?;
    let days = req
        .expires_in_days
        .unwrap_or(handover_store::DEFAULT_TOKEN_DAYS);
    if !(1..=handover_store::MAX_TOKEN_DAYS).contains(&days) {
        return Err(ApiError::invalid(
            "expires_in_days",
            format!(
                "{days} is out of range; expected 1 to {} days",
                handover_store::MAX_TOKEN_DAYS
            ),
        ));
    }
    let (token, id) = state
        .store
        .create_token_for(u, &req.name, chrono::Duration::days(days))?;
    Ok((StatusCode::CREATED, Json(TokenView { token, id })).into_response())
}

/// The caller's API tokens (an administrator's: everyone's), newest first.
#[utoipa::path(
    get,
    path = "/api/tokens",
    responses(
        (status = 200, body = [TokenInfoView]),
        crate::error::CallerErrors
    )
)]
pub async fn tokens(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Vec<TokenInfoView>>, ApiError> {
    let u = caller.user()?;
    let whose = (!u.has(Role::Admin)).then_some(u);
    Ok(Json(
        state
            .store
            .tokens(whose)?
            .into_iter()
            .map(|t| TokenInfoView {
                id: t.id,
                username: t.username,
                name: t.name,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
    ))
}

/// Revoke an API token: its owner's own, or any for an administrator. It
/// stops working at once; the revocation is audited.
#[utoipa::path(
    delete,
    path = "/api/tokens/{id}",
    params(("id" = i64, Path, description = "The token's id (from POST or GET /api/tokens)")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, body = ApiError, description = "invalid_input: an id that is not a whole number (`field`: `id`)"),
        crate::error::CallerErrors,
        (status = 403, body = ApiError, description = "csrf: a cookie request without its X-CSRF-Token; forbidden: a cross-site request"),
        (status = 404, body = ApiError, description = "not_found: no live token of the caller's with that id")
    )
)]
pub async fn revoke_token(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    caller.check_csrf(&headers)?;
    let u = caller.user()?;
    if state.store.revoke_token(u, id, u.has(Role::Admin))? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(
            "id",
            format!("you have no live API token {id}"),
        ))
    }
}

/// `POST /api/users` body (no `Debug`: it holds a password).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1 to 64 of a-z, 0-9, `.`, `_`, `-`.
    pub username: String,
    /// At least 12 characters.
    pub password: String,
    /// Nation code; omit for an account that sees public figures only.
    pub nation: Option<String>,
    /// `viewer`, `submitter`, `admin`.
    pub roles: Vec<String>,
}

/// Every account (admins only).
#[utoipa::path(get, path = "/api/users", responses(
        (status = 200, body = [UserView]),
        crate::error::CallerErrors,
        (status = 403, body = ApiError, description = "forbidden: not an administrator")
    ))]
pub async fn users(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Vec<UserView>>, ApiError> {
    caller.with_role(Role::Admin)?;
    Ok(Json(
        state.store.users()?.iter().map(UserView::from).collect(),
    ))
}

/// Make an account (admins only).
#[utoipa::path(
    post,
    path = "/api/users",
    request_body = NewUser,
    responses(
        (status = 201, body = UserView),
        (status = 400, body = ApiError, description = "invalid_input: a bad user name, password, nation or role, or a body that is not JSON of this shape (`field` names the field)"),
        crate::error::CallerErrors,
        (status = 403, body = ApiError, description = "forbidden: not an administrator, or a cross-site request; csrf: a cookie request without its X-CSRF-Token"),
        (status = 409, body = ApiError, description = "conflict: the user name is taken (`field`: `username`)"),
        crate::error::BodyErrors
    )
)]
pub async fn create_user(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Json(req): Json<NewUser>,
) -> Result<Response, ApiError> {
    caller.check_csrf(&headers)?;
    let admin = caller.with_role(Role::Admin)?.clone();
    let mut roles = vec![];
    for r in &req.roles {
        roles.push(r.parse::<Role>().map_err(|_| {
            ApiError::invalid(
                "roles",
                format!("`{r}` is not a role; expected viewer, submitter or admin"),
            )
        })?);
    }
    if let Some(n) = &req.nation {
        let cur = state.current();
        if !cur.scenario.nations.iter().any(|x| &x.code == n) {
            let hint = handover_core::validate::suggest(
                n,
                cur.scenario.nations.iter().map(|x| x.code.as_str()),
            );
            return Err(ApiError::invalid(
                "nation",
                format!("`{n}` is not a nation of the scenario{hint}"),
            ));
        }
    }
    let st = state.clone();
    let user = tokio::task::spawn_blocking(move || {
        st.store.create_user(
            Some(&admin),
            &req.username,
            &req.password,
            req.nation.as_deref(),
            &roles,
        )
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))).into_response())
}

/// The first run's administrator: made when the store has no user, with the
/// password from `password` (e.g. an environment variable) or a random one.
/// Returns the user name and, when it was generated, the password to print once.
pub fn first_admin(
    store: &dyn handover_store::Store,
    username: &str,
    password: Option<String>,
) -> Result<Option<(String, Option<String>)>, handover_store::StoreError> {
    if store.user_count()? > 0 {
        return Ok(None);
    }
    let (pw, generated) = match password {
        Some(p) => (p, false),
        None => (random_password()?, true),
    };
    store.create_user(None, username, &pw, None, &[Role::Admin, Role::Viewer])?;
    Ok(Some((username.to_string(), generated.then_some(pw))))
}

/// A new random password of 20 letters and digits (no look-alikes).
pub fn random_password() -> Result<String, handover_store::StoreError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)
        .map_err(|e| handover_store::StoreError::Internal(format!("no randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_blocks_after_the_attempts_and_clears() {
        let l = Limiter::new(2, Duration::from_secs(60));
        assert!(l.blocked("k", 1).is_none());
        l.fail("k");
        assert!(l.blocked("k", 1).is_none());
        l.fail("k");
        assert!(l.blocked("k", 1).unwrap() >= 1);
        assert!(l.blocked("k", 2).is_none(), "a scaled key allows more");
        assert!(l.blocked("other", 1).is_none());
        l.clear("k");
        assert!(l.blocked("k", 1).is_none());
    }

    #[test]
    fn audit_rows_are_bounded_per_key_and_window() {
        let l = Limiter::new(5, Duration::from_secs(3600));
        let due: Vec<Option<u64>> = (0..5).map(|_| l.audit_due("a", 2)).collect();
        assert_eq!(due, [Some(0), Some(0), None, None, None]);
        assert_eq!(l.audit_due("b", 2), Some(0), "another key has its own rows");
        // A new window writes again, with the count of what was folded.
        let l = Limiter::new(5, Duration::from_millis(20));
        assert_eq!(l.audit_due("a", 1), Some(0));
        assert_eq!(l.audit_due("a", 1), None);
        assert_eq!(l.audit_due("a", 1), None);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(l.audit_due("a", 1), Some(2));
        // The bound over all keys.
        let l = Limiter::new(5, Duration::from_secs(3600));
        let written = (0..AUDIT_ROWS_PER_WINDOW + 50)
            .filter(|i| l.audit_due(&format!("k{i}"), 1).is_some())
            .count();
        assert_eq!(written as u32, AUDIT_ROWS_PER_WINDOW);
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; handover_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&h, COOKIE), Some("abc"));
        assert_eq!(cookie_value(&h, "c"), None);
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert_eq!(same_origin(&h).unwrap_err().code, "forbidden");
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert_eq!(same_origin(&h).unwrap_err().code, "forbidden");
    }

    #[test]
    fn a_session_post_from_another_origin_is_refused_even_with_its_csrf_token() {
        let caller = Caller {
            user: None,
            via: Via::Session {
                token: "t".into(),
                csrf: "c".into(),
            },
        };
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert("x-csrf-token", HeaderValue::from_static("c"));
        assert!(caller.check_csrf(&h).is_ok());
        for origin in ["http://evil.example", "null", "http://127.0.0.1:8081"] {
            h.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
            assert_eq!(
                caller.check_csrf(&h).unwrap_err().code,
                "forbidden",
                "{origin}"
            );
        }
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(caller.check_csrf(&h).is_ok());
    }

    #[test]
    fn debug_does_not_show_session_secrets() {
        let v = Via::Session {
            token: "secret-token".into(),
            csrf: "secret-csrf".into(),
        };
        let shown = format!("{v:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn comparison_is_exact() {
        assert!(constant_eq(b"abc", b"abc"));
        assert!(!constant_eq(b"abc", b"abd"));
        assert!(!constant_eq(b"abc", b"ab"));
    }
}
