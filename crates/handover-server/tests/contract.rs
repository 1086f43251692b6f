//! The API contract on a real server on 127.0.0.1:0: every error answer is
//! JSON with a stable code (extractor rejections, unknown paths, wrong
//! methods, oversized bodies included), a conflict names the field at fault,
//! and the OpenAPI document names a schema for every 2xx body and `ApiError`
//! for every error.

mod common;

use common::{agent, get, start_on, Server};
use handover_server::{Config, ErrorCode};
use handover_store::{Role, Store};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

fn start() -> (Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        today: Some("2026-11-21".parse().unwrap()),
        ..Config::default()
    };
    let mut s = start_on(&dir.path().join("handover.db"), config);
    let admin = s
        .store
        .create_user(None, "admin", PASSWORD, None, &[Role::Admin, Role::Viewer])
        .unwrap();
    let token = s.store.create_token(&admin, "test").unwrap();
    s.dir = Some(dir);
    (s, token)
}

/// Status, content type and body (JSON, or `null` when it is not JSON).
fn answer(mut r: ureq::http::Response<ureq::Body>) -> (u16, String, Value) {
    let status = r.status().as_u16();
    let ct = common::content_type(&r);
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn post_raw(s: &Server, token: &str, path: &str, ct: &str, body: &str) -> (u16, String, Value) {
    let r = agent()
        .post(format!("{}{path}", s.base))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", ct)
        .send(body)
        .unwrap();
    answer(r)
}

/// An error answer: the status, JSON, the code, the field.
fn assert_error(
    what: &str,
    got: (u16, String, Value),
    status: u16,
    code: &str,
    field: Option<&str>,
) {
    let (st, ct, body) = got;
    assert_eq!(st, status, "{what}: {body}");
    assert!(
        ct.starts_with("application/json"),
        "{what}: content-type {ct}"
    );
    assert_eq!(body["code"], code, "{what}: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
    assert_eq!(body["field"].as_str(), field, "{what}: {body}");
}

#[test]
fn extractor_rejections_unknown_paths_and_methods_answer_json_with_a_code() {
    let (s, token) = start();
    let ct = "application/json";
    assert_error(
        "bad JSON",
        post_raw(&s, &token, "/api/tokens", ct, "{\"name\": "),
        400,
        "invalid_input",
        Some("body"),
    );
    assert_error(
        "unknown field",
        post_raw(
            &s,
            &token,
            "/api/tokens",
            ct,
            r#"{"name": "a", "colour": "red"}"#,
        ),
        400,
        "invalid_input",
        Some("colour"),
    );
    assert_error(
        "missing field",
        post_raw(
            &s,
            &token,
            "/api/users",
            ct,
            r#"{"username": "x", "password": "y"}"#,
        ),
        400,
        "invalid_input",
        Some("roles"),
    );
    assert_error(
        "a field of the wrong type",
        post_raw(&s, &token, "/api/tokens", ct, r#"{"name": 3}"#),
        400,
        "invalid_input",
        Some("body"),
    );
    assert_error(
        "wrong content type",
        post_raw(&s, &token, "/api/tokens", "text/plain", r#"{"name": "a"}"#),
        415,
        "unsupported_media_type",
        Some("content-type"),
    );
    let big = format!(
        r#"{{"files": [{{"name": "holdings.csv", "text": "{}"}}], "message": "big"}}"#,
        "x".repeat(handover_server::MAX_BODY + 10)
    );
    assert_error(
        "a body over the limit",
        post_raw(&s, &token, "/api/submissions/check", ct, &big),
        413,
        "payload_too_large",
        Some("body"),
    );
    let r = agent()
        .get(format!("{}/api/versions/abc/files/x", s.base))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_error(
        "bad path parameter",
        answer(r),
        400,
        "invalid_input",
        Some("version"),
    );
    let r = agent()
        .delete(format!("{}/api/tokens/abc", s.base))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_error("bad token id", answer(r), 400, "invalid_input", Some("id"));
    let r = agent()
        .get(format!("{}/api/nothing", s.base))
        .call()
        .unwrap();
    assert_error("unknown path", answer(r), 404, "not_found", Some("path"));
    let r = agent()
        .delete(format!("{}/api/overview", s.base))
        .call()
        .unwrap();
    assert_error("wrong method", answer(r), 405, "method_not_allowed", None);
    let r = agent()
        .put(format!("{}/api/login", s.base))
        .send("")
        .unwrap();
    assert_error("wrong method", answer(r), 405, "method_not_allowed", None);
}

#[test]
fn a_taken_token_name_is_blamed_on_name_and_a_taken_user_name_on_username() {
    let (s, token) = start();
    let ct = "application/json";
    assert_error(
        "token name taken",
        post_raw(&s, &token, "/api/tokens", ct, r#"{"name": "test"}"#),
        409,
        "conflict",
        Some("name"),
    );
    let body = json!({"username": "admin", "password": PASSWORD, "roles": ["viewer"]});
    assert_error(
        "user name taken",
        post_raw(&s, &token, "/api/users", ct, &body.to_string()),
        409,
        "conflict",
        Some("username"),
    );
}

#[test]
fn every_error_code_has_its_status_and_string_in_the_openapi_document() {
    let (s, _) = start();
    let (code, doc) = get(&s, "/api/openapi.json");
    assert_eq!(code, 200);
    let schema = &doc["components"]["schemas"]["ErrorCode"];
    let listed: Vec<&str> = schema["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("ErrorCode is a string enum: {schema}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for c in ErrorCode::ALL {
        assert!(listed.contains(&c.as_str()), "{c} listed in {listed:?}");
        assert_eq!(
            serde_json::to_value(c).unwrap(),
            c.as_str(),
            "{c} serialises as its string"
        );
    }
    assert_eq!(listed.len(), ErrorCode::ALL.len());
    // The strings clients already match on stay the same.
    for (c, text, status) in [
        (ErrorCode::InvalidInput, "invalid_input", 400),
        (ErrorCode::InvalidSubmission, "invalid_submission", 422),
        (ErrorCode::Uncomputable, "uncomputable", 422),
        (ErrorCode::Busy, "busy", 503),
        (ErrorCode::Unauthorized, "unauthorized", 401),
        (ErrorCode::Forbidden, "forbidden", 403),
        (ErrorCode::Csrf, "csrf", 403),
        (ErrorCode::RateLimited, "rate_limited", 429),
        (ErrorCode::Conflict, "conflict", 409),
        (ErrorCode::Suppressed, "suppressed", 403),
        (ErrorCode::NotFound, "not_found", 404),
        (ErrorCode::Internal, "internal", 500),
    ] {
        assert_eq!((c.as_str(), c.status().as_u16()), (text, status));
    }
    let code_ref = &doc["components"]["schemas"]["ApiError"]["properties"]["code"];
    assert!(
        code_ref
            .to_string()
            .contains("#/components/schemas/ErrorCode"),
        "ApiError.code refers to ErrorCode: {code_ref}"
    );
    assert!(
        doc["components"]["schemas"]["ApiError"]["properties"]["id"].is_object(),
        "the id of internal errors is documented"
    );
}

/// Every response of every operation: a 2xx names a component schema (or is
/// a body-less 204, or text/csv), an error refers to `ApiError`.
#[test]
fn every_response_in_the_openapi_document_names_its_schema() {
    let doc: Value = serde_json::from_str(&handover_server::openapi().to_json().unwrap()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            if path != "/api/health" && path != "/api/openapi.json" {
                let body = op["requestBody"].is_object();
                let needed: &[&str] = if body {
                    &["400", "401", "413", "415", "500"]
                } else {
                    &["401", "500"]
                };
                for status in needed {
                    assert!(
                        responses.contains_key(*status),
                        "{method} {path} lists {status}"
                    );
                }
            }
            for (status, r) in responses {
                let what = format!("{method} {path} {status}");
                let content = r["content"].as_object();
                if status.starts_with('2') {
                    let Some(content) = content else {
                        assert_eq!(status, "204", "{what}: a 2xx without a body is a 204");
                        continue;
                    };
                    for (media, c) in content {
                        if media.starts_with("text/") {
                            continue;
                        }
                        let reference = c["schema"]["$ref"]
                            .as_str()
                            .or_else(|| c["schema"]["items"]["$ref"].as_str())
                            .unwrap_or_else(|| panic!("{what}: no named schema: {c}"));
                        let name = reference.trim_start_matches("#/components/schemas/");
                        assert!(schemas.contains_key(name), "{what}: {name} is a component");
                        checked += 1;
                    }
                } else {
                    let c = content.unwrap_or_else(|| panic!("{what}: an error has a body"));
                    assert_eq!(
                        c["application/json"]["schema"]["$ref"], "#/components/schemas/ApiError",
                        "{what}"
                    );
                }
            }
        }
    }
    assert!(checked >= 15, "{checked} 2xx bodies checked");
}

/// The properties of a component schema.
fn properties(doc: &Value, name: &str) -> Vec<String> {
    let mut p: Vec<String> = doc["components"]["schemas"][name]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{name} has properties"))
        .keys()
        .cloned()
        .collect();
    p.sort();
    p
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// The schemas that describe answers built elsewhere (the plan, the
/// capability page, the assessment) have exactly the answers' fields.
#[test]
fn the_named_schemas_have_the_fields_of_the_answers() {
    let (s, _) = start();
    let doc: Value = serde_json::from_str(&handover_server::openapi().to_json().unwrap()).unwrap();
    let (code, plan) = get(&s, "/api/plan?objective=cost&deadline=eu-2030");
    assert_eq!(code, 200, "{plan}");
    assert_eq!(keys(&plan), properties(&doc, "PlanView"));
    let (code, page) = get(&s, "/api/capabilities/mbt");
    assert_eq!(code, 200, "{page}");
    assert_eq!(keys(&page), properties(&doc, "CapabilityPage"));
    assert_eq!(keys(&page["lines"][0]), properties(&doc, "LineView"));
    assert_eq!(keys(&page["holdings"][0]), properties(&doc, "HoldingView"));
    let (code, a) = get(&s, "/api/assessment");
    assert_eq!(code, 200, "{a}");
    assert_eq!(keys(&a), properties(&doc, "Assessment"));
}
