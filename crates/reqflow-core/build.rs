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
    write_lessons(Path::new(&manifest_dir).join("../../lessons"), Path::new(&out_dir));
}

/// Converts `lessons/*.toml` to JSON the same way, in file-name order (the course order), and
/// writes `lessons.rs`: the `LESSONS` table of ids and texts that `lesson.rs` includes.
fn write_lessons(lessons: std::path::PathBuf, out_dir: &Path) {
    println!("cargo:rerun-if-changed={}", lessons.display());
    let mut entries: Vec<_> = std::fs::read_dir(&lessons)
        .expect("lessons/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    entries.sort();
    let mut table = String::from(
        "/// Every built-in lesson, in course order.\npub const LESSONS: &[BuiltinLesson] = &[\n",
    );
    std::fs::create_dir_all(out_dir.join("lessons")).expect("OUT_DIR is writable");
    for path in entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("readable lesson");
        let value: toml::Value = toml::from_str(&text)
            .unwrap_or_else(|error| panic!("{}: not valid TOML: {error}", path.display()));
        let id = value
            .get("id")
            .and_then(toml::Value::as_str)
            .unwrap_or_else(|| panic!("{}: no id", path.display()));
        let json = serde_json::to_string(&value).expect("TOML values convert to JSON");
        let file = out_dir.join("lessons").join(format!("{id}.json"));
        std::fs::write(&file, json).expect("OUT_DIR is writable");
        table.push_str(&format!(
            "    BuiltinLesson {{ id: {id:?}, source: include_str!(concat!(env!(\"OUT_DIR\"), \"/lessons/{id}.json\")) }},\n"
        ));
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("lessons.rs"), table).expect("OUT_DIR is writable");
}
