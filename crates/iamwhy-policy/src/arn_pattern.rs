//! ARN patterns for `Resource`/`NotResource` and the `Arn*` condition operators.
//!
//! Spec §2.4: both sides are split into six fields on the first five colons. Partition,
//! service, region and account are matched field by field with wildcards that cannot cross a
//! colon, ignoring ASCII case (they are lower-case by construction). The resource field is
//! one case-sensitive glob in which `*` may span `/` and `:`, and the only place where policy
//! variables are substituted (§3.6).
//!
//! AMBIGUITY (spec §2.4 rule 5, wildcards in the resource-type token): AWS rejects
//! `arn:aws:iam::123456789012:u*`, and iam-simulate treats the type token as literal. We cannot
//! tell a type token from an S3 bucket name without the service catalog (`arn:aws:s3:::logs-*/*`
//! is a valid, common pattern whose first token is a bucket name), so the whole resource field
//! is one glob. Recorded in `docs/decisions.md`.

use iamwhy_core::Arn;

use crate::pattern::{CaseFold, Pattern, PatternMatch, VariableResolver, Variables, Wildcards};

/// A compiled six-field ARN pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArnPattern {
    partition: Pattern,
    service: Pattern,
    region: Pattern,
    account: Pattern,
    resource: Pattern,
    /// Set for condition values with fewer than six fields: the whole value is one glob.
    whole: Option<Pattern>,
}

/// What to do with an ARN of fewer than six fields (spec §2.4 rule 7, AMBIGUITY A13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShortArnRule {
    /// Missing fields become `*` (identity, session and boundary policies).
    Pad,
    /// Pad only when the text has a wildcard, otherwise never match (resource and VPC
    /// endpoint policies).
    PadIfWildcard,
    /// Pad only when the last field ends with `*` (SCPs).
    PadIfTrailingStar,
    /// Never match (RCPs).
    Reject,
}

impl ArnPattern {
    fn from_fields(fields: [&str; 6], variables: Variables) -> ArnPattern {
        let glob = |s: &str| Pattern::compile(s, Wildcards::Glob, Variables::Literal);
        let [_, partition, service, region, account, resource] = fields;
        ArnPattern {
            partition: glob(partition),
            service: glob(service),
            region: glob(region),
            account: glob(account),
            resource: Pattern::compile(resource, Wildcards::Glob, variables),
            whole: None,
        }
    }

    fn split(text: &str) -> (Vec<&str>, bool) {
        let fields: Vec<&str> = text.splitn(6, ':').collect();
        let complete = fields.len() == 6;
        (fields, complete)
    }

    /// Compiles a `Resource`/`NotResource` entry other than `*`. `None` means the entry can
    /// never match (a short ARN the rule rejects, or text that is not an ARN).
    pub fn compile_resource(
        text: &str,
        variables: Variables,
        rule: ShortArnRule,
    ) -> Option<ArnPattern> {
        let (mut fields, complete) = Self::split(text);
        if fields.first() != Some(&"arn") {
            return None;
        }
        if !complete {
            let has_wildcard = text.contains(['*', '?']);
            let pad = match rule {
                ShortArnRule::Pad => true,
                ShortArnRule::PadIfWildcard => has_wildcard,
                ShortArnRule::PadIfTrailingStar => text.ends_with('*'),
                ShortArnRule::Reject => false,
            };
            if !pad {
                return None;
            }
            fields.resize(6, "*");
        }
        let arr: [&str; 6] = fields.try_into().ok()?;
        Some(ArnPattern::from_fields(arr, variables))
    }

    /// Compiles an `Arn*` condition value. A value with fewer than six fields is matched as
    /// one glob against the whole request value.
    pub fn compile_condition(text: &str, variables: Variables) -> ArnPattern {
        let (fields, complete) = Self::split(text);
        let arr: Option<[&str; 6]> = if complete {
            fields.try_into().ok()
        } else {
            None
        };
        match arr {
            Some(arr) => ArnPattern::from_fields(arr, variables),
            None => {
                let mut p = ArnPattern::from_fields(["arn", "", "", "", "", ""], variables);
                p.whole = Some(Pattern::compile(text, Wildcards::Glob, variables));
                p
            }
        }
    }

