//! The handover HTTP API: JSON under `/api/`, with an OpenAPI document
//! generated from the code at `/api/openapi.json`.
//!
//! This is the first part of the multi-nation service (`handover serve`): a
//! read-only API over one scenario (by default the bundled public dataset).
//! Every answer is computed by the same engine as the CLI and is cached per
//! date, so repeated requests cost a lookup. Errors are JSON with a stable
//! `code`, a `message` and, where one is to blame, the `field` (docs/API.md).

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use handover_core::forecast::Forecast;
use handover_core::projection::Model;
use handover_core::trigger;
use handover_core::{Evaluation, Scenario};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use utoipa::{OpenApi, ToSchema};

/// Forecast samples behind `P(...)` benchmarks in the overview (as the CLI's default).
pub const FORECAST_SAMPLES: u64 = 10_000;
/// Forecast seed behind `P(...)` benchmarks in the overview.
pub const FORECAST_SEED: u64 = 1;
/// Dates whose answers are kept; the cache is emptied when it grows past this.
const CACHE_DATES: usize = 256;

/// An API error: a stable code, a message, and the field at fault.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable code: `invalid_input`, `not_found`, `internal`.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The parameter or field at fault, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip)]
    status: StatusCode,
}

impl ApiError {
    /// A 400 naming the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: "invalid_input",
            message: message.into(),
            field: Some(field.into()),
            status: StatusCode::BAD_REQUEST,
        }
    }

    /// A 404 naming the field.
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: "not_found",
            message: message.into(),
            field: Some(field.into()),
            status: StatusCode::NOT_FOUND,
        }
    }

    fn internal(message: impl Into<String>) -> Self {
        ApiError {
            code: "internal",
            message: message.into(),
            field: None,
            status: StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

/// `GET /api/health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: &'static str,
    /// handover version.
    pub version: &'static str,
    /// Name of the scenario served.
    pub scenario: String,
}

/// One capability in the overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewCapability {
    /// Capability id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Coverage at the date (`null`: no data).
    pub coverage: Option<f64>,
    /// US dependency at the date (`null`: no data).
    pub us_dependency: Option<f64>,
    /// Status per deadline id: `on-track`, `at-risk`, `off-track`, `no-data`.
    pub status: HashMap<String, String>,
}

/// A benchmark in the overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewTrigger {
    /// Trigger id.
    pub id: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// `fires`, `holds` or `unknown`.
    pub state: String,
    /// The rule as written.
    pub rule: String,
    /// The figures that decided it.
    pub figures: Vec<String>,
    /// The action it calls for.
    pub action: String,
}

/// A deadline.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewDeadline {
    /// Deadline id.
    pub id: String,
    /// Its date.
    pub date: NaiveDate,
}

/// `GET /api/overview`: where Europe stands, for the dashboard's first page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    /// Scenario name.
    pub scenario: String,
    /// Date assessed.
    pub at: NaiveDate,
    /// The scenario's deadlines, by date.
    pub deadlines: Vec<OverviewDeadline>,
    /// Readiness index at the date.
    pub index: Option<f64>,
    /// Readiness index at each deadline.
    pub index_at_deadlines: HashMap<String, Option<f64>>,
    /// Last day of each period.
    pub dates: Vec<NaiveDate>,
    /// Readiness index per period (`null`: no capability has data).
    pub index_series: Option<Vec<f64>>,
    /// Glide path of the index to each deadline: the weighted mean of the
    /// capabilities' glide paths (coverage terms), over the index's members.
    pub index_glide: HashMap<String, Vec<f64>>,
    /// Per capability.
    pub capabilities: Vec<OverviewCapability>,
    /// The scenario's benchmarks at the date.
    pub triggers: Vec<OverviewTrigger>,
    /// Samples and seed of the forecast behind `P(...)` benchmarks.
    pub forecast: Option<(u64, u64)>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "handover API",
        description = "Where Europe stands against its defence requirements, per capability and deadline. Field meanings: docs/OUTPUT.md; errors: docs/API.md."
    ),
    paths(health, overview, assessment, capability, openapi_json),
    components(schemas(
        ApiError,
        Health,
        Overview,
        OverviewCapability,
        OverviewDeadline,
        OverviewTrigger
    ))
)]
struct ApiDoc;

/// The OpenAPI document of this API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// What the server serves, shared by every request.
pub struct AppState {
    scenario: Scenario,
    evaluation: Evaluation,
    today: Option<NaiveDate>,
    overview: RwLock<HashMap<NaiveDate, Arc<Vec<u8>>>>,
    assessment: RwLock<HashMap<NaiveDate, Arc<Vec<u8>>>>,
}

