//! Spec §5.1 grammar, as a property: any message built from the grammar — with or without SDK
//! prefix, EC2 wrapper, resource (quoted for S3), context clause, policy ARN — parses back to
//! the parts it was built from. Also the parser never panics on arbitrary text.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

use iamwhy_core::PolicyType;
use iamwhy_trail::{DenyKind, parse_message};
use proptest::prelude::*;

const TYPES: [(PolicyType, &str); 7] = [
    (PolicyType::Scp, "service control policy"),
    (PolicyType::Rcp, "resource control policy"),
    (PolicyType::Identity, "identity-based policy"),
    (PolicyType::Resource, "resource-based policy"),
    (PolicyType::PermissionsBoundary, "permissions boundary"),
    (PolicyType::Session, "session policy"),
    (PolicyType::VpcEndpoint, "VPC endpoint policy"),
];

fn article(phrase: &str) -> &'static str {
    if phrase.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

#[derive(Debug, Clone)]
struct Parts {
    principal: String,
    action: String,
    resource: Option<String>,
    context: Option<(bool, usize)>,
    policy_arn: Option<String>,
    sdk: bool,
    ec2: bool,
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        prop_oneof![
            "arn:aws:iam::[0-9]{12}:user/[A-Za-z0-9+=,.@_-]{1,20}",
            "arn:aws:sts::[0-9]{12}:assumed-role/[A-Za-z0-9_-]{1,20}/[A-Za-z0-9_.@-]{1,20}",
            Just("anonymous".to_owned()),
        ],
        "[a-z0-9-]{2,12}:[A-Z][A-Za-z0-9]{2,30}",
        proptest::option::of(prop_oneof![
            // A final `.` is read as the sentence's full stop, so resources do not end in one.
            "arn:aws:[a-z0-9]{2,10}:[a-z0-9-]{0,12}:[0-9]{0,12}:[a-zA-Z0-9/*:_.-]{0,39}[a-zA-Z0-9/*_-]",
            "role [a-z]{1,10}",
        ]),
        proptest::option::of((any::<bool>(), 0usize..7)),
        proptest::option::of("arn:aws:organizations::[0-9]{12}:policy/o-[a-z0-9]{10}/service_control_policy/p-[a-z0-9]{8}"),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(principal, action, resource, context, policy_arn, sdk, ec2)| Parts {
            principal,
            action,
            resource,
            context,
            policy_arn,
            sdk,
            ec2,
        })
}

fn render(p: &Parts) -> String {
    let mut m = String::new();
    if p.sdk {
        m.push_str("An error occurred (AccessDenied) when calling the DoThing operation: ");
    }
    if p.ec2 {
        m.push_str("You are not authorized to perform this operation. ");
    }
    m.push_str(&format!(
        "User: {} is not authorized to perform: {}",
        p.principal, p.action
    ));
    if let Some(r) = &p.resource {
        if p.action.starts_with("s3:") {
            m.push_str(&format!(" on resource: \"{r}\""));
        } else {
            m.push_str(&format!(" on resource: {r}"));
        }
    }
    if let Some((explicit, t)) = p.context {
        let phrase = TYPES[t].1;
        if explicit {
            m.push_str(&format!(
                " with an explicit deny in {} {phrase}",
                article(phrase)
            ));
            if let Some(arn) = &p.policy_arn {
                m.push_str(&format!(": {arn}"));
            }
        } else {
            m.push_str(&format!(
                " because no {phrase} allows the {} action",
                p.action
            ));
        }
    }
    if p.ec2 {
        m.push_str(". Encoded authorization failure message: AbCd-Ef_Gh");
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn spec_5_1_messages_parse_back_to_their_parts(p in parts()) {
        let text = render(&p);
        let m = parse_message(&text);
        prop_assert_eq!(m.principal.as_deref(), Some(p.principal.as_str()), "{}", text);
        prop_assert_eq!(m.action.as_deref(), Some(p.action.as_str()), "{}", text);
        prop_assert_eq!(m.resource.as_deref(), p.resource.as_deref(), "{}", text);
        match p.context {
            None => {
                prop_assert_eq!(m.deny_kind, DenyKind::Unknown);
                prop_assert_eq!(m.policy_type, None);
            }
            Some((explicit, t)) => {
                let kind = if explicit { DenyKind::Explicit } else { DenyKind::Implicit };
                prop_assert_eq!(m.deny_kind, kind, "{}", text);
                prop_assert_eq!(m.policy_type, Some(TYPES[t].0), "{}", text);
                let arn = if explicit { p.policy_arn.as_deref() } else { None };
                prop_assert_eq!(m.policy_arn.as_deref(), arn, "{}", text);
            }
        }
        prop_assert_eq!(m.encoded_message.is_some(), p.ec2);
        prop_assert_eq!(m.sdk_code.is_some(), p.sdk);
    }

    #[test]
    fn the_parser_takes_any_text(text in "\\PC{0,200}") {
        let _ = parse_message(&text);
    }
}
