//! The page's model: what is on screen, and the actions that change it ([`Model::update`]: the
//! old model and an action in, the new model out; no side effects). The page wraps it in its
//! reducer and does the side effects (URL, files, downloads) itself; everything it shows is
//! decided here, where it is tested natively.

use std::collections::BTreeSet;
use std::rc::Rc;

use super::trace::TraceView;
use crate::analysis::{SkewLimit, TimeBasis};
use crate::fingerprint::fingerprint;
use crate::knobs::{Knobs, ServiceKnobs};
use crate::share::ShareLink;
use crate::{Scenario, Simulation, Span, builtins};

/// A trace file as the page's worker imported it (the formats crate reads the file; its wire
/// form hands this over).
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedTrace {
    /// The format's title ("OTLP/JSON").
    pub format: String,
    pub spans: Vec<Span>,
    /// Each span's parent, as the import linked them (see [`crate::index::link`]).
    pub parents: Vec<Option<u32>>,
    /// Each import warning as it is shown.
    pub warnings: Vec<String>,
}

/// Where the time of an update goes, for those who can tell the time (the page records each
/// phase as a performance measure; the core has no clock). Both methods do nothing by default.
pub trait Probe {
    /// Runs one named phase of the work.
    fn measure<T>(&self, name: &'static str, work: impl FnOnce() -> T) -> T {
        let _ = name;
        work()
    }

    /// A named moment.
    fn mark(&self, name: &'static str) {
        let _ = name;
    }
}

/// A [`Probe`] that records nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProbe;

impl Probe for NoProbe {}

/// Seeds shown to people stay short.
const SEED_RANGE: u64 = 1_000_000;

/// Where the trace on screen came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// Simulated from a built-in scenario with knobs and a seed.
    Simulated { fingerprint: String, total_ns: i64, failed: bool },
    /// Imported from a file.
    Imported { file: String, format: String, warnings: Vec<String> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The built-in scenario as written.
    pub base: Rc<Scenario>,
    pub knobs: Knobs,
    pub seed: u64,
    pub source: Source,
    pub trace: Rc<TraceView>,
    pub basis: TimeBasis,
    pub collapsed: Rc<BTreeSet<u32>>,
    pub selected: Option<u32>,
    pub details_open: bool,
    pub search: String,
    /// Zoomed time range, as fractions of the trace's duration.
    pub zoom: Option<(f64, f64)>,
    /// Why the last action failed; what was on screen stays.
    pub error: Option<String>,
    /// Something worth knowing that is not an error (a share link was ignored...).
    pub notice: Option<String>,
    /// The replay, when one is on: the moment shown and whether it plays.
    pub replay: Option<ReplayState>,
    /// Replay speed: 1.0 plays the whole request in [`REPLAY_SECONDS`].
    pub speed: f64,
    /// A file being read ("big-trace.json (47.9 MB)"): shown until it is imported or fails.
    pub opening: Option<String>,
}

/// Seconds a replay at 1× takes, whatever the request's own duration.
pub const REPLAY_SECONDS: f64 = 8.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayState {
    /// True epoch ns of the moment shown.
    pub now_ns: i64,
    pub playing: bool,
}

pub enum Action {
    /// Re-run with the next seed of the sequence.
    SendRequest,
    SetSeed(u64),
    SelectScenario(String),
    /// Change one service's knobs (replaces them).
    SetKnobs(String, ServiceKnobs),
    ResetKnobs,
    SetBasis(TimeBasis),
    /// The clock-skew adjuster's maximum adjustment (Jaeger's; zero turns adjustment off).
    SetSkewLimit(SkewLimit),
    Select(Option<u32>),
    OpenDetails(bool),
    ToggleCollapse(u32),
    /// Collapse (false) or expand (true) a span's subtree.
    SetExpanded(u32, bool),
    Search(String),
    Zoom(Option<(f64, f64)>),
    /// A file's name and what importing it gave (or why it could not be imported: the message
    /// names the file).
    Import(String, Result<ImportedTrace, String>),
    /// A file's name, size and the bytes read so far, while it is being read.
    Opening(String, f64, f64),
    /// Show an error without changing anything else.
    Fail(String),
    DismissMessages,
    /// Start (or resume) playing; from the beginning when at the end or off.
    Play,
    Pause,
    /// Advance by this many seconds of wall time at the current speed.
    Tick(f64),
    /// Jump to the next moment something starts or ends.
    StepForward,
    /// Show the moment this fraction (0..=1) of the way through.
    Seek(f64),
    SetSpeed(f64),
    /// Leave the replay: show the whole trace.
    StopReplay,
}

