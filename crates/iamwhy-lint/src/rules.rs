//! Every finding code, with its level, a one-line summary and the AWS page that explains the
//! rule. The codes are stable: configuration files and SARIF consumers refer to them.

/// How bad a finding is, from least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// A better way to write the same thing.
    Suggestion,
    /// AWS accepts it, but it probably does not do what was meant.
    Warning,
    /// It grants or leaves open more than it should, or locks out who it should not.
    SecurityWarning,
    /// AWS rejects it, or it can never work.
    Error,
}

impl Level {
    /// The spelling of the command line and of the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Suggestion => "suggestion",
            Level::Warning => "warning",
            Level::SecurityWarning => "security-warning",
            Level::Error => "error",
        }
    }

    /// Reads the command-line spelling.
    pub fn parse(text: &str) -> Option<Level> {
        [
            Level::Suggestion,
            Level::Warning,
            Level::SecurityWarning,
            Level::Error,
        ]
        .into_iter()
        .find(|l| l.as_str() == text)
    }
}

/// What a group of rules checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// The policy language and the rules of the policy type.
    Grammar,
    /// Actions, resources and condition keys against the service catalog.
    Vocabulary,
    /// Patterns that grant too much or lock out too much.
    Risk,
}

/// One rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The stable code, kebab-case.
    pub code: &'static str,
    /// The level of its findings (a few parser rules report warnings as well as errors; the
    /// finding carries its own level).
    pub level: Level,
    /// What it checks.
    pub category: Category,
    /// One line for rule lists and SARIF.
    pub summary: &'static str,
    /// The AWS documentation page that explains the rule.
    pub help_uri: &'static str,
}

macro_rules! rules {
    ($( $code:literal, $level:ident, $cat:ident, $uri:expr, $summary:literal; )*) => {
        /// Every rule, sorted by code.
        pub const RULES: &[Rule] = &[
            $( Rule {
                code: $code,
                level: Level::$level,
                category: Category::$cat,
                summary: $summary,
                help_uri: $uri,
            }, )*
        ];
    };
}

/// Concatenates a page of the IAM User Guide to its base address at compile time.
macro_rules! guide {
    ($page:literal) => {
        concat!("https://docs.aws.amazon.com/IAM/latest/UserGuide/", $page)
    };
}

/// A check of IAM Access Analyzer's policy check reference, by its anchor's suffix: the page
/// explains the rule the same way (docs/lint-sources.md lists the sources).
macro_rules! analyzer {
    ($check:literal) => {
        concat!(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-",
            $check
        )
    };
}

