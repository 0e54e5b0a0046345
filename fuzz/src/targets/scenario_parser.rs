//! Fuzzes scenario files end to end (style §20): for arbitrary input, parsing never panics,
//! a rejected file carries at least one error whose span lies inside the input, and an
//! accepted file can be simulated — every decision, message and explanation built — without
//! a panic.
//!
//! From `fuzz/`:
//!
//! ```text
//! cargo fuzz run scenario_parser corpus/scenario_parser seeds/scenario_parser
//! ```
//!
//! On a stable toolchain prefix the command with `RUSTC_BOOTSTRAP=1`.

#![no_main]

use iamwhy_analysis::{Overrides, parse_scenarios, simulate};
use iamwhy_core::SourceMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut map = SourceMap::new();
    let root = map.add_file("fuzz.json", &*text);
    match parse_scenarios(&mut map, root, &Overrides::default()) {
        Ok((scenarios, _warnings)) => {
            for scenario in &scenarios {
                // Bound the work: one result per action and resource.
                if scenario.actions.len() * scenario.resources.len() <= 64 {
                    let results = simulate(scenario, &map);
                    assert_eq!(results.len(), scenario.actions.len() * scenario.resources.len());
                }
            }
        }
        Err(e) => {
            assert!(e.first_error().is_some(), "rejected without an error");
            for span in e.iter().filter_map(|d| d.span) {
                let mapped = map.to_root(span);
                assert!(mapped.end as usize <= text.len(), "{span:?} outside the input");
                let _ = map.location(span);
            }
        }
    }
});
