//! What every import target does with a successful import: analyse it (with and without a skew
//! limit), export it in every format, read the OTLP export back (same number of spans), and
//! send it through the page's wire form.
use reqflow_core::analysis::{SkewLimit, TimeBasis, analyze_with};
use reqflow_formats::{self as formats, Format, Imported};
use reqflow_formats::wire;

pub fn exercise(imported: &Imported) {
    let spans = &imported.spans;
    let analysis = analyze_with(spans, Some(&imported.parents), TimeBasis::Adjusted, SkewLimit::NONE);
    let _ = analysis.bottleneck_sentence();
    let limited = SkewLimit::from_ms(1.0).expect("a limit");
    let _ = analyze_with(spans, Some(&imported.parents), TimeBasis::Raw, limited);
    for format in [Format::Otlp, Format::Jaeger, Format::Zipkin] {
        let text = formats::export(spans, format);
        if format == Format::Otlp {
            let again = formats::import(&text, "export.json").expect("an OTLP export reads back");
            assert_eq!(again.spans.len(), spans.len(), "the OTLP export keeps every span");
        }
    }
    let bytes = wire::encode_import(imported);
    let decoded = wire::decode_import(&bytes).expect("wire bytes decode");
    assert_eq!(decoded.spans.len(), spans.len());
    assert_eq!(wire::encode_spans(&decoded.spans), wire::encode_spans(spans), "the wire form round-trips");
}
