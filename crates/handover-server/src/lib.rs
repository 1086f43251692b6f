//! The handover multi-nation service: JSON under `/api/` with an OpenAPI
//! document generated from the code at `/api/openapi.json`, and the dashboard.
//!
//! The server keeps its data in a [`handover_store::Store`] (SQLite by
//! default): users of nations with roles, versioned scenarios (the seed and
//! every national submission), and an append-only audit log. Every answer is
//! computed by the same engine as the CLI on the newest version, then cut to
//! what the caller's nation may see ([`handover_core::releasability`]): record
//! markings, and the disclosure rule for aggregates. Answers are cached per
//! (version, nation, date). Errors are JSON with a stable `code`, a `message`
//! and, where one is to blame, the `field` (docs/API.md).
#![warn(missing_docs)]

pub mod auth;
mod data;
mod error;
mod views;

pub use error::{ApiError, ErrorCode, ProblemView};
pub use views::{
    Overview, OverviewCapability, OverviewDeadline, OverviewTrigger, FORECAST_SAMPLES,
    FORECAST_SEED,
};

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use error::Path;
use handover_core::forecast::ForecastResult;
use handover_core::releasability::DisclosureRule;
use handover_core::{Evaluation, Scenario};
use handover_store::Store;
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use utoipa::{OpenApi, ToSchema};

/// Dates × nations whose answers are kept per version; emptied when it grows past this.
const CACHE_ENTRIES: usize = 1024;
/// The largest request body: a submission of CSV tables.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// The default date of requests without `at`; `None`: the server's clock at each request.
    pub today: Option<NaiveDate>,
    /// The disclosure rule for aggregates that include figures a caller may not see.
    pub rule: DisclosureRule,
    /// How long a login lasts.
    pub session_ttl: chrono::Duration,
    /// Failed logins allowed per (user name, client address) within
    /// `login_window`; an address may fail four times as often over all names.
    pub login_attempts: u32,
    /// The window of `login_attempts`.
    pub login_window: std::time::Duration,
    /// Mark the session cookie `Secure` (serve behind TLS).
    pub secure_cookies: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            today: None,
            rule: DisclosureRule::default(),
            session_ttl: chrono::Duration::hours(12),
            login_attempts: 5,
            login_window: std::time::Duration::from_secs(15 * 60),
            secure_cookies: false,
        }
    }
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] handover_store::StoreError),
    /// The newest stored version does not load.
    #[error("stored version {version} does not load: {message}")]
    Stored {
        /// The version.
        version: i64,
        /// Why.
        message: String,
    },
}

type Cache = RwLock<HashMap<(Option<String>, NaiveDate), Arc<Vec<u8>>>>;

/// One stored version of the scenario, evaluated, with its caches.
pub struct Current {
    /// Version number in the store.
    pub version: i64,
    /// Content hash.
    pub hash: String,
    /// The scenario, validated.
    pub scenario: handover_core::Valid,
    /// Its projection and metrics.
    pub evaluation: Evaluation,
    forecast: OnceLock<Result<ForecastResult, String>>,
    overview: Cache,
    assessment: Cache,
}

/// The text of a caught panic.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

