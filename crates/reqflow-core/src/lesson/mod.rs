//! Lessons: a scenario to start from and steps whose tasks the simulator checks.
//!
//! A lesson is data (`lessons/*.toml`, documented in `lessons/README.md`), read like a scenario:
//! TOML or JSON, errors with the file's line and column, or with the field path when the text
//! parsed but a value makes no sense. Each step has a task, hints, a reveal and a [`Check`] —
//! a small declarative vocabulary evaluated against what the page's [`Model`] holds (the
//! trace, its analysis, the selection, the time basis) and the learner's answers. Each step also
//! holds its solution: the [`Move`]s that satisfy it, applied to the model the page would have
//! (so a test can prove every lesson solvable, and the page can show the way when asked).

mod check;
mod solve;

use serde::{Deserialize, Serialize};

pub use check::{Verdict, evaluate};
pub use solve::{Progress, SolveError, pick_span, play, solve, start_model};

use crate::analysis::TimeBasis;
use crate::builtins;
use crate::knobs::Knobs;
use crate::runs::LabPolicy;
use crate::scenario::{Scenario, ScenarioError};
use crate::view::Model;

/// A lesson, as its file writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// Short identifier used in links (`#lesson=critical-path`): lowercase letters, digits, `-`.
    pub id: String,
    pub title: String,
    /// A few short paragraphs (blank line between them); `*emphasis*` and `` `code` `` only.
    pub explanation: String,
    pub start: Start,
    pub steps: Vec<Step>,
}

/// Where a lesson starts: a built-in scenario (or one written inline), knobs and a seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Start {
    /// A built-in scenario's name; or leave it out and give `scenario`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<String>,
    /// A whole scenario, inline (the schema of `scenarios/README.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Box<Scenario>>,
    /// Knobs in the share-link syntax (`database.latency=fixed:300`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub knobs: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_seed() -> u64 {
    1
}

/// One task of a lesson.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What the learner is asked to do.
    pub task: String,
    /// Shown one at a time, on request.
    #[serde(default)]
    pub hints: Vec<String>,
    pub reveal: Reveal,
    pub check: Check,
    /// Moves that satisfy the check, from the state the previous steps' solutions left.
    pub solution: Vec<Move>,
}

/// The answer, shown when the learner gives up: words, and the span to highlight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reveal {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlight: Option<SpanPick>,
}

/// A span named by what a person sees: its service and, optionally, its operation. When several
/// spans match, the one with the most time on the critical path is meant (the first in tree
/// order when none is on it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpanPick {
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// What a step checks. Every check reads the model the page shows; none reads the solution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The selected span is of `service` (and `operation`, when given).
    Selected {
        service: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation: Option<String>,
    },
    /// The selected span has time on the critical path.
    SelectedOnCriticalPath,
    /// The selected span is the bottleneck's span: the span of the service owning most of the
    /// critical path with the most time on it.
    SelectedIsBottleneck,
    /// The selected span begins a fragment: the first span of a trace that lost its parent.
    SelectedStartsFragment,
    /// The bottleneck is `service` — or, with `not`, any other service.
    Bottleneck {
        service: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        not: bool,
    },
    /// A service's share of the critical path, in percent, within bounds.
    Share {
        service: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least_percent: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most_percent: Option<i64>,
    },
    /// The request's true end-to-end time, in milliseconds, within bounds.
    EndToEnd {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        below_ms: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        above_ms: Option<f64>,
    },
    /// The request's spans form exactly `count` traces (1: nothing lost).
    Traces { count: usize },
    /// Spans recorded, within bounds.
    Spans {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most: Option<usize>,
    },
    /// The request failed (`true`) or succeeded (`false`).
    Failed { failed: bool },
    /// The waterfall shows this time basis (`raw` or `adjusted`).
    Basis { basis: TimeBasis },
    /// How far the clock-skew adjuster moved `service`'s spans (the largest shift, either way),
    /// in milliseconds, within bounds.
    Shifted {
        service: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least_ms: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most_ms: Option<f64>,
    },
    /// A question with choices; the learner's answer must be choice `correct` (0-based).
    Answer { question: String, choices: Vec<String>, correct: usize },
    /// A choice among sampling policies, judged by running `requests` requests of the model's
    /// scenario (seed `seed`): the chosen policy (`policies[answer]`, a preset or the
    /// Collector's JSON) is right when it keeps every request of `keeps` while storing at most
    /// `max_span_percent` of the spans. Which choice is right is computed, never written down.
    Sampling {
        question: String,
        /// What the learner reads, one per policy.
        choices: Vec<String>,
        policies: Vec<String>,
        requests: u64,
        #[serde(default = "default_seed")]
        seed: u64,
        keeps: Interest,
        max_span_percent: f64,
    },
    /// Every one of `checks`.
    All { checks: Vec<Check> },
}

