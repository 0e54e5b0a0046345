//! Checks against the bundled service catalog: actions, resource ARNs and condition keys —
//! whether they exist, whether they fit together, and whether each condition operator fits
//! its key's type.

use std::collections::BTreeSet;

use iamwhy_catalog::{Action, Catalog, KeyType, ScalarType};
use iamwhy_core::is_account_id;
use iamwhy_policy::{
    CompiledValue, Condition, OperatorFamily, PolicyDocument, ResourceMatcher, SetQualifier,
    Statement,
};

use super::{action_listed, federated_providers, quoted_list};
use crate::glob::{Tok, format_glob, intersects, policy_glob};
use crate::{Finding, Level};

pub(super) fn run(doc: &PolicyDocument, out: &mut Vec<Finding>) {
    let catalog = Catalog::bundled();
    // The OIDC providers the policy trusts: their claims are keys of its requests.
    let trusted: Vec<&str> = doc
        .statements
        .iter()
        .flat_map(federated_providers)
        .collect();
    for stmt in &doc.statements {
        let actions = statement_actions(catalog, stmt, out);
        resources(catalog, stmt, actions.as_deref(), out);
        conditions(catalog, stmt, actions.as_deref(), &trusted, out);
    }
}

/// The catalog's warnings on the `Action`/`NotAction` entries of `stmt` (see
/// [`Catalog::statement_actions`]), as findings at their rules' levels; returns the catalog
/// actions `Action` lists, `None` when they cannot be told.
fn statement_actions<'c>(
    catalog: &'c Catalog,
    stmt: &Statement,
    out: &mut Vec<Finding>,
) -> Option<Vec<&'c Action>> {
    let mut found = Vec::new();
    let listed = catalog.statement_actions(stmt, &mut found);
    out.extend(found.into_iter().filter_map(|d| {
        let mut f = Finding::new(d.code, d.message, d.span?);
        f.help = d.help;
        Some(f)
    }));
    listed
}

/// A `Resource` ARN that no listed action can act on (the catalog's resource types and
/// their ARN formats), or a malformed one.
fn resources(
    catalog: &Catalog,
    stmt: &Statement,
    actions: Option<&[&Action]>,
    out: &mut Vec<Finding>,
) {
    let Some(element) = &stmt.resource else {
        return;
    };
    let mut formats: Option<Option<Vec<&'static str>>> = None;
    for item in &element.items {
        if !matches!(item.matcher, ResourceMatcher::Arn(_)) {
            continue;
        }
        if let Some(problem) = arn_problem(&item.text) {
            out.push(Finding::new(
                "invalid-arn",
                format!("`{}`: {problem}", item.text),
                item.span,
            ));
            continue;
        }
        let (Some(actions), false) = (actions, element.negated) else {
            continue;
        };
        // Entries the catalog could not read were reported already.
        if actions.is_empty() {
            continue;
        }
        let Some(pattern) = ArnGlob::new(&item.text) else {
            continue;
        };
        let formats = formats.get_or_insert_with(|| arn_formats(catalog, actions));
        let Some(formats) = formats else {
            continue;
        };
        if formats.iter().any(|f| {
            compiled_format(f)
                .as_ref()
                .as_ref()
                .is_some_and(|f| pattern.meets(f))
        }) {
            continue;
        }
        let names = action_names(actions);
        let (message, help) = if actions.iter().all(|a| a.wildcard_only()) {
            (
                format!(
                    "`{}`: {} cannot be limited to a resource, so this ARN matches no request of {}",
                    item.text,
                    quoted_list(&names, 3),
                    if names.len() == 1 { "it" } else { "them" },
                ),
                "use `\"Resource\": \"*\"` for actions without resource-level permissions"
                    .to_owned(),
            )
        } else {
            let types = resource_types(catalog, actions);
            (
                format!(
                    "`{}` is not a resource any action of this statement acts on ({})",
                    item.text,
                    quoted_list(&names, 3)
                ),
                format!("they act on {}", quoted_list(&types, 4)),
            )
        };
        out.push(Finding::new("resource-mismatch", message, item.span).with_help(help));
    }
}

/// An ARN pattern or format cut into its five fields and its resource part, each a glob.
struct ArnGlob {
    fields: [Vec<Tok>; 5],
    resource: Vec<Tok>,
}

