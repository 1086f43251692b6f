// The handover dashboard: fetches the JSON API and draws it with uPlot.
// One script for every page, dispatched on <body data-page="...">; the pages
// are sent with a CSP that allows no inline script, so every handler is here.
"use strict";

// ---------------------------------------------------------------- formatting

const pct = (x) => (x === null || x === undefined ? "no data" : (100 * x).toFixed(1) + "%");
const zero = (x) => (x === 0 ? 0 : x); // -0 prints as 0
const num = (x, digits = 0) =>
  x === null || x === undefined
    ? "no data"
    : zero(Number(x)).toLocaleString("en-GB", { maximumFractionDigits: digits });
const money = (x, currency = "") => {
  if (x === null || x === undefined) return "no data";
  const v = zero(Number(x));
  const a = Math.abs(v);
  const text =
    a >= 1e9 ? (v / 1e9).toFixed(2) + " bn" : a >= 1e6 ? (v / 1e6).toFixed(1) + " m" : num(v, 0);
  return currency ? text + " " + currency : text;
};
const dateText = (d) => d || "—";
// RFC 3339 times of the store, as people read them.
const timeText = (t) => (t ? t.replace("T", " ").replace(/Z$/, " UTC") : "—");

// Elements: attributes set with setAttribute, children appended as text or
// nodes (never as HTML); null and undefined children are skipped.
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};
const $ = (id) => document.getElementById(id);
const clear = (node) => {
  while (node.firstChild) node.firstChild.remove();
  return node;
};
const secs = (d) => Date.parse(d + "T00:00:00Z") / 1000;
const enc = encodeURIComponent;

// A table head: one <th scope="col"> per name.
const head = (...names) => el("thead", {}, el("tr", {}, ...names.map((h) => el("th", { scope: "col" }, h))));

// Sources: URLs become links (showing the host), the rest stays text.
function sourceNode(s, cited) {
  if (cited && cited.length) {
    // Sources of sources.csv: publisher, "title", date, linked to the copy read.
    const span = el("span", { class: "source" });
    cited.forEach((c, i) => {
      if (i > 0) span.append("; ");
      // A URL written out shows its host, a source of sources.csv its citation.
      let text = c.citation;
      if (c.link && c.link === c.citation) {
        try {
          text = new URL(c.link).hostname.replace(/^www\./, "");
        } catch (_) {
          /* not a URL after all: show it as it is */
        }
      }
      span.append(c.link ? el("a", { href: c.link, rel: "noopener noreferrer", title: c.link }, text) : text);
      if (c.grade) span.append(el("span", { class: "muted" }, ` (${c.grade})`));
    });
    return span;
  }
  if (!s) return el("span", { class: "muted" }, "no source");
  const span = el("span", { class: "source" });
  for (const [i, part] of s.split(/(https?:\/\/[^\s;,]+)/).entries()) {
    if (i % 2 === 1) {
      let host = part;
      try {
        host = new URL(part).hostname.replace(/^www\./, "");
      } catch (_) {
        /* not a URL after all: show it as it is */
      }
      span.append(el("a", { href: part, rel: "noopener noreferrer", title: part }, host));
    } else if (part) {
      span.append(part);
    }
  }
  return span;
}

const marking = (m) => el("span", { class: "marking marking-" + String(m).split(":")[0] }, m);

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || "HTTP " + status);
    this.status = status;
    this.code = body && body.code;
    this.field = body && body.field;
    this.problems = (body && body.problems) || [];
  }
}

let mePromise = null;
// Who is logged in, and the CSRF token for POSTs: asked once per page.
const me = () => {
  if (!mePromise) {
    mePromise = fetch("/api/me", { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      (r) => (r.ok ? r.json() : { user: null, csrf: null })
    );
  }
  return mePromise;
};

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const opts = { method, headers, credentials: "same-origin" };
  if (method !== "GET") {
    const m = await me();
    if (m.csrf) headers["X-CSRF-Token"] = m.csrf;
    headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body === undefined ? {} : body);
  }
  const r = await fetch(path, opts);
  if (r.status === 204) return null;
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = { message: text };
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

const queryOf = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
};
const get = (path, params) => call("GET", path + queryOf(params));
const post = (path, body) => call("POST", path, body);

// The date of the page (`?at=YYYY-MM-DD`), passed on to the API and to links.
const atParams = () => {
  const at = new URLSearchParams(location.search).get("at");
  return at ? { at } : {};
};

const fail = (e) => {
  const box = $("error");
  if (box) box.textContent = "Could not load: " + e.message;
  document.body.setAttribute("data-failed", "true");
};

// ---------------------------------------------------------------- nav bar

async function nav() {
  const page = document.body.getAttribute("data-page");
  for (const a of document.querySelectorAll("nav.top a[data-nav]")) {
    if (a.getAttribute("data-nav") === page) a.setAttribute("aria-current", "page");
  }
  const who = $("who");
  if (!who) return;
  const m = await me();
  clear(who);
  if (m.user) {
    const u = m.user;
    who.append(
      el("span", { class: "user", "data-user": u.username }, u.username),
      " ",
      el("span", { class: "nation" }, u.nation ? "(" + u.nation + ")" : "(no nation)"),
      " "
    );
    const out = el("button", { type: "button", id: "logout", class: "link" }, "Log out");
    out.addEventListener("click", async () => {
      out.disabled = true;
      try {
        await post("/api/logout");
      } finally {
        location.assign(page === "data" ? "/" : location.href);
      }
    });
    who.append(out);
  } else if (page !== "login") {
    const next = location.pathname + location.search;
    who.append(el("a", { href: "/login?next=" + enc(next), id: "login-link" }, "Log in"));
  }
  const banner = $("banner");
  if (banner) {
    if (m.user && m.user.nation) {
      banner.textContent = `You see figures released to ${m.user.nation}.`;
      banner.hidden = false;
    } else if (m.user) {
      banner.textContent = "Your account belongs to no nation: you see public figures only.";
      banner.hidden = false;
    }
  }
}

