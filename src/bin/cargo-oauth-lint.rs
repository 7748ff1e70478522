//! `cargo-oauth-lint`: run by cargo as `cargo-oauth-lint oauth-lint ARGS` for `cargo oauth-lint`.

fn main() {
    std::process::exit(oauth_lint::run(std::env::args_os().collect()));
}
