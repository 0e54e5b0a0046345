//! What the text around an AccessDenied message says: the error code, the API operation and
//! the service, from the way each SDK, tool and body prints an error.
//!
//! | wrapper | shape read |
//! |---|---|
//! | AWS CLI, boto3 | `An error occurred (CODE) when calling the OP operation: …` |
//! | Go v2, Terraform | `operation error SERVICE: OP, https response error StatusCode: 403, RequestID: …, api error CODE: …` |
//! | Java v1/v2, CloudFormation | `(Service: SERVICE; Status Code: 403; Error Code: CODE; Request ID: …)`, `HandlerErrorCode: CODE` |
//! | Go v1 | `CODE: … status code: 403, request id: …` |
//! | JavaScript, .NET, PHP, Ruby | `CODE: …`, `Amazon.S3.AmazonS3Exception: …`, `CODE (client): …` |
//! | XML and JSON bodies | `<Code>CODE</Code>`, `"__type": "…#CODE"`, `"Code": "CODE"` |

use serde::Serialize;

use super::reader::token;

/// The program or format that printed the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Wrapper {
    /// The AWS CLI.
    Cli,
    /// Python's boto3 / botocore.
    Boto3,
    /// The AWS SDK for Java.
    Java,
    /// The AWS SDK for Go v1.
    GoV1,
    /// The AWS SDK for Go v2 (also under Terraform's AWS provider 4+).
    GoV2,
    /// Terraform.
    Terraform,
    /// CloudFormation (and CDK, SAM) stack events.
    CloudFormation,
    /// An XML error body.
    XmlBody,
    /// A JSON error body.
    JsonBody,
    /// An exception print of another SDK (JavaScript, .NET, PHP, Ruby, Kotlin).
    Exception,
}

/// The wrapper's facts.
#[derive(Clone, Debug, Default)]
pub(super) struct Facts {
    pub(super) code: Option<String>,
    pub(super) operation: Option<String>,
    pub(super) service: Option<String>,
    pub(super) wrapper: Option<Wrapper>,
    pub(super) encoded: Option<String>,
    /// CloudFormation's `API: s3:PutBucketPolicy` before the message.
    pub(super) action: Option<String>,
}

fn word(text: &str) -> Option<String> {
    let w: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    (!w.is_empty()).then_some(w)
}

/// Reads the wrapper's facts from the whole text.
pub(super) fn read(text: &str) -> Facts {
    let mut f = Facts::default();
    let lower = text.to_ascii_lowercase();
    if let Some(i) = text.find("An error occurred (") {
        let after = text.get(i.saturating_add(19)..).unwrap_or("");
        if let Some((code, rest)) = after.split_once(')') {
            f.code = Some(code.to_owned());
            if let Some(op) = rest.strip_prefix(" when calling the ") {
                f.operation = word(op);
            }
        }
        f.wrapper = Some(
            if lower.contains("botocore")
                || lower.contains("clienterror")
                || lower.contains("boto3")
                || lower.contains("traceback")
            {
                Wrapper::Boto3
            } else {
                Wrapper::Cli
            },
        );
    }
    if let Some(i) = text.find("operation error ") {
        let after = text.get(i.saturating_add(16)..).unwrap_or("");
        if let Some((service, rest)) = after.split_once(':')
            && !service.contains(char::is_whitespace)
        {
            f.service.get_or_insert_with(|| service.to_owned());
            if f.operation.is_none() {
                f.operation = word(rest);
            }
        }
        if let Some(j) = text.find("api error ") {
            let code = text.get(j.saturating_add(10)..).and_then(word);
            if f.code.is_none() {
                f.code = code;
            }
        }
        f.wrapper.get_or_insert(
            if lower.contains("terraform")
                || text.contains("Error: ")
                || lower.contains("with aws_")
            {
                Wrapper::Terraform
            } else {
                Wrapper::GoV2
            },
        );
    }
    for (key, sep) in [("(Service: ", ';'), ("(Service: ", ',')] {
        if let Some(i) = text.find(key) {
            let after = text.get(i.saturating_add(key.len())..).unwrap_or("");
            if let Some((service, _)) = after.split_once(sep) {
                f.service.get_or_insert_with(|| service.trim().to_owned());
            }
            break;
        }
    }
    if let Some(i) = text.find("Error Code: ") {
        if f.code.is_none() {
            f.code = text.get(i.saturating_add(12)..).and_then(word);
        }
        f.wrapper.get_or_insert(Wrapper::Java);
    }
    if let Some(i) = text.find("HandlerErrorCode: ") {
        if f.code.is_none() {
            f.code = text.get(i.saturating_add(18)..).and_then(word);
        }
        f.wrapper = Some(Wrapper::CloudFormation);
    }
    if let Some(i) = text.find("<Code>") {
        if f.code.is_none() {
            f.code = text.get(i.saturating_add(6)..).and_then(word);
        }
        f.wrapper.get_or_insert(Wrapper::XmlBody);
    }
    for key in ["\"__type\"", "\"Code\"", "\"code\""] {
        if let Some(i) = text.find(key) {
            let after = text.get(i.saturating_add(key.len())..).unwrap_or("");
            let value = after.trim_start().trim_start_matches(':').trim_start();
            if let Some(v) = value.strip_prefix('"') {
                let v = v.split('"').next().unwrap_or("");
                let code = v.rsplit('#').next().unwrap_or(v);
                if f.code.is_none() && !code.is_empty() {
                    f.code = word(code);
                }
                f.wrapper.get_or_insert(Wrapper::JsonBody);
            }
        }
    }
    if lower.contains("status code: 403, request id")
        || lower.contains("status code: 400, request id")
    {
        f.wrapper.get_or_insert(Wrapper::GoV1);
    }
    if f.code.is_none() {
        // `AccessDeniedException: …`, `Amazon.S3.AmazonS3Exception: …`, `AccessDenied: …`.
        for line in text.lines() {
            let t = line.trim_start().trim_start_matches("---> ");
            if let Some((head, _)) = t.split_once(':') {
                let name = head.rsplit('.').next().unwrap_or(head).trim();
                let name = name.strip_suffix(" (client)").unwrap_or(name);
                if !name.is_empty()
                    && !name.contains(char::is_whitespace)
                    && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && (name.ends_with("Exception")
                        || name.ends_with("Denied")
                        || name.ends_with("Error")
                        || name == "UnauthorizedOperation"
                        || name == "Forbidden")
                {
                    f.code = Some(name.to_owned());
                    f.wrapper.get_or_insert(Wrapper::Exception);
                    break;
                }
            }
        }
    }
    if let Some(i) = text.find("API: ") {
        let named = token(text.get(i.saturating_add(5)..).unwrap_or(""));
        if named.contains(':') && !named.starts_with("arn:") {
            f.action = Some(named.to_owned());
        }
    }
    if let Some(i) = lower.find("encoded authorization failure message:") {
        let blob = token(text.get(i.saturating_add(38)..).unwrap_or(""));
        if !blob.is_empty() {
            f.encoded = Some(blob.to_owned());
        }
    }
    f
}
