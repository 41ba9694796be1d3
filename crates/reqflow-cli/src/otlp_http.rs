//! Live export: send spans to an OpenTelemetry collector (or Jaeger, Tempo...) over OTLP/HTTP
//! with the JSON encoding, in batches, with bounded retries and exponential backoff.
//!
//! A small HTTP/1.1 client over `std::net::TcpStream` (plain `http://` only: put a local collector
//! in front of a TLS endpoint).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Context, bail};
use reqflow_core::Span;
use reqflow_core::formats::{self, Format};

/// Spans per request to the collector.
pub const BATCH_SPANS: usize = 512;
/// Attempts per batch (the first try and the retries).
const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where to send: host, port and path of an `http://host:port/path` URL. A URL without a path
/// gets the OTLP traces path `/v1/traces`.
#[derive(Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Endpoint {
    pub fn parse(url: &str) -> anyhow::Result<Endpoint> {
        let rest = match url.split_once("://") {
            Some(("http", rest)) => rest,
            Some(("https", _)) => bail!(
                "{url}: https is not supported by the built-in exporter; send to a local collector over http (e.g. http://localhost:4318)"
            ),
            _ => bail!("{url}: expected an http:// URL, e.g. http://localhost:4318"),
        };
        let (authority, path) = match rest.find('/') {
            Some(idx) => (&rest[..idx], &rest[idx..]),
            None => (rest, ""),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => {
                (host, port.parse::<u16>().with_context(|| format!("{url}: bad port {port:?}"))?)
            }
            None => (authority, 80),
        };
        if host.is_empty() {
            bail!("{url}: no host");
        }
        let path = if path.is_empty() || path == "/" { "/v1/traces".to_owned() } else { path.to_owned() };
        Ok(Endpoint { host: host.to_owned(), port, path })
    }
}

/// What an export did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub batches: usize,
    pub spans: usize,
    pub retries: u32,
}

/// Sends `spans` in batches; fails with a clear message when a batch cannot be delivered.
pub fn export(url: &str, spans: &[Span]) -> anyhow::Result<ExportReport> {
    let endpoint = Endpoint::parse(url)?;
    let mut report = ExportReport::default();
    for batch in spans.chunks(BATCH_SPANS) {
        let body = formats::export(batch, Format::Otlp);
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            match post(&endpoint, &body) {
                Ok(200..=299) => break,
                Ok(status) if attempt < ATTEMPTS && matches!(status, 429 | 502 | 503 | 504) => {}
                Ok(status) => bail!(
                    "{url}: the collector answered HTTP {status} (batch {} of spans)",
                    report.batches + 1
                ),
                Err(error) if attempt < ATTEMPTS => {
                    eprintln!("reqflow: {url}: {error:#}; retrying in {} ms", backoff.as_millis());
                }
                Err(error) => {
                    return Err(error)
                        .with_context(|| format!("{url}: cannot deliver spans after {ATTEMPTS} attempts"));
                }
            }
            std::thread::sleep(backoff);
            backoff *= 2;
            attempt += 1;
            report.retries += 1;
        }
        report.batches += 1;
        report.spans += batch.len();
    }
    Ok(report)
}

/// One POST; returns the HTTP status code.
fn post(endpoint: &Endpoint, body: &str) -> anyhow::Result<u16> {
    let address = (endpoint.host.as_str(), endpoint.port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {}", endpoint.host))?
        .next()
        .with_context(|| format!("no address for {}", endpoint.host))?;
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .with_context(|| format!("cannot connect to {address}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: reqflow/{}\r\n\r\n",
        endpoint.path,
        endpoint.host,
        endpoint.port,
        body.len(),
        env!("CARGO_PKG_VERSION")
    );
    stream.write_all(request.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    // The status line is all we need.
    while !response.windows(2).any(|pair| pair == b"\r\n") {
        let n = stream.read(&mut buffer).context("reading the response")?;
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buffer[..n]);
    }
    let status_line = String::from_utf8_lossy(&response);
    let status =
        status_line.split_whitespace().nth(1).and_then(|code| code.parse::<u16>().ok()).with_context(
            || format!("not an HTTP response: {:?}", status_line.lines().next().unwrap_or_default()),
        )?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_default_to_the_otlp_traces_path() {
        let endpoint = Endpoint::parse("http://localhost:4318").expect("valid");
        assert_eq!(endpoint, Endpoint { host: "localhost".into(), port: 4318, path: "/v1/traces".into() });
        assert_eq!(Endpoint::parse("http://collector/custom/path").expect("valid").port, 80);
        assert!(
            Endpoint::parse("https://x:4318").unwrap_err().to_string().contains("https is not supported")
        );
        assert!(
            Endpoint::parse("localhost:4318").unwrap_err().to_string().contains("expected an http:// URL")
        );
    }
}
