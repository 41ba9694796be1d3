//! The knob cards: for each service of the scenario, the values its controls show (the knobs'
//! change where there is one, else the scenario's own value), a one-line summary, and the knob set
//! a control's new value makes. The page draws the cards and sends back what people typed.

use super::model::Model;
use super::trace::N_COLOURS;
use crate::knobs::{ServiceKnobs, Shape};
use crate::scenario::{Service, Step};

/// What one service's card shows.
#[derive(Clone, Debug, PartialEq)]
pub struct KnobCard {
    pub service: String,
    /// The service's knobs now (every control sends this set with one field changed).
    pub knobs: ServiceKnobs,
    /// Whether any knob of this service differs from the scenario.
    pub changed: bool,
    pub shape: Shape,
    pub median_ms: f64,
    pub error_rate: f64,
    pub skew_ms: f64,
    pub instrumented: bool,
    pub propagates: bool,
    /// Whether the service has parallel or repeated calls (the fan-out knob applies).
    pub fans_out: bool,
    pub fanout: u32,
    /// The service's colour in the trace (below [`N_COLOURS`]).
    pub colour: usize,
}

/// A control on a knob card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnobField {
    /// Latency in milliseconds (the typical value of the distribution).
    Median,
    /// The latency distribution's shape (`fixed`, `normal`, …).
    Shape,
    /// Error rate in percent.
    ErrorPercent,
    /// Clock skew in milliseconds.
    SkewMs,
    /// `true` / `false`.
    Instrumented,
    /// `true` / `false`.
    Propagates,
    /// Fan-out multiplier (1 = as written).
    Fanout,
}

/// The cards of every service of the model's scenario, in scenario order.
pub fn knob_cards(model: &Model) -> Vec<KnobCard> {
    model
        .base
        .services
        .iter()
        .map(|service| {
            let knobs = model.knobs.0.get(&service.name).cloned().unwrap_or_default();
            let colour = model.trace.services.iter().position(|other| *other == service.name).unwrap_or(0);
            KnobCard::new(service, knobs, colour % N_COLOURS)
        })
        .collect()
}

impl KnobCard {
    fn new(service: &Service, knobs: ServiceKnobs, colour: usize) -> KnobCard {
        let first = service.operations.first();
        let (shape, median_ms) = knobs.latency.unwrap_or_else(|| {
            first.map_or((Shape::Fixed, 0.0), |operation| {
                (Shape::of(&operation.latency), operation.latency.typical_ms())
            })
        });
        let fans_out = service.operations.iter().any(|operation| {
            operation.steps.iter().any(|step| matches!(step, Step::Parallel(_) | Step::Repeat(_)))
        });
        KnobCard {
            service: service.name.clone(),
            changed: knobs != ServiceKnobs::default(),
            shape,
            median_ms,
            error_rate: knobs
                .error_rate
                .unwrap_or_else(|| first.map_or(0.0, |operation| operation.error_rate)),
            skew_ms: knobs.skew_ms.unwrap_or(service.clock.offset_ms),
            instrumented: knobs.instrumented.unwrap_or(service.instrumented),
            propagates: knobs.propagates.unwrap_or(service.propagates),
            fans_out,
            fanout: knobs.fanout.unwrap_or(1),
            colour,
            knobs,
        }
    }

    /// "12 ms · 5% errors · clock +40 ms · not traced".
    pub fn summary(&self) -> String {
        let mut summary = format!("{} ms", trim_number(self.median_ms));
        if self.error_rate > 0.0 {
            summary.push_str(&format!(" · {}% errors", trim_number(self.error_rate * 100.0)));
        }
        if self.skew_ms != 0.0 {
            summary.push_str(&format!(" · clock {:+} ms", self.skew_ms));
        }
        if !self.instrumented {
            summary.push_str(" · not traced");
        } else if !self.propagates {
            summary.push_str(" · drops context");
        }
        summary
    }

