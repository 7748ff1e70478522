//! The reference for the sweep over real crates (`scripts/sweep`): which files `syn` itself
//! rejects. Reads file paths from stdin, one per line, and prints `path<TAB>line:column:
//! message` for each file that `syn::parse_file` cannot parse, as oauth-lint words its
//! `could not parse` errors. Parsing runs on a thread with oauth-lint's parser stack; give it
//! only files oauth-lint did not refuse for their depth (syn may exhaust any stack on those).

use std::io::{BufRead, Write};

fn main() {
    let worker = std::thread::Builder::new()
        .stack_size(oauth_lint_analysis::STACK_SIZE)
        .spawn(|| {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            for path in std::io::stdin().lock().lines().map_while(Result::ok) {
                let Ok(text) = std::fs::read_to_string(&path) else {
                    let _ = writeln!(out, "{path}\tunreadable");
                    continue;
                };
                if let Err(e) = syn::parse_file(&text) {
                    let start = e.span().start();
                    let _ = writeln!(out, "{path}\t{}:{}: {e}", start.line, start.column + 1);
                }
                // proc-macro2 keeps every parsed file's text per thread for span locations.
                proc_macro2::extra::invalidate_current_thread_spans();
            }
        });
    let code = match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(())) => 0,
        _ => 101,
    };
    std::process::exit(code);
}
