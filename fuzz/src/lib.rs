//! The fuzz targets of iamwhy (style §20), as plain functions over bytes.
//!
//! Each target in [`TARGETS`] feeds arbitrary bytes to one parser of outside input and asserts
//! what must hold for every input: no panic, every error span inside the input, and the
//! target's own properties (see each module). Two runners drive the same functions:
//!
//! - `fuzz_targets/*.rs`: one-line libFuzzer wrappers for `cargo fuzz run TARGET` (nightly,
//!   coverage-guided, sanitizers);
//! - `src/bin/stable/`: a stable, in-process mutational runner that CI runs for every target
//!   in this table (`cargo run --release --no-default-features --bin stable -- TARGET`).
//!
//! A target returns an [`Outcome`]: a hash of what the input did (which errors, how many
//! records). libFuzzer ignores it; the stable runner keeps inputs whose outcome is new, a
//! cheap stand-in for coverage feedback. The time bound is the runner's to check.

pub mod targets;

use std::hash::{DefaultHasher, Hash, Hasher};

/// One fuzz target: its name (the libFuzzer bin and the seed directory share it) and body.
pub struct Target {
    /// The name: `fuzz_targets/NAME.rs`, `seeds/NAME/`, `corpus/NAME/`, `artifacts/NAME/`.
    pub name: &'static str,
    /// The body; panics when a property fails.
    pub run: fn(&[u8]) -> Outcome,
}

/// Every target. Adding one is a module in `targets/`, a line here (the stable runner and CI
/// then run it), and a one-line wrapper in `fuzz_targets/` with its `[[bin]]` for cargo-fuzz.
pub const TARGETS: &[Target] = &[
    Target::new("policy_parser", targets::policy_parser::run),
    Target::new("scenario_parser", targets::scenario_parser::run),
    Target::new("snapshot_file", targets::snapshot_file::run),
    Target::new("trail_reader", targets::trail_reader::run),
    Target::new("event_request", targets::event_request::run),
    Target::new("creds_files", targets::creds_files::run),
    Target::new("lint_input", targets::lint_input::run),
    Target::new("gzip_members", targets::gzip_members::run),
    Target::new("dir_walker", targets::dir_walker::run),
    Target::new("message_reader", targets::message_reader::run),
    Target::new("iac_reader", targets::iac_reader::run),
    Target::new("cdk_assembly", targets::cdk_assembly::run),
    Target::new("athena_results", targets::athena_results::run),
];

impl Target {
    /// A target; `run` panics when a property fails.
    pub const fn new(name: &'static str, run: fn(&[u8]) -> Outcome) -> Target {
        Target { name, run }
    }
}

/// The target of this name.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// What one input did, as a hash: the stable runner's feedback signal.
///
/// Targets feed it coarse facts: accepted or not, the codes of the errors, counts rounded to a
/// power of two (so that 5 and 6 records are the same outcome, 1 and 2 are not). Never the
/// input's own text, which would make every input new.
pub struct Outcome(DefaultHasher);

impl Default for Outcome {
    fn default() -> Outcome {
        Outcome::new()
    }
}

impl Outcome {
    /// An empty outcome.
    pub fn new() -> Outcome {
        // INVARIANT: `DefaultHasher::new` has fixed keys, so a signature is the same in every
        // run and the runner stays reproducible.
        Outcome(DefaultHasher::new())
    }

    /// Adds a fact: a code, a kind, a branch taken.
    pub fn add(&mut self, fact: impl Hash) -> &mut Outcome {
        fact.hash(&mut self.0);
        self
    }

    /// Adds a count, rounded to its power of two (0, 1, 2, 3-4, 5-8, …).
    pub fn count(&mut self, n: usize) -> &mut Outcome {
        (usize::BITS - n.saturating_sub(1).leading_zeros() + u32::from(n > 0)).hash(&mut self.0);
        self
    }

    /// The signature.
    pub fn signature(&self) -> u64 {
        self.0.finish()
    }
}