// ---------------------------------------------------------------- charts

const COLOURS = ["#1f5aa0", "#e68c14", "#289650", "#8c46aa", "#be2828", "#5a6470"];

// A time chart of `series` ({label, values, stroke?, width?, dash?}); the
// y axis starts at 0 unless `yRange` says otherwise.
function chart(target, title, dates, series, yLabel, extra = {}, yRange = null) {
  clear(target);
  const opts = {
    title,
    width: Math.max(320, Math.min(940, target.clientWidth || 900)),
    height: 320,
    scales: {
      x: { time: true },
      y: { range: yRange || ((u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, 1e-9) * 1.05]) },
    },
    axes: [{}, { label: yLabel }],
    series: [{}].concat(
      series.map((s, i) => ({
        label: s.label,
        stroke: s.stroke || COLOURS[i % COLOURS.length],
        width: s.width || 1,
        dash: s.dash,
        fill: s.fill,
        points: { show: false },
      }))
    ),
    ...extra,
  };
  const data = [dates.map(secs)].concat(series.map((s) => s.values));
  target.setAttribute("role", "img");
  target.setAttribute("aria-label", title + ": " + series.map((s) => s.label).join(", "));
  return new uPlot(opts, data, target);
}

// ---------------------------------------------------------------- benchmarks

const STATE_ORDER = { fires: 0, unknown: 1, suppressed: 2, holds: 3 };
const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 };
const byState = (triggers) =>
  [...triggers].sort(
    (a, b) =>
      (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) ||
      (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9)
  );

function triggerTable(table, triggers, full) {
  clear(table);
  const cols = ["Benchmark", "State", "Rule and deciding figures", "Action"];
  if (full) cols.push("Source");
  table.append(head(...cols));
  const body = el("tbody");
  for (const t of byState(triggers)) {
    body.append(
      el(
        "tr",
        { "data-trigger": t.id, "data-state": t.state },
        el("th", { scope: "row" }, t.id, el("br"), el("small", { class: "severity " + t.severity }, t.severity)),
        el("td", { class: "state " + t.state }, t.state),
        el("td", {}, el("code", {}, t.rule), ...t.figures.map((f) => el("div", { class: "figure" }, f))),
        el("td", {}, t.action),
        full ? el("td", {}, sourceNode(t.source)) : null
      )
    );
  }
  table.append(body);
}

// ---------------------------------------------------------------- overview

async function overview() {
  const o = await get("/api/overview", atParams());
  $("title").textContent = o.scenario;
  const dataset = o.dataset_version ? ` (dataset ${o.dataset_version})` : "";
  $("meta").textContent = `Figures at ${o.at}; data version ${o.data_version}${dataset}.`;
  $("meta").setAttribute("data-version", o.data_version);
  const chartBox = $("index-chart");
  if (o.index_suppressed) {
    $("index").textContent = "Readiness index: suppressed.";
    chartBox.append(
      el(
        "p",
        { class: "suppressed-note", id: "index-suppressed" },
        "The readiness index is not shown to you: " + o.index_suppressed.replace(/^suppressed:\s*/, "") + "."
      )
    );
  } else {
    $("index").textContent =
      `Readiness index ${pct(o.index)} at ${o.at}; ` +
      o.deadlines.map((d) => `${pct(o.index_at_deadlines[d.id])} at ${d.id} (${d.date})`).join(", ") +
      ".";
    if (o.index_series) {
      const series = [{ label: "readiness index", values: o.index_series.map((v) => 100 * v), width: 2 }];
      for (const d of o.deadlines) {
        const g = o.index_glide[d.id];
        if (g) series.push({ label: "glide path to " + d.id, values: g.map((v) => 100 * v), dash: [6, 4] });
      }
      chart(chartBox, "Readiness index (%)", o.dates, series, "%");
    } else {
      chartBox.append(el("p", { class: "muted" }, "No capability has data: no index to chart."));
    }
  }

  const deadlines = o.deadlines.map((d) => d.id);
  const table = clear($("capabilities"));
  table.append(el("caption", {}, `Coverage and status per deadline at ${o.at}`));
  table.append(head("Capability", "Coverage", "US dependency", ...deadlines));
  const body = el("tbody");
  const notes = clear($("footnotes"));
  const at = atParams().at;
  for (const c of o.capabilities) {
    const link = el("a", { href: "/capability/" + enc(c.id) + queryOf(at ? { at } : {}) }, c.id);
    const name = el("th", { scope: "row" }, link, el("br"), el("small", { class: "muted" }, c.name));
    let cells;
    if (c.suppressed) {
      const n = notes.children.length + 1;
      notes.append(el("li", { id: "note-" + n, "data-capability": c.id }, `${c.id}: suppressed: ${c.suppressed}.`));
      const mark = el("td", { class: "suppressed", title: c.suppressed }, "suppressed", el("sup", {}, el("a", { href: "#note-" + n, "aria-label": "why, note " + n }, String(n))));
      cells = [mark, el("td", { class: "suppressed", title: c.suppressed }, "suppressed"), ...deadlines.map(() => el("td", { class: "status suppressed" }, "suppressed"))];
    } else {
      cells = [
        el("td", { class: "num" }, pct(c.coverage)),
        el("td", { class: "num" }, pct(c.us_dependency)),
        ...deadlines.map((d) => el("td", { class: "status " + (c.status[d] || "") }, c.status[d] || "")),
      ];
    }
    body.append(el("tr", { "data-capability": c.id, "data-suppressed": c.suppressed ? "true" : null }, name, ...cells));
  }
  table.append(body);
  $("footnotes-box").hidden = notes.children.length === 0;

  triggerTable($("triggers"), o.triggers, false);
  document.body.setAttribute("data-loaded", "overview");
}

