//! Every real-world fixture (tests/fixtures and ../shared/fixtures) survives import → export in
//! each format → import with its attributes: resource attributes, scope and span attributes, less
//! the losses each format documents (tests/fixtures/FORMATS.md, "Round trips"):
//!
//! * OTLP/JSON keeps everything.
//! * Jaeger JSON keeps resource attributes (process tags) and scope name and version (the
//!   `otel.scope.*` span tags); scope attributes have no place.
//! * Zipkin v2 JSON keeps of the resource only the local endpoint (`host.ip`, `host.port`) and
//!   the scope name and version (tags); span attributes come back as strings, and a client or
//!   producer span's remote endpoint, written from `peer.service`, `server.address`,
//!   `network.peer.*`..., may come back as `peer.service` / `network.peer.*` attributes too.

use std::path::{Path, PathBuf};

use reqflow_core::trace::{AttributeValue, KeyValue, Span};
use reqflow_formats::{self as formats, Format};

fn fixture_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|extension| extension == "json") {
                found.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    walk(&root.join("fixtures"), &mut found);
    let local = found.len();
    walk(&root.join("../../shared/fixtures"), &mut found);
    found.sort();
    assert!(local >= 18, "the fixtures are there: {found:?}");
    found
}

/// Attributes as (key, value as text), sorted: Zipkin tags are strings.
fn as_text(attributes: &[KeyValue]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        attributes.iter().map(|kv| (kv.key.to_string(), kv.value.to_string())).collect();
    pairs.sort();
    pairs
}

/// What a Zipkin remote endpoint may add to a client or producer span's attributes.
const REMOTE_ENDPOINT_KEYS: [&str; 3] = ["peer.service", "network.peer.address", "network.peer.port"];

fn check(origin: &str, original: &[Span], format: Format) {
    let text = formats::export(original, format);
    let what = format!("{origin} as {format}");
    let back = formats::import(&text, &what).unwrap_or_else(|error| panic!("{what}: {error}"));
    assert_eq!(back.spans.len(), original.len(), "{what}: spans");
    for span in original {
        let context = format!("{what}: span {} {:?}", span.span_id, span.name);
        let again = back
            .spans
            .iter()
            .find(|again| again.trace_id == span.trace_id && again.span_id == span.span_id)
            .unwrap_or_else(|| panic!("{context}: lost"));
        assert_eq!((&again.service, &again.host), (&span.service, &span.host), "{context}");
        let (resource, resource_back) = (span.resource.data(), again.resource.data());
        assert_eq!(resource_back.scope_name, resource.scope_name, "{context}: scope name");
        assert_eq!(resource_back.scope_version, resource.scope_version, "{context}: scope version");
        match format {
            Format::Otlp => {
                assert_eq!(again.resource, span.resource, "{context}: resource");
                assert_eq!(again.attributes, span.attributes, "{context}: attributes");
            }
            Format::Jaeger => {
                assert_eq!(resource_back.attributes, resource.attributes, "{context}: process tags");
                assert_eq!(resource_back.scope_attributes, [], "{context}: no place for scope attributes");
                assert_eq!(again.attributes, span.attributes, "{context}: attributes");
            }
            Format::Zipkin => {
                let endpoint: Vec<KeyValue> = resource
                    .attributes
                    .iter()
                    .filter(|kv| kv.key == "host.ip" || kv.key == "host.port")
                    .cloned()
                    .collect();
                assert_eq!(
                    as_text(&resource_back.attributes),
                    as_text(&endpoint),
                    "{context}: local endpoint"
                );
                let expected = as_text(&span.attributes);
                let mut found = as_text(&again.attributes);
                found.retain(|(key, value)| {
                    expected.contains(&(key.clone(), value.clone()))
                        || !REMOTE_ENDPOINT_KEYS.contains(&key.as_str())
                        || expected.iter().any(|(expected_key, _)| expected_key == key)
                });
                assert_eq!(found, expected, "{context}: attributes as text");
            }
        }
    }
}

#[test]
fn every_fixture_keeps_its_attributes_through_every_format() {
    let mut n_resources = 0;
    for path in fixture_files() {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{origin}: {error}"));
        let imported = formats::import(&text, &origin).unwrap_or_else(|error| panic!("{origin}: {error}"));
        n_resources += imported.spans.iter().filter(|span| !span.resource.is_empty()).count();
        for format in Format::ALL {
            check(&origin, &imported.spans, format);
        }
    }
    assert!(n_resources > 100, "sanity: resources were compared ({n_resources} spans had one)");
}

#[test]
fn resource_attributes_of_every_kind_survive_otlp_and_jaeger() {
    // The attributes an SDK in a Kubernetes pod writes, of every value type.
    let text = r#"{"resourceSpans":[{"resource":{"attributes":[
        {"key":"service.name","value":{"stringValue":"checkout"}},
        {"key":"service.version","value":{"stringValue":"1.4.2"}},
        {"key":"telemetry.sdk.name","value":{"stringValue":"opentelemetry"}},
        {"key":"telemetry.sdk.language","value":{"stringValue":"go"}},
        {"key":"k8s.pod.name","value":{"stringValue":"checkout-7d9f8c6b5-x2x7q"}},
        {"key":"container.id","value":{"stringValue":"4f1c2b9e0d8a"}},
        {"key":"host.id","value":{"stringValue":"i-0abc123"}},
        {"key":"host.ip","value":{"arrayValue":{"values":[{"stringValue":"10.1.2.3"},{"stringValue":"fe80::1"}]}}},
        {"key":"process.pid","value":{"intValue":"4242"}},
        {"key":"cloud.available","value":{"boolValue":true}},
        {"key":"load","value":{"doubleValue":0.5}}]},
      "scopeSpans":[{"scope":{"name":"go.opentelemetry.io/otel/http","version":"0.49.0",
                              "attributes":[{"key":"library.kind","value":{"stringValue":"http"}}]},
        "spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET /cart",
                  "kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"}]}]}]}"#;
    let imported = formats::import(text, "sdk.json").expect("loads");
    let span = &imported.spans[0];
    let keys: Vec<&str> = span.resource.attributes().iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "service.version",
            "telemetry.sdk.name",
            "telemetry.sdk.language",
            "k8s.pod.name",
            "container.id",
            "host.id",
            "host.ip",
            "process.pid",
            "cloud.available",
            "load"
        ]
    );
    assert_eq!(span.resource.attribute("process.pid"), Some(&AttributeValue::Int(4242)));
    assert_eq!(span.resource.data().scope_attributes, [KeyValue::new("library.kind", "http")]);
    for format in Format::ALL {
        check("sdk.json", &imported.spans, format);
    }
    // Zipkin's local endpoint takes both addresses of the array.
    let zipkin: serde_json::Value =
        serde_json::from_str(&formats::export(&imported.spans, Format::Zipkin)).expect("json");
    assert_eq!(
        zipkin[0]["localEndpoint"],
        serde_json::json!({"serviceName": "checkout", "ipv4": "10.1.2.3", "ipv6": "fe80::1"})
    );
    assert_eq!(zipkin[0]["tags"]["otel.scope.name"], "go.opentelemetry.io/otel/http");
}
