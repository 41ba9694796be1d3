//! `reqflow run --otlp-endpoint`: spans reach a real OTLP/HTTP receiver, decoded here with the
//! official OpenTelemetry protobuf definitions (opentelemetry-proto's generated types).

use std::io::Write;
use std::net::TcpListener;
use std::process::Command;
use std::sync::mpsc;

mod support {
    pub mod http;
}

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

/// Accepts `n_requests` POSTs, answers each with 200 and sends its request line and body back
/// over the channel. (Retries, back-off, IPv6 and address fallback are tested next to the
/// exporter, src/otlp_http/tests.rs, with a 1 ms back-off.)
fn receiver(n_requests: usize) -> (String, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n_requests) {
            let mut stream = stream.expect("connection");
            let (request_line, body) = support::http::read_post(&stream);
            write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .expect("respond");
            sender.send((request_line, body)).ok();
        }
    });
    (url, receiver)
}

#[test]
fn spans_arrive_in_batches_and_decode_with_the_official_types() {
    // 3 netflix-fanout requests: 765 spans, two batches of at most 512.
    let (url, bodies) = receiver(2);
    let output = Command::new(env!("CARGO_BIN_EXE_reqflow"))
        .args([
            "run",
            "--builtin",
            "netflix-fanout",
            "--seed",
            "4",
            "--requests",
            "3",
            "--otlp-endpoint",
            &url,
        ])
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), format!("sent 765 spans in 2 batch(es) to {url}\n"));
    let mut n_spans = Vec::new();
    for _ in 0..2 {
        let (request_line, body) = bodies.recv().expect("a request");
        assert!(request_line.starts_with("POST /v1/traces HTTP/1.1"), "{request_line}");
        let decoded: ExportTraceServiceRequest =
            serde_json::from_str(&body).expect("official OTLP types decode it");
        let mut n_batch = 0;
        for resource in &decoded.resource_spans {
            for scope in &resource.scope_spans {
                for span in &scope.spans {
                    assert_eq!(span.trace_id.len(), 16);
                    assert_eq!(span.span_id.len(), 8);
                    assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
                    n_batch += 1;
                }
            }
        }
        n_spans.push(n_batch);
    }
    assert_eq!(n_spans, [512, 253]);
}
