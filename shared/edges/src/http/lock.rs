//! `GET /password/not-me?token=...` (what the link does, and a button to do
//! it) and `POST /password/not-me` (lock the account): "This was not me",
//! from the notice that a password changed. The GET only reads, so a mail
//! scanner that follows the link locks nothing.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;
use tracing::error;

use super::body::{Format, read_submission};
use super::error::ApiError;
use super::forgot::source_ip;
use super::pages::{error_page, lock_confirm_page, lock_invalid_page, locked_page};
use super::response::json_response;
use super::visit::Visit;
use super::{check_route, is_get};
use crate::config::Function;
use recovery_core::flows::{Administration, LockError, LockLink, Requester};

/// `GET` and `POST /password/not-me`. Locking is an audited change of the
/// account: only an [`Administration`] can do it.
///
/// ```
/// # async fn f(admin: &recovery_core::Administration, req: lambda_http::Request) {
/// recovery_edges::http::lock_account(admin, req).await;
/// # }
/// ```
/// ```compile_fail
/// # async fn f(recovery: &recovery_core::Recovery, req: lambda_http::Request) {
/// recovery_edges::http::lock_account(recovery, req).await;
/// # }
/// ```
pub async fn lock_account(recovery: &Administration, req: Request) -> Response<Body> {
    if let Some(refused) = check_route(Function::LockAccount, &req) {
        return refused;
    }
    if is_get(&req) { confirm(recovery, &req).await } else { submit(recovery, req).await }
}

/// The page that explains what locking does and asks to confirm it.
async fn confirm(recovery: &Administration, req: &Request) -> Response<Body> {
    let visit = Visit::of_request(recovery, req).await;
    let params = req.query_string_parameters();
    let token = params.first("token").unwrap_or_default();
    match recovery.lock_link(token).await {
        Ok(LockLink::Live { login }) => lock_confirm_page(&visit, token, &login),
        Ok(LockLink::AlreadyLocked) => locked_page(&visit),
        Ok(LockLink::Invalid) => lock_invalid_page(&visit),
        Err(err) => {
            error!(error = %err, "a lock link could not be read");
            error_page(&visit, &ApiError::unavailable(), false)
        }
    }
}

/// Locks the account; says what happens next.
async fn submit(recovery: &Administration, req: Request) -> Response<Body> {
    let submission = match read_submission(&req) {
        Ok(submission) => submission,
        Err(err) => return err.into_json_response(),
    };
    let format = submission.format();
    let visit = match Visit::of_submission(recovery, &req, &submission).await {
        Ok(visit) => visit,
        Err(err) => return err.into_json_response(),
    };
    let token = match submission.required("token") {
        Ok(token) => token,
        Err(err) if format == Format::Form => return error_page(&visit, &err, false),
        Err(err) => return err.into_json_response(),
    };
    let request_id = req.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default();
    let by =
        Requester::trusted(format!("the account's owner, from {}", source_ip(&req)), request_id);
    let outcome = match recovery.lock_account(&token, &by).await {
        // Locked now, or before: either way it is locked.
        Ok(()) | Err(LockError::AlreadyLocked) => Ok(()),
        Err(LockError::InvalidLink) => Err(ApiError::invalid_token()),
        Err(err) => {
            error!(error = %err, "an account could not be locked");
            Err(ApiError::unavailable())
        }
    };
    match (outcome, format) {
        (Ok(()), Format::Json) => json_response(StatusCode::OK, &json!({ "status": "locked" })),
        (Ok(()), Format::Form) => locked_page(&visit),
        (Err(err), Format::Json) => err.into_json_response(),
        (Err(err), Format::Form) if err.status == StatusCode::BAD_REQUEST => {
            lock_invalid_page(&visit)
        }
        (Err(err), Format::Form) => error_page(&visit, &err, false),
    }
}
