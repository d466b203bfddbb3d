//! The language of a page: the one picked on a page (`?lang=` on a link of
//! the language switch, the hidden `lang` field of a form it rendered),
//! else the browser's `Accept-Language`, else English.

use lambda_http::http::header;
use lambda_http::{Request, RequestExt};

use super::body::Submission;
use recovery_domain::Language;

/// For a GET: `?lang=`, then `Accept-Language`.
pub(super) fn of_request(req: &Request) -> Language {
    req.query_string_parameters()
        .first("lang")
        .and_then(Language::from_tag)
        .unwrap_or_else(|| of_browser(req))
}

/// For a form post: its `lang` field, then `Accept-Language`.
pub(super) fn of_submission(req: &Request, submission: &Submission) -> Language {
    Language::from_tag(&submission.text_or_empty("lang")).unwrap_or_else(|| of_browser(req))
}

fn of_browser(req: &Request) -> Language {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(Language::negotiate)
        .unwrap_or_default()
}
