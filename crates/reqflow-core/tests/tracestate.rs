//! `tracestate` parsing against the current W3C Trace Context text (Level 2 key grammar): table
//! tests from the specification's own examples and from the cases of the W3C test suite
//! (w3c/trace-context `test/test.py`, after w3c/trace-context#584 moved its key tests to the
//! Level 2 grammar), plus the edges of each rule.
//!
//! Each row is a header, the outcome expected and why. The outcome is written as
//! - `kept [<list as re-emitted>]`, followed by `, dropped <key>=<value> at <position> (duplicate
//!   of the member at <position>)` for each list-member left out, or
//! - `discarded at <position>: <error message>` when the whole header is discarded.
//!
//! Several `tracestate` header fields of a test-suite case are written joined with `,`, as HTTP
//! combines them.

use reqflow_core::tracecontext::{
    DropReason, DroppedMember, ParseTraceStateError, TRACESTATE_MAX_KEY_LEN, TRACESTATE_MAX_MEMBERS,
    TRACESTATE_MAX_VALUE_LEN, TraceState,
};

struct Case {
    header: String,
    expected: String,
    why: &'static str,
}

fn case(header: impl Into<String>, expected: impl Into<String>, why: &'static str) -> Case {
    Case { header: header.into(), expected: expected.into(), why }
}

fn kept(list: &str) -> String {
    format!("kept [{list}]")
}

fn discarded(position: usize, message: &str) -> String {
    format!("discarded at {position}: {message}")
}

/// What parsing `header` gives, in the notation of the module documentation.
fn outcome(header: &str) -> String {
    match TraceState::parse_with_report(header) {
        Ok(parsed) => {
            let mut text = kept(&parsed.kept.to_string());
            for member in &parsed.dropped {
                match member.reason {
                    DropReason::DuplicateKey { first_position } => text.push_str(&format!(
                        ", dropped {}={} at {} (duplicate of the member at {first_position})",
                        member.key, member.value, member.position
                    )),
                }
            }
            text
        }
        Err(error) => discarded(error.position(), &error.to_string()),
    }
}

