//! The top component: the "Try it" page. It wires state to components and side effects (URL,
//! files, downloads, performance marks); the components only render.

use std::rc::Rc;

use gloo::timers::callback::Timeout;

use reqflow_core::analysis::{SkewLimit, TimeBasis};
use reqflow_core::builtins;
use reqflow_core::formats::{self, Format};
use reqflow_core::waterfall::format_duration;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::details::Details;
use crate::components::diagram::Diagram;
use crate::components::knobs::KnobsPanel;
use crate::components::minimap::Minimap;
use crate::components::waterfall::Waterfall;
use crate::io;
use crate::state::PALETTE;
use crate::state::{Action, Source, State};
use crate::timing::mark;
use reqflow_core::view::TraceView;

/// How many services the legend names (more would crowd the page; the rest are counted).
const LEGEND_MAX: usize = 24;

/// When the worker starts and warms up: after the first paint, before a person has had time to
/// pick a file.
const WARM_UP_AFTER_MS: u32 = 300;

/// The warm-up trace: 60 requests of the default scenario (≈ 300 spans).
fn warm_up_spans() -> Vec<reqflow_core::Span> {
    let Some(scenario) = builtins::load(builtins::DEFAULT) else { return Vec::new() };
    let Ok(simulation) = reqflow_core::Simulation::new(&scenario) else { return Vec::new() };
    (1..=60).filter_map(|seed| simulation.simulate_one(seed).ok()).flat_map(|trace| trace.spans).collect()
}

