//! W3C Trace Context (`traceparent`, `tracestate`): <https://www.w3.org/TR/trace-context/>, with
//! the `tracestate` key grammar of the current text (Trace Context Level 2,
//! <https://w3c.github.io/trace-context/>).
//!
//! `traceparent` follows the specification's processing model:
//! - It is `version-traceid-parentid-flags` in lowercase hex. Version `00` is exactly 55
//!   characters; version `ff` is invalid; an all-zero trace-id or parent-id is invalid; a higher
//!   version is read at the version-00 positions, must be at least 55 characters and, when longer,
//!   continue with `-` after the flags (the further fields are ignored).
//!
//! `tracestate` is a list of list-members separated by `,`:
//! - Spaces and tabs around a list-member are ignored. Empty and whitespace-only list-members are
//!   allowed and skipped: they appear when several `tracestate` fields are joined with `,`.
//! - A list-member is `key=value`. A key has 1 to 256 characters: a lowercase letter or a digit,
//!   then lowercase letters, digits, `_`, `-`, `*`, `/` or `@`. The `@` is an ordinary key
//!   character (`foo@`, `a@b@c` are keys); there is no separate tenant and system part with
//!   limits of its own.
//! - A value has 1 to 256 printable ASCII characters (space to `~`) other than `,` and `=`, and
//!   its last character is not a space. Spaces before a value are part of it; spaces and tabs
//!   after it are optional whitespace, not part of it.
//! - At most 32 list-members: the list grammar has room for no more, so a 33rd makes the header
//!   unparseable. The limit counts the `key=value` members as they appear, repeated keys
//!   included, empty members not.
//! - A header that does not parse (a list-member that breaks the grammar, or a 33rd one) is
//!   discarded as a whole: the processing model lets a vendor do that ("MAY"), and the W3C test
//!   suite expects it. Nothing of it is kept, and the error names the first problem.
//! - Only one entry per key is allowed, yet a header with a repeated key is inherited, not
//!   discarded (the test suite accepts keeping it as is or dropping all but one occurrence). This
//!   parser keeps the first occurrence, the left-most and so most recently updated entry, and
//!   drops each later one; [`TraceState::parse_with_report`] lists what it dropped.
//! - A `tracestate` is read only once `traceparent` is valid, and an invalid `tracestate` never
//!   invalidates `traceparent`.
//!
//! Spaces and tabs around a whole header value are trimmed (HTTP removes them before a header
//! reaches the application). Positions in errors are 0-based character indexes into the header
//! value as given, leading whitespace included.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::ids::{SpanId, TraceId};

/// The length of a version-00 `traceparent`: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters.
pub const TRACEPARENT_LEN: usize = 55;

/// The most list-members a `tracestate` may hold.
pub const TRACESTATE_MAX_MEMBERS: usize = 32;

/// The longest `tracestate` key, in characters.
pub const TRACESTATE_MAX_KEY_LEN: usize = 256;

/// The longest `tracestate` value, in characters.
pub const TRACESTATE_MAX_VALUE_LEN: usize = 256;

/// Optional whitespace (RFC 7230 `OWS`): space and horizontal tab.
const OWS: [char; 2] = [' ', '\t'];

/// The fields of a `traceparent` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceParent {
    pub version: u8,
    pub trace_id: TraceId,
    pub parent_id: SpanId,
    pub trace_flags: u8,
}

impl TraceParent {
    /// Bit 0 of the flags: the caller may have recorded trace data.
    pub const FLAG_SAMPLED: u8 = 0b0000_0001;
    /// Bit 1 of the flags (Trace Context Level 2): the trace-id's right-most 7 bytes are random.
    pub const FLAG_RANDOM: u8 = 0b0000_0010;

    /// A version-00 header for the given ids.
    pub fn new(trace_id: TraceId, parent_id: SpanId, sampled: bool) -> TraceParent {
        TraceParent { version: 0, trace_id, parent_id, trace_flags: u8::from(sampled) }
    }

