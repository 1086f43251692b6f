//! The dashboard in a real headless Chromium against a real server on
//! 127.0.0.1:0: the pages load their embedded scripts, fetch the API and
//! draw the charts (uPlot) and tables.

use handover_server::{serve, AppState};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Chromium: `HANDOVER_CHROMIUM`, or Debian's `/usr/bin/chromium` that
/// ./scripts/test installs. Missing is a failure, not a skip.
fn chromium() -> PathBuf {
    let path = std::env::var_os("HANDOVER_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "Chromium not found at {}: the dashboard tests need a real browser. \
         Run ./scripts/test (it installs Debian's chromium) or set HANDOVER_CHROMIUM.",
        path.display()
    );
    path
}

/// The DOM of `url` after its scripts ran.
fn dom(url: &str, profile: &Path) -> String {
    let out = std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn overview_and_capability_pages_render_charts_and_tables() {
    let scenario = handover_data::bundled().unwrap().scenario;
    let state = Arc::new(AppState::new(scenario, Some("2026-11-21".parse().unwrap())));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = rt.spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));
    let tmp = tempfile::tempdir().unwrap();

    let page = dom(
        &format!("http://{addr}/?at=2026-11-21"),
        &tmp.path().join("a"),
    );
    assert!(
        page.contains("data-loaded=\"overview\""),
        "the page script finished: {}",
        &page[..page.len().min(600)]
    );
    assert!(page.contains("class=\"uplot"), "uPlot drew the index chart");
    assert!(page.contains("<canvas"), "the chart is a canvas");
    assert!(page.contains("glide path to us-2027"));
    assert!(page.contains("data-capability=\"iamd-long\""));
    assert!(page.contains("data-trigger=\"us-2027-missile-defence\""));
    assert!(page.contains("39.3%"), "iamd-long coverage shown");

    let page = dom(
        &format!("http://{addr}/capability/iamd-long?at=2026-11-21"),
        &tmp.path().join("b"),
    );
    assert!(page.contains("data-loaded=\"capability\""));
    assert!(page.contains("class=\"uplot"));
    assert!(page.contains("European level"));
    assert!(page.contains("off-track"));

    // An unknown capability says so on the page.
    let page = dom(
        &format!("http://{addr}/capability/iamd-lnog"),
        &tmp.path().join("c"),
    );
    assert!(
        page.contains("Could not load: no capability `iamd-lnog`; did you mean `iamd-long`?"),
        "{page}"
    );

    let _ = stop.send(());
    rt.block_on(server).unwrap().unwrap();
}