rules! {
    "action-matches-nothing", Warning, Vocabulary, guide!("reference_policies_elements_action.html"),
        "A wildcard action that matches no action of the service";
    "allow-all", SecurityWarning, Risk, guide!("best-practices.html#grant-least-privilege"),
        "An Allow of every action on every resource";
    "allow-not-action", SecurityWarning, Risk, guide!("reference_policies_elements_notaction.html"),
        "Allow with NotAction grants every other action, including new ones";
    "allow-not-resource", SecurityWarning, Risk, guide!("reference_policies_elements_notresource.html"),
        "Allow with NotResource grants access to every other resource, including new ones";
    "condition-value-type", Warning, Grammar, guide!("reference_policies_elements_condition_operators.html"),
        "A condition value that does not fit its operator";
    "conflicting-elements", Error, Grammar, guide!("reference_policies_grammar.html"),
        "Two mutually exclusive elements in one statement";
    "duplicate-key", Error, Grammar, guide!("reference_policies_grammar.html"),
        "The same key twice in one JSON object";
    "duplicate-sid", Error, Grammar, analyzer!("error-unique-sids-required"),
        "Two statements with the same Sid";
    "element-not-allowed", Error, Grammar, guide!("reference_policies_grammar.html"),
        "An element the policy type does not accept";
    "embedded-policy", Error, Grammar, guide!("reference_policies_grammar.html"),
        "A policy inside a string that cannot be decoded";
    "empty-element", Error, Grammar, guide!("reference_policies_grammar.html"),
        "An element with an empty list";
    "expected-policy", Error, Grammar, guide!("reference_policies_grammar.html"),
        "A value that should hold a policy document does not";
    "guardrail-blocks-aws-services", SecurityWarning, Risk, guide!("reference_policies_condition-keys.html#condition-keys-principalisawsservice"),
        "A Deny for everyone but listed principals also denies AWS services acting for the account";
    "iac-input", Warning, Grammar, "https://developer.hashicorp.com/terraform/internals/json-format",
        "A Terraform plan, CloudFormation template or CDK assembly that cannot be read as written";
    "invalid-action", Error, Grammar, guide!("reference_policies_elements_action.html"),
        "An action that is not `service:action` or `*`";
    "invalid-arn", Warning, Vocabulary, analyzer!("error-invalid-arn-resource"),
        "A malformed ARN";
    "invalid-condition-key", Error, Grammar, guide!("reference_policies_elements_condition.html"),
        "A condition key that is empty or has no service prefix";
    "invalid-effect", Error, Grammar, guide!("reference_policies_elements_effect.html"),
        "An Effect that is not Allow or Deny";
    "invalid-operator", Error, Grammar, analyzer!("error-invalid-condition-operator"),
        "An unknown condition operator";
    "invalid-principal", Error, Grammar, analyzer!("error-unsupported-wildcard-in-principal"),
        "A Principal entry AWS does not accept";
    "invalid-resource", Error, Grammar, guide!("reference_policies_elements_resource.html"),
        "A Resource that is not an ARN or `*`";
    "invalid-sid", Error, Grammar, analyzer!("error-unsupported-sid"),
        "A Sid with characters IAM does not accept";
    "invalid-version", Error, Grammar, guide!("reference_policies_elements_version.html"),
        "A Version other than 2012-10-17 or 2008-10-17";
    "json-syntax", Error, Grammar, guide!("reference_policies_grammar.html"),
        "Text that is not valid JSON";
    "key-lockout", Error, Risk, "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam",
        "A key policy that no principal can change: the key becomes unmanageable";
    "missing-element", Error, Grammar, guide!("reference_policies_grammar.html"),
        "A required element is missing";
    "missing-set-operator", Warning, Vocabulary, guide!("reference_policies_condition-single-vs-multi-valued-context-keys.html"),
        "A multivalued condition key tested without ForAllValues or ForAnyValue";
    "missing-version", Suggestion, Grammar, guide!("reference_policies_elements_version.html"),
        "No Version element: policy variables are not substituted";
    "not-a-policy", Warning, Grammar, guide!("reference_policies_grammar.html"),
        "A file that holds no policy document iamwhy recognises";
    "not-principal-allow", SecurityWarning, Risk, guide!("reference_policies_elements_notprincipal.html"),
        "`NotPrincipal` with `Allow` grants everyone but the principals named, anonymous ones included";
    "null-if-exists", Error, Grammar, analyzer!("error-null-with-if-exists"),
        "IfExists appended to Null";
    "operator-type-mismatch", Warning, Vocabulary, analyzer!("general-warning-type-mismatch"),
        "A condition operator that does not fit the type of its key";
    "pass-role-star", SecurityWarning, Risk, analyzer!("security-warning-pass-role-with-star-in-resource"),
        "iam:PassRole allowed on every role";
    "policy-too-large", Error, Grammar, guide!("reference_iam-quotas.html#reference_iam-quotas-entity-length"),
        "A policy larger than its type's size limit";
    "public-access", SecurityWarning, Risk, "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status",
        "A resource policy that allows everyone, with no condition that limits who";
    "resource-mismatch", Warning, Vocabulary, analyzer!("error-unsupported-resource-arn-in-policy"),
        "A resource ARN that no action of the statement can act on";
    "set-operator-on-single-valued", SecurityWarning, Vocabulary, analyzer!("security-warning-forallvalues-with-single-valued-key"),
        "ForAllValues or ForAnyValue on a single-valued condition key";
    "short-arn", Warning, Grammar, analyzer!("error-missing-arn-field"),
        "An ARN with fewer than six fields";
    "trust-any-principal", SecurityWarning, Risk, analyzer!("error-role-trust-policy-unsupported-wildcard-in-principal"),
        "A role trust policy that lets anyone assume the role";
    "trust-foreign-account", SecurityWarning, Risk, guide!("confused-deputy.html"),
        "A role trust policy that trusts a whole other account without an external id or organization condition";
    "trust-oidc-no-subject", SecurityWarning, Risk, guide!("id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub"),
        "A role trust policy that lets any GitHub Actions workflow of any repository assume the role";
    "trust-policy-action", Warning, Grammar, guide!("reference_policies_elements_principal.html"),
        "An action a role trust policy cannot grant";
    "undocumented-action", Warning, Vocabulary, "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
        "An action the service catalog does not list but AWS managed policies name";
    "unknown-action", Error, Vocabulary, analyzer!("error-invalid-action"),
        "An action the service catalog does not know";
    "unknown-condition-key", Warning, Vocabulary, analyzer!("error-invalid-service-condition-key"),
        "A condition key that is neither global nor defined for any action of the statement";
    "unknown-element", Error, Grammar, guide!("reference_policies_grammar.html"),
        "An element the policy language does not have";
    "unknown-service", Error, Vocabulary, analyzer!("error-invalid-service"),
        "A service prefix no AWS service has";
    "variable-not-allowed", Warning, Grammar, guide!("reference_policies_variables.html"),
        "A policy variable where AWS does not substitute it";
    "wildcard-in-string-equals", Warning, Risk, analyzer!("general-warning-wildcard-without-like-operator"),
        "A wildcard in StringEquals, which compares literally: StringLike was meant";
    "wildcard-service", Warning, Grammar, guide!("reference_policies_elements_resource.html"),
        "A wildcard in a resource ARN's service field: it matches every service";
    "wrong-type", Error, Grammar, guide!("reference_policies_grammar.html"),
        "An element of the wrong JSON type";
    "yaml-syntax", Error, Grammar, "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html",
        "A CloudFormation template that is not valid YAML";
}

/// The rule of a code. Every code the linter emits is in [`RULES`] (a test checks it); an
/// unknown code gets the grammar page.
pub fn rule(code: &str) -> Rule {
    RULES
        .binary_search_by(|r| r.code.cmp(code))
        .ok()
        .and_then(|i| RULES.get(i))
        .copied()
        .unwrap_or(Rule {
            code: "policy",
            level: Level::Error,
            category: Category::Grammar,
            summary: "A problem in a policy",
            help_uri: GRAMMAR,
        })
}

const GRAMMAR: &str = guide!("reference_policies_grammar.html");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_sorted_unique_and_documented() {
        assert!(RULES.windows(2).all(|w| w[0].code < w[1].code));
        for r in RULES {
            // AWS's documentation, or HashiCorp's for Terraform's formats.
            assert!(
                r.help_uri.starts_with("https://docs.")
                    || r.help_uri.starts_with("https://developer.hashicorp.com/"),
                "{}",
                r.code
            );
            assert_eq!(rule(r.code), *r);
        }
        assert_eq!(
            Level::parse("security-warning"),
            Some(Level::SecurityWarning)
        );
        assert!(Level::Error > Level::SecurityWarning && Level::Warning > Level::Suggestion);
    }
}
