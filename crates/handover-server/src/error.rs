//! API errors: a stable code, an HTTP status, a message and the field at fault.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use handover_core::validate::{Problem, Severity};
use serde::de::DeserializeOwned;
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

impl ProblemView {
    /// `problems` as views, by file, then line (problems on a record or on
    /// no line after those with a line), in the order found otherwise.
    pub fn sorted(problems: &[Problem]) -> Vec<ProblemView> {
        let mut v: Vec<ProblemView> = problems.iter().map(ProblemView::from).collect();
        v.sort_by(|a, b| {
            (a.file.as_str(), a.line.is_none(), a.line).cmp(&(
                b.file.as_str(),
                b.line.is_none(),
                b.line,
            ))
        });
        v
    }
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

/// The stable code of an API error: each has one HTTP status and one
/// snake_case string that clients may match on (docs/API.md, "Errors").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a bad query parameter, path parameter or body field.
    InvalidInput,
    /// 413: a request body over the limit ([`crate::MAX_BODY`]).
    PayloadTooLarge,
    /// 415: a body that is not sent as `Content-Type: application/json`.
    UnsupportedMediaType,
    /// 422: a submission with errors; nothing was stored.
    InvalidSubmission,
    /// 422: a submission that validates but that the engine cannot compute.
    Uncomputable,
    /// 503: other submissions kept being stored meanwhile; retry.
    Busy,
    /// 401: not logged in, bad credentials, or an unknown token.
    Unauthorized,
    /// 403: the role or nation does not allow it; a cross-site request.
    Forbidden,
    /// 403: a cookie POST without its CSRF token.
    Csrf,
    /// 429: too many failed logins.
    RateLimited,
    /// 409: a name already taken.
    Conflict,
    /// 403: the answer rests on figures not released to the caller.
    Suppressed,
    /// 404: no such capability, version, file or path.
    NotFound,
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 500: a defect of the server; the log has the details.
    Internal,
}

impl ErrorCode {
    /// Every code, in the order of docs/API.md.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::InvalidInput,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::Csrf,
        ErrorCode::Suppressed,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::InvalidSubmission,
        ErrorCode::Uncomputable,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::Busy,
    ];

    /// The HTTP status of every error with this code.
    pub fn status(self) -> StatusCode {
        use ErrorCode as C;
        match self {
            C::InvalidInput => StatusCode::BAD_REQUEST,
            C::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            C::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            C::InvalidSubmission | C::Uncomputable => StatusCode::UNPROCESSABLE_ENTITY,
            C::Busy => StatusCode::SERVICE_UNAVAILABLE,
            C::Unauthorized => StatusCode::UNAUTHORIZED,
            C::Forbidden | C::Csrf | C::Suppressed => StatusCode::FORBIDDEN,
            C::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            C::Conflict => StatusCode::CONFLICT,
            C::NotFound => StatusCode::NOT_FOUND,
            C::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable string sent as `code`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode as C;
        match self {
            C::InvalidInput => "invalid_input",
            C::PayloadTooLarge => "payload_too_large",
            C::UnsupportedMediaType => "unsupported_media_type",
            C::InvalidSubmission => "invalid_submission",
            C::Uncomputable => "uncomputable",
            C::Busy => "busy",
            C::Unauthorized => "unauthorized",
            C::Forbidden => "forbidden",
            C::Csrf => "csrf",
            C::RateLimited => "rate_limited",
            C::Conflict => "conflict",
            C::Suppressed => "suppressed",
            C::NotFound => "not_found",
            C::MethodNotAllowed => "method_not_allowed",
            C::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An API error: a stable code, a message, and the field at fault.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable code; its HTTP status is fixed (docs/API.md, "Errors").
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The parameter or field at fault, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `invalid_submission`: every problem, by file, line and field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemView>,
    /// For `internal`: the opaque id (hex) under which the server logged the
    /// details; quote it when reporting the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(code: ErrorCode, field: Option<&str>, message: String) -> Self {
        ApiError {
            code,
            message,
            field: field.map(str::to_string),
            problems: vec![],
            id: None,
            retry_after: None,
        }
    }

    /// A 400 naming the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, Some(field), message.into())
    }

    /// A 404 naming the field.
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, Some(field), message.into())
    }

    /// A 401: not logged in, or bad credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, None, message.into())
    }

    /// A 403: logged in, but the role or nation does not allow it.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, None, message.into())
    }

    /// A 403 for a missing or wrong CSRF token.
    pub fn csrf() -> Self {
        Self::new(
            ErrorCode::Csrf,
            Some("x-csrf-token"),
            "missing or wrong X-CSRF-Token header; send the `csrf` value of GET /api/me".into(),
        )
    }

    /// A 429 with the seconds to wait.
    pub fn rate_limited(seconds: u64) -> Self {
        let mut e = Self::new(
            ErrorCode::RateLimited,
            None,
            format!("too many failed logins; try again in {seconds} s"),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// A 409: a name already taken.
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, Some(field), message.into())
    }

    /// A 403: the answer would include figures not released to the caller.
    pub fn suppressed(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Suppressed, None, message.into())
    }

    /// A 422: a submission with problems; nothing was stored.
    pub fn submission(problems: &[Problem]) -> Self {
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        let mut e = Self::new(
            ErrorCode::InvalidSubmission,
            None,
            format!(
                "the submission has {errors} problem{}; nothing was stored",
                if errors == 1 { "" } else { "s" }
            ),
        );
        e.problems = ProblemView::sorted(problems);
        e
    }

    /// A 422: a submission that validates but that the engine cannot compute
    /// (a defect of handover, logged on the server); nothing was stored.
    pub fn uncomputable() -> Self {
        Self::new(
            ErrorCode::Uncomputable,
            None,
            "the submission passes validation but the model cannot compute it, which is a \
             defect of handover (logged on the server); nothing was stored"
                .into(),
        )
    }

    /// A 503: other submissions kept being stored while this one was checked.
    pub fn busy() -> Self {
        Self::new(
            ErrorCode::Busy,
            None,
            "other submissions were stored while this one was being checked; nothing was stored, \
             submit again"
                .into(),
        )
    }

    /// A 500. `detail` (which may hold database or engine text) is logged
    /// with `tracing::error!` under a new random id and never sent: the
    /// client gets only the id.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let id = opaque_id();
        tracing::error!(error_id = %id, error = %detail, "internal error");
        let mut e = Self::new(
            ErrorCode::Internal,
            None,
            format!("internal error {id}; the server log has the details"),
        );
        e.id = Some(id);
        e
    }

    /// A 405: the path exists, but not with this method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            ErrorCode::MethodNotAllowed,
            None,
            "this path does not take this method; see /api/openapi.json".into(),
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }
}