/// Checks every row and reports all the rows that failed at once.
fn check(cases: &[Case]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let actual = outcome(&case.header);
            (actual != case.expected).then(|| {
                format!(
                    "tracestate {:?}\n  why:      {}\n  expected: {}\n  actual:   {}",
                    case.header, case.why, case.expected, actual
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// `bar01=01,bar02=02,…` with `count` members, as the test suite's member-count case.
fn numbered_members(count: usize) -> String {
    (1..=count).map(|idx| format!("bar{idx:02}={idx:02}")).collect::<Vec<_>>().join(",")
}

const KEY_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";

#[test]
fn specification_examples_are_kept_in_order() {
    check(&[
        case("congo=t61rcWkgMzE", kept("congo=t61rcWkgMzE"), "the spec's first tracestate example"),
        case(
            "rojo=00f067aa0ba902b7",
            kept("rojo=00f067aa0ba902b7"),
            "single tracing system (generic format)",
        ),
        case(
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
            kept("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
            "Rojo added its entry to the left of Congo's; order is kept",
        ),
        case(
            "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7",
            kept("congo=ucfJifl5GOE,rojo=00f067aa0ba902b7"),
            "Congo rewrote its entry and moved it to the left",
        ),
        case(
            "vendorname1=opaqueValue1,vendorname2=opaqueValue2",
            kept("vendorname1=opaqueValue1,vendorname2=opaqueValue2"),
            "the combined-header example: values are opaque and may hold uppercase letters",
        ),
        case(
            "congo=congosFirstPosition,rojo=rojosFirstPosition,congo=congosSecondPosition",
            kept("congo=congosFirstPosition,rojo=rojosFirstPosition")
                + ", dropped congo=congosSecondPosition at 50 (duplicate of the member at 0)",
            "the spec's example of what a tracestate must not be (one entry per key): the header is \
             inherited with the first congo entry, the later one is dropped",
        ),
    ]);
}

#[test]
fn test_suite_headers_and_combined_fields() {
    check(&[
        case("foo=1,bar=2", kept("foo=1,bar=2"), "test_tracestate_included_traceparent_included"),
        case("", kept(""), "test_tracestate_empty_header: an empty header must be accepted"),
        case("foo=1,", kept("foo=1"), "test_tracestate_empty_header: fields 'foo=1' and '' joined"),
        case(",foo=1", kept("foo=1"), "test_tracestate_empty_header: fields '' and 'foo=1' joined"),
        case(
            "foo=1,bar=2,rojo=1,congo=2,baz=3",
            kept("foo=1,bar=2,rojo=1,congo=2,baz=3"),
            "test_tracestate_multiple_headers_different_keys: three fields joined, order kept",
        ),
        case("  \t ", kept(""), "a whitespace-only header is one empty list-member"),
        case(",", kept(""), "two empty list-members"),
        case(" , \t, ", kept(""), "whitespace-only list-members are allowed"),
        case("foo=1,,,bar=2", kept("foo=1,bar=2"), "empty list-members in the middle are skipped"),
        case(
            "foo=1, ,\t,bar=2",
            kept("foo=1,bar=2"),
            "whitespace-only list-members in the middle are skipped",
        ),
    ]);
}

#[test]
fn optional_whitespace_around_list_members() {
    check(&[
        case("foo=1 \t , \t bar=2, \t baz=3", kept("foo=1,bar=2,baz=3"), "test_tracestate_ows_handling"),
        case("foo=1\t \t,\t \tbar=2,\t \tbaz=3", kept("foo=1,bar=2,baz=3"), "test_tracestate_ows_handling"),
        case(" foo=1", kept("foo=1"), "test_tracestate_ows_handling: leading space"),
        case("\tfoo=1", kept("foo=1"), "test_tracestate_ows_handling: leading tab"),
        case(
            "foo=1 ",
            kept("foo=1"),
            "test_tracestate_ows_handling: trailing space is not part of the value",
        ),
        case("foo=1\t", kept("foo=1"), "test_tracestate_ows_handling: trailing tab"),
        case("\t foo=1 \t", kept("foo=1"), "test_tracestate_ows_handling: both sides"),
        case("foo= 1", kept("foo= 1"), "spaces before a value are part of it and must be preserved"),
        case("foo=a b", kept("foo=a b"), "a space inside a value is a chr"),
        case(
            "foo=\n1",
            discarded(
                4,
                r#"the value of "foo" has an invalid character '\n' at position 4 (values are printable ASCII except ',' and '=')"#,
            ),
            "only space and tab are optional whitespace; a newline is not a value character",
        ),
        case(
            "foo\t=1",
            discarded(
                3,
                r"invalid character '\t' in the key at position 3 (keys use a-z, 0-9, '_', '-', '*', '/' and '@')",
            ),
            "no whitespace is allowed between a key and its '='",
        ),
    ]);
}

#[test]
fn duplicate_keys_keep_the_first_occurrence() {
    check(&[
        case(
            "foo=1,foo=1",
            kept("foo=1") + ", dropped foo=1 at 6 (duplicate of the member at 0)",
            "test_tracestate_duplicated_keys: inherited, the repeated member is dropped",
        ),
        case(
            "foo=1,foo=2",
            kept("foo=1") + ", dropped foo=2 at 6 (duplicate of the member at 0)",
            "test_tracestate_duplicated_keys: the suite accepts foo=1 or foo=2; the first, left-most \
             (most recently updated) entry is kept",
        ),
        case(
            "foo=1, bar=2 ,foo=2",
            kept("foo=1,bar=2") + ", dropped foo=2 at 14 (duplicate of the member at 0)",
            "the position of a dropped member is where its key starts, after optional whitespace",
        ),
        case(
            "a=1,b=2,a=3,a=4",
            kept("a=1,b=2")
                + ", dropped a=3 at 8 (duplicate of the member at 0), dropped a=4 at 12 (duplicate of the member at 0)",
            "every later occurrence is dropped and reported",
        ),
        case(
            "a@sys=1,b@sys=2,a@sys=3",
            kept("a@sys=1,b@sys=2") + ", dropped a@sys=3 at 16 (duplicate of the member at 0)",
            "keys are compared whole; '@' is an ordinary key character",
        ),
        case(
            "foo=1,foo=2,BAR=3",
            discarded(12, "the key must start with a lowercase letter or a digit, found 'B' at position 12"),
            "a duplicate is not an error, but an invalid member still discards the whole header",
        ),
        case(
            format!("{},bar01=99", numbered_members(32)),
            discarded(288, "more than 32 list-members: the 33rd starts at position 288"),
            "a repeated key is still a list-member of the header: 33 of them do not parse",
        ),
    ]);
}

#[test]
fn at_most_32_list_members() {
    let thirty_two = numbered_members(32);
    check(&[
        case(
            &thirty_two,
            kept(&thirty_two),
            "test_tracestate_member_count_limit: 32 list-members are inherited",
        ),
        case(
            numbered_members(33),
            discarded(288, "more than 32 list-members: the 33rd starts at position 288"),
            "test_tracestate_member_count_limit: 33 list-members do not match the list grammar, the \
             header is discarded",
        ),
        case(
            format!("{thirty_two},, ,\t"),
            kept(&thirty_two),
            "empty list-members do not count towards the limit",
        ),
        case(
            format!("{thirty_two},bar33"),
            discarded(288, "more than 32 list-members: the 33rd starts at position 288"),
            "the 33rd member is refused for its number before its syntax is looked at",
        ),
    ]);
    let parsed = TraceState::parse(&thirty_two).expect("32 members are allowed");
    assert_eq!(parsed.len(), TRACESTATE_MAX_MEMBERS);
    assert_eq!(parsed.get("bar01"), Some("01"));
    assert_eq!(parsed.get("bar32"), Some("32"));
}

#[test]
fn keys_follow_the_level_2_grammar() {
    let with_at = format!("{KEY_CHARS}@a-z0-9_-*/");
    check(&[
        case(
            format!("{KEY_CHARS}=1"),
            kept(&format!("{KEY_CHARS}=1")),
            "test_tracestate_all_allowed_characters: key without '@'",
        ),
        case(
            format!("{with_at}=1"),
            kept(&format!("{with_at}=1")),
            "test_tracestate_all_allowed_characters: key with '@'",
        ),
        case(
            "foo@=1,bar=2",
            kept("foo@=1,bar=2"),
            "test_tracestate_key_illegal_vendor_format (Level 2): '@' may end a key",
        ),
        case(
            "foo@@bar=1,bar=2",
            kept("foo@@bar=1,bar=2"),
            "test_tracestate_key_illegal_vendor_format (Level 2): '@' may repeat",
        ),
        case(
            "foo@bar@baz=1,bar=2",
            kept("foo@bar@baz=1,bar=2"),
            "test_tracestate_key_illegal_vendor_format (Level 2): more than one '@' is fine",
        ),
        case(
            "@foo=1,bar=2",
            discarded(0, "the key must start with a lowercase letter or a digit, found '@' at position 0"),
            "test_tracestate_key_illegal_vendor_format: a key may not start with '@'",
        ),
        case(
            "fw529a3039@dt=FfQLTqBMQ0tBbn1QFBUwBw",
            kept("fw529a3039@dt=FfQLTqBMQ0tBbn1QFBUwBw"),
            "a multi-tenant style key",
        ),
        case("1foo=1", kept("1foo=1"), "a key may start with a digit, '@' or not"),
        case(
            "tenant@1vendor=1",
            kept("tenant@1vendor=1"),
            "a digit may follow '@' (no separate system-id rule any more)",
        ),
        case(
            "foo =1",
            discarded(
                3,
                "invalid character ' ' in the key at position 3 (keys use a-z, 0-9, '_', '-', '*', '/' and '@')",
            ),
            "test_tracestate_key_illegal_characters: space in the key",
        ),
        case(
            "FOO=1",
            discarded(0, "the key must start with a lowercase letter or a digit, found 'F' at position 0"),
            "test_tracestate_key_illegal_characters: keys are lowercase",
        ),
        case(
            "foo.bar=1",
            discarded(
                3,
                "invalid character '.' in the key at position 3 (keys use a-z, 0-9, '_', '-', '*', '/' and '@')",
            ),
            "test_tracestate_key_illegal_characters: '.' is not a keychar",
        ),
        case(
            "fOo=1",
            discarded(
                1,
                "invalid character 'O' in the key at position 1 (keys use a-z, 0-9, '_', '-', '*', '/' and '@')",
            ),
            "uppercase later in the key",
        ),
        case(
            "_foo=1",
            discarded(0, "the key must start with a lowercase letter or a digit, found '_' at position 0"),
            "'_' is a keychar but may not start a key",
        ),
        case(
            "=1",
            discarded(0, "the key must start with a lowercase letter or a digit, found '=' at position 0"),
            "an empty key",
        ),
        case(
            "a=1, =2",
            discarded(5, "the key must start with a lowercase letter or a digit, found '=' at position 5"),
            "an empty key after optional whitespace: the position is the '='",
        ),
        case(
            "cl\u{e9}=1",
            discarded(
                2,
                "invalid character 'é' in the key at position 2 (keys use a-z, 0-9, '_', '-', '*', '/' and '@')",
            ),
            "keys are ASCII",
        ),
        case(
            "foo",
            discarded(0, r#"list-member "foo" at position 0 has no '=' between key and value"#),
            "a member is key=value",
        ),
        case(
            "foo=1, bar",
            discarded(7, r#"list-member "bar" at position 7 has no '=' between key and value"#),
            "one malformed member discards the whole header",
        ),
    ]);
}

#[test]
fn keys_have_at_most_256_characters_in_total() {
    let z256 = "z".repeat(TRACESTATE_MAX_KEY_LEN);
    let tenant_style_max = format!("{}@{}", "t".repeat(241), "v".repeat(14));
    let long_tenant = format!("{}@v", "t".repeat(242));
    let long_system = format!("t@{}", "v".repeat(15));
    let at_last = format!("{}@", "a".repeat(255));
    check(&[
        case(
            format!("foo=1,{z256}=1"),
            kept(&format!("foo=1,{z256}=1")),
            "test_tracestate_key_length_limit: 256 characters",
        ),
        case(
            format!("foo=1,{}=1", "z".repeat(257)),
            discarded(6, "the key at position 6 is 257 characters long, the limit is 256"),
            "test_tracestate_key_length_limit: 257 characters discard the header (foo=1 too)",
        ),
        case(
            format!("foo=1,{tenant_style_max}=1"),
            kept(&format!("foo=1,{tenant_style_max}=1")),
            "test_tracestate_key_length_limit: 241 + '@' + 14 = 256 characters",
        ),
        case(
            format!("foo=1,{long_tenant}=1"),
            kept(&format!("foo=1,{long_tenant}=1")),
            "test_tracestate_key_length_limit (Level 2): 242 characters before '@' are fine, 244 in total",
        ),
        case(
            format!("foo=1,{long_system}=1"),
            kept(&format!("foo=1,{long_system}=1")),
            "test_tracestate_key_length_limit (Level 2): 15 characters after '@' are fine",
        ),
        case(format!("{at_last}=1"), kept(&format!("{at_last}=1")), "'@' as the 256th character"),
        case(
            format!("{}@=1", "a".repeat(256)),
            discarded(0, "the key at position 0 is 257 characters long, the limit is 256"),
            "'@' counts towards the 256",
        ),
    ]);
}

#[test]
fn values_follow_the_grammar() {
    // chr: 0x20-0x2B, 0x2D-0x3C, 0x3E-0x7E (everything printable but ',' and '='), as the suite builds it.
    let all_value_chars: String = (' '..='~').filter(|found| *found != ',' && *found != '=').collect();
    let v256 = "v".repeat(TRACESTATE_MAX_VALUE_LEN);
    check(&[
        case(
            format!("foo={all_value_chars}"),
            kept(&format!("foo={all_value_chars}")),
            "test_tracestate_all_allowed_characters: the value starts with a space, which is kept",
        ),
        case(format!("foo={v256}"), kept(&format!("foo={v256}")), "256 characters"),
        case(
            format!("foo={v256}  "),
            kept(&format!("foo={v256}")),
            "trailing spaces are optional whitespace and do not count",
        ),
        case(
            format!("foo={}", "v".repeat(257)),
            discarded(4, r#"the value of "foo" at position 4 is 257 characters long, the limit is 256"#),
            "257 characters",
        ),
        case(
            "foo=bar=baz",
            discarded(
                7,
                r#"the value of "foo" has an invalid character '=' at position 7 (values are printable ASCII except ',' and '=')"#,
            ),
            "test_tracestate_value_illegal_characters: '=' in a value",
        ),
        case(
            "foo=,bar=3",
            discarded(4, r#"the value of "foo" at position 4 is empty"#),
            "test_tracestate_value_illegal_characters: an empty value discards the header (bar too)",
        ),
        case(
            "foo=  ",
            discarded(4, r#"the value of "foo" at position 4 is empty"#),
            "spaces only: nothing is left once the trailing ones go",
        ),
        case(
            "foo=a\tb",
            discarded(
                5,
                r#"the value of "foo" has an invalid character '\t' at position 5 (values are printable ASCII except ',' and '=')"#,
            ),
            "a tab inside a value",
        ),
        case(
            "foo=caf\u{e9}",
            discarded(
                7,
                r#"the value of "foo" has an invalid character 'é' at position 7 (values are printable ASCII except ',' and '=')"#,
            ),
            "values are ASCII",
        ),
        case(
            "foo=a\u{7f}",
            discarded(
                5,
                r#"the value of "foo" has an invalid character '\u{7f}' at position 5 (values are printable ASCII except ',' and '=')"#,
            ),
            "DEL is not printable",
        ),
    ]);
}

#[test]
fn parse_keeps_what_parse_with_report_keeps() {
    for header in ["foo=1,foo=2,bar=3", "rojo=1, congo=2", "", "a@=1,a@=1"] {
        let parsed = TraceState::parse_with_report(header).expect("valid");
        assert_eq!(TraceState::parse(header).as_ref(), Ok(&parsed.kept), "{header:?}");
        assert_eq!(header.parse::<TraceState>().as_ref(), Ok(&parsed.kept), "{header:?}");
    }
    let error: Result<TraceState, ParseTraceStateError> = "a=1, FOO=2".parse();
    assert_eq!(error.expect_err("uppercase key").position(), 5);
    let kept = TraceState::parse("foo=1,bar= 2").expect("valid");
    assert_eq!(kept.members(), [("foo".to_owned(), "1".to_owned()), ("bar".to_owned(), " 2".to_owned())]);
    assert_eq!(kept.get("bar"), Some(" 2"));
    assert_eq!(kept.get("baz"), None);
    assert!(TraceState::default().is_empty());
}

#[test]
fn dropped_members_say_why() {
    let parsed = TraceState::parse_with_report("congo=a,rojo=b,congo=c").expect("valid");
    assert_eq!(
        parsed.dropped,
        [DroppedMember {
            key: "congo".to_owned(),
            value: "c".to_owned(),
            position: 15,
            reason: DropReason::DuplicateKey { first_position: 0 },
        }]
    );
    assert_eq!(
        parsed.dropped[0].to_string(),
        "congo=c at position 15: duplicate key, first at position 0 (only one entry per key; the \
         first, left-most one is kept)"
    );
}

#[test]
fn explain_names_the_vendor_of_each_member() {
    let tracestate = TraceState::parse("rojo=00f067aa0ba902b7,fw529a3039@dt=x").expect("valid");
    assert_eq!(
        tracestate.explain(),
        [
            "rojo=00f067aa0ba902b7 (entry of vendor rojo, left-most: the vendor that last updated \
             traceparent)",
            "fw529a3039@dt=x (entry of vendor fw529a3039@dt)",
        ]
    );
    assert!(TraceState::default().explain().is_empty());
}
