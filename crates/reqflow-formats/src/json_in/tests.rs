//! The Jaeger and Zipkin step readers against serde's readers of the same structs, and read in
//! pieces (as `ImportStream` reads a file arriving) against the whole file.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::strip_bom;
use crate::{
    Format, ImportError, ImportStream, Imported, detect, export, import, import_bytes, jaeger, zipkin,
};
use reqflow_core::{Simulation, builtins};

/// Jaeger and Zipkin files: the fixtures, every built-in's trace exported (pretty, as exported,
/// and compact), and files laid out the unusual ways the formats allow.
fn files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    for dir in ["jaeger", "zipkin", "conversion"] {
        let mut paths: Vec<_> = std::fs::read_dir(fixtures.join(dir))
            .expect("fixtures")
            .map(|entry| entry.expect("entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).expect("text");
            if matches!(detect(&text, "t.json"), Ok(Format::Jaeger | Format::Zipkin)) {
                files.push((path.display().to_string(), text));
            }
        }
    }
    for name in builtins::names() {
        let scenario = builtins::load(name).expect("built-in");
        let spans = Simulation::new(&scenario).and_then(|simulation| simulation.simulate_one(7));
        let spans = spans.expect("runs").spans;
        for format in [Format::Jaeger, Format::Zipkin] {
            let text = export(&spans, format);
            let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            files.push((format!("{name} as {format}, compact"), value.to_string()));
            files.push((format!("{name} as {format}"), text));
        }
    }
    for (name, text) in UNUSUAL {
        files.push(((*name).to_owned(), (*text).to_owned()));
    }
    files
}

