//! `GET /password/reset?token=...` (the form; reads, never consumes) and
//! `POST /password/reset`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use secrecy::SecretString;
use serde_json::json;
use tracing::error;

use super::body::{Format, read_submission};
use super::error::ApiError;
use super::language;
use super::pages::{done_page, error_page, reset_form};
use super::response::json_response;
use super::{check_route, is_get};
use crate::config::{Edition, Function};
use recovery_core::flows::{PasswordChange, Recovery, SetPasswordError, TokenStatus};

/// `GET /password/reset?token=...` (the form; reads, never consumes) and
/// `POST /password/reset`.
pub async fn reset_password(recovery: &Recovery, req: Request) -> Response<Body> {
    if let Some(refused) = check_route(Function::SetPassword, &req) {
        return refused;
    }
    if is_get(&req) { form(recovery, &req).await } else { submit(recovery, req).await }
}

/// `GET /password/reset?token=...`: the form, when the link still works.
async fn form(recovery: &Recovery, req: &Request) -> Response<Body> {
    let params = req.query_string_parameters();
    let token = params.first("token").unwrap_or("").trim();
    let language = language::of_request(req);
    match recovery.token_status(token).await {
        Ok(TokenStatus::Usable { login }) => {
            // The Cloud form names the account for password managers; the
            // On-Premise form asks the person for it.
            let known = match recovery.settings().edition {
                Edition::Cloud => login.as_str(),
                Edition::OnPremise => "",
            };
            reset_form(recovery, language, StatusCode::OK, token, known, None)
        }
        Ok(TokenStatus::Invalid) => {
            error_page(recovery, language, &ApiError::invalid_token(), true)
        }
        Err(err) => {
            error!(error = %err, "token lookup failed");
            error_page(recovery, language, &ApiError::unavailable(), false)
        }
    }
}

/// `POST /password/reset`: the new password, through the token.
async fn submit(recovery: &Recovery, req: Request) -> Response<Body> {
    let needs_login = recovery.settings().reset_needs_login();
    let submission = match read_submission(&req) {
        Ok(submission) => submission,
        Err(err) => return err.into_json_response(),
    };
    let language = language::of_submission(&req, &submission);
    let form = |status: StatusCode, token: &str, login: &str, error: Option<&ApiError>| {
        reset_form(recovery, language, status, token, login, error)
    };
    let format = submission.format();
    let fields = (|| {
        let token = submission.required("token")?;
        // Where the flow needs the login (On-Premise), it is missing before
        // anything after it is.
        let login = if needs_login {
            Some(submission.required("login")?)
        } else {
            submission.optional("login")?
        };
        let password = submission.required("password")?;
        let confirmation = submission.required("password_confirmation")?;
        Ok::<_, ApiError>((token, login, password, confirmation))
    })();
    let (token, login, password, confirmation) = match fields {
        Ok(fields) => fields,
        Err(err) if format == Format::Form => {
            let token = submission.text_or_empty("token");
            let login = submission.text_or_empty("login");
            return form(err.status, &token, &login, Some(&err));
        }
        Err(err) => return err.into_json_response(),
    };
    let change = PasswordChange {
        token: token.clone(),
        login: login.clone(),
        password: SecretString::from(password),
        confirmation: SecretString::from(confirmation),
        language,
    };
    match (recovery.set_password(change).await, format) {
        (Ok(done), Format::Json) => json_response(
            StatusCode::OK,
            &json!({ "status": "password_changed", "login_url": done.login_url }),
        ),
        (Ok(done), Format::Form) => done_page(recovery, language, &done.login_url),
        (Err(err), Format::Json) => ApiError::from(err).into_json_response(),
        (Err(err @ SetPasswordError::InvalidToken), Format::Form) => {
            error_page(recovery, language, &ApiError::from(err), true)
        }
        (
            Err(
                err @ (SetPasswordError::Dependency(_)
                | SetPasswordError::Hashing(_)
                | SetPasswordError::Notice(_)),
            ),
            Format::Form,
        ) => error_page(recovery, language, &ApiError::from(err), false),
        (
            Err(
                err @ (SetPasswordError::LoginRequired
                | SetPasswordError::PasswordMismatch
                | SetPasswordError::WeakPassword(_)),
            ),
            Format::Form,
        ) => {
            let err = ApiError::from(err);
            form(err.status, &token, login.as_deref().unwrap_or(""), Some(&err))
        }
    }
}