impl ArnGlob {
    /// A policy's ARN pattern.
    fn new(text: &str) -> Option<ArnGlob> {
        let mut parts = text.splitn(6, ':');
        let mut fields: [Vec<Tok>; 5] = Default::default();
        for f in &mut fields {
            *f = policy_glob(parts.next()?);
        }
        Some(ArnGlob {
            fields,
            resource: policy_glob(parts.next()?),
        })
    }

    /// A resource type's ARN format: a `${Placeholder}` field takes anything (the empty text
    /// included); in the resource part it stands for one or more characters.
    fn format(text: &str) -> Option<ArnGlob> {
        let mut parts = text.splitn(6, ':');
        let mut fields: [Vec<Tok>; 5] = Default::default();
        for f in &mut fields {
            let field = parts.next()?;
            *f = if field.contains("${") {
                vec![Tok::Many]
            } else {
                format_glob(field)
            };
        }
        Some(ArnGlob {
            fields,
            resource: format_glob(parts.next()?),
        })
    }

    /// Whether some ARN fits both this pattern and the format. Partition, service, region
    /// and account compare ignoring case, the resource part exactly.
    fn meets(&self, format: &ArnGlob) -> bool {
        self.fields
            .iter()
            .zip(&format.fields)
            .all(|(p, f)| intersects(p, f, true))
            && intersects(&self.resource, &format.resource, false)
    }
}

thread_local! {
    /// Compiled ARN formats by the address of their (static) text: the catalog's formats are
    /// met again and again across statements and files.
    static FORMATS: std::cell::RefCell<std::collections::HashMap<usize, std::rc::Rc<Option<ArnGlob>>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

fn compiled_format(format: &'static str) -> std::rc::Rc<Option<ArnGlob>> {
    FORMATS.with(|cache| {
        cache
            .borrow_mut()
            .entry(format.as_ptr() as usize)
            .or_insert_with(|| std::rc::Rc::new(ArnGlob::format(format)))
            .clone()
    })
}

/// Every ARN format of the resource types the actions act on, each once; `None` when an
/// action names a resource type the catalog does not describe (nothing can be concluded).
fn arn_formats(catalog: &Catalog, actions: &[&Action]) -> Option<Vec<&'static str>> {
    let mut out = BTreeSet::new();
    for a in actions {
        let service = catalog.service(a.service)?;
        for row in &a.resource_types {
            let rt = service.resource_type(row.name)?;
            out.extend(rt.arn_formats().map(|f| f.as_str()));
        }
    }
    Some(out.into_iter().collect())
}

fn resource_types(catalog: &Catalog, actions: &[&Action]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for a in actions {
        let service = catalog.service(a.service);
        for row in &a.resource_types {
            if let Some(rt) = service.and_then(|s| s.resource_type(row.name)) {
                out.insert(format!("{} ({})", rt.name, rt.arn));
            }
        }
    }
    out.into_iter().collect()
}

