//! The words around the trace, decided from the model: the page's title and lede, the summary,
//! the clock-skew note, the search's match count, the legend's overflow, the replay's status and
//! the download file names. The page lays them out; the CLI could print the same sentences.

use super::model::{Model, ReplayState, Source};
use super::trace::TraceView;
use crate::analysis::{SkewLimit, TimeBasis};
use crate::builtins;
use crate::waterfall::format_duration;

/// How many services the legend names (more would crowd the page; the rest are counted).
pub const LEGEND_MAX: usize = 24;

/// How many of an import's notes are listed (the count says how many there are).
pub const IMPORT_NOTES_MAX: usize = 200;

/// The maximum clock-skew adjustments people can pick: the choice's value (milliseconds, empty
/// for no maximum) and its label.
pub const SKEW_LIMIT_CHOICES: [(&str, &str); 6] =
    [("", "none"), ("1000", "1 s"), ("100", "100 ms"), ("10", "10 ms"), ("1", "1 ms"), ("0", "off")];

/// The page's heading: "Try it" for the default request, the scenario's name for another
/// built-in, the file's name for an import.
pub fn title(model: &Model) -> String {
    match &model.source {
        Source::Imported { file, .. } => file.clone(),
        Source::Simulated { .. } if model.base.name == builtins::DEFAULT => "Try it".to_owned(),
        Source::Simulated { .. } => model.base.name.clone(),
    }
}

/// The line under the heading: what the page does, or what was imported ("Imported OTLP/JSON:
/// 100,215 spans, 8 notes from the import").
pub fn lede(model: &Model) -> String {
    match &model.source {
        Source::Imported { format, warnings, .. } => {
            let notes = if warnings.is_empty() {
                String::new()
            } else {
                format!(", {}", import_notes_label(warnings.len()))
            };
            format!("Imported {format}: {} spans{notes}", group_digits(model.trace.spans.len()))
        }
        Source::Simulated { .. } => {
            "Trace one request across services. The waterfall shows where time goes.".to_owned()
        }
    }
}

/// "8 notes from the import".
pub fn import_notes_label(n_notes: usize) -> String {
    format!("{n_notes} notes from the import")
}

/// The scenario's lesson, for a simulated trace.
pub fn lesson(model: &Model) -> Option<&str> {
    (!model.is_imported()).then_some(model.base.lesson.as_str())
}

/// The fingerprint `reqflow run` prints for the same scenario, seed and knobs (simulated traces).
pub fn fingerprint(model: &Model) -> Option<&str> {
    match &model.source {
        Source::Simulated { fingerprint, .. } => Some(fingerprint),
        Source::Imported { .. } => None,
    }
}

/// "Opening big-trace.json (47.9 MB, 50% read)…", while a file is read.
pub fn opening_message(opening: &str) -> String {
    format!("Opening {opening}…")
}

/// `100215` as `100,215`: counts of a big trace are read at a glance.
pub fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, digit) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// "1 match", "3 matches".
pub fn match_count(n_matches: usize) -> String {
    format!("{n_matches} match{}", if n_matches == 1 { "" } else { "es" })
}

/// "+6 more services" when the legend cannot name them all.
pub fn legend_more(n_services: usize) -> Option<String> {
    (n_services > LEGEND_MAX).then(|| format!("+{} more services", n_services - LEGEND_MAX))
}

/// The name a downloaded export gets: `reqflow-try-it-seed42-jaeger.json` for a simulated trace
/// (it says how to make it again), `reqflow-trace-jaeger.json` for an import; `format` is the
/// format's short name (`jaeger`).
pub fn download_file_name(model: &Model, format: &str) -> String {
    match &model.source {
        Source::Simulated { .. } => {
            format!("reqflow-{}-seed{}-{}.json", model.base.name, model.seed, format)
        }
        Source::Imported { .. } => format!("reqflow-trace-{}.json", format),
    }
}

/// The summary under the insight: each field is the text shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The trace's duration on screen.
    pub total: String,
    pub n_spans: usize,
    /// `n_spans` with grouped digits.
    pub spans: String,
    pub services: String,
    pub traces: String,
    /// The first trace's id (the one the tree starts with).
    pub trace_id: String,
    /// Whether the simulated request failed.
    pub failed: bool,
    /// The request's true duration, when the recorded trace says otherwise by more than a
    /// millisecond (clock skew, un-traced services at the edges).
    pub true_end_to_end: Option<String>,
}

