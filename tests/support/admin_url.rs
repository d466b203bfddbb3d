//! admin-reset's function URL (`AuthType: AWS_IAM`): the event Lambda
//! hands over once it has verified a signature, and the local stack's
//! entry (`infra/admin_url.py`) that verifies SigV4 in front of the
//! functions.

use std::process::Child;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};

use crate::{Functions, free_port, functions, log_dir, tethered, tool, wait_until_answering};

/// The administrator the system tests act as.
pub const ADMIN_ARN: &str = "arn:aws:iam::123456789012:user/test-admin";
/// Its access key on the local entry, and the key's secret.
pub const ADMIN_ACCESS_KEY: &str = "AKIATESTADMIN0000001";
pub const ADMIN_SECRET_KEY: &str = "test-admin-secret-test-admin-secret-0001";

/// The function URL event of a POST of `action` signed by `signer`, as
/// Lambda builds it after checking the signature.
pub fn admin_url_request(action: &Value, signer: &str) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": { "content-type": "application/json" },
        "requestContext": {
            "accountId": "123456789012",
            "authorizer": { "iam": {
                "accessKey": ADMIN_ACCESS_KEY, "accountId": "123456789012",
                "callerId": "AIDATESTADMIN", "userArn": signer, "userId": "AIDATESTADMIN",
            }},
            "http": { "method": "POST", "path": "/", "protocol": "HTTP/1.1",
                      "sourceIp": "127.0.0.1", "userAgent": "system-tests" },
            "requestId": crate::unique("url"),
            "routeKey": "$default",
            "stage": "$default",
        },
        "body": action.to_string(),
        "isBase64Encoded": false,
    })
}

/// The local stack's signed entry in front of [`functions`], knowing
/// [`ADMIN_ACCESS_KEY`] as [`ADMIN_ARN`]; started once per test binary.
pub struct AdminUrl {
    pub url: String,
    _process: Child,
}

pub fn admin_url() -> &'static AdminUrl {
    static ENTRY: OnceLock<AdminUrl> = OnceLock::new();
    ENTRY.get_or_init(|| {
        let f: &Functions = functions();
        let dir = log_dir();
        let identities = dir.join(crate::unique("identities") + ".json");
        let known = json!({ ADMIN_ACCESS_KEY: { "secret": ADMIN_SECRET_KEY, "arn": ADMIN_ARN } });
        std::fs::write(&identities, known.to_string()).expect("write the identities");
        let port = free_port();
        let python = tool("python");
        let process = tethered(
            &[
                python.to_str().unwrap_or("python"),
                "infra/admin_url.py",
                "--port",
                &port.to_string(),
                "--lambda-url",
                &f.base,
                "--identities",
                identities.to_str().expect("a UTF-8 path"),
            ],
            &dir.join(crate::unique("admin-url") + ".log"),
            &[],
        );
        let url = format!("http://127.0.0.1:{port}/");
        wait_until_answering(&url, Duration::from_secs(30));
        AdminUrl { url, _process: process }
    })
}
