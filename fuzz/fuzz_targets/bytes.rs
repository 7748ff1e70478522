//! Arbitrary bytes as source files through the whole analysis: parse, lower, dataflow with the
//! built-in models, every lint, suppressions and the human and JSON reports. A NUL byte starts
//! another file of the same crate (at most four), so that calls can cross files.

#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = [
    "src/lib.rs",
    "src/auth.rs",
    "src/handlers.rs",
    "src/main.rs",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let sources: Vec<(&str, &str)> = NAMES.iter().copied().zip(text.split('\0')).collect();
    if let Err(e) = oauth_lint::analyze_sources(&sources) {
        panic!("{e}");
    }
});
