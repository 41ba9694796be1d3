//! `reqflow interview`: "Diagnose this request". Prints an incident's trace with numbered rows
//! and the causes to choose from; `--answer` grades an answer the same way the page does.

use std::io::Write;

use anyhow::{Context, bail};
use reqflow_core::interview::{self, Answer, Family, Incident, Level};
use reqflow_core::view::Model;

use crate::render;

#[derive(clap::Args)]
pub struct InterviewArgs {
    /// The incident's seed: the same seed and level give everyone the same incident.
    #[arg(long)]
    seed: u64,
    /// 1: a few services; 2: larger systems with noise; 3: fifty services, skew and missing
    /// spans, and the fix is asked too.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=3))]
    level: u64,
    /// Grade an answer: `span=ROW,cause=NAME` (and `fix=NAME` at level 3), ROW as numbered in
    /// the waterfall, NAME as listed.
    #[arg(long, value_name = "ANSWER")]
    answer: Option<String>,
    /// Incident K (1 to 5) of the page's round `#interview=SEED&level=L`, instead of the one
    /// incident the seed gives on its own.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=5))]
    incident: Option<u64>,
    /// Width of the text waterfall (default: the terminal's `COLUMNS`, or 100).
    #[arg(long)]
    width: Option<u16>,
}

pub fn run(args: InterviewArgs) -> anyhow::Result<()> {
    let level = Level::from_number(args.level).context("level is 1, 2 or 3")?;
    let incident = match args.incident {
        Some(number) => interview::round(args.seed, level)
            .into_iter()
            .nth(number as usize - 1)
            .context("a round has five incidents")?,
        None => interview::generate(args.seed, level),
    };
    let round_part = args.incident.map(|number| format!(" --incident {number}")).unwrap_or_default();
    let model = incident.model().map_err(anyhow::Error::msg).context("simulating the incident")?;
    let rows = &model.trace.order;
    let mut out = std::io::stdout().lock();
    match &args.answer {
        None => {
            let width = render::width(args.width);
            let command = format!("--seed {} --level {}{round_part}", args.seed, level.number());
            write!(out, "{}", question(&incident, &model, width, &command))?;
        }
        Some(text) => {
            let answer = parse_answer(text, rows)?;
            let grade = interview::grade(&incident, &model, &answer);
            let mark = |right: bool| if right { "right" } else { "wrong" };
            writeln!(
                out,
                "incident {} (level {}): {}",
                incident.seed,
                level.number(),
                incident.family.name()
            )?;
            writeln!(out, "span   {}", mark(grade.span_right))?;
            writeln!(out, "cause  {}", mark(grade.cause_right))?;
            if let Some(fix_right) = grade.fix_right {
                writeln!(out, "fix    {}", mark(fix_right))?;
            }
            writeln!(out, "score  {}/{}", grade.points, grade.out_of)?;
            for sentence in &grade.explanation {
                writeln!(out, "{sentence}")?;
            }
        }
    }
    Ok(())
}

/// The incident as a candidate sees it: the trace (raw times, as the backend stored them), with
/// numbered rows, and the choices.
fn question(incident: &Incident, model: &Model, width: usize, command: &str) -> String {
    let trace = &model.trace;
    let mut text = format!(
        "Diagnose this request (incident {}, level {}): which span owns the problem, and what is the cause?\n\n",
        incident.seed,
        incident.level.number()
    );
    let depth = |idx: u32| trace.analysis.tree.depth(idx);
    let rows: Vec<(u32, u32)> = trace.order.iter().map(|&idx| (idx, depth(idx))).collect();
    let mut labels = vec![String::new(); trace.spans.len()];
    for (row, &idx) in trace.order.iter().enumerate() {
        labels[idx as usize] = format!("[{}] ", row + 1);
    }
    let times: Vec<(i64, i64)> =
        trace.analysis.skew.spans.iter().map(|shift| (shift.raw.start_ns, shift.raw.end_ns)).collect();
    text.push_str(&render::waterfall(&trace.spans, &rows, &times, width, |idx| {
        labels[idx as usize].as_str()
    }));
    text.push_str("\nCauses (cause=NAME):\n");
    for family in Family::ALL {
        text.push_str(&format!("  {:<16} {}\n", family.name(), family.cause()));
    }
    if incident.level.asks_fix() {
        text.push_str("\nFixes (fix=NAME):\n");
        for family in Family::ALL {
            text.push_str(&format!("  {:<16} {}\n", family.name(), family.fix()));
        }
    }
    let fix = if incident.level.asks_fix() { ",fix=NAME" } else { "" };
    text.push_str(&format!("\nAnswer: reqflow interview {command} --answer span=ROW,cause=NAME{fix}\n"));
    text
}

/// `span=ROW,cause=NAME,fix=NAME`, ROW 1-based in tree order.
fn parse_answer(text: &str, rows: &[u32]) -> anyhow::Result<Answer> {
    let mut answer = Answer { span: None, cause: None, fix: None };
    for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            bail!("--answer: {part:?} is not KEY=VALUE (span=ROW, cause=NAME, fix=NAME)");
        };
        let family = || {
            Family::from_name(value.trim()).with_context(|| {
                let names: Vec<&str> = Family::ALL.iter().map(|family| family.name()).collect();
                format!("--answer: {key}={value}: not one of {}", names.join(", "))
            })
        };
        match key.trim() {
            "span" => {
                let row: usize =
                    value.trim().parse().ok().filter(|row| (1..=rows.len()).contains(row)).with_context(
                        || {
                            format!(
                                "--answer: span={value}: give a row number of the waterfall, 1 to {}",
                                rows.len()
                            )
                        },
                    )?;
                answer.span = Some(rows[row - 1]);
            }
            "cause" => answer.cause = Some(family()?),
            "fix" => answer.fix = Some(family()?),
            other => bail!("--answer: unknown key {other:?} (span, cause, fix)"),
        }
    }
    Ok(answer)
}