/// The requests a sampling check wants kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interest {
    /// Every failed request.
    Errors,
    /// The slowest 1% of the run.
    Slowest,
    /// Every request that met an injected fault.
    Faults,
}

/// A learner's action, as a solution writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Move {
    /// Click a span.
    Select(SpanPick),
    /// Set the knobs (all of them, in the share-link syntax; `""` resets).
    Knobs(String),
    /// Send the request with this seed.
    Seed(u64),
    /// Show raw or adjusted times.
    Basis(TimeBasis),
    /// Answer the step's question with this choice (0-based).
    Answer(usize),
}

impl Check {
    /// The question the check asks the learner, with its choices, if it asks one.
    pub fn question(&self) -> Option<(&str, &[String])> {
        match self {
            Check::Answer { question, choices, .. } | Check::Sampling { question, choices, .. } => {
                Some((question, choices))
            }
            Check::All { checks } => checks.iter().find_map(Check::question),
            _ => None,
        }
    }
}

impl Lesson {
    /// Parses and validates a TOML lesson. `origin` names the file in errors.
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str, origin: &str) -> Result<Lesson, ScenarioError> {
        let lesson: Lesson = crate::scenario::read_toml(text, origin)?;
        lesson.validate(origin)?;
        Ok(lesson)
    }

    /// Parses and validates a JSON lesson.
    pub fn from_json(text: &str, origin: &str) -> Result<Lesson, ScenarioError> {
        let lesson: Lesson = crate::scenario::read_json(text, origin)?;
        lesson.validate(origin)?;
        Ok(lesson)
    }

    /// TOML or JSON, by the first non-blank character (`{` is JSON).
    #[cfg(feature = "toml")]
    pub fn parse(text: &str, origin: &str) -> Result<Lesson, ScenarioError> {
        if text.trim_start().starts_with('{') {
            Lesson::from_json(text, origin)
        } else {
            Lesson::from_toml(text, origin)
        }
    }

    /// The scenario the lesson starts from, before its knobs.
    pub fn base_scenario(&self) -> Option<Scenario> {
        match (&self.start.builtin, &self.start.scenario) {
            (Some(name), None) => builtins::load(name),
            (None, Some(scenario)) => Some((**scenario).clone()),
            _ => None,
        }
    }

    /// Checks what parsing cannot: the start exists and simulates, names refer to the
    /// scenario's services, answers are among the choices.
    pub fn validate(&self, origin: &str) -> Result<(), ScenarioError> {
        let invalid = |path: String, message: String| {
            Err(ScenarioError::Invalid { origin: origin.to_owned(), path, message })
        };
        if self.id.is_empty()
            || !self.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return invalid("id".into(), "use lowercase letters, digits and '-' (it goes in links)".into());
        }
        if self.title.trim().is_empty() {
            return invalid("title".into(), "must not be empty".into());
        }
        let base = match (&self.start.builtin, &self.start.scenario) {
            (Some(_), Some(_)) => {
                return invalid("start".into(), "give `builtin` or `scenario`, not both".into());
            }
            (None, None) => {
                return invalid("start".into(), "give `builtin` (a built-in's name) or `scenario`".into());
            }
            (Some(name), None) => match builtins::load(name) {
                Some(scenario) => scenario,
                None => {
                    let known: Vec<&str> = builtins::names().collect();
                    return invalid(
                        "start.builtin".into(),
                        format!("no built-in scenario {name:?} (known: {})", known.join(", ")),
                    );
                }
            },
            (None, Some(scenario)) => {
                scenario.validate(&format!("{origin}: start.scenario"))?;
                (**scenario).clone()
            }
        };
        if let Err(error) = Knobs::parse(&self.start.knobs, &base) {
            return invalid("start.knobs".into(), error.to_string());
        }
        if self.steps.is_empty() {
            return invalid("steps".into(), "a lesson needs at least one step".into());
        }
        for (idx, step) in self.steps.iter().enumerate() {
            let path = format!("steps[{idx}]");
            if step.task.trim().is_empty() {
                return invalid(format!("{path}.task"), "must not be empty".into());
            }
            if let Err((field, message)) = check_names(&step.check, &base) {
                return invalid(format!("{path}.check{field}"), message);
            }
            if let Some(pick) = &step.reveal.highlight
                && base.service(&pick.service).is_none()
            {
                return invalid(format!("{path}.reveal.highlight.service"), no_service(&pick.service, &base));
            }
            for (move_idx, step_move) in step.solution.iter().enumerate() {
                let at = format!("{path}.solution[{move_idx}]");
                match step_move {
                    Move::Select(pick) if base.service(&pick.service).is_none() => {
                        return invalid(format!("{at}.select.service"), no_service(&pick.service, &base));
                    }
                    Move::Knobs(knobs) => {
                        if let Err(error) = Knobs::parse(knobs, &base) {
                            return invalid(format!("{at}.knobs"), error.to_string());
                        }
                    }
                    Move::Answer(choice) => {
                        let n_choices = answer_choices(&step.check);
                        if *choice >= n_choices {
                            return invalid(
                                format!("{at}.answer"),
                                format!("choice {choice} of a question with {n_choices} choices"),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The page's model at the lesson's start.
    pub fn start_model(&self) -> Result<Model, String> {
        start_model(self)
    }
}

fn no_service(name: &str, scenario: &Scenario) -> String {
    let known: Vec<&str> = scenario.services.iter().map(|service| service.name.as_str()).collect();
    format!("no service {name:?} in the scenario (its services: {})", known.join(", "))
}

/// How many choices a step's question has (0 when the check asks none).
fn answer_choices(check: &Check) -> usize {
    check.question().map_or(0, |(_, choices)| choices.len())
}

/// Whether the names a check uses exist; on error, the field (`.service`) and the message.
fn check_names(check: &Check, scenario: &Scenario) -> Result<(), (String, String)> {
    match check {
        Check::Selected { service, .. }
        | Check::Bottleneck { service, .. }
        | Check::Share { service, .. }
        | Check::Shifted { service, .. }
            if scenario.service(service).is_none() =>
        {
            return Err((".service".into(), no_service(service, scenario)));
        }
        Check::Sampling { choices, policies, requests, max_span_percent, .. } => {
            if choices.len() < 2 || choices.len() != policies.len() {
                return Err((".policies".into(), "give one policy per choice, at least two".into()));
            }
            if let Some((idx, error)) = policies
                .iter()
                .enumerate()
                .find_map(|(idx, policy)| LabPolicy::parse(policy, scenario).err().map(|error| (idx, error)))
            {
                return Err((format!(".policies[{idx}]"), error.to_string()));
            }
            if !(1..=100_000).contains(requests) {
                return Err((".requests".into(), "between 1 and 100,000 requests".into()));
            }
            if !(max_span_percent.is_finite() && (0.0..=100.0).contains(max_span_percent)) {
                return Err((".max_span_percent".into(), "a percentage between 0 and 100".into()));
            }
        }
        Check::Answer { choices, correct, .. } => {
            if choices.len() < 2 {
                return Err((".choices".into(), "a question needs at least two choices".into()));
            }
            if *correct >= choices.len() {
                return Err((".correct".into(), format!("choice {correct} of {} choices", choices.len())));
            }
        }
        Check::All { checks } => {
            for (idx, inner) in checks.iter().enumerate() {
                check_names(inner, scenario)
                    .map_err(|(field, message)| (format!(".checks[{idx}]{field}"), message))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A built-in lesson: its id and its text, converted from `lessons/<id>.toml` to JSON by the
/// build script.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinLesson {
    pub id: &'static str,
    pub source: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// Looks a built-in lesson up by id and parses it.
pub fn load(id: &str) -> Option<Lesson> {
    let builtin = LESSONS.iter().find(|lesson| lesson.id == id)?;
    let origin = format!("lessons/{}.toml", builtin.id);
    // Built-ins are checked by the tests; a broken one is a bug in the binary.
    Some(Lesson::from_json(builtin.source, &origin).unwrap_or_else(|error| panic!("{error}")))
}

/// Every built-in lesson, in course order.
pub fn all() -> Vec<Lesson> {
    LESSONS.iter().filter_map(|builtin| load(builtin.id)).collect()
}

#[cfg(test)]
mod tests;
