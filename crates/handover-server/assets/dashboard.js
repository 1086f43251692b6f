// The handover dashboard: fetches the JSON API and draws it with uPlot.
"use strict";

const pct = (x) => (x === null || x === undefined ? "no data" : (100 * x).toFixed(1) + "%");
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
};
const secs = (d) => Date.parse(d + "T00:00:00Z") / 1000;
const query = () => new URLSearchParams(location.search).toString();
const api = async (path) => {
  const q = query();
  const r = await fetch(path + (q ? "?" + q : ""));
  const body = await r.json();
  if (!r.ok) throw new Error(body.message || r.statusText);
  return body;
};
const fail = (e) => {
  document.getElementById("error").textContent = "Could not load: " + e.message;
};
const COLOURS = ["#1f5aa0", "#e68c14", "#289650", "#8c46aa", "#be2828"];

function chart(target, title, dates, series, yLabel) {
  const opts = {
    title,
    width: Math.min(900, target.clientWidth || 900),
    height: 320,
    scales: { x: { time: true } },
    axes: [{}, { label: yLabel }],
    series: [{}].concat(
      series.map((s, i) => ({
        label: s.label,
        stroke: COLOURS[i % COLOURS.length],
        width: s.width || 1,
        dash: s.dash,
      }))
    ),
  };
  const data = [dates.map(secs)].concat(series.map((s) => s.values));
  return new uPlot(opts, data, target);
}

async function overview() {
  const o = await api("/api/overview");
  document.getElementById("title").textContent = o.scenario;
  document.getElementById("index").textContent =
    `Readiness index ${pct(o.index)} at ${o.at}; ` +
    o.deadlines.map((d) => `${pct(o.index_at_deadlines[d.id])} at ${d.id} (${d.date})`).join(", ");
  if (o.index_series) {
    const series = [{ label: "readiness index", values: o.index_series.map((v) => 100 * v), width: 2 }];
    for (const d of o.deadlines) {
      const g = o.index_glide[d.id];
      if (g) series.push({ label: "glide path to " + d.id, values: g.map((v) => 100 * v), dash: [6, 4] });
    }
    chart(document.getElementById("index-chart"), "Readiness index (%)", o.dates, series, "%");
  }
  const deadlines = o.deadlines.map((d) => d.id);
  const table = document.getElementById("capabilities");
  table.append(
    el("tr", {}, ...["Capability", "Coverage", "US dependency", ...deadlines].map((h) => el("th", {}, h)))
  );
  for (const c of o.capabilities) {
    const link = el("a", { href: "/capability/" + encodeURIComponent(c.id) + (query() ? "?" + query() : "") }, c.id);
    table.append(
      el(
        "tr",
        { "data-capability": c.id },
        el("td", {}, link),
        el("td", { class: "num" }, pct(c.coverage)),
        el("td", { class: "num" }, pct(c.us_dependency)),
        ...deadlines.map((d) => el("td", { class: "status " + (c.status[d] || "") }, c.status[d] || ""))
      )
    );
  }
  const triggers = document.getElementById("triggers");
  triggers.append(el("tr", {}, ...["Benchmark", "State", "Deciding figures", "Action"].map((h) => el("th", {}, h))));
  const order = { fires: 0, unknown: 1, holds: 2 };
  for (const t of [...o.triggers].sort((a, b) => order[a.state] - order[b.state])) {
    triggers.append(
      el(
        "tr",
        { "data-trigger": t.id },
        el("td", {}, t.id, el("br"), el("small", {}, t.severity)),
        el("td", { class: "state " + t.state }, t.state),
        el("td", {}, el("code", {}, t.rule), ...t.figures.map((f) => el("div", {}, f))),
        el("td", {}, t.action)
      )
    );
  }
  document.body.setAttribute("data-loaded", "overview");
}

async function capability() {
  const id = decodeURIComponent(location.pathname.split("/").pop());
  const c = await api("/api/capabilities/" + encodeURIComponent(id));
  const a = c.assessment;
  document.getElementById("title").textContent = `${a.name} (${a.id})`;
  document.getElementById("summary").textContent =
    `Level ${a.level ?? "no data"} of target ${a.target ?? "no data"} ${a.unit}: coverage ${pct(a.coverage)}, ` +
    `US dependency ${pct(a.us_dependency)}; target reached: ${a.reached ?? "not within the horizon"}.`;
  if (c.series && c.series.level && a.target) {
    const series = [
      { label: "European level", values: c.series.level, width: 2 },
      { label: "target", values: c.dates.map(() => a.target), dash: [2, 2] },
    ];
    for (const [d, g] of Object.entries(c.series.glide)) {
      series.push({ label: "glide path to " + d, values: g.map((v) => v * a.target), dash: [6, 4] });
    }
    chart(document.getElementById("level-chart"), `European level (${a.unit})`, c.dates, series, a.unit);
  }
  const table = document.getElementById("deadlines");
  table.append(el("tr", {}, ...["Deadline", "Status", "Glide path", "Coverage", "Shortfall"].map((h) => el("th", {}, h))));
  for (const d of a.deadlines) {
    table.append(
      el(
        "tr",
        {},
        el("td", {}, d.deadline),
        el("td", { class: "status " + d.status }, d.status),
        el("td", { class: "num" }, pct(d.glide)),
        el("td", { class: "num" }, pct(d.coverage)),
        el("td", { class: "num" }, d.shortfall === null ? "no data" : String(d.shortfall))
      )
    );
  }
  const notes = document.getElementById("notes");
  for (const n of a.notes) notes.append(el("li", {}, n));
  document.body.setAttribute("data-loaded", "capability");
}

window.addEventListener("DOMContentLoaded", () => {
  const page = document.body.getAttribute("data-page");
  (page === "capability" ? capability() : overview()).catch(fail);
});