impl AppState {
    /// Serve `scenario` (validated). `today` fixes the default date of
    /// requests without `at`; `None` uses the server's clock at each request.
    pub fn new(scenario: Scenario, today: Option<NaiveDate>) -> Self {
        let evaluation = Evaluation::new(&scenario);
        AppState {
            scenario,
            evaluation,
            today,
            overview: RwLock::default(),
            assessment: RwLock::default(),
        }
    }
}

/// The API's routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/overview", get(overview))
        .route("/api/assessment", get(assessment))
        .route("/api/capabilities/{id}", get(capability))
        .route("/api/openapi.json", get(openapi_json))
        .route("/", get(|| async { page(OVERVIEW_HTML) }))
        .route("/capability/{id}", get(|| async { page(CAPABILITY_HTML) }))
        .route("/assets/{file}", get(asset))
        .fallback(|| async {
            ApiError::not_found("path", "no such endpoint; see /api/openapi.json")
        })
        .with_state(state)
}

const OVERVIEW_HTML: &str = include_str!("../assets/overview.html");
const CAPABILITY_HTML: &str = include_str!("../assets/capability.html");

/// Only this server's own files run on its pages.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";

fn page(html: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
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
            (header::CACHE_CONTROL, "public, max-age=3600"),
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
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

fn json_bytes(bytes: Arc<Vec<u8>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        bytes.as_ref().clone(),
    )
        .into_response()
}

/// The `at` query parameter: a date inside the scenario, default today.
fn date_param(state: &AppState, q: &HashMap<String, String>) -> Result<NaiveDate, ApiError> {
    for key in q.keys() {
        if key != "at" {
            return Err(ApiError::invalid(
                key,
                format!("unknown parameter `{key}`; expected `at`"),
            ));
        }
    }
    let at = match q.get("at") {
        None => state
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        Some(text) => text.parse().map_err(|_| {
            ApiError::invalid("at", format!("`{text}` is not a date; expected YYYY-MM-DD"))
        })?,
    };
    let s = &state.scenario.scenario;
    if at < s.start || at > s.horizon {
        return Err(ApiError::invalid(
            "at",
            format!(
                "{at} is outside the scenario ({} to {}); pass at=YYYY-MM-DD within it",
                s.start, s.horizon
            ),
        ));
    }
    Ok(at)
}

/// The cached answer for `at`, computed with `make` on a miss.
fn cached(
    cache: &RwLock<HashMap<NaiveDate, Arc<Vec<u8>>>>,
    at: NaiveDate,
    make: impl FnOnce() -> Result<Vec<u8>, ApiError>,
) -> Result<Arc<Vec<u8>>, ApiError> {
    if let Some(hit) = cache.read().ok().and_then(|c| c.get(&at).cloned()) {
        return Ok(hit);
    }
    let bytes = Arc::new(make()?);
    if let Ok(mut c) = cache.write() {
        if c.len() >= CACHE_DATES {
            c.clear();
        }
        c.insert(at, bytes.clone());
    }
    Ok(bytes)
}

fn assess(state: &AppState, at: NaiveDate) -> Result<handover_core::Assessment, ApiError> {
    state
        .evaluation
        .assess(&state.scenario, at, true)
        .map_err(|e| ApiError::invalid("at", e.to_string()))
}

/// Health check.
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = Health)))]
async fn health(State(state): State<Arc<AppState>>) -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        scenario: state.scenario.scenario.name.clone(),
    })
}

/// Where Europe stands: index over time, coverage and status per capability, benchmarks.
#[utoipa::path(
    get,
    path = "/api/overview",
    params(("at" = Option<String>, Query, description = "Date YYYY-MM-DD (default: today)")),
    responses(
        (status = 200, body = Overview),
        (status = 400, body = ApiError, description = "invalid_input: bad or out-of-range `at`")
    )
)]
async fn overview(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let at = date_param(&state, &q)?;
    let st = state.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        cached(&st.overview, at, || {
            let o = make_overview(&st, at)?;
            serde_json::to_vec(&o).map_err(|e| ApiError::internal(e.to_string()))
        })
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(json_bytes(bytes))
}