// ---------------------------------------------------------------- capability

async function capability() {
  const id = decodeURIComponent(location.pathname.split("/").pop());
  const c = await get("/api/capabilities/" + enc(id), atParams());
  const a = c.assessment;
  document.title = `handover: ${a.id}`;
  $("title").textContent = `${a.name} (${a.id})`;
  $("meta").textContent =
    `${a.area}; ${a.kind === "flow" ? "a flow (per year)" : "a stock"}; weight ${a.weight} in the index. ` +
    `Figures at ${c.at}; data version ${c.data_version}.`;
  const disclosure = c.disclosure || { state: "open" };
  const dnote = $("disclosure");
  const suppressed = disclosure.state === "suppressed";
  if (suppressed) {
    dnote.className = "suppressed-note";
    dnote.textContent =
      `Suppressed: ${disclosure.reason || a.suppressed}. ` +
      "The level, coverage, charts and forecast of this capability rest on figures not released to you, " +
      "so none are shown; the records below are those released to you.";
    dnote.hidden = false;
  } else if (disclosure.state === "disclosed") {
    dnote.className = "note";
    dnote.textContent =
      "Some records behind these figures are not released to you; the aggregates pass the disclosure rule and are shown.";
    dnote.hidden = false;
  }

  const f = c.forecast;
  if (!suppressed) {
    const unit = a.unit;
    $("summary").textContent =
      `Level ${num(a.level, 1)} of target ${num(a.target, 1)} ${unit}: coverage ${pct(a.coverage)}, ` +
      `US dependency ${pct(a.us_dependency)}; target reached: ${a.reached ?? "not within the horizon"}.`;
    if (c.series && c.series.level && a.target && c.dates) {
      const series = [
        { label: "European level", values: c.series.level, width: 2 },
        { label: "target", values: c.dates.map(() => a.target), dash: [4, 3], stroke: "#be2828", width: 1.5 },
      ];
      for (const [d, g] of Object.entries(c.series.glide || {})) {
        series.push({ label: "glide path to " + d, values: g.map((v) => v * a.target), dash: [6, 4] });
      }
      chart($("level-chart"), `European level (${unit})`, c.dates, series, unit);
    }
    deadlineTable(a, f);
    if (f) forecastParts(c, f);
  }
  holdingsTable(c);
  linesTables(c);
  const notes = clear($("notes"));
  for (const n of a.notes || []) {
    if (!(suppressed && n.startsWith("suppressed:"))) notes.append(el("li", {}, n));
  }
  $("notes-box").hidden = notes.children.length === 0;
  document.body.setAttribute("data-loaded", "capability");
}

function deadlineTable(a, f) {
  const byDeadline = {};
  for (const d of (f && f.deadlines) || []) byDeadline[d.deadline] = d;
  const table = clear($("deadlines"));
  table.append(el("caption", {}, "Per deadline (the forecast: P(met) ± standard error, coverage P10–P90)"));
  table.append(head("Deadline", "Status", "Glide path", "Coverage", "Shortfall", "P(met) ± SE", "Coverage P10–P90"));
  const body = el("tbody");
  for (const d of a.deadlines) {
    const fd = byDeadline[d.deadline];
    body.append(
      el(
        "tr",
        { "data-deadline": d.deadline },
        el("th", { scope: "row" }, d.deadline),
        el("td", { class: "status " + d.status }, d.status),
        el("td", { class: "num" }, pct(d.glide)),
        el("td", { class: "num" }, pct(d.coverage)),
        el("td", { class: "num" }, d.shortfall === null ? "no data" : num(d.shortfall, 1) + " " + a.unit),
        el("td", { class: "num p-met" }, fd ? `${pct(fd.p_met)} ± ${pct(fd.p_met_se)}` : "—"),
        el("td", { class: "num" }, fd && fd.coverage ? `${pct(fd.coverage.p10)} – ${pct(fd.coverage.p90)}` : "—")
      )
    );
  }
  table.append(body);
}

