//! The CSV tables of a scenario folder, read into and written from core types.

use crate::table::{cell, num, read, Row, Schema, Writer};
use handover_core::scenario::*;
use handover_core::table::TableId;
use handover_core::validate::{Declared, Problem};

/// Nations: its definition in core.
pub const NATIONS: Schema = *TableId::Nations.def();
/// Holdings: its definition in core.
pub const HOLDINGS: Schema = *TableId::Holdings.def();
/// UsContributions: its definition in core.
pub const US: Schema = *TableId::UsContributions.def();
/// Lines: its definition in core.
pub const LINES: Schema = *TableId::Lines.def();
/// Capacity: its definition in core.
pub const CAPACITY: Schema = *TableId::Capacity.def();
/// Orders: its definition in core.
pub const ORDERS: Schema = *TableId::Orders.def();
/// Retirements: its definition in core.
pub const RETIREMENTS: Schema = *TableId::Retirements.def();
/// Consumption: its definition in core.
pub const CONSUMPTION: Schema = *TableId::Consumption.def();
/// Economics: its definition in core.
pub const ECONOMICS: Schema = *TableId::Economics.def();

/// Investments: its definition in core.
pub const INVESTMENTS: Schema = *TableId::Investments.def();
/// Workforce: its definition in core.
pub const WORKFORCE: Schema = *TableId::Workforce.def();

/// Sources: its definition in core.
pub const SOURCES: Schema = *TableId::Sources.def();

/// Every table, in the order they are read.
pub const ALL: &[Schema] = &[
    NATIONS,
    HOLDINGS,
    US,
    LINES,
    CAPACITY,
    ORDERS,
    RETIREMENTS,
    CONSUMPTION,
    ECONOMICS,
    INVESTMENTS,
    WORKFORCE,
    SOURCES,
];