/// What is wrong with an ARN's fixed fields: an unknown partition, or an account that is
/// not twelve digits.
fn arn_problem(text: &str) -> Option<String> {
    let mut parts = text.splitn(6, ':');
    let (_, partition, _, _, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    parts.next()?;
    let fixed = |s: &str| !s.contains(['*', '?']) && !s.contains("${");
    if fixed(partition)
        && !matches!(partition, "aws" | "aws-cn" | "aws-us-gov" | "aws-eusc")
        && !partition.starts_with("aws-iso")
    {
        return Some(format!(
            "`{partition}` is not an AWS partition (`aws`, `aws-cn`, `aws-us-gov`, ...)"
        ));
    }
    if fixed(account) && !account.is_empty() && account != "aws" && !is_account_id(account) {
        return Some(format!(
            "the account field `{account}` is not a 12-digit account id"
        ));
    }
    None
}

/// Condition keys: unknown ones, operators that do not fit the key's type, set operators on
/// single-valued keys and their absence on multivalued ones, wildcards in `StringEquals`,
/// malformed ARNs in ARN conditions. `trusted` holds the OIDC providers the policy's
/// principals name ([`federated_providers`]).
fn conditions(
    catalog: &Catalog,
    stmt: &Statement,
    actions: Option<&[&Action]>,
    trusted: &[&str],
    out: &mut Vec<Finding>,
) {
    let mut action_keys: Option<Vec<&'static str>> = None;
    for c in &stmt.conditions {
        literal_values(c, out);
        // A key without a service prefix is reported by the parser.
        if c.key.contains("${") || !c.key.contains(':') {
            continue;
        }
        // A key AWS's own managed policies test exists, whatever the catalog says.
        let used_by_aws = || catalog.condition_key_used_by_managed_policies(&c.key);
        let global = catalog
            .global_condition_keys()
            .iter()
            .find(|k| key_fits(&c.key, k.name));
        let key_type = match global {
            Some(k) => Some(k.key_type),
            None => {
                let defined = catalog.condition_key(&c.key);
                match actions {
                    Some(actions) if !actions.is_empty() => {
                        let keys = action_keys.get_or_insert_with(|| keys_of(catalog, actions));
                        if !keys.iter().any(|k| key_fits(&c.key, k)) {
                            match oidc_key(catalog, c, stmt, trusted) {
                                Some(verdict) => oidc_findings(c, stmt, verdict, out),
                                None if defined.is_some() || !used_by_aws() => {
                                    out.push(unknown_key(c, defined.is_some(), actions));
                                }
                                None => {}
                            }
                            continue;
                        }
                    }
                    _ => {
                        if defined.is_none() {
                            match oidc_key(catalog, c, stmt, trusted) {
                                Some(verdict) => oidc_findings(c, stmt, verdict, out),
                                None if !used_by_aws() => out.push(unknown_key(c, false, &[])),
                                None => {}
                            }
                            continue;
                        }
                    }
                }
                defined.map(|k| k.key_type)
            }
        };
        if let Some(t) = key_type {
            operator_fits(c, t, stmt, out);
        }
    }
}

/// The claims of an OIDC provider's token that IAM turns into condition keys named
/// `PROVIDER:CLAIM`, the provider being its URL without `https://`
/// (`token.actions.githubusercontent.com:sub`,
/// `oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud`): "Available keys
/// for AWS OIDC federation",
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif>.
/// Keys for further claims of a few providers (`token.actions.githubusercontent.com:repository`)
/// are in the catalog, as keys of `sts:AssumeRoleWithWebIdentity`.
const OIDC_CLAIMS: &[&str] = &["amr", "aud", "azp", "email", "oaud", "sub"];

/// The provider and claim of a key shaped like an OIDC provider's: `HOST[/PATH]:CLAIM`, with
/// a host of two or more DNS labels.
fn oidc_provider_claim(key: &str) -> Option<(&str, &str)> {
    let (provider, claim) = key.rsplit_once(':')?;
    let (host, path) = match provider.split_once('/') {
        Some((host, path)) => (host, Some(path)),
        None => (provider, None),
    };
    let host_ok = host.split('.').count() >= 2
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let path_ok = path.is_none_or(|p| !p.is_empty() && !p.contains(char::is_whitespace));
    (host_ok && path_ok && !claim.is_empty()).then_some((provider, claim))
}

/// What IAM makes of a key named after an OIDC identity provider, where such keys can occur:
/// in a statement that lists `sts:AssumeRoleWithWebIdentity`, or in a policy whose
/// `Principal` names the provider. `None` for any other key, or elsewhere; the key's type,
/// when known, for a claim IAM reads; a finding for another claim, or for a provider other
/// than the ones the statement trusts.
fn oidc_key(
    catalog: &Catalog,
    c: &Condition,
    stmt: &Statement,
    trusted: &[&str],
) -> Option<Result<Option<KeyType>, Finding>> {
    let (provider, claim) = oidc_provider_claim(&c.key)?;
    let named = |p: &&str| p.eq_ignore_ascii_case(provider);
    if !action_listed(stmt, "sts:AssumeRoleWithWebIdentity") && !trusted.iter().any(named) {
        return None;
    }
    let own: Vec<&str> = federated_providers(stmt).collect();
    if !own.is_empty() && !own.iter().any(named) {
        return Some(Err(Finding::new(
            "unknown-condition-key",
            format!(
                "`{}` names the OIDC provider `{provider}`, but this statement trusts only {}: the request never carries it",
                c.key,
                quoted_list(&own, 3)
            ),
            c.span,
        )
        .with_help(format!(
            "name the claim after the provider in `Principal`: `{}:{claim}`",
            own.first().copied().unwrap_or(provider)
        ))));
    }
    // A provider's own claims, as the catalog lists them for `sts:AssumeRoleWithWebIdentity`.
    let web_identity = catalog.action("sts:AssumeRoleWithWebIdentity");
    if web_identity.is_some_and(|a| {
        catalog
            .action_condition_key_names(a)
            .iter()
            .any(|k| key_fits(&c.key, k))
    }) {
        return Some(Ok(catalog.condition_key(&c.key).map(|k| k.key_type)));
    }
    let Some(&claim) = OIDC_CLAIMS.iter().find(|k| k.eq_ignore_ascii_case(claim)) else {
        return Some(Err(Finding::new(
            "unknown-condition-key",
            format!(
                "`{}`: `{claim}` is not a claim IAM turns into a condition key for the OIDC provider `{provider}`",
                c.key
            ),
            c.span,
        )
        .with_help(format!(
            "IAM reads {} from any OIDC provider's token (`{provider}:sub`); `iamwhy actions sts:AssumeRoleWithWebIdentity` lists the further claims it reads for a few providers",
            quoted_list(OIDC_CLAIMS, 6)
        ))));
    };
    // `amr` lists the authentication methods: a multivalued key.
    Some(Ok(Some(KeyType {
        scalar: ScalarType::String,
        multivalued: claim == "amr",
    })))
}

/// The findings of an OIDC provider's key ([`oidc_key`]).
fn oidc_findings(
    c: &Condition,
    stmt: &Statement,
    verdict: Result<Option<KeyType>, Finding>,
    out: &mut Vec<Finding>,
) {
    match verdict {
        Ok(Some(t)) => operator_fits(c, t, stmt, out),
        Ok(None) => {}
        Err(f) => out.push(f),
    }
}

/// The distinct names of actions, in catalog order, for messages.
fn action_names(actions: &[&Action]) -> Vec<String> {
    let set: BTreeSet<(&str, &str)> = actions.iter().map(|a| (a.service, a.name)).collect();
    set.into_iter().map(|(s, n)| format!("{s}:{n}")).collect()
}

fn key_fits(key: &str, name: &str) -> bool {
    key.eq_ignore_ascii_case(name) || iamwhy_catalog::key_matches_template(key, name)
}

fn keys_of(catalog: &Catalog, actions: &[&Action]) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = actions
        .iter()
        .flat_map(|a| catalog.action_condition_key_names(a))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn unknown_key(c: &Condition, defined: bool, actions: &[&Action]) -> Finding {
    let span = c.span;
    let names = action_names(actions);
    if defined {
        Finding::new(
            "unknown-condition-key",
            format!(
                "`{}` is not a condition key of any action of this statement ({}): the request never carries it",
                c.key,
                quoted_list(&names, 3)
            ),
            span,
        )
        .with_help(format!(
            "`iamwhy actions {}` lists the condition keys each action supports",
            names.first().map_or("SERVICE:ACTION", String::as_str)
        ))
    } else {
        Finding::new(
            "unknown-condition-key",
            format!(
                "`{}` is neither a global condition key nor a key of {}",
                c.key,
                if names.is_empty() {
                    "its service".to_owned()
                } else {
                    format!("the statement's actions ({})", quoted_list(&names, 3))
                }
            ),
            span,
        )
        .with_help("check the spelling; a condition on a key the request never carries matches only with `...IfExists` or a negated operator")
    }
}

/// The operator families a key type accepts, besides `Null`.
fn families_for(t: ScalarType) -> &'static [OperatorFamily] {
    use OperatorFamily as F;
    match t {
        // A string key may hold ARNs (`kms:EncryptionContext:aws:s3:arn`): `Arn...` reads them.
        ScalarType::String => &[F::String, F::StringIgnoreCase, F::StringLike, F::Arn],
        ScalarType::Arn => &[F::Arn, F::String, F::StringIgnoreCase, F::StringLike],
        ScalarType::Bool => &[F::Bool],
        ScalarType::Numeric => &[F::Numeric],
        ScalarType::Date => &[F::Date],
        ScalarType::IpAddress => &[F::Ip],
        ScalarType::Binary => &[F::Binary],
    }
}

