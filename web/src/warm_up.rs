//! Readies the page for a big import while nothing else is happening.
//!
//! The browser compiles a wasm function the first time it is called (a quick baseline
//! compile), and recompiles it optimised only once it has run a while. An import runs code the
//! page has not used before (the OTLP reader, the analysis of an imported trace), so the first
//! big import paid for compiling it and then ran most of the file on baseline code. Importing a
//! small trace a few times, in idle moments after the page is up, does that work early: the user's
//! first import then starts on compiled, mostly optimised code.

use reqflow_core::analysis::{SkewLimit, TimeBasis};
use reqflow_core::formats::{self, Format, ImportStream};
use reqflow_core::{Simulation, builtins};

use crate::trace_view::TraceView;

/// The warm-up trace: 60 requests of the default scenario (≈ 300 spans), written as compact
/// OTLP/JSON like the files tools write, imported and analysed a few times so the browser sees
/// the reader's loops as hot.
const REQUESTS: u64 = 60;
const ROUNDS: usize = 3;
/// The size of the pieces the warm-up trace is read in (browsers read files in 64 KiB chunks; a
/// smaller piece runs the reader's resuming more often).
const CHUNK: usize = 16 * 1024;

/// The warm-up, a step at a time: the trace is written first, then each round imports and
/// analyses it. Steps are meant to run in separate tasks, a few milliseconds each, so the page
/// never stalls for the whole of it.
#[derive(Debug, Default)]
pub struct WarmUp {
    text: Option<String>,
    rounds: usize,
}

impl WarmUp {
    /// How many steps there are.
    pub const STEPS: usize = 1 + ROUNDS;

    /// Runs the next step; returns how many spans it read (zero for the first step, after the
    /// last one, or if a step failed: warming up is only an optimisation, it never reports
    /// errors).
    pub fn step(&mut self) -> usize {
        let Some(text) = &self.text else {
            self.text = Some(trace_text().unwrap_or_default());
            return 0;
        };
        if self.rounds == ROUNDS {
            return 0;
        }
        self.rounds += 1;
        // In chunks, as a file arrives (see io.rs).
        let mut stream = ImportStream::new("warm-up.json", text.len());
        for chunk in text.as_bytes().chunks(CHUNK) {
            stream.push(chunk);
        }
        match stream.finish().unwrap_or_else(|| formats::import(text, "warm-up.json")) {
            Ok(imported) => {
                TraceView::imported(imported.spans, imported.parents, TimeBasis::Adjusted, SkewLimit::NONE)
                    .spans
                    .len()
            }
            Err(_) => 0,
        }
    }
}

/// The warm-up trace as compact OTLP/JSON.
fn trace_text() -> Option<String> {
    let scenario = builtins::load(builtins::DEFAULT)?;
    let simulation = Simulation::new(&scenario).ok()?;
    let mut spans = Vec::new();
    for seed in 1..=REQUESTS {
        spans.extend(simulation.simulate_one(seed).ok()?.spans);
    }
    Some(compact(&formats::export(&spans, Format::Otlp)))
}

/// The JSON `text` without whitespace between tokens (the export is indented for people to
/// read; files from tracing tools are compact, and the reader has a faster path for those).
fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_imports_and_analyses_a_real_trace_a_round_per_step() {
        let mut warm_up = WarmUp::default();
        assert_eq!(warm_up.step(), 0, "the first step writes the trace");
        let rounds: Vec<usize> = (1..WarmUp::STEPS).map(|_| warm_up.step()).collect();
        assert_eq!(rounds.len(), ROUNDS);
        assert!(rounds[0] >= 4 * REQUESTS as usize, "{rounds:?}");
        assert!(rounds.iter().all(|&n_spans| n_spans == rounds[0]), "{rounds:?}");
        assert_eq!(warm_up.step(), 0, "nothing after the last round");
    }

    #[test]
    fn compact_json_reads_the_same_and_keeps_strings_whole() {
        let text = "{\n  \"a b\": [1, 2],\n  \"c\": \"x \\\" y\\\\\",\n  \"d\": \" \"\n}";
        assert_eq!(compact(text), "{\"a b\":[1,2],\"c\":\"x \\\" y\\\\\",\"d\":\" \"}");
        let spans = Simulation::new(&builtins::load("clock-skew").expect("built-in"))
            .and_then(|simulation| simulation.simulate_one(3))
            .expect("runs")
            .spans;
        let pretty = formats::export(&spans, Format::Otlp);
        let read = |text: &str| formats::import(text, "t.json").expect("imports");
        assert!(compact(&pretty).len() < pretty.len() * 3 / 4);
        assert_eq!(read(&compact(&pretty)), read(&pretty));
    }
}
