//! Records: the row types of the tables of [`crate::table`], and access to a
//! scenario's rows by [`TableId`], so that code over "any table" (readers,
//! the submission merge, validation, releasability) is written once.
//!
//! [`TableId::visit`] is the one place that maps a table to its record type;
//! everything else goes through [`Record`] or the [`Scenario`] methods here.

use crate::provenance::{Origin, Provenance};
use crate::rule::Trigger;
use crate::scenario::*;
use crate::table::{RowRef, TableId};

/// A row of one table of a scenario.
pub trait Record: Clone + serde::de::DeserializeOwned + 'static {
    /// Its table.
    const TABLE: TableId;

    /// The table's rows in a scenario.
    fn rows(s: &Scenario) -> &Vec<Self>;

    /// The table's rows in a scenario, to change.
    fn rows_mut(s: &mut Scenario) -> &mut Vec<Self>;

    /// Where it was read.
    fn origin(&self) -> &Origin;

    /// Where it was read, to change.
    fn origin_mut(&mut self) -> &mut Origin;

    /// Its source and marking; `None` for catalogue records that carry none
    /// (deadlines, capabilities).
    fn provenance(&self) -> Option<&Provenance>;

    /// Who it is for, as written: a nation code or a group (see
    /// [`crate::releasability::row_holder`]); `None` for catalogue records.
    fn holder<'a>(&'a self, s: &'a Scenario) -> Option<&'a str>;
}

/// Code generic over a record type, run for a table chosen at run time by
/// [`TableId::visit`].
pub trait TableVisitor {
    /// What it yields.
    type Out;
    /// Run for record type `R`.
    fn visit<R: Record>(self) -> Self::Out;
}

impl TableId {
    /// Run `v` for this table's record type.
    pub fn visit<V: TableVisitor>(self, v: V) -> V::Out {
        match self {
            TableId::Deadlines => v.visit::<Deadline>(),
            TableId::Capabilities => v.visit::<Capability>(),
            TableId::Requirements => v.visit::<Requirement>(),
            TableId::Nations => v.visit::<Nation>(),
            TableId::Holdings => v.visit::<Holding>(),
            TableId::UsContributions => v.visit::<UsContribution>(),
            TableId::Lines => v.visit::<ProductionLine>(),
            TableId::Capacity => v.visit::<CapacityStep>(),
            TableId::Orders => v.visit::<Order>(),
            TableId::Retirements => v.visit::<Retirement>(),
            TableId::Consumption => v.visit::<Consumption>(),
            TableId::Economics => v.visit::<Economics>(),
            TableId::Investments => v.visit::<Investment>(),
            TableId::Workforce => v.visit::<Workforce>(),
            TableId::Sources => v.visit::<Source>(),
            TableId::Triggers => v.visit::<Trigger>(),
        }
    }
}

macro_rules! record {
    ($ty:ty, $table:ident, $field:ident, provenance: $has:tt, holder: |$r:ident, $s:ident| $holder:expr) => {
        impl Record for $ty {
            const TABLE: TableId = TableId::$table;
            fn rows(s: &Scenario) -> &Vec<Self> {
                &s.$field
            }
            fn rows_mut(s: &mut Scenario) -> &mut Vec<Self> {
                &mut s.$field
            }
            fn origin(&self) -> &Origin {
                &self.origin
            }
            fn origin_mut(&mut self) -> &mut Origin {
                &mut self.origin
            }
            fn provenance(&self) -> Option<&Provenance> {
                record!(@provenance self $has)
            }
            fn holder<'a>(&'a self, $s: &'a Scenario) -> Option<&'a str> {
                let $r = self;
                $holder
            }
        }
    };
    (@provenance $self:ident yes) => {
        Some(&$self.provenance)
    };
    (@provenance $self:ident no) => {
        None
    };
}

record!(Deadline, Deadlines, deadlines, provenance: no, holder: |_r, _s| None);
record!(Capability, Capabilities, capabilities, provenance: no, holder: |_r, _s| None);
record!(Requirement, Requirements, requirements, provenance: yes, holder: |_r, _s| None);
record!(Nation, Nations, nations, provenance: yes, holder: |r, _s| Some(r.code.as_str()));
record!(Holding, Holdings, holdings, provenance: yes, holder: |r, _s| Some(r.holder.as_str()));
record!(UsContribution, UsContributions, us_contributions, provenance: yes,
    holder: |_r, _s| Some("US"));
record!(ProductionLine, Lines, lines, provenance: yes, holder: |r, _s| Some(r.nation.as_str()));
record!(CapacityStep, Capacity, capacity, provenance: yes,
    holder: |r, s| s.lines.iter().find(|l| l.id == r.line).map(|l| l.nation.as_str()));
record!(Order, Orders, orders, provenance: yes, holder: |r, _s| Some(r.buyer.as_str()));
record!(Retirement, Retirements, retirements, provenance: yes,
    holder: |r, _s| Some(r.holder.as_str()));
record!(Consumption, Consumption, consumption, provenance: yes,
    holder: |r, _s| Some(r.holder.as_str()));
record!(Economics, Economics, economics, provenance: yes, holder: |r, _s| Some(r.nation.as_str()));
record!(Investment, Investments, investments, provenance: yes,
    holder: |r, _s| Some(r.nation.as_str()));
record!(Workforce, Workforce, workforce, provenance: yes, holder: |r, _s| Some(r.nation.as_str()));
record!(Source, Sources, sources, provenance: yes, holder: |_r, _s| None);
record!(Trigger, Triggers, triggers, provenance: yes, holder: |_r, _s| None);

