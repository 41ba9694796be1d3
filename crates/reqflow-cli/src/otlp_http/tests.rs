//! The exporter against real sockets: a small OTLP/HTTP receiver on loopback, bodies decoded with
//! the official OpenTelemetry protobuf types. Back-off is 1 ms, so retries cost no real waiting.

use std::cell::RefCell;
use std::io::Write;
use std::net::{Ipv6Addr, SocketAddr, TcpListener};
use std::rc::Rc;
use std::sync::mpsc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use reqflow_core::{Simulation, builtins};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::*;

#[path = "../../tests/support/http.rs"]
mod http_support;

const QUICK: Backoff = Backoff { first: Duration::from_millis(1), factor: 2, max_attempts: 4 };

/// A received POST: its request line and body.
struct Received {
    request_line: String,
    body: String,
}

/// Listens on `address` and answers POSTs with `statuses` in turn (200 once they run out), one
/// per connection; sends each request back over the channel.
fn receiver(address: &str, statuses: Vec<u16>) -> (SocketAddr, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind(address).expect("bind");
    let local = listener.local_addr().expect("address");
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        for (idx, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let (request_line, body) = http_support::read_post(&stream);
            // Handed over before the answer: once the exporter has its answer, the request is
            // in the channel.
            if sender.send(Received { request_line, body }).is_err() {
                return;
            }
            let status = statuses.get(idx).copied().unwrap_or(200);
            write!(stream, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .expect("respond");
        }
    });
    (local, received)
}

/// The exporter's configuration without proxies from the environment (the receivers are local).
fn local_config() -> ureq::config::Config {
    config(ureq::Agent::config_builder().proxy(None))
}

/// An exporter without proxies from the environment (the receivers are local).
fn exporter(url: &str, backoff: Backoff, notes: &Rc<RefCell<Vec<String>>>) -> Exporter {
    exporter_with(url, backoff, notes, ureq::Agent::new_with_config(local_config()))
}

fn exporter_with(
    url: &str,
    backoff: Backoff,
    notes: &Rc<RefCell<Vec<String>>>,
    agent: ureq::Agent,
) -> Exporter {
    let notes = Rc::clone(notes);
    Exporter::with_agent(url, agent, backoff, move |note| notes.borrow_mut().push(note)).expect("valid URL")
}

/// 255 spans per request.
fn netflix_requests(n_requests: u64) -> Vec<Vec<Span>> {
    let simulation = Simulation::new(&builtins::load("netflix-fanout").expect("built-in")).expect("compiles");
    let mut requests = Vec::new();
    simulation.run(4, n_requests, |trace| requests.push(trace.spans)).expect("runs");
    requests
}

fn n_spans(body: &str) -> usize {
    let decoded: ExportTraceServiceRequest =
        serde_json::from_str(body).expect("official OTLP types decode it");
    let mut n_spans = 0;
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
    n_spans
}

#[test]
fn endpoints_default_to_the_otlp_traces_path() {
    for (url, expected) in [
        ("http://localhost:4318", "http://localhost:4318/v1/traces"),
        ("http://localhost:4318/", "http://localhost:4318/v1/traces"),
        ("http://collector/custom/path", "http://collector/custom/path"),
        ("https://tempo.example.com", "https://tempo.example.com/v1/traces"),
        ("http://[::1]:4318", "http://[::1]:4318/v1/traces"),
    ] {
        assert_eq!(endpoint(url).expect(url), expected);
    }
    for (url, message) in [
        ("localhost:4318", "expected an http:// or https:// URL"),
        ("ftp://collector:21", "expected an http:// or https:// URL"),
        ("http://[::1", "not a URL"),
        ("http://collector:99999", "bad port \"99999\""),
    ] {
        let error = format!("{:#}", endpoint(url).expect_err(url));
        assert!(error.contains(message), "{url}: {error}");
    }
}

#[test]
fn full_batches_leave_as_requests_finish_and_the_rest_at_the_end() {
    let (address, received) = receiver("127.0.0.1:0", vec![]);
    let notes = Rc::default();
    let mut exporter = exporter(&format!("http://{address}"), QUICK, &notes);
    let mut requests = netflix_requests(3).into_iter();
    exporter.push(requests.next().expect("request 0")).expect("queued");
    exporter.push(requests.next().expect("request 1")).expect("queued");
    assert!(received.try_recv().is_err(), "510 spans: no full batch yet");
    exporter.push(requests.next().expect("request 2")).expect("sent");
    let first = received.try_recv().expect("765 spans: the first batch was sent during the push");
    assert!(first.request_line.starts_with("POST /v1/traces HTTP/1.1"), "{}", first.request_line);
    assert_eq!(n_spans(&first.body), BATCH_SPANS);
    let first_spans: Vec<_> = netflix_requests(3).concat().into_iter().take(BATCH_SPANS).collect();
    assert_eq!(
        first.body,
        reqflow_formats::export_compact(&first_spans, reqflow_formats::Format::Otlp),
        "the body is the compact OTLP export of the batch"
    );
    let report = exporter.finish().expect("delivered");
    assert_eq!(report, ExportReport { batches: 2, spans: 765, retries: 0 });
    assert_eq!(n_spans(&received.recv().expect("the rest").body), 765 - BATCH_SPANS);
    assert!(notes.borrow().is_empty());
}

