//! A round as the page plays it: five incidents one after another, the candidate's choices, the
//! grades and the score, and the words around them. [`Session::update`] is the old session and an
//! action in, the new session out (like [`Model::update`], which it calls for everything the
//! candidate does in the waterfall). The page measures the wall time itself: the core has no
//! clock.

use std::collections::BTreeSet;
use std::rc::Rc;

use super::{Answer, Family, Grade, Incident, Level, culprit_spans, grade, round};
use crate::view::{Action, Model};

/// The round a link without a usable seed falls back to.
pub const DEFAULT_SEED: u64 = 1;

/// The question asked of every incident.
pub const QUESTION: &str = "Which span owns the problem, and what is the cause?";

/// Shown with a grade: what the highlighted rows are.
pub const CULPRITS_NOTE: &str = "Highlighted in the waterfall: the spans that own the problem.";

/// What to say about tracing in a system-design interview: a heading and the point, in our words.
pub const TALKING_POINTS: [(&str, &str); 5] = [
    (
        "Bring it up yourself",
        "When you split a design into services, say how you would debug it: one request now crosses \
         many processes, and no single log shows the whole story. Naming tracing before you are asked \
         shows you have thought past the happy path.",
    ),
    (
        "Say how the context travels",
        "Each service is instrumented with OpenTelemetry, and every hop forwards the trace context \
         (the W3C traceparent header on HTTP, a message attribute on a queue), so all the spans of a \
         request share one trace id and point at their parent.",
    ),
    (
        "Say what you would read in a trace",
        "The critical path tells you where the time went and which service to fix first; repeated \
         identical calls point at N+1, a gap before a consumer at a queue backlog, a child that \
         starts before its parent at clock skew rather than a real bug.",
    ),
    (
        "Mention what it costs",
        "Spans cost CPU, network and storage, so you sample: head sampling is cheap but blind to \
         errors it did not keep; tail sampling keeps the slow and failed requests at the price of \
         buffering whole traces.",
    ),
    (
        "Know how it breaks",
        "One service that does not forward the header splits the request into fragments, async hops \
         need the context carried in the message, and clocks that disagree move spans around: say \
         how you would notice each.",
    ),
];

/// The interview link's parts, `#interview=SEED&level=L`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub seed: u64,
    pub level: Level,
    /// Why the link could not be followed as written (the round shown instead is this one).
    pub notice: Option<String>,
}

impl Link {
    /// The address bar's hash for a round.
    pub fn to_hash(seed: u64, level: Level) -> String {
        format!("#interview={seed}&level={}", level.number())
    }

    /// `None` when the hash is not an interview link at all; a bad seed or level falls back to
    /// [`DEFAULT_SEED`] and level 1, with a notice.
    pub fn parse(hash: &str) -> Option<Link> {
        let query = hash.strip_prefix('#').unwrap_or(hash);
        let mut parts = query.split('&');
        let seed_text = parts.next()?.strip_prefix("interview=")?;
        let mut problems = Vec::new();
        let seed = seed_text.parse::<u64>().unwrap_or_else(|_| {
            problems.push(format!("seed {seed_text:?} is not a whole number"));
            DEFAULT_SEED
        });
        let mut level = Level::One;
        for part in parts {
            match part.split_once('=') {
                Some(("level", text)) => match text.parse().ok().and_then(Level::from_number) {
                    Some(parsed) => level = parsed,
                    None => problems.push(format!("level {text:?} is not 1, 2 or 3")),
                },
                _ => problems.push(format!("{part:?} is not part of an interview link")),
            }
        }
        let notice = (!problems.is_empty()).then(|| {
            format!(
                "The interview link could not be followed ({}): showing round {seed} at level {} instead.",
                problems.join("; "),
                level.number()
            )
        });
        Some(Link { seed, level, notice })
    }
}

/// Where the candidate is in the round.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub seed: u64,
    pub level: Level,
    pub incidents: Rc<Vec<Incident>>,
    /// The incident on screen (0-based); `incidents.len()` once the round is over.
    pub index: usize,
    /// The incident's request, as the waterfall shows it; `None` if it could not be simulated.
    pub model: Option<Model>,
    pub cause: Option<Family>,
    pub fix: Option<Family>,
    /// The grade of the incident on screen, once submitted.
    pub grade: Option<Grade>,
    /// The spans a right answer may point at, shown once graded.
    pub culprits: Rc<BTreeSet<u32>>,
    /// The grades so far, in order.
    pub grades: Vec<Grade>,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// How many rounds were started in this session (the page times each one anew, even the
    /// same round played again).
    pub attempt: u32,
}

/// What the candidate does.
pub enum SessionAction {
    /// Anything done in the waterfall: select a span, open details, raw or adjusted times...
    View(Action),
    PickCause(Family),
    PickFix(Family),
    Submit,
    Next,
    /// A new round.
    Start(u64, Level),
}