    /// Parses a `traceparent` header value (see the module documentation for the rules).
    pub fn parse(header: &str) -> Result<TraceParent, ParseTraceParentError> {
        let without_lead = header.trim_start_matches(OWS);
        let lead = header.len() - without_lead.len();
        let value = without_lead.trim_end_matches(OWS);
        if value.is_empty() {
            return Err(ParseTraceParentError::Empty);
        }
        let cursor = HeaderCursor { value, lead };

        let version = cursor.hex_field::<1>(TraceParentField::Version)?;
        cursor.dash_after(TraceParentField::Version)?;
        let version = version[0];
        if version == 0xff {
            return Err(ParseTraceParentError::ForbiddenVersion { position: lead });
        }

        let trace_id = TraceId(cursor.hex_field(TraceParentField::TraceId)?);
        if trace_id.is_zero() {
            return Err(cursor.all_zero(TraceParentField::TraceId));
        }
        cursor.dash_after(TraceParentField::TraceId)?;

        let parent_id = SpanId(cursor.hex_field(TraceParentField::ParentId)?);
        if parent_id.is_zero() {
            return Err(cursor.all_zero(TraceParentField::ParentId));
        }
        cursor.dash_after(TraceParentField::ParentId)?;

        let trace_flags = cursor.hex_field::<1>(TraceParentField::TraceFlags)?[0];

        // Every character up to here is ASCII, so TRACEPARENT_LEN is a character boundary.
        if let Some(found) = value[TRACEPARENT_LEN..].chars().next() {
            let position = lead + TRACEPARENT_LEN;
            if version == 0 {
                return Err(ParseTraceParentError::TrailingCharacters { position, found });
            }
            if found != '-' {
                return Err(ParseTraceParentError::InvalidFutureVersionSuffix { version, position, found });
            }
        }

        Ok(TraceParent { version, trace_id, parent_id, trace_flags })
    }

    /// Bit 0 of the flags.
    pub fn sampled(&self) -> bool {
        self.trace_flags & 1 == 1
    }

    /// Bit 1 of the flags (Trace Context Level 2): the trace-id was generated randomly.
    pub fn random(&self) -> bool {
        self.trace_flags & Self::FLAG_RANDOM == Self::FLAG_RANDOM
    }

    /// The header decoded field by field, in header order, with a sentence for learners on each.
    pub fn explain(&self) -> Vec<FieldExplanation> {
        let version_meaning = if self.version == 0 {
            "version 00, the only version defined so far: exactly 55 characters, nothing after the \
             flags"
                .to_owned()
        } else {
            format!(
                "version {:02x}, newer than this parser (00): the fields are read at the version-00 \
                 positions, anything after the flags is ignored, and the header is forwarded as \
                 version 00",
                self.version
            )
        };
        let sampled_meaning = if self.sampled() {
            "the caller may have recorded this request"
        } else {
            "the caller did not record this request"
        };
        let mut flags_meaning = format!(
            "bits {:08b}: sampled (bit 0) = {}, {sampled_meaning}; random trace-id (bit 1, Level 2) \
             = {}",
            self.trace_flags,
            u8::from(self.sampled()),
            u8::from(self.random()),
        );
        let unknown = self.trace_flags & !(Self::FLAG_SAMPLED | Self::FLAG_RANDOM);
        if unknown != 0 {
            flags_meaning.push_str(&format!("; bits {unknown:08b} are not defined yet and are ignored"));
        }
        vec![
            FieldExplanation {
                field: TraceParentField::Version,
                hex: format!("{:02x}", self.version),
                meaning: version_meaning,
            },
            FieldExplanation {
                field: TraceParentField::TraceId,
                hex: self.trace_id.to_string(),
                meaning: "16 bytes naming the whole trace: every span of this request, in every \
                          service, carries it"
                    .to_owned(),
            },
            FieldExplanation {
                field: TraceParentField::ParentId,
                hex: self.parent_id.to_string(),
                meaning: "8 bytes, the span id of the caller's span: the span the receiver starts \
                          becomes its child"
                    .to_owned(),
            },
            FieldExplanation {
                field: TraceParentField::TraceFlags,
                hex: format!("{:02x}", self.trace_flags),
                meaning: flags_meaning,
            },
        ]
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x}-{}-{}-{:02x}", self.version, self.trace_id, self.parent_id, self.trace_flags)
    }
}

impl FromStr for TraceParent {
    type Err = ParseTraceParentError;

    fn from_str(header: &str) -> Result<TraceParent, ParseTraceParentError> {
        TraceParent::parse(header)
    }
}

/// The four fields of a `traceparent`, in header order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TraceParentField {
    Version,
    TraceId,
    ParentId,
    TraceFlags,
}

impl TraceParentField {
    /// All fields, in header order.
    pub const ALL: [TraceParentField; 4] = [
        TraceParentField::Version,
        TraceParentField::TraceId,
        TraceParentField::ParentId,
        TraceParentField::TraceFlags,
    ];

    /// The name the specification uses: `version`, `trace-id`, `parent-id`, `trace-flags`.
    pub fn name(self) -> &'static str {
        match self {
            TraceParentField::Version => "version",
            TraceParentField::TraceId => "trace-id",
            TraceParentField::ParentId => "parent-id",
            TraceParentField::TraceFlags => "trace-flags",
        }
    }

    /// Where the field sits in a header with no leading whitespace (the same for every version).
    pub fn range(self) -> Range<usize> {
        match self {
            TraceParentField::Version => 0..2,
            TraceParentField::TraceId => 3..35,
            TraceParentField::ParentId => 36..52,
            TraceParentField::TraceFlags => 53..55,
        }
    }
}

