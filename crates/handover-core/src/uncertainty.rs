//! From the uncertain figures written in a scenario ([`Scenario::uncertainty`])
//! to the forecast's inputs ([`UncertainInput`]) on a compiled [`Model`].

use crate::forecast::{InputRef, UncertainInput};
use crate::projection::Model;
use crate::scenario::{Origin, Scenario, Table};
use crate::table::{CellRef, RowRef};

/// The line `origin` gives in `table`'s own file (`lines.csv`, or
/// `scenario.toml` for its sections), whatever folder it was read from;
/// `None` when it was read from elsewhere (a JSON scenario, a store).
pub fn line_in_file(origin: &Origin, table: Table) -> Option<usize> {
    let name = origin.file.rsplit(['/', '\\']).next()?;
    (name == table.file()).then_some(origin.line).flatten()
}

/// The forecast inputs for every uncertain figure of a validated scenario,
/// labelled by [`CellRef::label`] (`lines.csv:2 lead_time_months`) so results
/// name the cell a user wrote, the same in every view.
pub fn uncertain_inputs(s: &Scenario, m: &Model) -> Vec<UncertainInput> {
    let cap_index = |id: &str| s.capabilities.iter().position(|c| c.id == id);
    let stock_index = |holder: &str, cap: &str| {
        let ci = cap_index(cap)?;
        m.stocks
            .iter()
            .position(|st| st.holder == holder && st.capability == ci)
    };
    let line_index = |id: &str| s.lines.iter().position(|l| l.id == id);
    // A capacity row's position among its line's steps, as `Model::compile` sorted them.
    let step_of = |row: usize| {
        let line = line_index(&s.capacity[row].line)?;
        let step = m.lines[line].step_rows.iter().position(|&r| r == row)?;
        Some((line, step))
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
            let cell = CellRef {
                row: RowRef::new(u.table, r),
                field: u.field.clone(),
            };
            out.push(UncertainInput {
                id: cell.label(line_in_file(&u.origin, u.table)),
                cell: Some(cell),
                target,
                dist: u.distribution.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;
    use crate::distribution::Distribution;
    use crate::scenario::{Origin, Uncertainty};

    fn uncertain(table: Table, row: usize, field: &str, d: &str) -> Uncertainty {
        Uncertainty {
            table,
            row,
            field: field.into(),
            distribution: Distribution::parse(d).unwrap(),
            origin: Origin::line("capacity.csv", row + 2),
        }
    }

    #[test]
    fn capacity_rows_map_to_their_sorted_steps() {
        // Row 0 is the later step, so it is step 1 of the line; row 1 is step 0.
        let s = ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["EUROPE"])
            .stock("sam", 10.0)
            .holding("DE", "sam", 1.0)
            .line("other", "sam", "DE", 0)
            .line("l", "sam", "DE", 0)
            .capacity("l", "2028-01-01", 24.0)
            .capacity("l", "2026-01-01", 12.0)
            .with(|s| {
                s.uncertainty = vec![
                    uncertain(Table::Capacity, 0, "units_per_year", "uniform(20, 30)"),
                    uncertain(Table::Capacity, 1, "date", "delay(uniform(0, 6))"),
                    uncertain(Table::Holdings, 0, "quantity", "uniform(0, 2)"),
                ]
            })
            .build();
        assert!(crate::validate::errors(&crate::validate::validate(&s))
            .next()
            .is_none());
        let m = Model::compile(&crate::build::valid(s.clone()));
        let inputs = uncertain_inputs(&s, &m);
        let targets: Vec<InputRef> = inputs.iter().map(|i| i.target).collect();
        assert_eq!(
            targets,
            vec![
                InputRef::CapacityRate { line: 1, step: 1 },
                InputRef::CapacityDelay { line: 1, step: 0 },
                InputRef::Holding { stock: 0 },
            ]
        );
        assert_eq!(inputs[0].id, "capacity.csv:2 units_per_year");
        // The nominal run shifts the delayed step by its median delay (3 months).
        assert_eq!(m.lines[1].steps, vec![(3, 12.0), (24, 24.0)]);
        assert_eq!(m.lines[1].step_rows, vec![1, 0]);
    }
}
