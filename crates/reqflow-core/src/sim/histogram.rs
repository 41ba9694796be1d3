//! `LatencyHistogram`: request durations of a run in fixed memory.

/// A log-linear histogram of durations: 128 sub-buckets per power of two, so a quantile is
/// within 1/128 (0.78%) of the true value; fixed memory (58 KiB) whatever the number of requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    total: u64,
    max_ns: i64,
}

/// log2 of the sub-buckets per power of two.
const SUB_BITS: u32 = 7;
const SUB_BUCKETS: u32 = 1 << SUB_BITS;
/// Values below `SUB_BUCKETS` have a bucket each; then `SUB_BUCKETS` per power of two up to 2^63.
const N_BUCKETS: usize = ((64 - SUB_BITS + 1) * SUB_BUCKETS) as usize;

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram { counts: vec![0; N_BUCKETS], total: 0, max_ns: 0 }
    }
}

impl LatencyHistogram {
    pub fn record(&mut self, ns: i64) {
        let value = ns.max(0) as u64;
        self.counts[Self::bucket(value) as usize] += 1;
        self.total += 1;
        self.max_ns = self.max_ns.max(ns);
    }

    fn bucket(value: u64) -> u32 {
        if value < u64::from(SUB_BUCKETS) {
            return value as u32;
        }
        let magnitude = 63 - value.leading_zeros(); // at least SUB_BITS here
        let sub = (value >> (magnitude - SUB_BITS)) as u32 & (SUB_BUCKETS - 1);
        (magnitude - SUB_BITS + 1) * SUB_BUCKETS + sub
    }

    /// The smallest value that falls in the bucket.
    fn bucket_floor(bucket: u32) -> u64 {
        if bucket < SUB_BUCKETS {
            return u64::from(bucket);
        }
        let magnitude = bucket / SUB_BUCKETS + SUB_BITS - 1;
        let sub = u64::from(bucket % SUB_BUCKETS);
        (1u64 << magnitude) | (sub << (magnitude - SUB_BITS))
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max_ns(&self) -> i64 {
        self.max_ns
    }

    /// The duration below which a fraction `quantile` of requests fall (a bucket's lower bound).
    pub fn quantile_ns(&self, quantile: f64) -> i64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * self.total as f64) as u64).min(self.total - 1);
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen > rank {
                return (Self::bucket_floor(bucket as u32) as i64).min(self.max_ns);
            }
        }
        self.max_ns
    }
}

#[cfg(test)]
mod tests {
    use super::LatencyHistogram;

    #[test]
    fn quantiles_are_within_one_percent_from_nanoseconds_to_minutes() {
        // Durations spread over eleven orders of magnitude (1 ns … ~100 s), a few per step.
        let mut values: Vec<i64> = (0..4_000).map(|idx| (1.0065f64.powi(idx) as i64).max(1)).collect();
        let mut histogram = LatencyHistogram::default();
        for &value in &values {
            histogram.record(value);
        }
        values.sort_unstable();
        for quantile in [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] {
            let rank = ((quantile * values.len() as f64) as usize).min(values.len() - 1);
            let exact = values[rank] as f64;
            let got = histogram.quantile_ns(quantile) as f64;
            assert!((got - exact).abs() / exact <= 0.01, "q{quantile}: {got} vs {exact}");
            assert!(got <= exact, "a bucket's floor never overstates");
        }
        assert_eq!(histogram.count(), 4_000);
        assert_eq!(histogram.max_ns(), *values.last().expect("values"));
    }

    #[test]
    fn buckets_tile_the_range_without_gaps() {
        let mut last = 0;
        for value in (0..200u64).chain([255, 256, 1 << 20, (1 << 20) + 12_345, u64::MAX >> 1, u64::MAX]) {
            let bucket = LatencyHistogram::bucket(value);
            assert!(bucket >= last || value < 200, "buckets grow with the value");
            assert!(
                LatencyHistogram::bucket_floor(bucket) <= value,
                "{value} is at or above its bucket's floor"
            );
            assert!((bucket as usize) < super::N_BUCKETS, "{value}");
            last = bucket;
        }
    }
}
