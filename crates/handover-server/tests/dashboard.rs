//! The dashboard in a real headless Chromium against a real server on
//! 127.0.0.1:0 with a real SQLite store: the pages load their embedded
//! scripts, fetch the API and draw the charts (uPlot) and tables; a submitter
//! logs in, checks and submits a table through the browser (WebDriver, with
//! chromedriver).
//!
//! Chromium and chromedriver are required: missing ones fail the tests
//! (./scripts/test installs Debian's packages), they are never skipped.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
mod common;

use common::{agent, start_on, Server};
use handover_server::Config;
use handover_store::{Role, Store};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_PASSWORD: &str = "password-for-tests";
const DE_PASSWORD: &str = "de-password-for-tests";
/// How long a test waits for something to appear on a page: a submission
/// computes the new version (forecast included) before it answers, which in
/// a debug build on a loaded 2-core machine takes several seconds.
const WAIT: Duration = Duration::from_secs(30);

/// The flags every Chromium of these tests runs with (plus its own profile).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// A browser program: from the environment variable `var`, else `default`.
/// Missing is a failure, not a skip.
fn program(var: &str, default: &str, what: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    assert!(
        path.exists(),
        "{what} not found at {}: the dashboard tests need a real browser. \
         Run ./scripts/test (it installs Debian's chromium and chromium-driver) or set {var}.",
        path.display()
    );
    path
}

fn chromium() -> PathBuf {
    program("HANDOVER_CHROMIUM", "/usr/bin/chromium", "Chromium")
}

fn chromedriver_program() -> PathBuf {
    program(
        "HANDOVER_CHROMEDRIVER",
        "/usr/bin/chromedriver",
        "chromedriver",
    )
}

// ------------------------------------------------------------------ server

/// Serve the bundled data from `dir/h.db` on 127.0.0.1:0, with an admin and
/// a DE submitter.
fn start(dir: &Path) -> Server {
    let config = Config {
        today: Some("2026-11-21".parse().unwrap()),
        ..Config::default()
    };
    let server = start_on(&dir.join("h.db"), config);
    server
        .store
        .create_user(
            None,
            "admin",
            ADMIN_PASSWORD,
            None,
            &[Role::Admin, Role::Viewer],
        )
        .unwrap();
    server
        .store
        .create_user(
            None,
            "de-submitter",
            DE_PASSWORD,
            Some("DE"),
            &[Role::Viewer, Role::Submitter],
        )
        .unwrap();
    server
}

fn get_json(server: &Server, path: &str, cookie: Option<&str>) -> (u16, Value) {
    let mut req = agent().get(format!("{}{path}", server.base));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let mut r = req.call().unwrap();
    (r.status().as_u16(), r.body_mut().read_json().unwrap())
}

/// Log in over the API: the session cookie (`name=value`) and the CSRF token.
fn api_login(server: &Server, username: &str, password: &str) -> (String, String) {
    let mut r = agent()
        .post(format!("{}/api/login", server.base))
        .send_json(json!({"username": username, "password": password}))
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "login of {username}");
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string();
    let me: Value = r.body_mut().read_json().unwrap();
    (
        cookie,
        me["csrf"].as_str().expect("a CSRF token").to_string(),
    )
}

// ------------------------------------------------------------------ --dump-dom

