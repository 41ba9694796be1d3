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
mod tests;
