//! The crate's tests that need no emulator: the flows, their HTTP answers
//! and the administrator's events over the in-memory ports, the store
//! contract on the in-memory store, and the tidy checks of the source tree.

mod admin;
mod admin_entry;
mod branding;
mod breaches;
mod challenge;
mod credentials;
mod delivery;
mod email_link;
mod funnel;
mod http;
mod keys;
mod languages;
mod lifecycle;
mod limits;
mod lock;
mod logging;
mod pages;
mod pumping;
mod remind;
mod sms;
mod sms_budget;
mod store_contract;
mod texts;
mod tidy;
mod workspace_admins;
mod workspaces;