/// Read every table present (`text(file)` gives a file's contents) into `s`.
///
/// `label(file)` is the name errors use for a file (e.g. with its folder).
pub fn read_all(
    s: &mut Scenario,
    text: impl Fn(&str) -> Option<String>,
    label: impl Fn(&str) -> String,
    problems: &mut Vec<Problem>,
) -> Declared {
    let t = |schema: &Schema| text(schema.file).unwrap_or_default();
    let mut declared = Declared::default();
    let mut ignored = vec![];
    s.nations = read(
        &NATIONS,
        &label(NATIONS.file),
        &t(&NATIONS),
        problems,
        &mut declared.nations,
        &mut s.uncertainty,
        |r| {
            let prov = r.provenance();
            let code = r.text("code");
            let name = r.text("name");
            let groups = r
                .opt_text("groups")
                .map(|g| {
                    g.split(';')
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            Some(Nation {
                code: code?,
                name: name?,
                groups,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.holdings = read(
        &HOLDINGS,
        &label(HOLDINGS.file),
        &t(&HOLDINGS),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r| {
            let prov = r.provenance();
            let (holder, capability, quantity) =
                (r.text("holder"), r.text("capability"), r.figure("quantity"));
            let as_of = r.opt_date("as_of");
            Some(Holding {
                holder: holder?,
                capability: capability?,
                quantity: quantity?,
                as_of: as_of?,
                part_of: r.opt_text("part_of"),
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.us_contributions = read(
        &US,
        &label(US.file),
        &t(&US),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r| {
            let prov = r.provenance();
            let (capability, level) = (r.text("capability"), r.figure("level"));
            Some(UsContribution {
                capability: capability?,
                level: level?,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.lines = read(
        &LINES,
        &label(LINES.file),
        &t(&LINES),
        problems,
        &mut declared.lines,
        &mut s.uncertainty,
        |r| {
            let prov = r.provenance();
            let (id, capability, nation) = (r.text("id"), r.text("capability"), r.text("nation"));
            let lead = r.months("lead_time_months");
            let cost = r.opt_number("unit_cost");
            let eu = r.opt_number("content_eu");
            let us = r.opt_number("content_us");
            let other = r.opt_number("content_other");
            Some(ProductionLine {
                id: id?,
                capability: capability?,
                nation: nation?,
                name: r.opt_text("name"),
                lead_time_months: lead?,
                unit_cost: cost?,
                content_eu: eu?,
                content_us: us?,
                content_other: other?,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.capacity = read(
        &CAPACITY,
        &label(CAPACITY.file),
        &t(&CAPACITY),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r| {
            let prov = r.provenance();
            let (line, date, rate) = (r.text("line"), r.dated("date"), r.figure("units_per_year"));
            Some(CapacityStep {
                line: line?,
                date: date?,
                units_per_year: rate?,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.orders = read(
        &ORDERS,
        &label(ORDERS.file),
        &t(&ORDERS),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r| {
            let prov = r.provenance();
            let (id, buyer, line) = (r.text("id"), r.text("buyer"), r.text("line"));
            let (quantity, date) = (r.figure("quantity"), r.dated("date"));
            let delivered = r.opt_number("delivered");
            Some(Order {
                id: id?,
                buyer: buyer?,
                line: line?,
                quantity: quantity?,
                date: date?,
                delivered: delivered?.unwrap_or(0.0),
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.retirements = read(
        &RETIREMENTS,
        &label(RETIREMENTS.file),
        &t(&RETIREMENTS),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r| {
            let prov = r.provenance();
            let (holder, capability) = (r.text("holder"), r.text("capability"));
            let (date, quantity) = (r.dated("date"), r.figure("quantity"));
            Some(Retirement {
                holder: holder?,
                capability: capability?,
                date: date?,
                quantity: quantity?,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.consumption = read(
        &CONSUMPTION,
        &label(CONSUMPTION.file),
        &t(&CONSUMPTION),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r| {
            let prov = r.provenance();
            let (holder, capability) = (r.text("holder"), r.text("capability"));
            let (from, to, rate) = (r.date("from"), r.opt_date("to"), r.figure("units_per_year"));
            Some(Consumption {
                holder: holder?,
                capability: capability?,
                from: from?,
                to: to?,
                units_per_year: rate?,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.economics = read(
        &ECONOMICS,
        &label(ECONOMICS.file),
        &t(&ECONOMICS),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r: &mut Row<'_>| {
            let prov = r.provenance();
            let (nation, year) = (r.text("nation"), r.year("year"));
            let gdp = r.opt_number("gdp_musd");
            let def = r.opt_number("defence_musd");
            let pct = r.opt_number("defence_pct_gdp");
            Some(Economics {
                nation: nation?,
                year: year?,
                gdp_musd: gdp?,
                defence_musd: def?,
                defence_pct_gdp: pct?,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.investments = read(
        &INVESTMENTS,
        &label(INVESTMENTS.file),
        &t(&INVESTMENTS),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r: &mut Row<'_>| {
            let prov = r.provenance();
            let (id, capability, nation) = (r.text("id"), r.text("capability"), r.text("nation"));
            let max = r.number("max_units_per_year");
            let step = r.opt_number("step");
            let first = r.opt_count("months_to_first_output");
            let full = r.opt_count("months_to_full_rate");
            let capex = r.opt_number("capex");
            let cost = r.opt_number("unit_cost");
            let lead = r.opt_count("lead_time_months");
            let eu = r.opt_number("content_eu");
            let us = r.opt_number("content_us");
            let other = r.opt_number("content_other");
            let workers = r.opt_number("workers_per_unit");
            let earliest = r.opt_date("earliest");
            Some(Investment {
                id: id?,
                capability: capability?,
                nation: nation?,
                line: r.opt_text("line"),
                name: r.opt_text("name"),
                max_units_per_year: max?,
                step: step?,
                months_to_first_output: first?,
                months_to_full_rate: full?,
                capex: capex?,
                unit_cost: cost?,
                lead_time_months: lead?,
                content_eu: eu?,
                content_us: us?,
                content_other: other?,
                workers_per_unit: workers?,
                earliest: earliest?,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.workforce = read(
        &WORKFORCE,
        &label(WORKFORCE.file),
        &t(&WORKFORCE),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r: &mut Row<'_>| {
            let prov = r.provenance();
            let (nation, year, workers) = (r.text("nation"), r.year("year"), r.number("workers"));
            Some(Workforce {
                nation: nation?,
                year: year?,
                workers: workers?,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    s.sources = read(
        &SOURCES,
        &label(SOURCES.file),
        &t(&SOURCES),
        problems,
        &mut ignored,
        &mut s.uncertainty,
        |r: &mut Row<'_>| {
            let prov = r.provenance();
            let (id, publisher, title) = (r.text("id"), r.text("publisher"), r.text("title"));
            let grade = r.parsed("grade");
            Some(Source {
                id: id?,
                publisher: publisher?,
                title: title?,
                author: r.opt_text("author"),
                date: r.opt_text("date"),
                url: r.opt_text("url"),
                copy_url: r.opt_text("copy_url"),
                grade: grade?,
                provenance: prov?,
                origin: r.origin(),
            })
        },
    );
    declared
}

fn date(d: chrono::NaiveDate) -> String {
    d.to_string()
}

/// A figure cell: the distribution where one was given, else the number.
fn fig(s: &Scenario, t: Table, row: usize, field: &str, x: f64) -> String {
    match s.uncertainty_of(t, row, field) {
        Some(d) => d.to_string(),
        None => num(x),
    }
}

/// A date cell, with its `+ delay(...)` where one was given.
fn dated(s: &Scenario, t: Table, row: usize, d: chrono::NaiveDate) -> String {
    match s.uncertainty_of(t, row, "date") {
        Some(delay) => format!("{d} + {delay}"),
        None => d.to_string(),
    }
}

fn opt<T: ToString>(x: &Option<T>) -> String {
    x.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// Write every non-empty table as `(file name, CSV text)`; nations.csv always.
pub fn write_all(s: &Scenario) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    let mut w = Writer::new(&["code", "name", "groups"]);
    for n in &s.nations {
        w.row(
            vec![n.code.clone(), n.name.clone(), n.groups.join(";")],
            &n.provenance,
        );
    }
    out.push((NATIONS.file, w.finish()));

    let mut push = |file: &'static str, w: Writer| {
        if !w.is_empty() {
            out.push((file, w.finish()));
        }
    };
    let parts = s.holdings.iter().any(|h| h.part_of.is_some());
    let mut columns = vec!["holder", "capability", "quantity", "as_of"];
    if parts {
        columns.push("part_of");
    }
    let mut w = Writer::new(&columns);
    for (i, h) in s.holdings.iter().enumerate() {
        let mut cells = vec![
            h.holder.clone(),
            h.capability.clone(),
            fig(s, Table::Holdings, i, "quantity", h.quantity),
            opt(&h.as_of),
        ];
        if parts {
            cells.push(opt(&h.part_of));
        }
        w.row(cells, &h.provenance);
    }
    push(HOLDINGS.file, w);
    let mut w = Writer::new(&["capability", "level"]);
    for (i, u) in s.us_contributions.iter().enumerate() {
        w.row(
            vec![
                u.capability.clone(),
                fig(s, Table::UsContributions, i, "level", u.level),
            ],
            &u.provenance,
        );
    }
    push(US.file, w);
    let mut w = Writer::new(&[
        "id",
        "capability",
        "nation",
        "name",
        "lead_time_months",
        "unit_cost",
        "content_eu",
        "content_us",
        "content_other",
    ]);
    for (i, l) in s.lines.iter().enumerate() {
        w.row(
            vec![
                l.id.clone(),
                l.capability.clone(),
                l.nation.clone(),
                opt(&l.name),
                fig(
                    s,
                    Table::Lines,
                    i,
                    "lead_time_months",
                    l.lead_time_months as f64,
                ),
                cell(l.unit_cost),
                cell(l.content_eu),
                cell(l.content_us),
                cell(l.content_other),
            ],
            &l.provenance,
        );
    }
    push(LINES.file, w);
    let mut w = Writer::new(&["line", "date", "units_per_year"]);
    for (i, c) in s.capacity.iter().enumerate() {
        w.row(
            vec![
                c.line.clone(),
                dated(s, Table::Capacity, i, c.date),
                fig(s, Table::Capacity, i, "units_per_year", c.units_per_year),
            ],
            &c.provenance,
        );
    }
    push(CAPACITY.file, w);
    let mut w = Writer::new(&["id", "buyer", "line", "quantity", "date", "delivered"]);
    for (i, o) in s.orders.iter().enumerate() {
        let delivered = if o.delivered == 0.0 {
            String::new()
        } else {
            num(o.delivered)
        };
        w.row(
            vec![
                o.id.clone(),
                o.buyer.clone(),
                o.line.clone(),
                fig(s, Table::Orders, i, "quantity", o.quantity),
                dated(s, Table::Orders, i, o.date),
                delivered,
            ],
            &o.provenance,
        );
    }
    push(ORDERS.file, w);
    let mut w = Writer::new(&["holder", "capability", "date", "quantity"]);
    for (i, r) in s.retirements.iter().enumerate() {
        w.row(
            vec![
                r.holder.clone(),
                r.capability.clone(),
                dated(s, Table::Retirements, i, r.date),
                fig(s, Table::Retirements, i, "quantity", r.quantity),
            ],
            &r.provenance,
        );
    }
    push(RETIREMENTS.file, w);
    let mut w = Writer::new(&["holder", "capability", "from", "to", "units_per_year"]);
    for (i, r) in s.consumption.iter().enumerate() {
        w.row(
            vec![
                r.holder.clone(),
                r.capability.clone(),
                date(r.from),
                opt(&r.to),
                fig(s, Table::Consumption, i, "units_per_year", r.units_per_year),
            ],
            &r.provenance,
        );
    }
    push(CONSUMPTION.file, w);
    let mut w = Writer::new(&[
        "nation",
        "year",
        "gdp_musd",
        "defence_musd",
        "defence_pct_gdp",
    ]);
    for e in &s.economics {
        w.row(
            vec![
                e.nation.clone(),
                e.year.to_string(),
                cell(e.gdp_musd),
                cell(e.defence_musd),
                cell(e.defence_pct_gdp),
            ],
            &e.provenance,
        );
    }
    push(ECONOMICS.file, w);
    let mut w = Writer::new(&[
        "id",
        "capability",
        "nation",
        "line",
        "name",
        "max_units_per_year",
        "step",
        "months_to_first_output",
        "months_to_full_rate",
        "capex",
        "unit_cost",
        "lead_time_months",
        "content_eu",
        "content_us",
        "content_other",
        "workers_per_unit",
        "earliest",
    ]);
    for i in &s.investments {
        w.row(
            vec![
                i.id.clone(),
                i.capability.clone(),
                i.nation.clone(),
                opt(&i.line),
                opt(&i.name),
                num(i.max_units_per_year),
                cell(i.step),
                opt(&i.months_to_first_output),
                opt(&i.months_to_full_rate),
                cell(i.capex),
                cell(i.unit_cost),
                opt(&i.lead_time_months),
                cell(i.content_eu),
                cell(i.content_us),
                cell(i.content_other),
                cell(i.workers_per_unit),
                opt(&i.earliest),
            ],
            &i.provenance,
        );
    }
    push(INVESTMENTS.file, w);
    let mut w = Writer::new(&["nation", "year", "workers"]);
    for r in &s.workforce {
        w.row(
            vec![r.nation.clone(), r.year.to_string(), num(r.workers)],
            &r.provenance,
        );
    }
    push(WORKFORCE.file, w);
    let mut w = Writer::new(&[
        "id",
        "publisher",
        "title",
        "author",
        "date",
        "url",
        "copy_url",
        "grade",
    ]);
    for x in &s.sources {
        w.row(
            vec![
                x.id.clone(),
                x.publisher.clone(),
                x.title.clone(),
                opt(&x.author),
                opt(&x.date),
                opt(&x.url),
                opt(&x.copy_url),
                x.grade.to_string(),
            ],
            &x.provenance,
        );
    }
    push(SOURCES.file, w);
    out
}
