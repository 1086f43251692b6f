//! The API against a real server on 127.0.0.1:0, talked to over HTTP with a
//! real client (ureq), on the bundled public dataset.

use handover_server::{serve, AppState};
use serde_json::Value;
use std::sync::Arc;

/// A running server; stops when dropped.
struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start() -> Server {
    let scenario = handover_data::bundled().unwrap().scenario;
    let state = Arc::new(AppState::new(scenario, Some("2026-11-21".parse().unwrap())));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            serve(listener, state, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    Server {
        base: format!("http://{addr}"),
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

fn get(server: &Server, path: &str) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(format!("{}{path}", server.base)).call().unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        ct.starts_with("application/json"),
        "{path}: content-type {ct}"
    );
    (status, r.body_mut().read_json().unwrap())
}

#[test]
fn health_and_openapi_describe_the_api() {
    let s = start();
    let (code, h) = get(&s, "/api/health");
    assert_eq!(code, 200);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    let (code, doc) = get(&s, "/api/openapi.json");
    assert_eq!(code, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/health",
        "/api/overview",
        "/api/assessment",
        "/api/capabilities/{id}",
        "/api/openapi.json",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    assert!(doc["components"]["schemas"]["ApiError"].is_object());
    // The served document is the one generated from the code.
    let generated: Value =
        serde_json::from_str(&handover_server::openapi().to_json().unwrap()).unwrap();
    assert_eq!(doc, generated);
}

#[test]
fn overview_and_assessment_agree_with_the_engine() {
    let s = start();
    let (code, o) = get(&s, "/api/overview?at=2027-12-31");
    assert_eq!(code, 200);
    // The engine, run here, gives the same figures.
    let scenario = handover_data::bundled().unwrap().scenario;
    let eval = handover_core::Evaluation::new(&scenario);
    let a = eval
        .assess(&scenario, "2027-12-31".parse().unwrap(), true)
        .unwrap();
    assert_eq!(o["index"].as_f64(), a.index.at);
    assert_eq!(
        o["capabilities"].as_array().unwrap().len(),
        a.capabilities.len()
    );
    let iamd = o["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "iamd-long")
        .unwrap();
    let mine = a.capabilities.iter().find(|c| c.id == "iamd-long").unwrap();
    assert_eq!(iamd["coverage"].as_f64(), mine.coverage);
    assert_eq!(
        iamd["status"]["us-2027"],
        mine.deadlines[0].status.to_string()
    );
    assert_eq!(
        o["index_series"].as_array().unwrap().len(),
        o["dates"].as_array().unwrap().len()
    );
    // Benchmarks are evaluated, with the forecast for P(...) rules.
    let triggers = o["triggers"].as_array().unwrap();
    assert_eq!(triggers.len(), scenario.triggers.len());
    assert!(triggers.iter().any(|t| t["state"] == "fires"));
    assert_eq!(o["forecast"][0], handover_server::FORECAST_SAMPLES);
    // The full assessment is the CLI's JSON.
    let (code, full) = get(&s, "/api/assessment?at=2027-12-31");
    assert_eq!(code, 200);
    assert_eq!(full, serde_json::to_value(&a).unwrap());
    // A second request is served from the cache, byte for byte the same.
    let (_, again) = get(&s, "/api/overview?at=2027-12-31");
    assert_eq!(again, o);
}

#[test]
fn capability_pages_and_errors_have_stable_codes() {
    let s = start();
    let (code, c) = get(&s, "/api/capabilities/iamd-long?at=2026-11-21");
    assert_eq!(code, 200);
    assert_eq!(c["assessment"]["id"], "iamd-long");
    assert_eq!(
        c["series"]["level"].as_array().unwrap().len(),
        c["dates"].as_array().unwrap().len()
    );
    let (code, e) = get(&s, "/api/capabilities/iamd-lnog");
    assert_eq!(code, 404);
    assert_eq!(e["code"], "not_found");
    assert_eq!(e["field"], "id");
    assert!(e["message"].as_str().unwrap().contains("iamd-long"), "{e}");
    let (code, e) = get(&s, "/api/overview?at=2026-13-01");
    assert_eq!(code, 400);
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("invalid_input"), Some("at"))
    );
    let (code, e) = get(&s, "/api/overview?at=2050-01-01");
    assert_eq!(code, 400);
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("outside the scenario"));
    let (code, e) = get(&s, "/api/overview?date=2026-01-01");
    assert_eq!((code, e["field"].as_str()), (400, Some("date")));
    let (code, e) = get(&s, "/api/nothing");
    assert_eq!((code, e["code"].as_str()), (404, Some("not_found")));
}
