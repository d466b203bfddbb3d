//! Request bodies: JSON objects or HTML forms, read into named fields.

use std::collections::HashMap;

use lambda_http::Request;
use lambda_http::http::{StatusCode, header};
use percent_encoding::percent_decode;
use serde_json::Value;

use super::error::{ApiError, ErrorCode};
use super::serve::UNDECODABLE_BODY;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// How the request was sent, and so how to answer: JSON gets JSON, a form
/// gets a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Json,
    Form,
}

/// A parsed request body.
pub(super) enum Submission {
    Json(serde_json::Map<String, Value>),
    Form(HashMap<String, String>),
}

impl Submission {
    pub(super) fn format(&self) -> Format {
        match self {
            Self::Json(_) => Format::Json,
            Self::Form(_) => Format::Form,
        }
    }

    /// The field as text; `None` when absent (or empty in a form).
    pub(super) fn optional(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self {
            Self::Form(fields) => Ok(fields.get(name).filter(|v| !v.is_empty()).cloned()),
            Self::Json(fields) => match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(_) => Err(ApiError::bad_request(
                    ErrorCode::InvalidField,
                    format!("The field `{name}` must be a string."),
                )),
            },
        }
    }

    /// The field as given, or empty: for filling a form back in.
    pub(super) fn text_or_empty(&self, name: &str) -> String {
        self.optional(name).ok().flatten().unwrap_or_default()
    }

    pub(super) fn required(&self, name: &str) -> Result<String, ApiError> {
        self.optional(name)?.ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::MissingField,
                format!("The field `{name}` is required."),
            )
        })
    }
}

/// Reads a JSON or form body: 413 past [`MAX_BODY_BYTES`], 415 for another
/// content type, 403 for a form from another site, 400 when it does not
/// parse, is not UTF-8 (as sent, or once
/// percent-decoded), or was marked base64 and did not decode.
pub(super) fn read_submission(req: &Request) -> Result<Submission, ApiError> {
    let malformed = |message: &str| ApiError::bad_request(ErrorCode::MalformedBody, message);
    if req.headers().contains_key(UNDECODABLE_BODY) {
        return Err(malformed("The request body is marked base64 but does not decode."));
    }
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("The request body must not exceed {MAX_BODY_BYTES} bytes."),
        ));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if std::str::from_utf8(bytes).is_err() {
        return Err(malformed("The request body is not UTF-8 text."));
    }
    match content_type.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(fields)) => Ok(Submission::Json(fields)),
            Ok(_) => Err(malformed("The request body must be a JSON object.")),
            Err(_) => Err(malformed("The request body is not valid JSON.")),
        },
        "application/x-www-form-urlencoded" if from_another_site(req) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::CrossSiteForm,
            "This form was sent from another site. Open the page here and send it again.",
        )),
        "application/x-www-form-urlencoded" => match form_fields(bytes) {
            Some(fields) => Ok(Submission::Form(fields)),
            None => Err(malformed("The form data could not be read.")),
        },
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Send the request as application/json or application/x-www-form-urlencoded.",
        )),
    }
}

/// Whether the browser says this form was posted from a page of another
/// site (a page elsewhere making its visitors spend someone's limits): its
/// `Sec-Fetch-Site` is `cross-site`; or, from a browser that does not send
/// that, its `Origin` is not this host's. A JSON body cannot come from
/// another site without CORS allowing it, and a request without either
/// header comes from no browser page.
fn from_another_site(req: &Request) -> bool {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return site.eq_ignore_ascii_case("cross-site");
    }
    let Some(origin) = header("origin") else {
        return false;
    };
    let origin_host = origin.split_once("://").map(|(_, host)| host);
    !origin_host.zip(header("host")).is_some_and(|(o, h)| o.eq_ignore_ascii_case(h))
}

/// The fields of an `application/x-www-form-urlencoded` body; `None` when a
/// name or value is not UTF-8 once percent-decoded (`%FF`), where a lenient
/// reader would put U+FFFD in its place. A name given twice keeps its last
/// value.
fn form_fields(bytes: &[u8]) -> Option<HashMap<String, String>> {
    let decode = |text: &[u8]| -> Option<String> {
        // Every `%` starts two hex digits (`%G1`, `%4` do not read).
        let escaped = |at: usize| {
            text.get(at + 1..at + 3).is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        };
        if !(0..text.len()).filter(|&at| text[at] == b'%').all(escaped) {
            return None;
        }
        let spaced: Vec<u8> = text.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
        Some(percent_decode(&spaced).decode_utf8().ok()?.into_owned())
    };
    bytes
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |&b| b == b'=');
            let name = decode(parts.next().unwrap_or_default())?;
            let value = decode(parts.next().unwrap_or_default())?;
            Some((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::form_fields;

    #[test]
    fn form_fields_are_percent_decoded_and_must_be_utf8() {
        let fields = form_fields(b"login=ada%40example.com&password=a+b%2Bc&empty=&flag").unwrap();
        assert_eq!(fields["login"], "ada@example.com");
        assert_eq!(fields["password"], "a b+c");
        assert_eq!(fields["empty"], "");
        assert_eq!(fields["flag"], "");
        assert_eq!(form_fields(b"login=%D0%B0da").unwrap()["login"], "\u{430}da");
        for bad in
            [&b"login=%FF"[..], b"login=%E2%82", b"login=%G1", b"login=%4", b"%FF=x", b"a=%%41"]
        {
            assert!(form_fields(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
