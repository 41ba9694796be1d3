//! Converts the built-in scenarios (`scenarios/*.toml`) to JSON at build time, so the browser
//! bundle can load them without a TOML parser. A scenario that is not valid TOML fails the build.

use std::path::Path;

fn main() {
    // (The directory cargo gives when it runs the script, not the one the script was compiled in:
    // a build script compiled for another checkout sharing `target/` reads this checkout's.)
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let scenarios = Path::new(&manifest_dir).join("../../scenarios");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed={}", scenarios.display());
    let mut entries: Vec<_> = std::fs::read_dir(&scenarios)
        .expect("scenarios/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    entries.sort();
    for path in entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("readable scenario");
        let value: toml::Value = toml::from_str(&text)
            .unwrap_or_else(|error| panic!("{}: not valid TOML: {error}", path.display()));
        let json = serde_json::to_string(&value).expect("TOML values convert to JSON");
        let name = path.file_stem().expect("file name").to_string_lossy().into_owned();
        std::fs::write(Path::new(&out_dir).join(format!("{name}.json")), json).expect("OUT_DIR is writable");
    }
}
