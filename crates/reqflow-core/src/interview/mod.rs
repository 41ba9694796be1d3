//! Interview mode, "Diagnose this request": from a seed, an incident — a family of trouble with
//! parameters drawn from the seed, on one of the built-in architectures, sometimes with noise —
//! and the grading of a candidate's answer (the span that owns the problem, the cause and, at the
//! hardest level, the fix) against what the simulator knows.
//!
//! Every incident is checked before it is handed out: the generator simulates it and keeps it only
//! if the trace shows what the family claims (the slow service owns the critical path, the
//! context really was dropped, the skewed host really was moved...), drawing again otherwise. The
//! tests hold every family to that over a thousand seeds.

mod culprit;
mod families;
pub mod session;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::knobs::Knobs;
use crate::scenario::Scenario;
use crate::view::Model;

pub use culprit::culprit_spans;
pub use session::{Link, QUESTION, Session, SessionAction, TALKING_POINTS};

/// How hard a round is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// A handful of services, one fault, no noise; span and cause.
    One = 1,
    /// Larger architectures, a second smaller slowness as noise; span and cause.
    Two = 2,
    /// Fifty-service fan-out, clock skew and missing spans as noise; span, cause and fix.
    Three = 3,
}

impl Level {
    pub fn from_number(number: u64) -> Option<Level> {
        match number {
            1 => Some(Level::One),
            2 => Some(Level::Two),
            3 => Some(Level::Three),
            _ => None,
        }
    }

    pub fn number(self) -> u8 {
        self as u8
    }

    /// Whether the candidate also picks the fix.
    pub fn asks_fix(self) -> bool {
        self == Level::Three
    }
}

/// What went wrong: the cause a candidate picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    SlowDependency,
    NPlusOne,
    PoolSaturation,
    RetryStorm,
    DroppedContext,
    ClockSkew,
    QueueBacklog,
    FanoutTail,
}

impl Family {
    pub const ALL: [Family; 8] = [
        Family::SlowDependency,
        Family::NPlusOne,
        Family::PoolSaturation,
        Family::RetryStorm,
        Family::DroppedContext,
        Family::ClockSkew,
        Family::QueueBacklog,
        Family::FanoutTail,
    ];

    /// The name used in answers (`cause=n-plus-one`).
    pub fn name(self) -> &'static str {
        match self {
            Family::SlowDependency => "slow-dependency",
            Family::NPlusOne => "n-plus-one",
            Family::PoolSaturation => "pool-saturation",
            Family::RetryStorm => "retry-storm",
            Family::DroppedContext => "dropped-context",
            Family::ClockSkew => "clock-skew",
            Family::QueueBacklog => "queue-backlog",
            Family::FanoutTail => "fanout-tail",
        }
    }

    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|family| family.name() == name)
    }

    /// The cause as a candidate reads it among the choices.
    pub fn cause(self) -> &'static str {
        match self {
            Family::SlowDependency => "A dependency is slow: one service's own work dominates",
            Family::NPlusOne => "N+1: one query per item, run one after another",
            Family::PoolSaturation => "A full pool: work waits for a free worker or connection",
            Family::RetryStorm => "Retries: timed-out attempts retried onto a busy service",
            Family::DroppedContext => "Lost context: a service did not forward traceparent",
            Family::ClockSkew => "Clock skew: a host's clock is off, the request is fine",
            Family::QueueBacklog => "Queue backlog: the message waited long before a consumer took it",
            Family::FanoutTail => "Fan-out tail: the page waited for the slowest of many parallel calls",
        }
    }

    /// The fix a candidate picks at the hardest level.
    pub fn fix(self) -> &'static str {
        match self {
            Family::SlowDependency => {
                "Make the slow service faster (an index, a cache, a smaller query) or call it less"
            }
            Family::NPlusOne => "Batch the per-item queries into one (a join, an IN list, a batch loader)",
            Family::PoolSaturation => "Give the pool more capacity or send it less work",
            Family::RetryStorm => {
                "Retry less: a retry budget, backoff with jitter, cancel abandoned attempts"
            }
            Family::DroppedContext => {
                "Make the service forward traceparent (instrument it or fix its propagation)"
            }
            Family::ClockSkew => "Nothing in the request: fix the host's clock sync and read adjusted times",
            Family::QueueBacklog => "Add consumers or drain the backlog, and alert on the queue's age",
            Family::FanoutTail => "Bound the slow call (hedge it, time it out) or cap the fan-out",
        }
    }
}

