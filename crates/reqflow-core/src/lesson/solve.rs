//! Playing a lesson: its starting model, a learner's moves as the page's actions, and running a
//! lesson's own solution to prove it can be solved.

use std::collections::BTreeMap;

use super::{Lesson, Move, SpanPick, Verdict, evaluate};
use crate::knobs::Knobs;
use crate::view::{Action, Model};

/// What a learner has done in a lesson besides changing the model: the step reached and the
/// answers given (by step index).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub step: usize,
    pub answers: BTreeMap<usize, usize>,
}

/// Why a lesson's solution does not solve it. Steps are numbered from 1, as people count them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SolveError {
    #[error("lesson {lesson}: the start cannot be simulated: {message}")]
    Start { lesson: String, message: String },
    #[error("lesson {lesson}, step {step}: already passes before the learner does anything ({verdict})")]
    PassesUntouched { lesson: String, step: usize, verdict: String },
    #[error("lesson {lesson}, step {step}: move {index} ({what}) cannot be played: {message}")]
    Move { lesson: String, step: usize, index: usize, what: String, message: String },
    #[error("lesson {lesson}, step {step}: the solution does not pass the check ({verdict})")]
    Fails { lesson: String, step: usize, verdict: String },
}

/// The page's model at a lesson's start: its scenario with its knobs, simulated with its seed.
pub fn start_model(lesson: &Lesson) -> Result<Model, String> {
    let base = lesson.base_scenario().ok_or_else(|| format!("lesson {}: no start scenario", lesson.id))?;
    let knobs = Knobs::parse(&lesson.start.knobs, &base).map_err(|error| error.to_string())?;
    Model::start(base, knobs, lesson.start.seed)
}

/// The span a [`SpanPick`] names in the model's trace: of its matches, the one with the most time
/// on the critical path, else the first in tree order.
pub fn pick_span(model: &Model, pick: &SpanPick) -> Option<u32> {
    let trace = &model.trace;
    let matches = |idx: &u32| {
        let span = &trace.spans[*idx as usize];
        span.service.as_str() == pick.service
            && pick.operation.as_deref().is_none_or(|operation| span.name.as_str() == operation)
    };
    let critical = |idx: &u32| trace.analysis.critical_path.span_ns[*idx as usize];
    let mut best: Option<u32> = None;
    for idx in trace.order.iter().copied().filter(matches) {
        if best.is_none_or(|best| critical(&idx) > critical(&best)) {
            best = Some(idx);
        }
    }
    best
}

/// Plays one move on the model; an answer is recorded in `progress` for its current step.
pub fn play(model: &Model, progress: &mut Progress, step_move: &Move) -> Result<Model, String> {
    let next = match step_move {
        Move::Select(pick) => {
            let idx = pick_span(model, pick).ok_or_else(|| {
                let operation = pick.operation.as_deref().map(|op| format!(" `{op}`")).unwrap_or_default();
                format!("no span of {}{operation} in the trace", pick.service)
            })?;
            model.update(Action::Select(Some(idx)))
        }
        Move::Knobs(text) => {
            let knobs = Knobs::parse(text, &model.base).map_err(|error| error.to_string())?;
            let mut next = model.update(Action::ResetKnobs);
            for (service, service_knobs) in knobs.0 {
                next = next.update(Action::SetKnobs(service, service_knobs));
            }
            next
        }
        Move::Seed(seed) => model.update(Action::SetSeed(*seed)),
        Move::Basis(basis) => model.update(Action::SetBasis(*basis)),
        Move::Answer(choice) => {
            progress.answers.insert(progress.step, *choice);
            model.clone()
        }
    };
    match &next.error {
        Some(error) if model.error.as_ref() != Some(error) => Err(error.clone()),
        _ => Ok(next),
    }
}

/// Proves a lesson solvable: every step's check fails on the untouched start, and passes once
/// that step's solution is played after the previous steps' solutions. Returns each step's
/// verdict once solved.
pub fn solve(lesson: &Lesson) -> Result<Vec<Verdict>, SolveError> {
    let lesson_id = lesson.id.clone();
    let start =
        start_model(lesson).map_err(|message| SolveError::Start { lesson: lesson_id.clone(), message })?;
    for (step, spec) in lesson.steps.iter().enumerate() {
        let untouched = evaluate(&spec.check, &start, None);
        if untouched.passed {
            return Err(SolveError::PassesUntouched {
                lesson: lesson_id,
                step: step + 1,
                verdict: untouched.text,
            });
        }
    }
    let mut model = start;
    let mut progress = Progress::default();
    let mut verdicts = Vec::with_capacity(lesson.steps.len());
    for (step, spec) in lesson.steps.iter().enumerate() {
        progress.step = step;
        for (index, step_move) in spec.solution.iter().enumerate() {
            model = play(&model, &mut progress, step_move).map_err(|message| SolveError::Move {
                lesson: lesson_id.clone(),
                step: step + 1,
                index: index + 1,
                what: format!("{step_move:?}"),
                message,
            })?;
        }
        let verdict = evaluate(&spec.check, &model, progress.answers.get(&step).copied());
        if !verdict.passed {
            return Err(SolveError::Fails { lesson: lesson_id, step: step + 1, verdict: verdict.text });
        }
        verdicts.push(verdict);
    }
    Ok(verdicts)
}
