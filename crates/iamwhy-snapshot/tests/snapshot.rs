//! Loading real-shaped AWS CLI outputs (tests/fixtures/org-member: IAM documents URL-encoded
//! as the API returns them, two pages of `get-account-authorization-details`, a member
//! account two OU levels below the root) and gathering the policies of a request as AWS
//! does (spec §4.1).
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]

use std::path::Path;

use iamwhy_core::{PolicyKind, Principal, SourceMap};
use iamwhy_eval::Policy;
use iamwhy_snapshot::{Changes, Snapshot, load};

const ACCOUNT: &str = "111122223333";

fn fixture(map: &mut SourceMap) -> Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/org-member");
    load(&dir, map).unwrap()
}

fn names(policies: &[Policy]) -> Vec<String> {
    policies.iter().map(|p| p.label().to_owned()).collect()
}

fn actions_of(p: &Policy) -> Vec<String> {
    p.document
        .statements
        .iter()
        .flat_map(|s| s.action.items.iter())
        .map(|a| a.text.clone())
        .collect()
}

#[test]
fn loads_every_output_and_reports_bad_files_by_name() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    assert_eq!(s.account.as_deref(), Some(ACCOUNT));
    assert_eq!((s.users.len(), s.groups.len(), s.roles.len()), (2, 2, 2));
    assert_eq!(s.managed.len(), 5, "{:?}", s.managed.keys());
    assert!(s.buckets.contains_key("team-data"));
    assert_eq!(s.resource_policies.len(), 4);
    let org = s.organization.as_ref().unwrap();
    assert_eq!(org.management_account.as_deref(), Some("999988887777"));
    assert_eq!(
        org.path_to(ACCOUNT).unwrap(),
        ["r-ab12", "ou-ab12-11111111", "ou-ab12-22222222", ACCOUNT]
    );
    // Bad input: a truncated file and a foreign one are warnings naming the file, and the
    // rest of the snapshot still loads.
    let warned: Vec<String> = s
        .warnings
        .iter()
        .map(|w| {
            let loc = map.location(w.span.unwrap());
            format!("{}:{}: {}", loc.file, loc.line, w.message)
        })
        .collect();
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert!(warned[0].contains("junk/foreign.json:1: not an AWS CLI output"));
    assert!(warned[1].contains("junk/truncated.json:") && warned[1].contains("truncated JSON"));
}

#[test]
fn user_with_groups_boundary_tags_and_organization() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    // The ARN without the path finds the user; the snapshot fills in path, id and tags.
    let alice = s
        .resolve_principal("arn:aws:iam::111122223333:user/alice", None)
        .unwrap();
    let Principal::User(u) = &alice.principal else {
        panic!("{:?}", alice.principal)
    };
    assert_eq!(u.path, "/engineering/");
    assert!(u.unique_id.as_deref().unwrap().starts_with("AIDA"));
    assert!(alice.facts.tags.contains(&("team".into(), "data".into())));
    assert_eq!(alice.facts.org_id.as_deref(), Some("o-a1b2c3d4e5"));
    assert_eq!(
        alice.facts.org_paths,
        ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"]
    );

    let who = s
        .principal_policies(&mut map, &alice, &Changes::default())
        .unwrap();
    // Spec §4.1: user inline + attached + each group's inline and attached; a policy
    // attached to the user and to a group counts once.
    assert_eq!(
        names(&who.identity),
        [
            "user alice: alice-extra",
            "arn:aws:iam::111122223333:policy/DevTools",
            "group developers: dev-s3-read",
            "arn:aws:iam::aws:policy/SecurityAudit",
        ]
    );
    // The default version (v2) of a managed policy with two versions.
    let dev_tools = &who.identity[1];
    assert!(actions_of(dev_tools).contains(&"logs:*".to_owned()));
    assert_eq!(
        who.boundary.as_ref().unwrap().label(),
        "arn:aws:iam::111122223333:policy/EngineeringBoundary"
    );
    // SCPs of the account's path: root, two OUs, the account.
    let scps = who.scps.as_ref().unwrap();
    let levels: Vec<Vec<String>> = scps
        .iter()
        .map(|l| l.iter().map(|p| p.name.clone()).collect())
        .collect();
    assert_eq!(
        levels,
        [
            vec!["FullAWSAccess"],
            vec!["FullAWSAccess", "DenyOutsideApprovedRegions"],
            vec!["FullAWSAccess"],
            vec!["FullAWSAccess", "DenyLeaveOrganization"],
        ]
    );
    assert!(who.notes.is_empty(), "{:?}", who.notes);
}