fn make_overview(state: &AppState, at: NaiveDate) -> Result<Overview, ApiError> {
    let s = &state.scenario;
    let a = assess(state, at)?;
    let needs_forecast = s
        .triggers
        .iter()
        .any(|t| t.rule.expr().is_some_and(|e| e.needs_forecast()));
    let forecast = if needs_forecast {
        let model = Model::compile(s);
        let inputs = handover_core::uncertainty::uncertain_inputs(s, &model);
        let f = Forecast::new(s, &model, inputs, FORECAST_SAMPLES, FORECAST_SEED)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Some(f.run())
    } else {
        None
    };
    let checks = trigger::check(s, &state.evaluation, &s.triggers, at, forecast.as_ref())
        .map_err(|e| ApiError::invalid("at", e.to_string()))?;
    let series = a.series.as_ref();
    let mut index_glide: HashMap<String, Vec<f64>> = HashMap::new();
    if let Some(x) = series {
        for d in &a.deadlines {
            let mut sum = vec![0.0; x.dates.len()];
            let mut weights = 0.0;
            for c in &a.capabilities {
                let glide = x.capabilities.get(&c.id).and_then(|cs| cs.glide.get(&d.id));
                if let (true, Some(g)) = (a.index.included.contains(&c.id), glide) {
                    for (acc, v) in sum.iter_mut().zip(g) {
                        *acc += c.weight * v;
                    }
                    weights += c.weight;
                }
            }
            if weights > 0.0 {
                index_glide.insert(d.id.clone(), sum.iter().map(|v| v / weights).collect());
            }
        }
    }
    Ok(Overview {
        scenario: a.scenario.clone(),
        at,
        deadlines: a
            .deadlines
            .iter()
            .map(|d| OverviewDeadline {
                id: d.id.clone(),
                date: d.date,
            })
            .collect(),
        index: a.index.at,
        index_at_deadlines: a.index.deadlines.clone().into_iter().collect(),
        dates: series.map(|x| x.dates.clone()).unwrap_or_default(),
        index_series: series.and_then(|x| x.index.clone()),
        index_glide,
        capabilities: a
            .capabilities
            .iter()
            .map(|c| OverviewCapability {
                id: c.id.clone(),
                name: c.name.clone(),
                coverage: c.coverage,
                us_dependency: c.us_dependency,
                status: c
                    .deadlines
                    .iter()
                    .map(|d| (d.deadline.clone(), d.status.to_string()))
                    .collect(),
            })
            .collect(),
        triggers: checks
            .triggers
            .iter()
            .map(|t| OverviewTrigger {
                id: t.id.clone(),
                severity: t.severity.to_string(),
                state: t.state.to_string(),
                rule: t.rule.clone(),
                figures: t.figures.clone(),
                action: t.action.clone(),
            })
            .collect(),
        forecast: forecast.map(|f| (f.samples, f.seed)),
    })
}

/// The full assessment, as `handover --format json assess --series` prints it.
#[utoipa::path(
    get,
    path = "/api/assessment",
    params(("at" = Option<String>, Query, description = "Date YYYY-MM-DD (default: today)")),
    responses(
        (status = 200, description = "The assessment; fields in docs/OUTPUT.md", body = Object),
        (status = 400, body = ApiError)
    )
)]
async fn assessment(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let at = date_param(&state, &q)?;
    let bytes = cached(&state.assessment, at, || {
        let a = assess(&state, at)?;
        serde_json::to_vec(&a).map_err(|e| ApiError::internal(e.to_string()))
    })?;
    Ok(json_bytes(bytes))
}

/// One capability's assessment and per-period series.
#[utoipa::path(
    get,
    path = "/api/capabilities/{id}",
    params(
        ("id" = String, Path, description = "Capability id, e.g. iamd-long"),
        ("at" = Option<String>, Query, description = "Date YYYY-MM-DD (default: today)")
    ),
    responses(
        (status = 200, description = "`assessment` and `series` of the capability", body = Object),
        (status = 400, body = ApiError),
        (status = 404, body = ApiError, description = "not_found: no such capability (with a suggestion)")
    )
)]
async fn capability(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let at = date_param(&state, &q)?;
    let a = assess(&state, at)?;
    let Some(c) = a.capabilities.iter().find(|c| c.id == id) else {
        let hint = handover_core::validate::suggest(
            &id,
            state.scenario.capabilities.iter().map(|c| c.id.as_str()),
        );
        return Err(ApiError::not_found(
            "id",
            format!("no capability `{id}`{hint}"),
        ));
    };
    let series = a.series.as_ref().and_then(|s| s.capabilities.get(&id));
    let body = serde_json::json!({
        "at": at,
        "dates": a.series.as_ref().map(|s| &s.dates),
        "assessment": c,
        "series": series,
    });
    Ok(axum::Json(body).into_response())
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
async fn openapi_json() -> Response {
    match openapi().to_pretty_json() {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}