function forecastParts(c, f) {
  $("forecast-box").hidden = false;
  const r = f.reached || {};
  $("forecast-summary").textContent =
    `${num(f.samples)} samples, seed ${f.seed}. Target reached: ` +
    (r.p50
      ? `P10 ${dateText(r.p10)}, P50 ${dateText(r.p50)}, P90 ${dateText(r.p90)}`
      : "not by the median sample") +
    `; never within the horizon in ${pct(r.share_never)} of samples.`;
  if (f.fan && c.dates) {
    const p = (xs) => xs.map((v) => (v === null ? null : 100 * v));
    chart(
      $("fan-chart"),
      "Coverage forecast (%): P10–P90 band, median",
      c.dates,
      [
        { label: "P10", values: p(f.fan.p10), stroke: "#8fb3dc" },
        { label: "P50 (median)", values: p(f.fan.p50), width: 2, stroke: "#1f5aa0" },
        { label: "P90", values: p(f.fan.p90), stroke: "#8fb3dc" },
        { label: "target (100%)", values: c.dates.map(() => 100), dash: [4, 3], stroke: "#be2828", width: 1.5 },
      ],
      "%",
      { bands: [{ series: [3, 1], fill: "rgba(31, 90, 160, 0.18)" }] },
      [0, 105]
    );
  }
  const list = clear($("sensitivity"));
  for (const d of f.deadlines) {
    const items = (d.sensitivity || []).map((s) =>
      el("li", {}, el("code", {}, s.input), `: ρ = ${Math.abs(s.rho) < 0.005 ? "0.00" : Number(s.rho).toFixed(2)}`)
    );
    list.append(
      el(
        "li",
        { "data-deadline": d.deadline },
        el("strong", {}, d.deadline),
        items.length ? el("ul", {}, ...items) : ": no uncertain input moves it"
      )
    );
  }
}

function holdingsTable(c) {
  const table = clear($("holdings"));
  table.append(el("caption", {}, "Holdings by nation (as submitted, with their marking)"));
  table.append(head("Holder", "Quantity", "As of", "Marking", "Source"));
  const body = el("tbody");
  for (const h of c.holdings) {
    body.append(
      el(
        "tr",
        { "data-holder": h.holder },
        el("th", { scope: "row" }, /^[A-Z]{2}$/.test(h.holder) ? el("a", { href: "/nation/" + enc(h.holder) + queryOf(atParams()) }, h.holder) : h.holder),
        el("td", { class: "num" }, num(h.quantity, 2) + (h.estimate ? " (estimate)" : "") + (h.part_of ? ` (part of the ${h.part_of} total, not added again)` : "")),
        el("td", {}, dateText(h.as_of)),
        el("td", {}, marking(h.releasability)),
        el("td", {}, sourceNode(h.source, h.cited))
      )
    );
  }
  if (!c.holdings.length) body.append(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No holdings released to you.")));
  table.append(body);
  $("holdings-withheld").hidden = !c.holdings_withheld;
}

function linesTables(c) {
  const lines = clear($("lines"));
  lines.append(el("caption", {}, "Production lines"));
  lines.append(head("Line", "Nation", "Lead time", "Unit cost", "Capacity / year", "Backlog", "Marking", "Source"));
  const lbody = el("tbody");
  const orders = clear($("orders"));
  orders.append(el("caption", {}, "Orders on these lines"));
  orders.append(head("Order", "Line", "Buyer", "Quantity", "Ordered", "First delivery", "Completed", "Open at horizon", "Marking"));
  const obody = el("tbody");
  let withheld = false;
  for (const l of c.lines) {
    const agg = l.aggregates_suppressed;
    lbody.append(
      el(
        "tr",
        { "data-line-id": l.id },
        el("th", { scope: "row" }, l.id, el("br"), el("small", { class: "muted" }, l.name)),
        el("td", {}, l.nation),
        el("td", { class: "num" }, l.lead_time_months === null ? "no data" : l.lead_time_months + " months"),
        el("td", { class: "num" }, money(l.unit_cost)),
        el("td", { class: "num" }, l.capacity_per_year === null ? "withheld" : num(l.capacity_per_year, 1)),
        agg
          ? el("td", { class: "suppressed", title: agg }, "suppressed")
          : el("td", { class: "num" }, num(l.backlog, 1)),
        el("td", {}, marking(l.releasability)),
        el("td", {}, sourceNode(l.source, l.cited))
      )
    );
    withheld = withheld || l.orders_withheld;
    for (const o of l.orders) {
      obody.append(
        el(
          "tr",
          { "data-order": o.id },
          el("th", { scope: "row" }, o.id),
          el("td", {}, l.id),
          el("td", {}, o.buyer),
          el("td", { class: "num" }, num(o.quantity, 2)),
          el("td", {}, dateText(o.date)),
          el("td", {}, dateText(o.first_delivery)),
          el("td", {}, o.completed || "not within the horizon"),
          el("td", { class: "num" }, num(o.open_at_horizon, 2)),
          el("td", {}, marking(o.releasability))
        )
      );
    }
  }
  if (!c.lines.length) lbody.append(el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No production line released to you.")));
  if (!obody.children.length) obody.append(el("tr", {}, el("td", { colspan: 9, class: "muted" }, "No orders released to you.")));
  lines.append(lbody);
  orders.append(obody);
  $("orders-withheld").hidden = !withheld;

  const shown = c.lines.filter((l) => l.delivered_series);
  if (shown.length && c.dates) {
    const series = shown.map((l) => {
      let total = 0;
      return { label: l.id, values: l.delivered_series.map((v) => (total += v || 0)), width: 2 };
    });
    chart($("deliveries-chart"), "Deliveries from the start, cumulative (units)", c.dates, series, "units");
  }
}

// ---------------------------------------------------------------- benchmarks page

async function triggers() {
  const o = await get("/api/overview", atParams());
  const counts = {};
  for (const t of o.triggers) counts[t.state] = (counts[t.state] || 0) + 1;
  $("meta").textContent =
    `${o.triggers.length} benchmarks at ${o.at} (data version ${o.data_version}): ` +
    ["fires", "unknown", "suppressed", "holds"]
      .filter((s) => counts[s])
      .map((s) => `${counts[s]} ${s}`)
      .join(", ") +
    "." +
    (o.forecast ? ` P(...) rules use a forecast of ${num(o.forecast[0])} samples, seed ${o.forecast[1]}.` : "");
  triggerTable($("triggers"), o.triggers, true);
  document.body.setAttribute("data-loaded", "triggers");
}

// ---------------------------------------------------------------- login

const safeNext = (n) => (n && n.startsWith("/") && !n.startsWith("//") && !n.startsWith("/\\") ? n : "/");

async function login() {
  const next = safeNext(new URLSearchParams(location.search).get("next"));
  const m = await me();
  if (m.user) {
    $("login-state").textContent = `You are logged in as ${m.user.username}. Log in again to change user.`;
  }
  const form = $("login-form");
  const error = $("login-error");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    error.removeAttribute("data-code");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await post("/api/login", { username: $("username").value.trim(), password: $("password").value });
      location.assign(next);
    } catch (e) {
      $("password").value = "";
      error.textContent =
        e.code === "unauthorized"
          ? "Wrong user name or password."
          : e.code === "rate_limited"
            ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + "."
            : "Could not log in: " + e.message;
      error.setAttribute("data-code", e.code || "error");
      $("password").focus();
    } finally {
      button.disabled = false;
    }
  });
  document.body.setAttribute("data-loaded", "login");
}

