//! The compiled scenario: services and operations as the engine reads them (numbered, latency
//! tables built, attributes prepared), built once from a validated [`Scenario`], and the checks
//! and counts made on the compiled call graph.

use std::collections::BTreeMap;

use super::SimError;
use super::attributes::{client_attributes, server_attributes};
use crate::ids::hash_str;
use crate::latency::{Latency, Sampler, ms_to_ns};
use crate::scenario::{Call, OnError, Operation, Protocol, Scenario, Service, Step};
use crate::text::Text;
use crate::trace::KeyValue;

pub(super) struct CompiledService {
    pub(super) name: Text,
    pub(super) host: Text,
    pub(super) instrumented: bool,
    pub(super) propagates: bool,
    pub(super) offset_ns: i64,
    pub(super) drift_ppb: i64,
    pub(super) concurrency: u32,
    pub(super) protocol: Protocol,
    /// The service's random stream (a hash of its name), see `derivation::stream_rng`.
    pub(super) stream: u64,
}

pub(super) struct CompiledOp {
    pub(super) service: u32,
    pub(super) name: Text,
    pub(super) latency: Sampler,
    pub(super) error_rate: f64,
    pub(super) error_type: Option<Text>,
    pub(super) server_attributes: Vec<KeyValue>,
    /// What a client span calling this operation carries before the response.
    pub(super) client_attributes: Vec<KeyValue>,
    pub(super) steps: Vec<CompiledStep>,
}

pub(super) enum CompiledStep {
    Work {
        name: Option<Text>,
        latency: Sampler,
    },
    /// Call, Parallel and Repeat: `calls` run with at most `max_parallel` in flight.
    Calls {
        calls: Vec<CompiledCall>,
        max_parallel: u32,
    },
    Publish(CompiledPublish),
}

pub(super) struct CompiledCall {
    pub(super) target: u32,
    pub(super) network: Option<Sampler>,
    pub(super) timeout_ns: Option<i64>,
    pub(super) retries: u32,
    pub(super) backoff_ns: i64,
    pub(super) on_error: OnError,
}

pub(super) struct CompiledPublish {
    pub(super) queue: Text,
    pub(super) system: Text,
    pub(super) consumer: u32,
    pub(super) queue_delay: Sampler,
    pub(super) carry_context: bool,
}

/// Operations by (service, operation) name. Operations are numbered in scenario order, service
/// by service, which is also their order in the compiled list.
pub(super) struct OpIndex<'s> {
    by_name: BTreeMap<(&'s str, &'s str), u32>,
}

