//! Reqflow core: a deterministic distributed-tracing simulator.
//!
//! Plain data in, plain data out: no I/O, no clock, no OS randomness, no web dependencies.
//! A [`Scenario`] describes services and the trouble injected into them; a [`Simulation`] runs it
//! in virtual time from a seed and returns the spans a tracing backend would receive, together
//! with the ground truth. See [`sim`] for the determinism contract.

pub mod analysis;
pub mod builtins;
pub mod diff;
pub mod fingerprint;
pub mod hash;
pub mod hex;
pub mod ids;
pub mod index;
pub mod interview;
pub mod knobs;
pub mod latency;
pub mod lesson;
pub mod lz;
pub mod replay;
pub mod runs;
pub mod sampling;
pub mod scenario;
pub mod scenario_link;
pub mod share;
pub mod sim;
pub mod text;
pub mod trace;
pub mod tracecontext;
pub mod view;
pub mod waterfall;
pub mod whatif;

pub use ids::{SpanId, TraceId};
pub use scenario::{Scenario, ScenarioError};
pub use sim::{RequestTrace, SimError, Simulation};
pub use text::Text;
pub use trace::{Resource, ResourceData, Span, SpanKind, Status, StatusCode};
