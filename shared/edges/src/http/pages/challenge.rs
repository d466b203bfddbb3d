//! The page that asks for a proof of work: it carries what was submitted,
//! solves the challenge with its one script (allowed by its hash, the
//! only script any page runs), and tells a person without JavaScript how
//! long to wait instead.

use std::sync::OnceLock;

use askama::Template;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use super::{Chrome, Page};
use crate::http::response::html_response;
use crate::http::visit::Visit;
use recovery_core::flows::Issued;

/// The solver, as the page carries it.
pub(in crate::http) const SCRIPT: &str = include_str!("../../../templates/pages/challenge.js");

/// Its CSP source, `'sha256-…'`.
pub(in crate::http) fn script_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| recovery_domain::script_source(SCRIPT))
}

#[derive(Template)]
#[template(path = "pages/challenge.html")]
struct ChallengePage<'a> {
    chrome: Chrome<'a>,
    /// Where the form goes again (`forgot`, `forgot-login`), the field
    /// typed and its value.
    action: &'a str,
    field: &'a str,
    typed: &'a str,
    token: &'a str,
    difficulty: u8,
    wait: String,
    script: &'static str,
}

impl Page for ChallengePage<'_> {
    fn chrome(&self) -> &Chrome<'_> {
        &self.chrome
    }

    fn script(&self) -> Option<&'static str> {
        Some(script_source())
    }
}

/// `428`: the challenge for a submission of `field` = `typed` to `action`.
pub(in crate::http) fn challenge_page(
    visit: &Visit,
    (action, field, typed): (&str, &str, &str),
    issued: &Issued,
) -> Response<Body> {
    let chrome = Chrome::new(visit, None);
    let wait = chrome.t.duration(issued.wait_seconds);
    let wait = chrome.t.format("challenge-wait", &[("wait", wait.as_str().into())]);
    let page = ChallengePage {
        chrome,
        action,
        field,
        typed,
        token: &issued.token,
        difficulty: issued.difficulty,
        wait,
        script: SCRIPT,
    };
    html_response(StatusCode::PRECONDITION_REQUIRED, &page)
}
