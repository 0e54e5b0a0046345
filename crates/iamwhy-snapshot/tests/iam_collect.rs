//! Loading a directory written by iam-collect (tests/fixtures/iam-collect, hand-written from
//! its documentation) through the public `load`, as a snapshot of many accounts.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]

use std::path::Path;

use iamwhy_core::SourceMap;
use iamwhy_snapshot::load;

/// `load` takes the iam-collect branch: every translated output is recognised (today's loader
/// reads the many-accounts paths by content, as one account; the test below checks more).
#[test]
fn load_recognises_an_iam_collect_directory() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam-collect");
    let mut map = SourceMap::new();
    let s = load(&dir, &mut map).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert!(s.organization.is_some());
    assert!(s.buckets.contains_key("shared-reports"));
}

#[test]
fn an_iam_collect_directory_loads_as_many_accounts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam-collect");
    let mut map = SourceMap::new();
    let s = load(&dir, &mut map).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    // Both accounts' IAM entities, the bucket and key of 444455556666, the organization.
    assert_eq!((s.users.len(), s.groups.len(), s.roles.len()), (1, 1, 2));
    assert!(s.buckets.contains_key("shared-reports"));
    let key = s
        .key_by_arn("arn:aws:kms:us-east-1:444455556666:key/1f2e3d4c-5b6a-4789-8abc-def012345678")
        .expect("the key of 444455556666");
    assert_eq!(s.resource_policies.len(), 4);
    let org = s.organization.as_ref().unwrap();
    assert_eq!(
        org.path_to("111122223333").unwrap(),
        ["r-ab12", "ou-ab12-11111111", "111122223333"]
    );
    assert_eq!(
        org.path_to("444455556666").unwrap(),
        ["r-ab12", "444455556666"]
    );
    // Who owns what: the folders iam-collect wrote them under.
    assert_eq!(s.accounts(), ["111122223333", "444455556666"]);
    assert_eq!(
        s.buckets["shared-reports"].account.as_deref(),
        Some("444455556666")
    );
    assert_eq!(key.account.as_deref(), Some("444455556666"));
    assert!(s.users.iter().all(|u| u.arn.contains(":111122223333:")));
}
