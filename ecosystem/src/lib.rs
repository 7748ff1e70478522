//! Empty: this package only pins the corpus.
