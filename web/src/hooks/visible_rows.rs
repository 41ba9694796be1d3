//! The waterfall's rows: the spans not hidden in a collapsed subtree, in tree order.

use std::collections::BTreeSet;
use std::rc::Rc;

use reqflow_core::view::TraceView;
use yew::prelude::*;

/// The visible rows, recomputed only when the trace or the collapsed set changes.
#[hook]
pub fn use_visible_rows(trace: &Rc<TraceView>, collapsed: &Rc<BTreeSet<u32>>) -> Rc<Vec<u32>> {
    let key = (Rc::as_ptr(trace) as usize, Rc::as_ptr(collapsed) as usize);
    use_memo(key, |_| trace.visible_rows(collapsed))
}
