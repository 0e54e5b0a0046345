//! Tests of the iam-collect translation: the paths and JSON it produces from the hand-written
//! fixture (tests/fixtures/iam-collect), bad input, and loading one account with today's
//! single-account loader.

use std::path::{Path, PathBuf};

use iamwhy_core::{PolicyKind, SourceMap};
use serde_json::{Value, json};

use super::*;

const MEMBER: &str = "111122223333";
const OWNER: &str = "444455556666";
const KEY: &str = "1f2e3d4c-5b6a-4789-8abc-def012345678";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam-collect")
}

fn translated(layout: &Layout) -> (Translation, SourceMap) {
    let dir = fixture_dir();
    let (texts, warnings) = read_tree(&dir);
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut map = SourceMap::new();
    let t = translate(&dir, &texts, layout, &mut map);
    (t, map)
}

fn file<'t>(t: &'t Translation, rel: &str) -> &'t str {
    t.files
        .iter()
        .find(|(p, _)| p == Path::new(rel))
        .map(|(_, text)| text.as_str())
        .unwrap_or_else(|| panic!("no `{rel}` in {:?}", paths(t)))
}

fn value(t: &Translation, rel: &str) -> Value {
    serde_json::from_str(file(t, rel)).unwrap()
}

fn paths(t: &Translation) -> Vec<String> {
    t.files
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect()
}