impl Model {
    /// The page's first state, from the location hash (a share link) or the default.
    pub fn from_hash(hash: &str) -> Model {
        Model::from_hash_with(hash, &NoProbe)
    }

    /// [`Model::from_hash`], reporting the work's phases to `probe`.
    pub fn from_hash_with(hash: &str, probe: &impl Probe) -> Model {
        let fallback = |problem: String| Model {
            notice: Some(format!(
                "The link could not be opened ({problem}): showing the default request instead."
            )),
            ..Model::default_request(probe)
        };
        match ShareLink::parse(hash) {
            Ok(None) => Model::default_request(probe),
            Ok(Some(link)) => {
                let base = Rc::new(builtins::load(&link.scenario).expect("checked by parse"));
                match Knobs::parse(&link.knobs, &base) {
                    Ok(knobs) => match Model::simulate(base, knobs, link.seed, probe) {
                        Ok(state) => state,
                        Err(error) => fallback(error),
                    },
                    Err(error) => fallback(error.to_string()),
                }
            }
            Err(problem) => fallback(problem),
        }
    }

    fn default_request(probe: &impl Probe) -> Model {
        let base = Rc::new(builtins::load(builtins::DEFAULT).expect("the default scenario is built in"));
        Model::simulate(base, Knobs::default(), 1, probe).expect("the default scenario simulates")
    }

    /// A model simulating any scenario (a lesson's start, a scenario written by hand) with knobs
    /// and a seed; the error says why it cannot be simulated.
    pub fn start(base: Scenario, knobs: Knobs, seed: u64) -> Result<Model, String> {
        Model::simulate(Rc::new(base), knobs, seed, &NoProbe)
    }

    pub fn share_link(&self) -> ShareLink {
        ShareLink { scenario: self.base.name.clone(), seed: self.seed, knobs: self.knobs.to_string() }
    }

    /// The scenario as simulated: the built-in with the knobs applied.
    pub fn scenario(&self) -> Scenario {
        self.knobs.apply(&self.base)
    }

    pub fn is_imported(&self) -> bool {
        matches!(self.source, Source::Imported { .. })
    }

    fn simulate(base: Rc<Scenario>, knobs: Knobs, seed: u64, probe: &impl Probe) -> Result<Model, String> {
        let scenario = knobs.apply(&base);
        scenario.validate("knobs").map_err(|error| error.to_string())?;
        let trace = probe
            .measure("simulate", || {
                Simulation::new(&scenario).and_then(|simulation| simulation.simulate_one(seed))
            })
            .map_err(|error| error.to_string())?;
        let source = Source::Simulated {
            fingerprint: probe.measure("fingerprint", || fingerprint(std::slice::from_ref(&trace))),
            total_ns: trace.end_ns - trace.start_ns,
            failed: trace.failed,
        };
        let basis = TimeBasis::Adjusted;
        let view = probe.measure("analyze", || TraceView::new(trace.spans, basis, Some(&scenario)));
        probe.mark("reqflow:analyzed");
        Ok(Model {
            base,
            knobs,
            seed,
            source,
            trace: Rc::new(view),
            basis,
            collapsed: Rc::default(),
            selected: None,
            details_open: false,
            search: String::new(),
            zoom: None,
            error: None,
            notice: None,
            replay: None,
            speed: 1.0,
            opening: None,
        })
    }

    /// Re-simulates after a change, keeping the view settings (basis, selection by span id,
    /// search, details) where they still apply. On failure keeps everything and reports.
    fn rerun(&self, base: Rc<Scenario>, knobs: Knobs, seed: u64, probe: &impl Probe) -> Model {
        match Model::simulate(base, knobs, seed, probe) {
            Ok(mut next) => {
                if next.basis != self.basis || next.trace.skew_limit != self.trace.skew_limit {
                    let scenario = next.scenario();
                    next.trace =
                        Rc::new(next.trace.with_settings(self.basis, self.trace.skew_limit, Some(&scenario)));
                    next.basis = self.basis;
                }
                let selected_id = self.selected.map(|idx| self.trace.spans[idx as usize].span_id);
                next.selected = selected_id
                    .and_then(|id| next.trace.spans.iter().position(|span| span.span_id == id))
                    .map(|idx| idx as u32);
                next.details_open = self.details_open && next.selected.is_some();
                next.search = self.search.clone();
                next.speed = self.speed;
                next
            }
            Err(error) => Model { error: Some(error), ..self.clone() },
        }
    }

    fn with_skew_limit(&self, limit: SkewLimit) -> Model {
        let scenario = (!self.is_imported()).then(|| self.scenario());
        Model {
            trace: Rc::new(self.trace.with_settings(self.basis, limit, scenario.as_ref())),
            ..self.clone()
        }
    }

