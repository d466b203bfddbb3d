//! `GET /password/reset?token=...` (the form; reads, never consumes) and
//! `POST /password/reset`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use secrecy::SecretString;
use serde_json::json;
use tracing::error;

use super::body::{Format, read_submission};
use super::error::ApiError;
use super::pages::{done_page, error_page, reset_form};
use super::response::json_response;
use super::visit::Visit;
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
    let visit = Visit::of_request(recovery, req).await;
    match recovery.token_status(token).await {
        Ok(TokenStatus::Usable { login }) => {
            // The Cloud form names the account for password managers; the
            // On-Premise form asks the person for it.
            let known = match recovery.settings().edition {
                Edition::Cloud => login.as_str(),
                Edition::OnPremise => "",
            };
            reset_form(&visit, StatusCode::OK, token, known, None)
        }
        Ok(TokenStatus::Invalid) => error_page(&visit, &ApiError::invalid_token(), true),
        Err(err) => {
            error!(error = %err, "token lookup failed");
            error_page(&visit, &ApiError::unavailable(), false)
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
    let visit = match Visit::of_submission(recovery, &req, &submission).await {
        Ok(visit) => visit,
        Err(err) => return err.into_json_response(),
    };
    let form = |status: StatusCode, token: &str, login: &str, error: Option<&ApiError>| {
        reset_form(&visit, status, token, login, error)
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
        language: visit.language,
        workspace: visit.workspace_id().cloned(),
    };
    match (recovery.set_password(change).await, format) {
        (Ok(done), Format::Json) => {
            let mut answer = json!({ "status": "password_changed", "login_url": done.login_url });
            if !done.log_in.is_empty() {
                answer["log_in"] = done
                    .log_in
                    .iter()
                    .map(|w| json!({ "workspace": w.id.as_str(), "name": w.name, "login_url": w.login_url.as_str() }))
                    .collect();
            }
            json_response(StatusCode::OK, &answer)
        }
        (Ok(done), Format::Form) => {
            let log_in: Vec<(String, String)> = (done.log_in.iter())
                .map(|w| (w.name.clone(), w.login_url.as_str().to_owned()))
                .collect();
            done_page(&visit, &done.login_url, &log_in)
        }
        (Err(err), Format::Json) => ApiError::from(err).into_json_response(),
        (Err(err @ SetPasswordError::InvalidToken), Format::Form) => {
            error_page(&visit, &ApiError::from(err), true)
        }
        (
            Err(
                err @ (SetPasswordError::Dependency(_)
                | SetPasswordError::Hashing(_)
                | SetPasswordError::Notice(_)),
            ),
            Format::Form,
        ) => error_page(&visit, &ApiError::from(err), false),
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
