//! The handover model (MODEL.md): scenario types, validation, the deterministic
//! projection of production lines and stocks, and the metrics built on it.
//!
//! This crate is pure: no files, no network, no clock. Readers and writers live
//! in `handover-data`; the command line in `handover`.
//!
//! ```
//! use handover_core::{Evaluation, Scenario, Valid};
//! # fn demo(scenario: Scenario) {
//! // Only a validated scenario reaches the engine.
//! let scenario = Valid::new(scenario).expect("no validation error");
//! let eval = Evaluation::new(&scenario);
//! let assessment = eval.assess(&scenario, scenario.scenario.start, false).unwrap();
//! println!("readiness index: {:?}", assessment.index.at);
//! # }
//! ```
#![warn(missing_docs)]

pub mod assess;
pub mod build;
pub mod distribution;
pub mod economics;
pub mod forecast;
pub mod limits;
pub mod metrics;
pub mod plan;
pub mod projection;
pub mod provenance;
pub mod record;
pub mod releasability;
pub mod rule;
pub mod scenario;
pub mod status;
pub mod suggest;
pub mod synthetic;
pub mod table;
pub mod time;
pub mod trigger;
pub mod uncertainty;
pub mod valid;
pub mod validate;

pub use assess::{Assessment, Evaluation};
pub use scenario::Scenario;
pub use valid::Valid;
