//! Latency distributions, sampled with portable arithmetic.
//!
//! Every continuous distribution is turned into a quantile table once, when the scenario is
//! compiled (using `libm`, whose results are identical on every platform). Sampling is then a
//! table look-up and a linear interpolation: only `+ - × ÷` on IEEE 754 doubles, which are exact
//! and identical on native and wasm32, and fast (no `exp`/`ln` per sample).

use rand::Rng;
use serde::{Deserialize, Serialize};

/// Number of intervals in a quantile table.
const TABLE_INTERVALS: usize = 512;

/// A latency distribution as a scenario states it (milliseconds, the unit people think in).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Latency {
    /// Always this many milliseconds.
    Fixed(f64),
    /// Uniform between `min_ms` and `max_ms`.
    Uniform { min_ms: f64, max_ms: f64 },
    /// Normal, truncated at zero.
    Normal { mean_ms: f64, stddev_ms: f64 },
    /// Log-normal stated by its median and 99th percentile.
    Lognormal { median_ms: f64, p99_ms: f64 },
    /// Pick one of several distributions by weight (a rare slow tail, a cache hit/miss mix).
    Mixture(Vec<MixtureComponent>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixtureComponent {
    pub weight: f64,
    pub latency: Latency,
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Fixed(0.0)
    }
}

impl Latency {
    /// Checks the parameters; returns what is wrong, in words.
    pub fn problem(&self) -> Option<String> {
        let bad = |value: f64| !value.is_finite() || value < 0.0;
        match self {
            Latency::Fixed(ms) if bad(*ms) => Some(format!("fixed latency must be ≥ 0 ms, got {ms}")),
            Latency::Uniform { min_ms, max_ms } if bad(*min_ms) || bad(*max_ms) || min_ms > max_ms => {
                Some(format!(
                    "uniform latency needs 0 ≤ min_ms ≤ max_ms, got min_ms = {min_ms}, max_ms = {max_ms}"
                ))
            }
            Latency::Normal { mean_ms, stddev_ms } if bad(*mean_ms) || bad(*stddev_ms) => Some(format!(
                "normal latency needs mean_ms ≥ 0 and stddev_ms ≥ 0, got mean_ms = {mean_ms}, stddev_ms = {stddev_ms}"
            )),
            Latency::Lognormal { median_ms, p99_ms }
                if bad(*median_ms) || *median_ms <= 0.0 || bad(*p99_ms) =>
            {
                Some(format!(
                    "lognormal latency needs median_ms > 0 and p99_ms > 0, got median_ms = {median_ms}, p99_ms = {p99_ms}"
                ))
            }
            Latency::Lognormal { median_ms, p99_ms } if p99_ms < median_ms => Some(format!(
                "p99_ms ({p99_ms}) is below median_ms ({median_ms}): the 99th percentile cannot be smaller than the median"
            )),
            Latency::Mixture(components) if components.is_empty() => {
                Some("a mixture needs at least one component".to_owned())
            }
            Latency::Mixture(components) => components.iter().enumerate().find_map(|(idx, component)| {
                if bad(component.weight) {
                    Some(format!("mixture component {idx}: weight must be ≥ 0, got {}", component.weight))
                } else {
                    component.latency.problem().map(|problem| format!("mixture component {idx}: {problem}"))
                }
            }),
            _ => None,
        }
    }

    /// The same distribution with every time multiplied by `factor` (≥ 0): a service made
    /// twice as fast is `scaled(0.5)`. The shape stays: a lognormal keeps its spread.
    pub fn scaled(&self, factor: f64) -> Latency {
        match self {
            Latency::Fixed(ms) => Latency::Fixed(ms * factor),
            Latency::Uniform { min_ms, max_ms } => {
                Latency::Uniform { min_ms: min_ms * factor, max_ms: max_ms * factor }
            }
            Latency::Normal { mean_ms, stddev_ms } => {
                Latency::Normal { mean_ms: mean_ms * factor, stddev_ms: stddev_ms * factor }
            }
            Latency::Lognormal { median_ms, p99_ms } => {
                Latency::Lognormal { median_ms: median_ms * factor, p99_ms: p99_ms * factor }
            }
            Latency::Mixture(components) => Latency::Mixture(
                components
                    .iter()
                    .map(|component| MixtureComponent {
                        weight: component.weight,
                        latency: component.latency.scaled(factor),
                    })
                    .collect(),
            ),
        }
    }

