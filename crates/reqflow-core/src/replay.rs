//! Replay of a simulated request in virtual time, driven by the ground truth ([`Span::truth`]):
//! which spans have started or finished at time *t*, which requests or messages are travelling
//! between services, and how each span's time splits into queued, waiting on calls, and working.
//!
//! Hops: for a client span and the server span it called, the request travels from the client's
//! true start to the server's true start, and the response from the server's true end to the
//! client's true end. A producer's message travels (waits in the queue) from the producer's end to
//! the consumer's start. A client span whose callee recorded nothing (an un-traced service) is one
//! hop for its whole duration.

use crate::trace::{Span, SpanKind};

/// Where a span is at a moment of the replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    NotStarted,
    /// Started; the fraction of its true duration elapsed, in thousandths.
    Running(u16),
    Done,
}

/// What travels along a hop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leg {
    Request,
    Response,
    /// A message waiting in (or travelling through) a queue.
    Message,
    /// A call into a service that records no spans: what happens inside is not traced.
    Untraced,
}

impl Leg {
    pub fn as_str(self) -> &'static str {
        match self {
            Leg::Request => "request",
            Leg::Response => "response",
            Leg::Message => "message",
            Leg::Untraced => "untraced",
        }
    }
}

/// One movement between two services, in true time. Spans are referred to by index, so a
/// 100,000-span replay copies no strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The span on the calling side (client or producer).
    pub span: u32,
    /// The span on the receiving side (server or consumer); `None` when it recorded nothing.
    pub receiver: Option<u32>,
    pub leg: Leg,
    pub start_ns: i64,
    pub end_ns: i64,
}

impl Hop {
    /// The service the hop leaves.
    pub fn from<'a>(&self, spans: &'a [Span]) -> &'a str {
        match (self.leg, self.receiver) {
            (Leg::Response, Some(receiver)) => &spans[receiver as usize].service,
            _ => &spans[self.span as usize].service,
        }
    }

    /// The service the hop reaches (for an un-traced callee, its `server.address` or the call's
    /// name).
    pub fn to<'a>(&self, spans: &'a [Span]) -> &'a str {
        let caller = &spans[self.span as usize];
        match (self.leg, self.receiver) {
            (Leg::Response, _) => &caller.service,
            (_, Some(receiver)) => &spans[receiver as usize].service,
            (_, None) => match caller.attribute("server.address") {
                Some(crate::trace::AttributeValue::Str(address)) => address,
                _ => &caller.name,
            },
        }
    }

    /// The `traceparent` the receiver got, when it recorded one.
    pub fn traceparent<'a>(&self, spans: &'a [Span]) -> Option<&'a str> {
        self.receiver.and_then(|receiver| spans[receiver as usize].traceparent.as_deref())
    }
}

/// How a span's true duration splits up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkSplit {
    /// Waiting for a pool slot (or in a queue) before work began.
    pub queued_ns: i64,
    /// Waiting on its own calls (the union of its children's true intervals).
    pub waiting_ns: i64,
    /// Everything else: its own work.
    pub working_ns: i64,
}

/// The replay of one request's spans.
#[derive(Clone, Debug, PartialEq)]
pub struct Replay {
    /// True start of the earliest span and true end of the latest.
    pub start_ns: i64,
    pub end_ns: i64,
    pub hops: Vec<Hop>,
    /// Per span, indexed like the spans.
    pub splits: Vec<WorkSplit>,
}

fn truth(span: &Span) -> (i64, i64) {
    span.truth.map_or((span.start_ns, span.end_ns), |truth| (truth.start_ns, truth.end_ns))
}

