//! Runs of many requests: `reqflow run --format summary` and `reqflow sample`. The core's
//! `runs` module computes everything; this prints it.

use std::io::Write;

use reqflow_core::runs::{Catch, RunConfig, RunDriver, RunReport};
use reqflow_core::view::page::group_digits;
use reqflow_core::waterfall::format_duration;
use reqflow_core::{Scenario, Simulation};

use crate::progress::Progress;

/// Requests simulated between two progress updates.
const STEP_REQUESTS: u64 = 4096;
/// Width of the longest bar.
const BAR_WIDTH: u64 = 40;
/// Missed requests printed per kind (the core lists up to 50).
const MISSED_PRINTED: usize = 10;

/// Runs `config` with a progress line on stderr (long runs, terminals only).
pub fn run_with_progress(
    simulation: &Simulation,
    scenario: &Scenario,
    config: &RunConfig,
) -> anyhow::Result<RunReport> {
    let mut driver = RunDriver::new(simulation, scenario, config)?;
    let mut progress = Progress::new(config.requests, true);
    loop {
        let step = driver.step(STEP_REQUESTS)?;
        progress.set(step.finished);
        if step.done {
            break;
        }
    }
    progress.finish();
    Ok(driver.report())
}

fn percent(part: u64, whole: u64) -> String {
    format!("{:.2}%", 100.0 * part as f64 / whole.max(1) as f64)
}

fn bar(count: u64, max: u64) -> String {
    let width = (count * BAR_WIDTH).div_ceil(max.max(1)) as usize;
    "█".repeat(width)
}

/// `reqflow run --format summary`.
pub fn write_summary(out: &mut dyn Write, report: &RunReport) -> anyhow::Result<()> {
    let latency = &report.latency;
    writeln!(out, "scenario {}  seed {}", report.scenario, report.seed)?;
    writeln!(out, "requests  {}", report.finished)?;
    writeln!(out, "failed    {} ({})", report.failed, percent(report.failed, report.finished))?;
    writeln!(out, "spans     {}", report.spans)?;
    writeln!(
        out,
        "latency   p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
        format_duration(latency.p50_ns),
        format_duration(latency.p90_ns),
        format_duration(latency.p99_ns),
        format_duration(latency.p999_ns),
        format_duration(latency.max_ns)
    )?;
    writeln!(
        out,
        "throughput {:.1} requests/s ({} of virtual time)",
        report.throughput_per_s,
        format_duration(report.duration_ns)
    )?;
    writeln!(
        out,
        "faults    {} requests met an injected fault (an operation's own error, a call timeout)",
        report.with_faults
    )?;
    writeln!(out, "\nlatency histogram (requests per bar; bars are 1/8 of a power of two)")?;
    let max_count = report.histogram.iter().map(|bar| bar.count).max().unwrap_or(0);
    for histogram_bar in &report.histogram {
        let errors = if histogram_bar.errors > 0 {
            format!("  ({} failed)", histogram_bar.errors)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {:>9} {:<width$} {}{errors}",
            format_duration(histogram_bar.floor_ns),
            bar(histogram_bar.count, max_count),
            histogram_bar.count,
            width = BAR_WIDTH as usize
        )?;
    }
    let critical = &report.critical_path;
    let sample = if critical.every == 1 {
        "every request".to_owned()
    } else {
        format!("every {}th request, {} in all", critical.every, critical.analyzed)
    };
    writeln!(out, "\ncritical path by service (true times; {sample})")?;
    for service in &critical.services {
        writeln!(
            out,
            "  {:<16} {:>6.2}%  {}",
            service.service,
            100.0 * service.share,
            bar((service.share * 1e6) as u64, 1_000_000)
        )?;
    }
    let slowest: Vec<String> = report
        .exemplars
        .slowest
        .iter()
        .take(5)
        .map(|exemplar| format!("{} ({})", exemplar.request, format_duration(exemplar.duration_ns)))
        .collect();
    writeln!(out, "\nslowest   {}", slowest.join(", "))?;
    if !report.exemplars.errors.is_empty() {
        let errors: Vec<String> =
            report.exemplars.errors.iter().take(10).map(|exemplar| exemplar.request.to_string()).collect();
        writeln!(out, "failed    {}", errors.join(", "))?;
    }
    writeln!(out, "open one with --request-index K (same --seed, --requests and scenario)")?;
    writeln!(out, "fingerprint {}", report.fingerprint)?;
    Ok(())
}

fn missed(catch: &Catch) -> String {
    if catch.missed == 0 {
        return String::new();
    }
    let listed: Vec<String> =
        catch.missed_requests.iter().take(MISSED_PRINTED).map(|request| request.to_string()).collect();
    let more = if catch.missed as usize > listed.len() { ", …" } else { "" };
    format!("   missed: {}{more}", listed.join(", "))
}

/// `reqflow sample`: each policy's keep, cost and catch, with the missed requests.
pub fn write_sampling(out: &mut dyn Write, report: &RunReport) -> anyhow::Result<()> {
    writeln!(
        out,
        "scenario {}  seed {}  {} requests  {} spans recorded",
        report.scenario,
        report.seed,
        group_digits(report.finished as usize),
        group_digits(report.spans as usize)
    )?;
    writeln!(
        out,
        "interesting: {} failed, the slowest 1% ({} requests, {} and slower), {} with an injected fault",
        report.failed,
        report.slowest_count,
        format_duration(report.slowest_threshold_ns),
        report.with_faults
    )?;
    for (idx, policy) in report.sampling.iter().enumerate() {
        writeln!(out, "\n{}. {}", idx + 1, policy.policy.to_json())?;
        writeln!(
            out,
            "   kept {} requests ({} traces), {} spans stored ({} of all), {} fragments",
            group_digits(policy.requests_kept as usize),
            group_digits(policy.traces_kept as usize),
            group_digits(policy.spans_kept as usize),
            percent(policy.spans_kept, report.spans),
            group_digits(policy.fragments as usize)
        )?;
        for (what, catch) in
            [("failed", &policy.errors), ("slowest 1%", &policy.slowest), ("faults", &policy.faults)]
        {
            writeln!(out, "   {what:<11} {} of {} kept{}", catch.kept, catch.total, missed(catch))?;
        }
    }
    writeln!(
        out,
        "\nopen a missed request with `reqflow run --request-index K` (same --seed, --requests and scenario)"
    )?;
    writeln!(out, "fingerprint {}", report.fingerprint)?;
    Ok(())
}
