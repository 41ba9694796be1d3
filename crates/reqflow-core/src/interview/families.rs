//! Where each family of incident can happen, how its parameters are drawn from the seed, and
//! the noise that makes the higher levels harder.

use rand_chacha::ChaCha8Rng;

use super::{Family, Incident, Level, below, culprit};
use crate::builtins;
use crate::latency::Latency;
use crate::scenario::{Scenario, Step};

/// Draws before the generator gives up looking for an incident that shows its fault (the tests
/// prove it never needs that many).
const ATTEMPTS: u32 = 48;

/// The families a level draws from.
pub(super) fn families_at(level: Level) -> &'static [Family] {
    match level {
        // No fan-out architecture at level 1: four services at most.
        Level::One => &Family::ALL[..7],
        Level::Two | Level::Three => &Family::ALL,
    }
}

/// The built-ins (and the services in them) a family's fault can be put into at a level.
fn places(family: Family, level: Level) -> &'static [(&'static str, &'static [&'static str])] {
    const NETFLIX_MID_TIER: &[&str] =
        &["profile", "recommendations", "personalization", "artwork", "ratings", "bookmarks"];
    match (family, level) {
        (Family::SlowDependency | Family::ClockSkew, Level::One) => {
            &[("try-it", &["auth", "orders", "database"])]
        }
        (Family::SlowDependency | Family::ClockSkew, Level::Two) => &[
            ("payment-gateway", &["ledger", "ledger-db", "payments"]),
            ("uber-ride", &["eta", "trip", "surge-pricing"]),
        ],
        (Family::SlowDependency | Family::ClockSkew, Level::Three) => &[("netflix-fanout", NETFLIX_MID_TIER)],
        (Family::NPlusOne, _) => &[("n-plus-one", &["orders"])],
        (Family::PoolSaturation, Level::One) => &[("db-pool", &["database"])],
        (Family::PoolSaturation, _) => &[("db-pool", &["database"]), ("uber-ride", &["geo-index"])],
        (Family::RetryStorm, _) => &[("retry-storm", &["inventory"])],
        (Family::DroppedContext, Level::One) => &[("try-it", &["orders"])],
        (Family::DroppedContext, Level::Two) => &[
            ("payment-gateway", &["payments", "ledger", "fraud-check"]),
            ("uber-ride", &["dispatch", "geo-index"]),
        ],
        (Family::DroppedContext, Level::Three) => &[("netflix-fanout", NETFLIX_MID_TIER)],
        (Family::QueueBacklog, Level::One) => &[("async-queue", &["fulfillment"])],
        (Family::QueueBacklog, _) => {
            &[("async-queue", &["fulfillment"]), ("payment-gateway", &["webhook-sender"])]
        }
        (Family::FanoutTail, _) => &[("netflix-fanout", &[])],
    }
}

/// Generates an incident of `family`, drawing until the simulated request shows the fault.
pub(super) fn generate(family: Family, seed: u64, level: Level, rng: &mut ChaCha8Rng) -> Incident {
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let incident = draw(family, seed, level, rng);
        if let Ok(model) = incident.model()
            && culprit::holds(&incident, &model)
        {
            return incident;
        }
        last = Some(incident);
    }
    last.expect("ATTEMPTS > 0")
}

