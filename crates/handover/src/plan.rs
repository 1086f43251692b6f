//! `handover plan`: choose new orders that buy the most coverage within a
//! budget, or reach every target at least cost. The LP lives in
//! `handover_core::plan`; this module parses the options and prints.

use crate::cli::{value_name, Cli, Format, PlanArgs, PlanCommandArgs};
use crate::output::{json, level, money, number, pct};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use comfy_table::{Cell, CellAlignment, Table};
use handover_core::plan::{
    request::parse_share, Objective, Plan, PlanOptions, PlanRequest, ShareChoice, ShareKey,
};
use handover_core::time::Step;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when the cost objective leaves some targets unreachable by the deadline.
pub const EXIT_UNREACHABLE: u8 = 3;

fn share_key(arg: &str) -> Result<ShareKey> {
    key_of("--share", arg)
}

/// A key given to `option`: `gdp`, `equal` or a CSV file.
fn key_of(option: &str, arg: &str) -> Result<ShareKey> {
    Ok(
        match parse_share(arg).map_err(|e| crate::cli::Usage(format!("{option} {}", e.detail())))? {
            ShareChoice::Key(k) => k,
            ShareChoice::File(path) => {
                let p = PathBuf::from(&path);
                if !p.exists() {
                    return Err(crate::cli::Usage(format!(
                    "{option} `{path}`: expected gdp, equal, or a CSV file nation,share that exists"
                ))
                    .into());
                }
                ShareKey::Custom(
                    handover_data::read_share_key(&p)
                        .with_context(|| format!("{option} `{path}`"))?,
                )
            }
        },
    )
}

/// Build the request from the command line; `today` is the date `--from` defaults to
/// (or the scenario start, if later).
pub fn request(
    args: &PlanArgs,
    s: &handover_core::Scenario,
    today: NaiveDate,
) -> Result<PlanRequest> {
    let options = PlanOptions {
        objective: args.objective.map(value_name),
        budget: args.budget.clone(),
        from: args.from.clone(),
        deadline: args.deadline.clone(),
        grid: args.grid.map(value_name),
        share: args.share.as_deref().map(share_key).transpose()?,
        min_european_content: args.min_european_content.clone(),
        usd_rate: args.usd_rate.clone(),
    };
    // A bad option value is a wrong command line (exit 2).
    let mut req = options
        .request(s, today)
        .map_err(|e| crate::cli::Usage(e.to_string()))?;
    req.investments = !args.no_investments;
    req.workshare = args
        .workshare
        .as_deref()
        .map(|k| key_of("--workshare", k))
        .transpose()?;
    req.workshare_tolerance = args.workshare_tolerance;
    Ok(req)
}

