//! Read-only views: overview, assessment, capability, plan — each computed on
//! the whole scenario and cut to what the caller's nation may see.

use crate::auth::Caller;
use crate::error::{Path, Query};
use crate::{cached, ApiError, AppState, Current};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use handover_core::assess::{Assessment, CapabilityAssessment, CapabilitySeries};
use handover_core::forecast::{Quantiles, ReachedForecast, Sensitivity};
use handover_core::plan::{request::parse_share, PlanOption, PlanOptions, ShareChoice};
use handover_core::releasability::Disclosure;
use handover_core::releasability::{self, Redaction, Viewer};
use handover_core::scenario::Citation;
use handover_core::table::{CellRef, RowRef};
use handover_core::trigger;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// Forecast samples behind `P(...)` benchmarks and fan charts (as the CLI's default).
pub const FORECAST_SAMPLES: u64 = 10_000;
/// Forecast seed behind `P(...)` benchmarks and fan charts.
pub const FORECAST_SEED: u64 = 1;

/// One capability in the overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewCapability {
    /// Capability id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Coverage at the date (`null`: no data, or suppressed).
    pub coverage: Option<f64>,
    /// US dependency at the date (`null`: no data, or suppressed).
    pub us_dependency: Option<f64>,
    /// Status per deadline id: `on-track`, `at-risk`, `off-track`, `no-data`.
    pub status: HashMap<String, String>,
    /// Why the figures are withheld from the caller, if they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

/// A benchmark in the overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewTrigger {
    /// Trigger id.
    pub id: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// `fires`, `holds`, `unknown` or `suppressed`.
    pub state: String,
    /// The rule as written.
    pub rule: String,
    /// The figures that decided it.
    pub figures: Vec<String>,
    /// The action it calls for.
    pub action: String,
    /// Source or authority of the benchmark.
    pub source: Option<String>,
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
    /// The stored version these figures come from.
    pub data_version: i64,
    /// The version the dataset names itself (scenario.toml `data_version`,
    /// e.g. the bundled data's release `2.0.0`), if it names one.
    pub dataset_version: Option<String>,
    /// The caller's nation (`null`: the public).
    pub nation: Option<String>,
    /// Date assessed.
    pub at: NaiveDate,
    /// The scenario's deadlines, by date.
    pub deadlines: Vec<OverviewDeadline>,
    /// Readiness index at the date.
    pub index: Option<f64>,
    /// Readiness index at each deadline.
    pub index_at_deadlines: HashMap<String, Option<f64>>,
    /// Why the index is withheld from the caller, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_suppressed: Option<String>,
    /// Last day of each period.
    pub dates: Vec<NaiveDate>,
    /// Readiness index per period (`null`: no capability has data, or suppressed).
    pub index_series: Option<Vec<f64>>,
    /// Glide path of the index to each deadline: the weighted mean of the
    /// capabilities' glide paths (coverage terms), over the index's members.
    pub index_glide: std::collections::BTreeMap<String, Vec<f64>>,
    /// Per capability.
    pub capabilities: Vec<OverviewCapability>,
    /// The scenario's benchmarks at the date.
    pub triggers: Vec<OverviewTrigger>,
    /// Samples and seed of the forecast behind `P(...)` benchmarks.
    pub forecast: Option<(u64, u64)>,
}

/// `GET /api/capabilities/{id}`: one capability as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapabilityPage {
    /// Date assessed.
    pub at: NaiveDate,
    /// The stored version these figures come from.
    pub data_version: i64,
    /// The caller's nation (`null`: the public).
    pub nation: Option<String>,
    /// Currency of money figures.
    pub currency: String,
    /// Last day of each period of the series.
    pub dates: Option<Vec<NaiveDate>>,
    /// Open, disclosed or suppressed for the caller (docs/API.md).
    pub disclosure: Disclosure,
    /// The capability's assessment at the date.
    pub assessment: CapabilityAssessment,
    /// Its series per period (`null` when suppressed).
    pub series: Option<CapabilitySeries>,
    /// The holdings released to the caller.
    pub holdings: Vec<HoldingView>,
    /// Whether holdings exist that are not released to the caller.
    pub holdings_withheld: bool,
    /// The production lines released to the caller.
    pub lines: Vec<LineView>,
    /// The forecast (`null` when suppressed or not forecast).
    pub forecast: Option<CapabilityForecastView>,
}

