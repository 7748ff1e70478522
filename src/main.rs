//! `oauth-lint`: see the crate docs in `lib.rs`.

fn main() {
    std::process::exit(oauth_lint::run(std::env::args_os().collect()));
}