/// The DOM of `url` after its scripts ran, in a fresh profile under `dir`.
fn dom(url: &str, dir: &Path) -> String {
    let profile = tempfile::tempdir_in(dir).unwrap();
    let out = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .args(["--virtual-time-budget=10000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
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

/// The opening of a page, for failure messages.
fn opening(page: &str) -> &str {
    let mut end = page.len().min(3000);
    while !page.is_char_boundary(end) {
        end -= 1;
    }
    &page[..end]
}

#[test]
fn public_pages_render_charts_tables_and_suppression() {
    let tmp = tempfile::tempdir().unwrap();
    let s = start(tmp.path());
    let base = &s.base;

    // Overview: the index chart against its glide paths, capabilities, benchmarks.
    let page = dom(&format!("{base}/?at=2026-11-21"), tmp.path());
    assert!(
        page.contains("data-loaded=\"overview\""),
        "the page script finished: {}",
        opening(&page)
    );
    assert!(page.contains("class=\"uplot"), "uPlot drew the index chart");
    assert!(page.contains("<canvas"), "the chart is a canvas");
    assert!(page.contains("glide path to us-2027"));
    assert!(page.contains("data-capability=\"iamd-long\""));
    assert!(page.contains("data-trigger=\"us-2027-missile-defence\""));
    assert!(page.contains("40.4%"), "iamd-long coverage shown");
    assert!(page.contains("data version 1"), "the data version");
    assert!(
        page.contains("id=\"login-link\""),
        "the public is offered a login"
    );
    assert!(page.contains("<th scope=\"col\">Coverage</th>"));
    assert!(
        !page.contains("data-suppressed"),
        "nothing is suppressed yet"
    );

    // Capability: level chart, deadlines with P(met), fan chart, holdings, lines, orders.
    let page = dom(
        &format!("{base}/capability/iamd-long?at=2026-11-21"),
        tmp.path(),
    );
    assert!(
        page.contains("data-loaded=\"capability\""),
        "{}",
        opening(&page)
    );
    assert!(page.contains("European level"));
    assert!(page.contains("off-track"));
    assert!(page.contains("Coverage forecast"), "the fan chart");
    assert!(page.contains("P10–P90 band"));
    assert!(
        page.matches("class=\"uplot").count() >= 3,
        "level, fan and deliveries charts"
    );
    assert!(page.contains("0.0% ± 0.0%"), "P(met) ± SE per deadline");
    assert!(page.contains("lead_time_months"), "the sensitivity list");
    assert!(
        page.contains("data-holder=\"EUROPE\""),
        "holdings by holder"
    );
    assert!(page.contains("data-line-id=\"patriot-us\""), "lines");
    assert!(page.contains("51 months"), "lead time");
    assert!(page.contains("data-order=\"de-patriot-2024\""), "orders");
    assert!(
        page.contains("2028-10-31"),
        "first delivery of the DE order"
    );
    assert!(page.contains("marking-public"), "markings shown");

    // An unknown capability says so on the page.
    let page = dom(&format!("{base}/capability/iamd-lnog"), tmp.path());
    assert!(
        page.contains("Could not load: no capability `iamd-lnog`; did you mean `iamd-long`?"),
        "{}",
        opening(&page)
    );

    // A nation's page: its national part of a European total, its orders
    // with projected deliveries, lines on its soil, spending against 3.5 %.
    let page = dom(&format!("{base}/nation/DE?at=2026-11-21"), tmp.path());
    assert!(
        page.contains("data-loaded=\"nation\""),
        "{}",
        opening(&page)
    );
    assert!(page.contains("Germany (DE)"));
    assert!(page.contains("the EUROPE total"), "a national part");
    assert!(page.contains("data-order=\"de-patriot-2024\""), "orders");
    assert!(
        page.contains("data-line-id=\"leopard-2a8-de\""),
        "lines on its soil"
    );
    assert!(page.contains("data-year=\"2024\""), "spending");
    assert!(page.contains("Short of 3.5 %"));
    assert!(
        page.contains("data-capability=\"iamd-long\""),
        "contributions"
    );

    // Benchmarks: every trigger, firing first, with its source.
    let page = dom(&format!("{base}/triggers"), tmp.path());
    assert!(
        page.contains("data-loaded=\"triggers\""),
        "{}",
        opening(&page)
    );
    let states: Vec<&str> = page
        .match_indices("data-state=\"")
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(states.len(), 10, "every benchmark: {states:?}");
    assert_eq!(states[0], "fires", "firing first: {states:?}");
    let last_fire = states.iter().rposition(|s| *s == "fires").unwrap();
    assert!(
        states[..=last_fire].iter().all(|s| *s == "fires"),
        "{states:?}"
    );
    assert!(page.contains("finedayradio.com"), "the source, as a link");
    assert!(
        page.contains("aria-current=\"page\""),
        "the nav marks the page"
    );

    // Plan: the form, run from the address; a bad budget names its field.
    let page = dom(
        &format!("{base}/plan?objective=coverage&budget=40e9&deadline=eu-2030"),
        tmp.path(),
    );
    assert!(page.contains("data-plan=\"done\""), "{}", opening(&page));
    assert!(page.contains("id=\"plan-orders\""));
    assert!(page.contains("Coverage at eu-2030 bought per capability"));
    assert!(page.contains("<label for=\"budget\">"));
    let page = dom(&format!("{base}/plan?budget=lots"), tmp.path());
    assert!(page.contains("data-plan=\"error\""), "{}", opening(&page));
    assert!(
        page.contains("budget: `lots` is not a number"),
        "{}",
        opening(&page)
    );
    assert!(page.contains("data-field=\"budget\""));

    // Login and data pages for the public.
    let page = dom(&format!("{base}/login"), tmp.path());
    assert!(page.contains("data-loaded=\"login\""));
    assert!(page.contains("<label for=\"password\">"));
    let page = dom(&format!("{base}/data"), tmp.path());
    assert!(page.contains("data-loaded=\"data\""), "{}", opening(&page));
    assert!(
        page.contains("<p id=\"need-login\">"),
        "the public is told to log in"
    );

    // DE submits a holding marked `national` of IFVs (a capability without
    // a group total, so the row makes its level): the public may no longer
    // see ifv (only DE contributes: fewer than 3 nations), nor the index.
    let (cookie, csrf) = api_login(&s, "de-submitter", DE_PASSWORD);
    let r = agent()
        .post(format!("{base}/api/submissions"))
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .send_json(json!({
            "message": "DE national holding",
            "files": [{"name": "holdings.csv", "text": "holder,capability,quantity,source,releasability\nDE,ifv,12,test figure,national\n"}]
        }))
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);

    let page = dom(&format!("{base}/"), tmp.path());
    assert!(
        page.contains("data-loaded=\"overview\""),
        "{}",
        opening(&page)
    );
    assert!(page.contains("data version 2"));
    assert!(
        page.contains("data-capability=\"ifv\" data-suppressed=\"true\""),
        "{}",
        opening(&page)
    );
    assert!(
        page.contains("fewer than 3 nations contribute"),
        "the reason, as a footnote"
    );
    assert!(
        page.contains("id=\"index-suppressed\""),
        "the index says so"
    );
    assert!(!page.contains("class=\"uplot"), "no index chart");
    assert!(page.contains("data-state=\"suppressed\""), "benchmarks too");

    let page = dom(&format!("{base}/capability/ifv"), tmp.path());
    assert!(
        page.contains("data-loaded=\"capability\""),
        "{}",
        opening(&page)
    );
    assert!(page.contains("class=\"suppressed-note\""));
    assert!(page.contains("Suppressed: includes figures not released to you"));
    assert!(!page.contains("European level"), "no level chart");
    assert!(!page.contains("Coverage forecast"), "no fan chart");
    assert!(!page.contains("39.3%"), "no coverage");
    assert!(
        !page.contains("data-holder=\"DE\""),
        "DE's national row is not listed"
    );
    assert!(page.contains("Some holdings of this capability are not released to you"));

    // The plan rests on every record: refused to the public, with the reason.
    let page = dom(&format!("{base}/plan?budget=40e9"), tmp.path());
    assert!(page.contains("data-plan=\"error\""), "{}", opening(&page));
    assert!(page.contains("the server does not plan for you"));

    // DE itself still sees its figures.
    let (code, o) = get_json(&s, "/api/overview", Some(&cookie));
    assert_eq!(code, 200);
    assert_eq!(o["nation"], "DE");
    assert!(o["index_suppressed"].is_null());
}

// ------------------------------------------------------------------ WebDriver

/// chromedriver on a free loopback port, in its own process group; the
/// group (chromedriver and the browsers it started) is killed when dropped,
/// also when a test panics.
struct Chromedriver {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Chromedriver {
    fn start(dir: &Path) -> Self {
        use std::os::unix::process::CommandExt;
        let program = chromedriver_program();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = dir.join("chromedriver.log");
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited ({status}): {}", driver.log_text());
            }
            let ready = agent()
                .get(format!("{}/status", driver.url))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                return driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer within {WAIT:?}: {}",
                driver.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The process group we made: chromedriver and its browsers, by id.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebDriver session on a headless Chromium with its profile in `profile`.
async fn browser(driver: &Chromedriver, profile: &Path) -> Client {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push("--window-size=1280,1400".into());
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium(),
            "args": args,
        },
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("no WebDriver session: {e}\n{}", driver.log_text()))
}

/// Some of the page's text, for failure messages.
async fn page_text(c: &Client) -> String {
    let v = c
        .execute(
            "return location.href + '\\n' + document.body.innerText.slice(0, 3000);",
            vec![],
        )
        .await;
    match v {
        Ok(Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

/// Poll `script` (a function body returning a value) until it returns
/// something truthy; that value.
async fn wait_js(c: &Client, what: &str, script: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let v = c.execute(script, vec![]).await.expect("the script runs");
        let truthy = match &v {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if truthy {
            return v;
        }
        if Instant::now() > deadline {
            panic!(
                "waited {WAIT:?} for {what}; the page:\n{}",
                page_text(c).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait for the element `css`.
async fn wait_css(c: &Client, css: &str) -> Element {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            return e;
        }
        if Instant::now() > deadline {
            panic!(
                "waited {WAIT:?} for `{css}`; the page:\n{}",
                page_text(c).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait until the element `css` has text containing `text`.
async fn wait_text(c: &Client, css: &str, text: &str) -> String {
    let script = format!(
        "const e = document.querySelector({css}); const t = e ? e.textContent : ''; return t.includes({text}) ? t : null;",
        css = json!(css),
        text = json!(text),
    );
    let v = wait_js(c, &format!("`{css}` to say `{text}`"), &script).await;
    v.as_str().unwrap_or_default().to_string()
}

async fn screenshot(c: &Client, path: &Path) {
    let png = c.screenshot().await.expect("a screenshot");
    std::fs::write(path, &png).unwrap();
    assert!(
        png.len() > 10 * 1024,
        "{}: only {} bytes, the page looks empty",
        path.display(),
        png.len()
    );
}

/// Log in through the form of `/login`.
async fn fill_login(c: &Client, username: &str, password: &str) {
    let user = wait_css(c, "#username").await;
    user.clear().await.unwrap();
    user.send_keys(username).await.unwrap();
    let pw = c.find(Locator::Css("#password")).await.unwrap();
    pw.clear().await.unwrap();
    pw.send_keys(password).await.unwrap();
    c.find(Locator::Css("#login-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Write `text` as `dir/holdings.csv` (the file name is the table).
fn holdings_file(dir: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("holdings.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_submitter_logs_in_checks_and_submits_in_the_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let s = start(tmp.path());
    let driver = Chromedriver::start(tmp.path());
    let profile = tmp.path().join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    // Line 3 is for another nation; line 4 has a negative quantity.
    let bad = holdings_file(
        &tmp.path().join("bad"),
        "holder,capability,quantity,source\n\
         DE,ifv,12,test figure\n\
         FR,ifv,3,not ours\n\
         DE,artillery,-4,typo\n",
    );
    let good = holdings_file(
        &tmp.path().join("good"),
        "holder,capability,quantity,source\nDE,ifv,12,test figure\n",
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = browser(&driver, &profile).await;
        let base = &s.base;

        // A wrong password: the login page says so and stays.
        c.goto(&format!("{base}/login")).await.unwrap();
        wait_css(&c, "body[data-loaded=login]").await;
        fill_login(&c, "de-submitter", "not-the-password").await;
        wait_text(&c, "#login-error", "Wrong user name or password").await;
        assert_eq!(c.current_url().await.unwrap().path(), "/login");

        // The right one: to the overview, as DE.
        fill_login(&c, "de-submitter", DE_PASSWORD).await;
        wait_css(&c, "body[data-loaded=overview]").await;
        assert_eq!(c.current_url().await.unwrap().path(), "/");
        wait_text(&c, "#who", "de-submitter").await;
        wait_text(&c, "#who", "(DE)").await;
        wait_text(&c, "#banner", "You see figures released to DE").await;
        wait_css(&c, "#index-chart .uplot canvas").await;
        wait_text(&c, "#meta", "data version 1").await;
        screenshot(&c, &tmp.path().join("overview.png")).await;

        // The data page: a table with errors on known lines.
        c.goto(&format!("{base}/data")).await.unwrap();
        wait_css(&c, "body[data-loaded=data]").await;
        wait_css(&c, "#versions tr[data-version='1'][data-current=true]").await;
        let files = wait_css(&c, "#files").await;
        files.send_keys(&bad.display().to_string()).await.unwrap();
        wait_text(&c, "#chosen", "holdings.csv").await;
        c.find(Locator::Css("#check"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let row = wait_css(&c, "#problems tr[data-file='holdings.csv'][data-line='3']").await;
        assert_eq!(
            row.attr("data-field").await.unwrap().as_deref(),
            Some("holder")
        );
        let text = row.text().await.unwrap();
        assert!(text.contains("FR"), "{text}");
        let row = wait_css(&c, "#problems tr[data-file='holdings.csv'][data-line='4']").await;
        assert_eq!(
            row.attr("data-field").await.unwrap().as_deref(),
            Some("quantity")
        );
        wait_text(&c, "#result", "2 errors").await;
        screenshot(&c, &tmp.path().join("data-check.png")).await;
        assert!(
            c.find(Locator::Css("#problems tr[data-line='2']"))
                .await
                .is_err(),
            "the good line has no problem"
        );

        // Submitting it anyway: refused (422), the same problems, nothing stored.
        let message = c.find(Locator::Css("#message")).await.unwrap();
        message.send_keys("DE holdings, first try").await.unwrap();
        c.find(Locator::Css("#submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(&c, "#result", "Not stored").await;
        wait_css(&c, "#problems tr[data-line='3'][data-field='holder']").await;
        assert!(
            c.find(Locator::Css("#versions tr[data-version='2']"))
                .await
                .is_err(),
            "nothing stored"
        );

        // A good table, with a message: stored as version 2, now current.
        let files = c.find(Locator::Css("#files")).await.unwrap();
        files.clear().await.unwrap();
        files.send_keys(&good.display().to_string()).await.unwrap();
        wait_js(
            &c,
            "one chosen file",
            "return document.getElementById('files').files.length === 1;",
        )
        .await;
        c.find(Locator::Css("#check"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(&c, "#result", "No errors").await;
        let message = c.find(Locator::Css("#message")).await.unwrap();
        message.clear().await.unwrap();
        message
            .send_keys("DE holdings as of 2026-11")
            .await
            .unwrap();
        c.find(Locator::Css("#submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(&c, "#result", "Stored as version 2").await;
        let v2 = wait_css(&c, "#versions tr[data-version='2'][data-current=true]").await;
        let text = v2.text().await.unwrap();
        assert!(text.contains("DE holdings as of 2026-11"), "{text}");
        assert!(text.contains("de-submitter"), "{text}");
        assert!(text.contains("current"), "{text}");
        let v1 = c
            .find(Locator::Css("#versions tr[data-version='1']"))
            .await
            .unwrap();
        assert_eq!(v1.attr("data-current").await.unwrap(), None);
        wait_css(&c, "#audit tr[data-action='version.submit']").await;
        screenshot(&c, &tmp.path().join("data.png")).await;

        // The server serves it.
        let (code, health) = get_json(&s, "/api/health", None);
        assert_eq!(code, 200);
        assert_eq!(health["data_version"], 2);

        // Log out from the nav bar: the public again.
        c.find(Locator::Css("#logout"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_css(&c, "#login-link").await;
        wait_css(&c, "body[data-loaded=overview]").await;
        wait_text(&c, "#meta", "data version 2").await;

        // Failed logins from one address are limited: the page says so.
        c.goto(&format!("{base}/login")).await.unwrap();
        wait_css(&c, "body[data-loaded=login]").await;
        let mut limited = false;
        for _ in 0..6 {
            fill_login(&c, "admin", "not-the-admin-password").await;
            let code = wait_js(
                &c,
                "the login's answer",
                "return document.getElementById('login-error').getAttribute('data-code');",
            )
            .await;
            if code == "rate_limited" {
                limited = true;
                break;
            }
            assert_eq!(code, "unauthorized");
        }
        assert!(limited, "the 6th failure in a row is rate limited");
        wait_text(&c, "#login-error", "Too many failed logins; try again in").await;

        c.close().await.unwrap();
    });
    if let Some(dir) = std::env::var_os("HANDOVER_SCREENSHOTS") {
        for name in ["overview.png", "data-check.png", "data.png"] {
            std::fs::copy(tmp.path().join(name), Path::new(&dir).join(name)).unwrap();
        }
    }
    drop(driver);
}
