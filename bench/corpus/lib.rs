//! Empty: this package only pins the benchmark corpus.