/// Replay clock period: 25 frames a second is smooth and leaves the main thread free.
const TICK_MS: u32 = 40;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| State::from_hash(&io::location_hash()));
    let readers = use_mut_ref(Vec::<io::Reading>::new);
    let copied = use_state(|| false);

    // The address bar is always a share link for what is on screen (simulated traces).
    {
        let hash = (!state.is_imported()).then(|| state.share_link().to_hash());
        use_effect_with(hash, |hash| {
            if let Some(hash) = hash {
                io::replace_hash(hash);
            }
        });
    }
    // A performance mark each time a new trace reaches the screen (benchmarks read these).
    {
        let key = Rc::as_ptr(&state.trace) as usize;
        use_effect_with(key, |_| {
            mark("reqflow:trace-painted");
            crate::timing::measure_since("render", "reqflow:analyzed");
        });
    }

    // Once the page is up and idle, start the worker that imports files and let it run its
    // reader on a small trace, so that the first real import does not pay for compiling it; the
    // analysis of an imported trace, here, runs once on the same trace.
    use_effect_with((), |_| {
        let warm_up = Timeout::new(WARM_UP_AFTER_MS, || {
            crate::timing::measure("warm-up", || {
                let spans = warm_up_spans();
                io::start_worker(&spans);
                TraceView::new(spans, TimeBasis::Adjusted, None).spans.len()
            });
        });
        move || drop(warm_up)
    });

    // The replay clock: ticks while playing. With reduced motion it steps from moment to moment
    // instead of animating.
    {
        let playing = state.replay.is_some_and(|replay| replay.playing);
        let state = state.clone();
        use_effect_with(playing, move |playing| {
            let interval = playing.then(|| {
                if io::prefers_reduced_motion() {
                    gloo::timers::callback::Interval::new(700, move || state.dispatch(Action::StepForward))
                } else {
                    gloo::timers::callback::Interval::new(TICK_MS, move || {
                        state.dispatch(Action::Tick(f64::from(TICK_MS) / 1000.0))
                    })
                }
            });
            move || drop(interval)
        });
    }

    let import_file = {
        let state = state.clone();
        let readers = readers.clone();
        Callback::from(move |file: web_sys::File| {
            // Refused from its size alone, before a byte is read; the trace on screen stays.
            if let Err(error) = formats::limits::check_file_size(&file.name(), file.size() as u64) {
                state.dispatch(Action::Fail(error.to_string()));
                return;
            }
            mark("reqflow:import-start");
            // Shown while the browser reads the file (the page stays responsive until then).
            state.dispatch(Action::Opening(file.name(), file.size(), 0.0));
            let (progress, state) = (state.clone(), state.clone());
            let (name, size) = (file.name(), file.size());
            let reader = io::read_file(
                file,
                move |read| progress.dispatch(Action::Opening(name.clone(), size, read)),
                move |result| match result {
                    Ok((name, imported)) => state.dispatch(Action::Import(name, Ok(imported))),
                    Err(error) => state.dispatch(Action::Import(String::new(), Err(error))),
                },
            );
            let mut readers = readers.borrow_mut();
            readers.clear();
            readers.push(reader);
        })
    };
    let on_pick_file = {
        let import_file = import_file.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                import_file.emit(file);
            }
            input.set_value("");
        })
    };
    let on_drag_over = Callback::from(|event: DragEvent| event.prevent_default());
    let on_drop = {
        let import_file = import_file.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if let Some(file) =
                event.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0))
            {
                import_file.emit(file);
            }
        })
    };
    let on_export = |format: Format| {
        let state = state.clone();
        Callback::from(move |_| {
            let name = match &state.source {
                Source::Simulated { .. } => {
                    format!("reqflow-{}-seed{}-{}.json", state.base.name, state.seed, format.as_str())
                }
                Source::Imported { .. } => format!("reqflow-trace-{}.json", format.as_str()),
            };
            let (trace, state) = (state.trace.clone(), state.clone());
            io::export(&trace.spans, format, move |text| {
                if let Err(error) = text.and_then(|text| io::download(&name, "application/json", &text)) {
                    state.dispatch(Action::Fail(format!("Download failed: {error}")));
                }
            });
        })
    };
    let on_copy_link = {
        let copied = copied.clone();
        Callback::from(move |_| copied.set(io::copy_location()))
    };
    let on_send = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::SendRequest))
    };
    let on_pick_scenario = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            state.dispatch(Action::SelectScenario(select.value()));
        })
    };
    let on_seed = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            match input.value().trim().parse::<u64>() {
                Ok(seed) => state.dispatch(Action::SetSeed(seed)),
                Err(_) => input.set_value(&state.seed.to_string()),
            }
        })
    };
    let on_search = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            state.dispatch(Action::Search(input.value()));
        })
    };
    let on_basis = |basis: TimeBasis| {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::SetBasis(basis)))
    };
    let on_dismiss = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::DismissMessages))
    };
    let on_skew_limit = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            let limit = select.value().parse().ok().and_then(SkewLimit::from_ms).unwrap_or(SkewLimit::NONE);
            state.dispatch(Action::SetSkewLimit(limit));
        })
    };

    let trace = &state.trace;
    let title = match &state.source {
        Source::Imported { file, .. } => file.clone(),
        Source::Simulated { .. } if state.base.name == builtins::DEFAULT => "Try it".to_owned(),
        Source::Simulated { .. } => state.base.name.clone(),
    };
    let lede = match &state.source {
        Source::Imported { format, warnings, .. } => format!(
            "Imported {format}: {} spans{}",
            group_digits(trace.spans.len()),
            if warnings.is_empty() {
                String::new()
            } else {
                format!(", {} notes from the import", warnings.len())
            }
        ),
        Source::Simulated { .. } => {
            "Trace one request across services. The waterfall shows where time goes.".to_owned()
        }
    };
    let trace_id =
        trace.order.first().map(|&idx| trace.spans[idx as usize].trace_id.to_string()).unwrap_or_default();
    let n_matches =
        if state.search.trim().is_empty() { None } else { Some(trace.search(&state.search).len()) };
    let skew_count = trace.analysis.skew.n_shifted();
    let not_adjusted = trace.analysis.skew.n_not_applied();
    let skew_limit = trace.skew_limit;
    let limit_ms = skew_limit.max_adjust_ns.map(|ns| (ns / 1_000_000).to_string()).unwrap_or_default();
    let legend = trace.services.iter().enumerate().take(LEGEND_MAX).map(|(idx, name)| {
        html! { <li><span class="dot" style={format!("background:{}", PALETTE[idx % PALETTE.len()])}></span>{ name }</li> }
    });
    let import_notes = match &state.source {
        Source::Imported { warnings, .. } if !warnings.is_empty() => Some(html! {
            <details class="import-notes">
                <summary>{ format!("{} notes from the import", warnings.len()) }</summary>
                <ul>{ for warnings.iter().take(200).map(|warning| html! { <li>{ warning }</li> }) }</ul>
            </details>
        }),
        _ => None,
    };

    html! {
        <div class="page" ondragover={on_drag_over} ondrop={on_drop}>
            <header class="topbar">
                <span class="logo">{ "Reqflow" }</span>
                <span class="tagline">{ "distributed tracing, simulated" }</span>
                <span class="spacer"></span>
                <label class="button file-button">
                    { "Open trace…" }
                    <input type="file" accept=".json,application/json" onchange={on_pick_file}
                           aria-label="Open a Jaeger, OTLP or Zipkin JSON file" />
                </label>
                <div class="export" role="group" aria-label="Download the trace">
                    <span class="muted">{ "Download" }</span>
                    <button onclick={on_export(Format::Otlp)} aria-label="Download as OTLP JSON">{ "OTLP" }</button>
                    <button onclick={on_export(Format::Jaeger)} aria-label="Download as Jaeger JSON">{ "Jaeger" }</button>
                    <button onclick={on_export(Format::Zipkin)} aria-label="Download as Zipkin JSON">{ "Zipkin" }</button>
                </div>
                if !state.is_imported() {
                    <button onclick={on_copy_link} aria-label="Copy a link to this trace">
                        { if *copied { "Link copied" } else { "Copy link" } }
                    </button>
                }
            </header>
            <main>
                <section class="hero">
                    <div class="hero-text">
                        <h1>{ title }</h1>
                        <p class="lede">{ lede }</p>
                        if !state.is_imported() {
                            <p class="lesson">{ &state.base.lesson }</p>
                        }
                    </div>
                    <div class="controls">
                        <button class="primary" onclick={on_send}>{ "Send request" }</button>
                        <label class="meta">{ "Scenario " }
                            <select class="scenario-picker" aria-label="Scenario" onchange={on_pick_scenario}>
                                if state.is_imported() {
                                    <option value="" selected=true disabled=true>{ "(imported file)" }</option>
                                }
                                { for builtins::names().map(|name| html! {
                                    <option value={name} selected={!state.is_imported() && name == state.base.name}>{ name }</option>
                                }) }
                            </select>
                        </label>
                        <label class="meta">{ "Seed " }
                            <input class="seed-input" type="text" inputmode="numeric" aria-label="Seed"
                                   value={state.seed.to_string()} onchange={on_seed} size="8" />
                        </label>
                        if let Source::Simulated { fingerprint, .. } = &state.source {
                            <span class="meta" title="Same scenario + seed + knobs = same fingerprint, here and in `reqflow run`">
                                { "Fingerprint " }<code class="fingerprint">{ fingerprint }</code>
                            </span>
                        }
                        <code class="seed" hidden=true>{ state.seed }</code>
                    </div>
                </section>
                if let Some(notice) = &state.notice {
                    <p class="notice" role="status">{ notice }<button class="link" onclick={on_dismiss.clone()}>{ "Dismiss" }</button></p>
                }
                if let Some(opening) = &state.opening {
                    <p class="notice opening" role="status">{ format!("Opening {opening}…") }</p>
                }
                if let Some(error) = &state.error {
                    <p class="error-box" role="alert">{ error }<button class="link" onclick={on_dismiss}>{ "Dismiss" }</button></p>
                }
                <section class="insight" aria-label="What the trace says">
                    <p class="bottleneck"><span class="insight-label">{ "Bottleneck" }</span>{ with_code(&trace.bottleneck()) }</p>
                    { for trace.fragments.iter().map(|sentence| html! {
                        <p class="fragment-note"><span class="insight-label warn">{ "Broken trace" }</span>{ sentence }</p>
                    }) }
                    if skew_count > 0 || not_adjusted > 0 || skew_limit != SkewLimit::NONE {
                        <p class="skew-note"><span class="insight-label warn">{ "Clock skew" }</span>
                            { format!("{} span(s) do not fit their parent on another host's clock. ", skew_count + not_adjusted) }
                            if not_adjusted > 0 {
                                { match skew_limit.max_adjust_ns {
                                    Some(0) => format!("Adjustment is off, so {not_adjusted} keep their raw times. "),
                                    Some(max) => format!("{not_adjusted} would need a shift larger than the maximum adjustment of {}, so they keep their raw times. ", format_duration(max)),
                                    None => String::new(),
                                } }
                            }
                            { if state.basis == TimeBasis::Adjusted { "Showing adjusted times; switch to Raw to see what the hosts recorded. " } else { "Showing raw times as the hosts recorded them; switch to Adjusted to see the correction. " } }
                            <label class="skew-limit">{ "Max adjustment " }
                                <select aria-label="Maximum clock-skew adjustment" onchange={on_skew_limit}>
                                    { for [("", "none"), ("1000", "1 s"), ("100", "100 ms"), ("10", "10 ms"), ("1", "1 ms"), ("0", "off")].into_iter().map(|(value, label)| html! {
                                        <option value={value} selected={value == limit_ms}>{ label }</option>
                                    }) }
                                </select>
                            </label>
                        </p>
                    }
                </section>
                { import_notes.unwrap_or_default() }
                <dl class="summary">
                    <div><dt>{ "Total" }</dt><dd class="total">{ trace.total_label() }</dd></div>
                    <div><dt>{ "Spans" }</dt><dd class="span-count" data-count={trace.spans.len().to_string()}>{ group_digits(trace.spans.len()) }</dd></div>
                    <div><dt>{ "Services" }</dt><dd>{ trace.n_services }</dd></div>
                    <div><dt>{ "Traces" }</dt><dd class="trace-count">{ trace.n_traces }</dd></div>
                    <div class="wide"><dt>{ "Trace id" }</dt><dd><code>{ trace_id }</code></dd></div>
                    if let Source::Simulated { total_ns, failed, .. } = &state.source {
                        if *failed {
                            <div><dt>{ "Result" }</dt><dd class="status-error">{ "failed" }</dd></div>
                        }
                        if (*total_ns - trace.duration_ns()).abs() > 1_000_000 && trace.n_traces == 1 {
                            <div><dt>{ "True end-to-end" }</dt><dd>{ format_duration(*total_ns) }</dd></div>
                        }
                    }
                </dl>
                <div class="workspace">
                    <div class="main-col">
                        <div class="toolbar">
                            <input class="search" type="search" placeholder="Search spans (service, name, attribute)"
                                   aria-label="Search spans" value={state.search.clone()} oninput={on_search} />
                            if let Some(n) = n_matches {
                                <span class="match-count" role="status">{ format!("{n} match{}", if n == 1 { "" } else { "es" }) }</span>
                            }
                            <div class="segmented" role="radiogroup" aria-label="Timestamps">
                                <button role="radio" aria-checked={(state.basis == TimeBasis::Raw).to_string()}
                                        class={classes!((state.basis == TimeBasis::Raw).then_some("on"))}
                                        onclick={on_basis(TimeBasis::Raw)}>{ "Raw" }</button>
                                <button role="radio" aria-checked={(state.basis == TimeBasis::Adjusted).to_string()}
                                        class={classes!((state.basis == TimeBasis::Adjusted).then_some("on"))}
                                        onclick={on_basis(TimeBasis::Adjusted)}>{ "Adjusted" }</button>
                            </div>
                            <span class="legend-crit"><span class="crit-sample"></span>{ "critical path" }</span>
                        </div>
                        <ul class="legend" aria-label="Services">
                            { for legend }
                            if trace.services.len() > LEGEND_MAX {
                                <li class="more">{ format!("+{} more services", trace.services.len() - LEGEND_MAX) }</li>
                            }
                        </ul>
                        <Diagram state={state.clone()} />
                        <Minimap state={state.clone()} />
                        <Waterfall state={state.clone()} />
                    </div>
                    <div class="side-col">
                        <Details state={state.clone()} />
                        if !state.is_imported() {
                            <KnobsPanel state={state.clone()} />
                        }
                    </div>
                </div>
            </main>
            <footer class="footer">
                { "Reqflow simulates traces deterministically: same scenario, seed and knobs give the same trace here and in " }
                <code>{ "reqflow run" }</code>{ ". Drop a Jaeger, OTLP or Zipkin JSON file anywhere to view it." }
            </footer>
        </div>
    }
}

/// Text with `backticked` parts shown as code (as text: never parsed as markup).
fn with_code(sentence: &str) -> Html {
    sentence
        .split('`')
        .enumerate()
        .map(|(idx, part)| {
            if idx % 2 == 1 {
                html! { <code>{ part.to_owned() }</code> }
            } else {
                html! { { part.to_owned() } }
            }
        })
        .collect()
}

/// `100215` as `100,215`: counts of a big trace are read at a glance.
fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, digit) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        let cases = [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (100_215, "100,215"),
            (1_234_567, "1,234,567"),
        ];
        for (n, expected) in cases {
            assert_eq!(group_digits(n), expected);
        }
    }
}
