//! `reqflow run --otlp-endpoint`: spans reach a real OTLP/HTTP receiver, decoded here with the
//! official OpenTelemetry protobuf definitions (opentelemetry-proto's generated types).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::mpsc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

/// Accepts `n_requests` POSTs; answers the first with `first_status`, the rest with 200, and
/// sends each body back over the channel.
fn receiver(n_requests: usize, first_status: u16) -> (String, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for (idx, stream) in listener.incoming().take(n_requests).enumerate() {
            let mut stream = stream.expect("connection");
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request_line = String::new();
            reader.read_line(&mut request_line).expect("request line");
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("header");
                if header == "\r\n" || header.is_empty() {
                    break;
                }
                if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().expect("length");
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("body");
            let status = if idx == 0 { first_status } else { 200 };
            write!(stream, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n").expect("respond");
            sender.send((request_line, String::from_utf8(body).expect("utf-8"))).ok();
        }
    });
    (url, receiver)
}

#[test]
fn spans_arrive_in_batches_and_decode_with_the_official_types_after_a_retry() {
    // 3 netflix-fanout requests: 765 spans, two batches of at most 512; the first POST gets 503.
    let (url, bodies) = receiver(3, 503);
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
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("sent 765 spans in 2 batch(es)"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let mut n_spans = 0;
    let mut requests = Vec::new();
    for _ in 0..3 {
        let (request_line, body) = bodies.recv().expect("a request");
        assert!(request_line.starts_with("POST /v1/traces HTTP/1.1"), "{request_line}");
        let decoded: ExportTraceServiceRequest =
            serde_json::from_str(&body).expect("official OTLP types decode it");
        requests.push(decoded);
    }
    // The retried first batch arrives twice; count the two that were accepted.
    for decoded in &requests[1..] {
        for resource in &decoded.resource_spans {
            for scope in &resource.scope_spans {
                for span in &scope.spans {
                    assert_eq!(span.trace_id.len(), 16);
                    assert_eq!(span.span_id.len(), 8);
                    assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
                    n_spans += 1;
                }
            }
        }
    }
    assert_eq!(n_spans, 765);
}

#[test]
fn an_unreachable_endpoint_is_a_clear_error_after_bounded_retries() {
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let output = Command::new(env!("CARGO_BIN_EXE_reqflow"))
        .args(["run", "--seed", "1", "--otlp-endpoint", &format!("http://127.0.0.1:{port}")])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("cannot deliver spans after 4 attempts"), "{message}");
    assert!(message.contains("cannot connect to 127.0.0.1"), "{message}");
    assert_eq!(message.matches("retrying in").count(), 3, "{message}");
}
