//! The target bodies, one module each; their doc comments say what each asserts.

pub mod athena_results;
pub mod creds_files;
pub mod dir_walker;
pub mod cdk_assembly;
pub mod event_request;
pub mod gzip_members;
pub mod iac_reader;
pub mod lint_input;
pub mod message_reader;
pub mod policy_parser;
pub mod scenario_parser;
pub mod snapshot_file;
pub mod trail_reader;
