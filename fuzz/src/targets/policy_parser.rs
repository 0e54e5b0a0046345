//! Fuzzes the policy parser (style §20): for arbitrary input and every policy kind, parsing
//! never panics, a rejected document carries at least one error, and every span it reports,
//! once mapped back through embedded sources (a JSON string, URL encoding), lies inside the
//! input and on character boundaries.
//!
//! From `fuzz/`, with libFuzzer (nightly; the seeds are committed, the corpus is not):
//!
//! ```text
//! cargo fuzz run policy_parser corpus/policy_parser seeds/policy_parser -- -dict=policy_parser.dict
//! ```
//!
//! On stable, the in-process runner (what CI runs):
//!
//! ```text
//! cargo run --release --no-default-features --bin stable -- policy_parser --seconds 60
//! ```

use iamwhy_core::PolicyKind;
use iamwhy_core::{SourceId, SourceMap, Span};
use iamwhy_policy::parse_policy;

use crate::Outcome;

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let text = String::from_utf8_lossy(data);
    for kind in PolicyKind::ALL {
        let mut map = SourceMap::new();
        let root = map.add_file("fuzz.json", &*text);
        let diagnostics = match parse_policy(&mut map, root, kind) {
            Ok(doc) => {
                assert!(
                    doc.warnings.iter().all(|d| !d.is_error()),
                    "{kind:?}: an accepted document has errors"
                );
                check_span(&map, root, &text, doc.span, kind);
                for statement in &doc.statements {
                    check_span(&map, root, &text, statement.span, kind);
                }
                out.add("ok").count(doc.statements.len());
                doc.warnings
            }
            Err(e) => {
                assert!(
                    e.first_error().is_some(),
                    "{kind:?}: rejected without an error"
                );
                e.into_vec()
            }
        };
        for span in diagnostics.iter().filter_map(|d| d.span) {
            check_span(&map, root, &text, span, kind);
        }
        let mut codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        out.add(codes);
    }
    out
}

fn check_span(map: &SourceMap, root: SourceId, text: &str, span: Span, kind: PolicyKind) {
    let mapped = map.to_root(span);
    assert_eq!(
        mapped.source, root,
        "{kind:?}: {span:?} does not map to the input"
    );
    let (start, end) = (mapped.start as usize, mapped.end as usize);
    assert!(
        start <= end && end <= text.len(),
        "{kind:?}: {span:?} maps to {start}..{end}, outside the input of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{kind:?}: {span:?} maps to {start}..{end}, inside a character"
    );
    // Rendering a location must not panic either.
    let location = map.location(span);
    assert!(location.line >= 1 && location.column >= 1);
}