/// A holding released to the caller, as submitted.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoldingView {
    /// Holding nation or group.
    pub holder: String,
    /// Units held.
    pub quantity: f64,
    /// Date of the figure.
    pub as_of: Option<NaiveDate>,
    /// The group whose total already includes it (a national part), if any.
    pub part_of: Option<String>,
    /// Its marking.
    pub releasability: String,
    /// Whether the figure is an estimate.
    pub estimate: bool,
    /// Its source.
    pub source: Option<String>,
    /// Its source, item by item, as a reader sees it.
    pub cited: Vec<Citation>,
}

/// A production line released to the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    /// Line id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Nation of the line.
    pub nation: String,
    /// Months from order to first delivery.
    pub lead_time_months: u32,
    /// Cost of one unit.
    pub unit_cost: Option<f64>,
    /// Capacity per year at the date (`null`: a capacity step not released to the caller).
    pub capacity_per_year: Option<f64>,
    /// Capacity per year, per period.
    pub capacity_series: Option<Vec<f64>>,
    /// Units ordered and not yet delivered at the date (`null`: suppressed).
    pub backlog: Option<f64>,
    /// Units delivered per period (`null`: suppressed).
    pub delivered_series: Option<Vec<f64>>,
    /// Why the backlog and deliveries are withheld, if they are.
    pub aggregates_suppressed: Option<String>,
    /// The orders released to the caller.
    pub orders: Vec<OrderView>,
    /// Whether orders exist that are not released to the caller.
    pub orders_withheld: bool,
    /// Its marking.
    pub releasability: String,
    /// Its source.
    pub source: Option<String>,
    /// Its source, item by item, as a reader sees it.
    pub cited: Vec<Citation>,
}

/// An order released to the caller, with its projected deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    /// Order id.
    pub id: String,
    /// Buying nation.
    pub buyer: String,
    /// Units ordered.
    pub quantity: f64,
    /// Date ordered.
    pub date: NaiveDate,
    /// Units delivered before the scenario's start.
    pub delivered_before_start: f64,
    /// Last day of the period of the first delivery.
    pub first_delivery: Option<NaiveDate>,
    /// Last day of the period of the last delivery.
    pub completed: Option<NaiveDate>,
    /// Units still open at the horizon.
    pub open_at_horizon: f64,
    /// Its marking.
    pub releasability: String,
}

/// The forecast of one capability.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapabilityForecastView {
    /// Samples drawn.
    pub samples: u64,
    /// Seed.
    pub seed: u64,
    /// Per deadline.
    pub deadlines: Vec<DeadlineForecastView>,
    /// When coverage 1 is reached, in quantiles.
    pub reached: ReachedForecast,
    /// The fan chart of coverage, per period.
    pub fan: Option<FanView>,
}

/// The forecast at one deadline.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineForecastView {
    /// Deadline id.
    pub deadline: String,
    /// Probability that coverage is 1 at the deadline.
    pub p_met: f64,
    /// Its standard error.
    pub p_met_se: f64,
    /// Coverage quantiles at the deadline.
    pub coverage: Quantiles,
    /// Uncertain inputs ranked by rank correlation, those released to the caller only.
    pub sensitivity: Vec<Sensitivity>,
}

/// Coverage quantiles per period.
#[derive(Debug, Serialize, ToSchema)]
pub struct FanView {
    /// 10th percentile.
    pub p10: Vec<f64>,
    /// Median.
    pub p50: Vec<f64>,
    /// 90th percentile.
    pub p90: Vec<f64>,
}

