//! The system tests: the adapters through the real AWS SDK against the moto
//! emulator, the flows on them, and the functions over HTTP and the Lambda
//! Invoke API through `cargo lambda watch`. One binary: one emulator and one
//! set of functions for all of them (`system_tests::functions()`).

mod admin_invoke;
mod bodies;
mod breaches;
mod challenge;
mod credentials;
mod delivery;
mod demo_accounts;
mod dynamodb_store;
mod email_link;
mod emulator_streams;
mod flows_on_aws;
mod harness;
mod import_command;
mod lifecycle;
mod limits;
mod lock;
mod logs;
mod phone_code;
mod rotation;
mod senders;
mod workspaces;