/// 8 random bytes in hex: the id of an internal error in the log and the answer.
fn opaque_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: still unique enough to find in the log.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = (nanos as u64).to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl From<handover_store::StoreError> for ApiError {
    fn from(e: handover_store::StoreError) -> Self {
        use handover_store::StoreError as E;
        match e {
            E::Invalid { field, message } => ApiError::invalid(&field, message),
            E::Conflict { field, message } => ApiError::conflict(&field, message),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut r = (
            self.status(),
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

/// The errors of every endpoint that identifies its caller (OpenAPI only).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(crate) enum CallerErrors {
    /// An unknown, expired or revoked bearer token, a malformed
    /// `Authorization` header, or no login where a user is needed.
    #[response(
        status = 401,
        description = "unauthorized: an unknown, expired or revoked bearer token, a malformed Authorization header, or no login where a user is needed"
    )]
    Unauthorized(ApiError),
    /// A defect (for the plan, also a solver failure).
    #[response(
        status = 500,
        description = "internal: a defect (for the plan, also a solver failure); the answer carries the `id` under which the server logged it"
    )]
    Internal(ApiError),
}

/// The internal error alone, for endpoints that list their own 401 (OpenAPI only).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(crate) enum InternalError {
    /// A defect.
    #[response(
        status = 500,
        description = "internal: a defect; the answer carries the `id` under which the server logged it"
    )]
    Internal(ApiError),
}

/// The errors of every endpoint that reads a JSON body, besides its 400s (OpenAPI only).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(crate) enum BodyErrors {
    /// A body over [`crate::MAX_BODY`].
    #[response(status = 413, description = "payload_too_large: a body over 16 MiB")]
    TooLarge(ApiError),
    /// A body not sent as JSON.
    #[response(
        status = 415,
        description = "unsupported_media_type: a body not sent as `Content-Type: application/json`"
    )]
    NotJson(ApiError),
}

