//! National submissions (checked, then stored as a new version), the version
//! history and the audit log.

use crate::auth::Caller;
use crate::error::{Json, Path, Query};
use crate::{ApiError, AppState, Current, ProblemView};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use handover_core::releasability::{Viewer, Visibility};
use handover_core::validate::Severity;
use handover_data::LoadError;
use handover_store::{Role, User};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// One file of a submission.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmittedFile {
    /// A table of the scenario format, e.g. `holdings.csv`.
    pub name: String,
    /// Its text (UTF-8 CSV).
    pub text: String,
}

/// `POST /api/submissions` and `/api/submissions/check` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The tables, each replacing the caller's nation's rows in that table.
    pub files: Vec<SubmittedFile>,
    /// What changed, for the history (required to submit).
    #[serde(default)]
    pub message: Option<String>,
}

/// The answer of a check: every problem by file, line and field; nothing is stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    /// No errors: the submission would be accepted.
    pub ok: bool,
    /// Errors and warnings.
    pub problems: Vec<ProblemView>,
    /// Rows per submitted file.
    pub rows: HashMap<String, usize>,
}

/// A stored submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    /// The new version number.
    pub version: i64,
    /// Its content hash.
    pub hash: String,
    /// Warnings (e.g. a figure without a source).
    pub warnings: Vec<ProblemView>,
}

/// The longest submission message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// A version in the history.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    /// Version number.
    pub version: i64,
    /// When it was stored (RFC 3339).
    pub created_at: String,
    /// Who submitted it (`null`: the seed, or another nation's version).
    pub author: Option<String>,
    /// For which nation.
    pub nation: Option<String>,
    /// What changed; `null` when the version is another nation's (a
    /// message describes that nation's rows, so it is shown, with the
    /// author, to that nation's users only).
    pub message: Option<String>,
    /// Files submitted.
    pub files: Vec<String>,
    /// Content hash of the whole scenario.
    pub hash: String,
    /// Whether this is the version being served.
    pub current: bool,
}

/// An audit log entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    /// Sequence number.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub username: Option<String>,
    /// Their nation.
    pub nation: Option<String>,
    /// What: `version.seed`, `version.submit`, `user.create`, `token.create`, `login`, `login.failed`, `login.blocked`, `logout`.
    pub action: String,
    /// Detail.
    pub detail: String,
    /// The version it made, if any.
    pub version: Option<i64>,
}

/// Times a submission is merged again when others were stored while it was
/// being checked, before the caller is asked to retry.
const SUBMIT_ATTEMPTS: usize = 8;

fn submitter(caller: &Caller) -> Result<(User, String), ApiError> {
    let u = caller.with_role(Role::Submitter)?;
    let nation = u.nation.clone().ok_or_else(|| {
        ApiError::forbidden(format!(
            "`{}` belongs to no nation; only a nation's submitters submit",
            u.username
        ))
    })?;
    Ok((u.clone(), nation))
}

fn merge(
    cur: &Current,
    nation: &str,
    sub: &Submission,
) -> (
    Result<handover_data::Loaded, Vec<handover_core::validate::Problem>>,
    HashMap<String, usize>,
) {
    let files: Vec<(String, String)> = sub
        .files
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect();
    let rows = sub
        .files
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                handover_data::submission::size_of(&f.text).0,
            )
        })
        .collect();
    let run = |current: &handover_core::Scenario| {
        handover_data::submission::merge(current, nation, &files, |f| f.to_string()).map_err(|e| {
            match e {
                LoadError::Invalid(ps) => ps,
                LoadError::Io { path, source } => vec![handover_core::validate::Problem::error(
                    &handover_core::scenario::Origin::line(path.display().to_string(), 1),
                    "",
                    source.to_string(),
                )],
            }
        })
    };
    let vis = Visibility::new(&cur.scenario, &Viewer::of(nation));
    // Checked first against the version as the submitter sees it, so that
    // what it is told depends on nothing it may not see; then merged into
    // the version itself, which differs only in the hidden records' ids.
    let result = match run(&as_seen_by(&cur.scenario, &vis)) {
        Err(ps) => Err(own_problems(ps, &vis)),
        Ok(_) => match run(&cur.scenario) {
            Ok(mut loaded) => {
                loaded.warnings = own_problems(loaded.warnings, &vis);
                Ok(loaded)
            }
            Err(ps) => Err(own_problems(ps, &vis)
                .into_iter()
                .map(|mut p| {
                    if p.line.is_some() {
                        p.message = "this row conflicts with a stored record: an id it uses is taken; \
                                     choose another (national ids are best prefixed with the nation's \
                                     code, e.g. `fr-...`)"
                            .into();
                    }
                    p
                })
                .collect()),
        },
    };
    (result, rows)
}