    /// The median in milliseconds, for labels ("~40 ms").
    pub fn typical_ms(&self) -> f64 {
        match self {
            Latency::Fixed(ms) => *ms,
            Latency::Uniform { min_ms, max_ms } => (min_ms + max_ms) / 2.0,
            Latency::Normal { mean_ms, .. } => *mean_ms,
            Latency::Lognormal { median_ms, .. } => *median_ms,
            Latency::Mixture(components) => components
                .iter()
                .max_by(|a, b| a.weight.total_cmp(&b.weight))
                .map_or(0.0, |component| component.latency.typical_ms()),
        }
    }

    /// Compiles the distribution into a sampler. Call [`Latency::problem`] first.
    pub fn compile(&self) -> Sampler {
        match self {
            Latency::Fixed(ms) => Sampler::Fixed(ms_to_ns(*ms)),
            Latency::Uniform { min_ms, max_ms } => Sampler::Uniform {
                min_ns: ms_to_ns(*min_ms) as f64,
                span_ns: (ms_to_ns(*max_ms) - ms_to_ns(*min_ms)) as f64,
            },
            Latency::Normal { mean_ms, stddev_ms } => {
                let (mean, stddev) = (*mean_ms * 1e6, *stddev_ms * 1e6);
                if stddev == 0.0 {
                    return Sampler::Fixed(ms_to_ns(*mean_ms));
                }
                // Truncated at zero: sample u in [F(0), 1).
                let u_low = normal_cdf(-mean / stddev);
                Sampler::table(|u| {
                    let u = u_low + u * (1.0 - u_low);
                    (mean + stddev * normal_quantile(u)).max(0.0)
                })
            }
            Latency::Lognormal { median_ms, p99_ms } => {
                const Z_99: f64 = 2.326_347_874_040_841;
                let median = *median_ms * 1e6;
                let sigma = libm::log(*p99_ms / *median_ms) / Z_99;
                if sigma == 0.0 {
                    return Sampler::Fixed(ms_to_ns(*median_ms));
                }
                Sampler::table(|u| median * libm::exp(sigma * normal_quantile(u)))
            }
            Latency::Mixture(components) => {
                let total: f64 = components.iter().map(|component| component.weight).sum();
                let mut cumulative = 0.0;
                let parts = components
                    .iter()
                    .map(|component| {
                        cumulative += component.weight;
                        // Thresholds on a 2^53 grid so the choice is an exact integer compare.
                        let threshold = if total > 0.0 { cumulative / total } else { 1.0 };
                        ((threshold * TWO_POW_53) as u64, component.latency.compile())
                    })
                    .collect();
                Sampler::Mixture(parts)
            }
        }
    }
}

const TWO_POW_53: f64 = 9_007_199_254_740_992.0;

/// Milliseconds to integer nanoseconds, rounded to the nearest nanosecond.
pub fn ms_to_ns(ms: f64) -> i64 {
    libm::round(ms * 1e6) as i64
}

/// A compiled latency distribution.
#[derive(Clone, Debug, PartialEq)]
pub enum Sampler {
    Fixed(i64),
    Uniform {
        min_ns: f64,
        span_ns: f64,
    },
    /// Quantiles at u = i / TABLE_INTERVALS (with the open ends pulled in slightly), in ns.
    Table(Box<[f64]>),
    /// (cumulative threshold on a 2^53 grid, component)
    Mixture(Vec<(u64, Sampler)>),
}

impl Sampler {
    /// Exponential gaps with the given mean (ns): the gaps of a Poisson process. Like every
    /// continuous distribution here, a quantile table (its tail is cut at the last table point,
    /// about 7.6 × the mean).
    pub fn exponential(mean_ns: f64) -> Sampler {
        Sampler::table(|u| -mean_ns * libm::log(1.0 - u))
    }

    fn table(quantile: impl Fn(f64) -> f64) -> Sampler {
        let points = (0..=TABLE_INTERVALS)
            .map(|idx| {
                // The 0 and 1 quantiles are infinite for unbounded distributions: use the
                // midpoint of the first and last 1/(4·N) instead.
                let edge = 0.25 / TABLE_INTERVALS as f64;
                let u = (idx as f64 / TABLE_INTERVALS as f64).clamp(edge, 1.0 - edge);
                quantile(u).max(0.0)
            })
            .collect();
        Sampler::Table(points)
    }