impl fmt::Display for TraceParentField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One decoded `traceparent` field, for explaining a header to a learner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldExplanation {
    pub field: TraceParentField,
    /// The field as it is written in the header (lowercase hex).
    pub hex: String,
    /// What the field says, in a sentence.
    pub meaning: String,
}

impl fmt::Display for FieldExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.field, self.hex, self.meaning)
    }
}

/// Why a `traceparent` header is invalid. Positions are 0-based character indexes into the header
/// value as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseTraceParentError {
    /// Nothing but whitespace.
    #[error("the header is empty")]
    Empty,
    /// A character that is not a hex digit (or the end of the header) inside a field.
    #[error(
        "{field}: expected a lowercase hex digit at position {position}, found {}",
        describe_found(.found)
    )]
    InvalidHexDigit { field: TraceParentField, position: usize, found: Option<char> },
    /// An uppercase hex digit: `traceparent` is lowercase only.
    #[error("{field}: uppercase hex digit {found:?} at position {position} (traceparent is lowercase only)")]
    UppercaseHexDigit { field: TraceParentField, position: usize, found: char },
    /// The `-` after a field is missing: the field is too long, or the header ends there.
    #[error(
        "expected '-' after the {after} at position {position}, found {}",
        describe_found(.found)
    )]
    ExpectedDash { after: TraceParentField, position: usize, found: Option<char> },
    /// Version `ff` is forbidden.
    #[error("version ff at position {position} is invalid (ff is reserved as never valid)")]
    ForbiddenVersion { position: usize },
    /// An all-zero trace-id or parent-id.
    #[error("{field} at position {position} is all zeros, which is invalid")]
    AllZero { field: TraceParentField, position: usize },
    /// A version-00 header that goes on after the flags.
    #[error(
        "unexpected {found:?} at position {position}: a version-00 traceparent ends after the \
         trace-flags (55 characters)"
    )]
    TrailingCharacters { position: usize, found: char },
    /// A higher-version header whose flags are followed by something other than `-`.
    #[error(
        "version {version:02x}: expected '-' or the end of the header after the trace-flags at \
         position {position}, found {found:?}"
    )]
    InvalidFutureVersionSuffix { version: u8, position: usize, found: char },
}

impl ParseTraceParentError {
    /// The character position the error points at, if any.
    pub fn position(&self) -> Option<usize> {
        match self {
            ParseTraceParentError::Empty => None,
            ParseTraceParentError::InvalidHexDigit { position, .. }
            | ParseTraceParentError::UppercaseHexDigit { position, .. }
            | ParseTraceParentError::ExpectedDash { position, .. }
            | ParseTraceParentError::ForbiddenVersion { position }
            | ParseTraceParentError::AllZero { position, .. }
            | ParseTraceParentError::TrailingCharacters { position, .. }
            | ParseTraceParentError::InvalidFutureVersionSuffix { position, .. } => Some(*position),
        }
    }
}

fn describe_found(found: &Option<char>) -> String {
    match found {
        Some(found) => format!("{found:?}"),
        None => "the end of the header".to_owned(),
    }
}

/// A trimmed `traceparent` value and how much whitespace was trimmed before it.
struct HeaderCursor<'a> {
    value: &'a str,
    lead: usize,
}

impl HeaderCursor<'_> {
    /// The character at a byte index; callers only ask where every earlier byte is ASCII.
    fn char_at(&self, idx: usize) -> Option<char> {
        self.value.get(idx..).and_then(|rest| rest.chars().next())
    }

    /// Decodes a field of `2 * N` lowercase hex digits.
    fn hex_field<const N: usize>(&self, field: TraceParentField) -> Result<[u8; N], ParseTraceParentError> {
        let range = field.range();
        debug_assert_eq!(range.len(), 2 * N);
        let mut bytes = [0u8; N];
        for idx in range.clone() {
            let byte = self.value.as_bytes().get(idx).copied();
            let Some(digit) = byte.filter(|byte| !byte.is_ascii_uppercase()).and_then(crate::hex::value)
            else {
                let position = self.lead + idx;
                return Err(match byte {
                    Some(byte) if byte.is_ascii_hexdigit() => {
                        ParseTraceParentError::UppercaseHexDigit { field, position, found: char::from(byte) }
                    }
                    _ => ParseTraceParentError::InvalidHexDigit { field, position, found: self.char_at(idx) },
                });
            };
            let nibble = idx - range.start;
            bytes[nibble / 2] |= if nibble.is_multiple_of(2) { digit << 4 } else { digit };
        }
        Ok(bytes)
    }

    fn dash_after(&self, field: TraceParentField) -> Result<(), ParseTraceParentError> {
        let idx = field.range().end;
        match self.char_at(idx) {
            Some('-') => Ok(()),
            found => {
                Err(ParseTraceParentError::ExpectedDash { after: field, position: self.lead + idx, found })
            }
        }
    }

    fn all_zero(&self, field: TraceParentField) -> ParseTraceParentError {
        ParseTraceParentError::AllZero { field, position: self.lead + field.range().start }
    }
}