/// `GET /api/plan`: the schema of the plan as `handover --format json plan`
/// prints it. The answer is `handover_core::plan::Plan` itself, serialised;
/// this type only describes it (tests/contract.rs checks that its fields are
/// the answer's), with the nested records as objects (docs/OUTPUT.md).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PlanView {
    /// `coverage` or `cost`.
    objective: String,
    /// Scenario currency.
    currency: String,
    /// Deadline id (or the date given).
    deadline: String,
    /// Deadline date.
    deadline_date: NaiveDate,
    /// First order date allowed.
    from: NaiveDate,
    /// Order grid: `month`, `quarter` or `year`.
    grid: String,
    /// Budget per year, if given.
    budget_per_year: Option<f64>,
    /// Minimum European content rule, if given.
    min_european_content: Option<f64>,
    /// The European nation that books the planned orders.
    buyer: String,
    /// The orders, by date then line.
    #[schema(value_type = Vec<Object>)]
    orders: Vec<serde_json::Value>,
    /// The investments in capacity, by date then id.
    #[schema(value_type = Vec<Object>)]
    investments: Vec<serde_json::Value>,
    /// The lines the investments build, with their capacity steps.
    #[schema(value_type = Vec<Object>)]
    new_lines: Vec<serde_json::Value>,
    /// Per candidate investment: usable or why not, size chosen, shadow price.
    #[schema(value_type = Vec<Object>)]
    investment_options: Vec<serde_json::Value>,
    /// Hiring per nation or group and year against workforce limits.
    #[schema(value_type = Vec<Object>)]
    workforce: Vec<serde_json::Value>,
    /// Objective of the linear relaxation (whole steps relaxed), if any step.
    relaxation: Option<f64>,
    /// The same objective of the whole-step plan.
    integer_objective: Option<f64>,
    /// Total cost (continuous): orders plus capex.
    total_cost: f64,
    /// Of which capex.
    investment_cost: f64,
    /// Total cost of the whole-unit plan.
    total_cost_rounded: f64,
    /// Per capability.
    #[schema(value_type = Vec<Object>)]
    capabilities: Vec<serde_json::Value>,
    /// Readiness index at the deadline without the plan.
    index_before: Option<f64>,
    /// ... with the plan (the LP's claim).
    index_after: Option<f64>,
    /// ... with the whole-unit plan (by the projection).
    index_rounded: Option<f64>,
    /// Budget per year.
    #[schema(value_type = Vec<Object>)]
    budget: Vec<serde_json::Value>,
    /// Per line.
    #[schema(value_type = Vec<Object>)]
    lines: Vec<serde_json::Value>,
    /// Targets not reachable by the deadline at any cost.
    #[schema(value_type = Vec<Object>)]
    unreachable: Vec<serde_json::Value>,
    /// Burden sharing.
    #[schema(value_type = Vec<Object>)]
    shares: Vec<serde_json::Value>,
    /// Name of the burden-sharing key, if one was given.
    share_key: Option<String>,
    /// Caveats and choices made.
    notes: Vec<String>,
    /// The LP solver used.
    solver: String,
    /// LP size: variables and constraints.
    lp_size: Vec<usize>,
}

fn json_bytes(bytes: Arc<Vec<u8>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        bytes.as_ref().clone(),
    )
        .into_response()
}