/// One draw of the family's parameters (not yet checked).
fn draw(family: Family, seed: u64, level: Level, rng: &mut ChaCha8Rng) -> Incident {
    let options = places(family, level);
    let (builtin, services) = options[below(rng, options.len() as u64) as usize];
    let mut scenario = builtins::load(builtin).expect("the places are built-ins");
    let sim_seed = 1 + below(rng, 999_999);
    let pick = |rng: &mut ChaCha8Rng| services[below(rng, services.len() as u64) as usize].to_owned();
    let (service, mut knobs) = match family {
        Family::SlowDependency => {
            let service = pick(rng);
            let median_ms = 150 + below(rng, 450);
            let knob = format!("{service}.latency=lognormal:{median_ms}");
            (service, vec![knob])
        }
        Family::NPlusOne => {
            let fanout = 1 + below(rng, if level == Level::One { 2 } else { 3 });
            (
                "orders".to_owned(),
                if fanout > 1 { vec![format!("orders.fanout={fanout}")] } else { Vec::new() },
            )
        }
        Family::PoolSaturation | Family::RetryStorm => (pick(rng), Vec::new()),
        Family::DroppedContext => {
            let service = pick(rng);
            (service.clone(), vec![format!("{service}.propagates=false")])
        }
        Family::ClockSkew => {
            let service = pick(rng);
            let magnitude = 40 + below(rng, 260) as i64;
            let skew = if below(rng, 2) == 0 { -magnitude } else { magnitude };
            (service.clone(), vec![format!("{service}.skew={skew}")])
        }
        Family::QueueBacklog => {
            let service = pick(rng);
            let median_ms = 1000.0 * (20 + below(rng, 160)) as f64;
            set_queue_delay(&mut scenario, &service, median_ms);
            (service, Vec::new())
        }
        // The natural tail of a fifty-service fan-out: which service it is depends on the request.
        Family::FanoutTail => (String::new(), Vec::new()),
    };
    let noise = noise(family, level, &scenario, &service, rng);
    knobs.extend(noise.iter().cloned());
    let mut incident = Incident {
        seed,
        level,
        family,
        builtin: builtin.to_owned(),
        scenario,
        knobs: knobs.join(","),
        sim_seed,
        service,
        noise,
    };
    if family == Family::FanoutTail
        && let Ok(model) = incident.model()
        && let Some(bottleneck) = &model.trace.analysis.bottleneck
    {
        incident.service = bottleneck.service.clone();
    }
    incident
}

/// Level 2 adds a second, smaller slowness elsewhere; level 3 also a skewed clock and a service
/// that records no spans. Knobs in the share-link syntax, never on the faulty service.
fn noise(
    family: Family,
    level: Level,
    scenario: &Scenario,
    culprit: &str,
    rng: &mut ChaCha8Rng,
) -> Vec<String> {
    if level == Level::One {
        return Vec::new();
    }
    let entry = scenario.entry.service.as_str();
    let others: Vec<&str> = scenario
        .services
        .iter()
        .map(|service| service.name.as_str())
        .filter(|name| *name != culprit && *name != entry)
        .collect();
    let leaves: Vec<&str> = others.iter().copied().filter(|name| is_leaf(scenario, name)).collect();
    let mut noise = Vec::new();
    if let Some(slower) = choose(&others, rng) {
        noise.push(format!("{slower}.latency=lognormal:{}", 20 + below(rng, 40)));
    }
    if level == Level::Three {
        if family != Family::ClockSkew
            && let Some(skewed) = choose(&others, rng)
            && !noise.iter().any(|knob| knob.starts_with(&format!("{skewed}.")))
        {
            noise.push(format!("{skewed}.skew={}", 15 + below(rng, 30)));
        }
        if let Some(dark) = choose(&leaves, rng)
            && !noise.iter().any(|knob| knob.starts_with(&format!("{dark}.")))
        {
            noise.push(format!("{dark}.instrumented=false"));
        }
    }
    noise
}

fn choose<'a>(names: &[&'a str], rng: &mut ChaCha8Rng) -> Option<&'a str> {
    (!names.is_empty()).then(|| names[below(rng, names.len() as u64) as usize])
}

/// A service whose operations call nothing.
fn is_leaf(scenario: &Scenario, name: &str) -> bool {
    scenario.service(name).is_some_and(|service| {
        service
            .operations
            .iter()
            .all(|operation| operation.steps.iter().all(|step| matches!(step, Step::Work(_))))
    })
}

/// Sets the delay of every queue whose consumer is `consumer`: a median and a p99 of twice it.
fn set_queue_delay(scenario: &mut Scenario, consumer: &str, median_ms: f64) {
    for service in &mut scenario.services {
        for operation in &mut service.operations {
            for step in &mut operation.steps {
                if let Step::Publish(publish) = step
                    && publish.consumer.service == consumer
                {
                    publish.queue_delay = Latency::Lognormal { median_ms, p99_ms: 2.0 * median_ms };
                }
            }
        }
    }
}