pub fn summary(model: &Model) -> Summary {
    let trace = &model.trace;
    let trace_id =
        trace.order.first().map(|&idx| trace.spans[idx as usize].trace_id.to_string()).unwrap_or_default();
    let (failed, true_end_to_end) = match &model.source {
        Source::Simulated { total_ns, failed, .. } => {
            let differs = (*total_ns - trace.duration_ns()).abs() > 1_000_000 && trace.n_traces == 1;
            (*failed, differs.then(|| format_duration(*total_ns)))
        }
        Source::Imported { .. } => (false, None),
    };
    Summary {
        total: trace.total_label(),
        n_spans: trace.spans.len(),
        spans: group_digits(trace.spans.len()),
        services: trace.n_services.to_string(),
        traces: trace.n_traces.to_string(),
        trace_id,
        failed,
        true_end_to_end,
    }
}

/// The clock-skew note's sentences, when there is something to say: how many spans do not fit
/// their parent, why some keep their raw times, and which times are shown.
pub fn skew_note(trace: &TraceView, basis: TimeBasis) -> Option<Vec<String>> {
    let skew = &trace.analysis.skew;
    let (n_shifted, n_not_applied) = (skew.n_shifted(), skew.n_not_applied());
    if n_shifted == 0 && n_not_applied == 0 && trace.skew_limit == SkewLimit::NONE {
        return None;
    }
    let mut sentences = vec![format!(
        "{} span(s) do not fit their parent on another host's clock. ",
        n_shifted + n_not_applied
    )];
    if n_not_applied > 0 {
        match trace.skew_limit.max_adjust_ns {
            Some(0) => sentences.push(format!("Adjustment is off, so {n_not_applied} keep their raw times. ")),
            Some(max) => sentences.push(format!(
                "{n_not_applied} would need a shift larger than the maximum adjustment of {}, so they keep their raw times. ",
                format_duration(max)
            )),
            None => {}
        }
    }
    sentences.push(
        if basis == TimeBasis::Adjusted {
            "Showing adjusted times; switch to Raw to see what the hosts recorded. "
        } else {
            "Showing raw times as the hosts recorded them; switch to Adjusted to see the correction. "
        }
        .to_owned(),
    );
    Some(sentences)
}

/// The value of [`SKEW_LIMIT_CHOICES`] that is `limit` (whole milliseconds; empty for none).
pub fn skew_limit_choice(limit: SkewLimit) -> String {
    limit.max_adjust_ns.map(|ns| (ns / 1_000_000).to_string()).unwrap_or_default()
}

/// The limit a choice's value stands for; anything else is no limit.
pub fn skew_limit_from_choice(value: &str) -> SkewLimit {
    value.parse().ok().and_then(SkewLimit::from_ms).unwrap_or(SkewLimit::NONE)
}

/// The replay's status: "whole trace" with no replay, "t = 12 ms" while on, "done" at the end.
/// Like [`replay_fraction`], it builds the trace's replay (every span's hops: a pass over a
/// 100,000-span trace) only when a replay is on.
pub fn replay_status(trace: &TraceView, replay: Option<ReplayState>) -> String {
    let Some(replay) = replay else { return "whole trace".to_owned() };
    let times = trace.replay();
    if replay.now_ns >= times.end_ns {
        "done".to_owned()
    } else {
        format!("t = {}", format_duration(replay.now_ns - times.start_ns))
    }
}

