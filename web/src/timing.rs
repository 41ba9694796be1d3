//! Performance measures for the benchmarks: `measure("analyze", || ...)` records how long the
//! closure took as a `reqflow:analyze` entry in the browser's performance timeline, which
//! `tests/e2e/bench-big-trace.mjs` reads to say where the time went. Each name keeps only its
//! latest entry, so a long session does not fill the timeline. Natively (unit tests) it only runs
//! the closure.

/// Runs `work`, recording its duration as the performance measure `reqflow:{name}`.
pub fn measure<T>(name: &str, work: impl FnOnce() -> T) -> T {
    #[cfg(target_arch = "wasm32")]
    {
        let performance = web_sys::window().and_then(|window| window.performance());
        let measure = format!("reqflow:{name}");
        let start = format!("{measure}:start");
        if let Some(performance) = &performance {
            performance.mark(&start).ok();
        }
        let result = work();
        if let Some(performance) = &performance {
            performance.clear_measures_with_measure_name(&measure);
            performance.measure_with_start_mark(&measure, &start).ok();
            performance.clear_marks_with_mark_name(&start);
        }
        result
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = name;
        work()
    }
}

/// Records the time since the mark `start` as the performance measure `reqflow:{name}`.
pub fn measure_since(name: &str, start: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let measure = format!("reqflow:{name}");
        performance.clear_measures_with_measure_name(&measure);
        performance.measure_with_start_mark(&measure, start).ok();
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (name, start);
}

/// Sets the mark `name` in the performance timeline to now (wasm only).
pub fn mark(name: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        performance.clear_marks_with_mark_name(name);
        performance.mark(name).ok();
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = name;
}
