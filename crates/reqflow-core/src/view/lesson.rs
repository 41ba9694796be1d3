//! A lesson on the page: the learner's place in it ([`LessonState`], held by the [`Model`]), what
//! the lesson panel shows ([`LessonView`], the step's verdict evaluated from the model every
//! time), explanations as text with emphasis and code ([`Inline`]), the progress kept in the
//! browser ([`ProgressStore`]) and the lesson list ([`catalog`]).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::Model;
use crate::lesson::{self, Lesson, Move, Progress, Verdict};

/// Where a lesson on screen came from: a built-in (`#lesson=ID`), or a file opened or a link
/// followed (`#lesson-json=…`: the lesson travels in the link as the JSON it was read from, so
/// the page needs no JSON writer for lessons).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LessonOrigin {
    Builtin,
    Shared(Rc<str>),
}

/// The learner's place in a lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonState {
    pub lesson: Rc<Lesson>,
    pub origin: LessonOrigin,
    /// The current step (0-based).
    pub step: usize,
    /// Answers given, by step index.
    pub answers: BTreeMap<usize, usize>,
    /// Hints of the current step shown so far.
    pub hints_shown: usize,
    /// Whether the current step's reveal is shown.
    pub revealed: bool,
    /// Every step passed and "Finish" pressed (or a finished lesson reopened).
    pub finished: bool,
}

/// What a learner does in the lesson panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LessonAction {
    /// Pick choice K of the step's question.
    Answer(usize),
    /// Show the next hint.
    Hint,
    /// Show the answer (and highlight its span).
    Reveal,
    /// Go on once the step passes (the last step finishes the lesson).
    Next,
    /// Leave the lesson; the trace stays.
    Close,
}

impl LessonState {
    fn new(lesson: Rc<Lesson>, origin: LessonOrigin, step: usize) -> LessonState {
        LessonState {
            lesson,
            origin,
            step,
            answers: BTreeMap::new(),
            hints_shown: 0,
            revealed: false,
            finished: false,
        }
    }

    /// The current step's answer, if the learner gave one.
    pub fn answer(&self) -> Option<usize> {
        self.answers.get(&self.step).copied()
    }

    /// The current step's verdict on `model`.
    pub fn verdict(&self, model: &Model) -> Verdict {
        lesson::evaluate(&self.lesson.steps[self.step].check, model, self.answer())
    }

    /// The state after `action`; `model` is what the verdict reads (Next needs a pass).
    pub fn update(&self, action: LessonAction, model: &Model) -> Option<LessonState> {
        let mut next = self.clone();
        match action {
            LessonAction::Answer(choice) => {
                next.answers.insert(self.step, choice);
            }
            LessonAction::Hint => {
                next.hints_shown = (self.hints_shown + 1).min(self.lesson.steps[self.step].hints.len());
            }
            LessonAction::Reveal => next.revealed = true,
            LessonAction::Next if self.finished || !self.verdict(model).passed => {}
            LessonAction::Next if self.step + 1 == self.lesson.steps.len() => next.finished = true,
            LessonAction::Next => {
                next.step += 1;
                next.hints_shown = 0;
                next.revealed = false;
            }
            LessonAction::Close => return None,
        }
        Some(next)
    }
}

/// Starts `lesson` at `step` (0-based): its start model with the solutions of the steps before
/// `step` played, so the model is in the state that step expects. A step past the end starts at
/// the first, with a notice. The error says why the lesson cannot start.
pub fn start(
    lesson: Rc<Lesson>,
    origin: LessonOrigin,
    step: usize,
    answers: BTreeMap<usize, usize>,
) -> Result<Model, String> {
    let mut model = lesson::start_model(&lesson)?;
    let (step, notice) = if step < lesson.steps.len() {
        (step, None)
    } else {
        let notice = format!(
            "Lesson “{}” has {} steps, not {}: starting at step 1.",
            lesson.title,
            lesson.steps.len(),
            step + 1
        );
        (0, Some(notice))
    };
    let mut progress = Progress::default();
    for (idx, spec) in lesson.steps.iter().enumerate().take(step) {
        progress.step = idx;
        for step_move in &spec.solution {
            if matches!(step_move, Move::Answer(_)) && answers.contains_key(&idx) {
                continue;
            }
            model = lesson::play(&model, &mut progress, step_move)?;
        }
    }
    let mut state = LessonState::new(lesson, origin, step);
    state.answers = progress.answers;
    state.answers.extend(answers);
    model.notice = notice;
    model.lesson = Some(Rc::new(state));
    Ok(model)
}

