//! Exports written a batch at a time: one document of the format, however many spans, without
//! holding them all.
//!
//! [`ExportWriter::new`] writes the document's opening, up to its span container's `[` (OTLP's
//! `resourceSpans`, Jaeger's `data`, Zipkin's top-level array); [`ExportWriter::batch`] writes the
//! entries of some finished requests' spans after the ones written so far, with the typed JSON
//! writer resumed inside that open container; [`ExportWriter::finish`] closes the document. Each
//! call appends to a `String` the caller hands over, which it can write out and empty between
//! calls: memory holds one batch's text, whatever the size of the document. [`export`] and
//! [`export_compact`] are this writer given all the spans as one batch, so:
//!
//! * a document written as a single batch is byte for byte [`export`]'s output (or
//!   [`export_compact`]'s, with [`Layout::Compact`]);
//! * Zipkin (a flat span array) is the same bytes however the spans are cut into batches;
//! * Jaeger (one entry per trace id, processes numbered per trace) is the same bytes as long as a
//!   trace's spans are not split between batches (hand over whole requests);
//! * OTLP groups spans by resource and scope *within* a batch: a resource that appears in several
//!   batches gets one `resourceSpans` entry per batch. The document is still one valid
//!   `ExportTraceServiceRequest` (OTLP allows a resource to repeat) and holds the same spans.
//!
//! [`export`]: super::export
//! [`export_compact`]: super::export_compact

use super::json_out::{Frame, Layout, OpenDocument};
use super::{Format, jaeger, otlp, zipkin};
use reqflow_core::trace::Span;

/// Where a format's spans go: the array the batches' entries are written into.
fn frame(format: Format) -> Frame {
    match format {
        Format::Otlp => Frame::ArrayIn("resourceSpans"),
        Format::Jaeger => Frame::ArrayIn("data"),
        Format::Zipkin => Frame::Array,
    }
}

/// Writes one document of a format from batches of spans (see the [module](self) docs).
#[derive(Debug)]
#[must_use = "the document is ended by `finish`"]
pub struct ExportWriter {
    format: Format,
    document: OpenDocument,
}

impl ExportWriter {
    /// A pretty-printed document (as [`export`](super::export) writes it), whose opening is
    /// appended to `out`.
    pub fn new(format: Format, out: &mut String) -> ExportWriter {
        ExportWriter::with_layout(format, Layout::Pretty, out)
    }

    /// A document in `layout`, whose opening is appended to `out`.
    pub fn with_layout(format: Format, layout: Layout, out: &mut String) -> ExportWriter {
        ExportWriter { format, document: OpenDocument::open(out, layout, frame(format)) }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Appends to `out` the entries of `spans` (nothing for no spans).
    pub fn batch(&mut self, spans: &[Span], out: &mut String) {
        self.document.items(out, |entries| match self.format {
            Format::Otlp => otlp::write_resource_spans(entries, spans),
            Format::Jaeger => jaeger::write_traces(entries, spans),
            Format::Zipkin => zipkin::write_spans(entries, spans),
        });
    }

    /// Appends the end of the document to `out`.
    pub fn finish(self, out: &mut String) {
        self.document.close(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export;
    use reqflow_core::{Simulation, builtins};

    fn spans_per_request(name: &str, seed: u64, requests: u64) -> Vec<Vec<Span>> {
        let simulation = Simulation::new(&builtins::load(name).expect("built-in")).expect("compiles");
        let mut traces = Vec::new();
        simulation.run(seed, requests, |trace| traces.push(trace.spans)).expect("runs");
        traces
    }

    /// The document written a batch at a time, each batch's text into a fresh `String` (as the
    /// CLI writes each out and empties it).
    fn written_in(format: Format, layout: Layout, batches: &[&[Span]]) -> String {
        let mut pieces = Vec::new();
        let mut out = String::new();
        let mut writer = ExportWriter::with_layout(format, layout, &mut out);
        for batch in batches {
            pieces.push(std::mem::take(&mut out));
            writer.batch(batch, &mut out);
        }
        pieces.push(std::mem::take(&mut out));
        writer.finish(&mut out);
        pieces.push(out);
        pieces.concat()
    }

    fn written(format: Format, batches: &[&[Span]]) -> String {
        written_in(format, Layout::Pretty, batches)
    }

    #[test]
    fn one_batch_is_the_whole_export_byte_for_byte() {
        for format in Format::ALL {
            for name in builtins::names() {
                let spans = spans_per_request(name, 3, 1).concat();
                assert_eq!(written(format, &[&spans]), export(&spans, format), "{name} as {format}");
                assert_eq!(
                    written_in(format, Layout::Compact, &[&spans]),
                    crate::export_compact(&spans, format),
                    "{name} as compact {format}"
                );
            }
            assert_eq!(written(format, &[]), export(&[], format), "no spans as {format}");
            assert_eq!(written(format, &[&[], &[]]), export(&[], format), "empty batches as {format}");
        }
    }

    #[test]
    fn empty_documents_are_what_serde_json_writes_for_them() {
        let cases = [
            (Format::Otlp, serde_json::json!({"resourceSpans": []})),
            (Format::Jaeger, serde_json::json!({"data": []})),
            (Format::Zipkin, serde_json::json!([])),
        ];
        for (format, empty) in cases {
            let pretty = serde_json::to_string_pretty(&empty).expect("JSON");
            assert_eq!(written(format, &[&[]]), pretty, "{format}");
            let compact = serde_json::to_string(&empty).expect("JSON");
            assert_eq!(written_in(format, Layout::Compact, &[]), compact, "compact {format}");
        }
    }

    #[test]
    fn zipkin_and_jaeger_batches_of_whole_requests_are_the_whole_export() {
        let requests = spans_per_request("async-queue", 5, 6);
        let all = requests.concat();
        let batches: Vec<&[Span]> = requests.iter().map(Vec::as_slice).collect();
        for format in [Format::Zipkin, Format::Jaeger] {
            assert_eq!(written(format, &batches), export(&all, format), "{format}");
            assert_eq!(
                written_in(format, Layout::Compact, &batches),
                crate::export_compact(&all, format),
                "compact {format}"
            );
        }
    }

    #[test]
    fn zipkin_is_the_same_bytes_however_the_spans_are_cut() {
        let all = spans_per_request("netflix-fanout", 2, 3).concat();
        for size in [1, 2, 7, 100, all.len() - 1] {
            let batches: Vec<&[Span]> = all.chunks(size).collect();
            assert!(batches.len() > 1, "{} spans in batches of {size}", all.len());
            assert_eq!(written(Format::Zipkin, &batches), export(&all, Format::Zipkin), "batches of {size}");
            assert_eq!(
                written_in(Format::Zipkin, Layout::Compact, &batches),
                crate::export_compact(&all, Format::Zipkin),
                "compact batches of {size}"
            );
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
        // One entry per resource per batch: what each batch exported alone has.
        let entries_alone = |spans: &[Span]| {
            let alone: serde_json::Value = serde_json::from_str(&export(spans, Format::Otlp)).expect("JSON");
            alone["resourceSpans"].as_array().expect("resourceSpans").len()
        };
        let per_batch: usize = batches.iter().map(|batch| entries_alone(batch)).sum();
        assert_eq!(n_entries, per_batch, "resourceSpans entries, one per resource and batch");
        assert!(n_entries > entries_alone(&all), "a resource repeats in several batches");
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