/// The scenario as a check of `vis`'s submission sees it: the lines and orders
/// not released to it renamed to ids nobody can guess (random for each
/// check), so that a reference to one is an unknown id, no suggestion names
/// one, and no message about the submitted rows hints at one.
fn as_seen_by(s: &handover_core::Scenario, vis: &Visibility) -> handover_core::Scenario {
    use handover_core::table::TableId as R;
    let mut salt = [0u8; 8];
    if getrandom::fill(&mut salt).is_err() {
        salt = [0x5a; 8];
    }
    let salt: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    let mut s = s.clone();
    let mut renamed: HashMap<String, String> = HashMap::new();
    for (i, l) in s.lines.iter_mut().enumerate() {
        if !vis.row(R::Lines, i) {
            let id = format!("hidden-{salt}-line-{i}");
            renamed.insert(std::mem::replace(&mut l.id, id.clone()), id);
        }
    }
    for c in &mut s.capacity {
        if let Some(id) = renamed.get(&c.line) {
            c.line = id.clone();
        }
    }
    for (i, o) in s.orders.iter_mut().enumerate() {
        if let Some(id) = renamed.get(&o.line) {
            o.line = id.clone();
        }
        if !vis.row(R::Orders, i) {
            o.id = format!("hidden-{salt}-order-{i}");
        }
    }
    s
}

/// What a submitter is told: problems on the lines it sent, in full;
/// warnings on stored rows, not at all; errors on stored rows that the
/// submission breaks, in full when the row is released to the submitter,
/// else without naming it.
fn own_problems(
    problems: Vec<handover_core::validate::Problem>,
    vis: &Visibility,
) -> Vec<handover_core::validate::Problem> {
    problems
        .into_iter()
        .filter_map(|mut p| {
            if p.record.is_none() || p.line.is_some() {
                return Some(p);
            }
            if p.severity == Severity::Warning {
                return None;
            }
            match p.row.and_then(|r| Some((r.table, vis.seen_index(r.table, r.row)?))) {
                // Named by its place among the rows released to the
                // submitter, so the index counts no hidden row.
                Some((table, before)) => {
                    p.record = Some(format!(
                        "{}[{before}] of the current version, counting the rows released to you",
                        table.name()
                    ));
                }
                None => {
                    p.record = None;
                    p.field = String::new();
                    p.message = "the submission conflicts with a stored record that is not released to you (e.g. another nation's order on a line you removed); ask an administrator".into();
                }
            }
            Some(p)
        })
        .collect()
}

fn views(ps: &[handover_core::validate::Problem]) -> Vec<ProblemView> {
    ProblemView::sorted(ps)
}

