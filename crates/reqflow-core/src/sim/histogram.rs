//! `LatencyHistogram`: request durations of a run in fixed memory.

/// A log-linear histogram of durations: 16 sub-buckets per power of two (relative error below
/// 6.25%), fixed memory whatever the number of requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    total: u64,
    max_ns: i64,
}

const SUB_BUCKETS: u32 = 16;

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram { counts: vec![0; (64 * SUB_BUCKETS) as usize], total: 0, max_ns: 0 }
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
        let magnitude = 63 - value.leading_zeros(); // at least 4 here
        let sub = (value >> (magnitude - 4)) as u32 & (SUB_BUCKETS - 1);
        (magnitude - 3) * SUB_BUCKETS + sub
    }

    /// The smallest value that falls in the bucket.
    fn bucket_floor(bucket: u32) -> u64 {
        if bucket < SUB_BUCKETS {
            return u64::from(bucket);
        }
        let magnitude = bucket / SUB_BUCKETS + 3;
        let sub = u64::from(bucket % SUB_BUCKETS);
        (1u64 << magnitude) | (sub << (magnitude - 4))
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
                return Self::bucket_floor(bucket as u32) as i64;
            }
        }
        self.max_ns
    }
}

#[cfg(test)]
mod tests {
    use super::LatencyHistogram;

    #[test]
    fn quantiles_are_within_the_bucket_error() {
        let mut histogram = LatencyHistogram::default();
        for value in 1..=10_000i64 {
            histogram.record(value * 1_000);
        }
        for (quantile, expected) in [(0.5, 5_000_000.0), (0.99, 9_900_000.0), (0.0, 1_000.0)] {
            let got = histogram.quantile_ns(quantile) as f64;
            assert!((got - expected).abs() / expected < 0.0625, "q{quantile}: {got} vs {expected}");
        }
        assert_eq!(histogram.count(), 10_000);
        assert_eq!(histogram.max_ns(), 10_000_000);
    }
}
