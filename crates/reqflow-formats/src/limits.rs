//! How much an import takes: the largest file and the most spans, checked the same way by the
//! CLI and the page. Both limits are refusals with a message that states the limit, never a
//! silent cut.
//!
//! * **Files up to [`MAX_FILE_BYTES`] (512 MiB)**, checked from the file's size before a byte is
//!   read. Larger captures should be split by trace (every backend can export one trace).
//! * **Up to [`MAX_SPANS`] (1,000,000) spans** per file: past that the page's analysis and
//!   drawing take seconds per change and the browser tab's memory runs out long before the
//!   format's own limits.
//!
//! The parsers have their own limit: JSON nested deeper than 128 levels is refused where it
//! happens (serde_json's limit, which the OTLP scanner shares), with the line and column.

use super::ImportError;

/// The largest trace file that is read: 512 MiB.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// The most spans one import may hold.
pub const MAX_SPANS: usize = 1_000_000;

/// Refuses a file larger than [`MAX_FILE_BYTES`] before it is read.
pub fn check_file_size(origin: &str, bytes: u64) -> Result<(), ImportError> {
    if bytes <= MAX_FILE_BYTES {
        return Ok(());
    }
    Err(ImportError::TooLarge {
        origin: origin.to_owned(),
        message: format!(
            "the file is {} ({bytes} bytes), larger than the {} limit; export fewer traces per file (one trace per file always works)",
            mebibytes(bytes),
            mebibytes(MAX_FILE_BYTES)
        ),
    })
}

/// Refuses an import with more than [`MAX_SPANS`] spans.
pub fn check_span_count(origin: &str, spans: usize) -> Result<(), ImportError> {
    if spans <= MAX_SPANS {
        return Ok(());
    }
    Err(ImportError::TooLarge {
        origin: origin.to_owned(),
        message: format!(
            "the file holds {spans} spans, more than the {MAX_SPANS}-span limit; export fewer traces per file"
        ),
    })
}

/// "512 MiB", "600.5 MiB".
fn mebibytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib.fract() == 0.0 { format!("{mib} MiB") } else { format!("{:.1} MiB", mib) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_512_mib_is_refused_with_the_limit_in_the_message() {
        assert_eq!(check_file_size("big.json", MAX_FILE_BYTES), Ok(()));
        let error = check_file_size("big.json", MAX_FILE_BYTES + 1).expect_err("one byte too many");
        assert_eq!(
            error.to_string(),
            "big.json: too large: the file is 512.0 MiB (536870913 bytes), larger than the 512 MiB \
             limit; export fewer \
             traces per file (one trace per file always works)"
        );
        let error = check_file_size("huge.json", 3 * 1024 * 1024 * 1024).expect_err("3 GiB");
        assert!(
            error
                .to_string()
                .contains("the file is 3072 MiB (3221225472 bytes), larger than the 512 MiB limit"),
            "{error}"
        );
    }

    #[test]
    fn more_than_a_million_spans_is_refused_with_the_limit_in_the_message() {
        assert_eq!(check_span_count("many.json", MAX_SPANS), Ok(()));
        let error = check_span_count("many.json", MAX_SPANS + 5).expect_err("too many");
        assert_eq!(
            error.to_string(),
            "many.json: too large: the file holds 1000005 spans, more than the 1000000-span limit; \
             export fewer traces per file"
        );
    }
}