/// One generated incident: what to simulate and what is true about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    pub seed: u64,
    pub level: Level,
    pub family: Family,
    /// The built-in the incident runs on.
    pub builtin: String,
    /// The scenario as simulated before the knobs (the built-in, possibly changed: a longer queue
    /// delay for a backlog).
    pub scenario: Scenario,
    /// Knobs in the share-link syntax: the fault and the noise.
    pub knobs: String,
    /// The simulation seed of the request shown.
    pub sim_seed: u64,
    /// The service the fault was injected into (for lost context: the one that dropped it).
    pub service: String,
    /// What else was changed to make it harder (none at level 1).
    pub noise: Vec<String>,
}

impl Incident {
    /// The page's model for the incident: the request on screen.
    pub fn model(&self) -> Result<Model, String> {
        let knobs = Knobs::parse(&self.knobs, &self.scenario).map_err(|error| error.to_string())?;
        Model::start(self.scenario.clone(), knobs, self.sim_seed)
    }
}

/// A candidate's answer: the span (an index into the model's spans), the cause, the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub span: Option<u32>,
    pub cause: Option<Family>,
    pub fix: Option<Family>,
}

/// How an answer was graded, with the explanation drawn from the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grade {
    pub span_right: bool,
    pub cause_right: bool,
    /// `None` when the level does not ask for the fix.
    pub fix_right: Option<bool>,
    /// Points scored out of [`Grade::out_of`].
    pub points: u32,
    pub out_of: u32,
    /// What the trace shows, in sentences: the right answer and why.
    pub explanation: Vec<String>,
}

/// The incident a seed gives at a level. Deterministic: the same seed and level always give the
/// same incident, on every platform.
pub fn generate(seed: u64, level: Level) -> Incident {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1e7e_71e3 ^ u64::from(level.number()) << 56);
    let choices = families::families_at(level);
    let family = choices[below(&mut rng, choices.len() as u64) as usize];
    families::generate(family, seed, level, &mut rng)
}

/// A round of five incidents, each of another family, from one seed: `#interview=SEED&level=L`
/// gives everyone the same round.
pub fn round(seed: u64, level: Level) -> Vec<Incident> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x70_0d ^ u64::from(level.number()) << 48);
    let mut families = families::families_at(level).to_vec();
    // Fisher–Yates with the round's stream: five distinct families.
    for idx in (1..families.len()).rev() {
        let other = below(&mut rng, idx as u64 + 1) as usize;
        families.swap(idx, other);
    }
    families
        .into_iter()
        .take(5)
        .enumerate()
        .map(|(number, family)| {
            let incident_seed = seed.wrapping_mul(31).wrapping_add(number as u64 + 1);
            let mut incident_rng = ChaCha8Rng::seed_from_u64(incident_seed ^ 0x5eed);
            families::generate(family, incident_seed, level, &mut incident_rng)
        })
        .collect()
}

/// Grades an answer against the incident's model.
pub fn grade(incident: &Incident, model: &Model, answer: &Answer) -> Grade {
    let culprits = culprit_spans(incident, model);
    let span_right = answer.span.is_some_and(|span| culprits.contains(&span));
    let cause_right = answer.cause == Some(incident.family);
    let fix_right = incident.level.asks_fix().then(|| answer.fix == Some(incident.family));
    let points = u32::from(span_right) + u32::from(cause_right) + u32::from(fix_right == Some(true));
    let out_of = if incident.level.asks_fix() { 3 } else { 2 };
    let mut explanation = culprit::explain(incident, model);
    if let Some(span) = answer.span
        && !span_right
        && let Some(picked) = model.trace.spans.get(span as usize)
    {
        explanation.push(format!(
            "You picked {} `{}`: it is not where the problem is.",
            picked.service, picked.name
        ));
    }
    Grade { span_right, cause_right, fix_right, points, out_of, explanation }
}

/// A uniform draw below `bound` (> 0).
fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(bound)) >> 64) as u64
}

#[cfg(test)]
mod tests;
