//! Fuzzes scenario files end to end (style §20): for arbitrary input, parsing never panics,
//! a rejected file carries at least one error whose span lies inside the input, and an
//! accepted file can be simulated — every decision, message and explanation built — without
//! a panic. An accepted scenario object written twice in an array (the second copy read by
//! the fast element reader, its documents left unread as compiled before) gives two
//! scenarios with the first one's decisions.
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

use iamwhy_analysis::{Detail, Overrides, parse_scenarios, simulate};
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
                    let results = simulate(scenario, &map, Detail::Full);
                    assert_eq!(
                        results.len(),
                        scenario.actions.len() * scenario.resources.len()
                    );
                    decisions.extend(results.iter().map(|r| r.decision.as_str()));
                }
            }
            if let [one] = scenarios.as_slice()
                && text.trim_start().starts_with('{')
                && one.actions.len() * one.resources.len() <= 64
            {
                twice(&text, &decisions);
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

/// `[text, text]` reads as two scenarios, each deciding as `text` alone did.
fn twice(text: &str, decisions: &[&str]) {
    let doubled = format!("[{text},\n{text}]");
    let mut map = SourceMap::new();
    let root = map.add_file("fuzz-twice.json", doubled.as_str());
    let (scenarios, _) = parse_scenarios(&mut map, root, &Overrides::default())
        .expect("a scenario accepted alone is accepted twice");
    assert_eq!(scenarios.len(), 2, "two copies, two scenarios");
    for scenario in &scenarios {
        let got: Vec<&str> = simulate(scenario, &map, Detail::Standard)
            .iter()
            .map(|r| r.decision.as_str())
            .collect();
        assert_eq!(got, decisions, "a copy decides differently");
    }
}
