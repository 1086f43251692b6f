//! End-to-end tests of `handover report`: the real binary, a Markdown
//! snapshot of a small scenario, and the HTML page rendered by a real
//! headless Chromium with the network cut off.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn handover() -> Command {
    Command::cargo_bin("handover").expect("binary built")
}

/// The small fixture with the triggers of tests/fixtures/triggers and a
/// few uncertain figures, so every section of a report has content.
fn rich_fixture() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("small");
    fs::create_dir(&dir).unwrap();
    for e in fs::read_dir(fixture("small")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    fs::copy(
        fixture("triggers").join("triggers.toml"),
        dir.join("triggers.toml"),
    )
    .unwrap();
    fs::write(
        dir.join("orders.csv"),
        "id,buyer,line,quantity,date,delivered,source\n\
         o1,PL,sam-de,4,2025-01-01,2,https://example.org/o1\n\
         o2,DE,sam-de,6,\"2026-01-01 + delay(uniform(0, 6))\",,https://example.org/o2\n",
    )
    .unwrap();
    (tmp, dir)
}

fn report(dir: &Path, extra: &[&str]) -> std::process::Output {
    handover()
        .args([
            "report",
            "--at",
            "2026-06-30",
            "--samples",
            "2000",
            "--seed",
            "3",
        ])
        .args(extra)
        .arg("--scenario")
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn markdown_report_matches_its_snapshot_and_links_its_charts() {
    let (tmp, dir) = rich_fixture();
    let out = tmp.path().join("md");
    let o = report(&dir, &["--format", "md", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    // Every chart the Markdown links to is there, and is an SVG.
    let mut linked = 0;
    for part in md.split("](charts/").skip(1) {
        let name = &part[..part.find(')').unwrap()];
        let svg = fs::read_to_string(out.join("charts").join(name)).unwrap();
        assert!(svg.starts_with("<svg"), "{name}");
        linked += 1;
    }
    assert!(linked >= 3, "level, fan and tornado charts: {linked}");
    assert_eq!(fs::read_dir(out.join("charts")).unwrap().count(), linked);
    // The hash changes with the data, so it is checked apart and masked.
    let hash = md
        .lines()
        .find(|l| l.contains("content hash"))
        .and_then(|l| l.split('`').nth(1))
        .unwrap()
        .to_string();
    assert_eq!(hash.len(), 64);
    let masked = md
        .replace(&hash, "[hash]")
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
        .replace(dir.to_str().unwrap(), "[scenario]");
    insta::assert_snapshot!("small_report_md", masked);
    // Nothing is overwritten.
    let o = report(&dir, &["--format", "md", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
}

#[test]
fn json_report_holds_the_numbers_and_what_reproduces_them() {
    let (_tmp, dir) = rich_fixture();
    let o = report(&dir, &["--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["reproduce"]["seed"], 3);
    assert_eq!(v["reproduce"]["samples"], 2000);
    assert_eq!(v["reproduce"]["tool_version"], env!("CARGO_PKG_VERSION"));
    // The hash is the one of the scenario's JSON export.
    let export = handover()
        .args(["export", "--scenario"])
        .arg(&dir)
        .output()
        .unwrap();
    let hash = v["reproduce"]["content_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    let sam = &v["capabilities"][0];
    assert_eq!(sam["assessment"]["id"], "sam");
    assert!(sam["forecast"]["deadlines"][0]["p_met"].is_number());
    assert!(sam["fan"]["p50"].as_array().unwrap().len() > 12);
    let line = &sam["lines"][0];
    assert_eq!(line["id"], "sam-de");
    assert_eq!(line["orders"][0]["id"], "o1");
    assert!(line["backlog"].as_f64().unwrap() > 0.0);
    assert!(v["triggers"]["triggers"].as_array().unwrap().len() > 1);
    let sources: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert!(sources.contains(&"https://example.org/o2"), "{sources:?}");
    // Same inputs, same report (the clock is not in it).
    let again = report(&dir, &["--format", "json"]);
    assert_eq!(o.stdout, again.stdout);
    assert!(export.status.success());
}

#[test]
fn a_report_with_plan_carries_the_plan_of_handover_plan() {
    let (_tmp, dir) = rich_fixture();
    let plan_args = ["--plan", "--budget", "1e9/year", "--deadline", "eu-2030"];
    let o = report(
        &dir,
        &[&["--format", "json", "--no-forecast"][..], &plan_args].concat(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &v["plan"];
    assert!(!p["orders"].as_array().unwrap().is_empty());
    assert!(p["index_rounded"].as_f64() > p["index_before"].as_f64());
    // The same plan as `handover plan` gives.
    let direct = handover()
        .args(["--format", "json", "plan"])
        .args(&plan_args[1..])
        .arg("--scenario")
        .arg(&dir)
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&direct.stdout).unwrap();
    assert_eq!(p["orders"], d["orders"]);
    // And the page shows it.
    let o = report(&dir, &[&["--no-forecast"][..], &plan_args].concat());
    let html = String::from_utf8(o.stdout).unwrap();
    assert!(html.contains("id=\"plan\"") && html.contains("sam-de"));
    // Plan options alone are refused, not ignored.
    handover()
        .args(["report", "--budget", "1e9", "--at", "2026-06-30"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("only with --plan"));
}

#[test]
fn report_refuses_csv_and_markdown_without_a_folder() {
    handover()
        .args(["report", "--format", "csv", "--at", "2026-06-30"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("html (the default), md or json"));
    handover()
        .args(["report", "--format", "md", "--at", "2026-06-30"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("give --out DIR"));
    handover()
        .args(["assess", "--format", "html"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is for `handover report`"));
}

/// Headless Chromium with the network cut off (every host name unresolvable)
/// and a fresh profile.
fn headless(profile: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(chromium());
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Chromium for the rendering test: `HANDOVER_CHROMIUM`, or Debian's
/// `/usr/bin/chromium` that ./scripts/test installs. Missing is a failure.
fn chromium() -> PathBuf {
    let path = std::env::var_os("HANDOVER_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "Chromium not found at {}: the report rendering test needs a real browser. \
         Run ./scripts/test (it installs Debian's chromium) or set HANDOVER_CHROMIUM.",
        path.display()
    );
    path
}

#[test]
fn html_report_is_self_contained_and_renders_offline_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    handover()
        .args(["report", "--at", "2026-11-21", "--samples", "2000", "--out"])
        .arg(&page)
        .assert()
        .success();
    let html = fs::read_to_string(&page).unwrap();
    // Nothing to fetch: no scripts, styles, images or frames from elsewhere.
    for tag in ["<script", "<link", "<img", "<iframe", "@import", "url("] {
        assert!(!html.contains(tag), "the page must not load `{tag}`");
    }
    let svgs = html.matches("<svg").count();
    assert!(
        svgs >= 9,
        "one level chart per capability with data: {svgs}"
    );

    // A real browser, with every host name unresolvable, renders it.
    let profile = tmp.path().join("profile");
    let out = headless(&profile)
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains("Readiness index"), "summary rendered");
    assert!(dom.contains("id=\"sources\""));
    assert!(dom.contains("id=\"reproduce\""));
    assert_eq!(
        dom.matches("<svg").count(),
        svgs,
        "every chart is in the DOM"
    );
    // And it paints: a screenshot is a real PNG of some size.
    let shot = tmp.path().join("shot.png");
    let out = headless(&profile)
        .args(["--window-size=1100,3000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success());
    let png = fs::read(&shot).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 50_000, "a page with charts, not a blank one");
}
