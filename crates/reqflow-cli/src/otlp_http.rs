//! Live export: send spans to an OpenTelemetry collector (or Jaeger, Tempo...) over OTLP/HTTP
//! with the JSON encoding, in batches as requests finish, with bounded retries and exponential
//! back-off.
//!
//! HTTP is `ureq` (blocking, HTTP/1.1): `http://` and `https://` (rustls with the Mozilla root
//! certificates of `webpki-roots`), IPv6 literals (`http://[::1]:4318`), every address a name
//! resolves to tried in turn (`localhost` → `::1`, then `127.0.0.1`), and the usual proxy
//! variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`).

use std::time::Duration;

use anyhow::{Context, bail};
use reqflow_core::Span;
use reqflow_formats::{self as formats, Format};
use ureq::http::Uri;

/// Spans per request to the collector.
pub const BATCH_SPANS: usize = 512;
/// Connecting, sending a batch, and waiting for the answer each give up after this long.
const TIMEOUT: Duration = Duration::from_secs(10);

/// How often and how patiently a batch is retried: `max_attempts` tries in all, waiting `first`
/// after the first failure and `factor` times longer after each next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub factor: u32,
    pub max_attempts: u32,
}

impl Backoff {
    /// Four attempts, 100 ms, 200 ms and 400 ms apart.
    pub const DEFAULT: Backoff = Backoff { first: Duration::from_millis(100), factor: 2, max_attempts: 4 };
}

/// The URL batches are posted to: `http(s)://host[:port]/path`. A URL without a path gets the
/// OTLP traces path `/v1/traces`.
pub fn endpoint(url: &str) -> anyhow::Result<String> {
    let uri: Uri = url.parse().with_context(|| format!("{url}: not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => bail!("{url}: expected an http:// or https:// URL, e.g. http://localhost:4318"),
    }
    let authority = uri.authority().with_context(|| format!("{url}: no host"))?;
    if authority.host().is_empty() {
        bail!("{url}: no host");
    }
    if let Some((_, port)) = authority.as_str().rsplit_once(':')
        && !port.contains(']')
        && port.parse::<u16>().is_err()
    {
        bail!("{url}: bad port {port:?}");
    }
    let path = match uri.path_and_query().map(|path| path.as_str()) {
        None | Some("" | "/") => "/v1/traces",
        Some(path) => path,
    };
    Ok(format!("{}://{authority}{path}", uri.scheme_str().unwrap_or("http")))
}

/// What an export did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub batches: usize,
    pub spans: usize,
    pub retries: u32,
}

/// Sends spans as they are pushed, [`BATCH_SPANS`] at a time, as compact OTLP/JSON;
/// [`Exporter::finish`] sends the rest.
pub struct Exporter {
    url: String,
    endpoint: String,
    agent: ureq::Agent,
    backoff: Backoff,
    /// Told about each retry (the CLI prints it on stderr).
    on_retry: Box<dyn FnMut(String)>,
    pending: Vec<Span>,
    report: ExportReport,
}

impl Exporter {
    /// An exporter to `url` (checked now, before anything is simulated).
    pub fn new(
        url: &str,
        backoff: Backoff,
        on_retry: impl FnMut(String) + 'static,
    ) -> anyhow::Result<Exporter> {
        let agent = ureq::Agent::new_with_config(config(ureq::Agent::config_builder()));
        Exporter::with_agent(url, agent, backoff, on_retry)
    }

    fn with_agent(
        url: &str,
        agent: ureq::Agent,
        backoff: Backoff,
        on_retry: impl FnMut(String) + 'static,
    ) -> anyhow::Result<Exporter> {
        Ok(Exporter {
            url: url.to_owned(),
            endpoint: endpoint(url)?,
            agent,
            backoff: Backoff { max_attempts: backoff.max_attempts.max(1), ..backoff },
            on_retry: Box::new(on_retry),
            pending: Vec::new(),
            report: ExportReport::default(),
        })
    }

    /// Queues `spans` and sends every full batch.
    pub fn push(&mut self, spans: impl IntoIterator<Item = Span>) -> anyhow::Result<()> {
        self.pending.extend(spans);
        while self.pending.len() >= BATCH_SPANS {
            let batch: Vec<Span> = self.pending.drain(..BATCH_SPANS).collect();
            self.send(&batch)?;
        }
        Ok(())
    }

    /// Sends what is left and says what was sent.
    pub fn finish(mut self) -> anyhow::Result<ExportReport> {
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            self.send(&rest)?;
        }
        Ok(self.report)
    }

    /// Sends one batch, retrying as [`Backoff`] says; fails with a clear message when it cannot
    /// be delivered.
    fn send(&mut self, batch: &[Span]) -> anyhow::Result<()> {
        let url = &self.url;
        // Compact: a collector does not read the indentation (more than half of a pretty body).
        let body = formats::export_compact(batch, Format::Otlp);
        let mut wait = self.backoff.first;
        let mut attempt = 1;
        loop {
            match self.post(&body) {
                Ok(200..=299) => break,
                Ok(status)
                    if attempt < self.backoff.max_attempts && matches!(status, 429 | 502 | 503 | 504) => {}
                Ok(status) => bail!(
                    "{url}: the collector answered HTTP {status} (batch {} of spans)",
                    self.report.batches + 1
                ),
                Err(error) if attempt < self.backoff.max_attempts => {
                    (self.on_retry)(format!("{url}: {error:#}; retrying in {} ms", wait.as_millis()));
                }
                Err(error) => {
                    return Err(error).with_context(|| {
                        format!("{url}: cannot deliver spans after {} attempts", self.backoff.max_attempts)
                    });
                }
            }
            std::thread::sleep(wait);
            wait = wait.saturating_mul(self.backoff.factor);
            attempt += 1;
            self.report.retries += 1;
        }
        self.report.batches += 1;
        self.report.spans += batch.len();
        Ok(())
    }

    /// One POST; returns the HTTP status code.
    fn post(&self, body: &str) -> anyhow::Result<u16> {
        let mut response =
            self.agent.post(&self.endpoint).header("Content-Type", "application/json").send(body).map_err(
                |error| {
                    let error = match error {
                        ureq::Error::Io(io) => anyhow::Error::new(io),
                        error => anyhow::Error::new(error),
                    };
                    error.context(format!("POST {}", self.endpoint))
                },
            )?;
        // Read the (small) answer so the connection can be used for the next batch.
        let _ = response.body_mut().with_config().limit(64 * 1024).read_to_vec();
        Ok(response.status().as_u16())
    }
}

/// How OTLP posts are made: statuses are answers, not errors; bounded waits.
fn config(builder: ureq::config::ConfigBuilder<ureq::typestate::AgentScope>) -> ureq::config::Config {
    builder
        .http_status_as_error(false)
        .timeout_connect(Some(TIMEOUT))
        .timeout_send_body(Some(TIMEOUT))
        .timeout_recv_response(Some(TIMEOUT))
        .user_agent(format!("reqflow/{}", env!("CARGO_PKG_VERSION")))
        .build()
}

#[cfg(test)]
mod tests;
