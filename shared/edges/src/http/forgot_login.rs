//! `GET /password/forgot-login` (the form) and `POST /password/forgot-login`:
//! "Forgot your login?", for an email address or a phone number.

use tokio::time::Instant;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::body::{Format, read_submission};
use super::error::{ApiError, ErrorCode};
use super::forgot::{Resubmit, at_the_floor, caller, caller_address, proof_of};
use super::pages::{forgot_login_page, reminder_sent_page};
use super::response::json_response;
use super::visit::Visit;
use super::{check_route, is_get};
use crate::config::Function;
use recovery_core::flows::Recovery;
use recovery_domain::AccountLookup;

const REMINDER_SENT: &str = "If an account has this email address or phone number, we have \
     sent it its login and how it signs in.";

/// `GET /password/forgot-login` (the form) and `POST /password/forgot-login`:
/// the login of the account an address or number names, sent there; the
/// same answer, after the same minimum time, whatever the account.
pub async fn forgot_login(recovery: &Recovery, req: Request) -> Response<Body> {
    if let Some(refused) = check_route(Function::RequestReset, &req) {
        return refused;
    }
    if is_get(&req) {
        let visit = Visit::of_request(recovery, &req).await;
        return forgot_login_page(&visit, StatusCode::OK, "", None);
    }
    let started = Instant::now();
    let submission = match read_submission(&req) {
        Ok(submission) => submission,
        Err(err) => return err.into_json_response(),
    };
    let format = submission.format();
    let visit = match Visit::of_submission(recovery, &req, &submission).await {
        Ok(visit) => visit,
        Err(err) => return err.into_json_response(),
    };
    let contact =
        submission.required("contact").and_then(|typed| match AccountLookup::parse(&typed)? {
            AccountLookup::Login(_) => Err(ApiError::bad_request(
                ErrorCode::InvalidContact,
                "Enter an email address, or a phone number with its country code.",
            )),
            contact => Ok(contact),
        });
    let contact = match contact {
        Ok(contact) => contact,
        Err(err) if format == Format::Form => {
            let typed = submission.text_or_empty("contact");
            return forgot_login_page(&visit, err.status, &typed, Some(&err));
        }
        Err(err) => return err.into_json_response(),
    };
    let source_ip = caller_address(recovery, &req).await;
    let proof = match proof_of(&submission) {
        Ok(proof) => proof,
        Err(err) => return err.into_json_response(),
    };
    let asked = recovery.remind_login(&contact, caller(&source_ip, &visit, &proof));
    let typed = submission.text_or_empty("contact");
    let again = Resubmit { action: "forgot-login", field: "contact", typed: &typed };
    if let Err(refused) = at_the_floor(started, asked, (&visit, format), again).await {
        return refused;
    }
    let by_phone = matches!(contact, AccountLookup::Phone(_));
    match format {
        Format::Json => json_response(
            StatusCode::ACCEPTED,
            &json!({
                "next": if by_phone { "check_phone" } else { "check_email" },
                "message": REMINDER_SENT,
            }),
        ),
        Format::Form => reminder_sent_page(&visit, by_phone),
    }
}
