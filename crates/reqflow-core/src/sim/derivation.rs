//! Everything the engine derives from the seed rather than draws or counts: the call-tree keys of
//! invocations and attempts, the span and trace ids derived from those keys, and the random
//! streams.
//!
//! A *key* names a position in the call tree: the entry invocation of request *n*, the callee
//! of attempt *a* of call *c* of step *s* of an invocation, the consumer of a publish step. Ids
//! are mixed from a key and a fixed role or salt, so a span keeps its id when unrelated knobs
//! change. The numeric values below are part of the determinism contract: changing one changes
//! every golden trace.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::ids::{SpanId, TraceId, hash_str, mix_all};

/// Which span of a call-tree position a derived span id identifies (mixed with the key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SpanRole {
    /// The server span (a consumer span for a message) of an invocation; its key is the
    /// invocation's key. Also the parent the invocation's context forwards.
    Server = 1,
    /// The client span of one call attempt; its key is the attempt's key, which is also the
    /// callee invocation's key (whose server span uses `Server`).
    Client = 2,
    /// The producer span of a publish step; its key is [`step_key`].
    Producer = 3,
    /// The internal span of a named work step; its key is [`step_key`].
    Internal = 4,
}

/// Salt of the entry invocation's key (`b'R'`, request).
const ENTRY_KEY_SALT: u64 = 0x52;
/// Salt of a consumer invocation's key (`b'P'`, publish).
const CONSUMER_KEY_SALT: u64 = 0x50;
/// Salt of the high half of a trace id (`"trace"` in ASCII).
const TRACE_ID_HIGH_SALT: u64 = 0x0074_7261_6365;
/// Salt of the low half of a trace id (`"id"` in ASCII).
const TRACE_ID_LOW_SALT: u64 = 0x6964;
/// The name whose hash is the head-sampling random stream (services' streams are the hashes of
/// their names).
const HEAD_SAMPLING_STREAM: &str = "reqflow/head-sampling";
/// The name whose hash is the stream Poisson inter-arrival gaps are drawn from.
const ARRIVALS_STREAM: &str = "reqflow/arrivals";

/// The key of request `request`'s entry invocation.
pub(super) fn entry_key(seed: u64, scenario_key: u64, request: u64) -> u64 {
    mix_all(&[seed, scenario_key, request, ENTRY_KEY_SALT])
}

/// The key of attempt `attempt_no` (0 for the first) of call `call_slot` in step `step_idx`
/// (counted from 1: the step is already under way) of the invocation keyed `caller_key`. The
/// callee invocation has the same key.
pub(super) fn attempt_key(caller_key: u64, step_idx: u32, call_slot: u32, attempt_no: u32) -> u64 {
    mix_all(&[caller_key, u64::from(step_idx), u64::from(call_slot), u64::from(attempt_no)])
}

/// The key of the consumer invocation handling the message of publish step `step_idx` (counted
/// from 0) of the invocation keyed `publisher_key`.
pub(super) fn consumer_key(publisher_key: u64, step_idx: u32) -> u64 {
    mix_all(&[publisher_key, u64::from(step_idx), CONSUMER_KEY_SALT])
}

/// The key of the span of step `step_idx` (counted from 0) of the invocation keyed
/// `invocation_key`: a named work step ([`SpanRole::Internal`]) or a publish
/// ([`SpanRole::Producer`]).
pub(super) fn step_key(invocation_key: u64, step_idx: u32) -> u64 {
    invocation_key ^ u64::from(step_idx)
}

/// The span id of the `role` span at `key`; never zero (the invalid id).
pub(super) fn span_id(key: u64, role: SpanRole) -> SpanId {
    let value = mix_all(&[key, role as u64]);
    SpanId::from_u64(if value == 0 { 1 } else { value })
}

/// The trace id of a trace whose root is the invocation keyed `key`; never zero.
pub(super) fn trace_id(key: u64) -> TraceId {
    let high = mix_all(&[key, TRACE_ID_HIGH_SALT]);
    let low = mix_all(&[key, TRACE_ID_LOW_SALT]);
    TraceId::from_u64_pair(high, if high == 0 && low == 0 { 1 } else { low })
}

/// The random stream `stream` of a run: a ChaCha8 key mixed from the seed, one stream per
/// service (the hash of its name) so one service's draws do not move another's.
pub(super) fn stream_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    for (chunk_idx, chunk) in key.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&mix_all(&[seed, chunk_idx as u64]).to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream);
    rng
}

/// The random stream head-sampling decisions are drawn from.
pub(super) fn head_sampling_rng(seed: u64) -> ChaCha8Rng {
    stream_rng(seed, hash_str(HEAD_SAMPLING_STREAM))
}

/// The random stream Poisson arrivals draw their gaps from (fixed spacing draws nothing, so
/// runs with fixed spacing are what they were before Poisson arrivals existed).
pub(super) fn arrivals_rng(seed: u64) -> ChaCha8Rng {
    stream_rng(seed, hash_str(ARRIVALS_STREAM))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The roles and salts are part of every golden trace: they must keep their values.
    #[test]
    fn roles_and_salts_keep_their_values() {
        let roles = [SpanRole::Server, SpanRole::Client, SpanRole::Producer, SpanRole::Internal];
        assert_eq!(roles.map(|role| role as u64), [1, 2, 3, 4]);
        assert_eq!(ENTRY_KEY_SALT, u64::from(b'R'));
        assert_eq!(CONSUMER_KEY_SALT, u64::from(b'P'));
        assert_eq!(TRACE_ID_HIGH_SALT.to_be_bytes()[3..], *b"trace");
        assert_eq!(TRACE_ID_LOW_SALT.to_be_bytes()[6..], *b"id");
        let key = 0x0123_4567_89ab_cdef;
        assert_eq!(span_id(key, SpanRole::Client), SpanId::from_u64(mix_all(&[key, 2])));
        assert_eq!(
            trace_id(key),
            TraceId::from_u64_pair(mix_all(&[key, 0x0074_7261_6365]), mix_all(&[key, 0x6964]))
        );
        assert_eq!(entry_key(1, 2, 3), mix_all(&[1, 2, 3, 0x52]));
        assert_eq!(consumer_key(7, 2), mix_all(&[7, 2, 0x50]));
        assert_eq!(attempt_key(7, 1, 2, 3), mix_all(&[7, 1, 2, 3]));
        assert_eq!(step_key(0b1100, 0b1010), 0b0110);
    }

    #[test]
    fn derived_ids_are_never_zero_and_differ_by_role() {
        for key in [0, 1, u64::MAX, 0x5265_7166_6c6f_7721] {
            let ids = [SpanRole::Server, SpanRole::Client, SpanRole::Producer, SpanRole::Internal]
                .map(|role| span_id(key, role));
            assert!(ids.iter().all(|id| !id.is_zero()));
            for (idx, id) in ids.iter().enumerate() {
                assert!(!ids[idx + 1..].contains(id), "key {key:#x}: two roles share an id");
            }
            assert!(!trace_id(key).is_zero());
        }
    }
}
