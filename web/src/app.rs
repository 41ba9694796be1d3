//! The top component: the "Try it" page. It wires the model (`state.rs`) to the components, which
//! get what they show and `on_*` callbacks, and runs the side effects through `hooks/`.

use std::collections::BTreeSet;
use std::rc::Rc;

use reqflow_core::view::graph::ServiceGraph;
use reqflow_core::view::knobs::knob_cards;
use reqflow_core::view::{Model, page};
use reqflow_formats::Format;
use yew::prelude::*;

use crate::components::details::Details;
use crate::components::diagram::Diagram;
use crate::components::hero::Hero;
use crate::components::import_notes::ImportNotes;
use crate::components::insight::Insight;
use crate::components::knobs::KnobsPanel;
use crate::components::legend::Legend;
use crate::components::messages::Messages;
use crate::components::minimap::Minimap;
use crate::components::summary::TraceSummary;
use crate::components::toolbar::Toolbar;
use crate::components::top_bar::TopBar;
use crate::components::waterfall::Waterfall;
use crate::components::{Shared, emit_some};
use crate::hooks::use_open_interview;
use crate::hooks::{
    Actions, use_actions, use_copy_link, use_download, use_file_import, use_paint_mark, use_replay_clock,
    use_share_hash, use_visible_rows, use_worker_warm_up,
};
use crate::io;
use crate::state::{Source, State};

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| State::from_hash(&io::location_hash()));
    let actions = use_actions(state.dispatcher());
    use_share_hash((!state.is_imported()).then(|| state.share_link().to_hash()));
    use_paint_mark(&state.trace);
    use_worker_warm_up();
    let playing = state.replay.is_some_and(|replay| replay.playing);
    use_replay_clock(playing, actions.tick.clone(), actions.step_forward.clone());
    let on_open = use_file_import(state.dispatcher());
    let file_names = Format::ALL.map(|format| page::download_file_name(&state, format.as_str()));
    let on_download = use_download(&state.trace, file_names, actions.fail.clone());
    let (copied, on_copy_link) = use_copy_link();
    let derived = use_derived(&state);
    let on_interview = use_open_interview(state.seed);
    let on_drop = emit_some(&on_open, |event: DragEvent| {
        event.prevent_default();
        event.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0))
    });
    html! {
        <div class="page" ondragover={|event: DragEvent| event.prevent_default()} ondrop={on_drop}>
            <TopBar imported={state.is_imported()} {copied} {on_open} {on_download} {on_copy_link}
                    {on_interview} />
            <main>
                { overview(&state, &actions) }
                <div class="workspace">
                    { main_column(&state, &actions, &derived) }
                    { side_column(&state, &actions) }
                </div>
            </main>
            <footer class="footer">
                { "Reqflow simulates traces deterministically: same scenario, seed and knobs give the same trace here and in " }
                <code>{ "reqflow run" }</code>{ ". Drop a Jaeger, OTLP or Zipkin JSON file anywhere to view it." }
            </footer>
        </div>
    }
}

/// What the components share and compute once per trace (or per search, per collapse).
struct Derived {
    rows: Rc<Vec<u32>>,
    matches: Rc<BTreeSet<u32>>,
    graph: Rc<ServiceGraph>,
}

#[hook]
fn use_derived(model: &Model) -> Derived {
    let rows = use_visible_rows(&model.trace, &model.collapsed);
    let matches =
        use_memo((Shared::new(&model.trace), model.search.clone()), |(trace, search)| trace.search(search));
    // Once per trace (every knob change makes a new one), not on every selection or replay tick.
    let graph = use_memo(Shared::new(&model.trace), |trace| {
        if model.is_imported() {
            ServiceGraph::of_trace(trace)
        } else {
            ServiceGraph::of_scenario(&model.scenario())
        }
    });
    Derived { rows, matches, graph }
}

