//! Resource-type ARN formats (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`) and which
//! ARNs fit them.

use iamwhy_policy::{CaseFold, Pattern, Variables, Wildcards};

/// An ARN format of the Service Authorization Reference.
///
/// An ARN fits when its partition, service, region and account fields equal the format's
/// fixed fields (a `${...}` field takes anything, empty included), and its resource part fits
/// the format's resource part with each `${...}` standing for one or more characters (`/` and
/// `:` included: object keys and log group names contain them). Several formats can fit one
/// ARN (`arn:aws:s3:::b/k` fits both `${BucketName}` and `${BucketName}/${ObjectName}`); the
/// one with the most fixed text is the resource's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArnFormat<'a> {
    format: &'a str,
}

impl<'a> ArnFormat<'a> {
    /// Wraps a format string.
    pub fn new(format: &'a str) -> ArnFormat<'a> {
        ArnFormat { format }
    }

    /// The format string.
    pub fn as_str(&self) -> &'a str {
        self.format
    }

    /// Whether `arn` fits the format.
    pub fn fits(&self, arn: &str) -> bool {
        self.specificity(arn).is_some()
    }

    /// `Some(n)` when `arn` fits, `n` counting the format's fixed characters (higher is more
    /// specific); `None` when it does not fit.
    pub fn specificity(&self, arn: &str) -> Option<usize> {
        self.compile().specificity(arn)
    }

    /// The format made ready to match many ARNs.
    pub fn compile(&self) -> CompiledFormat<'a> {
        let mut fields: [Option<&'a str>; 5] = [None; 5];
        let mut parts = self.format.splitn(6, ':');
        let mut fixed = 0usize;
        let mut valid = true;
        for field in &mut fields {
            match parts.next() {
                Some(f) if f.contains("${") => {}
                Some(f) => {
                    fixed = fixed.saturating_add(f.len());
                    *field = Some(f);
                }
                None => valid = false,
            }
        }
        let (glob, literal) = resource_glob(parts.next().unwrap_or(""));
        CompiledFormat {
            fields,
            resource: Pattern::compile(&glob, Wildcards::Glob, Variables::Literal),
            fixed: fixed.saturating_add(literal),
            valid,
        }
    }
}

/// An [`ArnFormat`] compiled once.
#[derive(Clone, Debug)]
pub struct CompiledFormat<'a> {
    fields: [Option<&'a str>; 5],
    resource: Pattern,
    fixed: usize,
    valid: bool,
}

impl CompiledFormat<'_> {
    /// As [`ArnFormat::specificity`].
    pub fn specificity(&self, arn: &str) -> Option<usize> {
        self.specificity_of(&SplitArn::new(arn)?)
    }

    /// As [`ArnFormat::specificity`], for an ARN split once for many formats.
    pub fn specificity_of(&self, arn: &SplitArn<'_>) -> Option<usize> {
        if !self.valid {
            return None;
        }
        for (field, actual) in self.fields.iter().zip(&arn.fields) {
            if let Some(f) = field
                && f != actual
            {
                return None;
            }
        }
        self.resource
            .matches_plain(arn.resource, CaseFold::Sensitive)
            .then_some(self.fixed)
    }
}

/// An ARN cut into its five leading fields and its resource part.
#[derive(Clone, Copy, Debug)]
pub struct SplitArn<'a> {
    fields: [&'a str; 5],
    resource: &'a str,
}

impl<'a> SplitArn<'a> {
    /// `None` when the text has fewer than six `:`-separated parts.
    pub fn new(arn: &'a str) -> Option<SplitArn<'a>> {
        let mut parts = arn.splitn(6, ':');
        let mut fields = [""; 5];
        for f in &mut fields {
            *f = parts.next()?;
        }
        Some(SplitArn {
            fields,
            resource: parts.next()?,
        })
    }
}

/// The resource part as a glob (`${X}` → one or more characters) and its count of fixed
/// characters.
fn resource_glob(format: &str) -> (String, usize) {
    let mut glob = String::with_capacity(format.len());
    let mut literal = 0usize;
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("${")
            && let Some((_, tail)) = rest.split_once('}')
        {
            glob.push_str("?*");
            rest = tail;
            continue;
        }
        glob.push(c);
        literal = literal.saturating_add(1);
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    (glob, literal)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUCKET: &str = "arn:${Partition}:s3:::${BucketName}";
    const OBJECT: &str = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
    const LOG_STREAM: &str = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}";

    #[test]
    fn s3_object_is_more_specific_than_bucket() {
        let arn = "arn:aws:s3:::reports/2026/q3.csv";
        let b = ArnFormat::new(BUCKET).specificity(arn).unwrap();
        let o = ArnFormat::new(OBJECT).specificity(arn).unwrap();
        assert!(o > b);
        assert!(!ArnFormat::new(OBJECT).fits("arn:aws:s3:::reports"));
        assert!(!ArnFormat::new(OBJECT).fits("arn:aws:s3:::reports/"));
    }

    #[test]
    fn fixed_fields_must_match() {
        assert!(!ArnFormat::new(BUCKET).fits("arn:aws:sqs:::reports"));
        assert!(
            ArnFormat::new(LOG_STREAM).fits(
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:log-stream:2026/x"
            )
        );
        assert!(
            !ArnFormat::new(LOG_STREAM)
                .fits("arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f")
        );
        assert!(!ArnFormat::new(BUCKET).fits("not-an-arn"));
    }
}
