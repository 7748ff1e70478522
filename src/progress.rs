//! The progress line: on a terminal, for runs longer than a second, one line on stderr that says
//! how many files were read and what the run is doing, rewritten in place and erased at the end.
//! Never in CI (`CI` set), never when stderr is not a terminal, never with `--quiet`.
//! `OAUTH_LINT_PROGRESS=always` forces it on at once (for tests), `never` turns it off.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::discover::FILES_READ;

/// What the run is doing.
#[derive(Clone, Copy)]
pub(crate) enum Phase {
    Reading = 0,
    Analysing = 1,
}

pub(crate) struct Progress {
    shared: Option<Arc<Shared>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    stop: AtomicBool,
    phase: AtomicU8,
    /// Whether a line is on screen and must be erased.
    shown: Mutex<bool>,
}

impl Progress {
    /// Starts the progress line if it is wanted here.
    pub(crate) fn start(quiet: bool) -> Progress {
        let forced = std::env::var("OAUTH_LINT_PROGRESS").ok();
        let (enabled, delay) = match forced.as_deref() {
            Some("always") => (true, Duration::ZERO),
            Some("never") => (false, Duration::ZERO),
            _ => (
                !quiet
                    && std::io::stderr().is_terminal()
                    && std::env::var_os("CI").is_none()
                    && std::env::var("TERM").map_or(true, |t| t != "dumb"),
                Duration::from_secs(1),
            ),
        };
        if !enabled {
            return Progress {
                shared: None,
                thread: None,
            };
        }
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            phase: AtomicU8::new(Phase::Reading as u8),
            shown: Mutex::new(false),
        });
        let base = FILES_READ.load(Ordering::Relaxed);
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("oauth-lint-progress".into())
            .spawn(move || {
                let started = Instant::now();
                let mut last = String::new();
                while !worker.stop.load(Ordering::Relaxed) {
                    if started.elapsed() >= delay {
                        let files = FILES_READ.load(Ordering::Relaxed).saturating_sub(base);
                        let doing = match worker.phase.load(Ordering::Relaxed) {
                            0 => "reading and parsing",
                            _ => "analysing",
                        };
                        let line = format!(
                            "oauth-lint: {files} file{} read, {doing}",
                            if files == 1 { "" } else { "s" }
                        );
                        if line != last {
                            if let Ok(mut shown) = worker.shown.lock() {
                                let _ = write!(std::io::stderr(), "\r\x1b[2K{line}");
                                let _ = std::io::stderr().flush();
                                *shown = true;
                            }
                            last = line;
                        }
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
            .ok();
        Progress {
            shared: Some(shared),
            thread,
        }
    }

    pub(crate) fn phase(&self, phase: Phase) {
        if let Some(s) = &self.shared {
            s.phase.store(phase as u8, Ordering::Relaxed);
        }
    }

    /// Erases the line; call before printing anything else to stderr or the report.
    pub(crate) fn finish(&mut self) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if shared.shown.lock().is_ok_and(|shown| *shown) {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
