//! API errors: a stable code, an HTTP status, a message and the field at fault.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use handover_core::validate::{Problem, Severity};
use serde::Serialize;
use utoipa::ToSchema;

/// One problem of a submission: file, line and field, like the CLI's errors.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProblemView {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// File as submitted, e.g. `holdings.csv`.
    pub file: String,
    /// 1-based line in that file, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Record path, for rows of the stored scenario that have no line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Column.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl From<&Problem> for ProblemView {
    fn from(p: &Problem) -> Self {
        ProblemView {
            severity: match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            file: p.file.clone(),
            line: p.line,
            record: p.record.clone(),
            field: p.field.clone(),
            message: p.message.clone(),
        }
    }
}

/// An API error: a stable code, a message, and the field at fault.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable code: `invalid_input`, `invalid_submission`, `unauthorized`,
    /// `forbidden`, `csrf`, `rate_limited`, `conflict`, `suppressed`,
    /// `not_found`, `uncomputable`, `busy`, `internal`.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The parameter or field at fault, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `invalid_submission`: every problem, by file, line and field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemView>,
    #[serde(skip)]
    status: StatusCode,
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, field: Option<&str>, message: String) -> Self {
        ApiError {
            code,
            message,
            field: field.map(str::to_string),
            problems: vec![],
            status,
            retry_after: None,
        }
    }

    /// A 400 naming the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            Some(field),
            message.into(),
        )
    }

    /// A 404 naming the field.
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            Some(field),
            message.into(),
        )
    }

    /// A 401: not logged in, or bad credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            None,
            message.into(),
        )
    }

    /// A 403: logged in, but the role or nation does not allow it.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", None, message.into())
    }

    /// A 403 for a missing or wrong CSRF token.
    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            Some("x-csrf-token"),
            "missing or wrong X-CSRF-Token header; send the `csrf` value of GET /api/me".into(),
        )
    }

    /// A 429 with the seconds to wait.
    pub fn rate_limited(seconds: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            None,
            format!("too many failed logins; try again in {seconds} s"),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// A 409: a name already taken.
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "conflict",
            Some(field),
            message.into(),
        )
    }

    /// A 403: the answer would include figures not released to the caller.
    pub fn suppressed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "suppressed", None, message.into())
    }

    /// A 422: a submission with problems; nothing was stored.
    pub fn submission(problems: &[Problem]) -> Self {
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_submission",
            None,
            format!(
                "the submission has {errors} problem{}; nothing was stored",
                if errors == 1 { "" } else { "s" }
            ),
        );
        e.problems = problems.iter().map(ProblemView::from).collect();
        e
    }

    /// A 422: a submission that validates but that the engine cannot compute
    /// (a defect of handover, logged on the server); nothing was stored.
    pub fn uncomputable() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "uncomputable",
            None,
            "the submission passes validation but the model cannot compute it, which is a \
             defect of handover (logged on the server); nothing was stored"
                .into(),
        )
    }

    /// A 503: other submissions kept being stored while this one was checked.
    pub fn busy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            None,
            "other submissions were stored while this one was being checked; nothing was stored, \
             submit again"
                .into(),
        )
    }

    /// A 500.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            None,
            message.into(),
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<handover_store::StoreError> for ApiError {
    fn from(e: handover_store::StoreError) -> Self {
        use handover_store::StoreError as E;
        match e {
            E::Invalid { field, message } => ApiError::invalid(&field, message),
            E::Conflict(m) => ApiError::conflict("username", m),
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut r = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}
