//! How much of one document iamwhy reads into memory. Logs are streamed and have no limit;
//! everything that must be held whole has one, documented in docs/reliability.md.

use std::fmt;

/// The most bytes a document of one kind may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    bytes: u64,
    what: &'static str,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

impl Limit {
    /// One policy document given on its own (`--add-policy`, `--session-policy`, ...). AWS's
    /// largest policies are a few tens of KB (a key policy: 32 KB, IAM and AWS KMS quotas);
    /// 1 MiB leaves room for white space and comments.
    pub const POLICY: Limit = Limit::new(MIB, "a policy file");
    /// A scenario file (`simulate --scenario`, `test`): an array of scenarios may be large.
    pub const SCENARIO: Limit = Limit::new(256 * MIB, "a scenario file");
    /// A file of an account snapshot (`get-account-authorization-details` of a large account
    /// is tens of MB).
    pub const SNAPSHOT_FILE: Limit = Limit::new(512 * MIB, "a snapshot file");
    /// A file given to `lint` (a policy, a scenario, or an AWS CLI output holding policies).
    pub const LINT_FILE: Limit = Limit::new(512 * MIB, "a lint input");
    /// A pasted message (`explain --message-file`).
    pub const MESSAGE: Limit = Limit::new(MIB, "a message");
    /// The AWS shared `config` and `credentials` files, `.iamwhy.toml`, token files.
    pub const CONFIG: Limit = Limit::new(16 * MIB, "a configuration file");

    /// A limit of `bytes` for documents described as `what` ("a policy file").
    pub const fn new(bytes: u64, what: &'static str) -> Limit {
        Limit { bytes, what }
    }

    /// The most bytes allowed.
    pub const fn bytes(self) -> u64 {
        self.bytes
    }

    /// What kind of document it limits, for messages ("a policy file").
    pub const fn what(self) -> &'static str {
        self.what
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human_size(self.bytes))
    }
}

/// `1 MiB`, `512 MiB`, `3 KiB`, `17 bytes`: the largest unit that divides the size exactly,
/// else bytes.
pub(crate) fn human_size(bytes: u64) -> String {
    const GIB: u64 = 1024 * MIB;
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if bytes >= unit
            && bytes.is_multiple_of(unit)
            && let Some(n) = bytes.checked_div(unit)
        {
            return format!("{n} {name}");
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(Limit::POLICY.to_string(), "1 MiB");
        assert_eq!(Limit::SNAPSHOT_FILE.to_string(), "512 MiB");
        assert_eq!(human_size(3 * 1024), "3 KiB");
        assert_eq!(human_size(1025), "1025 bytes");
        assert_eq!(human_size(4 * 1024 * MIB), "4 GiB");
    }
}
