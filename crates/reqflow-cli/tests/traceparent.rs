//! `reqflow traceparent`, run as a built binary.

use std::process::{Command, Output};

const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn reqflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reqflow")).args(args).output().expect("the reqflow binary runs")
}

fn stdout_of(output: &Output) -> String {
    assert!(output.status.success(), "reqflow failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout_of(output)).expect("--json prints JSON")
}

#[test]
fn valid_header_is_explained_field_by_field() {
    let text = stdout_of(&reqflow(&["traceparent", VALID]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("traceparent {VALID}"));
    assert!(lines[1].starts_with("version     00  "), "{text}");
    assert!(lines[2].starts_with("trace-id    4bf92f3577b34da6a3ce929d0e0e4736  "), "{text}");
    assert!(lines[3].starts_with("parent-id   00f067aa0ba902b7"), "{text}");
    assert!(lines[4].starts_with("trace-flags 01"), "{text}");
    assert!(lines[4].contains("bits 00000001"), "{text}");
    assert_eq!(lines[5], "sampled     yes");
    assert_eq!(lines.len(), 6, "{text}");
}

#[test]
fn unsampled_header_says_no() {
    let header = "\t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ";
    let text = stdout_of(&reqflow(&["traceparent", header]));
    assert!(text.lines().any(|line| line == "sampled     no"), "{text}");
}

#[test]
fn valid_header_as_json_has_exactly_the_fields() {
    let json = json_of(&reqflow(&["traceparent", VALID, "--json"]));
    assert_eq!(
        json,
        serde_json::json!({
            "version": "00",
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "parent_id": "00f067aa0ba902b7",
            "trace_flags": "01",
            "sampled": true,
        })
    );
}

#[test]
fn future_version_is_read_at_the_version_00_positions() {
    let header = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more-fields";
    let json = json_of(&reqflow(&["traceparent", "--json", header]));
    assert_eq!(json["version"], "cc");
    assert_eq!(json["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(json["trace_flags"], "00");
    assert_eq!(json["sampled"], false);
}

#[test]
fn invalid_header_exits_non_zero_with_the_reason() {
    let output = reqflow(&["traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01."]);
    assert!(!output.status.success(), "an invalid header must fail");
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        format!(
            "reqflow: error: invalid traceparent: unexpected '.' at position 55: a version-00 \
             traceparent ends after the trace-flags (55 characters)\n  {VALID}.\n  {}^\n",
            " ".repeat(55)
        )
    );
}

#[test]
fn invalid_header_fails_in_json_mode_too() {
    let output =
        reqflow(&["traceparent", "--json", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]);
    assert!(!output.status.success(), "version ff must fail");
    assert!(output.stdout.is_empty(), "no JSON for an invalid header");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("reqflow: error: invalid traceparent: version ff at position 0"), "{stderr}");
}

#[test]
fn header_starting_with_a_dash_is_a_value_not_an_option() {
    let output = reqflow(&["traceparent", "-0-4bf92f3577b34da6a3ce929d0e0e4736"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("version: expected a lowercase hex digit at position 0, found '-'"), "{stderr}");
}

/// The lines after `sampled`, where the tracestate is explained.
fn tracestate_lines(text: &str) -> Vec<&str> {
    text.lines().skip_while(|line| !line.starts_with("sampled")).skip(1).collect()
}

#[test]
fn valid_tracestate_is_listed_in_order() {
    let tracestate = "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE";
    let json = json_of(&reqflow(&["traceparent", VALID, "--tracestate", tracestate, "--json"]));
    assert_eq!(
        json["tracestate"],
        serde_json::json!([["rojo", "00f067aa0ba902b7"], ["congo", "t61rcWkgMzE"]])
    );
    assert_eq!(json["tracestate_dropped"], serde_json::json!([]), "{json}");
    assert!(json.get("tracestate_discarded").is_none(), "{json}");
    assert_eq!(json["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");

    let text = stdout_of(&reqflow(&["traceparent", VALID, "--tracestate", tracestate]));
    assert_eq!(
        tracestate_lines(&text),
        [
            "tracestate  2 list-members",
            "            rojo=00f067aa0ba902b7 (entry of vendor rojo, left-most: the vendor that last updated traceparent)",
            "            congo=t61rcWkgMzE (entry of vendor congo)",
        ],
        "{text}"
    );
}

#[test]
fn empty_tracestate_is_accepted() {
    let text = stdout_of(&reqflow(&["traceparent", VALID, "--tracestate", " , "]));
    assert_eq!(tracestate_lines(&text), ["tracestate  empty (no list-members)"], "{text}");
}

#[test]
fn keys_with_at_signs_are_kept() {
    let json =
        json_of(&reqflow(&["traceparent", VALID, "--tracestate", "foo@=1,foo@@bar=2,a@b@c=3", "--json"]));
    assert_eq!(json["tracestate"], serde_json::json!([["foo@", "1"], ["foo@@bar", "2"], ["a@b@c", "3"]]));
}

#[test]
fn duplicate_keys_keep_the_first_and_say_what_was_dropped() {
    let tracestate = "foo=1,bar=2,foo=3";
    let json = json_of(&reqflow(&["traceparent", VALID, "--tracestate", tracestate, "--json"]));
    assert_eq!(json["tracestate"], serde_json::json!([["foo", "1"], ["bar", "2"]]));
    assert_eq!(
        json["tracestate_dropped"],
        serde_json::json!([{
            "key": "foo",
            "value": "3",
            "position": 12,
            "reason": "duplicate key, first at position 0 (only one entry per key; the first, left-most one is kept)",
        }])
    );
    assert!(json.get("tracestate_discarded").is_none(), "{json}");

    let text = stdout_of(&reqflow(&["traceparent", VALID, "--tracestate", tracestate]));
    assert_eq!(
        tracestate_lines(&text),
        [
            "tracestate  2 list-members kept, 1 dropped",
            "            foo=1 (entry of vendor foo, left-most: the vendor that last updated traceparent)",
            "            bar=2 (entry of vendor bar)",
            "dropped     foo=3 at position 12: duplicate key, first at position 0 (only one entry per key; the first, left-most one is kept)",
        ],
        "{text}"
    );
}

#[test]
fn invalid_tracestate_is_discarded_with_its_position_not_fatal() {
    let output = reqflow(&["traceparent", VALID, "--tracestate", "foo=1,FOO=2", "--json"]);
    let json = json_of(&output);
    assert_eq!(
        json["tracestate_discarded"],
        "the key must start with a lowercase letter or a digit, found 'F' at position 6"
    );
    assert_eq!(json["tracestate_error_position"], 6);
    assert!(json.get("tracestate").is_none(), "{json}");
    assert!(json.get("tracestate_dropped").is_none(), "{json}");
    assert_eq!(json["sampled"], true);

    let text = stdout_of(&reqflow(&["traceparent", VALID, "--tracestate", " a=1, foo =2"]));
    assert_eq!(
        tracestate_lines(&text),
        [
            "tracestate  discarded: invalid character ' ' in the key at position 9 (keys use a-z, 0-9, '_', '-', '*', '/' and '@') (an invalid tracestate is dropped as a whole; the traceparent still holds)",
            "             a=1, foo =2",
            "                     ^",
        ],
        "{text}"
    );
}

#[test]
fn more_than_32_members_discard_the_tracestate() {
    let members: Vec<String> = (1..=33).map(|idx| format!("bar{idx:02}={idx:02}")).collect();
    let json = json_of(&reqflow(&["traceparent", VALID, "--tracestate", &members.join(","), "--json"]));
    assert_eq!(json["tracestate_discarded"], "more than 32 list-members: the 33rd starts at position 288");
    assert_eq!(json["tracestate_error_position"], 288);

    let json = json_of(&reqflow(&["traceparent", VALID, "--tracestate", &members[..32].join(","), "--json"]));
    assert_eq!(json["tracestate"].as_array().map(Vec::len), Some(32), "{json}");
}
