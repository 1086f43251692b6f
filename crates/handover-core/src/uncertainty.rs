//! From the uncertain figures written in a scenario ([`Scenario::uncertainty`])
//! to the forecast's inputs ([`UncertainInput`]) on a compiled [`Model`].

use crate::forecast::{InputRef, UncertainInput};
use crate::projection::{shift_months, Model};
use crate::scenario::{Scenario, Table};

/// The forecast inputs for every uncertain figure of a validated scenario,
/// labelled `FILE:LINE field` so results name the cell a user wrote.
pub fn uncertain_inputs(s: &Scenario, m: &Model) -> Vec<UncertainInput> {
    let cap_index = |id: &str| s.capabilities.iter().position(|c| c.id == id);
    let stock_index = |holder: &str, cap: &str| {
        let ci = cap_index(cap)?;
        m.stocks
            .iter()
            .position(|st| st.holder == holder && st.capability == ci)
    };
    let line_index = |id: &str| s.lines.iter().position(|l| l.id == id);
    // A capacity row's position among its line's steps, sorted as `Model::compile` sorts them.
    let step_of = |row: usize| {
        let line = line_index(&s.capacity[row].line)?;
        let mut rows: Vec<(i64, usize)> = (0..s.capacity.len())
            .filter(|&r| s.capacity[r].line == s.capacity[row].line)
            .map(|r| {
                let d = shift_months(
                    s.capacity[r].date,
                    s.nominal_delay_months(Table::Capacity, r),
                );
                (m.calendar.period_of(d).max(0), r)
            })
            .collect();
        rows.sort_by_key(|(p, _)| *p);
        Some((line, rows.iter().position(|(_, r)| *r == row)?))
    };
    // A retirement's or consumption's rank among the rows of its stock.
    let rank = |rows: Vec<(&str, &str)>, row: usize| {
        let (holder, cap) = rows[row];
        let stock = stock_index(holder, cap)?;
        let rank = rows[..row].iter().filter(|x| **x == (holder, cap)).count();
        Some((stock, rank))
    };
    let retirements = || {
        s.retirements
            .iter()
            .map(|r| (r.holder.as_str(), r.capability.as_str()))
            .collect::<Vec<_>>()
    };

    let mut out = vec![];
    for u in &s.uncertainty {
        let r = u.row;
        let target = match (u.table, u.field.as_str()) {
            (Table::Requirements, "target") => cap_index(&s.requirements[r].capability)
                .map(|capability| InputRef::Target { capability }),
            (Table::Holdings, "quantity") => {
                stock_index(&s.holdings[r].holder, &s.holdings[r].capability)
                    .map(|stock| InputRef::Holding { stock })
            }
            (Table::UsContributions, "level") => cap_index(&s.us_contributions[r].capability)
                .map(|capability| InputRef::UsLevel { capability }),
            (Table::Lines, "lead_time_months") => Some(InputRef::LeadTime { line: r }),
            (Table::Capacity, "units_per_year") => {
                step_of(r).map(|(line, step)| InputRef::CapacityRate { line, step })
            }
            (Table::Capacity, "date") => {
                step_of(r).map(|(line, step)| InputRef::CapacityDelay { line, step })
            }
            (Table::Orders, "quantity") => Some(InputRef::OrderQuantity { order: r }),
            (Table::Orders, "date") => Some(InputRef::OrderDelay { order: r }),
            (Table::Retirements, "quantity") => rank(retirements(), r)
                .map(|(stock, retirement)| InputRef::RetirementQuantity { stock, retirement }),
            (Table::Retirements, "date") => rank(retirements(), r)
                .map(|(stock, retirement)| InputRef::RetirementDelay { stock, retirement }),
            (Table::Consumption, "units_per_year") => {
                let rows = s
                    .consumption
                    .iter()
                    .map(|c| (c.holder.as_str(), c.capability.as_str()))
                    .collect();
                rank(rows, r)
                    .map(|(stock, consumption)| InputRef::ConsumptionRate { stock, consumption })
            }
            _ => None,
        };
        // Validation guarantees every pair above resolves.
        if let Some(target) = target {
            out.push(UncertainInput {
                id: format!("{} {}", u.origin, u.field),
                target,
                dist: u.distribution.clone(),
            });
        }
    }
    out
}
