//! One module per subcommand.

pub(crate) mod actions;
pub(crate) mod athena;
pub(crate) mod bulk;
#[cfg(feature = "collect")]
pub(crate) mod collect;
pub(crate) mod creds;
pub(crate) mod distribution;
pub(crate) mod explain;
pub(crate) mod generate;
pub(crate) mod lint;
pub(crate) mod replay;
pub(crate) mod review;
pub(crate) mod simulate;
pub(crate) mod test;
pub(crate) mod trail;