/// The `at` query parameter: a date inside the scenario, default today.
fn date_param(
    state: &AppState,
    cur: &Current,
    q: &HashMap<String, String>,
    allowed: &[&str],
) -> Result<NaiveDate, ApiError> {
    for key in q.keys() {
        if key != "at" && !allowed.contains(&key.as_str()) {
            let expected: Vec<&str> = std::iter::once("at")
                .chain(allowed.iter().copied())
                .collect();
            return Err(ApiError::invalid(
                key,
                format!(
                    "unknown parameter `{key}`; expected {}",
                    expected
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let at = match q.get("at") {
        None => state
            .config
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        Some(text) => handover_core::limits::parse_date(text).ok_or_else(|| {
            ApiError::invalid("at", format!("`{text}` is not a date; expected YYYY-MM-DD"))
        })?,
    };
    let s = &cur.scenario.scenario;
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

/// The assessment at `at` as `viewer` may see it.
fn assess_for(
    state: &AppState,
    cur: &Current,
    at: NaiveDate,
    viewer: &Viewer,
) -> Result<(Assessment, Redaction), ApiError> {
    let mut a = cur
        .evaluation
        .assess(&cur.scenario, at, true)
        .map_err(|e| ApiError::invalid("at", e.to_string()))?;
    let r = releasability::redact(
        &cur.scenario,
        &cur.evaluation,
        &mut a,
        viewer,
        &state.config.rule,
    );
    Ok((a, r))
}

/// Where Europe stands: index over time, coverage and status per capability, benchmarks.
#[utoipa::path(
    get,
    path = "/api/overview",
    params(("at" = Option<String>, Query, description = "Date YYYY-MM-DD (default: today)")),
    responses(
        (status = 200, body = Overview),
        (status = 400, body = ApiError, description = "invalid_input: bad or out-of-range `at`, or an unknown parameter"),
        crate::error::CallerErrors
    )
)]
pub async fn overview(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let cur = state.current();
    let at = date_param(&state, &cur, &q, &[])?;
    let viewer = caller.viewer();
    let bytes = tokio::task::spawn_blocking(move || {
        cached(&cur.overview, (viewer.nation.clone(), at), || {
            let o = make_overview(&state, &cur, at, &viewer)?;
            serde_json::to_vec(&o).map_err(|e| ApiError::internal(e.to_string()))
        })
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(json_bytes(bytes))
}

fn make_overview(
    state: &AppState,
    cur: &Current,
    at: NaiveDate,
    viewer: &Viewer,
) -> Result<Overview, ApiError> {
    let s = &cur.scenario;
    let (a, r) = assess_for(state, cur, at, viewer)?;
    let needs_forecast = s
        .triggers
        .iter()
        .any(|t| t.rule.expr().is_some_and(|e| e.needs_forecast()));
    let forecast = if needs_forecast {
        Some(cur.forecast()?)
    } else {
        None
    };
    let mut checks = trigger::check(s, &cur.evaluation, &s.triggers, at, forecast)
        .map_err(|e| ApiError::invalid("at", e.to_string()))?;
    releasability::redact_checks(s, &s.triggers, &mut checks, &r);
    let series = a.series.as_ref();
    let index_glide = a.index_glide();
    Ok(Overview {
        scenario: a.scenario.clone(),
        data_version: cur.version,
        dataset_version: cur.scenario.scenario.data_version.clone(),
        nation: viewer.nation.clone(),
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
        index_suppressed: a.index.suppressed.clone(),
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
                suppressed: c.suppressed.clone(),
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
                source: t.source.clone(),
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
        (status = 200, description = "The assessment; fields in docs/OUTPUT.md", body = Assessment),
        (status = 400, body = ApiError, description = "invalid_input: bad or out-of-range `at`, or an unknown parameter"),
        crate::error::CallerErrors
    )
)]
pub async fn assessment(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let cur = state.current();
    let at = date_param(&state, &cur, &q, &[])?;
    let viewer = caller.viewer();
    let bytes = cached(&cur.assessment, (viewer.nation.clone(), at), || {
        let (a, _) = assess_for(&state, &cur, at, &viewer)?;
        serde_json::to_vec(&a).map_err(|e| ApiError::internal(e.to_string()))
    })?;
    Ok(json_bytes(bytes))
}

/// One capability: its assessment and series, holdings by nation, production
/// lines with backlog and deliveries, and the forecast (fan chart, P(met)).
#[utoipa::path(
    get,
    path = "/api/capabilities/{id}",
    params(
        ("id" = String, Path, description = "Capability id, e.g. iamd-long"),
        ("at" = Option<String>, Query, description = "Date YYYY-MM-DD (default: today)")
    ),
    responses(
        (status = 200, description = "`assessment`, `series`, `holdings`, `lines`, `forecast` of the capability", body = CapabilityPage),
        (status = 400, body = ApiError, description = "invalid_input: bad or out-of-range `at`, or an unknown parameter"),
        crate::error::CallerErrors,
        (status = 404, body = ApiError, description = "not_found: no such capability (with a suggestion)")
    )
)]
pub async fn capability(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let cur = state.current();
    let at = date_param(&state, &cur, &q, &[])?;
    let viewer = caller.viewer();
    let s = &cur.scenario;
    let Some(ci) = s.capabilities.iter().position(|c| c.id == id) else {
        let hint =
            handover_core::validate::suggest(&id, s.capabilities.iter().map(|c| c.id.as_str()));
        return Err(ApiError::not_found(
            "id",
            format!("no capability `{id}`{hint}"),
        ));
    };
    let st = state.clone();
    let body = tokio::task::spawn_blocking(move || capability_view(&st, &cur, ci, at, &viewer))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(axum::Json(body).into_response())
}

fn capability_view(
    state: &AppState,
    cur: &Current,
    ci: usize,
    at: NaiveDate,
    viewer: &Viewer,
) -> Result<CapabilityPage, ApiError> {
    let s = &cur.scenario;
    let eval = &cur.evaluation;
    let cal = eval.model.calendar;
    let id = &s.capabilities[ci].id;
    let (a, r) = assess_for(state, cur, at, viewer)?;
    let vis = &r.visibility;
    let k = cal.period_of(at) as usize;
    let disclosure = &r.capabilities[id];
    let suppressed = disclosure.is_suppressed();
    let c = a
        .capabilities
        .iter()
        .find(|c| &c.id == id)
        .ok_or_else(|| ApiError::internal("capability missing from its assessment"))?;
    let series = a.series.as_ref().and_then(|x| x.capabilities.get(id));

    // Holdings: the rows the caller may see, as submitted.
    let holdings: Vec<_> = s
        .holdings
        .iter()
        .enumerate()
        .filter(|(i, h)| {
            &h.capability == id && vis.row(handover_core::table::TableId::Holdings, *i)
        })
        .map(|(_, h)| HoldingView {
            holder: h.holder.clone(),
            quantity: h.quantity,
            as_of: h.as_of,
            part_of: h.part_of.clone(),
            releasability: h.provenance.releasability.to_string(),
            estimate: h.provenance.estimate,
            source: h.provenance.source.clone(),
            cited: s.citations(h.provenance.source.as_deref()),
        })
        .collect();
    let holdings_withheld =
        s.holdings.iter().enumerate().any(|(i, h)| {
            &h.capability == id && !vis.row(handover_core::table::TableId::Holdings, i)
        });

    // Lines: visible lines; their backlog and deliveries are aggregates over
    // the buyers' orders, shown when every order is visible or they pass the rule.
    let mut lines = vec![];
    for (li, l) in s.lines.iter().enumerate() {
        if &l.capability != id || !vis.row(handover_core::table::TableId::Lines, li) {
            continue;
        }
        let lm = &eval.model.lines[li];
        let orders = &lm.orders;
        let all_orders_visible = orders
            .iter()
            .all(|&o| vis.row(handover_core::table::TableId::Orders, o));
        let capacity_visible = capacity_released(eval, vis, li);
        let aggregate_ok = releasability::line_book_disclosed(s, eval, vis, &state.config.rule, li);
        let visible_orders: Vec<_> = orders
            .iter()
            .filter(|&&o| vis.row(handover_core::table::TableId::Orders, o))
            .map(|&o| {
                let order = &s.orders[o];
                OrderView {
                    id: order.id.clone(),
                    buyer: order.buyer.clone(),
                    quantity: order.quantity,
                    date: order.date,
                    delivered_before_start: order.delivered,
                    first_delivery: eval.projection.first_delivery[o]
                        .map(|p| cal.period_end(p as i64)),
                    completed: eval.projection.completed[o].map(|p| cal.period_end(p as i64)),
                    open_at_horizon: eval.projection.open_at_end[o],
                    releasability: order.provenance.releasability.to_string(),
                }
            })
            .collect();
        lines.push(LineView {
            id: l.id.clone(),
            name: l.name.clone(),
            nation: l.nation.clone(),
            lead_time_months: l.lead_time_months,
            unit_cost: l.unit_cost,
            capacity_per_year: capacity_visible.then(|| eval.line_capacity_per_year(li, k)),
            capacity_series: capacity_visible.then(|| eval.line_capacity_series_per_year(li)),
            backlog: aggregate_ok.then(|| eval.line_backlog(li, k)),
            delivered_series: aggregate_ok.then(|| eval.projection.delivered[li].clone()),
            aggregates_suppressed: (!aggregate_ok).then(|| {
                "the line's order book includes orders not released to you and fails the disclosure rule".to_string()
            }),
            orders: visible_orders,
            orders_withheld: !all_orders_visible,
            releasability: l.provenance.releasability.to_string(),
            source: l.provenance.source.clone(),
            cited: s.citations(l.provenance.source.as_deref()),
        });
    }

    // The forecast: P(met) and the fan chart, unless suppressed; sensitivity
    // names only inputs on rows the caller may see.
    let forecast = if suppressed {
        None
    } else {
        let f = cur.forecast()?;
        // An input is named by its line in the table as the caller sees it
        // (its visible rows, exported), so a label counts no hidden row.
        let shown = |x: &Sensitivity| -> Option<Sensitivity> {
            let cell = x.cell.as_ref()?;
            let table = cell.row.table;
            let seen = CellRef {
                row: RowRef::new(table, vis.seen_index(table, cell.row.row)?),
                field: cell.field.clone(),
            };
            Some(Sensitivity {
                input: seen.label(None),
                ..x.clone()
            })
        };
        f.capabilities.iter().find(|fc| &fc.id == id).map(|fc| {
            let fan = f
                .fan
                .series
                .iter()
                .find(|x| x.capability.as_deref() == Some(id.as_str()));
            CapabilityForecastView {
                samples: f.samples,
                seed: f.seed,
                deadlines: fc
                    .deadlines
                    .iter()
                    .map(|d| DeadlineForecastView {
                        deadline: d.deadline.clone(),
                        p_met: d.p_met,
                        p_met_se: d.p_met_se,
                        coverage: d.coverage,
                        sensitivity: d.sensitivity.iter().filter_map(shown).collect(),
                    })
                    .collect(),
                reached: fc.reached.clone(),
                fan: fan.map(|x| FanView {
                    p10: x.p10.clone(),
                    p50: x.p50.clone(),
                    p90: x.p90.clone(),
                }),
            }
        })
    };

    Ok(CapabilityPage {
        at,
        data_version: cur.version,
        nation: viewer.nation.clone(),
        currency: s.scenario.currency.clone(),
        dates: a.series.as_ref().map(|x| x.dates.clone()),
        disclosure: disclosure.clone(),
        assessment: c.clone(),
        series: series.cloned(),
        holdings,
        holdings_withheld,
        lines,
        forecast,
    })
}

/// A procurement plan (as `handover plan`) on the served data.
#[utoipa::path(
    get,
    path = "/api/plan",
    params(
        ("objective" = Option<String>, Query, description = "`coverage` (default, needs `budget`) or `cost`"),
        ("budget" = Option<String>, Query, description = "Money per year of ordering: 40e9/year, 40e9 or 40bn/year"),
        ("deadline" = Option<String>, Query, description = "Deadline id or date (default: the first deadline)"),
        ("from" = Option<String>, Query, description = "First order date: a year (2026), a month (2026-04) or a date (default: the date assessed or the scenario start, whichever is later)"),
        ("grid" = Option<String>, Query, description = "`month`, `quarter` (default) or `year`"),
        ("share" = Option<String>, Query, description = "Burden-sharing key: `gdp` or `equal`"),
        ("min_european_content" = Option<f64>, Query, description = "Only lines with at least this EU/EEA/Ukraine content share"),
        ("usd_rate" = Option<f64>, Query, description = "US$ per unit of the scenario currency, for shares as % of GDP"),
        ("at" = Option<String>, Query, description = "Date YYYY-MM-DD (default: today)")
    ),
    responses(
        (status = 200, description = "The plan; fields as `handover --format json plan` (docs/OUTPUT.md)", body = PlanView),
        (status = 400, body = ApiError, description = "invalid_input: a bad parameter (`field` names it), an unknown deadline, a budget too small"),
        crate::error::CallerErrors,
        (status = 403, body = ApiError, description = "suppressed: the plan would rest on figures not released to the caller")
    )
)]
pub async fn plan(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let cur = state.current();
    let at = date_param(
        &state,
        &cur,
        &q,
        &[
            "objective",
            "budget",
            "deadline",
            "from",
            "grid",
            "share",
            "min_european_content",
            "usd_rate",
        ],
    )?;
    let viewer = caller.viewer();
    let s = &cur.scenario;
    if !releasability::Visibility::new(s, &viewer).all() {
        return Err(ApiError::suppressed(
            "a plan rests on every line's order book and capacity; some are not released to you, so the server does not plan for you",
        ));
    }
    // One parsing and one set of defaults with `handover plan`: `from`
    // defaults to the date assessed (today unless `at`) or the scenario
    // start, whichever is later.
    let mut options = PlanOptions::default();
    for (key, value) in &q {
        match PlanOption::from_name(key) {
            Some(PlanOption::Share) => {
                options.share = Some(match parse_share(value) {
                    Ok(ShareChoice::Key(k)) => k,
                    Ok(ShareChoice::File(_)) => {
                        return Err(ApiError::invalid(
                            "share",
                            format!(
                                "`{value}` is not a share key; expected gdp or equal (a key file only on the command line)"
                            ),
                        ))
                    }
                    Err(e) => return Err(ApiError::invalid(e.option.name(), e.detail())),
                })
            }
            Some(_) => {
                options.set(key, value);
            }
            None => {}
        }
    }
    let req = options
        .request(s, at)
        .map_err(|e| ApiError::invalid(e.option.name(), e.detail()))?;
    let plan = tokio::task::spawn_blocking(move || {
        handover_core::plan::plan(&cur.scenario, &cur.evaluation, &req)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| match e {
        handover_core::plan::PlanError::UnknownDeadline { .. } => {
            ApiError::invalid("deadline", e.to_string())
        }
        handover_core::plan::PlanError::Solver(_) => ApiError::internal(e.to_string()),
        _ => ApiError::invalid("budget", e.to_string()),
    })?;
    Ok(axum::Json(plan).into_response())
}

/// NATO's core defence spending goal (The Hague, June 2025): 3.5 % of GDP by
/// 2035, against which a nation's page shows its spending.
pub const CORE_SPENDING_GOAL: f64 = 3.5;

/// A holding of the nation's, as its page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationHolding {
    /// Capability id.
    pub capability: String,
    /// Units held.
    pub quantity: f64,
    /// Date of the figure.
    pub as_of: Option<NaiveDate>,
    /// The group whose total already includes it, if it is a national part.
    pub part_of: Option<String>,
    /// Whether the figure is an estimate.
    pub estimate: bool,
    /// Its marking.
    pub releasability: String,
    /// Its source, item by item.
    pub cited: Vec<Citation>,
}

/// An order the nation placed, with its projected deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationOrder {
    /// Order id.
    pub id: String,
    /// The line it is on.
    pub line: String,
    /// The capability the line makes.
    pub capability: String,
    /// Units ordered.
    pub quantity: f64,
    /// Date ordered.
    pub date: NaiveDate,
    /// Units delivered before the scenario starts.
    pub delivered_before_start: f64,
    /// Last day of the period of the first projected delivery.
    pub first_delivery: Option<NaiveDate>,
    /// Last day of the period the order is complete.
    pub completed: Option<NaiveDate>,
    /// Units still open at the horizon.
    pub open_at_horizon: f64,
    /// Its marking.
    pub releasability: String,
}

/// A production line on the nation's soil.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationLine {
    /// Line id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Capability made.
    pub capability: String,
    /// Months from order to first delivery.
    pub lead_time_months: u32,
    /// Cost of one unit.
    pub unit_cost: Option<f64>,
    /// Capacity per year at the date (`null`: no capacity data, or a step not released to the caller).
    pub capacity_per_year: Option<f64>,
    /// Its marking.
    pub releasability: String,
}

