//! Golden tests of the `reqflow` command with `trycmd`: each `tests/cmd/NAME.toml` gives the
//! arguments (and the working directory, and the exit status when it is not 0); `NAME.stdout`
//! and `NAME.stderr` hold the expected output, compared whole, with a line diff on mismatch.
//!
//! Regenerate after an intended change with
//! `TRYCMD=overwrite cargo test -p reqflow-cli --test golden` and review the diff.

#[test]
fn cli_goldens() {
    trycmd::TestCases::new()
        .register_bin("reqflow", std::path::PathBuf::from(env!("CARGO_BIN_EXE_reqflow")))
        .default_bin_name("reqflow")
        // The waterfall's width comes from --width in the cases, never from the terminal.
        .env("COLUMNS", "100")
        .case("tests/cmd/*.toml");
}