impl Current {
    /// Evaluate `scenario` for serving and compute now what the views compute
    /// later: the projection, the assessment with its series at the start, the
    /// forecast and the benchmarks. A version that fails any of them is never
    /// stored or served. A panic in the engine (a bug: validation should have
    /// refused the input) is caught and reported as an error, never taken down
    /// with the caller's locks.
    fn try_new(version: i64, scenario: handover_core::Valid) -> Result<Self, String> {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            move || -> Result<Current, String> {
                let evaluation = Evaluation::new(&scenario);
                let start = scenario.scenario.start;
                evaluation
                    .assess(&scenario, start, true)
                    .map_err(|e| e.to_string())?;
                let cur = Current {
                    version,
                    hash: handover_data::content_hash(&scenario),
                    scenario,
                    evaluation,
                    forecast: OnceLock::new(),
                    overview: RwLock::default(),
                    assessment: RwLock::default(),
                };
                let forecast = cur.forecast().map_err(|e| e.message.clone())?;
                let s = &cur.scenario;
                handover_core::trigger::check(
                    s,
                    &cur.evaluation,
                    &s.triggers,
                    start,
                    Some(forecast),
                )
                .map_err(|e| e.to_string())?;
                Ok(cur)
            },
        ));
        match run {
            Ok(result) => result,
            Err(payload) => Err(format!(
                "the engine failed: {}",
                panic_text(payload.as_ref())
            )),
        }
    }

    /// The forecast behind `P(...)` benchmarks and fan charts
    /// ([`FORECAST_SAMPLES`], [`FORECAST_SEED`]), run once per version.
    pub fn forecast(&self) -> Result<&ForecastResult, ApiError> {
        self.forecast
            .get_or_init(|| {
                let s = &self.scenario;
                let model = &self.evaluation.model;
                let inputs = handover_core::uncertainty::uncertain_inputs(s, model);
                handover_core::forecast::Forecast::new(
                    s,
                    model,
                    inputs,
                    FORECAST_SAMPLES,
                    FORECAST_SEED,
                )
                .map(|f| f.run())
                .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| ApiError::internal(e.clone()))
    }
}

/// Newer stored versions than the one served that could not be computed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Degraded {
    /// The newest stored version.
    pub newest_version: i64,
    /// What is wrong, for people (details in the server's log).
    pub message: String,
}

/// What the server serves, shared by every request.
pub struct AppState {
    store: Arc<dyn Store>,
    current: RwLock<Arc<Current>>,
    /// Stores one submission at a time (held only to compare the version a
    /// submission was merged into with the newest and to store it).
    submitting: Mutex<()>,
    config: Config,
    limiter: auth::Limiter,
    degraded: Option<Degraded>,
}

impl AppState {
    /// Serve the newest version in `store`; an empty store is first seeded
    /// with `seed` (validated) as version 1.
    pub fn open(
        store: Arc<dyn Store>,
        seed: &Scenario,
        config: Config,
    ) -> Result<Self, StartError> {
        let newest = match store.latest_version()? {
            Some((version, _)) => version,
            None => {
                let json = handover_data::to_json(seed);
                let hash = handover_data::content_hash(seed);
                store.add_version(None, None, "seed", &json, &hash, &[])?
            }
        };
        // Serve the newest version that computes, read back as every later
        // start reads it, so answers (e.g. the cells sensitivity rankings
        // name) do not change across a restart. A newer version that cannot be
        // computed is skipped, logged and reported by /api/health.
        let mut failures = vec![];
        let mut served = None;
        for version in (1..=newest).rev() {
            match Self::load(store.as_ref(), version) {
                Ok(cur) => {
                    served = Some(cur);
                    break;
                }
                Err(message) => {
                    tracing::error!(version, %message, "stored version cannot be served");
                    failures.push((version, message));
                }
            }
        }
        let Some(current) = served else {
            let (version, message) = failures
                .into_iter()
                .next()
                .unwrap_or((newest, String::new()));
            return Err(StartError::Stored { version, message });
        };
        let degraded = (current.version != newest).then(|| {
            let skipped: Vec<String> = failures.iter().map(|(v, _)| v.to_string()).collect();
            let message = format!(
                "stored version {} cannot be computed; serving version {}, the newest that can (see the server log)",
                skipped.join(", "),
                current.version
            );
            tracing::warn!(served = current.version, newest, "{message}");
            Degraded {
                newest_version: newest,
                message,
            }
        });
        let limiter = auth::Limiter::new(config.login_attempts, config.login_window);
        Ok(AppState {
            store,
            current: RwLock::new(Arc::new(current)),
            submitting: Mutex::new(()),
            config,
            limiter,
            degraded,
        })
    }

    /// Stored version `version`, loaded and computed.
    fn load(store: &dyn Store, version: i64) -> Result<Current, String> {
        let json = store
            .version_json(version)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("version {version} is missing"))?;
        // Read back as a `Valid` scenario: a version that no longer
        // validates is refused here.
        let scenario = handover_data::from_json(&format!("version {version}"), &json)
            .map_err(|e| e.to_string())?
            .scenario;
        Current::try_new(version, scenario)
    }

    /// The version being served.
    pub fn current(&self) -> Arc<Current> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replace the version served.
    fn replace(&self, c: Current) {
        let mut w = match self.current.write() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        *w = Arc::new(c);
    }

    /// Why a newer stored version than the one served is not served, if so.
    pub fn degraded(&self) -> Option<&Degraded> {
        self.degraded.as_ref()
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}