    /// Matches a request ARN (given as text and as fields).
    pub fn matches<'a>(
        &'a self,
        text: &str,
        arn: &Arn<'_>,
        vars: &'a dyn VariableResolver,
    ) -> PatternMatch {
        if let Some(whole) = &self.whole {
            return whole.matches(text, CaseFold::Sensitive, vars);
        }
        let fields_match = self.partition.matches_plain(arn.partition, CaseFold::Ascii)
            && self.service.matches_plain(arn.service, CaseFold::Ascii)
            && self.region.matches_plain(arn.region, CaseFold::Ascii)
            && self.account.matches_plain(arn.account, CaseFold::Ascii);
        if !fields_match {
            return PatternMatch::NoMatch;
        }
        self.resource
            .matches(arn.resource, CaseFold::Sensitive, vars)
    }

    /// The resource-field pattern.
    pub fn resource(&self) -> &Pattern {
        &self.resource
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::NoVariables;

    fn m(pattern: &str, arn: &str) -> PatternMatch {
        let p = ArnPattern::compile_resource(pattern, Variables::Substitute, ShortArnRule::Pad)
            .unwrap();
        p.matches(arn, &Arn::parse(arn).unwrap(), &NoVariables)
    }

    #[test]
    fn fields_do_not_cross_colons_but_the_resource_does_spec_2_4() {
        assert_eq!(
            m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"),
            PatternMatch::Match
        );
        assert_eq!(
            m("arn:aws:iam::*:user/*", "arn:aws:iam::111122223333:user/x"),
            PatternMatch::Match
        );
        assert_eq!(
            m(
                "arn:aws:logs:*:111122223333:*",
                "arn:aws:logs:us-east-1:111122223333:log-group:x:*"
            ),
            PatternMatch::Match
        );
        assert_eq!(
            m("arn:AWS:S3:::bucket", "arn:aws:s3:::bucket"),
            PatternMatch::Match
        );
        assert_eq!(
            m("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket"),
            PatternMatch::NoMatch
        );
    }

    #[test]
    fn condition_glob_vs_arn_like_spec_3_2() {
        // `ArnLike` does not let `*` swallow colons in the account field.
        let p = ArnPattern::compile_condition(
            "arn:aws:svc:*:111122223333:finance/*",
            Variables::Substitute,
        );
        let tricky = "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc";
        assert_eq!(
            p.matches(tricky, &Arn::parse(tricky).unwrap(), &NoVariables),
            PatternMatch::NoMatch
        );
    }

    #[test]
    fn short_arns_follow_the_policy_type_rule_a13() {
        assert!(
            ArnPattern::compile_resource("arn:aws:s3", Variables::Literal, ShortArnRule::Pad)
                .is_some()
        );
        assert!(
            ArnPattern::compile_resource(
                "arn:aws:s3",
                Variables::Literal,
                ShortArnRule::PadIfWildcard
            )
            .is_none()
        );
        assert!(
            ArnPattern::compile_resource(
                "arn:aws:s3*",
                Variables::Literal,
                ShortArnRule::PadIfWildcard
            )
            .is_some()
        );
        assert!(
            ArnPattern::compile_resource(
                "arn:aws:s3:*",
                Variables::Literal,
                ShortArnRule::PadIfTrailingStar
            )
            .is_some()
        );
        assert!(
            ArnPattern::compile_resource("arn:aws:s3:*", Variables::Literal, ShortArnRule::Reject)
                .is_none()
        );
        assert!(
            ArnPattern::compile_resource("bucket", Variables::Literal, ShortArnRule::Pad).is_none()
        );
    }
}
