//! Issue 21: a snapshot of many accounts (tests/fixtures/org-multi, docs/snapshot.md "Many
//! accounts") — who owns what, principals of every account, a multi-Region key in two
//! Regions — and a loader that never drops a whole file for one incomplete entry (moto's
//! `get-account-authorization-details`).
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]

use std::path::{Path, PathBuf};

use iamwhy_core::SourceMap;
use iamwhy_snapshot::{Changes, Snapshot, load, load_texts};

const A: &str = "111122223333";
const B: &str = "444455556666";
const MRK: &str = "mrk-1234abcd12ab34cd56ef1234567890ab";

fn fixture(map: &mut SourceMap) -> Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/org-multi");
    load(&dir, map).unwrap()
}

#[test]
fn every_account_folder_is_read_and_every_resource_has_its_owner() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.accounts(), vec![A, B]);
    assert!(s.is_many_accounts());
    // Two accounts: no single account of the snapshot.
    assert_eq!(s.account, None);
    assert!(s.holds_account(A) && s.holds_account(B) && !s.holds_account("999988887777"));
    // A bucket ARN names no account: the folder that lists it does.
    assert_eq!(s.buckets["b-reports"].account.as_deref(), Some(B));
    assert_eq!(s.buckets["b-private"].account.as_deref(), Some(B));
    // The roles of both accounts resolve.
    assert!(
        s.resolve_principal(&format!("arn:aws:iam::{A}:role/reader"), None)
            .is_ok()
    );
    assert!(
        s.resolve_principal(&format!("arn:aws:iam::{B}:role/data-admin"), None)
            .is_ok()
    );
    // The organization is read once, at the top.
    let org = s.organization.as_ref().unwrap();
    assert_eq!(org.path_to(A).unwrap().len(), 3);
    assert_eq!(org.path_to(B).unwrap().len(), 3);
}

#[test]
fn a_multi_region_key_keeps_one_key_per_region() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let copies: Vec<_> = s.keys.values().filter(|k| k.id == MRK).collect();
    assert_eq!(copies.len(), 2, "{:?}", s.keys.keys());
    let east = s
        .key_by_arn(&format!("arn:aws:kms:us-east-1:{B}:key/{MRK}"))
        .unwrap();
    let west = s
        .key_by_arn(&format!("arn:aws:kms:eu-west-1:{B}:key/{MRK}"))
        .unwrap();
    assert_eq!(east.region.as_deref(), Some("us-east-1"));
    assert_eq!(west.region.as_deref(), Some("eu-west-1"));
    assert_ne!(east.policy, west.policy);
    assert_eq!(east.account.as_deref(), Some(B));
}

#[test]
fn the_resource_side_is_the_owner_accounts() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let none = Changes::default();
    let side = s
        .resource_side(&mut map, "arn:aws:s3:::b-reports/x.csv", &none)
        .unwrap();
    assert_eq!(side.account.as_deref(), Some(B));
    assert!(!side.in_other_account);
    // RCPs of B's path: root, B's OU (with the RCP that denies), the account.
    let rcps = side.rcps.unwrap();
    assert_eq!(rcps.len(), 3);
    assert!(
        rcps[1]
            .iter()
            .any(|p| p.name == "LockedPrefixOwnAccountOnly")
    );
    // The bucket's key is B's, found through the bucket's own account.
    let key = s.kms_key_for("arn:aws:s3:::b-reports/x.csv").unwrap();
    assert!(key.arn.contains(&format!(":{B}:key/bbbb")), "{}", key.arn);
    // A bucket no account lists belongs to an account outside the snapshot.
    let elsewhere = s
        .resource_side(&mut map, "arn:aws:s3:::elsewhere/x.csv", &none)
        .unwrap();
    assert!(elsewhere.in_other_account);
    assert!(elsewhere.missing[0].contains("`elsewhere` is in no account of the snapshot"));
    // A key of an account the snapshot does not hold is named, with the file to add.
    let key = s
        .resource_side(
            &mut map,
            "arn:aws:kms:us-east-1:555566667777:key/dddd",
            &none,
        )
        .unwrap();
    assert!(
        key.missing[0].contains("the key policy in 555566667777 is not in the snapshot")
            && key.missing[0].contains("accounts/555566667777/kms/dddd/key-policy.json"),
        "{:?}",
        key.missing
    );
}

