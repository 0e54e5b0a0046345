//! The bundled data: counts (so that a bad regeneration fails), look-ups, expansion,
//! classification, managed policies, the hand-written tables.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, reason = "tests")]

use iamwhy_catalog::{
    Catalog, ExpandError, KeyType, Mechanism, PLACEHOLDERS, ResourceFact, ScalarType,
};

/// Counts of the pinned data (tools/catalog/generate.py prints them). A regeneration that
/// changes them must change these numbers deliberately.
#[test]
fn counts_of_the_pinned_data() {
    let c = Catalog::bundled();
    assert_eq!(c.service_prefixes().count(), 456);
    assert_eq!(c.services().map(|s| s.actions.len()).sum::<usize>(), 22_091);
    assert_eq!(
        c.services().map(|s| s.resource_types.len()).sum::<usize>(),
        2_334
    );
    assert_eq!(
        c.services().map(|s| s.condition_keys.len()).sum::<usize>(),
        2_578
    );
    assert_eq!(
        c.services()
            .flat_map(|s| s.actions.iter())
            .filter(|a| !a.dependent_actions.is_empty())
            .count(),
        1_654
    );
    assert_eq!(c.managed_policies().len(), 1_594);
    let sources: serde_json::Value = serde_json::from_str(iamwhy_catalog::SOURCES_JSON).unwrap();
    assert_eq!(sources["counts"]["actions"], 22_091);
    assert_eq!(sources["counts"]["managed_policies"], 1_594);
}

#[test]
fn every_line_of_the_data_parses() {
    let c = Catalog::bundled();
    for s in c.services() {
        for a in &s.actions {
            assert!(!a.access_level.is_empty(), "{}", a.full_name());
            for row in &a.resource_types {
                assert!(
                    s.resource_type(row.name).is_some(),
                    "{}: unknown resource type {}",
                    a.full_name(),
                    row.name
                );
            }
            for dep in &a.dependent_actions {
                assert!(dep.contains(':'), "{}: {dep}", a.full_name());
            }
        }
        for r in &s.resource_types {
            assert!(
                r.arn.starts_with("arn:") || r.arn == "*",
                "{}: {}",
                s.prefix,
                r.arn
            );
        }
    }
    assert!(c.global_condition_keys().len() >= 50);
}

#[test]
fn action_lookup_ignores_case() {
    let c = Catalog::bundled();
    let a = c.action("S3:getobject").unwrap();
    assert_eq!(a.full_name(), "s3:GetObject");
    assert_eq!(a.access_level, "Read");
    let types: Vec<&str> = a.resource_types.iter().map(|r| r.name).collect();
    assert!(types.contains(&"object"), "{types:?}");
    assert!(c.action("s3:GetObjectt").is_none());
    assert!(c.action("nosuchservice:GetObject").is_none());
    assert!(c.action("GetObject").is_none());
    assert!(c.action("s3:ListAllMyBuckets").unwrap().wildcard_only());
}

#[test]
fn expansion() {
    let c = Catalog::bundled();
    let gets = c.expand("s3:Get*").unwrap();
    assert!(gets.len() > 50);
    assert!(
        gets.iter()
            .all(|a| a.service == "s3" && a.name.starts_with("Get"))
    );
    let tagging = c.expand("s3:*Tagging").unwrap();
    assert!(tagging.iter().any(|a| a.name == "PutObjectTagging"));
    assert!(tagging.iter().all(|a| a.name.ends_with("Tagging")));
    assert_eq!(c.expand("*").unwrap().len(), 22_091);
    assert_eq!(c.expand("s3:getobject").unwrap().len(), 1);
    assert_eq!(
        c.expand("s3:*").unwrap().len(),
        c.service("s3").unwrap().actions.len()
    );
    // `?` is one character.
    assert!(
        c.expand("s3:GetObjec?")
            .unwrap()
            .iter()
            .any(|a| a.name == "GetObject")
    );
    assert!(c.expand("*:ListBuckets").is_err() || !c.expand("*:ListBuckets").unwrap().is_empty());
    assert!(matches!(
        c.expand("s4:Get*"),
        Err(ExpandError::UnknownService { suggestions, .. }) if suggestions.contains(&"s3".to_owned())
    ));
    assert!(matches!(
        c.expand("s3:GetObjcet"),
        Err(ExpandError::NoMatch { suggestions }) if suggestions == ["s3:GetObject"]
    ));
    assert_eq!(c.expand("GetObject").unwrap_err(), ExpandError::NoService);
    assert_eq!(c.expand(":Get*").unwrap_err(), ExpandError::NoService);
    assert!(c.suggest_action(":GetObject").is_empty());
}