/// A piece of an explanation or a task: text, *emphasis* or `code` — all of it text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Emphasis(String),
    Code(String),
}

/// Paragraphs (blank lines between them; lines within one joined) of inline pieces.
pub fn paragraphs(text: &str) -> Vec<Vec<Inline>> {
    let mut paragraphs = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim).chain([""]) {
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(inlines(&current.join(" ")));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    paragraphs
}

/// One line of text as pieces: `` `code` `` and `*emphasis*`, whichever opens first (nothing
/// inside is read again); a marker with no partner is kept as written.
pub fn inlines(text: &str) -> Vec<Inline> {
    let mut pieces = Vec::new();
    let mut rest = text;
    loop {
        let next = [('`', paired(rest, '`')), ('*', paired(rest, '*'))]
            .into_iter()
            .filter_map(|(marker, pair)| pair.map(|(open, close)| (open, close, marker)))
            .min_by_key(|&(open, ..)| open);
        let Some((open, close, marker)) = next else { break };
        push_text(&mut pieces, &rest[..open]);
        let inner = rest[open + 1..close].to_owned();
        pieces.push(if marker == '`' { Inline::Code(inner) } else { Inline::Emphasis(inner) });
        rest = &rest[close + 1..];
    }
    push_text(&mut pieces, rest);
    pieces
}

/// The first `marker … marker` pair with something between: the two byte positions.
fn paired(text: &str, marker: char) -> Option<(usize, usize)> {
    let open = text.find(marker)?;
    let close = open + 1 + text[open + 1..].find(marker)?;
    (close > open + 1).then_some((open, close))
}

fn push_text(pieces: &mut Vec<Inline>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Inline::Text(last)) = pieces.last_mut() {
        last.push_str(text);
    } else {
        pieces.push(Inline::Text(text.to_owned()));
    }
}

/// The step's question: its words, choices, and the learner's pick.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionView {
    pub question: String,
    pub choices: Vec<String>,
    pub picked: Option<usize>,
}

/// Everything the lesson panel shows.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonView {
    pub title: String,
    pub explanation: Vec<Vec<Inline>>,
    /// "Step 2 of 3".
    pub step_label: String,
    /// (current step 0-based, number of steps), for the step dots.
    pub position: (usize, usize),
    pub task: Vec<Inline>,
    pub verdict: Verdict,
    pub question: Option<QuestionView>,
    pub hints: Vec<Vec<Inline>>,
    /// The hint button's label while hints remain ("Hint (1 of 2)").
    pub next_hint: Option<String>,
    pub reveal: Option<Vec<Inline>>,
    /// "Next step" or "Finish lesson", once the step passes.
    pub next: Option<String>,
    /// The words at the end of the lesson, once finished.
    pub finished: Option<String>,
    /// Why the address bar cannot hold this lesson, when it cannot.
    pub link_note: Option<String>,
}