impl Session {
    /// The round a link names (the link's notice is kept to be shown).
    pub fn from_link(link: &Link) -> Session {
        Session { notice: link.notice.clone(), ..Session::start(link.seed, link.level) }
    }

    pub fn start(seed: u64, level: Level) -> Session {
        let incidents = Rc::new(round(seed, level));
        Session {
            seed,
            level,
            index: 0,
            model: None,
            cause: None,
            fix: None,
            grade: None,
            culprits: Rc::default(),
            grades: Vec::new(),
            notice: None,
            error: None,
            attempt: 0,
            incidents,
        }
        .at(0)
    }

    /// The session showing incident `index` (or the end of the round), nothing chosen yet.
    fn at(self, index: usize) -> Session {
        let (model, error) = match self.incidents.get(index).map(Incident::model) {
            Some(Ok(model)) => (Some(model), None),
            Some(Err(error)) => (None, Some(format!("This incident could not be simulated: {error}"))),
            None => (None, None),
        };
        Session { index, model, error, cause: None, fix: None, grade: None, culprits: Rc::default(), ..self }
    }

    pub fn incident(&self) -> Option<&Incident> {
        self.incidents.get(self.index)
    }

    pub fn is_over(&self) -> bool {
        self.index >= self.incidents.len()
    }

    /// Whether the answer is complete enough to submit (a span and a cause, and the fix when the
    /// level asks for it).
    pub fn can_submit(&self) -> bool {
        self.grade.is_none()
            && self.model.as_ref().is_some_and(|model| model.selected.is_some())
            && self.cause.is_some()
            && (self.fix.is_some() || !self.level.asks_fix())
    }

    /// The session after `action`.
    pub fn update(&self, action: SessionAction) -> Session {
        match action {
            SessionAction::View(action) => {
                Session { model: self.model.as_ref().map(|model| model.update(action)), ..self.clone() }
            }
            SessionAction::PickCause(family) if self.grade.is_none() => {
                Session { cause: Some(family), ..self.clone() }
            }
            SessionAction::PickFix(family) if self.grade.is_none() => {
                Session { fix: Some(family), ..self.clone() }
            }
            SessionAction::Submit => self.submitted(),
            SessionAction::Next if self.grade.is_some() || self.model.is_none() => {
                self.clone().at(self.index + 1)
            }
            SessionAction::Start(seed, level) => {
                Session { attempt: self.attempt + 1, ..Session::start(seed, level) }
            }
            _ => self.clone(),
        }
    }

    fn submitted(&self) -> Session {
        let (Some(incident), Some(model)) = (self.incident(), self.model.as_ref()) else {
            return self.clone();
        };
        if self.grade.is_some() {
            return self.clone();
        }
        let answer = Answer { span: model.selected, cause: self.cause, fix: self.fix };
        let graded = grade(incident, model, &answer);
        let mut grades = self.grades.clone();
        grades.push(graded.clone());
        Session {
            culprits: Rc::new(culprit_spans(incident, model)),
            grade: Some(graded),
            grades,
            ..self.clone()
        }
    }

    /// The span the candidate points at, or how to pick one.
    pub fn picked(&self) -> String {
        let span = self
            .model
            .as_ref()
            .and_then(|model| model.selected.and_then(|idx| model.trace.spans.get(idx as usize)));
        match span {
            Some(span) => format!("Your span: {} · {}", span.service, span.name),
            None => "Click the span that owns the problem in the waterfall.".to_owned(),
        }
    }

    /// Points scored so far and the most that could have been scored on the graded incidents.
    pub fn score(&self) -> (u32, u32) {
        self.grades
            .iter()
            .fold((0, 0), |(points, out_of), grade| (points + grade.points, out_of + grade.out_of))
    }

    /// "Incident 2 of 5 · level 1 · round 7".
    pub fn progress(&self) -> String {
        format!(
            "Incident {} of {} · level {} · round {}",
            (self.index + 1).min(self.incidents.len()),
            self.incidents.len(),
            self.level.number(),
            self.seed
        )
    }

    /// The round's result: "You scored 7 of 10 points in 4 min 05 s." (`seconds` measured by the
    /// page).
    pub fn result(&self, seconds: u64) -> String {
        let (points, out_of) = self.score();
        format!("You scored {points} of {out_of} points in {}.", format_seconds(seconds))
    }
}

/// "42 s", "4 min 05 s".
pub fn format_seconds(seconds: u64) -> String {
    if seconds < 60 { format!("{seconds} s") } else { format!("{} min {:02} s", seconds / 60, seconds % 60) }
}

/// "Right" or "Wrong", for one part of an answer.
pub fn verdict(right: bool) -> &'static str {
    if right { "Right" } else { "Wrong" }
}