#[test]
fn suggestions() {
    let c = Catalog::bundled();
    assert_eq!(c.suggest_action("s3:GetObjcet"), ["s3:GetObject"]);
    assert_eq!(
        c.suggest_action("s3:DescribeInstances")[0],
        "ec2:DescribeInstances"
    );
    assert_eq!(c.suggest_action("s4:GetObject")[0], "s3:GetObject");
    assert!(c.suggest_action("s3:Xyzzy").is_empty());
}

#[test]
fn condition_keys_and_types() {
    let c = Catalog::bundled();
    let ip = c.condition_key("aws:SourceIp").unwrap();
    assert_eq!(ip.key_type.scalar, ScalarType::IpAddress);
    let tag = c.condition_key("aws:ResourceTag/team").unwrap();
    assert_eq!(tag.name, "aws:ResourceTag/${TagKey}");
    assert_eq!(
        c.condition_key("aws:TagKeys").unwrap().key_type,
        KeyType::parse("ArrayOfString").unwrap()
    );
    assert!(
        c.condition_key("aws:CalledVia")
            .unwrap()
            .key_type
            .multivalued
    );
    let prefix = c.condition_key("s3:prefix").unwrap();
    assert_eq!(prefix.key_type.scalar, ScalarType::String);
    assert!(c.condition_key("s3:NoSuchKey").is_none());
    let get = c.action("s3:GetObject").unwrap();
    let keys: Vec<&str> = c
        .action_condition_keys(get)
        .iter()
        .map(|(n, _)| *n)
        .collect();
    assert!(keys.contains(&"s3:ExistingObjectTag/<key>"), "{keys:?}");
    let kms = c.action("kms:Decrypt").unwrap();
    let keys = c.action_condition_keys(kms);
    let via = keys.iter().find(|(n, _)| *n == "kms:ViaService").unwrap();
    assert_eq!(via.1.unwrap().key_type.scalar, ScalarType::String);
    assert!(
        keys.iter()
            .any(|(n, _)| n.starts_with("kms:EncryptionContext"))
    );
}

#[test]
fn arn_classification() {
    let c = Catalog::bundled();
    let best = |arn: &str| {
        c.classify_arn(arn.split(':').nth(2).unwrap(), arn)
            .first()
            .map(|r| r.name)
    };
    assert_eq!(best("arn:aws:s3:::reports/2026/q3.csv"), Some("object"));
    assert_eq!(best("arn:aws:s3:::reports"), Some("bucket"));
    assert_eq!(
        best("arn:aws:iam::111122223333:role/app/Deploy"),
        Some("role")
    );
    assert_eq!(
        best("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        Some("key")
    );
    assert_eq!(
        best("arn:aws:dynamodb:us-east-1:111122223333:table/Orders"),
        Some("table")
    );
    assert_eq!(best("arn:aws:s3:::"), None);
    let list = c.action("s3:ListBucket").unwrap();
    assert_eq!(c.action_accepts(list, "arn:aws:s3:::reports"), Some(true));
    assert_eq!(
        c.action_accepts(list, "arn:aws:s3:::reports/x"),
        Some(false)
    );
    let get = c.action("s3:GetObject").unwrap();
    assert_eq!(c.action_accepts(get, "arn:aws:s3:::reports/x"), Some(true));
    assert_eq!(c.action_accepts(get, "*"), Some(true));
}

#[test]
fn managed_policies() {
    let c = Catalog::bundled();
    let p = c
        .managed_policy("arn:aws:iam::aws:policy/AmazonS3FullAccess")
        .unwrap();
    assert_eq!(p.name, "AmazonS3FullAccess");
    let doc: serde_json::Value = serde_json::from_str(p.document).unwrap();
    assert!(doc["Statement"].is_array());
    assert!(p.document.contains("\"s3:*\""));
    assert_eq!(
        c.managed_policy("amazons3fullaccess").unwrap().name,
        "AmazonS3FullAccess"
    );
    // Other partitions name the same policies.
    assert!(
        c.managed_policy("arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess")
            .is_some()
    );
    // A path is part of the ARN.
    assert!(
        c.managed_policy("arn:aws:iam::aws:policy/service-role/AWSLambdaRole")
            .is_some()
    );
    assert!(
        c.managed_policy("arn:aws:iam::aws:policy/AWSLambdaRole")
            .is_none()
    );
    assert!(
        c.managed_policy("arn:aws:iam::111122223333:policy/AmazonS3FullAccess")
            .is_none()
    );
    let default = p.default_version;
    assert!(
        c.managed_policy_version("AmazonS3FullAccess", default)
            .is_ok()
    );
    let err = c
        .managed_policy_version("AmazonS3FullAccess", "v0")
        .unwrap_err()
        .to_string();
    assert!(err.contains("only the default version"), "{err}");
    let err = c
        .managed_policy_version("AmazonS3FulAccess", "v1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean `AmazonS3FullAccess`"), "{err}");
    // Every bundled document is JSON with a Statement.
    for p in c.managed_policies() {
        let doc: serde_json::Value = serde_json::from_str(p.document).unwrap();
        assert!(doc.get("Statement").is_some(), "{}", p.name);
    }
}

