//! Typed condition values: numbers and IP ranges (spec §3.2). Dates are in
//! [`iamwhy_core::time`].

use std::cmp::Ordering;
use std::net::IpAddr;

/// An exact decimal number, borrowed from its text: `10` equals `10.0` and `010`, and no
/// precision is lost to floating point (spec §3.2 Numeric family: integers and decimals).
#[derive(Clone, Copy, Debug)]
pub struct Decimal<'a> {
    negative: bool,
    /// Integer digits without leading zeros.
    int: &'a str,
    /// Fraction digits without trailing zeros.
    frac: &'a str,
}

impl<'a> Decimal<'a> {
    /// Parses `[-+]digits[.digits]`; `None` for anything else.
    pub fn parse(text: &'a str) -> Option<Decimal<'a>> {
        let text = text.trim();
        let (negative, body) = match text.as_bytes().first()? {
            b'-' => (true, text.get(1..)?),
            b'+' => (false, text.get(1..)?),
            _ => (false, text),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty()
            || !digits(int)
            || !digits(frac)
            || (body.contains('.') && frac.is_empty())
        {
            return None;
        }
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        let negative = negative && !(int.is_empty() && frac.is_empty());
        Some(Decimal {
            negative,
            int,
            frac,
        })
    }

    fn cmp_magnitude(&self, other: &Decimal<'_>) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(other.int))
            .then_with(|| self.frac.cmp(other.frac))
    }
}

impl PartialEq for Decimal<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal<'_> {}

impl PartialOrd for Decimal<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

/// An IPv4 or IPv6 network (spec §3.2 IP family): a bare address is a /32 (/128) and host
/// bits of the policy value are masked off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    network: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parses `address` or `address/prefix`.
    pub fn parse(text: &str) -> Option<IpNet> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        if prefix > max {
            return None;
        }
        Some(IpNet {
            network: mask(addr, prefix),
            prefix,
        })
    }

    /// The prefix length: 32 for one IPv4 address, 0 for every address.
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// Whether this is an IPv4 network.
    pub fn is_ipv4(&self) -> bool {
        self.network.is_ipv4()
    }

    /// Whether `addr` lies in the network; an IPv4 network never contains an IPv6 address
    /// and vice versa.
    pub fn contains(&self, addr: IpAddr) -> bool {
        addr.is_ipv4() == self.network.is_ipv4() && mask(addr, self.prefix) == self.network
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = 32u32
                .checked_sub(u32::from(prefix))
                .and_then(|shift| u32::MAX.checked_shl(shift))
                .unwrap_or(0);
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = 128u32
                .checked_sub(u32::from(prefix))
                .and_then(|shift| u128::MAX.checked_shl(shift))
                .unwrap_or(0);
            IpAddr::V6((bits & m).into())
        }
    }
}

/// Parses a request's IP value: an address, or (leniently) a network whose address is taken.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse()
        .ok()
        .or_else(|| text.split_once('/').and_then(|(a, _)| a.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal<'_> {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn decimals_compare_exactly() {
        assert_eq!(d("10"), d("10.0"));
        assert_eq!(d("010"), d("10"));
        assert_eq!(d("-0"), d("0.000"));
        assert!(d("9") < d("10"));
        assert!(d("-10") < d("-9"));
        assert!(d("1.05") > d("1.0499999999999999999"));
        assert!(d("9007199254740993") > d("9007199254740992"));
        for bad in ["", "abc", "1e3", "1.", ".5", "--1", "1.2.3", "0x10"] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn networks_mask_host_bits_and_keep_families_apart() {
        let net = IpNet::parse("203.0.113.77/24").unwrap();
        assert!(net.contains("203.0.113.1".parse().unwrap()));
        assert!(!net.contains("203.0.114.1".parse().unwrap()));
        assert!(!net.contains("::ffff:203.0.113.1".parse().unwrap()));
        let host = IpNet::parse("10.0.0.1").unwrap();
        assert!(host.contains("10.0.0.1".parse().unwrap()));
        assert!(!host.contains("10.0.0.2".parse().unwrap()));
        let v6 = IpNet::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!(
            IpNet::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        for bad in ["10.0.0.1/33", "10.0.0/8", "x", "10.0.0.1/", "10.0.0.1/a"] {
            assert!(IpNet::parse(bad).is_none(), "{bad}");
        }
    }
}