/// `GET /api/health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when a newer stored version than the one served
    /// cannot be computed (see `degraded`).
    pub status: &'static str,
    /// handover version.
    pub version: &'static str,
    /// Name of the scenario served.
    pub scenario: String,
    /// The stored version served.
    pub data_version: i64,
    /// Why a newer stored version is not served, when one is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded: Option<Degraded>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "handover API",
        description = "Where Europe stands against its defence requirements, per capability and deadline, as the caller's nation may see it. Field meanings: docs/OUTPUT.md; errors and authentication: docs/API.md."
    ),
    paths(
        health,
        views::overview,
        views::assessment,
        views::capability,
        views::nation,
        views::plan,
        auth::me,
        auth::login,
        auth::logout,
        auth::create_token,
        auth::tokens,
        auth::revoke_token,
        auth::users,
        auth::create_user,
        data::check_submission,
        data::submit,
        data::versions,
        data::version_file,
        data::audit,
        openapi_json
    ),
    components(schemas(
        ApiError,
        ErrorCode,
        ProblemView,
        Health,
        Degraded,
        Overview,
        OverviewCapability,
        OverviewDeadline,
        OverviewTrigger,
        auth::LoginRequest,
        auth::Me,
        auth::DisclosureView,
        auth::UserView,
        auth::TokenRequest,
        auth::TokenView,
        auth::TokenInfoView,
        auth::NewUser,
        data::Submission,
        data::SubmittedFile,
        data::CheckResult,
        data::Submitted,
        data::VersionView,
        data::AuditView
    ))
)]
struct ApiDoc;

/// The OpenAPI document of this API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The API's and the dashboard's routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/overview", get(views::overview))
        .route("/api/assessment", get(views::assessment))
        .route("/api/capabilities/{id}", get(views::capability))
        .route("/api/nations/{code}", get(views::nation))
        .route("/api/plan", get(views::plan))
        .route("/api/me", get(auth::me))
        .route("/api/login", post(auth::login))
        .route("/api/logout", post(auth::logout))
        .route("/api/tokens", get(auth::tokens).post(auth::create_token))
        .route(
            "/api/tokens/{id}",
            axum::routing::delete(auth::revoke_token),
        )
        .route("/api/users", get(auth::users).post(auth::create_user))
        .route("/api/submissions/check", post(data::check_submission))
        .route("/api/submissions", post(data::submit))
        .route("/api/versions", get(data::versions))
        .route(
            "/api/versions/{version}/files/{name}",
            get(data::version_file),
        )
        .route("/api/audit", get(data::audit))
        .route("/api/openapi.json", get(openapi_json))
        .route("/", get(|| async { page(OVERVIEW_HTML) }))
        .route("/capability/{id}", get(|| async { page(CAPABILITY_HTML) }))
        .route("/nation/{code}", get(|| async { page(NATION_HTML) }))
        .route("/login", get(|| async { page(LOGIN_HTML) }))
        .route("/data", get(|| async { page(DATA_HTML) }))
        .route("/plan", get(|| async { page(PLAN_HTML) }))
        .route("/triggers", get(|| async { page(TRIGGERS_HTML) }))
        .route("/assets/{file}", get(asset))
        .fallback(|| async {
            ApiError::not_found("path", "no such endpoint; see /api/openapi.json")
        })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// The nation of a request's caller, filled in by the [`auth::Caller`]
/// extractor for the request log.
#[derive(Clone, Default)]
pub(crate) struct LoggedNation(Arc<Mutex<Option<String>>>);

impl LoggedNation {
    /// Note the caller's nation.
    pub(crate) fn set(&self, nation: &str) {
        if let Ok(mut n) = self.0.lock() {
            *n = Some(nation.to_string());
        }
    }