    /// Draws one latency in nanoseconds (never negative).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> i64 {
        match self {
            Sampler::Fixed(ns) => *ns,
            Sampler::Uniform { min_ns, span_ns } => libm::round(min_ns + span_ns * unit(rng)) as i64,
            Sampler::Table(points) => {
                let position = unit(rng) * TABLE_INTERVALS as f64;
                let idx = (position as usize).min(TABLE_INTERVALS - 1);
                let fraction = position - idx as f64;
                let value = points[idx] + (points[idx + 1] - points[idx]) * fraction;
                libm::round(value) as i64
            }
            Sampler::Mixture(parts) => {
                let draw = rng.next_u64() >> 11;
                let chosen = parts
                    .iter()
                    .find(|(threshold, _)| draw < *threshold)
                    .or(parts.last())
                    .map(|(_, sampler)| sampler);
                chosen.map_or(0, |sampler| sampler.sample(rng))
            }
        }
    }
}

/// A uniform double in [0, 1) from the top 53 bits of a 64-bit draw (exact and portable).
pub fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 / TWO_POW_53
}

/// Bernoulli trial with probability `p`, decided with an exact integer compare.
pub fn chance<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    if p <= 0.0 {
        return false;
    }
    if p >= 1.0 {
        return true;
    }
    (rng.next_u64() >> 11) < (p * TWO_POW_53) as u64
}

/// Standard normal CDF via `libm::erfc`.
fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / core::f64::consts::SQRT_2)
}

/// Inverse of the standard normal CDF (Acklam's rational approximation, refined by one Halley
/// step with `libm::erfc`, giving close to full double precision).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    const P_LOW: f64 = 0.024_25;
    let x = if p < P_LOW {
        let q = libm::sqrt(-2.0 * libm::log(p));
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = libm::sqrt(-2.0 * libm::log(1.0 - p));
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let error = normal_cdf(x) - p;
    let step = error * libm::sqrt(2.0 * core::f64::consts::PI) * libm::exp(x * x / 2.0);
    x - step / (1.0 + x * step / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn percentile(latency: &Latency, quantile: f64) -> f64 {
        let sampler = latency.compile();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut draws: Vec<i64> = (0..20_000).map(|_| sampler.sample(&mut rng)).collect();
        draws.sort_unstable();
        draws[((draws.len() - 1) as f64 * quantile) as usize] as f64 / 1e6
    }

    #[test]
    fn normal_quantile_matches_known_values() {
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.99) - 2.326_347_874_040_841).abs() < 1e-9);
        assert!((normal_quantile(0.001) + 3.090_232_306_167_813).abs() < 1e-9);
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let latency = Latency::Lognormal { median_ms: 40.0, p99_ms: 200.0 };
        let median = percentile(&latency, 0.5);
        let p99 = percentile(&latency, 0.99);
        assert!((median - 40.0).abs() < 2.0, "median {median}");
        assert!((p99 - 200.0).abs() < 25.0, "p99 {p99}");
    }

    #[test]
    fn truncated_normal_is_never_negative() {
        let latency = Latency::Normal { mean_ms: 1.0, stddev_ms: 5.0 };
        assert!(percentile(&latency, 0.0) >= 0.0);
    }

    #[test]
    fn mixture_produces_a_rare_slow_tail() {
        let latency = Latency::Mixture(vec![
            MixtureComponent { weight: 0.95, latency: Latency::Fixed(10.0) },
            MixtureComponent { weight: 0.05, latency: Latency::Fixed(500.0) },
        ]);
        assert_eq!(percentile(&latency, 0.5), 10.0);
        assert_eq!(percentile(&latency, 0.99), 500.0);
    }

    #[test]
    fn bad_parameters_are_reported_in_words() {
        let p99_below = Latency::Lognormal { median_ms: 50.0, p99_ms: 10.0 };
        assert!(p99_below.problem().unwrap().contains("below median_ms"));
        assert!(Latency::Fixed(-1.0).problem().unwrap().contains("≥ 0"));
        assert!(Latency::Uniform { min_ms: 5.0, max_ms: 1.0 }.problem().is_some());
        assert_eq!(Latency::Fixed(3.0).problem(), None);
    }
}