/// The name in backquotes after `prefix` in a serde message, e.g. `x` in
/// "unknown field `x`, expected ...".
fn quoted_after<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    let rest = rest.strip_prefix('`')?;
    rest.split('`').next().filter(|f| !f.is_empty())
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let text = r.body_text();
        match r {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                ErrorCode::UnsupportedMediaType,
                Some("content-type"),
                "the body must be JSON, sent with `Content-Type: application/json`".into(),
            ),
            JsonRejection::JsonDataError(_) => {
                let field = ["unknown field ", "missing field ", "duplicate field "]
                    .iter()
                    .find_map(|p| quoted_after(&text, p))
                    .unwrap_or("body")
                    .to_string();
                Self::invalid(&field, text)
            }
            JsonRejection::JsonSyntaxError(_) => Self::invalid("body", text),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                ErrorCode::PayloadTooLarge,
                Some("body"),
                format!(
                    "the body is larger than the limit of {} MiB",
                    crate::MAX_BODY / (1024 * 1024)
                ),
            ),
            _ => Self::invalid("body", text),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::invalid("query", r.body_text())
    }
}

/// A path rejection, naming the parameter where `names` (the route's
/// parameters in order) tells which it is.
fn path_error(r: PathRejection, names: &[String]) -> ApiError {
    use axum::extract::path::ErrorKind as K;
    let text = r.body_text();
    let PathRejection::FailedToDeserializePathParams(e) = r else {
        return ApiError::internal(text);
    };
    let field = match e.kind() {
        K::ParseErrorAtKey { key, .. }
        | K::DeserializeError { key, .. }
        | K::InvalidUtf8InPathParam { key } => Some(key.clone()),
        K::ParseErrorAtIndex { index, .. } => names.get(*index).cloned(),
        K::ParseError { .. } if names.len() == 1 => names.first().cloned(),
        _ => None,
    };
    ApiError::invalid(field.as_deref().unwrap_or("path"), text)
}

/// `axum::Json` whose rejections are [`ApiError`]s (400 `invalid_input`
/// naming the field where serde does, 413, 415); also a JSON response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(r) => Err(r.into()),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` whose rejections are 400 `invalid_input` [`ApiError`]s.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(r) => Err(r.into()),
        }
    }
}

/// `axum::extract::Path` whose rejections are 400 `invalid_input`
/// [`ApiError`]s naming the path parameter, e.g. `version` of
/// `/api/versions/abc/files/x`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(r) => {
                let names: Vec<String> =
                    axum::extract::RawPathParams::from_request_parts(parts, state)
                        .await
                        .map(|p| p.iter().map(|(k, _)| k.to_string()).collect())
                        .unwrap_or_default();
                Err(path_error(r, &names))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_internal_error_is_logged_with_its_id_and_sent_without_its_text() {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let e = tracing::subscriber::with_default(subscriber, || {
            ApiError::from(handover_store::StoreError::Internal(
                "database disk image is malformed: /srv/secret.db".into(),
            ))
        });
        let id = e.id.clone().unwrap();
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let sent = serde_json::to_value(&e).unwrap();
        assert_eq!(
            sent,
            serde_json::json!({
                "code": "internal",
                "message": format!("internal error {id}; the server log has the details"),
                "id": id,
            })
        );
        let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        assert!(logged.contains("ERROR"), "{logged}");
        assert!(
            logged.contains(&id) && logged.contains("secret.db"),
            "{logged}"
        );
        assert_ne!(ApiError::internal("x").id, ApiError::internal("x").id);
    }

    #[test]
    fn store_errors_keep_their_field() {
        use handover_store::StoreError as E;
        let e = ApiError::from(E::Conflict {
            field: "name".into(),
            message: "taken".into(),
        });
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::Conflict, Some("name"))
        );
        let e = ApiError::from(E::Invalid {
            field: "password".into(),
            message: "short".into(),
        });
        assert_eq!(
            (e.code, e.field.as_deref(), e.status()),
            (
                ErrorCode::InvalidInput,
                Some("password"),
                StatusCode::BAD_REQUEST
            )
        );
    }

    #[test]
    fn the_field_is_read_from_serde_messages() {
        let t = "Failed to deserialize: unknown field `colour`, expected `name`";
        assert_eq!(quoted_after(t, "unknown field "), Some("colour"));
        assert_eq!(
            quoted_after("missing field `roles`", "missing field "),
            Some("roles")
        );
        assert_eq!(quoted_after("invalid type", "unknown field "), None);
    }
}
