//! The SDK's outputs as the AWS CLI prints them (`--output json`): PascalCase keys, absent
//! fields left out, dates in ISO 8601. The SDK's types do not implement `Serialize`, so each
//! output the snapshot keeps has a small builder here, written from the service models.
//! Only the fields the CLI prints are written; listings the snapshot does not keep (buckets,
//! keys, queues, ...) have no builder.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::{Map, Value};

mod iam;
mod other;

pub(crate) use iam::authorization_details;
pub(crate) use other::*;

/// A JSON object under construction; `None` and empty lists are left out, as the CLI does.
#[derive(Default)]
pub(crate) struct Obj(Map<String, Value>);

impl Obj {
    pub(crate) fn new() -> Obj {
        Obj::default()
    }

    /// A string field, when present.
    pub(crate) fn s(mut self, key: &str, value: Option<&str>) -> Obj {
        if let Some(v) = value {
            self.0.insert(key.to_owned(), Value::String(v.to_owned()));
        }
        self
    }

    /// A field of any JSON value.
    pub(crate) fn v(mut self, key: &str, value: Value) -> Obj {
        self.0.insert(key.to_owned(), value);
        self
    }

    /// An optional field of any JSON value.
    pub(crate) fn o(self, key: &str, value: Option<Value>) -> Obj {
        match value {
            Some(v) => self.v(key, v),
            None => self,
        }
    }

    /// A boolean field.
    pub(crate) fn b(self, key: &str, value: Option<bool>) -> Obj {
        self.o(key, value.map(Value::Bool))
    }

    /// A date field, ISO 8601.
    pub(crate) fn d(self, key: &str, value: Option<&DateTime>) -> Obj {
        self.o(key, value.and_then(date))
    }

    /// A list field, always written (the CLI prints `[]` for an empty list of the shapes we
    /// keep).
    pub(crate) fn l<T>(self, key: &str, items: &[T], f: impl Fn(&T) -> Value) -> Obj {
        self.v(key, Value::Array(items.iter().map(f).collect()))
    }

    /// A list field, left out when empty (as the CLI leaves out `Tags` the API did not send).
    pub(crate) fn le<T>(self, key: &str, items: &[T], f: impl Fn(&T) -> Value) -> Obj {
        if items.is_empty() {
            self
        } else {
            self.l(key, items, f)
        }
    }

    pub(crate) fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// A date as the CLI prints it (ISO 8601, UTC).
pub(crate) fn date(d: &DateTime) -> Option<Value> {
    d.fmt(Format::DateTime).ok().map(Value::String)
}

/// A string list.
pub(crate) fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|s| Value::String(s.as_ref().to_owned()))
            .collect(),
    )
}

/// A policy document of IAM: the API returns it URL-encoded (RFC 3986); the CLI prints it
/// decoded, as a JSON object. A document that does not decode to JSON is kept as the API
/// returned it (the loader accepts both forms).
pub(crate) fn iam_document(encoded: Option<&str>) -> Option<Value> {
    let encoded = encoded?;
    let decoded = percent_decode(encoded);
    let parsed = decoded
        .as_deref()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .or_else(|| serde_json::from_str::<Value>(encoded).ok());
    Some(parsed.unwrap_or_else(|| Value::String(encoded.to_owned())))
}

/// `%XX` escapes decoded; `None` when an escape is malformed or the bytes are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = hex(bytes.next()?)?;
            let lo = hex(bytes.next()?)?;
            out.push(hi.checked_mul(16)?.checked_add(lo)?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_documents_are_decoded_into_objects() {
        let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            iam_document(Some(enc)),
            Some(serde_json::json!({"Version": "2012-10-17", "Statement": []}))
        );
        // Already decoded (moto returns some documents as plain JSON).
        assert_eq!(
            iam_document(Some("{\"a\": \"50%\"}")),
            Some(serde_json::json!({"a": "50%"}))
        );
        // Neither: kept as it came.
        assert_eq!(iam_document(Some("%zz")), Some(Value::String("%zz".into())));
    }

    #[test]
    fn authorization_details_merge_pages_in_the_cli_shape() {
        use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput as Page;
        use aws_sdk_iam::types::{
            AttachedPermissionsBoundary, PermissionsBoundaryAttachmentType, PolicyDetail,
            RoleDetail, UserDetail,
        };
        let p1 = Page::builder()
            .user_detail_list(
                UserDetail::builder()
                    .user_name("alice")
                    .group_list("devs")
                    .build(),
            )
            .build();
        let p2 = Page::builder()
            .role_detail_list(
                RoleDetail::builder()
                    .role_name("app")
                    .assume_role_policy_document("%7B%22Version%22%3A%222012-10-17%22%7D")
                    .role_policy_list(
                        PolicyDetail::builder()
                            .policy_name("inline")
                            .policy_document("%7B%7D")
                            .build(),
                    )
                    .permissions_boundary(
                        AttachedPermissionsBoundary::builder()
                            .permissions_boundary_type(PermissionsBoundaryAttachmentType::Policy)
                            .permissions_boundary_arn("arn:aws:iam::1:policy/b")
                            .build(),
                    )
                    .build(),
            )
            .build();
        let v = authorization_details(&[p1, p2]);
        assert_eq!(
            v["UserDetailList"][0]["GroupList"],
            serde_json::json!(["devs"])
        );
        let role = &v["RoleDetailList"][0];
        assert_eq!(
            role["AssumeRolePolicyDocument"],
            serde_json::json!({"Version": "2012-10-17"})
        );
        assert_eq!(
            role["RolePolicyList"][0]["PolicyDocument"],
            serde_json::json!({})
        );
        assert_eq!(
            role["PermissionsBoundary"]["PermissionsBoundaryType"],
            "PermissionsBoundaryPolicy"
        );
        assert_eq!(v["Policies"], serde_json::json!([]));
        assert!(role.get("RoleId").is_none(), "absent fields are left out");
    }

    #[test]
    fn us_east_1_buckets_have_a_null_location() {
        use aws_sdk_s3::operation::get_bucket_location::GetBucketLocationOutput;
        use aws_sdk_s3::types::BucketLocationConstraint;
        let none = GetBucketLocationOutput::builder().build();
        assert_eq!(
            bucket_location(&none),
            serde_json::json!({"LocationConstraint": null})
        );
        let eu = GetBucketLocationOutput::builder()
            .location_constraint(BucketLocationConstraint::EuWest1)
            .build();
        assert_eq!(
            bucket_location(&eu),
            serde_json::json!({"LocationConstraint": "eu-west-1"})
        );
    }
}