/// A `tracestate` list as kept: vendor `key=value` list-members in header order, left-most (the
/// most recently updated entry) first, each key at most once.
///
/// Built by [`TraceState::parse`] or [`TraceState::parse_with_report`], so every member follows
/// the grammar in the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceState {
    members: Vec<(String, String)>,
}

impl TraceState {
    /// Parses a `tracestate` header value (see the module documentation for the rules) and keeps
    /// the first occurrence of each key. Several `tracestate` header fields are parsed as one,
    /// joined with `,`. Use [`TraceState::parse_with_report`] to learn which members were dropped.
    pub fn parse(header: &str) -> Result<TraceState, ParseTraceStateError> {
        TraceState::parse_with_report(header).map(|parsed| parsed.kept)
    }

    /// Parses a `tracestate` header value and says which list-members were left out and why.
    ///
    /// An error means the whole header is discarded: a list-member breaks the grammar, or there
    /// are more than [`TRACESTATE_MAX_MEMBERS`] of them. A repeated key is not an error: the
    /// first occurrence is kept and each later one is reported in [`ParsedTraceState::dropped`].
    pub fn parse_with_report(header: &str) -> Result<ParsedTraceState, ParseTraceStateError> {
        let mut kept: Vec<(String, String)> = Vec::new();
        let mut kept_positions: Vec<usize> = Vec::new();
        let mut dropped: Vec<DroppedMember> = Vec::new();
        let mut member_count = 0;
        // Character index of the current piece: positions count characters, not bytes.
        let mut piece_start = 0;
        for piece in header.split(',') {
            let start = piece_start;
            piece_start += piece.chars().count() + 1;
            let without_lead = piece.trim_start_matches(OWS);
            // Spaces and tabs are one byte each, so the trimmed byte count is a character count.
            let member_start = start + (piece.len() - without_lead.len());
            let member = without_lead.trim_end_matches(OWS);
            if member.is_empty() {
                continue;
            }
            member_count += 1;
            if member_count > TRACESTATE_MAX_MEMBERS {
                return Err(ParseTraceStateError::TooManyMembers { position: member_start });
            }
            let Some((key, value)) = member.split_once('=') else {
                return Err(ParseTraceStateError::MissingEquals {
                    member: member.to_owned(),
                    position: member_start,
                });
            };
            check_key(key, member_start)?;
            // The key is ASCII now, so its length in bytes is its length in characters.
            check_value(key, value, member_start + key.len() + 1)?;
            if let Some(first) = kept.iter().position(|(seen, _)| seen == key) {
                dropped.push(DroppedMember {
                    key: key.to_owned(),
                    value: value.to_owned(),
                    position: member_start,
                    reason: DropReason::DuplicateKey { first_position: kept_positions[first] },
                });
                continue;
            }
            kept.push((key.to_owned(), value.to_owned()));
            kept_positions.push(member_start);
        }
        Ok(ParsedTraceState { kept: TraceState { members: kept }, dropped })
    }

    /// The list-members, left-most first.
    pub fn members(&self) -> &[(String, String)] {
        &self.members
    }

    /// The value for a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.members.iter().find(|(member_key, _)| member_key == key).map(|(_, value)| value.as_str())
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// One line per list-member for learners: the member and whose entry it is. A key names a
    /// vendor as a whole (an `@` in it is an ordinary character); values are opaque.
    pub fn explain(&self) -> Vec<String> {
        self.members
            .iter()
            .enumerate()
            .map(|(member_idx, (key, value))| {
                let position = if member_idx == 0 {
                    ", left-most: the vendor that last updated traceparent"
                } else {
                    ""
                };
                format!("{key}={value} (entry of vendor {key}{position})")
            })
            .collect()
    }
}

impl fmt::Display for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (member_idx, (key, value)) in self.members.iter().enumerate() {
            if member_idx > 0 {
                f.write_str(",")?;
            }
            write!(f, "{key}={value}")?;
        }
        Ok(())
    }
}

impl FromStr for TraceState {
    type Err = ParseTraceStateError;