/// The lesson panel for the model's lesson, if one is on.
pub fn lesson_view(model: &Model) -> Option<LessonView> {
    let state = model.lesson.as_deref()?;
    let lesson = &state.lesson;
    let step = &lesson.steps[state.step];
    let verdict = state.verdict(model);
    let n_hints = step.hints.len();
    let last = state.step + 1 == lesson.steps.len();
    Some(LessonView {
        title: lesson.title.clone(),
        explanation: paragraphs(&lesson.explanation),
        step_label: format!("Step {} of {}", state.step + 1, lesson.steps.len()),
        position: (state.step, lesson.steps.len()),
        task: inlines(&step.task),
        question: step.check.question().map(|(question, choices)| QuestionView {
            question: question.to_owned(),
            choices: choices.to_vec(),
            picked: state.answer(),
        }),
        hints: step.hints.iter().take(state.hints_shown).map(|hint| inlines(hint)).collect(),
        next_hint: (state.hints_shown < n_hints)
            .then(|| format!("Hint ({} of {n_hints})", state.hints_shown + 1)),
        reveal: state.revealed.then(|| inlines(&step.reveal.text)),
        next: (verdict.passed && !state.finished)
            .then(|| if last { "Finish lesson" } else { "Next step" }.to_owned()),
        finished: state
            .finished
            .then(|| format!("Lesson complete: “{}”, {} steps done.", lesson.title, lesson.steps.len())),
        link_note: super::lesson_link::too_long_note(state),
        verdict,
    })
}

/// The span the reveal points at, while it is shown.
pub fn highlight(model: &Model) -> Option<u32> {
    let state = model.lesson.as_deref().filter(|state| state.revealed)?;
    let pick = state.lesson.steps[state.step].reveal.highlight.as_ref()?;
    lesson::pick_span(model, pick)
}

/// A lesson's progress as kept in the browser.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedProgress {
    /// The furthest step reached (0-based).
    pub step: usize,
    #[serde(default)]
    pub answers: BTreeMap<usize, usize>,
    #[serde(default)]
    pub completed: bool,
}

/// Every lesson's progress, by lesson id (the page keeps it in localStorage as JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProgressStore(pub BTreeMap<String, SavedProgress>);

impl ProgressStore {
    /// Reads the stored JSON; anything unreadable counts as no progress.
    pub fn from_json(text: &str) -> ProgressStore {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The store with `state` recorded: the furthest step, the answers, and completion (which a
    /// later restart does not undo).
    pub fn record(&self, state: &LessonState) -> ProgressStore {
        let mut next = self.clone();
        let saved = next.0.entry(state.lesson.id.clone()).or_default();
        saved.step = saved.step.max(state.step);
        saved.answers.extend(state.answers.iter().map(|(&step, &choice)| (step, choice)));
        saved.completed |= state.finished;
        next
    }

    /// Where a lesson picks up: the step reached (the first again once completed) and answers.
    pub fn resume(&self, id: &str) -> (usize, BTreeMap<usize, usize>) {
        match self.0.get(id) {
            Some(saved) if !saved.completed => (saved.step, saved.answers.clone()),
            _ => (0, BTreeMap::new()),
        }
    }
}

/// The model with the answers kept for its lesson added (after a reload, the link gives the step;
/// the store gives the answers).
pub fn restore(model: Model, store: &ProgressStore) -> Model {
    let Some(state) = model.lesson.as_deref() else { return model };
    let Some(saved) = store.0.get(&state.lesson.id) else { return model };
    let mut next = state.clone();
    for (&step, &choice) in &saved.answers {
        next.answers.entry(step).or_insert(choice);
    }
    Model { lesson: Some(Rc::new(next)), ..model }
}

/// A line of the lesson list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogEntry {
    pub id: String,
    pub title: String,
    /// "3 steps", "Step 2 of 3", "Completed ✓".
    pub status: String,
    pub completed: bool,
}

/// The built-in lessons, in course order, with the learner's progress.
pub fn catalog(store: &ProgressStore) -> Vec<CatalogEntry> {
    lesson::all()
        .into_iter()
        .map(|lesson| {
            let n_steps = lesson.steps.len();
            let saved = store.0.get(&lesson.id);
            let status = match saved {
                Some(saved) if saved.completed => "Completed ✓".to_owned(),
                Some(saved) => format!("Step {} of {n_steps}", saved.step + 1),
                None => format!("{n_steps} steps"),
            };
            CatalogEntry {
                completed: saved.is_some_and(|saved| saved.completed),
                id: lesson.id,
                title: lesson.title,
                status,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "lesson_tests.rs"]
mod tests;
