//! End-to-end tests of `handover report`: the real binary, Markdown and
//! JSON snapshots of a small scenario, the reproduce command run again, and
//! the HTML page rendered, printed and watched by a real headless Chromium
//! with the network cut off.

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

/// Text as a browser shows it from the HTML the templates write (which
/// escape `/` among others).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
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

/// `handover report` of the scenario `dir` as a user gives it: from the
/// folder holding it, `--scenario small` (a relative path).
fn report(dir: &Path, extra: &[&str]) -> std::process::Output {
    handover()
        .current_dir(dir.parent().unwrap())
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
        .arg(dir.file_name().unwrap())
        .output()
        .unwrap()
}

/// SHA-256 of `data` in hex (the `sha2` crate), to check the report's
/// content hash independently of the code that computes it.
fn sha256(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
    // Nothing names the folder the scenario was in on this machine.
    assert!(
        !md.contains(tmp.path().to_str().unwrap()),
        "the report names the temporary folder"
    );
    let masked = md
        .replace(&hash, "[hash]")
        .replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("small_report_md", masked);
    // Nothing is overwritten.
    let o = report(&dir, &["--format", "md", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
}

#[test]
fn json_report_matches_its_snapshot_and_holds_what_reproduces_it() {
    let (tmp, dir) = rich_fixture();
    let o = report(&dir, &["--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(
        !text.contains(tmp.path().to_str().unwrap()),
        "the report names the temporary folder"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["reproduce"]["seed"], 3);
    assert_eq!(v["reproduce"]["samples"], 2000);
    assert_eq!(v["reproduce"]["tool_version"], env!("CARGO_PKG_VERSION"));
    // The hash is SHA-256 of the scenario's JSON export (what `handover
    // export` writes, less its final newline).
    let export = handover()
        .current_dir(tmp.path())
        .args(["export", "--scenario", "small"])
        .output()
        .unwrap();
    assert!(export.status.success());
    let document = export.stdout.strip_suffix(b"\n").unwrap();
    assert!(
        document.starts_with(b"{"),
        "export writes the JSON document"
    );
    let hash = v["reproduce"]["content_hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    assert_eq!(
        hash,
        sha256(document),
        "content hash = SHA-256 of the export"
    );
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
    // The whole document as written, with what legitimately varies masked:
    // the hash (checked above; it changes with the export format) and the
    // version. Nothing else depends on the machine or the clock.
    let version = format!("\"tool_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert_eq!(text.matches(&hash).count(), 1);
    assert_eq!(text.matches(&version).count(), 1);
    let masked = text
        .replace(&hash, "[hash]")
        .replace(&version, "\"tool_version\": \"[version]\"");
    insta::assert_snapshot!("small_report_json", masked);
}

/// Sensitivity input names as they appear in a report, per capability and
/// for the index.
fn input_names(v: &Value) -> Vec<String> {
    let mut names = vec![];
    let mut add = |sensitivity: &Value| {
        for x in sensitivity.as_array().into_iter().flatten() {
            names.push(x["input"].as_str().unwrap().to_string());
        }
    };
    for c in v["capabilities"].as_array().unwrap() {
        for d in c["forecast"]["deadlines"].as_array().into_iter().flatten() {
            add(&d["sensitivity"]);
        }
    }
    for d in v["summary"]["deadlines"].as_array().unwrap() {
        add(&d["index_forecast"]["sensitivity"]);
    }
    names
}

#[test]
fn inputs_are_named_relative_to_the_scenario_given_by_an_absolute_path() {
    let (_tmp, dir) = rich_fixture();
    let abs = dir.to_str().unwrap();
    assert!(dir.is_absolute());
    let run = |format: &str| {
        let o = handover()
            .args(["report", "--at", "2026-06-30", "--samples", "500"])
            .args(["--format", format, "--scenario", abs])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let json = run("json");
    let v: Value = serde_json::from_str(&json).unwrap();
    let names = input_names(&v);
    assert!(
        names.contains(&"orders.csv:3 date".to_string()),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .all(|n| !n.contains(abs) && !n.starts_with('/')),
        "{names:?}"
    );
    // The path is named once, in the command that reproduces the report
    // (as given), and nowhere else.
    assert_eq!(
        v["reproduce"]["arguments"].as_array().unwrap()[1..3],
        [Value::from("--scenario"), Value::from(abs)]
    );
    let mut rest = v.clone();
    rest["reproduce"] = Value::Null;
    assert!(!rest.to_string().contains(abs), "JSON names {abs}");
    let html = unescape(&run("html"));
    assert!(html.contains("orders.csv:3 date"));
    assert_eq!(html.matches(abs).count(), 1, "only in the command");
    assert!(html.contains(&format!(
        "<code>handover report --scenario {abs} --at 2026-06-30"
    )));
}

/// The report's reproduce command, run again with the real binary from the
/// same folder, gives the same report: same content hash, same figures.
#[test]
fn the_reproduce_command_of_a_report_with_a_plan_gives_the_same_report() {
    let (tmp, dir) = rich_fixture();
    let plan = ["--plan", "--budget", "1e9/year", "--deadline", "eu-2030"];
    let o = report(&dir, &[&["--format", "json"][..], &plan].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let command = v["reproduce"]["command"].as_str().unwrap();
    let args: Vec<String> = v["reproduce"]["arguments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    // The printed command is those arguments (none needs quoting here).
    assert_eq!(command, format!("handover {}", args.join(" ")));
    assert_eq!(
        command,
        "handover report --scenario small --at 2026-06-30 --samples 2000 --seed 3 \
         --plan --budget 1e9/year --deadline eu-2030 --objective coverage --grid quarter"
    );
    let again = handover()
        .current_dir(tmp.path())
        .args(["--format", "json"])
        .args(&args)
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&again.stderr)
    );
    let w: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        w["reproduce"]["content_hash"],
        v["reproduce"]["content_hash"]
    );
    assert!(!w["plan"]["orders"].as_array().unwrap().is_empty());
    for part in ["summary", "capabilities", "triggers", "plan", "sources"] {
        assert_eq!(w[part], v[part], "{part} differs when reproduced");
    }
    assert_eq!(w, v, "the same report");
    // And the page shows the command.
    let o = report(&dir, &plan);
    let html = unescape(&String::from_utf8(o.stdout).unwrap());
    assert!(html.contains(&format!("<code>{command}</code>")));
}

#[test]
fn a_report_with_plan_carries_the_plan_of_handover_plan() {
    let (_tmp, dir) = rich_fixture();
    // `--from` given: the report's plan otherwise starts at its --at date,
    // `handover plan`'s at today.
    let plan_args = [
        "--plan",
        "--budget",
        "1e9/year",
        "--deadline",
        "eu-2030",
        "--from",
        "2026-07",
    ];
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
    assert!(direct.status.success());
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
    // `report` has its own --format: html, md or json.
    handover()
        .args(["report", "--format", "csv", "--at", "2026-06-30"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "[possible values: html, md, json]",
        ));
    // The global --format before `report` is checked by the report too.
    handover()
        .args(["--format", "csv", "report", "--at", "2026-06-30"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("html (the default), md or json"));
    handover()
        .args(["report", "--format", "md", "--at", "2026-06-30"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("give --out DIR"));
    // The global --format offers table, json and csv only.
    for args in [["assess", "--format", "html"], ["--format", "md", "assess"]] {
        handover()
            .args(args)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(
                "[possible values: table, json, csv]",
            ));
    }
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

/// `file://` URL of a local file.
fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Load `page` in headless Chromium with a net log: the DOM it produced and
/// what its network stack was asked for.
fn dump_dom_with_net_log(page: &Path, work: &Path) -> (String, NetLog) {
    let log = work.join("net.json");
    let out = headless(&work.join("profile"))
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("--log-net-log={}", log.display()))
        .arg(file_url(page))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    (dom, NetLog::read(&log))
}

/// What Chromium's net log (`--log-net-log`) says was requested.
struct NetLog {
    /// Every URL any event names (`params.url`: requests, stream jobs,
    /// preconnects, ...).
    urls: std::collections::BTreeSet<String>,
    /// Per URL request (`URL_REQUEST_START_JOB`): URL, initiator, network
    /// isolation key.
    requests: Vec<(String, String, String)>,
    events: usize,
}

impl NetLog {
    fn read(path: &Path) -> NetLog {
        let text = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("no net log at {}: {e}", path.display()));
        // A log cut short when the browser exits is closed by hand.
        let v: Value = serde_json::from_str(&text)
            .or_else(|_| {
                serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(',')))
            })
            .unwrap_or_else(|e| panic!("net log {} is not JSON: {e}", path.display()));
        let start_job = v["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].clone();
        assert!(
            start_job.is_number(),
            "net log without event type constants"
        );
        let events = v["events"].as_array().expect("net log events");
        let mut log = NetLog {
            urls: Default::default(),
            requests: vec![],
            events: events.len(),
        };
        for e in events {
            let p = &e["params"];
            let Some(url) = p["url"].as_str() else {
                continue;
            };
            log.urls.insert(url.to_string());
            if e["type"] == start_job {
                let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
                log.requests
                    .push((url.to_string(), s("initiator"), s("network_isolation_key")));
            }
        }
        log
    }

    /// Requests made for the page or anything in it: every URL in the log
    /// other than `page`, except the browser's own background requests
    /// (account list, component updates), which no document initiates
    /// (initiator "not an origin") and which no `file:` page is party to.
    /// Chromium makes those whatever it loads and has no switch to stop them
    /// all; the hosts being unresolvable, they fail.
    fn page_requests(&self, page: &str) -> Vec<String> {
        let own =
            |initiator: &str, nik: &str| initiator == "not an origin" && !nik.contains("file:");
        let browser: std::collections::BTreeSet<&str> = self
            .requests
            .iter()
            .filter(|(_, i, k)| own(i, k))
            .map(|(u, _, _)| u.as_str())
            .collect();
        let mut out: Vec<String> = self
            .requests
            .iter()
            .filter(|(u, i, k)| u != page && !own(i, k))
            .map(|(u, i, _)| format!("{u} (initiator {i})"))
            .collect();
        out.extend(
            self.urls
                .iter()
                .filter(|u| *u != page && !browser.contains(u.as_str()))
                .filter(|u| !self.requests.iter().any(|(r, _, _)| r == *u))
                .map(|u| format!("{u} (no request; a connection or preconnect)")),
        );
        out.sort();
        out.dedup();
        out
    }

    /// `Err` naming every request the page made, if it made any.
    fn no_request(&self, page: &Path) -> Result<(), String> {
        assert!(self.events > 0, "the net log is empty");
        let offending = self.page_requests(&file_url(page));
        if offending.is_empty() {
            return Ok(());
        }
        Err(format!(
            "the page {} made {} network request(s); it must make none:\n  {}",
            page.display(),
            offending.len(),
            offending.join("\n  ")
        ))
    }

    fn assert_no_request(&self, page: &Path) {
        if let Err(e) = self.no_request(page) {
            panic!("{e}");
        }
    }
}

/// The SVG of the chart figure `id` in the DOM Chromium produced.
fn figure<'d>(dom: &'d str, id: &str) -> &'d str {
    let start = dom
        .find(&format!("<figure class=\"chart\" id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no chart {id} in the DOM"));
    let end = start + dom[start..].find("</figure>").unwrap();
    &dom[start..end]
}

/// The drawn series of a chart, in drawing order: each `data-series`, with
/// its `data-deadline` where it has one; each must hold a drawn shape.
fn drawn_series(chart: &str) -> Vec<String> {
    chart
        .split("<g class=\"series\" data-series=\"")
        .skip(1)
        .map(|part| {
            let body = &part[..part.find("</g>").unwrap()];
            // A bar, or a line or band with points.
            let drawn = body.contains("<rect ")
                || body
                    .split(" points=\"")
                    .skip(1)
                    .any(|rest| !rest.starts_with('"'));
            let name = &part[..part.find('"').unwrap()];
            assert!(drawn, "series {name} draws nothing: {body}");
            match part.split_once("data-deadline=\"") {
                Some((head, rest)) if !head.contains('>') => {
                    format!("{name} {}", &rest[..rest.find('"').unwrap()])
                }
                _ => name.to_string(),
            }
        })
        .collect()
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
    // Every chart is a named image, every table has a caption.
    assert_eq!(
        html.matches("<svg role=\"img\" aria-label=\"").count(),
        svgs
    );
    assert_eq!(
        html.matches("<table>\n<caption>").count(),
        html.matches("<table").count()
    );
    assert!(html.contains("@page { size: A4; margin: 15mm; }") && html.contains("@media print {"));

    // A real browser, with every host name unresolvable, renders it, and
    // its net log shows that the page asked for nothing.
    let (dom, net) = dump_dom_with_net_log(&page, &tmp.path().join("bundled"));
    assert!(dom.contains("Readiness index"), "summary rendered");
    assert!(dom.contains("id=\"sources\""));
    assert!(dom.contains("id=\"reproduce\""));
    assert_eq!(
        dom.matches("<svg").count(),
        svgs,
        "every chart is in the DOM"
    );
    net.assert_no_request(&page);
    // Every level chart draws the level, the target and one glide path per
    // deadline of the bundled data.
    let v: Value = serde_json::from_slice(
        &handover()
            .args([
                "--format",
                "json",
                "report",
                "--at",
                "2026-11-21",
                "--no-forecast",
            ])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let deadlines: Vec<&str> = v["summary"]["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["deadline"].as_str().unwrap())
        .collect();
    assert!(deadlines.len() >= 2, "{deadlines:?}");
    let level_charts = dom.matches("-level\"><svg").count();
    assert!(level_charts >= 9, "{level_charts}");
    let mut checked = 0;
    for c in v["capabilities"].as_array().unwrap() {
        let id = c["assessment"]["id"].as_str().unwrap();
        if !(c["series"]["level"].is_array() && c["assessment"]["target"].is_number()) {
            continue;
        }
        // One glide path per deadline the capability's requirement has.
        let glides = c["series"]["glide"].as_object().unwrap();
        let mut want = vec!["target".to_string()];
        want.extend(
            deadlines
                .iter()
                .filter(|d| glides.contains_key(**d))
                .map(|d| format!("glide-path {d}")),
        );
        want.push("level".to_string());
        assert_eq!(want.len(), 2 + glides.len(), "{id}: glide paths {glides:?}");
        let series = drawn_series(figure(&dom, &format!("chart-{id}-level")));
        assert_eq!(series, want, "{id}");
        checked += 1;
    }
    assert_eq!(checked, level_charts);

    // And it paints: a screenshot is a real PNG of some size.
    let profile = tmp.path().join("profile");
    let shot = tmp.path().join("shot.png");
    let out = headless(&profile)
        .args(["--window-size=1100,3000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(file_url(&page))
        .output()
        .expect("chromium runs");
    assert!(out.status.success());
    let png = fs::read(&shot).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 50_000, "a page with charts, not a blank one");

    // And it prints, on A4 (the page's @page rule; Chromium's default is
    // US Letter, 612 x 792 pt).
    let pdf = tmp.path().join("r.pdf");
    let out = headless(&profile)
        .args(["--no-pdf-header-footer"])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(file_url(&page))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium could not print: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    assert!(bytes.len() > 10_000, "a PDF of {} bytes", bytes.len());
    let text = String::from_utf8_lossy(&bytes);
    let boxes: Vec<(f64, f64)> = text
        .split("/MediaBox [")
        .skip(1)
        .map(|b| {
            let n: Vec<f64> = b[..b.find(']').unwrap()]
                .split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect();
            (n[2] - n[0], n[3] - n[1])
        })
        .collect();
    assert!(boxes.len() > 1, "pages: {boxes:?}");
    for (w, h) in &boxes {
        // A4 is 595.3 x 841.9 pt.
        assert!(
            (w - 595.3).abs() < 2.0 && (h - 841.9).abs() < 2.0,
            "not A4: {w} x {h}"
        );
    }
}

/// The small fixture in Chromium: the charts of a capability it knows draw
/// exactly their series, and the page makes no request.
#[test]
fn charts_of_the_fixture_draw_their_series_in_chromium() {
    let (tmp, dir) = rich_fixture();
    let page = tmp.path().join("small.html");
    let o = report(&dir, &["--out", page.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The deadlines, from the fixture's numbers.
    let v: Value = serde_json::from_slice(&report(&dir, &["--format", "json"]).stdout).unwrap();
    let deadlines: Vec<&str> = v["summary"]["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["deadline"].as_str().unwrap())
        .collect();
    assert_eq!(deadlines, ["us-2027", "eu-2030"], "the fixture's deadlines");

    let (dom, net) = dump_dom_with_net_log(&page, &tmp.path().join("chromium"));
    net.assert_no_request(&page);
    // sam's level chart: the target, one glide path per deadline, the level.
    let level = drawn_series(figure(&dom, "chart-sam-level"));
    let mut want = vec!["target".to_string()];
    want.extend(deadlines.iter().map(|d| format!("glide-path {d}")));
    want.push("level".to_string());
    assert_eq!(level, want);
    assert_eq!(level.len(), 2 + deadlines.len());
    // Its fan chart: the P10-P90 band and the P50 line.
    let fan = drawn_series(figure(&dom, "chart-sam-fan"));
    assert_eq!(fan, ["p10-p90", "p50"]);
    // Its tornado: one bar per input that moves it (one uncertain order date).
    let tornado = figure(&dom, "chart-sam-tornado");
    assert_eq!(drawn_series(tornado), ["rho"]);
    assert!(tornado.contains("data-input=\"orders.csv:3 date\""));
    // Each chart is a named image in the DOM too.
    for id in ["chart-sam-level", "chart-sam-fan", "chart-sam-tornado"] {
        let svg = figure(&dom, id);
        let svg = &svg[svg.find("<svg").unwrap()..];
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"Long-range SAM fire units (sam): "),
            "{}",
            &svg[..200]
        );
        assert!(svg.contains("<title>Long-range SAM fire units (sam): "));
    }
    // ammo has no spread in its forecast: a level chart and no fan.
    assert_eq!(drawn_series(figure(&dom, "chart-ammo-level")).len(), 4);
    assert!(!dom.contains("id=\"chart-ammo-fan\""));
}

/// The net log check sees a page's requests: a page that loads an image and
/// a stylesheet from elsewhere is caught, with the URLs named.
#[test]
fn the_net_log_check_catches_a_page_that_loads_from_elsewhere() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("bad.html");
    fs::write(
        &page,
        "<!DOCTYPE html><html><head><link rel=\"stylesheet\" href=\"https://cdn.example.com/s.css\"></head>\
         <body><img src=\"https://images.example.org/a.png\" alt=\"\"></body></html>",
    )
    .unwrap();
    let (_, net) = dump_dom_with_net_log(&page, tmp.path());
    let found = net.page_requests(&file_url(&page));
    assert!(
        found
            .iter()
            .any(|u| u.starts_with("https://cdn.example.com/s.css")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|u| u.starts_with("https://images.example.org/a.png")),
        "{found:?}"
    );
    let message = net.no_request(&page).unwrap_err();
    assert!(
        message.contains("network request(s)") && message.contains("images.example.org"),
        "{message}"
    );
}
