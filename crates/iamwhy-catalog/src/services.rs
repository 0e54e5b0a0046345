//! `data/services.tsv`: one `S` line per service followed by its `R` (resource type), `K`
//! (condition key) and `A` (action) lines, tab-separated, each table sorted by lower-case name.

use std::collections::HashMap;
use std::sync::OnceLock;

use iamwhy_policy::{CaseFold, Pattern, Variables, Wildcards};

use crate::arn_format::{ArnFormat, CompiledFormat, SplitArn};
use crate::keys::{self, ConditionKey};

/// A service's slice of the embedded text, parsed on first use.
pub(crate) struct ServiceEntry {
    pub(crate) prefix: &'static str,
    header: &'static str,
    body: &'static str,
    parsed: OnceLock<Service>,
}

impl ServiceEntry {
    pub(crate) fn get(&self) -> &Service {
        self.parsed
            .get_or_init(|| parse_service(self.header, self.body))
    }
}

/// Finds every service's lines without parsing them.
pub(crate) fn index(text: &'static str) -> Vec<ServiceEntry> {
    // A service starts after the line break of `\nS\t`, so one past a valid index.
    let mut starts: Vec<usize> = text
        .match_indices("\nS\t")
        .map(|(i, _)| i.saturating_add(1))
        .collect();
    if text.starts_with("S\t") {
        starts.insert(0, 0);
    }
    let mut out = Vec::with_capacity(starts.len());
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    for (&start, end) in starts.iter().zip(ends) {
        let Some(block) = text.get(start..end) else {
            continue;
        };
        let (header, body) = block.split_once('\n').unwrap_or((block, ""));
        let Some(prefix) = header.split('\t').nth(1) else {
            continue;
        };
        out.push(ServiceEntry {
            prefix,
            header,
            body,
            parsed: OnceLock::new(),
        });
    }
    // The generator sorts by prefix; sort again so that look-ups never depend on it.
    out.sort_by(|a, b| a.prefix.cmp(b.prefix));
    out
}

/// An AWS service: its actions, resource types and condition keys.
#[derive(Debug)]
pub struct Service {
    /// The prefix used in actions, `s3`.
    pub prefix: &'static str,
    /// The service's name, `Amazon S3`.
    pub name: &'static str,
    /// Whether resource control policies govern the service's resources (the data's own
    /// list; the engine keeps the list of AWS Organizations' user guide).
    pub supports_rcps: bool,
    /// Actions, sorted by lower-case name.
    pub actions: Vec<Action>,
    /// Resource types, sorted by lower-case name.
    pub resource_types: Vec<ResourceType>,
    /// Service-specific condition keys, sorted by lower-case name.
    pub condition_keys: Vec<ConditionKey>,
    /// Lower-case action name → index in `actions`: the look-up every policy entry makes.
    by_name: HashMap<Box<str>, usize, foldhash::fast::RandomState>,
}

impl Service {
    /// The action with this name (case-insensitive, without the prefix).
    pub fn action(&self, name: &str) -> Option<&Action> {
        // Lower-case into a stack buffer: no allocation for names of ordinary length.
        let mut buf = [0u8; 96];
        let i = match buf.get_mut(..name.len()) {
            Some(b) => {
                b.copy_from_slice(name.as_bytes());
                b.make_ascii_lowercase();
                let lower = std::str::from_utf8(b).ok()?;
                *self.by_name.get(lower)?
            }
            None => *self.by_name.get(name.to_ascii_lowercase().as_str())?,
        };
        self.actions.get(i)
    }

    /// The resource type with this name (case-insensitive).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .binary_search_by(|r| cmp_lower(r.name, name))
            .ok()
            .and_then(|i| self.resource_types.get(i))
    }

    /// Actions whose names are a small edit away from `name`.
    pub(crate) fn closest_actions(&self, name: &str) -> Vec<&Action> {
        crate::closest(self.actions.iter(), &name.to_ascii_lowercase(), |a| a.name)
    }
}

