use super::*;

#[test]
fn every_builtin_lesson_is_solved_by_its_solution_and_not_by_its_start() {
    let lessons = all();
    assert_eq!(lessons.len(), LESSONS.len(), "every lesson file loads");
    for lesson in &lessons {
        if let Err(error) = solve(lesson) {
            panic!("{error}");
        }
    }
}

#[test]
fn lesson_ids_are_unique_and_match_the_table() {
    let mut ids: Vec<&str> = LESSONS.iter().map(|lesson| lesson.id).collect();
    for (builtin, lesson) in LESSONS.iter().zip(all()) {
        assert_eq!(builtin.id, lesson.id);
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), LESSONS.len(), "duplicate lesson ids: {ids:?}");
    assert!(LESSONS.len() >= 12, "the course covers the concept card in at least twelve lessons");
}

fn lesson_toml(steps: &str) -> String {
    format!(
        "id = \"test\"\ntitle = \"A test\"\nexplanation = \"Words.\"\n[start]\nbuiltin = \"try-it\"\nseed = 1\n{steps}"
    )
}

const SELECT_DB: &str = r#"
[[steps]]
task = "Click the query."
reveal = { text = "The database." }
check = { type = "selected", service = "database" }
solution = [{ select = { service = "database" } }]
"#;

#[test]
fn a_lesson_file_parses_and_round_trips_through_json() {
    let lesson = Lesson::parse(&lesson_toml(SELECT_DB), "test.toml").expect("parses");
    assert_eq!(lesson.steps.len(), 1);
    let json = serde_json::to_string(&lesson).expect("serializes");
    assert_eq!(Lesson::parse(&json, "test.json").expect("JSON parses"), lesson);
}

#[test]
fn malformed_lessons_say_where_and_what() {
    let cases: [(String, &str); 6] = [
        (
            lesson_toml(SELECT_DB).replace("type = \"selected\"", "type = \"selcted\""),
            "test.toml:11:18: unknown variant `selcted`, expected one of `selected`",
        ),
        (
            lesson_toml(SELECT_DB)
                .replace("service = \"database\" }\nsolution", "service = \"db\" }\nsolution"),
            "test.toml: steps[0].check.service: no service \"db\" in the scenario (its services: gateway, auth, orders, database)",
        ),
        (
            lesson_toml(SELECT_DB).replace("builtin = \"try-it\"", "builtin = \"try-that\""),
            "test.toml: start.builtin: no built-in scenario \"try-that\"",
        ),
        (
            lesson_toml(SELECT_DB).replace("id = \"test\"", "id = \"Test Lesson\""),
            "test.toml: id: use lowercase letters, digits and '-'",
        ),
        (
            // (`steps` before `[start]`, or TOML would put it in the start table.)
            lesson_toml("").replace("[start]\n", "steps = []\n[start]\n"),
            "test.toml: steps: a lesson needs at least one step",
        ),
        (
            lesson_toml(
                r#"[[steps]]
task = "Answer."
reveal = { text = "b" }
check = { type = "answer", question = "Which?", choices = ["a", "b"], correct = 2 }
solution = [{ answer = 1 }]
"#,
            ),
            "test.toml: steps[0].check.correct: choice 2 of 2 choices",
        ),
    ];
    for (text, expected) in cases {
        let error = Lesson::parse(&text, "test.toml").expect_err(expected).to_string();
        assert!(error.starts_with(expected), "expected an error starting {expected:?}, got {error:?}");
    }
}

#[test]
fn solving_refuses_a_step_that_passes_untouched_and_a_solution_that_fails() {
    let untouched = lesson_toml(
        r#"[[steps]]
task = "Nothing to do."
reveal = { text = "-" }
check = { type = "traces", count = 1 }
solution = []
"#,
    );
    let lesson = Lesson::parse(&untouched, "test.toml").expect("parses");
    assert!(
        matches!(solve(&lesson), Err(SolveError::PassesUntouched { step: 1, .. })),
        "{:?}",
        solve(&lesson)
    );
    let wrong = lesson_toml(
        &SELECT_DB.replace("select = { service = \"database\" }", "select = { service = \"auth\" }"),
    );
    let lesson = Lesson::parse(&wrong, "test.toml").expect("parses");
    let error = solve(&lesson).expect_err("auth is not the database");
    assert_eq!(
        error.to_string(),
        "lesson test, step 1: the solution does not pass the check (selected: auth `POST /verify`)"
    );
}

