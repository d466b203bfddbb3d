//! The deliver function's edge on the readers of this crate: outbox items
//! from the table's stream images, SES's reports from SNS notifications
//! (`fixtures/ses/`, from AWS's documentation), over the in-memory ports.

mod outbox;
mod status;