/// Orders `name` lower-cased against `other` lower-cased, without allocating: the one
/// comparison of every catalog look-up.
pub(crate) fn cmp_lower(name: &str, other: &str) -> std::cmp::Ordering {
    let (a, b) = (name.as_bytes(), other.as_bytes());
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

/// An action, `s3:GetObject`.
#[derive(Debug)]
pub struct Action {
    /// The service prefix, `s3`.
    pub service: &'static str,
    /// The action name as AWS documents it, `GetObject`.
    pub name: &'static str,
    /// The access level: `List`, `Read`, `Write`, `Permissions management`, `Tagging`, or two
    /// of them joined by `, ` where the source lists both.
    pub access_level: &'static str,
    /// The resource types the action acts on; empty when it supports only `*`.
    pub resource_types: Vec<ActionResource>,
    /// Condition keys documented for the action itself.
    pub condition_keys: Vec<&'static str>,
    /// Other actions the call also needs permission for (the Service Authorization
    /// Reference's "Dependent actions"), `service:Action`.
    pub dependent_actions: Vec<&'static str>,
    /// What the action grants, in AWS's words.
    pub description: &'static str,
}

impl Action {
    /// `service:Name`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    /// Whether the action acts only on `*` (no resource-level permissions).
    pub fn wildcard_only(&self) -> bool {
        self.resource_types.is_empty()
    }
}

/// A resource type an action acts on.
#[derive(Debug)]
pub struct ActionResource {
    /// The resource type's name, `object`.
    pub name: &'static str,
    /// Whether the request must name a resource of this type (the reference's `*`).
    pub required: bool,
    /// Condition keys that apply when the action acts on this type.
    pub condition_keys: Vec<&'static str>,
}

/// A resource type of a service, with its ARN format.
#[derive(Debug)]
pub struct ResourceType {
    /// The name, `object`.
    pub name: &'static str,
    /// The ARN format, `arn:${Partition}:s3:::${BucketName}/${ObjectName}`; a few types have
    /// several, separated by `, ` (see [`ResourceType::arn_formats`]).
    pub arn: &'static str,
    /// Condition keys that apply to resources of this type.
    pub condition_keys: Vec<&'static str>,
    /// The formats compiled on first use.
    compiled: OnceLock<Vec<CompiledFormat<'static>>>,
}

impl ResourceType {
    /// The ARN formats, ready to match ARNs.
    pub fn arn_formats(&self) -> impl Iterator<Item = ArnFormat<'static>> {
        self.arn.split(", ").map(ArnFormat::new)
    }

    /// How specifically `arn` fits this type: the best of its formats (see
    /// [`ArnFormat::specificity`]).
    pub fn specificity(&self, arn: &str) -> Option<usize> {
        self.specificity_of(&SplitArn::new(arn)?)
    }

    /// As [`ResourceType::specificity`], for an ARN split once for many types.
    pub fn specificity_of(&self, arn: &SplitArn<'_>) -> Option<usize> {
        self.compiled
            .get_or_init(|| self.arn_formats().map(|f| f.compile()).collect())
            .iter()
            .filter_map(|f| f.specificity_of(arn))
            .max()
    }
}

fn words(field: &'static str) -> Vec<&'static str> {
    field.split(' ').filter(|w| !w.is_empty()).collect()
}

fn parse_service(header: &'static str, body: &'static str) -> Service {
    let mut fields = header.split('\t').skip(1);
    let prefix = fields.next().unwrap_or("");
    let name = fields.next().unwrap_or(prefix);
    let supports_rcps = fields.next().is_some_and(|f| words(f).contains(&"rcp"));
    let mut service = Service {
        prefix,
        name,
        supports_rcps,
        actions: Vec::new(),
        resource_types: Vec::new(),
        condition_keys: Vec::new(),
        by_name: HashMap::default(),
    };
    for line in body.lines() {
        let mut f = line.split('\t');
        let kind = f.next();
        let mut next = || f.next().unwrap_or("");
        match kind {
            Some("R") => service.resource_types.push(ResourceType {
                name: next(),
                arn: next(),
                condition_keys: words(next()),
                compiled: OnceLock::new(),
            }),
            Some("K") => {
                if let Some(key) = keys::parse_key(next(), next(), next()) {
                    service.condition_keys.push(key);
                }
            }
            Some("A") => {
                let name = next();
                let access_level = next();
                let resource_types = next()
                    .split(';')
                    .filter(|r| !r.is_empty())
                    .map(parse_row)
                    .collect();
                service.actions.push(Action {
                    service: prefix,
                    name,
                    access_level,
                    resource_types,
                    condition_keys: words(next()),
                    dependent_actions: words(next()),
                    description: next(),
                });
            }
            _ => {}
        }
    }
    service.actions.sort_by_key(|a| a.name.to_ascii_lowercase());
    service.by_name = service
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.to_ascii_lowercase().into_boxed_str(), i))
        .collect();
    service
        .resource_types
        .sort_by_key(|r| r.name.to_ascii_lowercase());
    service
        .condition_keys
        .sort_by_key(|k| k.name.to_ascii_lowercase());
    service
}

/// `object*=k1,k2`: name, required flag, row condition keys.
fn parse_row(row: &'static str) -> ActionResource {
    let (head, keys) = row.split_once('=').unwrap_or((row, ""));
    let (name, required) = match head.strip_suffix('*') {
        Some(name) => (name, true),
        None => (head, false),
    };
    ActionResource {
        name,
        required,
        condition_keys: keys.split(',').filter(|k| !k.is_empty()).collect(),
    }
}

/// An action pattern from a policy or the command line: case-insensitive, `*` and `?`.
pub(crate) struct ActionGlob(Pattern);

impl ActionGlob {
    pub(crate) fn new(pattern: &str) -> ActionGlob {
        ActionGlob(Pattern::compile(
            pattern,
            Wildcards::Glob,
            Variables::Literal,
        ))
    }

    pub(crate) fn matches(&self, text: &str) -> bool {
        self.0.matches_plain(text, CaseFold::Ascii)
    }
}
