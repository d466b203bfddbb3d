//! `GET /password/forgot` (the form) and `POST /password/forgot`.

use std::future::Future;
use tokio::time::Instant;

use lambda_http::http::StatusCode;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

use super::body::{Format, Submission, read_submission};
use super::error::{ApiError, ErrorCode};
use super::pages::{
    challenge_page, check_email_page, code_page, error_page, forgot_page, sms_unavailable_page,
};
use super::response::json_response;
use super::visit::Visit;
use super::{check_route, is_get};
use crate::config::Function;
use recovery_core::flows::{Caller, FlowError, Issued, Proof, Recovery, ResetRequestOutcome};
use recovery_domain::AccountLookup;

const CODE_SENT: &str = "If an account has this phone number, we have sent it a text message \
     with a 6-digit code. Enter the code before it expires, or ask for a new one.";

const SMS_UNAVAILABLE: &str = "We cannot send text messages right now. Reset with your login \
     or email address instead, and we will email you a link.";

const FORGOT_ACCEPTED: &str = "If an account matches what you entered, we have sent it an \
     email with instructions to reset the password. The link in it expires soon, so use it \
     now. No email after a minute? Check your spam folder, then ask again: for a minute after \
     an email we send no other, so the link you have keeps working.";

/// `GET /password/forgot` (the form) and `POST /password/forgot`.
pub async fn forgot_password(recovery: &Recovery, req: Request) -> Response<Body> {
    if let Some(refused) = check_route(Function::RequestReset, &req) {
        return refused;
    }
    if is_get(&req) {
        forgot_page(&Visit::of_request(recovery, &req).await, StatusCode::OK, "", None)
    } else {
        submit(recovery, req).await
    }
}

/// `POST /password/forgot`: a link by email, or a code by SMS, and the same
/// answer whatever the account.
async fn submit(recovery: &Recovery, req: Request) -> Response<Body> {
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
    let lookup = submission.required("login").and_then(|login| Ok(AccountLookup::parse(&login)?));
    let lookup = match lookup {
        Ok(lookup) => lookup,
        Err(err) if format == Format::Form => {
            let login = submission.text_or_empty("login");
            return forgot_page(&visit, err.status, &login, Some(&err));
        }
        Err(err) => return err.into_json_response(),
    };
    let source_ip = caller_address(recovery, &req).await;
    let proof = match proof_of(&submission) {
        Ok(proof) => proof,
        Err(err) => return err.into_json_response(),
    };
    let asked = recovery.request_reset(&lookup, caller(&source_ip, &visit, &proof));
    let typed = submission.text_or_empty("login");
    let again = Resubmit { action: "forgot", field: "login", typed: &typed };
    let outcome = match at_the_floor(started, asked, (&visit, format), again).await {
        Ok(outcome) => outcome,
        Err(refused) => return refused,
    };
    // Texts are held for everyone alike: the same answer for every number.
    if matches!(outcome, ResetRequestOutcome::SmsUnavailable) {
        return match format {
            Format::Json => json_response(
                StatusCode::ACCEPTED,
                &json!({ "next": "use_email", "message": SMS_UNAVAILABLE }),
            ),
            Format::Form => sms_unavailable_page(&visit),
        };
    }
    match (&lookup, format) {
        (AccountLookup::Phone(_), Format::Json) => json_response(
            StatusCode::ACCEPTED,
            &json!({
                "next": "enter_code",
                "message": CODE_SENT,
                "expires_in": recovery.settings().sms.code_lifetime_seconds,
            }),
        ),
        (AccountLookup::Phone(phone), Format::Form) => {
            // The code, if one went out, runs out a lifetime after the
            // request (the same for every number, sent or not).
            let until =
                recovery.now().epoch_seconds() + recovery.settings().sms.code_lifetime_seconds;
            code_page(&visit, StatusCode::OK, phone.as_e164(), Some(until), None)
        }
        (_, Format::Json) => json_response(
            StatusCode::ACCEPTED,
            &json!({ "next": "check_email", "message": FORGOT_ACCEPTED }),
        ),
        (_, Format::Form) => check_email_page(&visit),
    }
}