#[test]
fn checks_say_what_is_true_now() {
    let start = load("critical-path").expect("built in").start_model().expect("simulates");
    let database =
        pick_span(&start, &SpanPick { service: "database".into(), operation: None }).expect("a span");
    let auth = pick_span(&start, &SpanPick { service: "auth".into(), operation: None }).expect("a span");
    let on_database = start.update(crate::view::Action::Select(Some(database)));
    let on_auth = start.update(crate::view::Action::Select(Some(auth)));
    let check = |text: &str| -> Check { serde_json::from_str(text).expect("a check") };
    let cases: Vec<(&Model, Check, Option<usize>, &str)> = vec![
        (
            &start,
            check(r#"{"type": "selected", "service": "database"}"#),
            None,
            "✗ no span is selected: click one in the waterfall",
        ),
        (
            &on_database,
            check(r#"{"type": "selected", "service": "database"}"#),
            None,
            "✓ selected: database `SELECT orders`",
        ),
        (
            &on_auth,
            check(r#"{"type": "selected_on_critical_path"}"#),
            None,
            "✓ auth `POST /verify` has 37 ms on the critical path",
        ),
        (
            &on_auth,
            check(r#"{"type": "selected_is_bottleneck"}"#),
            None,
            "✗ auth `POST /verify` is not the span that holds the critical path up",
        ),
        (
            &on_database,
            check(r#"{"type": "selected_is_bottleneck"}"#),
            None,
            "✓ database `SELECT orders` is the bottleneck: database: 99.8 ms of 155 ms (64%) on the critical path, in `SELECT orders`",
        ),
        (
            &start,
            check(r#"{"type": "bottleneck", "service": "database"}"#),
            None,
            "✓ database owns 64% of the critical path",
        ),
        (
            &start,
            check(r#"{"type": "bottleneck", "service": "database", "not": true}"#),
            None,
            "✗ database owns 64% of the critical path",
        ),
        (
            &start,
            check(r#"{"type": "share", "service": "auth", "at_least_percent": 30}"#),
            None,
            "✗ auth owns 24% of the critical path",
        ),
        (
            &start,
            check(r#"{"type": "end_to_end", "below_ms": 100}"#),
            None,
            "✗ the request took 155 ms end to end",
        ),
        (&start, check(r#"{"type": "traces", "count": 1}"#), None, "✓ the request's spans form one trace"),
        (&start, check(r#"{"type": "spans", "at_least": 8}"#), None, "✗ the trace holds 7 spans"),
        (&start, check(r#"{"type": "failed", "failed": false}"#), None, "✓ the request succeeded"),
        (
            &start,
            check(r#"{"type": "basis", "basis": "raw"}"#),
            None,
            "✗ the waterfall shows adjusted times (clock skew corrected)",
        ),
        (
            &start,
            check(r#"{"type": "shifted", "service": "auth", "at_most_ms": 1}"#),
            None,
            "✓ auth's spans were not moved by the clock-skew adjuster",
        ),
        (
            &start,
            check(r#"{"type": "answer", "question": "?", "choices": ["a", "b"], "correct": 1}"#),
            None,
            "✗ not answered yet",
        ),
        (
            &start,
            check(r#"{"type": "answer", "question": "?", "choices": ["a", "b"], "correct": 1}"#),
            Some(0),
            "✗ not a",
        ),
        (
            &start,
            check(r#"{"type": "answer", "question": "?", "choices": ["a", "b"], "correct": 1}"#),
            Some(1),
            "✓ right: b",
        ),
        (
            &on_database,
            check(
                r#"{"type": "all", "checks": [{"type": "selected", "service": "database"}, {"type": "traces", "count": 2}]}"#,
            ),
            None,
            "✗ the request's spans form one trace; selected: database `SELECT orders`",
        ),
    ];
    for (model, check, answer, expected) in cases {
        assert_eq!(evaluate(&check, model, answer).to_string(), expected, "{check:?}");
    }
}

#[test]
fn a_pick_means_the_matching_span_with_most_critical_path_time() {
    let lesson = load("retry-storm").expect("built in");
    let model = lesson.start_model().expect("simulates");
    let picked =
        pick_span(&model, &SpanPick { service: "inventory".into(), operation: None }).expect("a span");
    let inventory: Vec<u32> = model
        .trace
        .order
        .iter()
        .copied()
        .filter(|&idx| model.trace.spans[idx as usize].service.as_str() == "inventory")
        .collect();
    assert_eq!(inventory.len(), 2, "two attempts reached inventory");
    let critical = |idx: u32| model.trace.analysis.critical_path.span_ns[idx as usize];
    assert!(inventory.iter().all(|&other| critical(picked) >= critical(other)));
    assert_ne!(critical(inventory[0]), critical(inventory[1]), "the test needs two different shares");
}

#[test]
fn a_sampling_check_judges_the_chosen_policy_on_a_run() {
    let lesson = load("sampling").expect("built in");
    let model = lesson.start_model().expect("simulates");
    let errors = &lesson.steps[1].check;
    let head = evaluate(errors, &model, Some(0));
    assert!(!head.passed, "head sampling misses errors: {head}");
    assert!(head.text.contains("of 10 failed requests over 3000 requests"), "{head}");
    let status = evaluate(errors, &model, Some(2));
    assert!(status.passed, "{status}");
    assert_eq!(evaluate(errors, &model, None).text, "not answered yet");
    // A latency threshold keeps the slow but not the failed ones.
    assert!(!evaluate(errors, &model, Some(3)).passed);
    assert!(evaluate(&lesson.steps[2].check, &model, Some(3)).passed);
}

#[test]
fn a_sampling_check_needs_one_parsable_policy_per_choice() {
    let step = |policies: &str| {
        lesson_toml(&format!(
            r#"[[steps]]
task = "Pick."
reveal = {{ text = "-" }}
check = {{ type = "sampling", question = "?", choices = ["a", "b"], policies = {policies}, requests = 100, keeps = "errors", max_span_percent = 5.0 }}
solution = [{{ answer = 1 }}]
"#
        ))
    };
    let error = Lesson::parse(&step(r#"["head"]"#), "test.toml").expect_err("one policy for two choices");
    assert!(error.to_string().contains("steps[0].check.policies: give one policy per choice"), "{error}");
    let error = Lesson::parse(&step(r#"["head", "tail-ish"]"#), "test.toml").expect_err("no such preset");
    assert!(error.to_string().contains("steps[0].check.policies[1]"), "{error}");
    assert!(Lesson::parse(&step(r#"["head", "errors"]"#), "test.toml").is_ok());
}