/// Run `handover plan`.
pub fn run(cli: &Cli, args: &PlanCommandArgs, out: &mut impl Write) -> Result<ExitCode> {
    let loaded = crate::load(cli)?;
    let s = &loaded.scenario;
    let req = request(&args.plan, s, chrono::Local::now().date_naive())?;
    let usage = |e: handover_core::plan::PlanError| crate::cli::Usage(e.to_string()).into();
    let eval = handover_core::Evaluation::new(s);
    if args.confidence.is_some() && args.futures_seed == args.seed {
        return Err(crate::cli::Usage(format!(
            "--futures-seed {} equals --seed: the forecast that checks a --confidence plan must draw fresh futures; give them different seeds",
            args.seed
        ))
        .into());
    }
    let planned = match args.confidence {
        Some(c) => handover_core::plan::plan_confident(
            s,
            &eval,
            &req,
            c,
            args.futures as usize,
            args.futures_seed,
        ),
        None => handover_core::plan::plan(s, &eval, &req),
    };
    let mut plan = match planned {
        Err(
            e @ (handover_core::plan::PlanError::UnknownDeadline { .. }
            | handover_core::plan::PlanError::Request(_)),
        ) => return Err(usage(e)),
        other => other?,
    };
    // How likely the plan is to work: the forecast with and without it.
    let bar = crate::progress::bar(2 * args.samples, "forecast of the plan");
    plan.odds = Some(handover_core::plan::odds(
        s,
        &plan,
        args.samples,
        args.seed,
        &|k| bar.inc(k),
    )?);
    bar.finish_and_clear();
    let text = match cli.format() {
        Format::Table => table(&plan),
        Format::Json => json(&plan)?,
        Format::Csv => csv(&plan)?,
    };
    out.write_all(text.as_bytes())?;
    let unreachable = plan.objective == Objective::Cost && !plan.unreachable.is_empty();
    if unreachable {
        eprintln!(
            "note: {} target(s) cannot be reached by {} at any cost: {} (exit code {EXIT_UNREACHABLE})",
            plan.unreachable.len(),
            plan.deadline,
            plan.unreachable
                .iter()
                .map(|u| u.capability.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(if unreachable {
        ExitCode::from(EXIT_UNREACHABLE)
    } else {
        ExitCode::SUCCESS
    })
}

fn table_new(header: &[&str]) -> Table {
    let mut t = crate::output::table();
    t.set_header(header.to_vec());
    t
}

fn right(s: String) -> Cell {
    Cell::new(s).set_alignment(CellAlignment::Right)
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map(f).unwrap_or_else(|| "no data".into())
}

/// A shadow price worth showing: for the cost objective at least `floor`
/// of money (1: a currency unit, below which a dual is the interior point's
/// dust), for the coverage objective at least 1e-9 index points; else blank
/// (the constraint does not bind).
fn shown(v: Option<f64>, p: &Plan, floor: f64) -> Option<f64> {
    let floor = match p.objective {
        Objective::Cost => floor,
        Objective::Coverage => 1e-9,
    };
    v.filter(|x| x.abs() >= floor)
}

/// Why a plan has no orders, in words: the first cause that holds.
fn no_orders_cause(p: &Plan) -> String {
    let open: Vec<&str> = p
        .capabilities
        .iter()
        .filter(|c| match (c.target, c.level_before) {
            (Some(t), Some(l)) => {
                l < t && !p.unreachable.iter().any(|u| u.capability == c.capability)
            }
            _ => false,
        })
        .map(|c| c.capability.as_str())
        .collect();
    let eligible = p.lines.iter().filter(|l| l.eligible).count();
    if p.budget_per_year == Some(0.0) {
        "the budget is 0, so nothing can be bought (give --budget, e.g. 40e9/year)".into()
    } else if !p.investments.is_empty() {
        "the investments below close the gaps; no order on an existing line is needed".into()
    } else if eligible == 0 {
        "no line can take a new order delivered by the deadline (each line's reason is in Lines)"
            .into()
    } else if open.is_empty() && p.unreachable.is_empty() {
        "every target is met by the deadline without new orders".into()
    } else if open.is_empty() {
        "every target that can be reached is met without new orders; the others cannot be reached at any cost (below)".into()
    } else {
        format!(
            "the lines that can take an order ({eligible}) add nothing to the capabilities short of their target ({}) by the deadline within the budget",
            open.join(", ")
        )
    }
}

/// The plan as text tables.
pub fn table(p: &Plan) -> String {
    let cur = p.currency.as_str();
    let mut o = String::new();
    let goal = match p.objective {
        Objective::Coverage => "maximise weighted coverage",
        Objective::Cost => "reach every target at least cost",
    };
    o.push_str(&format!(
        "Plan: {goal} by {} ({}); orders from {}, {}; budget {}{}\n",
        p.deadline,
        p.deadline_date,
        p.from,
        match p.grid {
            Step::Month => "monthly",
            Step::Quarter => "quarterly",
            Step::Year => "yearly",
        },
        p.budget_per_year
            .map(|b| format!("{} a year", money(b, cur)))
            .unwrap_or_else(|| "unlimited".into()),
        p.min_european_content
            .map(|m| format!("; European content at least {}", pct(m)))
            .unwrap_or_default(),
    ));

    if p.orders.is_empty() {
        o.push_str(&format!("\nNo orders: {}.\n", no_orders_cause(p)));
    } else {
        let mut t = table_new(&[
            "Order date",
            "Line",
            "Capability",
            "Units (LP)",
            "Cost",
            "By deadline",
            "Deliveries",
            "Flag",
        ]);
        for x in &p.orders {
            t.add_row(vec![
                Cell::new(x.date.to_string()),
                Cell::new(&x.line),
                Cell::new(&x.capability),
                right(format!("{} ({})", level(x.units), number(x.quantity, 2))),
                right(money(x.cost_rounded, cur)),
                right(level(x.delivered_by_deadline)),
                Cell::new(match (x.first_delivery, x.last_delivery) {
                    (Some(a), Some(b)) => format!("{a} to {b}"),
                    (Some(a), None) => format!("from {a}, not complete in horizon"),
                    _ => "none within horizon".into(),
                }),
                Cell::new(match (x.us_export_approval, x.queue_date != x.date) {
                    (true, true) => format!("US export approval (queues from {})", x.queue_date),
                    (true, false) => "US export approval".into(),
                    _ => String::new(),
                }),
            ]);
        }
        o.push_str(&format!(
            "\nOrders ({} in all, whole units; LP quantity in brackets)\n{t}\n",
            money(p.total_cost_rounded, cur)
        ));
    }

    if !p.investments.is_empty() {
        let mut t = table_new(&[
            "Decided",
            "Investment",
            "Capability",
            "Where",
            "Units a year",
            "Capex",
            "First output",
            "Full rate",
            "At deadline",
            "Workers",
        ]);
        for x in &p.investments {
            t.add_row(vec![
                Cell::new(x.date.to_string()),
                Cell::new(match &x.expands {
                    Some(l) => format!("{} (expands {l})", x.investment),
                    None => format!("{} (new line)", x.investment),
                }),
                Cell::new(&x.capability),
                Cell::new(&x.nation),
                right(match x.steps {
                    Some(n) => format!(
                        "{} ({} step{})",
                        level(x.units_per_year),
                        level(n),
                        if n == 1.0 { "" } else { "s" }
                    ),
                    None => level(x.units_per_year),
                }),
                right(money(x.capex, cur)),
                Cell::new(x.first_output.to_string()),
                Cell::new(x.full_rate.to_string()),
                right(level(x.capacity_at_deadline)),
                right(x.workers.map(level).unwrap_or_else(|| "unknown".into())),
            ]);
        }
        o.push_str(&format!(
            "\nInvestments ({} of capex in all)\n{t}\n",
            money(p.investment_cost, cur)
        ));
        if let (Some(r), Some(i)) = (p.relaxation, p.integer_objective) {
            let show = |v: f64| match p.objective {
                Objective::Coverage => pct(v),
                Objective::Cost => money(v, cur),
            };
            o.push_str(&format!(
                "Whole steps: the plan with whole steps reaches {}, the same program with any size {} (its linear relaxation)\n",
                show(i),
                show(r)
            ));
        }
    }

    let mut t = table_new(&[
        "Capability",
        "Target",
        "Before",
        "After",
        "Whole units",
        "Bought by deadline",
        "Note",
    ]);
    for c in &p.capabilities {
        let cov = |lv: Option<f64>, cv: Option<f64>| match (lv, cv) {
            (Some(l), Some(c)) => format!("{} ({})", level(l), pct(c)),
            (Some(l), None) => level(l),
            _ => "no data".into(),
        };
        t.add_row(vec![
            Cell::new(&c.capability),
            right(opt(c.target, level)),
            right(cov(c.level_before, c.coverage_before)),
            right(cov(c.level_after, c.coverage_after)),
            right(cov(c.level_rounded, c.coverage_rounded)),
            right(level(c.bought)),
            Cell::new(c.not_plannable.clone().unwrap_or_default()),
        ]);
    }
    o.push_str(&format!(
        "\nCoverage at {} (level and coverage)\n{t}\n",
        p.deadline_date
    ));
    o.push_str(&format!(
        "Readiness index at {}: {} before, {} with the plan, {} with whole units",
        p.deadline,
        opt(p.index_before, pct),
        opt(p.index_after, pct),
        opt(p.index_rounded, pct),
    ));
    if let (Some(a), Some(r)) = (p.index_after, p.index_rounded) {
        o.push_str(&format!(
            " (rounding changes it by {:+.2} points)",
            (r - a) * 100.0
        ));
    }
    o.push('\n');

    let mut t = table_new(&[
        "Year",
        "Budget",
        "Used",
        "Used (whole units)",
        "Orders",
        "Investment",
        "Exhausted",
        "Shadow price",
    ]);
    for b in &p.budget {
        t.add_row(vec![
            Cell::new(b.year),
            right(
                b.budget
                    .map(|x| money(x, cur))
                    .unwrap_or_else(|| "unlimited".into()),
            ),
            right(money(b.used, cur)),
            right(money(b.used_rounded, cur)),
            right(money(b.procurement, cur)),
            right(money(b.investment, cur)),
            Cell::new(if b.exhausted { "yes" } else { "" }),
            right(match (shown(b.shadow_price_per_bn, p, 1e-9), p.objective) {
                (Some(v), Objective::Coverage) => format!("{} pts per bn", number(v, 3)),
                (Some(v), Objective::Cost) => format!("{} saved per bn", money(v * 1e9, cur)),
                (None, _) => String::new(),
            }),
        ]);
    }
    o.push_str(&format!(
        "\nBudget per year (orders in the year they are placed, capex in the year it is paid)\n{t}\n"
    ));

    let bottlenecks: Vec<&str> = p
        .lines
        .iter()
        .filter(|l| l.bottleneck)
        .map(|l| l.line.as_str())
        .collect();
    let exhausted: Vec<String> = p
        .budget
        .iter()
        .filter(|b| b.exhausted)
        .map(|b| b.year.to_string())
        .collect();
    let at_max: Vec<&str> = p
        .investment_options
        .iter()
        .filter(|i| i.at_maximum)
        .map(|i| i.investment.as_str())
        .collect();
    let hiring: Vec<String> = p
        .workforce
        .iter()
        .filter(|w| w.binding)
        .map(|w| format!("{} {}", w.nation, w.year))
        .collect();
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    o.push_str(&format!(
        "Binding constraints: bottleneck lines: {}; budget years used up: {}; investments at their maximum size: {}; hiring limits: {}\n",
        list(bottlenecks.iter().map(|s| s.to_string()).collect()),
        list(exhausted),
        list(at_max.iter().map(|s| s.to_string()).collect()),
        list(hiring),
    ));
    o.push_str(match p.objective {
        Objective::Cost => "Shadow prices: what one more unit of a binding constraint would save; blank where it does not bind.\n",
        Objective::Coverage => "Shadow prices: readiness-index points one more unit of a binding constraint would add; blank where it does not bind.\n",
    });

    let mut t = table_new(&[
        "Line",
        "Capability",
        "Free before deadline",
        "New by deadline",
        "Shadow price of capacity",
        "Why not usable",
    ]);
    for l in &p.lines {
        t.add_row(vec![
            Cell::new(format!(
                "{}{}",
                l.line,
                if l.us_export_approval {
                    " (US content)"
                } else {
                    ""
                }
            )),
            Cell::new(&l.capability),
            right(if l.eligible {
                level(l.free_by_deadline)
            } else {
                String::new()
            }),
            right(if l.eligible {
                level(l.delivered_by_deadline)
            } else {
                String::new()
            }),
            right(match (shown(l.shadow_price, p, 1.0), p.objective) {
                (Some(v), Objective::Coverage) => format!("{} pts/unit", number(v, 4)),
                (Some(v), Objective::Cost) => format!("{} saved/unit", money(v, cur)),
                (None, _) => String::new(),
            }),
            Cell::new(l.reason.clone().unwrap_or_default()),
        ]);
    }
    o.push_str(&format!("\nLines\n{t}\n"));

    if !p.investment_options.is_empty() {
        let mut t = table_new(&[
            "Investment",
            "Capability",
            "Where",
            "Chosen a year",
            "Shadow price of size",
            "Why not usable",
        ]);
        for i in &p.investment_options {
            t.add_row(vec![
                Cell::new(match &i.line {
                    Some(l) => format!("{} (expands {l})", i.investment),
                    None => i.investment.clone(),
                }),
                Cell::new(&i.capability),
                Cell::new(&i.nation),
                right(if i.eligible {
                    level(i.chosen_units_per_year)
                } else {
                    String::new()
                }),
                right(
                    match (
                        shown(i.shadow_price.filter(|_| i.eligible), p, 1.0),
                        p.objective,
                    ) {
                        (Some(v), Objective::Coverage) => {
                            format!("{} pts per unit a year", number(v, 6))
                        }
                        (Some(v), Objective::Cost) => {
                            format!("{} saved per unit a year", money(v, cur))
                        }
                        (None, _) => String::new(),
                    },
                ),
                Cell::new(i.reason.clone().unwrap_or_default()),
            ]);
        }
        o.push_str(&format!("\nCandidate investments\n{t}\n"));
    }

    if !p.workforce.is_empty() {
        let mut t = table_new(&[
            "Nation",
            "Year",
            "Can hire",
            "Hired",
            "Binding",
            "Shadow price",
        ]);
        for w in &p.workforce {
            t.add_row(vec![
                Cell::new(&w.nation),
                Cell::new(w.year),
                right(level(w.available)),
                right(level(w.hired)),
                Cell::new(if w.binding { "yes" } else { "" }),
                right(
                    match (shown(w.shadow_price_per_1000, p, 1.0), p.objective) {
                        (Some(v), Objective::Coverage) => {
                            format!("{} pts per 1,000 workers", number(v, 3))
                        }
                        (Some(v), Objective::Cost) => {
                            format!("{} saved per 1,000 workers", money(v, cur))
                        }
                        (None, _) => String::new(),
                    },
                ),
            ]);
        }
        o.push_str(&format!(
            "\nWorkforce (skilled workers hired as capacity comes on line)\n{t}\n"
        ));
    }

    if !p.unreachable.is_empty() {
        let mut t = table_new(&[
            "Capability",
            "Target",
            "Most by deadline",
            "Earliest date",
            "Why",
        ]);
        for u in &p.unreachable {
            t.add_row(vec![
                Cell::new(&u.capability),
                right(level(u.target)),
                right(opt(u.max_level, level)),
                Cell::new(
                    u.earliest
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "not within horizon".into()),
                ),
                Cell::new(&u.reason),
            ]);
        }
        o.push_str(&format!(
            "\nTargets that cannot be reached by {} at any cost\n{t}\n",
            p.deadline
        ));
    }

    if let Some(odds) = &p.odds {
        let conf = p.confidence.as_ref();
        let mut header = vec![
            "Capability",
            "Deadline",
            "P(met) without",
            "P(met) with the plan",
        ];
        if conf.is_some() {
            header.push("Met in the planned futures");
        }
        let mut t = table_new(&header);
        let p_se = |p: f64, se: f64| format!("{} ± {}", pct(p), pct(se));
        for r in &odds.rows {
            let mut row = vec![
                Cell::new(&r.capability),
                Cell::new(&r.deadline),
                right(p_se(r.p_met_before, r.p_met_before_se)),
                right(p_se(r.p_met, r.p_met_se)),
            ];
            if let Some(c) = conf {
                let planned = (r.deadline == p.deadline)
                    .then(|| c.rows.iter().find(|x| x.capability == r.capability))
                    .flatten();
                row.push(right(match planned {
                    Some(x) if x.reachable == 0 => "unreachable in every future".into(),
                    Some(x) if x.left_out => format!(
                        "{} (reachable in {} of {}: below {})",
                        pct(x.in_sample),
                        x.reachable,
                        c.futures,
                        pct(c.confidence)
                    ),
                    Some(x) => pct(x.in_sample),
                    None => String::new(),
                }));
            }
            t.add_row(row);
        }
        o.push_str(&format!(
            "\nHow likely the plan is to work: P(met) ± standard error, {} samples, seed {}, {} uncertain inputs (`handover forecast` with and without the plan)\n{t}\n",
            odds.samples, odds.seed, odds.inputs
        ));
        if let Some(c) = conf {
            o.push_str(&format!(
                "Planned with --confidence {}: each target met in at least that share of {} sampled futures (seed {}); the forecast above checks the plan on fresh seeds.\n",
                c.confidence, c.futures, c.seed
            ));
        }
    }

    if let Some(key) = &p.share_key {
        let mut t = table_new(&["Nation", "Share", "Amount", "Per year", "% of GDP a year"]);
        for n in &p.shares {
            t.add_row(vec![
                Cell::new(&n.nation),
                right(pct(n.share)),
                right(money(n.amount, cur)),
                right(money(n.per_year, cur)),
                right(match (n.pct_gdp, n.gdp_musd) {
                    (Some(x), _) => format!("{:.3}%", x * 100.0),
                    (None, None) => "GDP unknown".into(),
                    (None, Some(_)) => "no exchange rate".into(),
                }),
            ]);
        }
        o.push_str(&format!("\nBurden sharing (key: {key})\n{t}\n"));
    }

    if let Some(w) = &p.workshare {
        let mut t = table_new(&[
            "Nation",
            "Key share",
            "Allowed share of capex",
            "Capex hosted",
            "Share of capex",
            "",
        ]);
        for r in &w.rows {
            t.add_row(vec![
                Cell::new(&r.nation),
                right(pct(r.key_share)),
                right(format!("{} to {}", pct(r.low), pct(r.high))),
                right(money(r.capex, cur)),
                right(r.share.map(pct).unwrap_or_else(|| "no investment".into())),
                Cell::new(if r.binding { "at its bound" } else { "" }),
            ]);
        }
        o.push_str(&format!(
            "\nIndustrial workshare (key: {}, within {} points; {} of capex in all)\n{t}\n",
            w.key,
            number(w.tolerance * 100.0, 1),
            money(w.total_capex, cur)
        ));
    }

    o.push_str(&format!(
        "\nOrders are booked to {} in the scenario; solver: {}; LP: {} variables, {} constraints\n",
        p.buyer, p.solver, p.lp_size.0, p.lp_size.1
    ));
    for n in &p.notes {
        o.push_str(&format!("Note: {n}\n"));
    }
    o
}

#[derive(Serialize)]
struct OrderRow<'a> {
    line: &'a str,
    capability: &'a str,
    date: NaiveDate,
    queue_date: NaiveDate,
    year: i32,
    quantity: f64,
    units: f64,
    unit_cost: f64,
    cost: f64,
    cost_rounded: f64,
    us_export_approval: bool,
    delivered_by_deadline: f64,
    first_delivery: Option<NaiveDate>,
    last_delivery: Option<NaiveDate>,
}

/// The orders as CSV, one row per order (everything else is in the JSON).
pub fn csv(p: &Plan) -> Result<String> {
    let mut w = csv::Writer::from_writer(vec![]);
    if p.orders.is_empty() {
        w.write_record([
            "line",
            "capability",
            "date",
            "queue_date",
            "year",
            "quantity",
            "units",
            "unit_cost",
            "cost",
            "cost_rounded",
            "us_export_approval",
            "delivered_by_deadline",
            "first_delivery",
            "last_delivery",
        ])?;
    }
    for o in &p.orders {
        w.serialize(OrderRow {
            line: &o.line,
            capability: &o.capability,
            date: o.date,
            queue_date: o.queue_date,
            year: o.year,
            quantity: o.quantity,
            units: o.units,
            unit_cost: o.unit_cost,
            cost: o.cost,
            cost_rounded: o.cost_rounded,
            us_export_approval: o.us_export_approval,
            delivered_by_deadline: o.delivered_by_deadline,
            first_delivery: o.first_delivery,
            last_delivery: o.last_delivery,
        })?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