/// How far through the request the replay is (0..=1; the whole trace is 1).
pub fn replay_fraction(trace: &TraceView, replay: Option<ReplayState>) -> f64 {
    replay.map_or(1.0, |replay| {
        let times = trace.replay();
        (replay.now_ns - times.start_ns) as f64 / (times.end_ns - times.start_ns).max(1) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knobs::ServiceKnobs;
    use crate::view::Action;

    fn imported(model: &Model, n_notes: usize) -> Model {
        Model {
            source: Source::Imported {
                file: "trace.json".to_owned(),
                format: "OTLP/JSON".to_owned(),
                warnings: (0..n_notes).map(|idx| format!("note {idx}")).collect(),
            },
            ..model.clone()
        }
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (100_215, "100,215"),
            (1_234_567, "1,234,567"),
        ];
        for (n, expected) in cases {
            assert_eq!(group_digits(n), expected);
        }
    }

    #[test]
    fn title_and_lede_say_what_is_on_screen() {
        let model = Model::from_hash("");
        assert_eq!(title(&model), "Try it");
        assert!(lede(&model).starts_with("Trace one request across services."));
        assert!(lesson(&model).is_some_and(|lesson| !lesson.is_empty()));
        assert!(fingerprint(&model).is_some_and(|fingerprint| fingerprint.len() == 16));
        let db_pool = model.update(Action::SelectScenario("db-pool".into()));
        assert_eq!(title(&db_pool), "db-pool");
        let file = imported(&db_pool, 8);
        assert_eq!(title(&file), "trace.json");
        let n_spans = group_digits(file.trace.spans.len());
        assert_eq!(lede(&file), format!("Imported OTLP/JSON: {n_spans} spans, 8 notes from the import"));
        assert_eq!(lede(&imported(&db_pool, 0)), format!("Imported OTLP/JSON: {n_spans} spans"));
        assert_eq!((lesson(&file), fingerprint(&file)), (None, None));
    }

    #[test]
    fn matches_and_hidden_services_are_counted_in_words() {
        assert_eq!(match_count(0), "0 matches");
        assert_eq!(match_count(1), "1 match");
        assert_eq!(match_count(3), "3 matches");
        assert_eq!(legend_more(LEGEND_MAX), None);
        assert_eq!(legend_more(30).as_deref(), Some("+6 more services"));
        assert_eq!(opening_message("a.json (12 KB)"), "Opening a.json (12 KB)…");
    }

    #[test]
    fn download_names_say_how_to_make_the_trace_again() {
        let model = Model::from_hash("").update(Action::SetSeed(42));
        assert_eq!(download_file_name(&model, "jaeger"), "reqflow-try-it-seed42-jaeger.json");
        assert_eq!(download_file_name(&imported(&model, 0), "otlp"), "reqflow-trace-otlp.json");
    }

    #[test]
    fn summary_shows_the_true_end_to_end_time_only_when_the_trace_says_otherwise() {
        let model = Model::from_hash("");
        let plain = summary(&model);
        assert_eq!((plain.n_spans, plain.traces.as_str()), (model.trace.spans.len(), "1"));
        assert_eq!(plain.trace_id.len(), 32);
        assert_eq!((plain.failed, plain.true_end_to_end), (false, None));
        // Raw times on a host 200 ms behind: the recorded trace is longer than the request was.
        let skewed = ServiceKnobs { skew_ms: Some(-200.0), ..ServiceKnobs::default() };
        let raw =
            model.update(Action::SetBasis(TimeBasis::Raw)).update(Action::SetKnobs("auth".into(), skewed));
        let Source::Simulated { total_ns, .. } = raw.source else { unreachable!("simulated") };
        assert_eq!(summary(&raw).true_end_to_end, Some(format_duration(total_ns)));
        let failing = ServiceKnobs { error_rate: Some(1.0), ..ServiceKnobs::default() };
        assert!(summary(&model.update(Action::SetKnobs("database".into(), failing))).failed);
    }

    #[test]
    fn skew_note_explains_limits_and_the_basis() {
        assert_eq!(skew_note(&Model::from_hash("").trace, TimeBasis::Adjusted), None);
        let model = Model::from_hash("#scenario=clock-skew&seed=4");
        let note = skew_note(&model.trace, TimeBasis::Adjusted).expect("skewed").concat();
        assert!(
            note.contains("do not fit their parent") && note.contains("Showing adjusted times"),
            "{note}"
        );
        let raw = skew_note(&model.trace, TimeBasis::Raw).expect("skewed").concat();
        assert!(raw.contains("Showing raw times"), "{raw}");
        let limited = model.clone().update(Action::SetSkewLimit(skew_limit_from_choice("1")));
        let note = skew_note(&limited.trace, TimeBasis::Adjusted).expect("skewed").concat();
        assert!(
            note.contains("larger than the maximum adjustment of 1 ms, so they keep their raw times"),
            "{note}"
        );
        let off = model.update(Action::SetSkewLimit(skew_limit_from_choice("0")));
        let note = skew_note(&off.trace, TimeBasis::Adjusted).expect("skewed").concat();
        assert!(note.contains("Adjustment is off, so"), "{note}");
    }

    #[test]
    fn skew_limit_choices_round_trip() {
        for (value, _) in SKEW_LIMIT_CHOICES {
            assert_eq!(skew_limit_choice(skew_limit_from_choice(value)), value);
        }
        assert_eq!(skew_limit_from_choice("nonsense"), SkewLimit::NONE);
        assert_eq!(skew_limit_from_choice("-5"), SkewLimit::NONE);
    }

    #[test]
    fn replay_status_follows_the_moment() {
        let model = Model::from_hash("");
        assert_eq!(replay_status(&model.trace, None), "whole trace");
        assert_eq!(replay_fraction(&model.trace, None), 1.0);
        let started = model.update(Action::StepForward);
        assert_eq!(replay_status(&started.trace, started.replay), "t = 0 ns");
        assert_eq!(replay_fraction(&started.trace, started.replay), 0.0);
        let done = started.update(Action::Seek(1.0));
        assert_eq!(replay_status(&done.trace, done.replay), "done");
    }
}
