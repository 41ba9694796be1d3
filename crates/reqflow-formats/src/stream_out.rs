//! Exports written a batch at a time: one document of the format, however many spans, without
//! holding them all.
//!
//! [`ExportWriter::batch`] takes the spans of some finished requests and returns the text that
//! continues the document; [`ExportWriter::finish`] returns its end. Each batch is written by
//! [`export`](super::export) and its entries are spliced into the document, so:
//!
//! * a document written as a single batch is byte for byte [`export`](super::export)'s output;
//! * Zipkin (a flat span array) is the same bytes however the spans are cut into batches;
//! * Jaeger (one entry per trace id, processes numbered per trace) is the same bytes as long as a
//!   trace's spans are not split between batches (hand over whole requests);
//! * OTLP groups spans by resource and scope *within* a batch: a resource that appears in several
//!   batches gets one `resourceSpans` entry per batch. The document is still one valid
//!   `ExportTraceServiceRequest` (OTLP allows a resource to repeat) and holds the same spans.

use super::{Format, export};
use reqflow_core::trace::Span;

/// A document's opening (up to its span container's `[`) and its closing after the last entry.
fn frame(format: Format) -> (&'static str, &'static str) {
    match format {
        Format::Otlp => ("{\n  \"resourceSpans\": [", "\n  ]\n}"),
        Format::Jaeger => ("{\n  \"data\": [", "\n  ]\n}"),
        Format::Zipkin => ("[", "\n]"),
    }
}

/// Writes one document of a format from batches of spans (see the [module](self) docs).
#[derive(Debug)]
pub struct ExportWriter {
    format: Format,
    /// Whether the opening and at least one entry have been returned.
    started: bool,
}

impl ExportWriter {
    pub fn new(format: Format) -> ExportWriter {
        ExportWriter { format, started: false }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The text that continues the document with `spans` (empty for no spans). The first batch
    /// with spans opens the document.
    pub fn batch(&mut self, spans: &[Span]) -> String {
        if spans.is_empty() {
            return String::new();
        }
        let (open, close) = frame(self.format);
        let mut text = export(spans, self.format);
        // `export` of spans is always `open`, entries, `close`: keep the entries (and the
        // opening, the first time).
        debug_assert!(text.starts_with(open) && text.ends_with(close), "{} export frame", self.format);
        text.truncate(text.len() - close.len());
        if self.started {
            // The entries start with their own line break and indent; a comma separates them
            // from the previous batch's, as in a document written at once.
            text.replace_range(..open.len(), ",");
        }
        self.started = true;
        text
    }

    /// The end of the document. With no spans at all, the whole (empty) document.
    pub fn finish(self) -> String {
        if self.started { frame(self.format).1.to_owned() } else { export(&[], self.format) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqflow_core::{Simulation, builtins};

    fn spans_per_request(name: &str, seed: u64, requests: u64) -> Vec<Vec<Span>> {
        let simulation = Simulation::new(&builtins::load(name).expect("built-in")).expect("compiles");
        let mut traces = Vec::new();
        simulation.run(seed, requests, |trace| traces.push(trace.spans)).expect("runs");
        traces
    }

    fn written(format: Format, batches: &[&[Span]]) -> String {
        let mut writer = ExportWriter::new(format);
        let mut text: String = batches.iter().map(|batch| writer.batch(batch)).collect();
        text.push_str(&writer.finish());
        text
    }

    #[test]
    fn one_batch_is_the_whole_export_byte_for_byte() {
        for format in Format::ALL {
            for name in builtins::names() {
                let spans = spans_per_request(name, 3, 1).concat();
                assert_eq!(written(format, &[&spans]), export(&spans, format), "{name} as {format}");
            }
            assert_eq!(written(format, &[]), export(&[], format), "no spans as {format}");
            assert_eq!(written(format, &[&[], &[]]), export(&[], format), "empty batches as {format}");
        }
    }

    #[test]
    fn zipkin_and_jaeger_batches_of_whole_requests_are_the_whole_export() {
        let requests = spans_per_request("async-queue", 5, 6);
        let all = requests.concat();
        let batches: Vec<&[Span]> = requests.iter().map(Vec::as_slice).collect();
        for format in [Format::Zipkin, Format::Jaeger] {
            assert_eq!(written(format, &batches), export(&all, format), "{format}");
        }
    }

    #[test]
    fn otlp_batches_make_one_document_with_the_same_spans() {
        let requests = spans_per_request("clock-skew", 9, 5);
        let all = requests.concat();
        let batches: Vec<&[Span]> = requests.iter().map(Vec::as_slice).collect();
        let text = written(Format::Otlp, &batches);
        let document: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
        let n_entries = document["resourceSpans"].as_array().expect("resourceSpans").len();
        let whole: serde_json::Value = serde_json::from_str(&export(&all, Format::Otlp)).expect("JSON");
        assert!(n_entries > whole["resourceSpans"].as_array().expect("resourceSpans").len(), "per batch");
        let imported = crate::import(&text, "batched.json").expect("imports");
        let direct = crate::import(&export(&all, Format::Otlp), "whole.json").expect("imports");
        assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
        let ids = |spans: &[Span]| spans.iter().map(|span| span.span_id).collect::<Vec<_>>();
        let mut batched_ids = ids(&imported.spans);
        let mut whole_ids = ids(&direct.spans);
        batched_ids.sort_unstable();
        whole_ids.sort_unstable();
        assert_eq!(batched_ids, whole_ids);
        assert_eq!(imported.spans.len(), all.len());
    }
}
