//! A short, stable fingerprint of simulated traces: the same scenario and seed give the same
//! fingerprint in the CLI and in the browser.
//!
//! It is FNV-1a (64-bit) over the canonical JSON of the list of request traces (`[t1,t2,...]`,
//! serde_json's compact form), written as 16 hex digits. [`Fingerprinter`] computes it while
//! traces stream past, without keeping them.

use crate::sim::RequestTrace;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// Incremental fingerprint of a sequence of request traces.
#[derive(Clone, Debug)]
pub struct Fingerprinter {
    hash: u64,
    n_traces: u64,
}

impl Default for Fingerprinter {
    fn default() -> Self {
        Fingerprinter { hash: FNV_OFFSET, n_traces: 0 }
    }
}

impl std::io::Write for Fingerprinter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for byte in bytes {
            self.hash = (self.hash ^ u64::from(*byte)).wrapping_mul(FNV_PRIME);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Fingerprinter {
    pub fn add(&mut self, trace: &RequestTrace) {
        use std::io::Write;
        let separator: &[u8] = if self.n_traces == 0 { b"[" } else { b"," };
        self.write_all(separator).expect("hashing cannot fail");
        serde_json::to_writer(&mut *self, trace).expect("traces serialise");
        self.n_traces += 1;
    }

    /// 16 lowercase hex digits.
    pub fn finish(mut self) -> String {
        use std::io::Write;
        let closing: &[u8] = if self.n_traces == 0 { b"[]" } else { b"]" };
        self.write_all(closing).expect("hashing cannot fail");
        format!("{:016x}", self.hash)
    }
}

/// The fingerprint of a list of request traces.
pub fn fingerprint(traces: &[RequestTrace]) -> String {
    let mut fingerprinter = Fingerprinter::default();
    for trace in traces {
        fingerprinter.add(trace);
    }
    fingerprinter.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_fingerprint_equals_fnv_of_the_canonical_json() {
        let simulation =
            crate::Simulation::new(&crate::builtins::load("try-it").expect("built-in")).expect("compiles");
        let traces = simulation.run_collect(3, 4).expect("runs");
        let canonical = serde_json::to_string(&traces).expect("serialises");
        assert_eq!(fingerprint(&traces), format!("{:016x}", crate::ids::hash_str(&canonical)));
        assert_eq!(fingerprint(&[]), format!("{:016x}", crate::ids::hash_str("[]")));
        assert_ne!(fingerprint(&traces[..1]), fingerprint(&traces[..2]));
    }
}