    fn with_basis(&self, basis: TimeBasis) -> Model {
        let scenario = (!self.is_imported()).then(|| self.scenario());
        Model { trace: Rc::new(self.trace.with_basis(basis, scenario.as_ref())), basis, ..self.clone() }
    }

    fn import(&self, file: String, imported: Result<ImportedTrace, String>, probe: &impl Probe) -> Model {
        match imported {
            Ok(imported) if imported.spans.is_empty() => {
                Model { error: Some(format!("{file}: the file holds no spans")), ..self.clone() }
            }
            Ok(imported) => {
                let trace = probe.measure("analyze", || {
                    TraceView::imported(imported.spans, imported.parents, self.basis, self.trace.skew_limit)
                });
                probe.mark("reqflow:analyzed");
                Model {
                    source: Source::Imported { file, format: imported.format, warnings: imported.warnings },
                    trace: Rc::new(trace),
                    collapsed: Rc::default(),
                    selected: None,
                    details_open: false,
                    zoom: None,
                    error: None,
                    notice: None,
                    replay: None,
                    ..self.clone()
                }
            }
            Err(error) => Model { error: Some(format!("Could not open the file: {error}")), ..self.clone() },
        }
    }
}

/// The next seed: a deterministic walk, so a class pressing "Send request" the same number of
/// times sees the same traces.
pub fn next_seed(seed: u64) -> u64 {
    crate::hash::mix64(seed) % SEED_RANGE
}

impl Model {
    /// The model after `action`.
    pub fn update(&self, action: Action) -> Model {
        self.update_with(action, &NoProbe)
    }

    /// [`Model::update`], reporting the work's phases to `probe`.
    pub fn update_with(&self, action: Action, probe: &impl Probe) -> Model {
        let state = self;
        match action {
            Action::SendRequest => {
                state.rerun(state.base.clone(), state.knobs.clone(), next_seed(state.seed), probe)
            }
            Action::SetSeed(seed) => state.rerun(state.base.clone(), state.knobs.clone(), seed, probe),
            Action::SelectScenario(name) => match builtins::load(&name) {
                Some(base) => Model {
                    selected: None,
                    ..state.rerun(Rc::new(base), Knobs::default(), state.seed, probe)
                },
                None => Model { error: Some(format!("no built-in scenario {name:?}")), ..state.clone() },
            },
            Action::SetKnobs(service, knobs) => {
                let mut all = state.knobs.clone();
                all.0.insert(service, knobs);
                all.0.retain(|_, knobs| *knobs != ServiceKnobs::default());
                state.rerun(state.base.clone(), all, state.seed, probe)
            }
            Action::ResetKnobs => state.rerun(state.base.clone(), Knobs::default(), state.seed, probe),
            Action::SetBasis(basis) if basis != state.basis => state.with_basis(basis),
            Action::SetBasis(_) => state.clone(),
            Action::SetSkewLimit(limit) if limit != state.trace.skew_limit => state.with_skew_limit(limit),
            Action::SetSkewLimit(_) => state.clone(),
            Action::Select(selected) => Model { selected, ..state.clone() },
            Action::OpenDetails(open) => {
                Model { details_open: open && state.selected.is_some(), ..state.clone() }
            }
            Action::ToggleCollapse(span_idx) => {
                let expanded = state.collapsed.contains(&span_idx);
                set_expanded(state, span_idx, expanded)
            }
            Action::SetExpanded(span_idx, expanded) => set_expanded(state, span_idx, expanded),
            Action::Search(search) => Model { search, ..state.clone() },
            Action::Zoom(zoom) => Model { zoom, ..state.clone() },
            Action::Import(file, imported) => Model { opening: None, ..state.import(file, imported, probe) },
            Action::Opening(file, bytes, read) => Model {
                opening: Some(if read > 0.0 && bytes > 0.0 {
                    format!("{file} ({}, {:.0}% read)", file_size(bytes), (read / bytes * 100.0).min(100.0))
                } else {
                    format!("{file} ({})", file_size(bytes))
                }),
                error: None,
                ..state.clone()
            },
            Action::Fail(error) => Model { error: Some(error), opening: None, ..state.clone() },
            Action::DismissMessages => Model { error: None, notice: None, ..state.clone() },
            Action::Play => {
                let replay = state.trace.replay();
                let now_ns = match state.replay {
                    Some(current) if current.now_ns < replay.end_ns => current.now_ns,
                    _ => replay.start_ns,
                };
                Model { replay: Some(ReplayState { now_ns, playing: true }), ..state.clone() }
            }
            Action::Pause => Model {
                replay: state.replay.map(|replay| ReplayState { playing: false, ..replay }),
                ..state.clone()
            },
            Action::Tick(seconds) => match state.replay {
                Some(current) if current.playing => {
                    let replay = state.trace.replay();
                    let span_ns = (replay.end_ns - replay.start_ns).max(1) as f64;
                    let step = (seconds * state.speed / REPLAY_SECONDS * span_ns).max(1.0) as i64;
                    let now_ns = (current.now_ns + step).min(replay.end_ns);
                    Model {
                        replay: Some(ReplayState { now_ns, playing: now_ns < replay.end_ns }),
                        ..state.clone()
                    }
                }
                _ => state.clone(),
            },
            Action::StepForward => {
                let replay = state.trace.replay();
                let from = state.replay.map_or(replay.start_ns - 1, |current| current.now_ns);
                let now_ns = state.trace.next_moment(from).unwrap_or(replay.end_ns).min(replay.end_ns);
                let playing = state.replay.is_some_and(|current| current.playing) && now_ns < replay.end_ns;
                Model { replay: Some(ReplayState { now_ns, playing }), ..state.clone() }
            }
            Action::Seek(fraction) => {
                let now_ns = state.trace.replay().time_at(fraction);
                Model { replay: Some(ReplayState { now_ns, playing: false }), ..state.clone() }
            }
            Action::SetSpeed(speed) => Model { speed: speed.clamp(0.25, 8.0), ..state.clone() },
            Action::StopReplay => Model { replay: None, ..state.clone() },
        }
    }
}

