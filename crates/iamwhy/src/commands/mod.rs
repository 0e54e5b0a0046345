//! One module per subcommand.

pub(crate) mod actions;
pub(crate) mod creds;
pub(crate) mod explain;
// The input layer of issue 18 is rewriting this module; its owner removes this exception.
#[expect(
    clippy::arithmetic_side_effects,
    reason = "TEMPORARY: being rewritten in issue 18's input layer"
)]
pub(crate) mod lint;
pub(crate) mod simulate;
pub(crate) mod test;
// The input layer of issue 18 is rewriting this module; its owner removes this exception.
#[expect(
    clippy::arithmetic_side_effects,
    reason = "TEMPORARY: being rewritten in issue 18's input layer"
)]
pub(crate) mod trail;
