//! `GET /password/code?phone=...[&until=...]` (the code form) and
//! `POST /password/code`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

use super::body::{Format, read_submission};
use super::error::ApiError;
use super::pages::{code_page, reset_form};
use super::response::json_response;
use super::visit::Visit;
use super::{check_route, is_get};
use crate::config::Function;
use recovery_core::flows::Recovery;
use recovery_domain::PhoneNumber;

/// `GET /password/code?phone=...` (the code form) and `POST /password/code`:
/// a correct code is exchanged for a reset token; a form post gets the reset
/// form with that token filled in.
pub async fn verify_code(recovery: &Recovery, req: Request) -> Response<Body> {
    if let Some(refused) = check_route(Function::VerifyCode, &req) {
        return refused;
    }
    if is_get(&req) { form(recovery, &req).await } else { submit(recovery, req).await }
}

/// `GET /password/code?phone=...`: the form, for the number given.
async fn form(recovery: &Recovery, req: &Request) -> Response<Body> {
    let params = req.query_string_parameters();
    let phone = params
        .first("phone")
        .and_then(|p| PhoneNumber::parse_for_lookup(p).ok())
        .map(|p| p.as_e164().to_owned())
        .unwrap_or_default();
    let until = params.first("until").and_then(|u| u.parse().ok());
    code_page(&Visit::of_request(recovery, req).await, StatusCode::OK, &phone, until, None)
}

/// `POST /password/code`: the token for a right code (in JSON, or the reset
/// form with it filled in).
async fn submit(recovery: &Recovery, req: Request) -> Response<Body> {
    let submission = match read_submission(&req) {
        Ok(submission) => submission,
        Err(err) => return err.into_json_response(),
    };
    let format = submission.format();
    let visit = match Visit::of_submission(recovery, &req, &submission).await {
        Ok(visit) => visit,
        Err(err) => return err.into_json_response(),
    };
    let until = submission.text_or_empty("until").parse::<i64>().ok();
    let fields = (|| {
        let phone = PhoneNumber::parse_for_lookup(&submission.required("phone")?)?;
        let code = submission.required("code")?;
        Ok::<_, ApiError>((phone, code))
    })();
    let (phone, code) = match fields {
        Ok(fields) => fields,
        Err(err) if format == Format::Form => {
            let phone = submission.text_or_empty("phone");
            return code_page(&visit, err.status, &phone, until, Some(&err));
        }
        Err(err) => return err.into_json_response(),
    };
    match (recovery.verify_code(&phone, &code).await, format) {
        (Ok(accepted), Format::Json) => json_response(
            StatusCode::OK,
            &json!({ "reset_token": accepted.reset_token, "expires_in": accepted.expires_in }),
        ),
        (Ok(accepted), Format::Form) => {
            reset_form(&visit, StatusCode::OK, &accepted.reset_token, "", None)
        }
        (Err(err), Format::Json) => ApiError::from(err).into_json_response(),
        (Err(err), Format::Form) => {
            let err = ApiError::from(err);
            code_page(&visit, err.status, phone.as_e164(), until, Some(&err))
        }
    }
}
