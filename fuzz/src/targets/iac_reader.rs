//! Fuzzes the readers of policy changes written as code (`iamwhy-iac`) on one file:
//! arbitrary text (a Terraform plan, a CloudFormation template in JSON or YAML, or garbage)
//! never panics; every change's place and every document's span lie inside the text (or the
//! document's own source), and every unresolved placeholder lies inside its document. The
//! first byte picks whether an account and Region are given (CloudFormation's pseudo
//! parameters resolve or not).
//!
//! From `fuzz/`, with libFuzzer (nightly):
//!
//! ```text
//! cargo fuzz run iac_reader corpus/iac_reader seeds/iac_reader
//! ```
//!
//! On stable, the in-process runner (what CI runs):
//!
//! ```text
//! cargo run --release --no-default-features --bin stable -- iac_reader --seconds 60
//! ```

use iamwhy_core::SourceMap;
use iamwhy_iac::{Content, ReadOptions, read_source};

use crate::Outcome;

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let Some((&first, rest)) = data.split_first() else {
        return out;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return out;
    };
    let options = if first % 2 == 0 {
        ReadOptions::default()
    } else {
        ReadOptions {
            account: Some("111122223333".to_owned()),
            region: Some("us-east-1".to_owned()),
        }
    };
    let mut map = SourceMap::new();
    let id = map.add_file("fuzz", text);
    let Some(set) = read_source(&mut map, id, &options) else {
        out.add("not recognised");
        return out;
    };
    out.add(set.format).count(set.changes.len());
    for d in &set.diagnostics {
        out.add(d.code);
        if let Some(span) = d.span {
            assert!(map.location(span).root.end as usize <= text.len());
        }
    }
    for c in &set.changes {
        out.add(c.kind).add(c.action);
        if let Some(span) = c.place.span {
            assert!(span.end as usize <= text.len(), "place outside the text");
        }
        for side in [&c.before, &c.after].into_iter().flatten() {
            if let Content::Document(d) = side {
                let len = map.text(d.source).len();
                for u in &d.unresolved {
                    assert!(u.span.source == d.source && u.span.end as usize <= len);
                }
                let root = map.to_root(iamwhy_core::Span::new(d.source, 0, len));
                assert!(root.end as usize <= text.len(), "document maps outside the text");
            }
        }
    }
    out
}