/// Defence spending in a year, against the core goal.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationSpending {
    /// Calendar year.
    pub year: i32,
    /// Defence expenditure, % of GDP (`null`: not published).
    pub defence_pct_gdp: Option<f64>,
    /// Defence expenditure, million US$.
    pub defence_musd: Option<f64>,
    /// GDP, million US$.
    pub gdp_musd: Option<f64>,
    /// Percentage points short of [`CORE_SPENDING_GOAL`] (0 at or above it; `null`: unknown).
    pub short_of_goal: Option<f64>,
}

/// What the nation contributes to one capability, from the rows the caller sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationContribution {
    /// Capability id.
    pub capability: String,
    /// Units it holds at the start (its own rows, national parts included).
    pub held: f64,
    /// How much of that is a part of a group total (counted in the total, not again).
    pub part_of_totals: f64,
    /// Units it has on order and not yet delivered at the start.
    pub on_order: f64,
}

/// A nation's page: its holdings, orders and deliveries, lines on its soil,
/// spending against 3.5 % of GDP and what it contributes per capability,
/// from the records released to the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct NationPage {
    /// Nation code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Its groups.
    pub groups: Vec<String>,
    /// Whether it counts as European.
    pub european: bool,
    /// Date of the projected figures.
    pub at: NaiveDate,
    /// The stored version these figures come from.
    pub data_version: i64,
    /// The version the dataset names itself, if it names one.
    pub dataset_version: Option<String>,
    /// The core spending goal, % of GDP.
    pub spending_goal: f64,
    /// Holdings, in file order.
    pub holdings: Vec<NationHolding>,
    /// Orders it placed, by date.
    pub orders: Vec<NationOrder>,
    /// Lines on its soil.
    pub lines: Vec<NationLine>,
    /// Spending by year.
    pub spending: Vec<NationSpending>,
    /// Per capability it holds or orders.
    pub contributions: Vec<NationContribution>,
}

