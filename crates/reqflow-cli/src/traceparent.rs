//! `reqflow traceparent`: decode a W3C `traceparent` (and `tracestate`) header for a learner.

use std::io::Write;

use anyhow::anyhow;
use reqflow_core::tracecontext::{ParseTraceStateError, ParsedTraceState, TraceParent, TraceState};

#[derive(clap::Args)]
pub struct TraceparentArgs {
    /// The `traceparent` header value, e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.
    #[arg(allow_hyphen_values = true)]
    header: String,
    /// A `tracestate` header value to decode with it: the list-members kept are listed in order,
    /// a repeated key is dropped after its first occurrence, and an invalid header is discarded as
    /// a whole (reported, not fatal: the traceparent still holds).
    #[arg(long, allow_hyphen_values = true)]
    tracestate: Option<String>,
    /// Print the fields as JSON instead of explaining them.
    #[arg(long)]
    json: bool,
}

pub fn run(args: TraceparentArgs) -> anyhow::Result<()> {
    let traceparent = TraceParent::parse(&args.header).map_err(|error| {
        let pointer =
            error.position().map(|position| point_at(&args.header, position, "  ")).unwrap_or_default();
        anyhow!("invalid traceparent: {error}{pointer}")
    })?;
    // The specification parses tracestate only once traceparent is valid.
    let tracestate = args.tracestate.as_deref().map(TraceState::parse_with_report);
    let output = if args.json {
        to_json(&traceparent, tracestate.as_ref())? + "\n"
    } else {
        to_text(&args.header, &traceparent, args.tracestate.as_deref().zip(tracestate.as_ref()))
    };
    std::io::stdout().lock().write_all(output.as_bytes())?;
    Ok(())
}

/// The header on one line and a caret under the character at `position` on the next, both after
/// `indent`, each line starting with a newline. Nothing for a header that spans lines.
fn point_at(header: &str, position: usize, indent: &str) -> String {
    if header.contains(['\n', '\r']) {
        return String::new();
    }
    // Tabs are copied so the caret lines up however the terminal expands them.
    let padding: String = header.chars().take(position).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    format!("\n{indent}{header}\n{indent}{padding}^")
}

fn to_json(
    traceparent: &TraceParent,
    tracestate: Option<&Result<ParsedTraceState, ParseTraceStateError>>,
) -> anyhow::Result<String> {
    let mut object = serde_json::json!({
        "version": format!("{:02x}", traceparent.version),
        "trace_id": traceparent.trace_id.to_string(),
        "parent_id": traceparent.parent_id.to_string(),
        "trace_flags": format!("{:02x}", traceparent.trace_flags),
        "sampled": traceparent.sampled(),
    });
    match tracestate {
        None => {}
        Some(Ok(parsed)) => {
            object["tracestate"] = serde_json::json!(parsed.kept.members());
            let dropped: Vec<serde_json::Value> = parsed
                .dropped
                .iter()
                .map(|member| {
                    serde_json::json!({
                        "key": member.key,
                        "value": member.value,
                        "position": member.position,
                        "reason": member.reason.to_string(),
                    })
                })
                .collect();
            object["tracestate_dropped"] = serde_json::Value::Array(dropped);
        }
        Some(Err(error)) => {
            object["tracestate_discarded"] = serde_json::json!(error.to_string());
            object["tracestate_error_position"] = serde_json::json!(error.position());
        }
    }
    Ok(serde_json::to_string_pretty(&object)?)
}

/// `tracestate` is the header value as given and what parsing it gave.
fn to_text(
    header: &str,
    traceparent: &TraceParent,
    tracestate: Option<(&str, &Result<ParsedTraceState, ParseTraceStateError>)>,
) -> String {
    const LABEL_WIDTH: usize = 12;
    let fields = traceparent.explain();
    let hex_width = fields.iter().map(|field| field.hex.len()).max().unwrap_or(0);
    let mut text = format!("{:<LABEL_WIDTH$}{}\n", "traceparent", header.trim_matches([' ', '\t']));
    for field in &fields {
        text.push_str(&format!(
            "{:<LABEL_WIDTH$}{:<hex_width$}  {}\n",
            field.field.name(),
            field.hex,
            field.meaning
        ));
    }
    let sampled = if traceparent.sampled() { "yes" } else { "no" };
    text.push_str(&format!("{:<LABEL_WIDTH$}{sampled}\n", "sampled"));
    match tracestate {
        None => {}
        Some((_, Ok(parsed))) => {
            let mut count = match parsed.kept.len() {
                0 => "empty (no list-members)".to_owned(),
                1 => "1 list-member".to_owned(),
                n_members => format!("{n_members} list-members"),
            };
            if !parsed.dropped.is_empty() {
                count.push_str(&format!(" kept, {} dropped", parsed.dropped.len()));
            }
            text.push_str(&format!("{:<LABEL_WIDTH$}{count}\n", "tracestate"));
            for line in parsed.kept.explain() {
                text.push_str(&format!("{:<LABEL_WIDTH$}{line}\n", ""));
            }
            for member in &parsed.dropped {
                text.push_str(&format!("{:<LABEL_WIDTH$}{member}\n", "dropped"));
            }
        }
        Some((tracestate_header, Err(error))) => {
            let pointer = point_at(tracestate_header, error.position(), &" ".repeat(LABEL_WIDTH));
            text.push_str(&format!(
                "{:<LABEL_WIDTH$}discarded: {error} (an invalid tracestate is dropped as a whole; \
                 the traceparent still holds){pointer}\n",
                "tracestate"
            ));
        }
    }
    text
}