#[test]
fn role_session_takes_the_roles_path_tags_and_policies() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let session = s
        .resolve_principal(
            "arn:aws:sts::111122223333:assumed-role/app-role/i-0123456789abcdef0",
            None,
        )
        .unwrap();
    let Principal::RoleSession(rs) = &session.principal else {
        panic!()
    };
    assert_eq!(rs.role.path, "/service/");
    assert_eq!(rs.session_name, "i-0123456789abcdef0");
    assert!(session.facts.tags.contains(&("env".into(), "prod".into())));
    let who = s
        .principal_policies(&mut map, &session, &Changes::default())
        .unwrap();
    assert_eq!(
        names(&who.identity),
        [
            "role app-role: app-inline",
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ]
    );
    assert!(who.boundary.is_none());
}

#[test]
fn aws_managed_policy_missing_from_the_snapshot_comes_from_the_catalog() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let slr = s
        .resolve_principal(
            "arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
            None,
        )
        .unwrap();
    assert!(slr.principal.is_service_linked_role());
    let who = s
        .principal_policies(&mut map, &slr, &Changes::default())
        .unwrap();
    assert_eq!(
        names(&who.identity),
        ["arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy"]
    );
    assert!(who.notes[0].contains("bundled catalog's default version"));
}

#[test]
fn federated_user_needs_its_parent_user() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let fed = "arn:aws:sts::111122223333:federated-user/contractor";
    let err = s.resolve_principal(fed, None).unwrap_err();
    assert!(err.message.contains("--parent-user"), "{}", err.message);
    let who = s
        .resolve_principal(fed, Some("arn:aws:iam::111122223333:user/bob"))
        .unwrap();
    let Principal::FederatedUser(f) = &who.principal else {
        panic!()
    };
    assert_eq!(f.parent_user.as_ref().unwrap().name, "bob");
    let policies = s
        .principal_policies(&mut map, &who, &Changes::default())
        .unwrap();
    // Spec §7.3: the parent user's policies are the base permissions.
    assert_eq!(
        names(&policies.identity),
        ["arn:aws:iam::111122223333:policy/FederationBroker"]
    );
}

#[test]
fn missing_principals_suggest_close_matches() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let err = s
        .resolve_principal("arn:aws:iam::111122223333:user/alicia", None)
        .unwrap_err();
    assert!(err.message.contains("has no user"));
    assert_eq!(
        err.suggestions,
        ["arn:aws:iam::111122223333:user/engineering/alice"]
    );
    let err = s
        .resolve_principal("arn:aws:iam::111122223333:role/app-rol", None)
        .unwrap_err();
    assert_eq!(
        err.suggestions,
        ["arn:aws:iam::111122223333:role/service/app-role"]
    );
}

#[test]
fn resources_policies_accounts_rcps_and_keys() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let none = Changes::default();
    // Spec §1.3: an S3 ARN names no account; the snapshot's account owns its buckets.
    let bucket = s
        .resource_side(&mut map, "arn:aws:s3:::team-data/reports/a.csv", &none)
        .unwrap();
    assert_eq!(bucket.owner_arn.as_deref(), Some("arn:aws:s3:::team-data"));
    assert_eq!(bucket.account.as_deref(), Some(ACCOUNT));
    assert_eq!(
        bucket.policy.as_ref().unwrap().name,
        "bucket policy of team-data"
    );
    // RCPs of the resource account's path, one level per target.
    assert_eq!(bucket.rcps.as_ref().unwrap().len(), 4);
    let key = s
        .kms_key_for("arn:aws:s3:::team-data/reports/a.csv")
        .unwrap();
    assert_eq!(
        key.arn,
        "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-1111-2222-3333-444455556666"
    );
    // An alias resolves to its key.
    assert_eq!(
        s.resolve_key("alias/team-data", None, None).as_deref(),
        Some(key.arn.as_str())
    );
    let by_alias = s
        .resource_side(
            &mut map,
            "arn:aws:kms:eu-west-1:111122223333:alias/team-data",
            &none,
        )
        .unwrap();
    assert_eq!(by_alias.owner_arn.as_deref(), Some(key.arn.as_str()));
    // A secret named without its random suffix; a Lambda function with a qualifier.
    let secret = s
        .resource_side(
            &mut map,
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-password",
            &none,
        )
        .unwrap();
    assert!(secret.policy.is_some());
    let function = s
        .resource_side(
            &mut map,
            "arn:aws:lambda:eu-west-1:111122223333:function:resize:prod",
            &none,
        )
        .unwrap();
    assert!(
        function
            .policy
            .unwrap()
            .name
            .starts_with("lambda policy of")
    );
    let queue = s
        .resource_side(&mut map, "arn:aws:sqs:eu-west-1:111122223333:orders", &none)
        .unwrap();
    assert!(queue.policy.is_some());
}