/// One nation: its holdings (national parts included), orders and projected
/// deliveries, lines on its soil, spending against 3.5 % of GDP, and what it
/// contributes per capability: only the records released to the caller.
#[utoipa::path(
    get,
    path = "/api/nations/{code}",
    params(
        ("code" = String, Path, description = "Nation code, e.g. DE"),
        ("at" = Option<String>, Query, description = "Date YYYY-MM-DD of the capacity figures (default: today)")
    ),
    responses(
        (status = 200, description = "The nation's page", body = NationPage),
        (status = 400, body = ApiError, description = "invalid_input: bad or out-of-range `at`, or an unknown parameter"),
        crate::error::CallerErrors,
        (status = 404, body = ApiError, description = "not_found: no such nation among those released to the caller (with a suggestion)")
    )
)]
pub async fn nation(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let cur = state.current();
    let at = date_param(&state, &cur, &q, &[])?;
    let viewer = caller.viewer();
    let body = nation_view(&cur, &code, at, &viewer)?;
    Ok(axum::Json(body).into_response())
}

/// Whether every capacity step of line `li` is released to the viewer.
fn capacity_released(
    eval: &handover_core::Evaluation,
    vis: &releasability::Visibility,
    li: usize,
) -> bool {
    eval.model.lines[li]
        .step_rows
        .iter()
        .all(|&i| vis.row(handover_core::table::TableId::Capacity, i))
}

