//! `IpAddress`/`NotIpAddress` (spec §3.2): CIDR containment, IPv4 and IPv6 kept apart.

use iamwhy_policy::{CompiledValue, ConditionValue, parse_ip};

/// `None` when the request value is not an IP address.
pub(super) fn any_match(request: &str, values: &[ConditionValue]) -> Option<bool> {
    let req = parse_ip(request)?;
    Some(values.iter().any(|v| match &v.compiled {
        CompiledValue::Ip(net) => net.contains(req),
        _ => false,
    }))
}