/// The hidden-call table (written by hand from the AWS documentation): every rule cites an
/// AWS documentation page, names real actions, and uses only known placeholders.
#[test]
fn hidden_call_table_is_well_formed() {
    let c = Catalog::bundled();
    let rules = c.hidden_calls();
    assert!(rules.len() >= 15, "{} rules", rules.len());
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rules.len(), "duplicate rule ids");
    for r in rules {
        assert!(
            r.doc.starts_with("https://docs.aws.amazon.com/"),
            "{}: {}",
            r.id,
            r.doc
        );
        assert!(!r.doc_title.is_empty(), "{}", r.id);
        assert!(!r.checks.is_empty(), "{}", r.id);
        for t in &r.trigger {
            assert!(
                c.action(t).is_some(),
                "{}: trigger {t} is not an action",
                r.id
            );
        }
        for check in &r.checks {
            assert!(
                c.action(&check.action).is_some(),
                "{}: {} is not an action",
                r.id,
                check.action
            );
            let values = std::iter::once(&check.resource).chain(check.context.values());
            for v in values {
                iamwhy_catalog::fill_placeholders(v, |name| {
                    PLACEHOLDERS.contains(&name).then(String::new)
                })
                .unwrap_or_else(|p| panic!("{}: unknown placeholder {{{p}}}", r.id));
            }
            for key in check.context.keys() {
                assert!(
                    c.condition_key(key).is_some()
                        || key
                            .to_ascii_lowercase()
                            .starts_with("kms:encryptioncontext:"),
                    "{}: unknown condition key {key}",
                    r.id
                );
            }
        }
        if r.mechanism == Mechanism::ForwardAccessSession {
            for check in &r.checks {
                assert_eq!(
                    check.context.get("aws:ViaAWSService").map(String::as_str),
                    Some("true"),
                    "{}: a forward access session carries aws:ViaAWSService",
                    r.id
                );
            }
        }
    }
}

fn checks_of(action: &str) -> Vec<(String, ResourceFact, Mechanism)> {
    Catalog::bundled()
        .hidden_calls_for(action)
        .into_iter()
        .flat_map(|r| {
            r.checks
                .iter()
                .map(move |c| (c.action.clone(), r.resource_fact, r.mechanism))
        })
        .collect()
}

#[test]
fn hidden_calls_sse_kms_s3() {
    let get = checks_of("s3:GetObject");
    assert!(
        get.contains(&(
            "kms:Decrypt".into(),
            ResourceFact::KmsKey,
            Mechanism::ForwardAccessSession
        )),
        "{get:?}"
    );
    let put = checks_of("s3:PutObject");
    assert!(
        put.iter()
            .any(|(a, f, _)| a == "kms:GenerateDataKey" && *f == ResourceFact::KmsKey),
        "{put:?}"
    );
    let rule = Catalog::bundled().hidden_calls_for("s3:GetObject")[0];
    let check = &rule.checks[0];
    assert_eq!(
        check.context.get("kms:ViaService").map(String::as_str),
        Some("s3.{region}.amazonaws.com")
    );
    assert!(
        !check.context.contains_key("aws:CalledVia"),
        "S3 is not on the aws:CalledVia list"
    );
}

#[test]
fn hidden_calls_dynamodb_secrets_manager_passrole() {
    let ddb = checks_of("dynamodb:GetItem");
    assert!(ddb.iter().any(|(a, _, _)| a == "kms:Decrypt"), "{ddb:?}");
    let secret = checks_of("secretsmanager:GetSecretValue");
    assert!(
        secret
            .iter()
            .any(|(a, f, _)| a == "kms:Decrypt" && *f == ResourceFact::KmsKey),
        "{secret:?}"
    );
    let lambda = checks_of("lambda:CreateFunction");
    assert!(
        lambda.contains(&(
            "iam:PassRole".into(),
            ResourceFact::PassedRole,
            Mechanism::CallerPermission
        )),
        "{lambda:?}"
    );
    let rule = Catalog::bundled()
        .hidden_calls_for("lambda:createfunction")
        .into_iter()
        .find(|r| r.checks.iter().any(|c| c.action == "iam:PassRole"))
        .unwrap();
    assert_eq!(rule.checks[0].resource, "{role_arn}");
    assert_eq!(
        rule.checks[0]
            .context
            .get("iam:PassedToService")
            .map(String::as_str),
        Some("lambda.amazonaws.com")
    );
    assert!(!checks_of("ec2:RunInstances").is_empty());
    assert!(checks_of("s3:ListBucket").is_empty());
}