    /// The service's knobs with `field` set from what was typed; what cannot be read leaves the
    /// knobs as they are, and values are kept in range (latency up to an hour, errors 0–100%,
    /// fan-out 1–1000).
    pub fn with(&self, field: KnobField, typed: &str) -> ServiceKnobs {
        let mut next = self.knobs.clone();
        let typed = typed.trim();
        let number = typed.parse::<f64>().ok().filter(|value| value.is_finite());
        match field {
            KnobField::Median => {
                if let Some(ms) = number {
                    next.latency = Some((self.shape, ms.clamp(0.0, 3_600_000.0)));
                }
            }
            KnobField::Shape => {
                if let Some(shape) = Shape::parse(typed) {
                    next.latency = Some((shape, self.median_ms));
                }
            }
            KnobField::ErrorPercent => {
                if let Some(percent) = number {
                    next.error_rate = Some((percent / 100.0).clamp(0.0, 1.0));
                }
            }
            KnobField::SkewMs => {
                if let Some(ms) = number {
                    next.skew_ms = Some(ms);
                }
            }
            KnobField::Instrumented => next.instrumented = Some(typed == "true"),
            KnobField::Propagates => next.propagates = Some(typed == "true"),
            KnobField::Fanout => {
                if let Ok(factor) = typed.parse::<u32>() {
                    next.fanout = (factor > 1).then_some(factor.min(1000));
                }
            }
        }
        next
    }
}

/// A number without trailing zeros: `12`, `12.5`, `0.125`.
pub fn trim_number(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::Action;

    fn card(model: &Model, service: &str) -> KnobCard {
        knob_cards(model).into_iter().find(|card| card.service == service).expect("a card")
    }

    #[test]
    fn cards_show_the_scenario_until_a_knob_changes_it() {
        let model = Model::from_hash("");
        let database = card(&model, "database");
        assert!(!database.changed);
        assert_eq!(database.colour, 3, "gateway, auth, orders, database");
        let knobs = database.with(KnobField::Median, " 250 ");
        let model = model.update(Action::SetKnobs("database".into(), knobs));
        let database = card(&model, "database");
        assert!(database.changed);
        assert_eq!(
            (database.median_ms, database.shape),
            (250.0, card(&Model::from_hash(""), "database").shape)
        );
        assert_eq!(database.summary(), "250 ms");
    }

    #[test]
    fn typed_values_are_read_leniently_and_kept_in_range() {
        let model = Model::from_hash("");
        let auth = card(&model, "auth");
        assert_eq!(auth.with(KnobField::ErrorPercent, "150").error_rate, Some(1.0));
        assert_eq!(auth.with(KnobField::Median, "-5").latency.map(|latency| latency.1), Some(0.0));
        assert_eq!(auth.with(KnobField::Median, "abc"), auth.knobs, "unreadable: unchanged");
        assert_eq!(auth.with(KnobField::Median, "NaN"), auth.knobs, "not a number: unchanged");
        assert_eq!(auth.with(KnobField::Fanout, "5000").fanout, Some(1000));
        assert_eq!(auth.with(KnobField::Fanout, "1").fanout, None, "1 is as written");
        assert_eq!(
            auth.with(KnobField::Shape, "lognormal").latency.map(|latency| latency.0),
            Some(Shape::Lognormal)
        );
        let untraced = auth.with(KnobField::Instrumented, "false");
        assert_eq!(untraced.instrumented, Some(false));
    }

    #[test]
    fn the_summary_says_what_is_unusual() {
        let model = Model::from_hash("");
        let auth = card(&model, "auth");
        let changed = KnobCard { error_rate: 0.05, skew_ms: 40.0, propagates: false, ..auth.clone() };
        assert_eq!(
            changed.summary(),
            format!("{} ms · 5% errors · clock +40 ms · drops context", trim_number(auth.median_ms))
        );
        let untraced = KnobCard { instrumented: false, ..changed };
        assert!(untraced.summary().ends_with(" · not traced"));
        assert_eq!(trim_number(12.5), "12.5");
        assert_eq!(trim_number(12.0), "12");
    }
}
