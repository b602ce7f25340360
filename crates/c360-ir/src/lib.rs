//! The dialect-neutral plan of a c360 project and its lowering from the typed model.
//!
//! Per entity the plan says which sources feed the identity graph, how identifiers are
//! cleaned, which aggregates are computed by which grouped scans, and in what order features
//! are derived. A training set carries the same kind of program over its own spine.

mod lower;
pub mod plan;

pub use lower::lower;
pub use plan::*;