// ---------------------------------------------------------------- data

async function dataPage() {
  const m = await me();
  if (!m.user) {
    $("need-login").hidden = false;
    $("need-login-link").setAttribute("href", "/login?next=" + enc("/data"));
    document.body.setAttribute("data-loaded", "data");
    return;
  }
  const u = m.user;
  $("history-box").hidden = false;
  if (u.roles.includes("submitter") && u.nation) {
    $("submit-box").hidden = false;
    $("submit-nation").textContent = u.nation;
    wireSubmission(u);
  } else {
    $("no-submit").hidden = false;
    $("no-submit").textContent =
      `${u.username} cannot submit: that needs the submitter role and a nation. ` +
      "The history and the audit log are below.";
  }
  await loadHistory(u);
  document.body.setAttribute("data-loaded", "data");
}

// The chosen files as the API takes them: [{name, text}].
async function chosenFiles() {
  const input = $("files");
  const files = [...input.files];
  if (!files.length) throw new Error("choose one or more CSV files first");
  const seen = new Set();
  for (const f of files) {
    if (seen.has(f.name)) throw new Error(`two files are named ${f.name}; choose each table once`);
    seen.add(f.name);
  }
  return Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() })));
}

function showProblems(problems) {
  const table = clear($("problems"));
  const box = $("problems-box");
  if (!problems.length) {
    box.hidden = true;
    return;
  }
  table.append(el("caption", {}, "Problems, by file and line"));
  table.append(head("Severity", "File", "Line", "Field", "Message"));
  const body = el("tbody");
  for (const p of problems) {
    body.append(
      el(
        "tr",
        {
          class: "problem sev-" + p.severity,
          "data-file": p.file,
          "data-line": p.line === undefined || p.line === null ? null : String(p.line),
          "data-field": p.field,
          "data-severity": p.severity,
        },
        el("td", { class: "severity" }, p.severity),
        el("th", { scope: "row" }, p.file),
        el("td", { class: "num" }, p.line ?? p.record ?? "—"),
        el("td", {}, p.field ? el("code", {}, p.field) : "—"),
        el("td", {}, p.message)
      )
    );
  }
  table.append(body);
  box.hidden = false;
}

function setResult(text, kind) {
  const r = $("result");
  r.textContent = text;
  r.className = "result " + kind;
  r.setAttribute("data-kind", kind);
}

function wireSubmission(user) {
  const input = $("files");
  const chosen = $("chosen");
  const check = $("check");
  const form = $("submit-form");
  const submitButton = $("submit");
  input.addEventListener("change", () => {
    clear(chosen);
    for (const f of input.files) chosen.append(el("li", {}, `${f.name} (${num(f.size)} bytes)`));
    setResult("", "none");
    showProblems([]);
  });
  const busy = (on) => {
    check.disabled = on;
    submitButton.disabled = on;
  };
  check.addEventListener("click", async () => {
    busy(true);
    setResult("Checking…", "pending");
    try {
      const files = await chosenFiles();
      const r = await post("/api/submissions/check", { files });
      showProblems(r.problems);
      const rows = Object.entries(r.rows || {})
        .map(([f, n]) => `${n} row${n === 1 ? "" : "s"} in ${f}`)
        .join(", ");
      const errors = r.problems.filter((p) => p.severity === "error").length;
      const warnings = r.problems.length - errors;
      if (r.ok) {
        setResult(
          `No errors${warnings ? ` (${warnings} warning${warnings === 1 ? "" : "s"})` : ""}: ${rows} would replace ${user.nation}'s rows. Nothing is stored until you submit.`,
          "ok"
        );
      } else {
        setResult(`${errors} error${errors === 1 ? "" : "s"} (${rows}): fix them and check again. Nothing was stored.`, "bad");
      }
    } catch (e) {
      showProblems(e.problems || []);
      setResult("Could not check: " + e.message, "bad");
    } finally {
      busy(false);
    }
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    busy(true);
    setResult("Submitting…", "pending");
    $("message").removeAttribute("aria-invalid");
    try {
      const files = await chosenFiles();
      const r = await post("/api/submissions", { files, message: $("message").value });
      showProblems(r.warnings || []);
      setResult(`Stored as version ${r.version} (hash ${r.hash.slice(0, 12)}…).`, "ok");
      $("result").setAttribute("data-version", r.version);
      $("message").value = "";
      await loadHistory(user);
    } catch (e) {
      showProblems(e.problems || []);
      if (e.field === "message") $("message").setAttribute("aria-invalid", "true");
      setResult((e.problems.length ? "Not stored: " : "Could not submit: ") + e.message + (e.field ? ` (${e.field})` : ""), "bad");
    } finally {
      busy(false);
    }
  });
}