fn nation_view(
    cur: &Current,
    code: &str,
    at: NaiveDate,
    viewer: &Viewer,
) -> Result<NationPage, ApiError> {
    use handover_core::table::TableId as T;
    let s = &cur.scenario;
    let eval = &cur.evaluation;
    let cal = eval.model.calendar;
    let vis = releasability::Visibility::new(s, viewer);
    let known: Vec<&str> = s
        .nations
        .iter()
        .enumerate()
        .filter(|(i, _)| vis.row(T::Nations, *i))
        .map(|(_, n)| n.code.as_str())
        .collect();
    let Some(n) = s
        .nations
        .iter()
        .enumerate()
        .find(|(i, n)| n.code == code && vis.row(T::Nations, *i))
        .map(|(_, n)| n)
    else {
        let hint = handover_core::validate::suggest(code, known.iter().copied());
        return Err(ApiError::not_found(
            "code",
            format!("no nation `{code}`{hint}"),
        ));
    };
    let k = cal.period_of(at) as usize;
    // Only the rows released to the caller; nothing says whether others exist.
    let seen = |table: T, i: usize, mine: bool| mine && vis.row(table, i);
    let holdings: Vec<NationHolding> = s
        .holdings
        .iter()
        .enumerate()
        .filter(|(i, h)| seen(T::Holdings, *i, h.holder == code))
        .map(|(_, h)| NationHolding {
            capability: h.capability.clone(),
            quantity: h.quantity,
            as_of: h.as_of,
            part_of: h.part_of.clone(),
            estimate: h.provenance.estimate,
            releasability: h.provenance.releasability.to_string(),
            cited: s.citations(h.provenance.source.as_deref()),
        })
        .collect();
    let line_cap = |order: usize| {
        let line = eval.model.orders[order].line;
        s.capabilities[eval.model.lines[line].capability].id.clone()
    };
    let mut orders: Vec<NationOrder> = s
        .orders
        .iter()
        .enumerate()
        .filter(|(i, o)| seen(T::Orders, *i, o.buyer == code))
        .map(|(i, o)| NationOrder {
            id: o.id.clone(),
            line: o.line.clone(),
            capability: line_cap(i),
            quantity: o.quantity,
            date: o.date,
            delivered_before_start: o.delivered,
            first_delivery: eval.projection.first_delivery[i].map(|p| cal.period_end(p as i64)),
            completed: eval.projection.completed[i].map(|p| cal.period_end(p as i64)),
            open_at_horizon: eval.projection.open_at_end[i],
            releasability: o.provenance.releasability.to_string(),
        })
        .collect();
    orders.sort_by_key(|o| o.date);
    let lines: Vec<NationLine> = s
        .lines
        .iter()
        .enumerate()
        .filter(|(i, l)| seen(T::Lines, *i, l.nation == code))
        .map(|(li, l)| {
            // Unknown without capacity data, as without its release.
            let capacity_visible =
                !eval.model.lines[li].steps.is_empty() && capacity_released(eval, &vis, li);
            NationLine {
                id: l.id.clone(),
                name: l.name.clone(),
                capability: l.capability.clone(),
                lead_time_months: l.lead_time_months,
                unit_cost: l.unit_cost,
                capacity_per_year: capacity_visible.then(|| eval.line_capacity_per_year(li, k)),
                releasability: l.provenance.releasability.to_string(),
            }
        })
        .collect();
    let mut spending: Vec<NationSpending> = s
        .economics
        .iter()
        .enumerate()
        .filter(|(i, e)| seen(T::Economics, *i, e.nation == code))
        .map(|(_, e)| NationSpending {
            year: e.year,
            defence_pct_gdp: e.defence_pct_gdp,
            defence_musd: e.defence_musd,
            gdp_musd: e.gdp_musd,
            short_of_goal: e.defence_pct_gdp.map(|p| (CORE_SPENDING_GOAL - p).max(0.0)),
        })
        .collect();
    spending.sort_by_key(|e| e.year);
    let mut caps: Vec<String> = holdings
        .iter()
        .map(|h| h.capability.clone())
        .chain(orders.iter().map(|o| o.capability.clone()))
        .collect();
    caps.sort_by_key(|c| s.capabilities.iter().position(|x| &x.id == c));
    caps.dedup();
    let contributions = caps
        .into_iter()
        .map(|c| NationContribution {
            held: holdings
                .iter()
                .filter(|h| h.capability == c)
                .map(|h| h.quantity)
                .sum(),
            part_of_totals: holdings
                .iter()
                .filter(|h| h.capability == c && h.part_of.is_some())
                .map(|h| h.quantity)
                .sum(),
            on_order: orders
                .iter()
                .filter(|o| o.capability == c)
                .map(|o| (o.quantity - o.delivered_before_start).max(0.0))
                .sum(),
            capability: c,
        })
        .collect();
    Ok(NationPage {
        code: n.code.clone(),
        name: n.name.clone(),
        groups: n.groups.clone(),
        european: s.is_european_nation(&n.code),
        at,
        data_version: cur.version,
        dataset_version: s.scenario.data_version.clone(),
        spending_goal: CORE_SPENDING_GOAL,
        holdings,
        orders,
        lines,
        spending,
        contributions,
    })
}
