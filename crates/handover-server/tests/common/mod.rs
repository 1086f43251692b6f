//! What the server's integration tests share: a real server on 127.0.0.1:0
//! over a real SQLite file, and an HTTP client.
#![allow(dead_code)]

use handover_core::Scenario;
use handover_server::{serve, AppState, Config};
use handover_store::SqliteStore;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A running server; stops when dropped.
pub struct Server {
    pub base: String,
    pub store: Arc<SqliteStore>,
    pub db: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub dir: Option<tempfile::TempDir>,
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

/// A server on the SQLite file `db`, seeded with the bundled data when new.
pub fn start_on(db: &Path, config: Config) -> Server {
    let scenario = handover_data::bundled().unwrap().scenario;
    start_with(db, &scenario, config)
}

/// A server on the SQLite file `db`, seeded with `scenario` (validated) when new.
pub fn start_with(db: &Path, scenario: &Scenario, config: Config) -> Server {
    let store = Arc::new(SqliteStore::open(db).unwrap());
    let state = Arc::new(AppState::open(store.clone(), scenario, config).unwrap());
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
        store,
        db: db.to_path_buf(),
        stop: Some(stop_tx),
        thread: Some(thread),
        dir: None,
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// The answer's content type, `""` when it has none.
pub fn content_type(r: &ureq::http::Response<ureq::Body>) -> String {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

pub fn read(mut r: ureq::http::Response<ureq::Body>, what: &str) -> (u16, Value) {
    let status = r.status().as_u16();
    let ct = content_type(&r);
    if status == 204 {
        return (status, Value::Null);
    }
    assert!(
        ct.starts_with("application/json"),
        "{what}: content-type {ct}"
    );
    (status, r.body_mut().read_json().unwrap())
}

/// `GET path` with no credentials: the public.
pub fn get(server: &Server, path: &str) -> (u16, Value) {
    let r = agent()
        .get(format!("{}{path}", server.base))
        .call()
        .unwrap();
    read(r, path)
}