async function loadHistory(user) {
  const [versions, audit] = await Promise.all([get("/api/versions"), get("/api/audit", { limit: 100 })]);
  const vt = clear($("versions"));
  vt.append(el("caption", {}, "Versions, newest first"));
  vt.append(head("Version", "Stored", "Author", "Nation", "Message", "Files", "Hash"));
  const vb = el("tbody");
  const isAdmin = user.roles.includes("admin");
  for (const v of versions) {
    const mayRead = isAdmin || (v.nation && v.nation === user.nation);
    const files = v.files.length
      ? v.files.map((f, i) => [
          i ? ", " : null,
          mayRead ? el("a", { href: `/api/versions/${v.version}/files/${enc(f)}` }, f) : f,
        ]).flat()
      : ["—"];
    vb.append(
      el(
        "tr",
        { "data-version": String(v.version), "data-current": v.current ? "true" : null, class: v.current ? "current" : null },
        el("th", { scope: "row" }, String(v.version), v.current ? el("span", { class: "badge" }, "current") : null),
        el("td", { class: "nowrap" }, timeText(v.created_at)),
        el("td", {}, v.author || "—"),
        el("td", {}, v.nation || "—"),
        el("td", v.message == null ? { class: "muted" } : {}, v.message ?? "not released to you"),
        el("td", {}, ...files),
        el("td", {}, el("code", { title: v.hash }, v.hash.slice(0, 12)))
      )
    );
  }
  vt.append(vb);

  const at = clear($("audit"));
  at.append(el("caption", {}, isAdmin ? "Audit log, newest first" : `Audit log of ${user.nation || "your account"}, newest first`));
  at.append(head("#", "When", "User", "Nation", "Action", "Detail", "Version"));
  const ab = el("tbody");
  for (const e of audit) {
    ab.append(
      el(
        "tr",
        { "data-audit": String(e.id), "data-action": e.action },
        el("th", { scope: "row" }, String(e.id)),
        el("td", { class: "nowrap" }, timeText(e.at)),
        el("td", { class: "nowrap" }, e.username || "—"),
        el("td", {}, e.nation || "—"),
        el("td", { class: "nowrap" }, el("code", {}, e.action)),
        el("td", {}, e.detail),
        el("td", {}, e.version === null ? "—" : String(e.version))
      )
    );
  }
  if (!audit.length) ab.append(el("tr", {}, el("td", { colspan: 7, class: "muted" }, "No entries.")));
  at.append(ab);
}

// ---------------------------------------------------------------- plan

const PLAN_FIELDS = ["objective", "budget", "deadline", "grid", "from", "min_european_content"];

async function planPage() {
  const form = $("plan-form");
  const params = new URLSearchParams(location.search);
  // The deadlines of the scenario, for the choice.
  try {
    const o = await get("/api/overview", atParams());
    const sel = clear($("deadline"));
    for (const d of o.deadlines) sel.append(el("option", { value: d.id }, `${d.id} (${d.date})`));
  } catch (_) {
    /* the plan itself will say what is wrong */
  }
  for (const f of PLAN_FIELDS) if (params.has(f)) $(f).value = params.get(f);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    runPlan();
  });
  document.body.setAttribute("data-loaded", "plan");
  if (PLAN_FIELDS.some((f) => params.has(f))) await runPlan();
}

async function runPlan() {
  const q = { ...atParams() };
  for (const f of PLAN_FIELDS) {
    const v = $(f).value.trim();
    if (v) q[f] = v;
    $(f).removeAttribute("aria-invalid");
  }
  if (q.objective === "cost" && q.budget === undefined) delete q.budget;
  const error = $("plan-error");
  error.textContent = "";
  const button = $("plan-form").querySelector("button[type=submit]");
  button.disabled = true;
  $("plan-status").textContent = "Planning…";
  history.replaceState(null, "", "/plan" + queryOf(q));
  try {
    const p = await get("/api/plan", q);
    showPlan(p);
    $("plan-status").textContent = "";
    document.body.setAttribute("data-plan", "done");
  } catch (e) {
    $("plan-result").hidden = true;
    $("plan-status").textContent = "";
    if (e.field && $(e.field)) {
      $(e.field).setAttribute("aria-invalid", "true");
      $(e.field).focus();
    }
    error.textContent =
      e.code === "suppressed" ? "Not planned: " + e.message + "." : (e.field ? `${e.field}: ` : "") + e.message;
    error.className = e.code === "suppressed" ? "suppressed-note" : "error";
    error.setAttribute("data-field", e.field || "");
    document.body.setAttribute("data-plan", "error");
  } finally {
    button.disabled = false;
  }
}

