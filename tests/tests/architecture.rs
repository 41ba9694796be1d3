//! Architecture invariants that the compiler cannot check (see ARCHITECTURE.md).

use std::process::Command;

fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_owned()
}

/// The normal (non-dev) dependency tree of a package, one crate name per line.
fn dependency_names(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "tree",
            "--quiet",
            "--offline",
            "-p",
            package,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// The crates the page and the CLI share: plain data in, plain data out.
const PURE_CRATES: [&str; 2] = ["reqflow-core", "reqflow-formats"];

#[test]
fn core_has_no_web_dependencies_and_no_os_randomness() {
    for package in PURE_CRATES {
        let names = dependency_names(package);
        assert!(
            names.iter().any(|name| name == "serde_json"),
            "sanity: the tree lists {package}'s dependencies: {names:?}"
        );
        let forbidden = ["yew", "web-sys", "js-sys", "gloo", "wasm-bindgen", "getrandom", "reqflow-web"];
        for name in &names {
            assert!(!forbidden.contains(&name.as_str()), "{package} must not depend on {name}");
        }
    }
}

#[test]
fn the_simulation_core_holds_no_trace_file_code() {
    let names = dependency_names("reqflow-core");
    assert!(
        !names.iter().any(|name| name == "reqflow-formats"),
        "reqflow-core must not depend on reqflow-formats: {names:?}"
    );
    assert!(
        !workspace_root().join("crates/reqflow-core/src/formats").exists(),
        "formats live in crates/reqflow-formats"
    );
}

#[test]
fn core_source_reads_no_clock() {
    let mut pending: Vec<_> =
        PURE_CRATES.iter().map(|package| workspace_root().join("crates").join(package).join("src")).collect();
    let mut offenders = Vec::new();
    let mut n_files = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("core sources") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            n_files += 1;
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for needle in ["SystemTime", "Instant::now", "thread_rng", "HashMap", "HashSet", "OsRng"] {
                if text.contains(needle) {
                    offenders.push(format!("{}: {needle}", path.display()));
                }
            }
        }
    }
    assert!(n_files >= 30, "sanity: found the core's and the formats' sources ({n_files} files)");
    assert!(offenders.is_empty(), "core and formats must stay pure: {offenders:?}");
}
