//! Account snapshots: a directory of unedited AWS CLI outputs (`get-account-authorization-details`,
//! bucket policies and encryption, KMS key policies, Organizations policies and the OU tree, ...)
//! loaded into users, groups, roles, managed policies, resources and the organization, and the
//! gathering of the policies that apply to one request, as AWS gathers them.
//!
//! Files are recognised by their content; the folder supplies a resource name only where the
//! AWS output lacks one. docs/snapshot.md has the layout. Bad or unknown files are warnings,
//! never fatal. Policy documents are parsed on demand, with positions in the snapshot files.
//!
//! ```no_run
//! use iamwhy_core::SourceMap;
//! use iamwhy_snapshot::{Changes, load};
//!
//! let mut map = SourceMap::new();
//! let snapshot = load(std::path::Path::new("examples/snapshot"), &mut map).unwrap();
//! let alice = snapshot
//!     .resolve_principal("arn:aws:iam::111122223333:user/s3_full_access", None)
//!     .unwrap();
//! let who = snapshot.principal_policies(&mut map, &alice, &Changes::default()).unwrap();
//! let what = snapshot
//!     .resource_side(&mut map, "arn:aws:s3:::acme-reports/q3.csv", &Changes::default())
//!     .unwrap();
//! let set = snapshot.policy_set(&who, &what, None);
//! assert_eq!(set.identity.len(), 1);
//! ```

#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, reason = "tests may overflow loudly")
)]

mod gather;
mod iam_collect;
mod load;
mod model;

pub use gather::{
    Changes, KeyFact, OrgAttachment, OwnerKind, PrincipalError, PrincipalPolicies,
    ResolvedPrincipal, ResourceSide, ScopedChange, ScopedOp, parse_doc,
};
pub use load::{SNAPSHOT_FILE, load, load_texts};
pub use model::{
    Bucket, BucketEncryption, DocRef, Group, InlinePolicy, KmsAlias, KmsKey, ManagedPolicy,
    OrgPolicy, Organization, PublicAccessBlock, ResourcePolicy, Role, Snapshot, Tag, User,
};