impl Replay {
    /// Builds the replay; spans without ground truth use their recorded times.
    pub fn new(spans: &[Span]) -> Replay {
        let start_ns = spans.iter().map(|span| truth(span).0).min().unwrap_or(0);
        let end_ns = spans.iter().map(|span| truth(span).1).max().unwrap_or(start_ns).max(start_ns);
        // Children by parent index, in one sorted table (span ids can repeat only in imports).
        let mut by_id: Vec<(crate::ids::SpanId, u32)> =
            spans.iter().enumerate().map(|(idx, span)| (span.span_id, idx as u32)).collect();
        by_id.sort_unstable();
        let index_of = |id: crate::ids::SpanId| {
            by_id.binary_search_by(|(other, _)| other.cmp(&id)).ok().map(|pos| by_id[pos].1)
        };
        // Children in one flat array: (parent, child) pairs sorted by parent.
        let mut pairs: Vec<(u32, u32)> = spans
            .iter()
            .enumerate()
            .filter_map(|(idx, span)| {
                let parent = span.parent_span_id.and_then(index_of)?;
                (parent as usize != idx).then_some((parent, idx as u32))
            })
            .collect();
        pairs.sort_unstable();
        let children_of = |parent: usize| {
            let from = pairs.partition_point(|&(other, _)| (other as usize) < parent);
            let to = pairs.partition_point(|&(other, _)| (other as usize) <= parent);
            pairs[from..to].iter().map(|&(_, child)| child)
        };
        let mut hops = Vec::new();
        for (idx, span) in spans.iter().enumerate() {
            let (start, end) = truth(span);
            let receivers: Vec<u32> = children_of(idx)
                .filter(|&child| matches!(spans[child as usize].kind, SpanKind::Server | SpanKind::Consumer))
                .collect();
            match span.kind {
                SpanKind::Client => match receivers.first() {
                    Some(&server) => {
                        let (server_start, server_end) = truth(&spans[server as usize]);
                        let receiver = Some(server);
                        let span = idx as u32;
                        hops.push(Hop {
                            span,
                            receiver,
                            leg: Leg::Request,
                            start_ns: start,
                            end_ns: server_start.max(start),
                        });
                        hops.push(Hop {
                            span,
                            receiver,
                            leg: Leg::Response,
                            start_ns: server_end.min(end),
                            end_ns: end,
                        });
                    }
                    None => hops.push(Hop {
                        span: idx as u32,
                        receiver: None,
                        leg: Leg::Untraced,
                        start_ns: start,
                        end_ns: end,
                    }),
                },
                SpanKind::Producer => {
                    for consumer in receivers {
                        hops.push(Hop {
                            span: idx as u32,
                            receiver: Some(consumer),
                            leg: Leg::Message,
                            start_ns: end,
                            end_ns: truth(&spans[consumer as usize]).0.max(end),
                        });
                    }
                }
                _ => {}
            }
        }
        hops.sort_by_key(|hop| (hop.start_ns, hop.span, hop.leg as u8));
        let splits = spans
            .iter()
            .enumerate()
            .map(|(idx, span)| {
                let (start, end) = truth(span);
                let queued_ns = span.truth.map_or(0, |truth| truth.queued_ns).clamp(0, (end - start).max(0));
                let busy_from = start + queued_ns;
                let mut intervals: Vec<(i64, i64)> = children_of(idx)
                    .map(|child| truth(&spans[child as usize]))
                    .filter(|_| span.kind != SpanKind::Producer)
                    .map(|(child_start, child_end)| (child_start.max(busy_from), child_end.min(end)))
                    .filter(|(from, to)| to > from)
                    .collect();
                intervals.sort_unstable();
                let (mut waiting_ns, mut reach) = (0, i64::MIN);
                for (from, to) in intervals {
                    let from = from.max(reach);
                    if to > from {
                        waiting_ns += to - from;
                    }
                    reach = reach.max(to);
                }
                let working_ns = (end - start - queued_ns - waiting_ns).max(0);
                WorkSplit { queued_ns, waiting_ns, working_ns }
            })
            .collect();
        Replay { start_ns, end_ns, hops, splits }
    }

    /// The moment `fraction` (0..=1) of the way through, in true epoch ns.
    pub fn time_at(&self, fraction: f64) -> i64 {
        self.start_ns + libm::round(fraction.clamp(0.0, 1.0) * (self.end_ns - self.start_ns) as f64) as i64
    }

    /// Where a span is at time `t`.
    pub fn phase(span: &Span, t: i64) -> Phase {
        let (start, end) = truth(span);
        if t < start {
            Phase::NotStarted
        } else if t >= end {
            Phase::Done
        } else {
            let elapsed = (t - start) as f64 / (end - start).max(1) as f64;
            Phase::Running((elapsed * 1000.0) as u16)
        }
    }

