//! The `reqflow` command, run as a user would.

use std::process::{Command, Output};

fn reqflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reqflow")).args(args).output().expect("reqflow runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_describes_the_commands() {
    let output = reqflow(&["--help"]);
    assert!(output.status.success());
    for word in ["scenarios", "run", "traceparent"] {
        assert!(stdout(&output).contains(word), "--help mentions {word}");
    }
}

#[test]
fn scenarios_lists_every_builtin_with_its_lesson() {
    let output = reqflow(&["scenarios"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for name in reqflow_core::builtins::names() {
        let lesson = reqflow_core::builtins::load(name).expect("built-in").lesson;
        assert!(text.lines().any(|line| line.starts_with(name) && line.contains(&lesson)), "{name} listed");
    }
}

#[test]
fn run_prints_the_default_trace_as_a_waterfall() {
    let output = reqflow(&["run", "--seed", "42", "--width", "100"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("scenario try-it  seed 42\n"), "{text}");
    assert!(text.lines().last().is_some_and(|line| line.starts_with("fingerprint ")), "{text}");
    for service in ["gateway", "auth", "orders", "database"] {
        assert!(
            text.lines().any(|line| line.trim_start().starts_with(service) && line.contains('█')),
            "{service} row"
        );
    }
    assert!(text.lines().all(|line| line.chars().count() <= 100), "fits the width");
    // Same seed, same output.
    assert_eq!(stdout(&reqflow(&["run", "--seed", "42", "--width", "100"])), text);
}

#[test]
fn run_without_a_seed_says_which_seed_it_chose() {
    let output = reqflow(&["run"]);
    assert!(output.status.success());
    let note = stderr(&output);
    let seed: u64 = note
        .split("--seed ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| panic!("seed printed: {note}"));
    let replay = reqflow(&["run", "--seed", &seed.to_string()]);
    assert_eq!(stdout(&replay), stdout(&output), "the printed seed reproduces the run");
}

#[test]
fn run_json_is_the_full_fidelity_trace() {
    let dir = std::env::temp_dir().join(format!("reqflow-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("trace.json");
    let output = reqflow(
        &["run", "--builtin", "clock-skew", "--seed", "7", "--requests", "2", "--format", "json", "--out"]
            .into_iter()
            .chain([out.to_str().expect("utf-8 path")])
            .collect::<Vec<_>>(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let traces: Vec<reqflow_core::RequestTrace> =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("parses back");
    assert_eq!(traces.len(), 2);
    assert!(traces[0].spans.iter().all(|span| span.truth.is_some()), "true times next to observed ones");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_is_a_clear_error_and_a_non_zero_exit() {
    let dir = std::env::temp_dir().join(format!("reqflow-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("broken.toml");
    std::fs::write(&file, "name = \"x\"\nentry = { service = \"a\", operation = \"b\" \n").expect("write");
    let output = reqflow(&["run", file.to_str().expect("utf-8 path")]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.starts_with("reqflow: error: "), "{message}");
    assert!(message.contains("broken.toml:2:"), "names file and line: {message}");

    let output = reqflow(&["run", "--builtin", "nope"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no built-in scenario named \"nope\" (known: try-it"),
        "{}",
        stderr(&output)
    );

    let output = reqflow(&["run", "/definitely/not/here.toml"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("cannot read /definitely/not/here.toml"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn summary_streams_a_large_run_without_building_spans() {
    let output = reqflow(&["run", "--seed", "5", "--requests", "20000", "--format", "summary"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("requests  20000"), "{text}");
    assert!(text.contains("spans     140000"), "{text}");
    assert!(text.contains("latency   p50 "), "{text}");
}

#[test]
fn knobs_change_the_scenario_and_bad_ones_are_rejected() {
    let plain = stdout(&reqflow(&["run", "--seed", "3"]));
    let output =
        reqflow(&["run", "--seed", "3", "--knobs", "orders.instrumented=false,orders.propagates=false"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let changed = stdout(&output);
    assert_ne!(plain, changed);
    assert!(!changed.lines().any(|line| line.trim_start().starts_with("orders ")), "orders emits no spans");
    assert!(changed.contains("(a separate trace: context was lost)"), "{changed}");
    let output = reqflow(&["run", "--knobs", "nope.skew=3"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no service \"nope\""), "{}", stderr(&output));
}

#[test]
fn run_exports_otlp_jaeger_and_zipkin_that_import_back() {
    for format in ["otlp", "jaeger", "zipkin"] {
        let output = reqflow(&["run", "--builtin", "async-queue", "--seed", "2", "--format", format]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        let imported = reqflow_formats::import(&stdout(&output), format).expect("imports back");
        assert_eq!(imported.format.as_str(), format);
        let direct =
            reqflow_core::Simulation::new(&reqflow_core::builtins::load("async-queue").expect("built-in"))
                .expect("compiles")
                .simulate_one(2)
                .expect("runs");
        assert_eq!(imported.spans.len(), direct.spans.len(), "{format}");
    }
}

#[test]
fn run_exports_many_requests_as_one_document_written_in_batches() {
    // 400 try-it requests: 2,800 spans, more than one batch of whole requests.
    let simulation =
        reqflow_core::Simulation::new(&reqflow_core::builtins::load("try-it").expect("built-in"))
            .expect("compiles");
    let spans: Vec<reqflow_core::Span> =
        simulation.run_collect(11, 400).expect("runs").into_iter().flat_map(|trace| trace.spans).collect();
    assert_eq!(spans.len(), 2800);
    for format in [reqflow_formats::Format::Zipkin, reqflow_formats::Format::Jaeger] {
        let output = reqflow(&["run", "--seed", "11", "--requests", "400", "--format", format.as_str()]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        let expected = reqflow_formats::export(&spans, format) + "\n";
        assert!(stdout(&output) == expected, "{format}: batches give the bytes of a whole export");
    }
    let output = reqflow(&["run", "--seed", "11", "--requests", "400", "--format", "otlp"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let document: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
    let whole: serde_json::Value =
        serde_json::from_str(&reqflow_formats::export(&spans, reqflow_formats::Format::Otlp)).expect("JSON");
    let n_entries = |document: &serde_json::Value| document["resourceSpans"].as_array().map(Vec::len);
    assert!(n_entries(&document) > n_entries(&whole), "resources repeat per batch");
    let imported = reqflow_formats::import(&text, "run.json").expect("imports back");
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    let mut ids: Vec<_> = imported.spans.iter().map(|span| (span.trace_id, span.span_id)).collect();
    let mut expected: Vec<_> = spans.iter().map(|span| (span.trace_id, span.span_id)).collect();
    ids.sort_unstable();
    expected.sort_unstable();
    assert!(ids == expected, "the same spans");
}

#[test]
fn compact_runs_are_the_pretty_documents_without_whitespace() {
    // 400 try-it requests: more than one batch of whole requests.
    let simulation =
        reqflow_core::Simulation::new(&reqflow_core::builtins::load("try-it").expect("built-in"))
            .expect("compiles");
    let spans: Vec<reqflow_core::Span> =
        simulation.run_collect(11, 400).expect("runs").into_iter().flat_map(|trace| trace.spans).collect();
    for format in ["otlp", "jaeger", "zipkin", "json"] {
        let args = ["run", "--seed", "11", "--requests", "400", "--format", format];
        let pretty = reqflow(&args);
        let compact = reqflow(&[&args[..], &["--compact"]].concat());
        assert!(compact.status.success(), "{format}: {}", stderr(&compact));
        let compact_text = stdout(&compact);
        assert_eq!(compact_text.lines().count(), 1, "{format}: one line");
        let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).expect("one JSON document");
        assert!(parse(&compact_text) == parse(&stdout(&pretty)), "{format}: the same JSON as the pretty run");
        if let Ok(trace_format) = format.parse::<reqflow_formats::Format>()
            && trace_format != reqflow_formats::Format::Otlp
        {
            let expected = reqflow_formats::export_compact(&spans, trace_format) + "\n";
            assert!(compact_text == expected, "{format}: batches give the bytes of a whole compact export");
        }
    }
}

fn fixture(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    root.join(path).to_str().expect("utf-8 path").to_owned()
}

#[test]
fn view_prints_waterfall_warnings_critical_path_and_bottleneck() {
    let output = reqflow(&["view", &fixture("zipkin/skew.json"), "--adjust-skew", "--width", "100"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "Zipkin v2 JSON with 4 spans, skew-adjusted times",
        "bottleneck: ",
        "critical path (",
        "clock skew: 2 span(s) adjusted",
        "warnings (",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    let output = reqflow(&["view", &fixture("jaeger/jaeger_ui_01.json"), "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json report");
    assert_eq!(report["format"], "jaeger");
    assert_eq!(report["spans"], 5);
    assert!(
        report["warnings"].as_array().is_some_and(|warnings| !warnings.is_empty()),
        "duplicate ids are reported"
    );
    assert!(report["bottleneck"].as_str().is_some_and(|sentence| sentence.contains("on the critical path")));
}

#[test]
fn view_max_skew_adjust_refuses_larger_shifts_and_zero_turns_adjustment_off() {
    let skew = fixture("zipkin/skew.json");
    let output = reqflow(&["view", &skew, "--adjust-skew", "--max-skew-adjust", "1"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "over the limit and not adjusted (maximum adjustment 1 ms)",
        "skew not adjusted: ",
        "which exceeds the maximum adjustment of 1 ms by ",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    let output = reqflow(&["view", &skew, "--adjust-skew", "--max-skew-adjust", "0", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json report");
    assert_eq!(report["skew_limit"], "adjustment off (maximum 0)");
    let adjustments = report["skew_adjustments"].as_array().expect("a list");
    assert!(!adjustments.is_empty(), "{report}");
    for adjustment in adjustments {
        assert_eq!(adjustment["shift_ns"], 0, "nothing moves when adjustment is off: {adjustment}");
        assert_ne!(adjustment["not_applied_ns"], 0, "{adjustment}");
    }
    let output = reqflow(&["view", &skew, "--adjust-skew", "--max-skew-adjust=-5"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("0 or more milliseconds"), "{}", stderr(&output));
    let output = reqflow(&["view", &skew, "--max-skew-adjust", "5"]);
    assert!(!output.status.success(), "the limit needs --adjust-skew");
    assert!(stderr(&output).contains("--adjust-skew"), "{}", stderr(&output));
}

#[test]
fn view_explains_a_broken_file() {
    // A resource without service.name is no error: it loads as the OpenTelemetry SDK names it.
    let output = reqflow(&["view", &fixture("otlp/jaeger-ui_otlp2jaeger-in-error.json")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("no service name: attributed to \"unknown_service\""), "{text}");
    let dir = std::env::temp_dir().join(format!("reqflow-view-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("cut.json");
    std::fs::write(&file, "{\"resourceSpans\": [\n  {\"resource\": ").expect("write");
    let output = reqflow(&["view", file.to_str().expect("utf-8 path")]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("cut.json:2:"), "line and column: {}", stderr(&output));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn request_index_prints_the_trace_the_request_had_in_the_whole_run() {
    let whole =
        reqflow(&["run", "--builtin", "rare-slow", "--seed", "8", "--requests", "300", "--format", "json"]);
    assert!(whole.status.success(), "{}", stderr(&whole));
    let traces: Vec<reqflow_core::RequestTrace> = serde_json::from_slice(&whole.stdout).expect("json traces");
    for index in ["0", "137", "299"] {
        let alone = reqflow(&[
            "run",
            "--builtin",
            "rare-slow",
            "--seed",
            "8",
            "--requests",
            "300",
            "--request-index",
            index,
            "--format",
            "json",
        ]);
        assert!(alone.status.success(), "{}", stderr(&alone));
        let alone: Vec<reqflow_core::RequestTrace> =
            serde_json::from_slice(&alone.stdout).expect("json trace");
        let wanted: u64 = index.parse().expect("index");
        let full = traces.iter().find(|trace| trace.request == wanted).expect("in the run");
        assert_eq!(alone.len(), 1);
        assert_eq!(
            reqflow_core::fingerprint::fingerprint(&alone),
            reqflow_core::fingerprint::fingerprint(std::slice::from_ref(full)),
            "request {index}"
        );
    }
}

#[test]
fn sample_prints_the_cores_numbers() {
    let latency = r#"{"type":"latency","threshold_ms":300}"#;
    let args = [
        "sample",
        "--builtin",
        "rare-slow",
        "--seed",
        "4",
        "--requests",
        "3000",
        "--policy",
        "errors",
        "--policy",
        latency,
    ];
    let output = reqflow(&[&args[..], &["--format", "json"]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    let printed: reqflow_core::runs::RunReport = serde_json::from_slice(&output.stdout).expect("a report");
    let scenario = reqflow_core::builtins::load("rare-slow").expect("built-in");
    let simulation = reqflow_core::Simulation::new(&scenario).expect("compiles");
    let policies = ["errors", latency]
        .map(|text| reqflow_core::runs::LabPolicy::parse(text, &scenario).expect("policy"))
        .to_vec();
    let config = reqflow_core::runs::RunConfig { seed: 4, requests: 3000, policies };
    let core = reqflow_core::runs::run(&simulation, &scenario, &config).expect("runs");
    assert_eq!(printed.fingerprint, core.fingerprint);
    assert_eq!(printed.sampling[1].slowest, core.sampling[1].slowest);
    let text = reqflow(&args);
    let text = stdout(&text);
    assert!(text.contains(&format!("fingerprint {}", core.fingerprint)), "{text}");
    assert!(text.contains(&format!("failed      {} of {} kept", core.failed, core.failed)), "{text}");
}