/// Check a submission: every problem by file, line and field; nothing is stored.
#[utoipa::path(
    post,
    path = "/api/submissions/check",
    request_body = Submission,
    responses(
        (status = 200, body = CheckResult),
        (status = 400, body = ApiError, description = "invalid_input: a body that is not JSON of this shape (`field` names the field)"),
        crate::error::CallerErrors,
        (status = 403, body = ApiError, description = "forbidden: not a submitter of a nation, or a cross-site request; csrf: missing token"),
        crate::error::BodyErrors
    )
)]
pub async fn check_submission(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Json(sub): Json<Submission>,
) -> Result<Json<CheckResult>, ApiError> {
    caller.check_csrf(&headers)?;
    let (_, nation) = submitter(&caller)?;
    let cur = state.current();
    let (result, rows) = tokio::task::spawn_blocking(move || merge(&cur, &nation, &sub))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(match result {
        Ok(loaded) => CheckResult {
            ok: true,
            problems: views(&loaded.warnings),
            rows,
        },
        Err(ps) => CheckResult {
            ok: !ps.iter().any(|p| p.severity == Severity::Error),
            problems: views(&ps),
            rows,
        },
    }))
}

/// Submit tables for the caller's nation: checked as `/check` does, then
/// stored as a new version in one transaction with its audit entry. A
/// submission with any error stores nothing (422 with every problem).
#[utoipa::path(
    post,
    path = "/api/submissions",
    request_body = Submission,
    responses(
        (status = 201, body = Submitted),
        (status = 400, body = ApiError, description = "invalid_input: no message or one over 500 characters, no file, or a body that is not JSON of this shape (`field` names the field)"),
        crate::error::CallerErrors,
        (status = 403, body = ApiError, description = "forbidden: not a submitter of a nation, or a cross-site request; csrf: missing token"),
        crate::error::BodyErrors,
        (status = 422, body = ApiError, description = "invalid_submission: `problems` by file, line and field; nothing stored. uncomputable: valid, but the engine cannot compute it; nothing stored"),
        (status = 503, body = ApiError, description = "busy: other submissions kept being stored meanwhile; nothing stored, retry")
    )
)]
pub async fn submit(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Json(sub): Json<Submission>,
) -> Result<Response, ApiError> {
    caller.check_csrf(&headers)?;
    let (user, nation) = submitter(&caller)?;
    let message = sub.message.clone().unwrap_or_default();
    let length = message.trim().chars().count();
    if length > MAX_MESSAGE_CHARS {
        return Err(ApiError::invalid(
            "message",
            format!("the message has {length} characters; say what changed in at most {MAX_MESSAGE_CHARS}"),
        ));
    }
    if message.trim().is_empty() {
        return Err(ApiError::invalid(
            "message",
            "say what the submission changes, e.g. \"holdings as of 2026-10\"",
        ));
    }
    if sub.files.is_empty() {
        return Err(ApiError::invalid(
            "files",
            "a submission needs at least one file",
        ));
    }
    let st = state.clone();
    let out = tokio::task::spawn_blocking(move || -> Result<Submitted, ApiError> {
        let files: Vec<(String, String)> = sub
            .files
            .iter()
            .map(|f| (f.name.clone(), f.text.clone()))
            .collect();
        // Merge, validate and compute without the lock, on the newest version;
        // store only if no other submission was stored meanwhile, else again
        // on the newer one.
        for _ in 0..SUBMIT_ATTEMPTS {
            let cur = st.current();
            let (result, _) = merge(&cur, &nation, &sub);
            let loaded = result.map_err(|ps| ApiError::submission(&ps))?;
            let json = handover_data::to_json(&loaded.scenario);
            let hash = handover_data::content_hash(&loaded.scenario);
            // Serve what is stored, read back as any restart would read it,
            // and computed in full before it is stored.
            let stored = handover_data::from_json("the submitted version", &json)
                .map_err(|e| ApiError::internal(format!("a merged version does not load: {e}")))?;
            let mut next = Current::try_new(cur.version + 1, stored.scenario).map_err(|e| {
                tracing::error!(nation = %nation, error = %e, "a validated submission cannot be computed");
                ApiError::uncomputable()
            })?;
            // Held only to compare versions and store: nothing here panics on
            // user data, and a poisoned lock guards no data, so it is recovered.
            let _guard = st
                .submitting
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if st.current().version != cur.version {
                continue;
            }
            let version = st.store.add_version(
                Some(&user),
                Some(&nation),
                message.trim(),
                &json,
                &hash,
                &files,
            )?;
            next.version = version;
            st.replace(next);
            return Ok(Submitted {
                version,
                hash,
                warnings: views(&loaded.warnings),
            });
        }
        Err(ApiError::busy())
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// The version history, newest first (logged-in users).
#[utoipa::path(get, path = "/api/versions", responses(
        (status = 200, body = [VersionView]),
        crate::error::CallerErrors
    ))]
