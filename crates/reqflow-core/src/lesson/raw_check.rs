//! How a [`Check`] is read: into one flat table of every check's fields, then turned into the
//! check its `type` names. (A derived internally tagged enum buffers each value before it knows
//! the variant; that machinery alone cost the page's bundle several kilobytes gzipped. Errors say
//! the same things: an unknown `type` with the known ones, a missing or unknown field.)

use serde::{Deserialize, Deserializer};

use super::Check;
use crate::analysis::TimeBasis;

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CheckKind {
    Selected,
    SelectedOnCriticalPath,
    SelectedIsBottleneck,
    SelectedStartsFragment,
    Bottleneck,
    Share,
    EndToEnd,
    Traces,
    Spans,
    Failed,
    Basis,
    Shifted,
    Answer,
    All,
}

/// Every field any check has; `type` says which apply.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    #[serde(rename = "type")]
    kind: CheckKind,
    service: Option<String>,
    operation: Option<String>,
    not: Option<bool>,
    at_least_percent: Option<i64>,
    at_most_percent: Option<i64>,
    below_ms: Option<f64>,
    above_ms: Option<f64>,
    count: Option<usize>,
    at_least: Option<usize>,
    at_most: Option<usize>,
    failed: Option<bool>,
    basis: Option<TimeBasis>,
    at_least_ms: Option<f64>,
    at_most_ms: Option<f64>,
    question: Option<String>,
    choices: Option<Vec<String>>,
    correct: Option<usize>,
    checks: Option<Vec<Check>>,
}

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Check, D::Error> {
        let raw = RawCheck::deserialize(deserializer)?;
        raw.into_check().map_err(serde::de::Error::custom)
    }
}

/// A field a check needs.
fn need<T>(value: Option<T>, field: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{field}`"))
}

impl RawCheck {
    /// The fields given, by name.
    fn given(&self) -> Vec<&'static str> {
        let fields = [
            ("service", self.service.is_some()),
            ("operation", self.operation.is_some()),
            ("not", self.not.is_some()),
            ("at_least_percent", self.at_least_percent.is_some()),
            ("at_most_percent", self.at_most_percent.is_some()),
            ("below_ms", self.below_ms.is_some()),
            ("above_ms", self.above_ms.is_some()),
            ("count", self.count.is_some()),
            ("at_least", self.at_least.is_some()),
            ("at_most", self.at_most.is_some()),
            ("failed", self.failed.is_some()),
            ("basis", self.basis.is_some()),
            ("at_least_ms", self.at_least_ms.is_some()),
            ("at_most_ms", self.at_most_ms.is_some()),
            ("question", self.question.is_some()),
            ("choices", self.choices.is_some()),
            ("correct", self.correct.is_some()),
            ("checks", self.checks.is_some()),
        ];
        fields.into_iter().filter(|(_, given)| *given).map(|(name, _)| name).collect()
    }

    fn into_check(self) -> Result<Check, String> {
        use CheckKind as K;
        let (name, fields): (&str, &[&str]) = match self.kind {
            K::Selected => ("selected", &["service", "operation"]),
            K::SelectedOnCriticalPath => ("selected_on_critical_path", &[]),
            K::SelectedIsBottleneck => ("selected_is_bottleneck", &[]),
            K::SelectedStartsFragment => ("selected_starts_fragment", &[]),
            K::Bottleneck => ("bottleneck", &["service", "not"]),
            K::Share => ("share", &["service", "at_least_percent", "at_most_percent"]),
            K::EndToEnd => ("end_to_end", &["below_ms", "above_ms"]),
            K::Traces => ("traces", &["count"]),
            K::Spans => ("spans", &["at_least", "at_most"]),
            K::Failed => ("failed", &["failed"]),
            K::Basis => ("basis", &["basis"]),
            K::Shifted => ("shifted", &["service", "at_least_ms", "at_most_ms"]),
            K::Answer => ("answer", &["question", "choices", "correct"]),
            K::All => ("all", &["checks"]),
        };
        if let Some(field) = self.given().into_iter().find(|field| !fields.contains(field)) {
            return Err(format!("unknown field `{field}` in a `{name}` check, expected one of {fields:?}"));
        }
        Ok(match self.kind {
            K::Selected => {
                Check::Selected { service: need(self.service, "service")?, operation: self.operation }
            }
            K::SelectedOnCriticalPath => Check::SelectedOnCriticalPath,
            K::SelectedIsBottleneck => Check::SelectedIsBottleneck,
            K::SelectedStartsFragment => Check::SelectedStartsFragment,
            K::Bottleneck => {
                Check::Bottleneck { service: need(self.service, "service")?, not: self.not.unwrap_or(false) }
            }
            K::Share => Check::Share {
                service: need(self.service, "service")?,
                at_least_percent: self.at_least_percent,
                at_most_percent: self.at_most_percent,
            },
            K::EndToEnd => Check::EndToEnd { below_ms: self.below_ms, above_ms: self.above_ms },
            K::Traces => Check::Traces { count: need(self.count, "count")? },
            K::Spans => Check::Spans { at_least: self.at_least, at_most: self.at_most },
            K::Failed => Check::Failed { failed: need(self.failed, "failed")? },
            K::Basis => Check::Basis { basis: need(self.basis, "basis")? },
            K::Shifted => Check::Shifted {
                service: need(self.service, "service")?,
                at_least_ms: self.at_least_ms,
                at_most_ms: self.at_most_ms,
            },
            K::Answer => Check::Answer {
                question: need(self.question, "question")?,
                choices: need(self.choices, "choices")?,
                correct: need(self.correct, "correct")?,
            },
            K::All => Check::All { checks: need(self.checks, "checks")? },
        })
    }
}