impl Scenario {
    /// How many rows `table` has.
    pub fn row_count(&self, table: TableId) -> usize {
        struct Len<'a>(&'a Scenario);
        impl TableVisitor for Len<'_> {
            type Out = usize;
            fn visit<R: Record>(self) -> usize {
                R::rows(self.0).len()
            }
        }
        table.visit(Len(self))
    }

    /// Where row `at` was read; `None` if it does not exist.
    pub fn origin(&self, at: RowRef) -> Option<&Origin> {
        struct Get<'a>(&'a Scenario, usize);
        impl<'a> TableVisitor for Get<'a> {
            type Out = Option<&'a Origin>;
            fn visit<R: Record>(self) -> Self::Out {
                R::rows(self.0).get(self.1).map(Record::origin)
            }
        }
        at.table.visit(Get(self, at.row))
    }

    /// The origins of every row of `table`, to change (e.g. to relabel them).
    pub fn origins_mut(&mut self, table: TableId) -> Vec<&mut Origin> {
        struct Get<'a>(&'a mut Scenario);
        impl<'a> TableVisitor for Get<'a> {
            type Out = Vec<&'a mut Origin>;
            fn visit<R: Record>(self) -> Self::Out {
                R::rows_mut(self.0)
                    .iter_mut()
                    .map(Record::origin_mut)
                    .collect()
            }
        }
        table.visit(Get(self))
    }

    /// The source and marking of row `at`, where it carries them.
    pub fn provenance(&self, at: RowRef) -> Option<&Provenance> {
        struct Get<'a>(&'a Scenario, usize);
        impl<'a> TableVisitor for Get<'a> {
            type Out = Option<&'a Provenance>;
            fn visit<R: Record>(self) -> Self::Out {
                R::rows(self.0).get(self.1).and_then(Record::provenance)
            }
        }
        at.table.visit(Get(self, at.row))
    }

    /// Who row `at` is for, as written (see [`Record::holder`]).
    pub fn holder(&self, at: RowRef) -> Option<&str> {
        struct Get<'a>(&'a Scenario, usize);
        impl<'a> TableVisitor for Get<'a> {
            type Out = Option<&'a str>;
            fn visit<R: Record>(self) -> Self::Out {
                R::rows(self.0).get(self.1).and_then(|r| r.holder(self.0))
            }
        }
        at.table.visit(Get(self, at.row))
    }

    /// Keep only the rows of `table` where `keep` (rows past its end are kept).
    pub fn retain_rows(&mut self, table: TableId, keep: &[bool]) {
        struct Retain<'a>(&'a mut Scenario, &'a [bool]);
        impl TableVisitor for Retain<'_> {
            type Out = ();
            fn visit<R: Record>(self) {
                let mut k = self.1.iter();
                R::rows_mut(self.0).retain(|_| k.next().copied().unwrap_or(true));
            }
        }
        table.visit(Retain(self, keep))
    }

    /// Make `table` of `self` the rows of `current` where `keep`, followed by
    /// every row of `up`'s `table` (which is left empty).
    pub fn splice_rows(
        &mut self,
        table: TableId,
        current: &Scenario,
        keep: &[bool],
        up: &mut Scenario,
    ) {
        struct Splice<'a>(&'a mut Scenario, &'a Scenario, &'a [bool], &'a mut Scenario);
        impl TableVisitor for Splice<'_> {
            type Out = ();
            fn visit<R: Record>(self) {
                let Splice(out, cur, keep, up) = self;
                let mut rows: Vec<R> = R::rows(cur)
                    .iter()
                    .zip(keep)
                    .filter(|(_, k)| **k)
                    .map(|(r, _)| r.clone())
                    .collect();
                rows.append(R::rows_mut(up));
                *R::rows_mut(out) = rows;
            }
        }
        table.visit(Splice(self, current, keep, up))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ScenarioBuilder;

    #[test]
    fn rows_of_every_table_by_id() {
        let s = ScenarioBuilder::monthly("2026-01-01", "2030-12-31")
            .nation("DE", &["EUROPE"])
            .stock("sam", 10.0)
            .holding("DE", "sam", 2.0)
            .line("l", "sam", "DE", 12)
            .capacity("l", "2026-01-01", 12.0)
            .order("o", "FR", "l", 4.0, "2025-01-01")
            .build();
        assert_eq!(s.row_count(TableId::Orders), 1);
        assert_eq!(s.row_count(TableId::Deadlines), s.deadlines.len());
        assert_eq!(s.holder(RowRef::new(TableId::Orders, 0)), Some("FR"));
        assert_eq!(s.holder(RowRef::new(TableId::Capacity, 0)), Some("DE"));
        assert_eq!(s.holder(RowRef::new(TableId::Orders, 1)), None);
        assert!(s.provenance(RowRef::new(TableId::Lines, 0)).is_some());
        assert!(s.provenance(RowRef::new(TableId::Deadlines, 0)).is_none());
        assert_eq!(
            s.origin(RowRef::new(TableId::Holdings, 0)),
            Some(&s.holdings[0].origin)
        );
        let mut t = s.clone();
        t.retain_rows(TableId::Orders, &[false]);
        assert!(t.orders.is_empty());
        let mut up = s.clone();
        t.splice_rows(TableId::Holdings, &s, &[true], &mut up);
        assert_eq!(t.holdings.len(), 2);
        assert!(up.holdings.is_empty());
    }
}
