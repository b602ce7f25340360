//! Progress of a run as it happens, step by step, for a terminal or a log.

use std::time::Duration;

/// Receives a run's progress. Steps are reported in order and never overlap.
pub trait Progress {
    /// A step starts: loading a table (`load shop.orders`) or a step of the compiled SQL
    /// (`customer_stitch`).
    fn start(&mut self, step: &str);

    /// A loop step finished round `round`; `unsettled` edges are left (0 = converged).
    fn round(&mut self, _step: &str, _round: u32, _unsettled: u64) {}

    /// The step that started last finished after `elapsed`.
    fn finish(&mut self, step: &str, elapsed: Duration);

    /// The step that started last failed; the error follows.
    fn fail(&mut self, _step: &str) {}
}

/// Progress that is not shown.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&mut self, _step: &str) {}

    fn finish(&mut self, _step: &str, _elapsed: Duration) {}
}