/// Above the workspace: the heading, messages, what the trace says, import notes, the summary.
fn overview(model: &Model, actions: &Actions) -> Html {
    let trace = &model.trace;
    let import_notes = match &model.source {
        Source::Imported { warnings, .. } if !warnings.is_empty() => Some(warnings),
        _ => None,
    };
    html! {
        <>
            <Hero title={page::title(model)} lede={page::lede(model)} lesson={page::lesson(model).map(str::to_owned)}
                  scenario={(!model.is_imported()).then(|| model.base.name.clone())} seed={model.seed}
                  fingerprint={page::fingerprint(model).map(str::to_owned)} on_send={actions.send_request.clone()}
                  on_scenario={actions.select_scenario.clone()} on_seed={actions.set_seed.clone()} />
            <Messages notice={model.notice.clone()} opening={model.opening.as_deref().map(page::opening_message)}
                      error={model.error.clone()} on_dismiss={actions.dismiss_messages.clone()} />
            <Insight bottleneck={trace.bottleneck()} fragments={trace.fragments.clone()}
                     skew_note={page::skew_note(trace, model.basis)} skew_limit={page::skew_limit_choice(trace.skew_limit)}
                     on_skew_limit={actions.set_skew_limit.clone()} />
            if let Some(warnings) = import_notes {
                <ImportNotes label={page::import_notes_label(warnings.len())}
                             notes={warnings.iter().take(page::IMPORT_NOTES_MAX).cloned().collect::<Vec<_>>()} />
            }
            <TraceSummary summary={page::summary(model)} />
        </>
    }
}

/// The trace: search and timestamps, the legend, the service diagram, the minimap, the waterfall.
fn main_column(model: &Model, actions: &Actions, derived: &Derived) -> Html {
    let trace = &model.trace;
    let match_count = (!model.search.trim().is_empty()).then(|| page::match_count(derived.matches.len()));
    let legend: Vec<String> = trace.services.iter().take(page::LEGEND_MAX).cloned().collect();
    let (trace, rows) = (Shared::new(trace), Shared::new(&derived.rows));
    html! {
        <div class="main-col">
            <Toolbar search={model.search.clone()} {match_count} basis={model.basis}
                     on_search={actions.search.clone()} on_basis={actions.set_basis.clone()} />
            <Legend services={legend} more={page::legend_more(model.trace.services.len())} />
            <Diagram graph={Shared::new(&derived.graph)} trace={trace.clone()} replay={model.replay} speed={model.speed}
                     on_play={actions.play.clone()} on_step={actions.step_forward.clone()} on_stop={actions.stop_replay.clone()}
                     on_seek={actions.seek.clone()} on_speed={actions.set_speed.clone()} />
            <Minimap trace={trace.clone()} rows={rows.clone()} zoom={model.zoom} on_zoom={actions.zoom.clone()} />
            <Waterfall {trace} {rows} matches={Shared::new(&derived.matches)} collapsed={Shared::new(&model.collapsed)}
                       selected={model.selected} zoom={model.zoom} replay_now={model.replay.map(|replay| replay.now_ns)}
                       on_select={actions.select.clone()} on_open_details={actions.open_details.clone()}
                       on_toggle={actions.toggle_collapse.clone()} on_expand={actions.set_expanded.clone()} />
        </div>
    }
}

/// Beside the trace: the selected span's details, and the knobs of a simulated trace.
fn side_column(model: &Model, actions: &Actions) -> Html {
    html! {
        <div class="side-col">
            { details(model, actions) }
            if !model.is_imported() {
                <KnobsPanel cards={Rc::new(knob_cards(model))} changed={!model.knobs.is_empty()}
                            on_set_knobs={actions.set_knobs.clone()} on_reset={actions.reset_knobs.clone()} />
            }
        </div>
    }
}

/// The selected span's details, while they are open.
fn details(model: &Model, actions: &Actions) -> Html {
    let Some(span_idx) = model.selected.filter(|_| model.details_open) else { return Html::default() };
    let scenario = (!model.is_imported()).then(|| model.scenario());
    let service = scenario
        .as_ref()
        .and_then(|scenario| scenario.service(&model.trace.spans[span_idx as usize].service));
    html! {
        <Details trace={Shared::new(&model.trace)} {span_idx} clock={service.map(|service| service.clock.clone())}
                 pool={service.map(|service| service.concurrency).filter(|&limit| limit > 0)}
                 replay_now={model.replay.map(|replay| replay.now_ns)} on_close={actions.close_details.clone()} />
    }
}