    fn from_str(header: &str) -> Result<TraceState, ParseTraceStateError> {
        TraceState::parse(header)
    }
}

/// A parsed `tracestate`: the list kept and the list-members left out of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedTraceState {
    /// The list-members kept, in header order.
    pub kept: TraceState,
    /// The valid list-members that were not kept, in header order.
    pub dropped: Vec<DroppedMember>,
}

/// A valid list-member that is not kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedMember {
    pub key: String,
    pub value: String,
    /// Where the list-member starts (0-based character index into the header value).
    pub position: usize,
    pub reason: DropReason,
}

impl fmt::Display for DroppedMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={} at position {}: {}", self.key, self.value, self.position, self.reason)
    }
}

/// Why a valid list-member is not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// The key already appeared, in the list-member starting at `first_position`, which is kept.
    DuplicateKey { first_position: usize },
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::DuplicateKey { first_position } => write!(
                f,
                "duplicate key, first at position {first_position} (only one entry per key; the \
                 first, left-most one is kept)"
            ),
        }
    }
}

/// Why a `tracestate` header is discarded as a whole. Positions are 0-based character indexes
/// into the header value as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseTraceStateError {
    /// A 33rd non-empty list-member (duplicates count, empty members do not).
    #[error("more than {} list-members: the 33rd starts at position {position}", TRACESTATE_MAX_MEMBERS)]
    TooManyMembers { position: usize },
    /// A list-member without `=`.
    #[error("list-member {member:?} at position {position} has no '=' between key and value")]
    MissingEquals { member: String, position: usize },
    /// A key that is empty or does not start with a lowercase letter or a digit.
    #[error("the key must start with a lowercase letter or a digit, found {found:?} at position {position}")]
    InvalidKeyStart { position: usize, found: char },
    /// A character that keys may not contain.
    #[error(
        "invalid character {found:?} in the key at position {position} (keys use a-z, 0-9, '_', \
         '-', '*', '/' and '@')"
    )]
    InvalidKeyCharacter { position: usize, found: char },
    /// A key longer than 256 characters.
    #[error(
        "the key at position {position} is {length} characters long, the limit is {}",
        TRACESTATE_MAX_KEY_LEN
    )]
    KeyTooLong { position: usize, length: usize },
    /// A key with nothing but optional whitespace after `=`.
    #[error("the value of {key:?} at position {position} is empty")]
    EmptyValue { key: String, position: usize },
    /// A character that values may not contain.
    #[error(
        "the value of {key:?} has an invalid character {found:?} at position {position} (values \
         are printable ASCII except ',' and '=')"
    )]
    InvalidValueCharacter { key: String, position: usize, found: char },
    /// A value longer than 256 characters.
    #[error(
        "the value of {key:?} at position {position} is {length} characters long, the limit is {}",
        TRACESTATE_MAX_VALUE_LEN
    )]
    ValueTooLong { key: String, position: usize, length: usize },
}

impl ParseTraceStateError {
    /// The character position the error points at.
    pub fn position(&self) -> usize {
        match self {
            ParseTraceStateError::TooManyMembers { position }
            | ParseTraceStateError::MissingEquals { position, .. }
            | ParseTraceStateError::InvalidKeyStart { position, .. }
            | ParseTraceStateError::InvalidKeyCharacter { position, .. }
            | ParseTraceStateError::KeyTooLong { position, .. }
            | ParseTraceStateError::EmptyValue { position, .. }
            | ParseTraceStateError::InvalidValueCharacter { position, .. }
            | ParseTraceStateError::ValueTooLong { position, .. } => *position,
        }
    }
}

/// `keychar`: lowercase letters, digits, `_`, `-`, `*`, `/` and `@`.
fn is_key_char(found: char) -> bool {
    found.is_ascii_lowercase() || found.is_ascii_digit() || matches!(found, '_' | '-' | '*' | '/' | '@')
}

/// `chr`: printable ASCII (space to `~`) except `,` and `=`.
fn is_value_char(found: char) -> bool {
    matches!(found, ' '..='~') && found != ',' && found != '='
}

/// Checks a key that starts at `position`; the character after it is always the member's `=`.
fn check_key(key: &str, position: usize) -> Result<(), ParseTraceStateError> {
    // An empty key means the member starts with its '='.
    let first = key.chars().next().unwrap_or('=');
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Err(ParseTraceStateError::InvalidKeyStart { position, found: first });
    }
    if let Some((char_idx, found)) = key.chars().enumerate().find(|(_, found)| !is_key_char(*found)) {
        return Err(ParseTraceStateError::InvalidKeyCharacter { position: position + char_idx, found });
    }
    // The key is ASCII now, so its length in bytes is its length in characters.
    if key.len() > TRACESTATE_MAX_KEY_LEN {
        return Err(ParseTraceStateError::KeyTooLong { position, length: key.len() });
    }
    Ok(())
}

