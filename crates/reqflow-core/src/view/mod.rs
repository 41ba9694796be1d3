//! What the page shows, decided here: the page renders it and the CLI prints it, so both say the
//! same things, and all of it is tested natively.
//!
//! - [`model`]: the page's model and its actions ([`Model::update`]: old model and action in, new
//!   model out; the crux-style split of update and view, no side effects).
//! - [`trace`]: a trace prepared for display ([`TraceView`]): tree order, subtree sizes, visible
//!   rows, colours, search, replay moments, sentences about lost context.
//! - [`graph`]: the service diagram's graph (services in columns by call depth, calls between
//!   them), from the scenario or from the trace.
//! - [`knobs`]: the values a service's knob card shows (the scenario's, or the knobs' changes).
//! - [`page`]: the words around the trace (title, lede, summary, skew note, match count, replay
//!   status, download names).

pub mod graph;
pub mod knobs;
pub mod model;
pub mod page;
pub mod trace;

pub use model::{
    Action, ImportedTrace, Model, NoProbe, Probe, REPLAY_SECONDS, ReplayState, Source, next_seed,
};
pub use trace::{N_COLOURS, TraceView, fragment_sentences};
