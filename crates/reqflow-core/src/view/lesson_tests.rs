use super::*;
use crate::view::Action;
use crate::view::lesson_link::{self, MAX_LINK_JSON, base64url_decode, base64url_encode};

fn critical_path() -> Model {
    Model::from_hash("#lesson=critical-path&step=1")
}

fn act(model: &Model, action: LessonAction) -> Model {
    model.update(Action::Lesson(action))
}

fn database_query(model: &Model) -> u32 {
    let pick = lesson::SpanPick { service: "database".into(), operation: Some("SELECT orders".into()) };
    lesson::pick_span(model, &pick).expect("the query")
}

#[test]
fn a_learner_completes_critical_path_by_clicking_and_setting_a_knob() {
    let model = critical_path();
    let view = lesson_view(&model).expect("a lesson is on");
    assert_eq!(view.step_label, "Step 1 of 2");
    assert!(!view.verdict.passed);
    assert_eq!(view.next, None);
    assert_eq!(act(&model, LessonAction::Next), model, "Next does nothing before the step passes");
    let model = model.update(Action::Select(Some(database_query(&model))));
    let view = lesson_view(&model).expect("on");
    assert!(view.verdict.passed, "{}", view.verdict);
    assert!(view.verdict.text.contains("is the bottleneck"), "{}", view.verdict);
    assert_eq!(view.next.as_deref(), Some("Next step"));
    let model = act(&model, LessonAction::Next);
    assert_eq!(lesson_view(&model).expect("on").step_label, "Step 2 of 2");
    let model =
        lesson::play(&model, &mut Progress::default(), &Move::Knobs("database.latency=fixed:5".into()))
            .expect("plays");
    assert!(model.lesson.is_some(), "a knob change keeps the lesson");
    let view = lesson_view(&model).expect("on");
    assert!(view.verdict.passed, "{}", view.verdict);
    assert_eq!(view.next.as_deref(), Some("Finish lesson"));
    let model = act(&model, LessonAction::Next);
    let view = lesson_view(&model).expect("on");
    assert!(view.finished.as_deref().is_some_and(|text| text.starts_with("Lesson complete")));
    let store = ProgressStore::default().record(model.lesson.as_deref().expect("on"));
    let reread = ProgressStore::from_json(&store.to_json());
    assert_eq!(reread, store);
    let entry = catalog(&reread).into_iter().find(|entry| entry.id == "critical-path").expect("listed");
    assert_eq!((entry.status.as_str(), entry.completed), ("Completed ✓", true));
    assert!(act(&model, LessonAction::Close).lesson.is_none());
}

#[test]
fn hints_come_one_at_a_time_and_the_reveal_highlights_its_span() {
    let model = critical_path();
    assert_eq!(lesson_view(&model).expect("on").next_hint.as_deref(), Some("Hint (1 of 2)"));
    let model = act(&model, LessonAction::Hint);
    let view = lesson_view(&model).expect("on");
    assert_eq!((view.hints.len(), view.next_hint.as_deref()), (1, Some("Hint (2 of 2)")));
    let model = act(&act(&model, LessonAction::Hint), LessonAction::Hint);
    let view = lesson_view(&model).expect("on");
    assert_eq!((view.hints.len(), view.next_hint), (2, None));
    assert_eq!(highlight(&model), None);
    let model = act(&model, LessonAction::Reveal);
    assert!(lesson_view(&model).expect("on").reveal.is_some());
    assert_eq!(highlight(&model), Some(database_query(&model)));
    assert_eq!(model.selected, None, "revealing does not answer for the learner");
}

#[test]
fn a_deep_link_plays_the_earlier_steps_and_answers_are_kept() {
    let model = Model::from_hash("#lesson=critical-path&step=2");
    let state = model.lesson.as_deref().expect("on");
    assert_eq!((state.step, model.notice.clone()), (1, None));
    assert!(model.selected.is_some(), "step 1's solution selected the query");
    assert_eq!(lesson_link::hash(state).as_deref(), Some("#lesson=critical-path&step=2"));
    let first = Model::from_hash("#lesson=trace-and-spans&step=1");
    let n_steps = first.lesson.as_deref().expect("on").lesson.steps.len();
    let last = Model::from_hash(&format!("#lesson=trace-and-spans&step={n_steps}"));
    assert!(!last.lesson.as_deref().expect("on").answers.is_empty(), "earlier answers were played");
    let answered = act(&first, LessonAction::Answer(1));
    assert_eq!(answered.lesson.as_deref().expect("on").answer(), Some(1));
}

#[test]
fn bad_lesson_links_fall_back_with_a_notice() {
    for (hash, notice) in [
        ("#lesson=no-such-lesson", "could not be opened (no lesson \"no-such-lesson\")"),
        ("#lesson=<script>", "could not be opened"),
        ("#lesson-json=!!!", "not base64url"),
        ("#lesson-json=e30", "the lesson link:"),
        ("#lesson=critical-path&what=ever", "unknown part"),
    ] {
        let model = Model::from_hash(hash);
        assert!(model.lesson.is_none(), "{hash}");
        assert_eq!(model.base.name, "try-it");
        assert!(
            model.notice.as_deref().is_some_and(|text| text.contains(notice)),
            "{hash}: {:?}",
            model.notice
        );
    }
    for step in ["0", "99", "x", ""] {
        let model = Model::from_hash(&format!("#lesson=critical-path&step={step}"));
        assert_eq!(model.lesson.as_deref().expect("opens at step 1").step, 0, "{step}");
        assert!(model.notice.as_deref().is_some_and(|text| text.contains("starting at step 1")), "{step}");
    }
}

