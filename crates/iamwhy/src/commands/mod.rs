//! One module per subcommand.

pub(crate) mod simulate;
pub(crate) mod test;