#[test]
fn management_account_is_exempt_from_scps_and_rcps() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let mut notes = Vec::new();
    for kind in [PolicyKind::Scp, PolicyKind::Rcp] {
        assert!(
            s.org_levels(&mut map, "999988887777", kind, &mut notes)
                .unwrap()
                .is_none()
        );
    }
    // An account whose place is unknown: not evaluated, and said so.
    assert!(
        s.org_levels(&mut map, "444455556666", PolicyKind::Scp, &mut notes)
            .unwrap()
            .is_none()
    );
    assert!(notes[0].contains("does not say where account 444455556666 sits"));
}

#[test]
fn candidate_changes_replace_add_remove_and_set() {
    let mut map = SourceMap::new();
    let s = fixture(&mut map);
    let alice = s
        .resolve_principal("arn:aws:iam::111122223333:user/engineering/alice", None)
        .unwrap();
    let doc = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}"#;
    let file = map.add_file("candidate.json", doc);
    let changes = Changes {
        replace: vec![("alice-extra".into(), file)],
        add: vec![file],
        remove: vec!["arn:aws:iam::aws:policy/SecurityAudit".into()],
        boundary: Some(file),
        ..Changes::default()
    };
    let who = s.principal_policies(&mut map, &alice, &changes).unwrap();
    assert_eq!(
        names(&who.identity),
        [
            "user alice: alice-extra (candidate)",
            "arn:aws:iam::111122223333:policy/DevTools",
            "group developers: dev-s3-read",
            "candidate candidate.json",
        ]
    );
    assert_eq!(actions_of(&who.identity[0]), ["kms:Decrypt"]);
    assert_eq!(
        who.boundary.unwrap().name,
        "candidate boundary candidate.json"
    );
    let wrong = Changes {
        remove: vec!["NoSuchPolicy".into()],
        ..Changes::default()
    };
    let err = s.principal_policies(&mut map, &alice, &wrong).unwrap_err();
    let d = err.first_error().unwrap();
    assert!(d.message.contains("not a policy of the principal"));
    assert!(d.help.as_ref().unwrap().contains("alice-extra"));
    // Replaying many principals: a change applies where the policy is held, no error.
    let lenient = Changes {
        lenient: true,
        ..wrong
    };
    assert!(s.principal_policies(&mut map, &alice, &lenient).is_ok());
}

#[test]
fn bad_policy_inside_a_snapshot_points_into_its_file() {
    let dir = std::env::temp_dir().join(format!("iamwhy-snap-{}", std::process::id()));
    let bucket = dir.join("s3/b1");
    std::fs::create_dir_all(&bucket).unwrap();
    std::fs::write(
        bucket.join("policy.json"),
        "{\n  \"Policy\": \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":\\\"*\\\",\\\"Action\\\":\\\"s3:GetObject\\\",\\\"Resourse\\\":\\\"*\\\"}]}\"\n}\n",
    )
    .unwrap();
    let mut map = SourceMap::new();
    let s = load(&dir, &mut map).unwrap();
    let err = s
        .resource_side(&mut map, "arn:aws:s3:::b1/k", &Changes::default())
        .unwrap_err();
    let d = err.first_error().unwrap();
    let loc = map.location(d.span.unwrap());
    assert!(loc.file.ends_with("s3/b1/policy.json"), "{}", loc.file);
    assert_eq!(loc.line, 2);
    assert!(d.message.contains("Resourse"), "{}", d.message);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_directory_that_is_not_there_is_an_error() {
    let mut map = SourceMap::new();
    let err = load(Path::new("/nonexistent/snapshot"), &mut map).unwrap_err();
    assert!(
        err.first_error()
            .unwrap()
            .message
            .contains("cannot read snapshot")
    );
}