function showPlan(p) {
  const cur = p.currency;
  $("plan-result").hidden = false;
  $("plan-summary").textContent =
    `${p.objective === "cost" ? "Least-cost" : "Most-coverage"} plan to ${p.deadline} (${p.deadline_date}), ` +
    `orders from ${p.from} on a ${p.grid} grid` +
    (p.budget_per_year ? `, budget ${money(p.budget_per_year, cur)} a year` : "") +
    (p.min_european_content !== null ? `, at least ${pct(p.min_european_content)} European content` : "") +
    `. ${p.orders.length} order${p.orders.length === 1 ? "" : "s"}, total ${money(p.total_cost_rounded, cur)} (whole units). ` +
    `Readiness index at the deadline: ${pct(p.index_before)} without, ${pct(p.index_rounded)} with the plan.`;

  const orders = clear($("plan-orders"));
  orders.append(el("caption", {}, "Orders to place"));
  orders.append(head("Line", "Capability", "Order date", "Units", "Cost", "First delivery", "Last delivery", "Delivered by the deadline", "US approval"));
  const ob = el("tbody");
  for (const o of p.orders) {
    ob.append(
      el(
        "tr",
        { "data-line-id": o.line },
        el("th", { scope: "row" }, o.line),
        el("td", {}, o.capability),
        el("td", {}, o.date),
        el("td", { class: "num" }, num(o.units)),
        el("td", { class: "num" }, money(o.cost_rounded, cur)),
        el("td", {}, dateText(o.first_delivery)),
        el("td", {}, o.last_delivery || "not within the horizon"),
        el("td", { class: "num" }, num(o.delivered_by_deadline, 1)),
        el("td", {}, o.us_export_approval ? "needed" : "no")
      )
    );
  }
  if (!p.orders.length)
    ob.append(el("tr", {}, el("td", { colspan: 9, class: "muted" }, "No order helps by the deadline (see the lines and unreachable targets below).")));
  orders.append(ob);

  const caps = clear($("plan-coverage"));
  caps.append(el("caption", {}, `Coverage at ${p.deadline} bought per capability`));
  caps.append(head("Capability", "Target", "Coverage without", "Coverage with the plan", "Units bought", "Note"));
  const cb = el("tbody");
  for (const c of p.capabilities) {
    cb.append(
      el(
        "tr",
        { "data-capability": c.capability },
        el("th", { scope: "row" }, c.capability),
        el("td", { class: "num" }, num(c.target, 1)),
        el("td", { class: "num" }, pct(c.coverage_before)),
        el("td", { class: "num" }, pct(c.coverage_rounded)),
        el("td", { class: "num" }, num(c.bought, 1)),
        el("td", { class: "muted" }, c.not_plannable || "")
      )
    );
  }
  caps.append(cb);

  const budget = clear($("plan-budget"));
  budget.append(el("caption", {}, "Budget per year (binding years are marked)"));
  budget.append(head("Year", "Budget", "Used", "Binding", "Shadow price per bn"));
  const bb = el("tbody");
  for (const y of p.budget) {
    bb.append(
      el(
        "tr",
        { class: y.exhausted ? "binding" : null },
        el("th", { scope: "row" }, String(y.year)),
        el("td", { class: "num" }, y.budget === null ? "none" : money(y.budget, cur)),
        el("td", { class: "num" }, money(y.used_rounded, cur)),
        el("td", {}, y.exhausted ? "yes" : "no"),
        el("td", { class: "num" }, y.shadow_price_per_bn === null ? "—" : num(y.shadow_price_per_bn, 4))
      )
    );
  }
  budget.append(bb);

  const lines = clear($("plan-lines"));
  lines.append(el("caption", {}, "Production lines (bottlenecks are binding constraints)"));
  lines.append(head("Line", "Capability", "Usable", "European content", "Free capacity by the deadline", "Used", "Bottleneck", "Why not"));
  const lb = el("tbody");
  for (const l of p.lines) {
    lb.append(
      el(
        "tr",
        { class: l.bottleneck ? "binding" : null },
        el("th", { scope: "row" }, l.line),
        el("td", {}, l.capability),
        el("td", {}, l.eligible ? "yes" : "no"),
        el("td", { class: "num" }, pct(l.content_eu)),
        el("td", { class: "num" }, num(l.free_by_deadline, 1)),
        el("td", { class: "num" }, num(l.delivered_by_deadline, 1)),
        el("td", {}, l.bottleneck ? "yes" : "no"),
        el("td", { class: "muted" }, l.reason || "")
      )
    );
  }
  lines.append(lb);

  const un = clear($("plan-unreachable"));
  un.append(el("caption", {}, "Targets no plan reaches by the deadline"));
  un.append(head("Capability", "Target", "Highest level reachable", "Earliest", "Why"));
  const ub = el("tbody");
  for (const u of p.unreachable) {
    ub.append(
      el(
        "tr",
        {},
        el("th", { scope: "row" }, u.capability),
        el("td", { class: "num" }, num(u.target, 1)),
        el("td", { class: "num" }, num(u.max_level, 1)),
        el("td", {}, u.earliest || "not within the horizon"),
        el("td", {}, u.reason)
      )
    );
  }
  if (!p.unreachable.length) ub.append(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "None.")));
  un.append(ub);

  const notes = clear($("plan-notes"));
  for (const n of p.notes || []) notes.append(el("li", {}, n));
  notes.append(el("li", {}, `Solver: ${p.solver}; ${p.lp_size[0]} variables, ${p.lp_size[1]} constraints.`));
}

