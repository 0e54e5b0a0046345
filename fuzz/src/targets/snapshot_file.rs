//! Fuzzes the account-snapshot loader (style §20): an arbitrary file placed anywhere in the
//! snapshot layout (the first byte of the input chooses where) never panics the loader; a
//! rejected file is a warning whose place lies inside the input; and every principal and
//! resource loaded from it can have its policies gathered (each document parsed, or rejected
//! with an error) without a panic.
//!
//! From `fuzz/`, with libFuzzer (nightly):
//!
//! ```text
//! cargo fuzz run snapshot_file corpus/snapshot_file seeds/snapshot_file
//! ```
//!
//! On stable, the in-process runner (what CI runs):
//!
//! ```text
//! cargo run --release --no-default-features --bin stable -- snapshot_file --seconds 60
//! ```

use std::path::{Path, PathBuf};

use iamwhy_core::SourceMap;
use iamwhy_snapshot::{Changes, load_texts};

use crate::Outcome;

const PLACES: &[&str] = &[
    "iam/account-authorization-details.json",
    "s3/bucket-1/policy.json",
    "s3/bucket-1/encryption.json",
    "kms/0a1b2c3d-1111-2222-3333-444455556666/key-policy.json",
    "kms/0a1b2c3d-1111-2222-3333-444455556666/grants.json",
    "kms/aliases.json",
    "organizations/targets/111122223333/parents.json",
    "organizations/targets/r-ab12/scps.json",
    "organizations/policies/p-1.json",
    "lambda/fn/policy.json",
    "sqs/queue.json",
    "sts/caller-identity.json",
];

/// The target: panics when a property fails.
pub fn run(data: &[u8]) -> Outcome {
    let mut out = Outcome::new();
    let Some((&place, rest)) = data.split_first() else {
        return out;
    };
    let rel = PathBuf::from(PLACES[usize::from(place) % PLACES.len()]);
    let text = String::from_utf8_lossy(rest).into_owned();
    let len = text.len();
    let mut map = SourceMap::new();
    let snapshot = load_texts(Path::new("snap"), [(rel, text)], &mut map);
    let mut codes: Vec<&str> = snapshot.warnings.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    out.add(place % 12).add(codes);
    for w in &snapshot.warnings {
        if let Some(span) = w.span {
            assert!(
                map.to_root(span).end as usize <= len,
                "{span:?} outside the input"
            );
            let _ = map.location(span);
        }
    }
    let none = Changes::default();
    let principals = snapshot
        .users
        .iter()
        .map(|u| u.arn.clone())
        .chain(snapshot.roles.iter().map(|r| r.arn.clone()))
        .take(16)
        .collect::<Vec<_>>();
    for arn in principals {
        if let Ok(who) = snapshot.resolve_principal(&arn, None) {
            out.add("principal");
            let _ = snapshot.principal_policies(&mut map, &who, &none);
        }
    }
    let resources = snapshot
        .buckets
        .keys()
        .map(|b| format!("arn:aws:s3:::{b}/k"))
        .chain(snapshot.keys.values().filter_map(|k| k.arn.clone()))
        .chain(snapshot.resource_policies.iter().map(|p| p.arn.clone()))
        .take(16)
        .collect::<Vec<_>>();
    for arn in resources {
        let side = snapshot.resource_side(&mut map, &arn, &none);
        out.add(side.is_ok());
        out.add(snapshot.kms_key_for(&arn).is_some());
    }
    out
}