pub async fn versions(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Vec<VersionView>>, ApiError> {
    let u = caller.user()?;
    let current = state.current().version;
    Ok(Json(
        state
            .store
            .versions()?
            .into_iter()
            .map(|v| {
                // The seed and administrators' versions have no nation.
                let shown = v.nation.is_none() || v.nation == u.nation;
                VersionView {
                    current: v.version == current,
                    version: v.version,
                    created_at: v.created_at,
                    author: v.author.filter(|_| shown),
                    nation: v.nation,
                    message: shown.then_some(v.message),
                    files: v.files,
                    hash: v.hash,
                }
            })
            .collect(),
    ))
}

/// A file as it was submitted: to its own nation's users only.
#[utoipa::path(
    get,
    path = "/api/versions/{version}/files/{name}",
    params(("version" = i64, Path, description = "Version"), ("name" = String, Path, description = "File name, e.g. holdings.csv")),
    responses(
        (status = 200, description = "The CSV text", content_type = "text/csv"),
        (status = 400, body = ApiError, description = "invalid_input: a version that is not a whole number (`field`: `version`)"),
        crate::error::CallerErrors,
        (status = 403, body = ApiError, description = "forbidden: a file of another nation, for a non-administrator"),
        (status = 404, body = ApiError, description = "not_found: no such version (`field`: `version`) or file (`field`: `name`)")
    )
)]
pub async fn version_file(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path((version, name)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    let u = caller.user()?;
    let info = state
        .store
        .versions()?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| ApiError::not_found("version", format!("no version {version}")))?;
    // Administrators run the service, not the data: a nation's files are
    // shown to that nation's users only (docs/API.md, "Users, nations, roles").
    if !(info.nation.is_some() && info.nation == u.nation) {
        return Err(ApiError::forbidden(
            "a submitted file is shown to its own nation's users only",
        ));
    }
    let text = state.store.version_file(version, &name)?.ok_or_else(|| {
        ApiError::not_found("name", format!("version {version} has no file `{name}`"))
    })?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
}

/// The audit log, newest first: everything for admins, the caller's nation's entries for others.
#[utoipa::path(
    get,
    path = "/api/audit",
    params(("limit" = Option<usize>, Query, description = "At most this many entries (default 200, at most 10,000)")),
    responses(
        (status = 200, body = [AuditView]),
        (status = 400, body = ApiError, description = "invalid_input: a bad `limit` or an unknown parameter"),
        crate::error::CallerErrors
    )
)]
pub async fn audit(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    let u = caller.user()?;
    for key in q.keys() {
        if key != "limit" {
            return Err(ApiError::invalid(
                key,
                format!("unknown parameter `{key}`; expected `limit`"),
            ));
        }
    }
    let limit = match q.get("limit") {
        None => 200,
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=10_000).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    format!("`{t}` is not a whole number from 1 to 10000"),
                ))
            }
        },
    };
    let nation = if u.has(Role::Admin) {
        None
    } else {
        match &u.nation {
            Some(n) => Some(n.clone()),
            // An account of no nation has no nation's entries to see.
            None => return Ok(Json(vec![])),
        }
    };
    Ok(Json(
        state
            .store
            .audit(nation.as_deref(), limit)?
            .into_iter()
            .map(|e| AuditView {
                id: e.id,
                at: e.at,
                username: e.username,
                nation: e.nation,
                action: e.action,
                detail: e.detail,
                version: e.version,
            })
            .collect(),
    ))
}
