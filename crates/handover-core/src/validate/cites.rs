//! Rules on what figures cite (sources.csv and the `source` cells) and on
//! national parts of a group total (holdings.csv `part_of`).

use super::*;
use crate::scenario::{source_items, Cited, SourceGrade};
use crate::table::RowRef;

/// sources.csv itself, and every `source` cell against it.
pub(super) fn sources(c: &mut Checker<'_>) {
    let s = c.s;
    for (o, k, first) in duplicates(&s.sources, |x| x.id.clone(), |x| &x.origin) {
        c.err(
            o,
            "id",
            format!("duplicate source id `{k}` (first at {first}); expected one row per source"),
        );
    }
    for src in &s.sources {
        if !is_valid_id(&src.id) {
            c.err(
                &src.origin,
                "id",
                format!(
                    "`{}` is not a source id; expected lower-case letters, digits, '-', '_' or '.'",
                    src.id
                ),
            );
        }
        for (field, text) in [("publisher", &src.publisher), ("title", &src.title)] {
            if text.trim().is_empty() {
                c.err(
                    &src.origin,
                    field,
                    format!("no {field}; a source names its {field}"),
                );
            }
        }
        if let Some(d) = &src.date {
            if !is_published_date(d) {
                c.err(
                    &src.origin,
                    "date",
                    format!("`{d}` is not a date; expected YYYY-MM-DD, YYYY-MM or YYYY"),
                );
            }
        }
        if src.url.is_none() && src.copy_url.is_none() {
            c.problems.push(Problem::warning(
                &src.origin,
                "copy_url",
                "no URL; give the copy that was read (copy_url) or the original (url)",
            ));
        }
    }
    if s.sources.is_empty() {
        // A scenario without sources.csv cites URLs or free text (docs/FORMAT.md).
        return;
    }
    let ids: Vec<&str> = s.sources.iter().map(|x| x.id.as_str()).collect();
    for t in Table::ALL.into_iter().filter(|t| *t != Table::Sources) {
        for row in 0..s.row_count(t) {
            let at = RowRef::new(t, row);
            let (Some(p), Some(o)) = (s.provenance(at), s.origin(at)) else {
                continue;
            };
            let Some(source) = p.source.as_deref() else {
                continue;
            };
            for item in source_items(source) {
                if s.source(item).is_none() && !item.contains("://") && is_valid_id(item) {
                    let hint = suggest(item, ids.iter().copied());
                    c.problems.push(Problem::warning(
                        o,
                        "source",
                        format!("source `{item}` is not in sources.csv{hint}; cite a source id (or a URL)"),
                    ));
                }
            }
        }
    }
    // Headline figures: a capability's level, target and US figure.
    let headline = s
        .holdings
        .iter()
        .enumerate()
        .filter(|(_, h)| h.counts_in_level())
        .map(|(i, _)| RowRef::new(Table::Holdings, i))
        .chain((0..s.requirements.len()).map(|i| RowRef::new(Table::Requirements, i)))
        .chain((0..s.us_contributions.len()).map(|i| RowRef::new(Table::UsContributions, i)));
    for at in headline {
        let (Some(p), Some(o)) = (s.provenance(at), s.origin(at)) else {
            continue;
        };
        let Some(source) = p.source.as_deref() else {
            continue;
        };
        let cited = s.cited(source);
        if !cited.is_empty()
            && cited
                .iter()
                .all(|x| x.grade() == Some(SourceGrade::Aggregator))
        {
            let names: Vec<String> = cited
                .iter()
                .filter_map(|x| match x {
                    Cited::Source(src) => Some(format!("`{}`", src.id)),
                    Cited::Text(_) => None,
                })
                .collect();
            c.problems.push(Problem::warning(
                o,
                "source",
                format!(
                    "a headline figure resting only on aggregator sources ({}); cite an official, research or press source",
                    names.join(", ")
                ),
            ));
        }
    }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, a real date.
fn is_published_date(d: &str) -> bool {
    let full = match d.len() {
        4 => format!("{d}-01-01"),
        7 => format!("{d}-01"),
        10 => d.to_string(),
        _ => return false,
    };
    NaiveDate::parse_from_str(&full, "%Y-%m-%d").is_ok()
}

/// National parts of a group total (`part_of`) and national rows on top of one.
pub(super) fn parts(c: &mut Checker<'_>) {
    let s = c.s;
    let member = |nation: &str, group: &str| {
        s.nations
            .iter()
            .any(|n| n.code == nation && n.groups.iter().any(|g| g == group))
    };
    let total = |group: &str, cap: &str| {
        s.holdings
            .iter()
            .find(|t| t.holder == group && t.capability == cap && t.counts_in_level())
    };
    let mut sums: HashMap<(&str, &str), f64> = HashMap::new();
    for (i, h) in s.holdings.iter().enumerate() {
        match &h.part_of {
            Some(g) => {
                if !c.groups.contains(g.as_str()) {
                    c.err(&h.origin, "part_of", format!("unknown group `{g}`; expected a group from nations.csv whose total this row is part of"));
                    continue;
                }
                if !member(&h.holder, g) {
                    c.err(&h.origin, "part_of", format!("`{}` is not a nation of group `{g}`; a national part names the group its nation belongs to", h.holder));
                    continue;
                }
                if total(g, &h.capability).is_none() {
                    c.err(&h.origin, "part_of", format!("no `{g}` total for `{}` in holdings.csv; a national part needs the group total it is part of (or leave part_of empty to count the row on its own)", h.capability));
                    continue;
                }
                if s.uncertainty_of(Table::Holdings, i, "quantity").is_some() {
                    c.err(&h.origin, "quantity", "a national part cannot be uncertain, since it does not change the level; give the group total the distribution");
                }
                *sums.entry((g.as_str(), h.capability.as_str())).or_default() += h.quantity;
            }
            None => {
                if let Some(g) = c
                    .groups
                    .iter()
                    .copied()
                    .filter(|g| member(&h.holder, g) && total(g, &h.capability).is_some())
                    .min()
                {
                    c.err(&h.origin, "part_of", format!("`{}`'s holding of `{}` is added on top of the `{g}` total, which counts it twice; write part_of = {g} if the total includes it", h.holder, h.capability));
                }
            }
        }
    }
    let mut over: Vec<_> = sums
        .into_iter()
        .filter_map(|((g, cap), sum)| {
            let t = total(g, cap)?;
            (sum > t.quantity * (1.0 + 1e-9)).then_some((t, g, cap, sum))
        })
        .collect();
    over.sort_by_key(|(t, ..)| t.origin.line);
    for (t, g, cap, sum) in over {
        let msg = format!(
            "the national parts of the `{g}` total for `{cap}` add to {sum}, more than the total {}; a part cannot exceed its total",
            t.quantity
        );
        c.err(&t.origin, "quantity", msg);
    }
}