/// "812 bytes", "48 KB", "47.9 MB".
fn file_size(bytes: f64) -> String {
    if bytes < 1e3 {
        format!("{bytes} bytes")
    } else if bytes < 1e6 {
        format!("{} KB", (bytes / 1e3).round())
    } else {
        format!("{} MB", (bytes / 1e5).round() / 10.0)
    }
}

fn set_expanded(state: &Model, span_idx: u32, expanded: bool) -> Model {
    if !state.trace.has_children(span_idx) || expanded != state.collapsed.contains(&span_idx) {
        return state.clone();
    }
    let mut collapsed = (*state.collapsed).clone();
    if expanded {
        collapsed.remove(&span_idx);
    } else {
        collapsed.insert(span_idx);
    }
    Model { collapsed: Rc::new(collapsed), ..state.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knobs::Shape;

    fn fingerprint_of(state: &Model) -> &str {
        match &state.source {
            Source::Simulated { fingerprint, .. } => fingerprint,
            Source::Imported { .. } => "",
        }
    }

    #[test]
    fn send_request_changes_seed_and_trace() {
        let first = Model::from_hash("");
        let second = first.clone().update(Action::SendRequest);
        assert_ne!(first.seed, second.seed);
        assert_ne!(fingerprint_of(&first), fingerprint_of(&second));
        assert!(second.trace.spans.len() >= 4);
    }

    #[test]
    fn share_links_round_trip_knobs_and_bad_ones_fall_back_with_a_notice() {
        let state = Model::from_hash("").update(Action::SelectScenario("db-pool".into()));
        let state = state.update(Action::SetSeed(77));
        let knobs = ServiceKnobs {
            latency: Some((Shape::Normal, 12.5)),
            skew_ms: Some(-30.0),
            ..ServiceKnobs::default()
        };
        let state = state.update(Action::SetKnobs("database".into(), knobs));
        let hash = state.share_link().to_hash();
        assert!(hash.contains("knobs=database.latency=normal:12.5,database.skew=-30"), "{hash}");
        let reopened = Model::from_hash(&hash);
        assert_eq!(fingerprint_of(&reopened), fingerprint_of(&state));
        assert_eq!(reopened.notice, None);
        for hostile in [
            "#scenario=<img src=x onerror=alert(1)>",
            "#seed=-1",
            "#seed=1e99",
            "#what=ever",
            "#scenario=nope",
            "#knobs=database.skew=abc",
            "#knobs=%ZZ",
            "#scenario=try-it&knobs=gateway.latency=fixed:99999999",
        ] {
            let fallback = Model::from_hash(hostile);
            assert_eq!(fallback.base.name, "try-it", "{hostile}");
            assert!(
                fallback.notice.as_deref().is_some_and(|notice| notice.contains("could not be opened")),
                "{hostile}"
            );
        }
    }

    #[test]
    fn a_knob_change_keeps_the_selection_and_a_failed_import_keeps_the_trace() {
        let state = Model::from_hash("");
        let database =
            state.trace.spans.iter().position(|span| span.service == "database").expect("db") as u32;
        let state = state.update(Action::Select(Some(database))).update(Action::OpenDetails(true));
        let knobs = ServiceKnobs { latency: Some((Shape::Fixed, 500.0)), ..ServiceKnobs::default() };
        let state = state.update(Action::SetKnobs("database".into(), knobs));
        let selected = state.selected.expect("still selected");
        assert_eq!(state.trace.spans[selected as usize].service, "database");
        assert_eq!(state.trace.spans[selected as usize].duration_ns(), 500_000_000);
        assert!(state.details_open);
        let before = state.trace.clone();
        let state = state.update(Action::Opening("broken.json".into(), 47_912_345.0, 0.0));
        assert_eq!(state.opening.as_deref(), Some("broken.json (47.9 MB)"));
        let state = state.update(Action::Opening("broken.json".into(), 47_912_345.0, 23_956_172.0));
        assert_eq!(state.opening.as_deref(), Some("broken.json (47.9 MB, 50% read)"));
        let broken = Err("broken.json: not JSON: expected value at line 1 column 3".to_owned());
        let state = state.update(Action::Import("broken.json".into(), broken));
        assert_eq!(state.opening, None, "the reading notice goes once the file is read");
        assert!(
            state.error.as_deref().is_some_and(|error| error.contains("broken.json")),
            "{:?}",
            state.error
        );
        assert_eq!(state.trace, before);
    }

    #[test]
    fn skew_basis_toggles_between_raw_and_adjusted_times() {
        let state = Model::from_hash("#scenario=clock-skew&seed=4");
        let auth = state.trace.spans.iter().position(|span| span.service == "auth").expect("auth");
        let adjusted = state.trace.analysis.times[auth];
        let raw = state.clone().update(Action::SetBasis(TimeBasis::Raw));
        assert_eq!(raw.trace.analysis.times[auth].start_ns, raw.trace.spans[auth].start_ns);
        assert_ne!(adjusted.start_ns, raw.trace.analysis.times[auth].start_ns, "the adjuster moved auth");
    }

    #[test]
    fn a_maximum_skew_adjustment_keeps_larger_shifts_out_and_survives_a_new_request() {
        let state = Model::from_hash("#scenario=clock-skew&seed=4");
        let auth = state.trace.spans.iter().position(|span| span.service == "auth").expect("auth");
        assert_ne!(state.trace.analysis.skew.spans[auth].shift_ns, 0, "auth is shifted with no limit");
        let limit = SkewLimit::from_ms(1.0).expect("a limit");
        let limited = state.update(Action::SetSkewLimit(limit));
        let shift = &limited.trace.analysis.skew.spans[auth];
        assert_eq!((shift.shift_ns, shift.kind), (0, crate::analysis::ShiftKind::NotApplied));
        assert_eq!(limited.trace.analysis.times[auth].start_ns, limited.trace.spans[auth].start_ns);
        let next = limited.update(Action::SendRequest);
        assert_eq!(next.trace.skew_limit, limit, "a new request keeps the limit");
    }

    #[test]
    fn replay_plays_to_the_end_and_steps_through_moments() {
        let state = Model::from_hash("");
        let state = state.update(Action::Play);
        let start = state.trace.replay().start_ns;
        assert_eq!(state.replay, Some(ReplayState { now_ns: start, playing: true }));
        let halfway = state.clone().update(Action::Tick(REPLAY_SECONDS / 2.0));
        let middle = halfway.replay.expect("on").now_ns;
        assert!(middle > start && middle < state.trace.replay().end_ns);
        let done = halfway.update(Action::Tick(REPLAY_SECONDS));
        assert_eq!(done.replay, Some(ReplayState { now_ns: done.trace.replay().end_ns, playing: false }));
        let stepped = Model::from_hash("").update(Action::StepForward).update(Action::StepForward);
        assert_eq!(stepped.replay.expect("on").now_ns, stepped.trace.moments()[1]);
        let fast = Model::from_hash("").update(Action::SetSpeed(100.0));
        assert_eq!(fast.speed, 8.0);
    }

    #[test]
    fn collapse_only_applies_to_spans_with_children() {
        let state = Model::from_hash("");
        let root = state.trace.order[0];
        let leaf = *state.trace.order.last().expect("rows");
        let collapsed = state.clone().update(Action::ToggleCollapse(root));
        assert!(collapsed.collapsed.contains(&root));
        assert!(!state.update(Action::ToggleCollapse(leaf)).collapsed.contains(&leaf));
        assert!(collapsed.update(Action::SetExpanded(root, true)).collapsed.is_empty());
    }
}
