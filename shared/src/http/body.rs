//! Request bodies: JSON objects or HTML forms, read into named fields.

use std::collections::HashMap;

use lambda_http::Request;
use lambda_http::http::{StatusCode, header};
use serde_json::Value;

use super::error::{ApiError, ErrorCode};

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
/// content type, 400 when it does not parse.
pub(super) fn read_submission(req: &Request) -> Result<Submission, ApiError> {
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
    let malformed = |message: &str| ApiError::bad_request(ErrorCode::MalformedBody, message);
    match content_type.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(fields)) => Ok(Submission::Json(fields)),
            Ok(_) => Err(malformed("The request body must be a JSON object.")),
            Err(_) => Err(malformed("The request body is not valid JSON.")),
        },
        "application/x-www-form-urlencoded" => {
            match serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes) {
                Ok(pairs) => Ok(Submission::Form(pairs.into_iter().collect())),
                Err(_) => Err(malformed("The form data could not be read.")),
            }
        }
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Send the request as application/json or application/x-www-form-urlencoded.",
        )),
    }
}