#[test]
fn a_busy_collector_gets_the_batch_again_after_a_back_off() {
    let (address, received) = receiver("127.0.0.1:0", vec![503, 429]);
    let notes = Rc::default();
    let mut exporter = exporter(&format!("http://{address}/v1/traces"), QUICK, &notes);
    exporter.push(netflix_requests(1).concat()).expect("queued");
    assert_eq!(exporter.finish().expect("delivered"), ExportReport { batches: 1, spans: 255, retries: 2 });
    let bodies: Vec<String> = received.try_iter().map(|request| request.body).collect();
    assert_eq!(bodies.len(), 3, "two retries");
    assert_eq!(bodies[0], bodies[2], "the same batch again");
    assert_eq!(n_spans(&bodies[2]), 255);
}

#[test]
fn a_refused_batch_is_an_error_at_once() {
    let (address, received) = receiver("127.0.0.1:0", vec![400]);
    let notes = Rc::default();
    let mut exporter = exporter(&format!("http://{address}"), QUICK, &notes);
    exporter.push(netflix_requests(1).concat()).expect("queued");
    let error = format!("{:#}", exporter.finish().expect_err("refused"));
    assert!(error.ends_with("the collector answered HTTP 400 (batch 1 of spans)"), "{error}");
    assert_eq!(received.try_iter().count(), 1, "not retried");
}

#[test]
fn an_unreachable_endpoint_is_a_clear_error_after_bounded_retries() {
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let url = format!("http://127.0.0.1:{port}");
    let notes = Rc::default();
    let mut exporter = exporter(&url, QUICK, &notes);
    exporter.push(netflix_requests(1).concat()).expect("queued");
    let error = format!("{:#}", exporter.finish().expect_err("nobody listens"));
    assert!(
        error.starts_with(&format!("{url}: cannot deliver spans after 4 attempts: POST {url}/v1/traces: "))
    );
    assert!(error.to_lowercase().contains("refused"), "{error}");
    let notes = notes.borrow();
    assert_eq!(notes.len(), 3, "{notes:?}");
    for (note, wait) in notes.iter().zip(["1 ms", "2 ms", "4 ms"]) {
        assert!(note.starts_with(&format!("{url}: POST {url}/v1/traces: ")), "{note}");
        assert!(note.ends_with(&format!("; retrying in {wait}")), "{note}");
    }
}

#[test]
fn an_ipv6_literal_endpoint_is_reached() {
    let (address, received) = receiver("[::1]:0", vec![]);
    let url = format!("http://[::1]:{}", address.port());
    let mut exporter = exporter(&url, QUICK, &Rc::default());
    exporter.push(netflix_requests(1).concat()).expect("queued");
    assert_eq!(exporter.finish().expect("delivered").spans, 255);
    assert_eq!(n_spans(&received.recv().expect("a POST").body), 255);
}

/// Resolves every name to the given addresses, in order (`localhost` on a machine that lists
/// `::1` first).
#[derive(Debug)]
struct Addresses(Vec<SocketAddr>);

impl Resolver for Addresses {
    fn resolve(
        &self,
        _uri: &Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut addresses = self.empty();
        for address in &self.0 {
            addresses.push(*address);
        }
        Ok(addresses)
    }
}

#[test]
fn every_resolved_address_is_tried_in_turn() {
    // An IPv4-only collector; the name resolves to `::1` first, where nobody listens.
    let (address, received) = receiver("127.0.0.1:0", vec![]);
    let resolver = Addresses(vec![SocketAddr::from((Ipv6Addr::LOCALHOST, address.port())), address]);
    let agent = ureq::Agent::with_parts(local_config(), DefaultConnector::new(), resolver);
    let mut exporter =
        exporter_with(&format!("http://localhost:{}", address.port()), QUICK, &Rc::default(), agent);
    exporter.push(netflix_requests(1).concat()).expect("queued");
    assert_eq!(exporter.finish().expect("delivered over IPv4").retries, 0);
    assert_eq!(n_spans(&received.recv().expect("a POST").body), 255);
}
