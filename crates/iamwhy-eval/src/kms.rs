//! KMS grants (spec §4.8.2): an extra allow for a grantee, limited to operations and
//! encryption-context constraints.

use iamwhy_core::{ContextValue, Principal, Request, normalize_key};

use crate::policy_set::{KmsGrant, PolicySet};

/// The first KMS grant that allows the request.
pub(crate) fn matching_grant(req: &Request, set: &PolicySet) -> Option<usize> {
    if req.action.service() != "kms" {
        return None;
    }
    req.resource
        .arn()
        .filter(|a| a.service == "kms" && a.resource_type() == "key")?;
    set.kms_grants.iter().position(|g| grant_matches(g, req))
}

/// Whether a grant covers the request: grantee, operation and encryption-context constraints.
fn grant_matches(g: &KmsGrant, req: &Request) -> bool {
    if let Some(key) = &g.key_arn
        && key != req.resource.as_str()
    {
        return false;
    }
    let op_ok = g
        .operations
        .iter()
        .any(|op| op.eq_ignore_ascii_case(req.action.name()));
    if !op_ok {
        return false;
    }
    let principal = &req.principal;
    let grantee_ok = match principal {
        Principal::Service(s) => s.eq_ignore_ascii_case(&g.grantee),
        Principal::RoleSession(s) => {
            g.grantee == s.role.arn() || Some(g.grantee.clone()) == principal.requester_arn()
        }
        _ => principal.requester_arn().as_deref() == Some(g.grantee.as_str()),
    };
    if !grantee_ok {
        return false;
    }
    // Encryption context of the request: keys `kms:EncryptionContext:<k>`.
    const PREFIX: &str = "kms:encryptioncontext:";
    let request_ec: Vec<(String, &str)> = req
        .context
        .iter()
        .filter_map(|(k, v)| {
            let lower = normalize_key(k);
            let key = lower.strip_prefix(PREFIX)?.to_owned();
            match v {
                ContextValue::Single(s) => Some((key, s.as_str())),
                ContextValue::Multi(_) => None,
            }
        })
        .collect();
    let has = |k: &str, v: &str| {
        let k = normalize_key(k);
        request_ec.iter().any(|(rk, rv)| *rk == k && *rv == v)
    };
    if !g.encryption_context_equals.is_empty()
        && (request_ec.len() != g.encryption_context_equals.len()
            || !g.encryption_context_equals.iter().all(|(k, v)| has(k, v)))
    {
        return false;
    }
    g.encryption_context_subset.iter().all(|(k, v)| has(k, v))
}