fn operator_fits(c: &Condition, t: KeyType, stmt: &Statement, out: &mut Vec<Finding>) {
    let family = c.operator.base.family;
    if family == OperatorFamily::Null {
        return;
    }
    let name = c.operator.base.name;
    // `aws:EpochTime` is documented with both date and numeric operators.
    let epoch = c.key_lower == "aws:epochtime" && family == OperatorFamily::Numeric;
    if !families_for(t.scalar).contains(&family) && !epoch {
        let expected = match t.scalar {
            ScalarType::String => "`String...` operators",
            ScalarType::Arn => "`Arn...` or `String...` operators",
            ScalarType::Bool => "`Bool`",
            ScalarType::Numeric => "`Numeric...` operators",
            ScalarType::Date => "`Date...` operators",
            ScalarType::IpAddress => "`IpAddress` or `NotIpAddress`",
            ScalarType::Binary => "`BinaryEquals`",
        };
        out.push(
            Finding::new(
                "operator-type-mismatch",
                format!(
                    "`{name}` on `{}`, a key of type {}: its values are compared as the wrong type",
                    c.key,
                    t.name()
                ),
                c.operator_span,
            )
            .with_help(format!("use {expected} with this key")),
        );
    }
    match (t.multivalued, c.operator.qualifier) {
        (true, None) => out.push(
            Finding::new(
                "missing-set-operator",
                format!(
                    "`{}` can hold several values, but `{name}` has no `ForAnyValue:` or `ForAllValues:`",
                    c.key
                ),
                c.operator_span,
            )
            .with_help(format!(
                "write `ForAnyValue:{name}` (at least one value matches) or `ForAllValues:{name}` (every value matches)"
            )),
        ),
        (false, Some(q)) => {
            let (qualifier, level, why) = match q {
                SetQualifier::ForAllValues => (
                    "ForAllValues",
                    if stmt.effect == iamwhy_policy::Effect::Allow && !c.operator.base.negated {
                        Level::SecurityWarning
                    } else {
                        Level::Warning
                    },
                    "and it also holds when the request does not carry the key at all",
                ),
                SetQualifier::ForAnyValue => (
                    "ForAnyValue",
                    Level::Warning,
                    "where the plain operator says the same more plainly",
                ),
            };
            out.push(
                Finding::new(
                    "set-operator-on-single-valued",
                    format!(
                        "`{qualifier}:` on `{}`, which holds one value: set operators are for multivalued keys, {why}",
                        c.key
                    ),
                    c.operator_span,
                )
                .at(level)
                .with_help(format!("use `{name}` without `{qualifier}:`")),
            );
        }
        _ => {}
    }
}

