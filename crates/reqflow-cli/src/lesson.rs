//! `reqflow lessons` and `reqflow lesson`: the built-in lessons, and checking a lesson file by
//! running its own solution (the same checks the page evaluates).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use reqflow_core::lesson::{self, Lesson};

#[derive(clap::Args)]
pub struct LessonArgs {
    #[command(subcommand)]
    command: LessonCommand,
}

#[derive(clap::Subcommand)]
enum LessonCommand {
    /// Validate a lesson file (or a built-in lesson's id) and run its solution: every step's
    /// check must fail at the start and pass after its solution.
    Check {
        /// A lesson file (TOML or JSON) or a built-in lesson's id.
        lesson: String,
    },
    /// Print a lesson: its explanation and its steps' tasks (add --reveal for the answers).
    Show {
        /// A lesson file (TOML or JSON) or a built-in lesson's id.
        lesson: String,
        /// Also print each step's hints and reveal.
        #[arg(long)]
        reveal: bool,
    },
}

/// `reqflow lessons`: one line per built-in lesson, in course order.
pub fn list() -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for lesson in lesson::all() {
        let starts = lesson.start.builtin.as_deref().unwrap_or("inline scenario");
        writeln!(out, "{:<18} {} ({} steps, on {starts})", lesson.id, lesson.title, lesson.steps.len())?;
    }
    Ok(())
}

pub fn run(args: LessonArgs) -> anyhow::Result<()> {
    match args.command {
        LessonCommand::Check { lesson } => check(&load(&lesson)?),
        LessonCommand::Show { lesson, reveal } => show(&load(&lesson)?, reveal),
    }
}

/// A built-in lesson by id, else a file.
fn load(name: &str) -> anyhow::Result<Lesson> {
    if let Some(lesson) = lesson::load(name) {
        return Ok(lesson);
    }
    let path = PathBuf::from(name);
    if !path.exists() {
        let known: Vec<&str> = lesson::LESSONS.iter().map(|lesson| lesson.id).collect();
        bail!("no lesson file {name:?} and no built-in lesson of that id (built-in: {})", known.join(", "));
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Lesson::parse(&text, &path.display().to_string())?)
}

fn check(lesson: &Lesson) -> anyhow::Result<()> {
    let verdicts = lesson::solve(lesson)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "lesson {}: {}", lesson.id, lesson.title)?;
    for (idx, (step, verdict)) in lesson.steps.iter().zip(&verdicts).enumerate() {
        writeln!(out, "step {}: {}", idx + 1, step.task)?;
        writeln!(out, "  fails at the start; after its solution: {verdict}")?;
    }
    writeln!(out, "ok: every step fails untouched and passes with its solution")?;
    Ok(())
}

fn show(lesson: &Lesson, reveal: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}\n", lesson.title)?;
    writeln!(out, "{}", lesson.explanation.trim_end())?;
    for (idx, step) in lesson.steps.iter().enumerate() {
        writeln!(out, "\n{}. {}", idx + 1, step.task)?;
        if let Some((question, choices)) = step.check.question() {
            writeln!(out, "   {question}")?;
            for (choice_idx, choice) in choices.iter().enumerate() {
                writeln!(out, "   {}) {choice}", char::from(b'a' + choice_idx as u8))?;
            }
        }
        if reveal {
            for hint in &step.hints {
                writeln!(out, "   hint: {hint}")?;
            }
            writeln!(out, "   answer: {}", step.reveal.text)?;
        }
    }
    Ok(())
}
