//! The pages of "This was not me": the question, the answer, and a link
//! that no longer locks.

use askama::Template;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use super::{Chrome, impl_page};

use crate::http::response::html_response;
use crate::http::visit::Visit;

#[derive(Template)]
#[template(path = "pages/lock_confirm.html")]
struct LockConfirmPage<'a> {
    chrome: Chrome<'a>,
    token: &'a str,
    text: String,
}

/// A page of a title and its paragraphs, with the support line.
#[derive(Template)]
#[template(path = "pages/notice.html")]
struct NoticePage<'a> {
    chrome: Chrome<'a>,
    title: String,
    paragraphs: Vec<String>,
}

impl_page!(LockConfirmPage, NoticePage);

/// What locking `login` does, and the button that does it (a POST: a mail
/// scanner following the link locks nothing).
pub(in crate::http) fn lock_confirm_page(
    visit: &Visit,
    token: &str,
    login: &str,
) -> Response<Body> {
    let chrome = Chrome::new(visit, Some(("not-me", &[("token", token)])));
    html_response(
        StatusCode::OK,
        &LockConfirmPage { text: chrome.t.with("lock-text", "login", login), chrome, token },
    )
}

/// "Your account is locked", what happens next and whom to contact.
pub(in crate::http) fn locked_page(visit: &Visit) -> Response<Body> {
    let chrome = Chrome::new(visit, None).with_support("support-locked");
    html_response(
        StatusCode::OK,
        &NoticePage {
            title: chrome.t.get("locked-title"),
            paragraphs: vec![chrome.t.get("locked-text"), chrome.t.get("locked-next")],
            chrome,
        },
    )
}

/// A lock link that does not lock (not ours, expired, or the password
/// changed again since).
pub(in crate::http) fn lock_invalid_page(visit: &Visit) -> Response<Body> {
    let chrome = Chrome::new(visit, None).with_support("support-link");
    html_response(
        StatusCode::BAD_REQUEST,
        &NoticePage {
            title: chrome.t.get("title-invalid-token"),
            paragraphs: vec![chrome.t.get("lock-invalid")],
            chrome,
        },
    )
}