#[test]
fn a_principal_of_an_account_outside_the_snapshot_is_named_not_refused() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let who = s
        .resolve_principal("arn:aws:iam::777788889999:role/ext", None)
        .unwrap();
    let side = s
        .principal_policies(&mut map, &who, &Changes::default())
        .unwrap();
    assert!(side.identity.is_empty());
    assert!(
        side.notes[0].contains("account 777788889999, which is not in the snapshot"),
        "{:?}",
        side.notes
    );
    // A role that an account of the snapshot lacks is still an error, with suggestions.
    let err = s
        .resolve_principal(&format!("arn:aws:iam::{A}:role/readr"), None)
        .unwrap_err();
    assert!(err.message.contains("has no role"));
    assert_eq!(
        err.suggestions,
        vec![format!("arn:aws:iam::{A}:role/reader")]
    );
}

#[test]
fn the_single_account_layout_is_unchanged() {
    let mut map = SourceMap::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/org-member");
    let s = load(&dir, &mut map).unwrap();
    assert!(!s.is_many_accounts());
    assert_eq!(s.accounts(), vec![A]);
    assert_eq!(s.buckets["team-data"].account.as_deref(), Some(A));
    // The key map is keyed by key id alone, as before.
    assert!(s.keys.contains_key("0a1b2c3d-1111-2222-3333-444455556666"));
}

/// moto's `get-account-authorization-details` (tests/fixtures/moto): managed policies without
/// `PolicyName` and `PolicyId`, attached lists without `PolicyName`, a user without `Arn` and
/// a managed policy without `Arn` (neither can be used).
const MOTO_AUTH_DETAILS: &str =
    include_str!("fixtures/moto/iam/account-authorization-details.json");

#[test]
fn moto_auth_details_keep_every_usable_entry() {
    let mut map = SourceMap::new();
    let s = load_texts(
        Path::new("moto"),
        [(
            PathBuf::from("iam/account-authorization-details.json"),
            MOTO_AUTH_DETAILS.to_owned(),
        )],
        &mut map,
    );
    assert_eq!(s.files_loaded, 1);
    assert_eq!(s.roles.len(), 1);
    assert_eq!(s.users.len(), 1);
    // The name comes from the ARN.
    let p = &s.managed["arn:aws:iam::123456789012:policy/team/read-reports"];
    assert_eq!(p.name, "read-reports");
    assert_eq!(
        s.managed["arn:aws:iam::aws:policy/ReadOnlyAccess"].name,
        "ReadOnlyAccess"
    );
    // The two entries that cannot be used are named, one warning each.
    let messages: Vec<String> = s.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("user 2 cannot be used")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("managed policy 3 cannot be used")),
        "{messages:?}"
    );
    assert!(messages.iter().all(|m| m.contains("entry skipped")));
    // The user's attached policy is evaluated.
    let who = s
        .resolve_principal("arn:aws:iam::123456789012:user/alice", None)
        .unwrap();
    let side = s
        .principal_policies(&mut map, &who, &Changes::default())
        .unwrap();
    assert_eq!(side.identity.len(), 1);
    assert_eq!(side.identity[0].name, "read-reports");
}

/// The replay caches a resource side by `resource_key`: two resources whose notes name
/// them must not share one.
#[test]
fn resources_outside_the_snapshot_have_their_own_resource_key() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    assert_ne!(
        s.resource_key("arn:aws:s3:::elsewhere/a"),
        s.resource_key("arn:aws:s3:::other/a")
    );
    assert_eq!(
        s.resource_key("arn:aws:s3:::elsewhere/a"),
        s.resource_key("arn:aws:s3:::elsewhere/b")
    );
    assert_ne!(
        s.resource_key("arn:aws:kms:us-east-1:555566667777:key/one"),
        s.resource_key("arn:aws:kms:us-east-1:555566667777:key/two")
    );
    assert_eq!(
        s.resource_key("arn:aws:s3:::b-reports/x"),
        "arn:aws:s3:::b-reports"
    );
}