#[test]
fn a_lesson_of_ones_own_opens_from_a_file_and_travels_in_a_link() {
    let json = serde_json::to_string(&lesson::load("critical-path").expect("built in")).expect("json");
    let json = json.replace("\"id\":\"critical-path\"", "\"id\":\"my-lesson\"");
    let model = Model::from_hash("").update(Action::OpenLesson("mine.json".into(), json.clone()));
    let state = model.lesson.as_deref().expect("opened");
    assert_eq!(state.lesson.id, "my-lesson");
    assert!(matches!(&state.origin, LessonOrigin::Shared(text) if **text == json));
    let hash = lesson_link::hash(state).expect("short enough");
    let reopened = Model::from_hash(&hash);
    assert_eq!(reopened.lesson.as_deref().expect("from the link").lesson, state.lesson);
    let broken = Model::from_hash("")
        .update(Action::OpenLesson("mine.json".into(), json.replace("\"steps\"", "\"stepz\"")));
    let error = broken.error.expect("an error");
    assert!(error.starts_with("Could not open the lesson: mine.json:1:"), "{error}");
    let toml = Model::from_hash("").update(Action::OpenLesson("mine.toml".into(), "id = \"x\"".into()));
    assert!(toml.error.expect("an error").contains("reads lessons as JSON"));
}

#[test]
fn a_lesson_too_long_for_a_link_says_so() {
    let mut lesson = lesson::load("critical-path").expect("built in");
    lesson.explanation = "word ".repeat(MAX_LINK_JSON / 5 + 1);
    let model = lesson_view_of(lesson);
    let state = model.lesson.as_deref().expect("on");
    assert_eq!(lesson_link::hash(state), None);
    let note = lesson_view(&model).expect("on").link_note.expect("a note");
    assert!(note.contains("links carry lessons up to 16 KB"), "{note}");
}

fn lesson_view_of(lesson: Lesson) -> Model {
    let json = serde_json::to_string(&lesson).expect("json");
    start(Rc::new(lesson), LessonOrigin::Shared(json.into()), 0, BTreeMap::new()).expect("starts")
}

#[test]
fn progress_resumes_where_the_learner_left_and_restarts_once_completed() {
    let model = act(
        &critical_path().update(Action::Select(Some(database_query(&critical_path())))),
        LessonAction::Next,
    );
    let store = ProgressStore::default().record(model.lesson.as_deref().expect("on"));
    assert_eq!(store.resume("critical-path").0, 1);
    let entry = catalog(&store).into_iter().find(|entry| entry.id == "critical-path").expect("listed");
    assert_eq!(entry.status, "Step 2 of 2");
    let answered = act(&Model::from_hash("#lesson=trace-and-spans&step=1"), LessonAction::Answer(2));
    let store = store.record(answered.lesson.as_deref().expect("on"));
    let reloaded = restore(Model::from_hash("#lesson=trace-and-spans&step=1"), &store);
    assert_eq!(reloaded.lesson.as_deref().expect("on").answer(), Some(2), "answers survive a reload");
    assert_eq!(ProgressStore::from_json("not json"), ProgressStore::default());
    assert!(catalog(&ProgressStore::default())[0].status.ends_with("steps"));
}

#[test]
fn explanations_are_text_with_emphasis_and_code() {
    let pieces =
        paragraphs("The *critical path* is\nlong.\n\nRun `reqflow run`, *not* `a*b`; a lone * stays.");
    assert_eq!(pieces.len(), 2);
    assert_eq!(
        pieces[0],
        vec![
            Inline::Text("The ".into()),
            Inline::Emphasis("critical path".into()),
            Inline::Text(" is long.".into())
        ]
    );
    assert_eq!(
        pieces[1],
        vec![
            Inline::Text("Run ".into()),
            Inline::Code("reqflow run".into()),
            Inline::Text(", ".into()),
            Inline::Emphasis("not".into()),
            Inline::Text(" ".into()),
            Inline::Code("a*b".into()),
            Inline::Text("; a lone * stays.".into()),
        ]
    );
    assert_eq!(inlines("<b>x</b>"), vec![Inline::Text("<b>x</b>".into())]);
}

#[test]
fn base64url_round_trips_and_refuses_other_text() {
    for bytes in [&b""[..], b"f", b"fo", b"foo", b"foob", "{\"é\":1}".as_bytes()] {
        let encoded = base64url_encode(bytes);
        assert!(!encoded.contains(['+', '/', '=']));
        assert_eq!(base64url_decode(&encoded).as_deref(), Some(bytes), "{encoded}");
    }
    assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
    assert_eq!(base64url_decode("Zm9vYg=="), Some(b"foob".to_vec()));
    assert_eq!(base64url_decode("Zm9v+g"), None);
    assert_eq!(base64url_decode("Z"), None);
}
