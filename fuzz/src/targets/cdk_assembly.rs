//! Fuzzes the CDK cloud assembly reader: the input, split at its first NUL byte, is written
//! as `manifest.json` and `Stack.template.json` of a temporary folder; reading it never
//! panics, never reads outside the folder, and every change comes from the template.
//!
//! From `fuzz/`, with libFuzzer (nightly):
//!
//! ```text
//! cargo fuzz run cdk_assembly corpus/cdk_assembly seeds/cdk_assembly
//! ```
//!
//! On stable, the in-process runner (what CI runs):
//!
//! ```text
//! cargo run --release --no-default-features --bin stable -- cdk_assembly --seconds 60
//! ```

use iamwhy_core::SourceMap;
use iamwhy_iac::{ReadOptions, read_assembly};

use crate::Outcome;

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let (manifest, template) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let dir = std::env::temp_dir().join(format!("iamwhy-fuzz-cdk-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::write(dir.join("manifest.json"), manifest).is_err()
        || std::fs::write(dir.join("Stack.template.json"), template).is_err()
    {
        return out;
    }
    let mut map = SourceMap::new();
    let (sets, problems) = read_assembly(&mut map, &dir, &ReadOptions::default());
    out.count(sets.len()).count(problems.len());
    for set in &sets {
        let name = map.name(set.source).to_owned();
        assert!(
            name.starts_with(&dir.display().to_string()),
            "read outside the assembly: {name}"
        );
        out.count(set.changes.len());
    }
    out
}
