//! `reqflow traceparent`: decode a W3C `traceparent` (and `tracestate`) header for a learner.

use std::io::Write;

use anyhow::anyhow;
use reqflow_core::tracecontext::{ParseTraceStateError, TraceParent, TraceState};

#[derive(clap::Args)]
pub struct TraceparentArgs {
    /// The `traceparent` header value, e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.
    #[arg(allow_hyphen_values = true)]
    header: String,
    /// A `tracestate` header value to decode with it (an invalid one is discarded, not fatal).
    #[arg(long, allow_hyphen_values = true)]
    tracestate: Option<String>,
    /// Print the fields as JSON instead of explaining them.
    #[arg(long)]
    json: bool,
}

pub fn run(args: TraceparentArgs) -> anyhow::Result<()> {
    let traceparent = TraceParent::parse(&args.header).map_err(|error| {
        let pointer = error.position().map(|position| point_at(&args.header, position)).unwrap_or_default();
        anyhow!("invalid traceparent: {error}{pointer}")
    })?;
    // The specification parses tracestate only once traceparent is valid.
    let tracestate = args.tracestate.as_deref().map(TraceState::parse);
    let output = if args.json {
        to_json(&traceparent, tracestate.as_ref())? + "\n"
    } else {
        to_text(&args.header, &traceparent, tracestate.as_ref())
    };
    std::io::stdout().lock().write_all(output.as_bytes())?;
    Ok(())
}

/// The header on one line and a caret under the character at `position` on the next.
fn point_at(header: &str, position: usize) -> String {
    if header.contains(['\n', '\r']) {
        return String::new();
    }
    // Tabs are copied so the caret lines up however the terminal expands them.
    let padding: String = header.chars().take(position).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    format!("\n  {header}\n  {padding}^")
}

fn to_json(
    traceparent: &TraceParent,
    tracestate: Option<&Result<TraceState, ParseTraceStateError>>,
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
        Some(Ok(tracestate)) => {
            object["tracestate"] = serde_json::json!(tracestate.0);
        }
        Some(Err(error)) => {
            object["tracestate_discarded"] = serde_json::json!(error.to_string());
        }
    }
    Ok(serde_json::to_string_pretty(&object)?)
}

fn to_text(
    header: &str,
    traceparent: &TraceParent,
    tracestate: Option<&Result<TraceState, ParseTraceStateError>>,
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
        Some(Ok(tracestate)) => {
            let count = match tracestate.len() {
                0 => "empty (no list-members)".to_owned(),
                1 => "1 list-member".to_owned(),
                n_members => format!("{n_members} list-members"),
            };
            text.push_str(&format!("{:<LABEL_WIDTH$}{count}\n", "tracestate"));
            for line in tracestate.explain() {
                text.push_str(&format!("{:<LABEL_WIDTH$}{line}\n", ""));
            }
        }
        Some(Err(error)) => {
            text.push_str(&format!(
                "{:<LABEL_WIDTH$}discarded: {error} (an invalid tracestate is dropped as a whole; \
                 the traceparent still holds)\n",
                "tracestate"
            ));
        }
    }
    text
}
