//! What a forecast draws: its uncertain inputs and what each replaces in the
//! compiled model, and why a forecast cannot be set up.

use super::*;

/// What an uncertain input replaces in a compiled [`Model`]. Indices are into
/// the model's arrays (`Model::lines`, `Model::orders`, `Model::stocks`, a
/// line's `steps` in their sorted order, a stock's `retirements` and
/// `consumption`) or into `Scenario::capabilities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InputRef {
    /// A capacity step's rate in units per year (`LineModel::steps[step].1`).
    CapacityRate {
        /// Line.
        line: usize,
        /// Step, in the line's sorted order.
        step: usize,
    },
    /// A delay in months of a capacity step: the step's written date moved by
    /// the draw rounded to whole months, then to its period (before the start:
    /// period 0). Steps are re-sorted by period, ties in input order.
    CapacityDelay {
        /// Line.
        line: usize,
        /// Step, in the line's sorted order.
        step: usize,
    },
    /// A line's lead time in months, rounded up to whole periods
    /// (`ceil(months / months per period)`, as [`crate::time::Calendar::months_to_periods`]).
    LeadTime {
        /// Line.
        line: usize,
    },
    /// An order's quantity (the `quantity` field, including units delivered
    /// before the start): units still open = `max(0, draw - delivered)`.
    OrderQuantity {
        /// Order.
        order: usize,
    },
    /// A delay in months of an order: its written date moved by the draw
    /// rounded to whole months. Lines re-sort their FIFO queues per run.
    OrderDelay {
        /// Order.
        order: usize,
    },
    /// Units held at the start by one stock (`StockModel::initial`).
    Holding {
        /// Stock.
        stock: usize,
    },
    /// A one-off retirement's units (`StockModel::retirements[retirement].1`).
    RetirementQuantity {
        /// Stock.
        stock: usize,
        /// Retirement of that stock, in input order.
        retirement: usize,
    },
    /// A delay in months of a one-off retirement: its written date moved by the
    /// draw rounded to whole months.
    RetirementDelay {
        /// Stock.
        stock: usize,
        /// Retirement of that stock, in input order.
        retirement: usize,
    },
    /// A consumption rate in units per year (`StockModel::consumption[consumption].2`, per period).
    ConsumptionRate {
        /// Stock.
        stock: usize,
        /// Consumption of that stock, in input order.
        consumption: usize,
    },
    /// A capability's requirement target `T_c`.
    Target {
        /// Index into `Scenario::capabilities`.
        capability: usize,
    },
    /// A capability's US contribution `U_c` (moves the US dependency only).
    UsLevel {
        /// Index into `Scenario::capabilities`.
        capability: usize,
    },
}

impl InputRef {
    /// Whether the draw is a delay in months of a dated event.
    pub fn is_delay(&self) -> bool {
        matches!(
            self,
            InputRef::CapacityDelay { .. }
                | InputRef::OrderDelay { .. }
                | InputRef::RetirementDelay { .. }
        )
    }
}

impl fmt::Display for InputRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            InputRef::CapacityRate { line, step } => {
                write!(f, "capacity rate of line {line}, step {step}")
            }
            InputRef::CapacityDelay { line, step } => {
                write!(f, "delay of line {line}, capacity step {step}")
            }
            InputRef::LeadTime { line } => write!(f, "lead time of line {line}"),
            InputRef::OrderQuantity { order } => write!(f, "quantity of order {order}"),
            InputRef::OrderDelay { order } => write!(f, "delay of order {order}"),
            InputRef::Holding { stock } => write!(f, "holding of stock {stock}"),
            InputRef::RetirementQuantity { stock, retirement } => {
                write!(f, "units of stock {stock}, retirement {retirement}")
            }
            InputRef::RetirementDelay { stock, retirement } => {
                write!(f, "delay of stock {stock}, retirement {retirement}")
            }
            InputRef::ConsumptionRate { stock, consumption } => {
                write!(f, "rate of stock {stock}, consumption {consumption}")
            }
            InputRef::Target { capability } => write!(f, "target of capability {capability}"),
            InputRef::UsLevel { capability } => {
                write!(f, "US contribution of capability {capability}")
            }
        }
    }
}

/// One uncertain input: a label, what it replaces and its distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertainInput {
    /// Human label, e.g. `capacity.csv:4 units_per_year` ([`CellRef::label`]); names the input in results.
    pub id: String,
    /// The cell it was written in, when it comes from a scenario's table:
    /// views that show a caller only some rows filter and label by it.
    pub cell: Option<CellRef>,
    /// What the draw replaces.
    pub target: InputRef,
    /// Its distribution. For a delay target, `delay(d)` and plain `d` both mean months.
    pub dist: Distribution,
}

/// Why a forecast cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForecastError {
    /// Zero samples, or more than the counts hold.
    #[error("the number of samples must be between 1 and {max}; got {got}", max = u32::MAX)]
    Samples {
        /// Samples asked for.
        got: u64,
    },
    /// The model was not compiled from this scenario.
    #[error("the model does not match the scenario: {0}")]
    Mismatch(String),
    /// An input that cannot be applied.
    #[error("uncertain input `{id}`: {message}")]
    Input {
        /// The input's label.
        id: String,
        /// What is wrong and what was expected.
        message: String,
    },
}