/// The JSON of an iam-collect file of the fixture.
fn original(rel: &str) -> Value {
    let text = std::fs::read_to_string(fixture_dir().join(rel)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A policy given as a JSON string, parsed.
fn inner(v: &Value) -> Value {
    serde_json::from_str(v.as_str().unwrap()).unwrap()
}

#[test]
fn detects_an_iam_collect_directory_by_its_structure() {
    assert!(is_iam_collect(&fixture_dir()));
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/org-member");
    assert!(!is_iam_collect(&snapshot));
    assert!(!is_iam_collect(Path::new("/nonexistent/iamwhy")));
}

#[test]
fn many_layout_paths() {
    let (t, _) = translated(&Layout::Many);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let mut got = paths(&t);
    got.sort();
    let want = [
        "accounts/111122223333/eu-west-1/lambda/report-builder/policy.json",
        "accounts/111122223333/eu-west-1/secretsmanager/db-password-abcdef.json",
        "accounts/111122223333/eu-west-1/sns/app-events.json",
        "accounts/111122223333/eu-west-1/sqs/app-queue.json",
        "accounts/111122223333/iam/account-authorization-details.json",
        "accounts/444455556666/iam/account-authorization-details.json",
        "accounts/444455556666/s3/account-public-access-block.json",
        "accounts/444455556666/s3/shared-reports/encryption.json",
        "accounts/444455556666/s3/shared-reports/location.json",
        "accounts/444455556666/s3/shared-reports/policy.json",
        "accounts/444455556666/s3/shared-reports/public-access-block.json",
        "accounts/444455556666/us-east-1/kms/1f2e3d4c-5b6a-4789-8abc-def012345678/describe-key.json",
        "accounts/444455556666/us-east-1/kms/1f2e3d4c-5b6a-4789-8abc-def012345678/key-policy.json",
        "organizations/organization.json",
        "organizations/policies/p-FullAWSAccess.json",
        "organizations/policies/p-deny1111.json",
        "organizations/roots.json",
        "organizations/targets/111122223333/parents.json",
        "organizations/targets/111122223333/scps.json",
        "organizations/targets/444455556666/parents.json",
        "organizations/targets/444455556666/scps.json",
        "organizations/targets/999988887777/parents.json",
        "organizations/targets/999988887777/scps.json",
        "organizations/targets/ou-ab12-11111111/parents.json",
        "organizations/targets/ou-ab12-11111111/scps.json",
        "organizations/targets/r-ab12/scps.json",
    ];
    assert_eq!(got, want);
    // Every translated file is JSON.
    for (p, text) in &t.files {
        serde_json::from_str::<Value>(text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
}

#[test]
fn iam_entities_become_account_authorization_details() {
    let (t, _) = translated(&Layout::Many);
    let d = value(
        &t,
        "accounts/111122223333/iam/account-authorization-details.json",
    );
    let alice = &d["UserDetailList"][0];
    assert_eq!(alice["UserName"], "alice");
    assert_eq!(alice["Arn"], "arn:aws:iam::111122223333:user/alice");
    assert_eq!(alice["UserId"], "AIDAEXAMPLEALICE0001");
    assert_eq!(alice["GroupList"], json!(["developers"]));
    assert_eq!(
        alice["AttachedManagedPolicies"],
        json!([{"PolicyName": "DevTools", "PolicyArn": "arn:aws:iam::111122223333:policy/DevTools"}])
    );
    assert_eq!(alice["Tags"], json!([{"Key": "team", "Value": "data"}]));
    let inline = original("aws/aws/accounts/111122223333/iam/user/alice/inline-policies.json");
    assert_eq!(alice["UserPolicyList"], inline);

    let group = &d["GroupDetailList"][0];
    assert_eq!(group["GroupName"], "developers");
    assert_eq!(
        group["AttachedManagedPolicies"][0]["PolicyArn"],
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    );

    let role = &d["RoleDetailList"][0];
    let dir = "aws/aws/accounts/111122223333/iam/role/service%2fapp-role/";
    assert_eq!(role["RoleName"], "app-role");
    assert_eq!(role["Path"], "/service/");
    assert_eq!(
        role["AssumeRolePolicyDocument"],
        original(&format!("{dir}trust-policy.json"))
    );
    assert_eq!(
        role["PermissionsBoundary"],
        json!({"PermissionsBoundaryType": "Policy",
               "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/EngineeringBoundary"})
    );
    assert_eq!(
        role["InstanceProfileList"][0]["InstanceProfileName"],
        "app-profile"
    );
    assert_eq!(
        role["RolePolicyList"],
        original(&format!("{dir}inline-policies.json"))
    );

    let policies = d["Policies"].as_array().unwrap();
    let names: Vec<&str> = policies
        .iter()
        .map(|p| p["PolicyName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["DevTools", "EngineeringBoundary", "AmazonS3ReadOnlyAccess"]
    );
    let devtools = &policies[0];
    assert_eq!(devtools["DefaultVersionId"], "v2");
    assert_eq!(
        devtools["PolicyVersionList"],
        json!([{
            "Document": original("aws/aws/accounts/111122223333/iam/policy/devtools/current-policy.json"),
            "VersionId": "v2",
            "IsDefaultVersion": true
        }])
    );
}

#[test]
fn resources_become_the_cli_outputs() {
    let (t, _) = translated(&Layout::Many);
    let b = "accounts/444455556666/s3/shared-reports/";
    let dir = "aws/aws/accounts/444455556666/s3/shared-reports/";
    let policy = value(&t, &format!("{b}policy.json"));
    assert_eq!(
        inner(&policy["Policy"]),
        original(&format!("{dir}policy.json"))
    );
    assert_eq!(
        value(&t, &format!("{b}encryption.json")),
        json!({"ServerSideEncryptionConfiguration": {"Rules": original(&format!("{dir}encryption.json"))}})
    );
    assert_eq!(
        value(&t, &format!("{b}public-access-block.json")),
        json!({"PublicAccessBlockConfiguration": original(&format!("{dir}bpa.json"))})
    );
    // us-east-1, as `get-bucket-location` says it.
    assert_eq!(
        value(&t, &format!("{b}location.json")),
        json!({"LocationConstraint": null})
    );

    let k = format!("accounts/444455556666/us-east-1/kms/{KEY}/");
    let arn = format!("arn:aws:kms:us-east-1:444455556666:key/{KEY}");
    assert_eq!(
        value(&t, &format!("{k}describe-key.json")),
        json!({"KeyMetadata": {"AWSAccountId": OWNER, "KeyId": KEY, "Arn": arn}})
    );
    let key_policy = value(&t, &format!("{k}key-policy.json"));
    assert_eq!(key_policy["PolicyName"], "default");
    assert_eq!(
        inner(&key_policy["Policy"]),
        original(&format!(
            "aws/aws/accounts/444455556666/kms/us-east-1/key/{KEY}/policy.json"
        ))
    );

    let queue = value(&t, "accounts/111122223333/eu-west-1/sqs/app-queue.json");
    let attributes = &queue["Attributes"];
    assert_eq!(
        attributes["QueueArn"],
        "arn:aws:sqs:eu-west-1:111122223333:app-queue"
    );
    assert_eq!(attributes["KmsMasterKeyId"], "alias/aws/sqs");
    assert_eq!(
        inner(&attributes["Policy"]),
        original("aws/aws/accounts/111122223333/sqs/eu-west-1/app-queue/policy.json")
    );
    let secret = value(
        &t,
        "accounts/111122223333/eu-west-1/secretsmanager/db-password-abcdef.json",
    );
    assert_eq!(
        secret["ARN"],
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-password-AbCdEf"
    );
    assert_eq!(secret["Name"], "db-password");
    let function = value(
        &t,
        "accounts/111122223333/eu-west-1/lambda/report-builder/policy.json",
    );
    assert_eq!(function["RevisionId"], "");
    assert_eq!(
        inner(&function["Policy"]),
        original(
            "aws/aws/accounts/111122223333/lambda/eu-west-1/function/report-builder/policy.json"
        )
    );
}

#[test]
fn organization_becomes_the_organizations_outputs() {
    let (t, _) = translated(&Layout::Many);
    let org = value(&t, "organizations/organization.json");
    assert_eq!(org["Organization"]["Id"], "o-a1b2c3d4e5");
    assert_eq!(org["Organization"]["MasterAccountId"], "999988887777");
    let roots = value(&t, "organizations/roots.json");
    assert_eq!(
        roots,
        json!({"Roots": [{"Id": "r-ab12", "PolicyTypes": [
            {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}]})
    );
    assert_eq!(
        value(&t, "organizations/targets/111122223333/parents.json"),
        json!({"Parents": [{"Id": "ou-ab12-11111111", "Type": "ORGANIZATIONAL_UNIT"}]})
    );
    assert_eq!(
        value(&t, "organizations/targets/ou-ab12-11111111/parents.json"),
        json!({"Parents": [{"Id": "r-ab12", "Type": "ROOT"}]})
    );
    let scps = value(&t, "organizations/targets/ou-ab12-11111111/scps.json");
    let listed: Vec<(&str, &str, bool)> = scps["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["Type"], "SERVICE_CONTROL_POLICY");
            (
                p["Id"].as_str().unwrap(),
                p["Name"].as_str().unwrap(),
                p["AwsManaged"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("p-FullAWSAccess", "FullAWSAccess", true),
            ("p-deny1111", "DenyBucketDeletion", false)
        ]
    );
    let deny = value(&t, "organizations/policies/p-deny1111.json");
    assert_eq!(deny["Policy"]["PolicySummary"]["Id"], "p-deny1111");
    assert_eq!(
        inner(&deny["Policy"]["Content"]),
        original("aws/aws/organizations/o-a1b2c3d4e5/scps/p-deny1111/policy.json")
    );
    // RCPs are not enabled: no RCP lists, which would claim "none attached".
    assert!(!paths(&t).iter().any(|p| p.ends_with("rcps.json")));
}

#[test]
fn each_output_remembers_its_iam_collect_files() {
    let (t, _) = translated(&Layout::Many);
    let rel = PathBuf::from("accounts/111122223333/iam/account-authorization-details.json");
    let text = file(
        &t,
        "accounts/111122223333/iam/account-authorization-details.json",
    );
    let origin = &t.origins[&rel];
    assert_eq!(origin.whole, "aws/aws/accounts/111122223333/iam/");
    let trust = text.find("\"AssumeRolePolicyDocument\":").unwrap() + 30;
    assert_eq!(
        origin.at(trust),
        "aws/aws/accounts/111122223333/iam/role/service%2fapp-role/trust-policy.json"
    );
    let name = text.find("\"RoleName\"").unwrap();
    assert_eq!(
        origin.at(name),
        "aws/aws/accounts/111122223333/iam/role/service%2fapp-role/"
    );
}

#[test]
fn bad_files_are_warnings_that_name_the_file_and_skip_only_their_part() {
    let base = "aws/aws/accounts/111122223333/iam/";
    let texts: BTreeMap<PathBuf, String> = [
        (
            format!("{base}user/good/metadata.json"),
            r#"{"arn": "arn:aws:iam::111122223333:user/good", "name": "good"}"#,
        ),
        (
            format!("{base}user/broken/metadata.json"),
            "{\n  \"arn\": \"arn:aws:iam::111122223333:user/broken\",\n  \"name\": \n}",
        ),
        (
            format!("{base}role/orphan/trust-policy.json"),
            r#"{"Version": "2012-10-17", "Statement": []}"#,
        ),
        (
            format!("{base}user/good/managed-policies.json"),
            r#"{"not": "a list"}"#,
        ),
    ]
    .into_iter()
    .map(|(p, t)| (PathBuf::from(p), t.to_owned()))
    .collect();
    let mut map = SourceMap::new();
    let t = translate(Path::new("/snap"), &texts, &Layout::Many, &mut map);
    let warned: Vec<String> = t
        .warnings
        .iter()
        .map(|w| {
            let loc = map.location(w.span.unwrap());
            format!("{}:{}: {}", loc.file, loc.line, w.message)
        })
        .collect();
    assert_eq!(warned.len(), 3, "{warned:?}");
    assert_eq!(
        warned,
        [
            "/snap/aws/aws/accounts/111122223333/iam/user/broken/metadata.json:4: invalid JSON in an iam-collect file: expected value; skipped",
            "/snap/aws/aws/accounts/111122223333/iam/user/good/managed-policies.json:1: unexpected shape for iam-collect's `managed-policies.json` (a list of ARNs): invalid type: map, expected a sequence; skipped",
            "/snap/aws/aws/accounts/111122223333/iam/role/orphan/trust-policy.json:1: iam-collect folder `aws/aws/accounts/111122223333/iam/role/orphan/` has no `metadata.json`, so its resource is unknown; skipped",
        ]
    );
    // The good user is still there, without the managed policies it could not read.
    let d = value(
        &t,
        "accounts/111122223333/iam/account-authorization-details.json",
    );
    assert_eq!(d["UserDetailList"].as_array().unwrap().len(), 1);
    assert_eq!(d["UserDetailList"][0]["UserName"], "good");
    assert_eq!(d["UserDetailList"][0]["AttachedManagedPolicies"], json!([]));
    assert_eq!(d["RoleDetailList"], json!([]));
}

#[test]
fn loader_warnings_name_the_iam_collect_file() {
    // A managed policy whose document iam-collect did not write: the loader warns on the
    // translated file, and the warning names the iam-collect folder.
    let base = "aws/aws/accounts/111122223333/iam/policy/nodoc/";
    let texts: BTreeMap<PathBuf, String> = [(
        PathBuf::from(format!("{base}metadata.json")),
        r#"{"arn": "arn:aws:iam::111122223333:policy/NoDoc", "name": "NoDoc", "defaultVersionId": "v1"}"#.to_owned(),
    )]
    .into_iter()
    .collect();
    let mut map = SourceMap::new();
    let root = Path::new("/snap");
    let t = translate(root, &texts, &Layout::Single(MEMBER.to_owned()), &mut map);
    let s = load_translation(root, t, Vec::new(), &mut map);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0]
            .message
            .ends_with("(translated from iam-collect's `aws/aws/accounts/111122223333/iam/`)"),
        "{}",
        s.warnings[0].message
    );
}

#[test]
fn single_layout_loads_one_account_with_todays_loader() {
    let mut map = SourceMap::new();
    let dir = fixture_dir();
    let (texts, read) = read_tree(&dir);
    let t = translate(&dir, &texts, &Layout::Single(MEMBER.to_owned()), &mut map);
    assert!(!paths(&t).iter().any(|p| p.starts_with("accounts/")));
    let s = load_translation(&dir, t, read, &mut map);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.account.as_deref(), Some(MEMBER));
    assert_eq!((s.users.len(), s.groups.len(), s.roles.len()), (1, 1, 1));
    assert_eq!(s.managed.len(), 3, "{:?}", s.managed.keys());
    let alice = &s.users[0];
    assert_eq!(alice.groups, ["developers"]);
    assert_eq!(alice.inline.len(), 1);
    assert_eq!(alice.tags, [("team".to_owned(), "data".to_owned())]);
    let role = &s.roles[0];
    assert_eq!(role.arn, "arn:aws:iam::111122223333:role/service/app-role");
    assert!(role.trust.is_some());
    assert_eq!(
        role.boundary.as_deref(),
        Some("arn:aws:iam::111122223333:policy/EngineeringBoundary")
    );
    assert_eq!(role.instance_profiles, ["app-profile"]);
    let devtools = &s.managed["arn:aws:iam::111122223333:policy/DevTools"];
    assert_eq!(devtools.default_version, "v2");
    assert!(devtools.document.is_some());
    let mut services: Vec<(&str, &str)> = s
        .resource_policies
        .iter()
        .map(|p| (p.service, p.arn.as_str()))
        .collect();
    services.sort_unstable();
    assert_eq!(
        services,
        [
            (
                "lambda",
                "arn:aws:lambda:eu-west-1:111122223333:function:report-builder"
            ),
            (
                "secretsmanager",
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-password-AbCdEf"
            ),
            ("sns", "arn:aws:sns:eu-west-1:111122223333:app-events"),
            ("sqs", "arn:aws:sqs:eu-west-1:111122223333:app-queue"),
        ]
    );
    assert!(s.resource_policies.iter().all(|p| p.document.is_some()));
    let topic = s
        .resource_policies
        .iter()
        .find(|p| p.service == "sns")
        .unwrap();
    assert_eq!(topic.kms_key.as_deref(), Some("alias/aws/sns"));

    let org = s.organization.as_ref().unwrap();
    assert_eq!(org.management_account.as_deref(), Some("999988887777"));
    assert_eq!(
        org.path_to(MEMBER).unwrap(),
        ["r-ab12", "ou-ab12-11111111", MEMBER]
    );
    assert!(org.is_enabled(PolicyKind::Scp) && !org.is_enabled(PolicyKind::Rcp));
    assert_eq!(
        org.attachments[&("ou-ab12-11111111".to_owned(), PolicyKind::Scp)],
        ["p-FullAWSAccess", "p-deny1111"]
    );
    assert_eq!(org.policies.len(), 2);
    assert!(org.policies["p-FullAWSAccess"].aws_managed);

    // Policy documents parse where the loader put them.
    let doc = crate::parse_doc(&mut map, role.trust.unwrap(), PolicyKind::TrustPolicy)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(doc.statements.len(), 1);
}

#[test]
fn single_layout_loads_the_resource_account() {
    let mut map = SourceMap::new();
    let dir = fixture_dir();
    let (texts, read) = read_tree(&dir);
    let t = translate(&dir, &texts, &Layout::Single(OWNER.to_owned()), &mut map);
    let s = load_translation(&dir, t, read, &mut map);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.account.as_deref(), Some(OWNER));
    let bucket = &s.buckets["shared-reports"];
    assert!(bucket.policy.is_some());
    assert_eq!(bucket.region.as_deref(), Some("us-east-1"));
    let encryption = bucket.encryption.as_ref().unwrap();
    assert_eq!(encryption.algorithm, "aws:kms");
    assert!(encryption.bucket_key);
    assert_eq!(
        encryption.kms_key.as_deref(),
        Some(format!("arn:aws:kms:us-east-1:444455556666:key/{KEY}").as_str())
    );
    assert!(bucket.public_access_block.is_some());
    assert!(s.account_public_access_block.is_some());
    let key = s
        .key_by_arn(&format!("arn:aws:kms:us-east-1:444455556666:key/{KEY}"))
        .unwrap();
    assert!(key.policy.is_some());
    assert_eq!(
        key.arn.as_deref(),
        Some(format!("arn:aws:kms:us-east-1:444455556666:key/{KEY}").as_str())
    );
    assert_eq!(
        s.organization.as_ref().unwrap().path_to(OWNER).unwrap(),
        ["r-ab12", OWNER]
    );
}

#[test]
fn single_layout_of_an_unknown_account_says_so() {
    let (t, _) = translated(&Layout::Single("000000000000".to_owned()));
    assert_eq!(t.warnings.len(), 1);
    assert!(t.warnings[0].message.contains("no account `000000000000`"));
}

#[test]
fn ou_lists_equal_to_the_roots_are_flagged() {
    let org = "aws/aws/organizations/o-a1b2c3d4e5/";
    let full = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess";
    let texts: BTreeMap<PathBuf, String> = [
        (
            format!("{org}metadata.json"),
            r#"{"id": "o-a1b2c3d4e5", "rootOu": "r-ab12", "rootAccountId": "999988887777",
                "features": {"SERVICE_CONTROL_POLICY": true}}"#
                .to_owned(),
        ),
        (
            format!("{org}ous.json"),
            format!(
                r#"{{"r-ab12": {{"scps": ["{full}"], "rcps": []}},
                    "ou-ab12-11111111": {{"parent": "r-ab12", "scps": ["{full}"], "rcps": []}}}}"#
            ),
        ),
    ]
    .into_iter()
    .map(|(p, t)| (PathBuf::from(p), t))
    .collect();
    let mut map = SourceMap::new();
    let t = translate(Path::new("/snap"), &texts, &Layout::Many, &mut map);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    let w = &t.warnings[0];
    assert_eq!(
        map.location(w.span.unwrap()).file,
        "/snap/aws/aws/organizations/o-a1b2c3d4e5/ous.json"
    );
    assert!(w.message.contains("may be missing"), "{}", w.message);
    // The tree itself is still translated.
    assert_eq!(
        value(&t, "organizations/targets/ou-ab12-11111111/parents.json"),
        json!({"Parents": [{"Id": "r-ab12", "Type": "ROOT"}]})
    );
}
