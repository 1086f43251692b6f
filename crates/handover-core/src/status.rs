//! The status of a capability against its glide path (MODEL.md, "Status"):
//! a leaf type, shared by the metrics and the rule language.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Status of a capability against a glide path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Coverage at or above the glide path.
    OnTrack,
    /// Below the glide path by no more than the tolerance.
    AtRisk,
    /// Further below.
    OffTrack,
    /// Level or target unknown.
    NoData,
    /// The requirement does not name this deadline.
    NotApplicable,
}

impl Status {
    /// The stable name used in output and rules.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTrack => "on-track",
            Status::AtRisk => "at-risk",
            Status::OffTrack => "off-track",
            Status::NoData => "no-data",
            Status::NotApplicable => "n/a",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
