//! `data/managed-policies.tsv`: AWS managed policies, one line each, default version.

/// An AWS managed policy at its default version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// The name, `AmazonS3FullAccess`.
    pub name: &'static str,
    /// The ARN in the `aws` partition, with its path:
    /// `arn:aws:iam::aws:policy/service-role/AWSLambdaRole`.
    pub arn: &'static str,
    /// The default version's id, `v2`.
    pub default_version: &'static str,
    /// How many versions the policy has had (only the default is bundled).
    pub versions_count: u32,
    /// When the policy was created (ISO 8601).
    pub created: &'static str,
    /// When the default version was set (ISO 8601).
    pub updated: &'static str,
    /// The policy document of the default version, as JSON.
    pub document: &'static str,
}

/// Whether `text` is the ARN of an AWS managed policy, `arn:PARTITION:iam::aws:policy/...`.
pub fn is_aws_managed_policy_arn(text: &str) -> bool {
    text.starts_with("arn:") && text.contains(":iam::aws:policy/")
}

impl ManagedPolicy {
    /// The name explanations use for the bundled document's text:
    /// `[AWS managed policy AmazonS3FullAccess v2]`.
    pub fn source_name(&self) -> String {
        format!(
            "[AWS managed policy {} {}]",
            self.name, self.default_version
        )
    }

    /// The document laid out one member per line, keys in their order, so that locations in
    /// explanations point at readable lines.
    pub fn pretty_document(&self) -> String {
        serde_json::from_str::<serde_json::Value>(self.document)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| self.document.to_owned())
    }
}

/// Why a managed policy could not be returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManagedPolicyError {
    /// No bundled AWS managed policy has this name or ARN.
    Unknown {
        /// The name or ARN asked for.
        name: String,
        /// Names close to it.
        suggestions: Vec<String>,
    },
    /// The policy exists, but the bundle keeps only its default version.
    VersionNotBundled {
        /// The policy's name.
        name: String,
        /// The version asked for.
        asked: String,
        /// The version bundled (the default).
        bundled: String,
    },
}

impl std::fmt::Display for ManagedPolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManagedPolicyError::Unknown { name, suggestions } => {
                write!(
                    f,
                    "`{name}` is not an AWS managed policy of the bundled catalog"
                )?;
                crate::append_did_you_mean(f, suggestions)
            }
            ManagedPolicyError::VersionNotBundled {
                name,
                asked,
                bundled,
            } => write!(
                f,
                "only the default version ({bundled}) of AWS managed policy {name} is bundled, not {asked}; \
                 give the document of {asked} itself (for example from `aws iam get-policy-version`)"
            ),
        }
    }
}

impl std::error::Error for ManagedPolicyError {}

pub(crate) struct ManagedIndex {
    /// Sorted by lower-case name.
    pub(crate) policies: Vec<ManagedPolicy>,
}

impl ManagedIndex {
    pub(crate) fn parse(text: &'static str) -> ManagedIndex {
        let mut policies: Vec<ManagedPolicy> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|line| {
                let mut f = line.splitn(7, '\t');
                Some(ManagedPolicy {
                    name: f.next()?,
                    arn: f.next()?,
                    default_version: f.next()?,
                    versions_count: f.next()?.parse().ok()?,
                    created: f.next()?,
                    updated: f.next()?,
                    document: f.next()?,
                })
            })
            .collect();
        policies.sort_by_key(|p| p.name.to_ascii_lowercase());
        ManagedIndex { policies }
    }

    /// By ARN (any partition; the path must match when given) or by name, ignoring case.
    pub(crate) fn find(&self, name_or_arn: &str) -> Option<&ManagedPolicy> {
        let name = name_of(name_or_arn).to_ascii_lowercase();
        let i = self
            .policies
            .binary_search_by(|p| p.name.to_ascii_lowercase().cmp(&name))
            .ok()?;
        let policy = self.policies.get(i)?;
        match arn_resource(name_or_arn) {
            Some(resource) if !resource.eq_ignore_ascii_case(arn_resource(policy.arn)?) => None,
            _ => Some(policy),
        }
    }
}

/// `policy/path/Name` of an AWS managed policy ARN in any partition.
fn arn_resource(arn: &str) -> Option<&str> {
    let mut fields = arn.splitn(6, ':');
    let (scheme, _partition, service, _region, account) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    (scheme == "arn" && service == "iam" && account == "aws").then_some(())?;
    fields.next()
}

/// The policy name of an ARN (its last path segment), or the text itself.
pub(crate) fn name_of(name_or_arn: &str) -> &str {
    match arn_resource(name_or_arn) {
        Some(resource) => resource.rsplit('/').next().unwrap_or(resource),
        None => name_or_arn,
    }
}

/// The action entries AWS's own managed policies name (`Action` and `NotAction`), lower case:
/// evidence that a service prefix or action AWS once used exists, even when the Service
/// Authorization Reference no longer lists it (a retired service, a legacy action) or does not
/// list it yet.
#[derive(Debug, Default)]
pub(crate) struct ManagedVocabulary {
    /// `service:action` entries, as written (wildcards included).
    pub(crate) actions: std::collections::BTreeSet<String>,
    /// Their service prefixes.
    pub(crate) prefixes: std::collections::BTreeSet<String>,
    /// The condition keys of their conditions.
    pub(crate) condition_keys: std::collections::BTreeSet<String>,
}

impl ManagedVocabulary {
    pub(crate) fn collect(policies: &[ManagedPolicy]) -> ManagedVocabulary {
        let mut out = ManagedVocabulary::default();
        for p in policies {
            let Ok(doc) = serde_json::from_str::<serde_json::Value>(p.document) else {
                continue;
            };
            let statements = match doc.get("Statement") {
                Some(serde_json::Value::Array(a)) => a.iter().collect(),
                Some(one) => vec![one],
                None => Vec::new(),
            };
            for stmt in statements {
                if let Some(serde_json::Value::Object(block)) = stmt.get("Condition") {
                    for keys in block.values() {
                        if let serde_json::Value::Object(keys) = keys {
                            out.condition_keys
                                .extend(keys.keys().map(|k| k.to_ascii_lowercase()));
                        }
                    }
                }
                for key in ["Action", "NotAction"] {
                    let entries = match stmt.get(key) {
                        Some(serde_json::Value::String(s)) => vec![s.as_str()],
                        Some(serde_json::Value::Array(a)) => {
                            a.iter().filter_map(serde_json::Value::as_str).collect()
                        }
                        _ => Vec::new(),
                    };
                    for e in entries {
                        let lower = e.to_ascii_lowercase();
                        if let Some((prefix, _)) = lower.split_once(':') {
                            out.prefixes.insert(prefix.to_owned());
                            out.actions.insert(lower);
                        }
                    }
                }
            }
        }
        out
    }
}