    /// The hops travelling at time `t` (start inclusive, end exclusive), with their progress in
    /// thousandths.
    pub fn in_flight(&self, t: i64) -> Vec<(&Hop, u16)> {
        self.hops
            .iter()
            .filter(|hop| hop.start_ns <= t && t < hop.end_ns)
            .map(|hop| {
                (hop, (((t - hop.start_ns) as f64 / (hop.end_ns - hop.start_ns) as f64) * 1000.0) as u16)
            })
            .collect()
    }

    /// Spans of `service` doing work (started, past their queue wait, not finished) at time `t`.
    pub fn busy(&self, spans: &[Span], service: &str, t: i64) -> u32 {
        spans
            .iter()
            .zip(&self.splits)
            .filter(|(span, split)| {
                let (start, end) = truth(span);
                span.service == service
                    && span.kind == SpanKind::Server
                    && start + split.queued_ns <= t
                    && t < end
            })
            .count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simulate(name: &str, seed: u64) -> Vec<Span> {
        let scenario = crate::builtins::load(name).expect("built-in");
        crate::Simulation::new(&scenario).expect("compiles").simulate_one(seed).expect("runs").spans
    }

    #[test]
    fn try_it_hops_go_out_and_back_along_the_call_chain() {
        let spans = simulate("try-it", 1);
        let replay = Replay::new(&spans);
        let legs: Vec<(&str, &str, Leg)> =
            replay.hops.iter().map(|hop| (hop.from(&spans), hop.to(&spans), hop.leg)).collect();
        assert!(legs.contains(&("gateway", "auth", Leg::Request)));
        assert!(legs.contains(&("database", "orders", Leg::Response)));
        assert_eq!(replay.hops.len(), 6, "three calls, out and back");
        for hop in &replay.hops {
            assert!(hop.start_ns <= hop.end_ns);
            if hop.leg == Leg::Request {
                assert!(hop.traceparent(&spans).is_some_and(|header| header.starts_with("00-")));
            }
        }
        // At the very start only the gateway runs; at the end everything is done.
        let root = spans.iter().position(|span| span.parent_span_id.is_none()).expect("root");
        assert_eq!(Replay::phase(&spans[root], replay.start_ns), Phase::Running(0));
        assert!(spans.iter().all(|span| Replay::phase(span, replay.end_ns) == Phase::Done));
        assert!(replay.in_flight(replay.end_ns).is_empty());
    }

    #[test]
    fn waiting_and_working_add_up_and_pools_show_queueing() {
        let spans = simulate("db-pool", 1);
        let replay = Replay::new(&spans);
        for (span, split) in spans.iter().zip(&replay.splits) {
            let truth = span.truth.expect("truth");
            assert_eq!(
                split.queued_ns + split.waiting_ns + split.working_ns,
                truth.end_ns - truth.start_ns,
                "{}",
                span.name
            );
        }
        let queued = spans
            .iter()
            .zip(&replay.splits)
            .filter(|(span, split)| span.service == "database" && split.queued_ns > 0)
            .count();
        assert_eq!(queued, 6);
        let middle = replay.time_at(0.3);
        assert!(replay.busy(&spans, "database", middle) <= 2, "the pool holds two connections");
        let reports = spans
            .iter()
            .position(|span| span.service == "reports" && span.kind == SpanKind::Server)
            .expect("reports");
        assert!(
            replay.splits[reports].waiting_ns > replay.splits[reports].working_ns,
            "reports mostly waits on its queries"
        );
    }

    #[test]
    fn async_messages_wait_in_the_queue_and_untraced_calls_are_one_hop() {
        let spans = simulate("async-queue", 3);
        let replay = Replay::new(&spans);
        let message = replay.hops.iter().find(|hop| hop.leg == Leg::Message).expect("message hop");
        assert_eq!((message.from(&spans), message.to(&spans)), ("checkout", "fulfillment"));
        assert!(message.end_ns - message.start_ns > 1_000_000_000);
        let spans = simulate("payment-gateway", 1);
        let replay = Replay::new(&spans);
        let untraced = replay.hops.iter().find(|hop| hop.leg == Leg::Untraced).expect("untraced hop");
        assert_eq!((untraced.from(&spans), untraced.to(&spans)), ("webhook-sender", "merchant-endpoint"));
    }
}
