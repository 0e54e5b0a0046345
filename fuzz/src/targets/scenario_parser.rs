//! Fuzzes scenario files end to end (style §20): for arbitrary input, parsing never panics,
//! a rejected file carries at least one error whose span lies inside the input, and an
//! accepted file can be simulated — every decision, message and explanation built — without
//! a panic.
//!
//! From `fuzz/`, with libFuzzer (nightly):
//!
//! ```text
//! cargo fuzz run scenario_parser corpus/scenario_parser seeds/scenario_parser
//! ```
//!
//! On stable, the in-process runner (what CI runs):
//!
//! ```text
//! cargo run --release --no-default-features --bin stable -- scenario_parser --seconds 60
//! ```

use iamwhy_analysis::{Overrides, parse_scenarios, simulate};
use iamwhy_core::SourceMap;

use crate::Outcome;

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let text = String::from_utf8_lossy(data);
    let mut map = SourceMap::new();
    let root = map.add_file("fuzz.json", &*text);
    match parse_scenarios(&mut map, root, &Overrides::default()) {
        Ok((scenarios, warnings)) => {
            let mut codes: Vec<&str> = warnings.iter().map(|d| d.code).collect();
            codes.sort_unstable();
            codes.dedup();
            out.add("ok").count(scenarios.len()).add(codes);
            let actions = scenarios.iter().map(|s| s.actions.len()).sum();
            let resources = scenarios.iter().map(|s| s.resources.len()).sum();
            out.count(actions).count(resources);
            let mut decisions = Vec::new();
            for scenario in &scenarios {
                // Bound the work: one result per action and resource.
                if scenario.actions.len() * scenario.resources.len() <= 64 {
                    let results = simulate(scenario, &map);
                    assert_eq!(
                        results.len(),
                        scenario.actions.len() * scenario.resources.len()
                    );
                    decisions.extend(results.iter().map(|r| r.decision.as_str()));
                }
            }
            decisions.sort_unstable();
            decisions.dedup();
            out.add(decisions);
        }
        Err(e) => {
            assert!(e.first_error().is_some(), "rejected without an error");
            let mut codes: Vec<&str> = e.iter().map(|d| d.code).collect();
            codes.sort_unstable();
            codes.dedup();
            out.add(codes);
            for span in e.iter().filter_map(|d| d.span) {
                let mapped = map.to_root(span);
                assert!(
                    mapped.end as usize <= text.len(),
                    "{span:?} outside the input"
                );
                let _ = map.location(span);
            }
        }
    }
    out
}