impl<'s> OpIndex<'s> {
    pub(super) fn new(scenario: &'s Scenario) -> OpIndex<'s> {
        let mut by_name = BTreeMap::new();
        for service in &scenario.services {
            for operation in &service.operations {
                by_name.insert((service.name.as_str(), operation.name.as_str()), by_name.len() as u32);
            }
        }
        OpIndex { by_name }
    }

    /// The number of an operation; the scenario was validated, so it exists.
    pub(super) fn find(&self, service: &str, operation: &str) -> u32 {
        self.by_name[&(service, operation)]
    }
}

pub(super) fn compile_services(scenario: &Scenario) -> Vec<CompiledService> {
    scenario
        .services
        .iter()
        .map(|service| CompiledService {
            name: Text::new(&service.name),
            host: Text::from(service.host_name()),
            instrumented: service.instrumented,
            propagates: service.propagates,
            offset_ns: ms_to_ns(service.clock.offset_ms),
            drift_ppb: libm::round(service.clock.drift_ppm * 1000.0) as i64,
            concurrency: service.concurrency,
            protocol: service.protocol,
            stream: hash_str(&service.name),
        })
        .collect()
}

/// Every operation of the scenario, numbered as `index` numbers them.
pub(super) fn compile_ops(scenario: &Scenario, index: &OpIndex) -> Vec<CompiledOp> {
    let mut ops = Vec::new();
    for (service_idx, service) in scenario.services.iter().enumerate() {
        for operation in &service.operations {
            ops.push(compile_op(service_idx as u32, service, operation, index));
        }
    }
    ops
}

fn compile_op(service_idx: u32, service: &Service, operation: &Operation, index: &OpIndex) -> CompiledOp {
    let steps = operation.steps.iter().map(|step| compile_step(step, index)).collect();
    let server_attributes = server_attributes(service, operation);
    let client_attributes = client_attributes(service, operation, &server_attributes);
    CompiledOp {
        service: service_idx,
        name: Text::new(&operation.name),
        latency: operation.latency.compile(),
        error_rate: operation.error_rate,
        error_type: operation.error_type.as_deref().map(Text::new),
        server_attributes,
        client_attributes,
        steps,
    }
}

fn compile_step(step: &Step, index: &OpIndex) -> CompiledStep {
    match step {
        Step::Work(work) => {
            CompiledStep::Work { name: work.name.as_deref().map(Text::new), latency: work.latency.compile() }
        }
        Step::Call(call) => CompiledStep::Calls { calls: vec![compile_call(call, index)], max_parallel: 1 },
        Step::Parallel(parallel) => CompiledStep::Calls {
            calls: parallel.calls.iter().map(|call| compile_call(call, index)).collect(),
            max_parallel: parallel.max_parallel,
        },
        Step::Repeat(repeat) => CompiledStep::Calls {
            calls: (0..repeat.count).map(|_| compile_call(&repeat.call, index)).collect(),
            max_parallel: 1,
        },
        Step::Publish(publish) => CompiledStep::Publish(CompiledPublish {
            queue: Text::new(&publish.queue),
            system: Text::new(&publish.system),
            consumer: index.find(&publish.consumer.service, &publish.consumer.operation),
            queue_delay: publish.queue_delay.compile(),
            carry_context: publish.carry_context,
        }),
    }
}

fn compile_call(call: &Call, index: &OpIndex) -> CompiledCall {
    CompiledCall {
        target: index.find(&call.service, &call.operation),
        network: call.network.as_ref().map(Latency::compile),
        timeout_ns: call.timeout_ms.map(ms_to_ns),
        retries: call.retries,
        backoff_ns: ms_to_ns(call.backoff_ms),
        on_error: call.on_error,
    }
}

/// Spans one invocation of `op` records when nothing fails or retries: its server span, its
/// named work, and for each call or publish a client or producer span plus the target's
/// spans. Memoised per operation (the scenario is a DAG no deeper than the call-depth limit).
pub(super) fn nominal_spans(ops: &[CompiledOp], op: u32, memo: &mut [Option<u64>]) -> u64 {
    if let Some(count) = memo[op as usize] {
        return count;
    }
    let mut count = 1u64;
    for step in &ops[op as usize].steps {
        count = count.saturating_add(match step {
            CompiledStep::Work { name, .. } => u64::from(name.is_some()),
            CompiledStep::Calls { calls, .. } => calls
                .iter()
                .map(|call| 1u64.saturating_add(nominal_spans(ops, call.target, memo)))
                .fold(0u64, u64::saturating_add),
            CompiledStep::Publish(publish) => 1u64.saturating_add(nominal_spans(ops, publish.consumer, memo)),
        });
    }
    memo[op as usize] = Some(count);
    count
}

/// The longest chain of nested calls must stay within `max_call_depth` (the scenario is a DAG,
/// validated by [`Scenario::validate`]).
pub(super) fn check_depth(
    services: &[CompiledService],
    ops: &[CompiledOp],
    max_call_depth: u32,
) -> Result<(), SimError> {
    let targets_of: Vec<Vec<u32>> = (0..ops.len() as u32).map(|op| targets(ops, op)).collect();
    let depth = call_depths(&targets_of);
    let deepest = (0..ops.len()).max_by_key(|&op| depth[op]).unwrap_or(0);
    if depth[deepest] > max_call_depth {
        let op_label = |op: u32| {
            let op = &ops[op as usize];
            format!("{}/{}", services[op.service as usize].name, op.name)
        };
        let mut path = vec![op_label(deepest as u32)];
        let mut op = deepest as u32;
        while let Some(&next) = targets_of[op as usize].iter().max_by_key(|&&target| depth[target as usize]) {
            path.push(op_label(next));
            op = next;
        }
        return Err(SimError::TooDeep {
            depth: depth[deepest],
            limit: max_call_depth,
            path: path.join(" → "),
        });
    }
    Ok(())
}

/// `depth[op]` = 1 + the largest depth of its targets (a leaf is 1); an iterative post-order.
fn call_depths(targets_of: &[Vec<u32>]) -> Vec<u32> {
    let mut depth: Vec<u32> = vec![0; targets_of.len()];
    let mut next_of: Vec<u32> = vec![0; targets_of.len()];
    for root in 0..targets_of.len() {
        if depth[root] != 0 {
            continue;
        }
        let mut stack = vec![root];
        while let Some(&op) = stack.last() {
            let targets = &targets_of[op];
            if (next_of[op] as usize) < targets.len() {
                let target = targets[next_of[op] as usize] as usize;
                next_of[op] += 1;
                if depth[target] == 0 {
                    stack.push(target);
                }
            } else {
                depth[op] = 1 + targets.iter().map(|&target| depth[target as usize]).max().unwrap_or(0);
                stack.pop();
            }
        }
    }
    depth
}

/// The operations `op` calls or publishes to, sorted, each once.
fn targets(ops: &[CompiledOp], op: u32) -> Vec<u32> {
    let mut targets = Vec::new();
    for step in &ops[op as usize].steps {
        match step {
            CompiledStep::Work { .. } => {}
            CompiledStep::Calls { calls, .. } => targets.extend(calls.iter().map(|call| call.target)),
            CompiledStep::Publish(publish) => targets.push(publish.consumer),
        }
    }
    targets.sort_unstable();
    targets.dedup();
    targets
}