/// Values that do not say what their operator will read: a wildcard in `StringEquals`
/// (compared literally), or a malformed ARN in an `Arn...` condition.
fn literal_values(c: &Condition, out: &mut Vec<Finding>) {
    let family = c.operator.base.family;
    for v in &c.values {
        let text = v.text.replace("${*}", "").replace("${?}", "");
        let wildcard = text.contains('*');
        match family {
            OperatorFamily::String | OperatorFamily::StringIgnoreCase if wildcard => {
                let like = if c.operator.base.negated {
                    "StringNotLike"
                } else {
                    "StringLike"
                };
                out.push(
                    Finding::new(
                        "wildcard-in-string-equals",
                        format!(
                            "`{}` in `{}` is compared literally: `*` matches only a `*`",
                            v.text, c.operator.base.name
                        ),
                        v.span,
                    )
                    .with_help(format!("use `{like}` for a pattern")),
                );
            }
            OperatorFamily::Arn if matches!(v.compiled, CompiledValue::Invalid) => {}
            OperatorFamily::Arn => {
                let malformed = v.text != "*"
                    && !v.text.starts_with("${")
                    && (!v.text.starts_with("arn:") || v.text.splitn(6, ':').count() < 6);
                if malformed {
                    out.push(
                        Finding::new(
                            "invalid-arn",
                            format!(
                                "`{}` in `{}` is not an ARN: it matches no request",
                                v.text, c.operator.base.name
                            ),
                            v.span,
                        )
                        .with_help(
                            "write the full ARN, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`",
                        ),
                    );
                } else if let Some(problem) = arn_problem(&v.text) {
                    out.push(Finding::new(
                        "invalid-arn",
                        format!("`{}`: {problem}", v.text),
                        v.span,
                    ));
                }
            }
            _ => {}
        }
    }
}