/// The outcome of `asked`, once the minimum answer time since `started` has
/// passed (the same for every account, found or not); a failure as the
/// answer to give, in the page's language or in JSON. A refusal by the
/// caller's address alone is answered at once: it is decided before any
/// account is looked at, and holding it would only hold an execution.
pub(super) async fn at_the_floor<T>(
    started: Instant,
    asked: impl Future<Output = Result<T, FlowError>>,
    (visit, format): (&Visit<'_>, Format),
    again: Resubmit<'_>,
) -> Result<T, Response<Body>> {
    let result = asked.await;
    if !matches!(result, Err(FlowError::AddressLimited { .. })) {
        let floor = visit.recovery.settings().forgot_response_floor;
        tokio::time::sleep_until(started + floor).await;
    }
    result.map_err(|err| match (err, format) {
        (FlowError::ChallengeRequired(issued), Format::Json) => challenge_json(&issued),
        (FlowError::ChallengeRequired(issued), Format::Form) => {
            challenge_page(visit, (again.action, again.field, again.typed), &issued)
        }
        (err, Format::Json) => ApiError::from(err).into_json_response(),
        (err, Format::Form) => error_page(visit, &ApiError::from(err), false),
    })
}

/// What a challenged form is sent again with: its action, and the field
/// typed with its value.
pub(super) struct Resubmit<'a> {
    pub action: &'static str,
    pub field: &'static str,
    pub typed: &'a str,
}

/// Who sent a forgot or forgot-login submission: from where, in which
/// language and workspace, with the solved challenge it carries.
pub(super) fn caller<'a>(
    source_ip: &'a str,
    visit: &'a Visit<'_>,
    proof: &'a Option<(String, String)>,
) -> Caller<'a> {
    Caller {
        source_ip,
        language: visit.language,
        workspace: visit.workspace_id(),
        proof: proof.as_ref().map(|(token, solution)| Proof { token, solution }),
    }
}

/// The solved challenge a submission carries (`challenge`, and `solution`:
/// empty or absent when waited out), if any.
pub(super) fn proof_of(submission: &Submission) -> Result<Option<(String, String)>, ApiError> {
    let token = submission.optional("challenge")?;
    let solution = submission.optional("solution")?.unwrap_or_default();
    Ok(token.map(|token| (token, solution)))
}

const CHALLENGE_REQUIRED: &str = "Many requests are arriving: solve the challenge (a number n \
     such that SHA-256 of `<token>:<n>` starts with `difficulty` zero bits), or wait \
     `wait_seconds`, then send the request again with `challenge` (the token) and `solution`.";

/// `428` with the challenge, for a JSON caller.
fn challenge_json(issued: &Issued) -> Response<Body> {
    json_response(
        StatusCode::PRECONDITION_REQUIRED,
        &json!({
            "error": ErrorCode::ChallengeRequired.as_str(),
            "message": CHALLENGE_REQUIRED,
            "challenge": {
                "token": issued.token,
                "algorithm": "sha256-leading-zero-bits",
                "difficulty": issued.difficulty,
                "expires_in": issued.expires_in,
                "wait_seconds": issued.wait_seconds,
            },
        }),
    )
}

/// The header the CloudFront distribution in front of the API adds to every
/// request it forwards, with its secret.
pub const ORIGIN_VERIFY: &str = "x-origin-verify";
/// The header CloudFront writes the viewer's address and port in.
pub const VIEWER_ADDRESS: &str = "cloudfront-viewer-address";

/// The caller's address: the viewer's, as CloudFront wrote it, when the
/// request came through the distribution (it carries the distribution's
/// secret); else the address API Gateway saw. Never `X-Forwarded-For`, nor
/// a viewer address without the secret: the caller writes those.
pub(super) async fn caller_address(recovery: &Recovery, req: &Request) -> String {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let (Some(presented), Some(viewer)) = (header(ORIGIN_VERIFY), header(VIEWER_ADDRESS))
        && let Some(address) = recovery_domain::viewer_address(viewer)
        && recovery.from_the_edge(presented).await
    {
        return address.to_string();
    }
    source_ip(req)
}

/// The caller's address as API Gateway saw it (`requestContext.http.sourceIp`);
/// never `X-Forwarded-For`, which the caller writes.
pub(super) fn source_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    }
    .unwrap_or_else(|| "unknown".to_owned())
}