// ---------------------------------------------------------------- nation

async function nationPage() {
  const code = decodeURIComponent(location.pathname.split("/").pop());
  const n = await get("/api/nations/" + enc(code), atParams());
  document.title = `handover: ${n.code}`;
  $("title").textContent = `${n.name} (${n.code})`;
  const dataset = n.dataset_version ? ` (dataset ${n.dataset_version})` : "";
  $("meta").textContent =
    `Groups: ${n.groups.join(", ") || "none"}; ${n.european ? "counted as European" : "not counted as European"}. ` +
    `Figures at ${n.at}; data version ${n.data_version}${dataset}.`;
  const capLink = (id) => el("a", { href: "/capability/" + enc(id) + queryOf(atParams()) }, id);
  const none = (body, cols) => {
    if (!body.children.length) body.append(el("tr", {}, el("td", { colspan: cols, class: "muted" }, "None released to you.")));
  };

  const ct = clear($("contributions"));
  ct.append(head("Capability", "Held at the start", "of which part of a group total", "On order"));
  let body = el("tbody");
  for (const c of n.contributions) {
    body.append(
      el("tr", { "data-capability": c.capability },
        el("th", { scope: "row" }, capLink(c.capability)),
        el("td", { class: "num" }, num(c.held, 1)),
        el("td", { class: "num" }, num(c.part_of_totals, 1)),
        el("td", { class: "num" }, num(c.on_order, 1)))
    );
  }
  none(body, 4);
  ct.append(body);

  const sp = clear($("spending"));
  sp.append(head("Year", "% of GDP", "Short of " + n.spending_goal + " %", "US$ m"));
  body = el("tbody");
  for (const e of n.spending) {
    const pctText = e.defence_pct_gdp === null ? "no data" : num(e.defence_pct_gdp, 2) + " %";
    const short = e.short_of_goal === null ? "no data" : e.short_of_goal === 0 ? "meets it" : num(e.short_of_goal, 2) + " points";
    body.append(
      el("tr", { "data-year": e.year },
        el("th", { scope: "row" }, String(e.year)),
        el("td", { class: "num" }, pctText),
        el("td", {}, short),
        el("td", { class: "num" }, num(e.defence_musd, 0)))
    );
  }
  none(body, 4);
  sp.append(body);

  const ht = clear($("nation-holdings"));
  ht.append(head("Capability", "Quantity", "As of", "Part of", "Marking", "Source"));
  body = el("tbody");
  for (const h of n.holdings) {
    body.append(
      el("tr", { "data-capability": h.capability },
        el("th", { scope: "row" }, capLink(h.capability)),
        el("td", { class: "num" }, num(h.quantity, 2) + (h.estimate ? " (estimate)" : "")),
        el("td", {}, dateText(h.as_of)),
        el("td", {}, h.part_of ? `the ${h.part_of} total` : "—"),
        el("td", {}, marking(h.releasability)),
        el("td", {}, sourceNode(null, h.cited)))
    );
  }
  none(body, 6);
  ht.append(body);

  const ot = clear($("nation-orders"));
  ot.append(head("Order", "Line", "Capability", "Quantity", "Ordered", "First delivery", "Complete", "Open at horizon"));
  body = el("tbody");
  for (const o of n.orders) {
    body.append(
      el("tr", { "data-order": o.id },
        el("th", { scope: "row" }, o.id),
        el("td", {}, o.line),
        el("td", {}, capLink(o.capability)),
        el("td", { class: "num" }, num(o.quantity, 1)),
        el("td", {}, o.date),
        el("td", {}, dateText(o.first_delivery)),
        el("td", {}, dateText(o.completed)),
        el("td", { class: "num" }, num(o.open_at_horizon, 1)))
    );
  }
  none(body, 8);
  ot.append(body);

  const lt = clear($("nation-lines"));
  lt.append(head("Line", "Capability", "Lead time", "Unit cost", "Capacity a year"));
  body = el("tbody");
  for (const l of n.lines) {
    body.append(
      el("tr", { "data-line-id": l.id },
        el("th", { scope: "row" }, l.name ? `${l.name} (${l.id})` : l.id),
        el("td", {}, capLink(l.capability)),
        el("td", {}, `${l.lead_time_months} months`),
        el("td", { class: "num" }, money(l.unit_cost)),
        el("td", { class: "num" }, l.capacity_per_year === null ? "no data" : num(l.capacity_per_year, 0)))
    );
  }
  none(body, 5);
  lt.append(body);
  document.body.setAttribute("data-loaded", "nation");
}

// ---------------------------------------------------------------- dispatch

const PAGES = { overview, capability, nation: nationPage, login, data: dataPage, plan: planPage, triggers };

window.addEventListener("DOMContentLoaded", () => {
  const page = document.body.getAttribute("data-page");
  nav().catch(() => {});
  const run = PAGES[page];
  if (run) run().catch(fail);
});
