//! Amazon Resource Names.
//!
//! Spec §1.3: an ARN is `arn:partition:service:region:account:resource`; the sixth field is
//! everything after the fifth colon and may itself contain `:` and `/`.

use std::fmt;

/// The six fields of an ARN, borrowed from the text they were split from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// Service namespace, e.g. `s3`, `iam`.
    pub service: &'a str,
    /// Region, empty for global resources.
    pub region: &'a str,
    /// Account id, empty for S3 buckets and objects.
    pub account: &'a str,
    /// Everything after the fifth colon.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `text` into its six fields; `None` when it does not start with `arn:` or has
    /// fewer than six fields.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        let prefix = parts.next()?;
        if prefix != "arn" {
            return None;
        }
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }

    /// The resource type: the text of the resource field before its first `/` or `:`
    /// (`user` in `user/path/name`, `key` in `key/1234`).
    pub fn resource_type(&self) -> &'a str {
        self.resource
            .split(['/', ':'])
            .next()
            .unwrap_or(self.resource)
    }

    /// The resource field after the resource type and its separator.
    pub fn resource_id(&self) -> &'a str {
        let ty = self.resource_type();
        self.resource
            .get(ty.len()..)
            .and_then(|rest| rest.get(1..))
            .unwrap_or("")
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// Whether `s` is a 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_six_fields_keeping_colons_in_the_resource() {
        let arn = Arn::parse("arn:aws:logs:us-east-1:111122223333:log-group:/a/b:*").unwrap();
        assert_eq!(arn.service, "logs");
        assert_eq!(arn.account, "111122223333");
        assert_eq!(arn.resource, "log-group:/a/b:*");
        assert_eq!(arn.resource_type(), "log-group");
        assert_eq!(arn.resource_id(), "/a/b:*");
        assert_eq!(
            arn.to_string(),
            "arn:aws:logs:us-east-1:111122223333:log-group:/a/b:*"
        );
    }

    #[test]
    fn rejects_short_and_foreign_text() {
        assert!(Arn::parse("arn:aws:s3").is_none());
        assert!(Arn::parse("*").is_none());
        assert!(Arn::parse("urn:aws:s3:::b").is_none());
        let b = Arn::parse("arn:aws:s3:::bucket/key").unwrap();
        assert_eq!((b.region, b.account, b.resource), ("", "", "bucket/key"));
    }
}