/// Layouts the step readers follow (or leave to serde) that exports do not have.
const UNUSUAL: &[(&str, &str)] = &[
    (
        "processes first, trace id last, errors after data",
        r#"{"data":[{"processes":{"p2":{"serviceName":"b"},"p1":{"serviceName":"a","tags":[{"key":"hostname","type":"string","value":"h1"},{"key":"raw","type":"binary","value":"AAE="}]}},
          "warnings":["clock skew"],
          "spans":[{"traceID":"1","spanID":"2","operationName":"x","references":[],"startTime":5,"duration":3,"processID":"p1","warnings":null},
                   {"traceID":"1","spanID":"3","operationName":"y","references":[{"refType":"CHILD_OF","traceID":"1","spanID":"2"}],"startTime":6,"duration":1,"processID":"p3"},
                   {"traceID":"1","spanID":"4","operationName":"z","startTime":6,"duration":1,"processID":"p9","process":{"serviceName":"","tags":[{"key":"process.executable.name","value":"java"}]},"tags":[{"key":"n","type":"int64","value":"seven"},{"key":"span.kind","value":"server"}]}],
          "traceID":"1"}],"total":0,"errors":[{"code":500,"msg":"partial"},"second"]}"#,
    ),
    (
        "a bare trace, processes after spans, a process given twice",
        "\u{feff} {\"traceID\":\"00000000000000aa\",\"spans\":[{\"spanID\":\"1\",\"processID\":\"p1\",\"startTime\":1,\"duration\":2,\"logs\":[{\"timestamp\":1,\"fields\":[{\"key\":\"event\",\"value\":\"e\"},{\"key\":\"f\",\"type\":\"float64\",\"value\":1.50}]}]}],\n\"processes\":{\"p1\":{\"serviceName\":\"first\"},\"p1\":{\"serviceName\":\"second\"}},\"warnings\":[1,null]}",
    ),
    ("data null", r#"{"data":null,"errors":null}"#),
    ("only processes", r#"{"processes":{"p1":{"tags":[]}}}"#),
    (
        "a span without a trace id before the trace's (left to serde)",
        r#"{"data":[{"spans":[{"spanID":"1","startTime":1,"duration":1}],"traceID":"7"}]}"#,
    ),
    ("data and a bare trace (left to serde)", r#"{"data":[],"spans":[{"spanID":"1"}]}"#),
    (
        "zipkin pieces, escapes, numbers",
        r#"[{"traceId":"1","id":"2","name":"a\u00e9\"","timestamp":1.0e3,"duration":2,"tags":{"k":"v","n":-0,"f":1.25e2,"big":18446744073709551616,"o":{"a":[1]},"z":null},"localEndpoint":{"serviceName":"s","ipv4":"10.0.0.1","ipv6":"::1","port":80},"remoteEndpoint":{"serviceName":"r","port":0},"annotations":[{"timestamp":3,"value":"\"ev\": {\"k\": 1}"}],"debug":true},
            {"traceId":"1","id":"2","kind":"server","shared":true,"localEndpoint":{"serviceName":"t"}},
            {"traceId":"1","id":"2","timestamp":0,"duration":7,"localEndpoint":{"serviceName":"s"},"tags":{"k":"w"}}]"#,
    ),
    ("zipkin v1 (left to serde)", r#"[{"traceId":"1","id":"2","binaryAnnotations":[]}]"#),
    ("zipkin, empty", " [ ] "),
];

/// The same result from the step reader (when it reads the file) as from serde's reader.
fn fast_and_serde(text: &str) -> Option<(Option<Imported>, Result<Imported, ImportError>)> {
    let text = strip_bom(text);
    match detect(text, "t.json") {
        Ok(Format::Jaeger) => {
            Some((jaeger::Stream::new(0, false).read_all(text), jaeger::read_with_serde(text, "t.json")))
        }
        Ok(Format::Zipkin) => {
            Some((zipkin::Stream::new(0, false).read_all(text), zipkin::read_with_serde(text, "t.json")))
        }
        _ => None,
    }
}

/// `text` pushed in pieces of the sizes `size` gives: the result, and whether it was read as it
/// arrived (to the end, not by the whole-file reader).
fn streamed(text: &str, mut size: impl FnMut() -> usize) -> (Result<Imported, ImportError>, bool) {
    let bytes = text.as_bytes();
    let mut stream = ImportStream::new("t.json", bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        let (chunk, after) = rest.split_at(size().clamp(1, rest.len()));
        stream.push(chunk);
        rest = after;
    }
    let streaming = stream.read(true) && !stream.reader.gave_up();
    let result = stream.finish().unwrap_or_else(|| {
        assert!(!streaming, "a file read to the end needs no second reading");
        import_bytes(bytes.to_vec(), "t.json")
    });
    (result, streaming)
}

fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    rng.random_range(0..n.max(1))
}

/// `text` with a few random bytes changed, removed or repeated.
fn corrupted(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + below(rng, 3) {
        if bytes.is_empty() {
            break;
        }
        let at = below(rng, bytes.len());
        let end = (at + below(rng, 24)).min(bytes.len());
        match below(rng, 5) {
            0 => drop(bytes.drain(at..end)),
            1 => bytes.insert(at, b"{}[],:\"0an-e \\"[below(rng, 14)]),
            2 => bytes[at] = b"{}[],:\"0an-e1"[below(rng, 13)],
            3 => {
                let snippets: [&[u8]; 8] = [b"null", b"\"x\"", b"7", b"1.5e3", b"[]", b"{}", b"true", b"-0"];
                bytes.splice(at..end, snippets[below(rng, 8)].iter().copied());
            }
            _ => {
                let repeated = bytes[at..end].to_vec();
                bytes.splice(at..at, repeated);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn step_readers_read_what_serde_reads() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let (mut fast, mut left_to_serde) = (0, 0);
    for (name, text) in files() {
        let (read, by_serde) = fast_and_serde(&text).expect("Jaeger or Zipkin");
        match read {
            Some(read) => assert_eq!(Ok(read), by_serde, "{name}"),
            None => assert!(name.contains("left to serde"), "{name}: refused by the step reader"),
        }
        if text.len() > 100_000 {
            continue;
        }
        for _ in 0..150 {
            let broken = corrupted(&text, &mut rng);
            let Some((read, by_serde)) = fast_and_serde(&broken) else { continue };
            match read {
                Some(read) => {
                    fast += 1;
                    assert_eq!(Ok(read), by_serde, "{name}, corrupted:\n{broken}");
                }
                None => left_to_serde += 1,
            }
        }
    }
    // Both ways are well exercised.
    assert!(fast > 1_000 && left_to_serde > 1_000, "read {fast}, left to serde {left_to_serde}");
}

#[test]
fn jaeger_and_zipkin_files_read_in_pieces_read_like_the_whole_file() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    for (name, text) in files() {
        let whole = import(&text, "t.json");
        let mut random = ChaCha8Rng::seed_from_u64(rng.random());
        let sizes: Vec<Box<dyn FnMut() -> usize>> = vec![
            Box::new(|| if text.len() < 20_000 { 1 } else { 61 }),
            Box::new(|| 7),
            Box::new(|| 65_536),
            Box::new(|| usize::MAX),
            Box::new(move || 1 + below(&mut random, 300)),
        ];
        for size in sizes {
            let (result, streaming) = streamed(&text, size);
            assert_eq!(result, whole, "{name}");
            assert!(
                streaming || name.contains("left to serde"),
                "{name}: read whole instead of as it arrived"
            );
        }
    }
}

#[test]
fn corrupted_jaeger_and_zipkin_files_read_in_pieces_give_the_whole_file_answer() {
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    let samples: Vec<(String, String)> =
        files().into_iter().filter(|(_, text)| text.len() < 20_000).collect();
    let (mut streamed_ok, mut read_whole) = (0, 0);
    for _ in 0..1_500 {
        let (name, text) = &samples[below(&mut rng, samples.len())];
        let text = corrupted(text, &mut rng);
        let whole = import(&text, "t.json");
        let mut random = ChaCha8Rng::seed_from_u64(rng.random());
        let (result, streaming) = streamed(&text, move || 1 + below(&mut random, 40));
        assert_eq!(result, whole, "{name}:\n{text}");
        if streaming {
            streamed_ok += 1;
        } else {
            read_whole += 1;
        }
    }
    assert!(streamed_ok > 200 && read_whole > 200, "streamed {streamed_ok}, read whole {read_whole}");
}
