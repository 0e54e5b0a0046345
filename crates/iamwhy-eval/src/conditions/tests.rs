//! Condition operators against the tables of spec §3.2–§3.6. Each row: the `Condition` block
//! of a statement, the request context, the expected result.

use iamwhy_core::PolicyKind;
use iamwhy_core::{Context, ContextValue};
use iamwhy_policy::parse_policy_str;

use super::eval_condition;
use crate::matching::ContextVars;

fn ctx(entries: &[(&str, &str)]) -> Context {
    let mut c = Context::new();
    for (k, v) in entries {
        if let Some(list) = v.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let values = if list.is_empty() {
                vec![]
            } else {
                list.split(',').map(str::to_owned).collect()
            };
            c.insert(k, ContextValue::Multi(values));
        } else {
            c.set(k, *v);
        }
    }
    c
}

/// Evaluates every condition of a one-statement policy (`Version` 2012-10-17 unless the
/// block starts with `2008:`) and ANDs them, like a statement does.
fn holds(block: &str, entries: &[(&str, &str)]) -> bool {
    let (version, block) = match block.strip_prefix("2008:") {
        Some(b) => ("2008-10-17", b),
        None => ("2012-10-17", block),
    };
    let text = format!(
        r#"{{"Version": "{version}", "Statement": {{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {block}}}}}"#
    );
    let doc =
        parse_policy_str(&text, PolicyKind::Identity).unwrap_or_else(|e| panic!("{block}: {e}"));
    let c = ctx(entries);
    doc.statements[0]
        .conditions
        .iter()
        .all(|cond| eval_condition(cond, &c, &ContextVars(&c)))
}

/// A row: condition block, context entries, expected result.
type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);