    fn get(&self) -> Option<String> {
        self.0.lock().ok().and_then(|n| n.clone())
    }
}

/// One log event per request (target `handover_server::request`): method,
/// path without the query string, status, latency in ms and the caller's
/// nation when known. Never a header, a cookie, a token or a body.
async fn log_request(mut req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path: String = req.uri().path().chars().take(256).collect();
    let nation = LoggedNation::default();
    req.extensions_mut().insert(nation.clone());
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let latency_ms = (latency_ms * 10.0).round() / 10.0;
    let nation = nation.get().unwrap_or_else(|| "-".to_string());
    if response.status().is_server_error() {
        tracing::warn!(target: "handover_server::request", %method, %path, status, latency_ms, %nation, "request");
    } else {
        tracing::info!(target: "handover_server::request", %method, %path, status, latency_ms, %nation, "request");
    }
    response
}

const OVERVIEW_HTML: &str = include_str!("../assets/overview.html");
const CAPABILITY_HTML: &str = include_str!("../assets/capability.html");
const NATION_HTML: &str = include_str!("../assets/nation.html");
const LOGIN_HTML: &str = include_str!("../assets/login.html");
const DATA_HTML: &str = include_str!("../assets/data.html");
const PLAN_HTML: &str = include_str!("../assets/plan.html");
const TRIGGERS_HTML: &str = include_str!("../assets/triggers.html");

/// Only this server's own files run on its pages.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'";

fn page(html: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "same-origin"),
        ],
        html,
    )
        .into_response()
}

/// The dashboard's static files, embedded in the binary.
async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static str, &str) = match file.as_str() {
        "uPlot.iife.min.js" => (
            include_str!("../assets/uPlot.iife.min.js"),
            "text/javascript",
        ),
        "uPlot.min.css" => (include_str!("../assets/uPlot.min.css"), "text/css"),
        "dashboard.js" => (include_str!("../assets/dashboard.js"), "text/javascript"),
        "dashboard.css" => (include_str!("../assets/dashboard.css"), "text/css"),
        _ => return ApiError::not_found("file", format!("no asset `{file}`")).into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Serve on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Health check.
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = Health)))]
async fn health(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
) -> axum::Json<Health> {
    let cur = state.current();
    // A submission after a degraded start is served and newer than the bad version.
    let degraded = state
        .degraded
        .clone()
        .filter(|d| d.newest_version > cur.version);
    axum::Json(Health {
        status: if degraded.is_some() { "degraded" } else { "ok" },
        version: env!("CARGO_PKG_VERSION"),
        scenario: cur.scenario.scenario.name.clone(),
        data_version: cur.version,
        degraded,
    })
}

/// The schema of `GET /api/openapi.json`: an OpenAPI 3.1 document (only
/// describes it; the answer is generated by utoipa).
#[derive(ToSchema)]
#[allow(dead_code)]
struct OpenApiDocument {
    /// The OpenAPI version, `3.1.0`.
    openapi: String,
    /// Title, version and description of this API.
    #[schema(value_type = Object)]
    info: serde_json::Value,
    /// Every endpoint.
    #[schema(value_type = Object)]
    paths: serde_json::Value,
    /// The schemas the endpoints refer to.
    #[schema(value_type = Object)]
    components: serde_json::Value,
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", responses(
        (status = 200, description = "OpenAPI 3.1 document", body = OpenApiDocument),
        (status = 500, body = ApiError, description = "internal: a defect; the answer carries the `id` under which the server logged it")
    ))]
async fn openapi_json() -> Response {
    match openapi().to_pretty_json() {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}

/// The cached answer for (nation, date), computed with `make` on a miss.
fn cached(
    cache: &Cache,
    key: (Option<String>, NaiveDate),
    make: impl FnOnce() -> Result<Vec<u8>, ApiError>,
) -> Result<Arc<Vec<u8>>, ApiError> {
    if let Some(hit) = cache.read().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(hit);
    }
    let bytes = Arc::new(make()?);
    if let Ok(mut c) = cache.write() {
        if c.len() >= CACHE_ENTRIES {
            c.clear();
        }
        c.insert(key, bytes.clone());
    }
    Ok(bytes)
}