/// Checks the value of `key`, which starts at `position`. Trailing optional whitespace is already
/// trimmed, so a value that is not empty ends with a non-space character.
fn check_value(key: &str, value: &str, position: usize) -> Result<(), ParseTraceStateError> {
    if value.is_empty() {
        return Err(ParseTraceStateError::EmptyValue { key: key.to_owned(), position });
    }
    if let Some((char_idx, found)) = value.chars().enumerate().find(|(_, found)| !is_value_char(*found)) {
        return Err(ParseTraceStateError::InvalidValueCharacter {
            key: key.to_owned(),
            position: position + char_idx,
            found,
        });
    }
    // The value is ASCII now, so its length in bytes is its length in characters.
    if value.len() > TRACESTATE_MAX_VALUE_LEN {
        return Err(ParseTraceStateError::ValueTooLong {
            key: key.to_owned(),
            position,
            length: value.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE_ID: &str = "12345678901234567890123456789012";
    const PARENT_ID: &str = "1234567890123456";

    /// `expected` is `ok <header as re-emitted> sampled=<bool>` or `error: <message>`.
    fn check_traceparent(input: &str, expected: &str) {
        let actual = match TraceParent::parse(input) {
            Ok(traceparent) => format!("ok {traceparent} sampled={}", traceparent.sampled()),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(actual, expected, "traceparent {input:?}");
    }

    fn check_traceparents(cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            check_traceparent(input, expected);
        }
    }

    #[test]
    fn valid_version_00_headers_parse_and_re_emit_unchanged() {
        check_traceparents(&[
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "ok 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 sampled=true",
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
                "ok 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 sampled=false",
            ),
            // Unknown flags are kept but only bit 0 means sampled.
            (
                "00-12345678901234567890123456789012-1234567890123456-09",
                "ok 00-12345678901234567890123456789012-1234567890123456-09 sampled=true",
            ),
            (
                "00-12345678901234567890123456789012-1234567890123456-fe",
                "ok 00-12345678901234567890123456789012-1234567890123456-fe sampled=false",
            ),
            // Only all-zero ids are invalid, ids with some zeros are fine.
            (
                "00-00000000000000000000000000000001-0000000000000001-01",
                "ok 00-00000000000000000000000000000001-0000000000000001-01 sampled=true",
            ),
        ]);
    }

    #[test]
    fn version_must_be_two_lowercase_hex_digits_and_not_ff() {
        check_traceparents(&[
            (
                "ff-12345678901234567890123456789012-1234567890123456-01",
                "error: version ff at position 0 is invalid (ff is reserved as never valid)",
            ),
            (
                ".0-12345678901234567890123456789012-1234567890123456-01",
                "error: version: expected a lowercase hex digit at position 0, found '.'",
            ),
            (
                "0.-12345678901234567890123456789012-1234567890123456-01",
                "error: version: expected a lowercase hex digit at position 1, found '.'",
            ),
            (
                "000-12345678901234567890123456789012-1234567890123456-01",
                "error: expected '-' after the version at position 2, found '0'",
            ),
            (
                "0000-12345678901234567890123456789012-1234567890123456-01",
                "error: expected '-' after the version at position 2, found '0'",
            ),
            (
                "0-12345678901234567890123456789012-1234567890123456-01",
                "error: version: expected a lowercase hex digit at position 1, found '-'",
            ),
            (
                "0A-12345678901234567890123456789012-1234567890123456-01",
                "error: version: uppercase hex digit 'A' at position 1 (traceparent is lowercase only)",
            ),
            (
                "g0-12345678901234567890123456789012-1234567890123456-01",
                "error: version: expected a lowercase hex digit at position 0, found 'g'",
            ),
            (
                "00_12345678901234567890123456789012-1234567890123456-01",
                "error: expected '-' after the version at position 2, found '_'",
            ),
            (
                "0",
                "error: version: expected a lowercase hex digit at position 1, found the end of the header",
            ),
            ("00", "error: expected '-' after the version at position 2, found the end of the header"),
            ("", "error: the header is empty"),
            (" \t ", "error: the header is empty"),
        ]);
    }

    #[test]
    fn trace_id_must_be_32_lowercase_hex_digits_not_all_zero() {
        check_traceparents(&[
            (
                "00-00000000000000000000000000000000-1234567890123456-01",
                "error: trace-id at position 3 is all zeros, which is invalid",
            ),
            (
                "00-.2345678901234567890123456789012-1234567890123456-01",
                "error: trace-id: expected a lowercase hex digit at position 3, found '.'",
            ),
            (
                "00-1234567890123456789012345678901.-1234567890123456-01",
                "error: trace-id: expected a lowercase hex digit at position 34, found '.'",
            ),
            (
                "00-123456789012345678901234567890123-1234567890123456-01",
                "error: expected '-' after the trace-id at position 35, found '3'",
            ),
            (
                "00-1234567890123456789012345678901-1234567890123456-01",
                "error: trace-id: expected a lowercase hex digit at position 34, found '-'",
            ),
            (
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                "error: trace-id: uppercase hex digit 'B' at position 4 (traceparent is lowercase only)",
            ),
            (
                "00-4bf92f3577b34da6a3ce929d0e0e473é-00f067aa0ba902b7-01",
                "error: trace-id: expected a lowercase hex digit at position 34, found 'é'",
            ),
        ]);
    }

    #[test]
    fn parent_id_must_be_16_lowercase_hex_digits_not_all_zero() {
        check_traceparents(&[
            (
                "00-12345678901234567890123456789012-0000000000000000-01",
                "error: parent-id at position 36 is all zeros, which is invalid",
            ),
            (
                "00-12345678901234567890123456789012-.234567890123456-01",
                "error: parent-id: expected a lowercase hex digit at position 36, found '.'",
            ),
            (
                "00-12345678901234567890123456789012-123456789012345.-01",
                "error: parent-id: expected a lowercase hex digit at position 51, found '.'",
            ),
            (
                "00-12345678901234567890123456789012-12345678901234567-01",
                "error: expected '-' after the parent-id at position 52, found '7'",
            ),
            (
                "00-12345678901234567890123456789012-123456789012345-01",
                "error: parent-id: expected a lowercase hex digit at position 51, found '-'",
            ),
            (
                "00-12345678901234567890123456789012-00F067AA0BA902B7-01",
                "error: parent-id: uppercase hex digit 'F' at position 38 (traceparent is lowercase only)",
            ),
        ]);
    }

    #[test]
    fn trace_flags_must_be_2_lowercase_hex_digits() {
        check_traceparents(&[
            (
                "00-12345678901234567890123456789012-1234567890123456-.0",
                "error: trace-flags: expected a lowercase hex digit at position 53, found '.'",
            ),
            (
                "00-12345678901234567890123456789012-1234567890123456-0.",
                "error: trace-flags: expected a lowercase hex digit at position 54, found '.'",
            ),
            (
                "00-12345678901234567890123456789012-1234567890123456-1",
                "error: trace-flags: expected a lowercase hex digit at position 54, found the end of the header",
            ),
            (
                "00-12345678901234567890123456789012-1234567890123456-0F",
                "error: trace-flags: uppercase hex digit 'F' at position 54 (traceparent is lowercase only)",
            ),
            (
                "00-12345678901234567890123456789012-1234567890123456",
                "error: expected '-' after the parent-id at position 52, found the end of the header",
            ),
        ]);
    }

    #[test]
    fn version_00_is_exactly_55_characters() {
        check_traceparents(&[
            (
                "00-12345678901234567890123456789012-1234567890123456-001",
                "error: unexpected '1' at position 55: a version-00 traceparent ends after the trace-flags (55 characters)",
            ),
            (
                "00-12345678901234567890123456789012-1234567890123456-01.",
                "error: unexpected '.' at position 55: a version-00 traceparent ends after the trace-flags (55 characters)",
            ),
            (
                "00-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
                "error: unexpected '-' at position 55: a version-00 traceparent ends after the trace-flags (55 characters)",
            ),
        ]);
    }

    #[test]
    fn higher_versions_parse_at_the_version_00_positions() {
        check_traceparents(&[
            (
                "cc-12345678901234567890123456789012-1234567890123456-01",
                "ok cc-12345678901234567890123456789012-1234567890123456-01 sampled=true",
            ),
            (
                "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
                "ok cc-12345678901234567890123456789012-1234567890123456-01 sampled=true",
            ),
            (
                "01-12345678901234567890123456789012-1234567890123456-00-",
                "ok 01-12345678901234567890123456789012-1234567890123456-00 sampled=false",
            ),
            (
                "cc-12345678901234567890123456789012-1234567890123456-01.what-the-future-will-be-like",
                "error: version cc: expected '-' or the end of the header after the trace-flags at position 55, found '.'",
            ),
            (
                "cc-12345678901234567890123456789012-1234567890123456-0",
                "error: trace-flags: expected a lowercase hex digit at position 54, found the end of the header",
            ),
            (
                "cc-12345678901234567890123456789012-1234567890123456-011",
                "error: version cc: expected '-' or the end of the header after the trace-flags at position 55, found '1'",
            ),
            (
                "cc-00000000000000000000000000000000-1234567890123456-01",
                "error: trace-id at position 3 is all zeros, which is invalid",
            ),
            (
                "fe-12345678901234567890123456789012-1234567890123456-01-x",
                "ok fe-12345678901234567890123456789012-1234567890123456-01 sampled=true",
            ),
        ]);
    }

    #[test]
    fn surrounding_whitespace_is_trimmed_and_inner_whitespace_is_invalid() {
        let ok = format!("ok 00-{TRACE_ID}-{PARENT_ID}-01 sampled=true");
        check_traceparents(&[
            (&format!(" 00-{TRACE_ID}-{PARENT_ID}-01"), &ok),
            (&format!("\t00-{TRACE_ID}-{PARENT_ID}-01"), &ok),
            (&format!("00-{TRACE_ID}-{PARENT_ID}-01 "), &ok),
            (&format!("00-{TRACE_ID}-{PARENT_ID}-01\t"), &ok),
            (&format!("\t 00-{TRACE_ID}-{PARENT_ID}-01 \t"), &ok),
            // Positions count from the header as given, leading whitespace included.
            (
                &format!("  00-{TRACE_ID} -{PARENT_ID}-01"),
                "error: expected '-' after the trace-id at position 37, found ' '",
            ),
            (
                &format!("00- {TRACE_ID}-{PARENT_ID}-01"),
                "error: trace-id: expected a lowercase hex digit at position 3, found ' '",
            ),
            (
                &format!("00-{TRACE_ID}-{PARENT_ID}-01 x"),
                "error: unexpected ' ' at position 55: a version-00 traceparent ends after the trace-flags (55 characters)",
            ),
            // Only space and tab are optional whitespace.
            (
                &format!("\n00-{TRACE_ID}-{PARENT_ID}-01"),
                "error: version: expected a lowercase hex digit at position 0, found '\\n'",
            ),
        ]);
    }

    #[test]
    fn errors_report_the_position_they_point_at() {
        let error = TraceParent::parse(" 00-.2345678901234567890123456789012-1234567890123456-01")
            .expect_err("'.' is not hex");
        assert_eq!(error.position(), Some(4));
        assert_eq!(TraceParent::parse(" ").unwrap_err().position(), None);
    }

    #[test]
    fn parsed_fields_decode_the_hex() {
        let traceparent: TraceParent =
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03".parse().expect("valid");
        assert_eq!(
            traceparent,
            TraceParent {
                version: 0,
                trace_id: TraceId::from_u64_pair(0x4bf9_2f35_77b3_4da6, 0xa3ce_929d_0e0e_4736),
                parent_id: SpanId::from_u64(0x00f0_67aa_0ba9_02b7),
                trace_flags: 0x03,
            }
        );
        assert!(traceparent.sampled());
        assert!(traceparent.random());
        let made = TraceParent::new(traceparent.trace_id, traceparent.parent_id, false);
        assert_eq!(made.to_string(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
        assert_eq!(TraceParent::parse(&made.to_string()), Ok(made));
    }

    #[test]
    fn explain_decodes_each_field_for_learners() {
        let traceparent =
            TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09").expect("valid");
        let lines: Vec<String> = traceparent.explain().iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "version 00: version 00, the only version defined so far: exactly 55 characters, \
                 nothing after the flags",
                "trace-id 4bf92f3577b34da6a3ce929d0e0e4736: 16 bytes naming the whole trace: every \
                 span of this request, in every service, carries it",
                "parent-id 00f067aa0ba902b7: 8 bytes, the span id of the caller's span: the span \
                 the receiver starts becomes its child",
                "trace-flags 09: bits 00001001: sampled (bit 0) = 1, the caller may have recorded \
                 this request; random trace-id (bit 1, Level 2) = 0; bits 00001000 are not defined \
                 yet and are ignored",
            ]
        );
        let future =
            TraceParent::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").expect("valid");
        let explained = future.explain();
        assert_eq!(explained[0].hex, "cc");
        assert!(explained[0].meaning.contains("newer than this parser"), "{}", explained[0].meaning);
        assert_eq!(
            explained[3].meaning,
            "bits 00000000: sampled (bit 0) = 0, the caller did not record this request; random \
             trace-id (bit 1, Level 2) = 0"
        );
    }

    #[test]
    fn field_ranges_match_the_header_layout() {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let traceparent = TraceParent::parse(header).expect("valid");
        for (field, explained) in TraceParentField::ALL.iter().zip(traceparent.explain()) {
            assert_eq!(&header[field.range()], explained.hex, "{field}");
        }
        assert_eq!(TraceParentField::TraceFlags.range().end, TRACEPARENT_LEN);
    }
}