fn check(rows: &[Row<'_>]) {
    let mut failures = Vec::new();
    for (block, entries, expected) in rows {
        let got = holds(block, entries);
        if got != *expected {
            failures.push(format!(
                "{block} with {entries:?}: expected {expected}, got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

const NONE: &[(&str, &str)] = &[];

#[test]
fn string_family_spec_3_2() {
    check(&[
        (r#"{"StringEquals": {"k": "Abc"}}"#, &[("k", "Abc")], true),
        (r#"{"StringEquals": {"k": "Abc"}}"#, &[("k", "abc")], false),
        (r#"{"StringEquals": {"k": "a*"}}"#, &[("k", "abc")], false),
        (r#"{"StringEquals": {"k": "a*"}}"#, &[("k", "a*")], true),
        (
            r#"{"StringEquals": {"k": ["x", "y"]}}"#,
            &[("k", "y")],
            true,
        ),
        (
            r#"{"StringNotEquals": {"k": ["x", "y"]}}"#,
            &[("k", "y")],
            false,
        ),
        (
            r#"{"StringNotEquals": {"k": ["x", "y"]}}"#,
            &[("k", "z")],
            true,
        ),
        (
            r#"{"StringEqualsIgnoreCase": {"k": "ÉTÉ"}}"#,
            &[("k", "été")],
            true,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase": {"k": "ABC"}}"#,
            &[("k", "abc")],
            false,
        ),
        (r#"{"StringLike": {"k": "a*c"}}"#, &[("k", "abbbc")], true),
        (r#"{"StringLike": {"k": "a?c"}}"#, &[("k", "abbc")], false),
        (r#"{"StringLike": {"k": "A*"}}"#, &[("k", "abc")], false),
        (
            r#"{"StringNotLike": {"k": ["a*", "b*"]}}"#,
            &[("k", "cat")],
            true,
        ),
        (
            r#"{"StringNotLike": {"k": ["a*", "b*"]}}"#,
            &[("k", "bat")],
            false,
        ),
        // Spec §3.2 important consequence: `*` in StringLike swallows colons.
        (
            r#"{"StringLike": {"k": "arn:aws:svc:*:111122223333:finance/*"}}"#,
            &[(
                "k",
                "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc",
            )],
            true,
        ),
        (r#"{"StringEquals": {"K": "v"}}"#, &[("k", "v")], true),
    ]);
}

#[test]
fn numeric_date_bool_binary_ip_arn_families_spec_3_2() {
    check(&[
        (r#"{"NumericEquals": {"k": "10"}}"#, &[("k", "10.0")], true),
        (r#"{"NumericEquals": {"k": 10}}"#, &[("k", "10")], true),
        (r#"{"NumericNotEquals": {"k": "10"}}"#, &[("k", "11")], true),
        (r#"{"NumericLessThan": {"k": "10"}}"#, &[("k", "9.5")], true),
        (r#"{"NumericLessThan": {"k": "10"}}"#, &[("k", "10")], false),
        (
            r#"{"NumericLessThanEquals": {"k": "10"}}"#,
            &[("k", "10")],
            true,
        ),
        (
            r#"{"NumericGreaterThan": {"k": "-1"}}"#,
            &[("k", "0")],
            true,
        ),
        (
            r#"{"NumericGreaterThanEquals": {"k": "3600"}}"#,
            &[("k", "3599")],
            false,
        ),
        (
            r#"{"DateGreaterThan": {"k": "2020-01-01T00:00:00Z"}}"#,
            &[("k", "2021-06-01T12:00:00Z")],
            true,
        ),
        (
            r#"{"DateLessThan": {"k": "2020-01-01"}}"#,
            &[("k", "1577836799")],
            true,
        ),
        (
            r#"{"DateEquals": {"k": "1577836800"}}"#,
            &[("k", "2020-01-01T00:00:00Z")],
            true,
        ),
        (
            r#"{"DateNotEquals": {"k": "2020-01-01"}}"#,
            &[("k", "2020-01-02")],
            true,
        ),
        (
            r#"{"DateLessThanEquals": {"k": "2020-01-01T01:00:00+01:00"}}"#,
            &[("k", "2020-01-01T00:00:00Z")],
            true,
        ),
        (
            r#"{"DateGreaterThanEquals": {"k": "2020-01-01"}}"#,
            &[("k", "2019-12-31")],
            false,
        ),
        (r#"{"Bool": {"k": "true"}}"#, &[("k", "TRUE")], true),
        (r#"{"Bool": {"k": true}}"#, &[("k", "true")], true),
        (r#"{"Bool": {"k": "false"}}"#, &[("k", "true")], false),
        (
            r#"{"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}}"#,
            &[("k", "QmluYXJ5VmFsdWU=")],
            true,
        ),
        (
            r#"{"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}}"#,
            &[("k", "b3RoZXI=")],
            false,
        ),
        (
            r#"{"IpAddress": {"k": "203.0.113.0/24"}}"#,
            &[("k", "203.0.113.7")],
            true,
        ),
        (
            r#"{"IpAddress": {"k": "203.0.113.9/24"}}"#,
            &[("k", "203.0.113.7")],
            true,
        ),
        (
            r#"{"IpAddress": {"k": ["203.0.113.0/24", "2001:db8::/32"]}}"#,
            &[("k", "2001:db8::1")],
            true,
        ),
        (
            r#"{"NotIpAddress": {"k": "203.0.113.0/24"}}"#,
            &[("k", "198.51.100.1")],
            true,
        ),
        // An IPv4 range never contains an IPv6 address, so NotIpAddress is true.
        (
            r#"{"NotIpAddress": {"k": "203.0.113.0/24"}}"#,
            &[("k", "2001:db8::1")],
            true,
        ),
        (
            r#"{"ArnLike": {"k": "arn:aws:iam::*:role/app-*"}}"#,
            &[("k", "arn:aws:iam::111122223333:role/app-web")],
            true,
        ),
        (
            r#"{"ArnEquals": {"k": "arn:aws:iam::*:role/app-*"}}"#,
            &[("k", "arn:aws:iam::111122223333:role/app-web")],
            true,
        ),
        (
            r#"{"ArnLike": {"k": "arn:aws:svc:*:111122223333:finance/*"}}"#,
            &[(
                "k",
                "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc",
            )],
            false,
        ),
        (
            r#"{"ArnNotLike": {"k": "arn:aws:iam::*:role/admin"}}"#,
            &[("k", "arn:aws:iam::111122223333:role/dev")],
            true,
        ),
        (
            r#"{"ArnNotEquals": {"k": "arn:aws:iam::*:role/admin"}}"#,
            &[("k", "arn:aws:iam::111122223333:role/admin")],
            false,
        ),
    ]);
}

#[test]
fn unreadable_request_values_are_false_for_positive_and_negated_spec_3_2_a6() {
    check(&[
        (r#"{"NumericEquals": {"k": "10"}}"#, &[("k", "ten")], false),
        (
            r#"{"NumericNotEquals": {"k": "10"}}"#,
            &[("k", "ten")],
            false,
        ),
        (
            r#"{"DateNotEquals": {"k": "2020-01-01"}}"#,
            &[("k", "yesterday")],
            false,
        ),
        (
            r#"{"NotIpAddress": {"k": "10.0.0.0/8"}}"#,
            &[("k", "not-an-ip")],
            false,
        ),
        (
            r#"{"ArnNotLike": {"k": "arn:aws:iam::*:role/x"}}"#,
            &[("k", "role/x")],
            false,
        ),
        (r#"{"Bool": {"k": "true"}}"#, &[("k", "yes")], false),
    ]);
    // An unreadable policy value never matches: positive false, negated true.
    check(&[
        (r#"{"NumericEquals": {"k": "abc"}}"#, &[("k", "1")], false),
        (r#"{"NumericNotEquals": {"k": "abc"}}"#, &[("k", "1")], true),
    ]);
}

#[test]
fn missing_keys_and_if_exists_spec_3_3() {
    check(&[
        (r#"{"StringEquals": {"k": "v"}}"#, NONE, false),
        (r#"{"StringNotEquals": {"k": "v"}}"#, NONE, true),
        (r#"{"NumericLessThan": {"k": "1"}}"#, NONE, false),
        (r#"{"NotIpAddress": {"k": "10.0.0.0/8"}}"#, NONE, true),
        (r#"{"ArnNotLike": {"k": "arn:aws:iam::*:*"}}"#, NONE, true),
        (r#"{"StringEqualsIfExists": {"k": "v"}}"#, NONE, true),
        (r#"{"StringNotEqualsIfExists": {"k": "v"}}"#, NONE, true),
        (
            r#"{"StringEqualsIfExists": {"k": "v"}}"#,
            &[("k", "w")],
            false,
        ),
        (
            r#"{"StringNotEqualsIfExists": {"k": "v"}}"#,
            &[("k", "v")],
            false,
        ),
        (
            r#"{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}"#,
            NONE,
            true,
        ),
        (
            r#"{"Bool": {"aws:MultiFactorAuthPresent": "false"}}"#,
            NONE,
            false,
        ),
        (
            r#"{"NumericGreaterThanIfExists": {"k": "5"}}"#,
            &[("k", "6")],
            true,
        ),
        // A multi-valued key without a set operator is false, positive or negated (A4).
        (r#"{"StringEquals": {"k": "a"}}"#, &[("k", "[a]")], false),
        (
            r#"{"StringNotEquals": {"k": "a"}}"#,
            &[("k", "[b,c]")],
            false,
        ),
    ]);
}

#[test]
fn null_and_empty_values_spec_3_4() {
    check(&[
        (r#"{"Null": {"k": "true"}}"#, NONE, true),
        (r#"{"Null": {"k": "true"}}"#, &[("k", "v")], false),
        (r#"{"Null": {"k": "false"}}"#, &[("k", "v")], true),
        (r#"{"Null": {"k": "false"}}"#, NONE, false),
        (r#"{"Null": {"k": true}}"#, NONE, true),
        (r#"{"Null": {"k": ["true", "false"]}}"#, &[("k", "v")], true),
        // A5: an empty string or empty list is null.
        (r#"{"Null": {"k": "true"}}"#, &[("k", "")], true),
        (r#"{"Null": {"k": "false"}}"#, &[("k", "[]")], false),
        (r#"{"StringEquals": {"k": ""}}"#, &[("k", "")], true),
    ]);
}

#[test]
fn set_operators_spec_3_5() {
    check(&[
        // ForAllValues:StringEquals {"dynamodb:Attributes": [A,B,C]}
        (
            r#"{"ForAllValues:StringEquals": {"k": ["A", "B", "C"]}}"#,
            &[("k", "[A,B]")],
            true,
        ),
        (
            r#"{"ForAllValues:StringEquals": {"k": ["A", "B", "C"]}}"#,
            &[("k", "[A,X]")],
            false,
        ),
        (
            r#"{"ForAllValues:StringEquals": {"k": ["A", "B", "C"]}}"#,
            NONE,
            true,
        ),
        (
            r#"{"ForAllValues:StringEquals": {"k": ["A"]}}"#,
            &[("k", "[]")],
            true,
        ),
        (
            r#"{"ForAnyValue:StringEquals": {"k": ["A", "B"]}}"#,
            &[("k", "[X,B]")],
            true,
        ),
        (
            r#"{"ForAnyValue:StringEquals": {"k": ["A", "B"]}}"#,
            &[("k", "[X,Y]")],
            false,
        ),
        (r#"{"ForAnyValue:StringEquals": {"k": ["A"]}}"#, NONE, false),
        (
            r#"{"ForAnyValue:StringEquals": {"k": ["A"]}}"#,
            &[("k", "[]")],
            false,
        ),
        // ForAllValues:StringNotLike {"aws:TagKeys": "key1*"}
        (
            r#"{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}"#,
            &[("aws:TagKeys", "[key1:legal]")],
            false,
        ),
        (
            r#"{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}"#,
            &[("aws:TagKeys", "[key2:audit]")],
            true,
        ),
        (
            r#"{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}"#,
            NONE,
            true,
        ),
        // ForAnyValue:StringNotEquals is true iff some request value is outside the set.
        (
            r#"{"ForAnyValue:StringNotEquals": {"k": ["a", "b"]}}"#,
            &[("k", "[a,c]")],
            true,
        ),
        (
            r#"{"ForAnyValue:StringNotEquals": {"k": ["a", "b"]}}"#,
            &[("k", "[a,b]")],
            false,
        ),
        // A single value counts as a one-element set.
        (
            r#"{"ForAnyValue:StringEquals": {"k": "a"}}"#,
            &[("k", "a")],
            true,
        ),
        // IfExists with a set operator and an absent key: true (A8, docs over iam-simulate).
        (
            r#"{"ForAnyValue:StringEqualsIfExists": {"k": "a"}}"#,
            NONE,
            true,
        ),
        (
            r#"{"ForAllValues:StringLikeIfExists": {"k": "a*"}}"#,
            &[("k", "[ab,b]")],
            false,
        ),
    ]);
}

#[test]
fn policy_variables_spec_3_6() {
    let user = &[("aws:username", "alice"), ("aws:PrincipalTag/team", "blue")][..];
    check(&[
        (
            r#"{"StringEquals": {"s3:prefix": "home/${aws:username}/"}}"#,
            &[("s3:prefix", "home/alice/"), user[0]],
            true,
        ),
        (
            r#"{"StringLike": {"s3:prefix": "home/${aws:username}/*"}}"#,
            &[("s3:prefix", "home/alice/x"), user[0]],
            true,
        ),
        // Substituted text is literal: a `*` in the value is not a wildcard.
        (
            r#"{"StringLike": {"k": "${aws:username}"}}"#,
            &[("k", "bob"), ("aws:username", "*")],
            false,
        ),
        // Key lookup ignores case.
        (
            r#"{"StringEquals": {"k": "${AWS:UserName}"}}"#,
            &[("k", "alice"), user[0]],
            true,
        ),
        // Unresolved without default: a positive operator does not match...
        (
            r#"{"StringEquals": {"k": "${aws:PrincipalTag/dept}"}}"#,
            &[("k", "x")],
            false,
        ),
        // ...a negated one counts it as not equal (A7, AWS docs over iam-simulate).
        (
            r#"{"StringNotEquals": {"k": "${aws:PrincipalTag/dept}"}}"#,
            &[("k", "x")],
            true,
        ),
        (
            r#"{"ArnNotLike": {"k": "arn:aws:s3:::${aws:PrincipalTag/dept}/*"}}"#,
            &[("k", "arn:aws:s3:::b/o")],
            true,
        ),
        // Defaults apply when the key is absent.
        (
            r#"{"StringEquals": {"k": "${aws:PrincipalTag/dept, 'none'}"}}"#,
            &[("k", "none")],
            true,
        ),
        (
            r#"{"StringEquals": {"k": "${aws:PrincipalTag/team,'none'}"}}"#,
            &[("k", "blue"), user[1]],
            true,
        ),
        // A multi-valued key cannot be a variable.
        (
            r#"{"StringEquals": {"k": "${aws:TagKeys}"}}"#,
            &[("k", "a"), ("aws:TagKeys", "[a]")],
            false,
        ),
        // Special escapes.
        (
            r#"{"StringEquals": {"k": "a${*}b${?}c${$}"}}"#,
            &[("k", "a*b?c$")],
            true,
        ),
        // Version 2008-10-17: no substitution, the text is literal.
        (
            r#"2008:{"StringEquals": {"k": "${aws:username}"}}"#,
            &[("k", "${aws:username}"), user[0]],
            true,
        ),
        (
            r#"2008:{"StringEquals": {"k": "${aws:username}"}}"#,
            &[("k", "alice"), user[0]],
            false,
        ),
        // Bool accepts variables (current docs).
        (
            r#"{"Bool": {"k": "${aws:SecureTransport}"}}"#,
            &[("k", "true"), ("aws:SecureTransport", "true")],
            true,
        ),
    ]);
}

#[test]
fn every_pair_must_hold_and_keys_ignore_case_spec_3_1() {
    check(&[
        (
            r#"{"StringEquals": {"a": "1", "b": "2"}}"#,
            &[("a", "1"), ("b", "2")],
            true,
        ),
        (
            r#"{"StringEquals": {"a": "1", "b": "2"}}"#,
            &[("a", "1"), ("b", "3")],
            false,
        ),
        (
            r#"{"StringEquals": {"a": "1"}, "StringLike": {"b": "x*"}}"#,
            &[("a", "1"), ("b", "xy")],
            true,
        ),
        (
            r#"{"StringEquals": {"a": "1"}, "StringLike": {"b": "x*"}}"#,
            &[("a", "1"), ("b", "yy")],
            false,
        ),
        (
            r#"{"StringEquals": {"aws:ResourceTag/Env": "prod"}}"#,
            &[("aws:resourcetag/env", "prod")],
            true,
        ),
    ]);
}
