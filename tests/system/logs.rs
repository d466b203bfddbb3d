//! What reaches the logs at the most verbose level the template offers:
//! every flow runs on functions at `AWS_LAMBDA_LOG_LEVEL=TRACE` (JSON, as
//! Lambda's advanced logging controls set it), and then no token, link,
//! code, password, hash or secret appears anywhere in what they wrote, the
//! runtime's and the SDK's own events included.

use recovery_core::ports::UserStore;
use recovery_domain::{LoginName, ResetToken};
use recovery_testing::{OUTBOX_SECRET, token_from};
use serde_json::{Value, json};
use system_tests::*;

const ADMIN: &str = "admin@recovery.test";

fn change(token: &str, password: &str) -> Value {
    json!({ "token": token, "password": password, "password_confirmation": password })
}

fn link_in(address: &str) -> String {
    emails_to(address)
        .last()
        .and_then(|m| m.link_starting_with(RESET_PAGE_URL))
        .expect("an email with a link")
}

/// Whether `code` stands alone (not inside a longer number or word)
/// anywhere in `logs`.
fn standalone(logs: &str, code: &str) -> bool {
    logs.match_indices(code).any(|(at, _)| {
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '.');
        boundary(logs[..at].chars().next_back()) && boundary(logs[at + code.len()..].chars().next())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn at_trace_no_flow_logs_a_secret() {
    let f =
        Functions::start(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("AWS_LAMBDA_LOG_FORMAT", "JSON")]);
    let mut secrets: Vec<String> = vec![SMS_CODE_SECRET.into(), OUTBOX_SECRET.into()];
    let (login, phone) = (unique("traced"), unique_phone());
    let address = format!("{login}@recovery.test");
    create(&f.table, account(&login).password("the old password 1").phone(&phone)).await;

    // By email: the form, the link, the page, the new password.
    assert_eq!(http("GET", &f.forgot_url(), &[], b"").status, 200);
    let answer = post_json(&f.forgot_url(), &json!({ "login": login }));
    assert_eq!(answer.status, 202);
    f.settle();
    let link = link_in(&address);
    let token = token_from(&link).unwrap();
    assert_eq!(http("GET", &link.replace(RESET_PAGE_URL, &f.reset_url()), &[], b"").status, 200);
    let first = format!("first new passphrase {}", unique("p"));
    assert_eq!(post_json(&f.reset_url(), &change(&token, &first)).status, 200);
    secrets.extend([link.clone(), token.clone(), first]);
    secrets.push(ResetToken::parse(&token).unwrap().digest().to_hex());

    // By phone: a wrong code, the right one, the token it buys, a password.
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": phone })).status, 202);
    f.settle();
    let text = texts_to(&phone).pop().expect("an SMS");
    let code = text[..6].to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let body = |c: &str| json!({ "phone": phone, "code": c });
    assert_eq!(post_json(&f.code_url(), &body(wrong)).status, 400);
    let accepted = post_json(&f.code_url(), &body(&code));
    assert_eq!(accepted.status, 200);
    let by_code = accepted.json()["reset_token"].as_str().unwrap().to_owned();
    let second = format!("second new passphrase {}", unique("p"));
    assert_eq!(post_json(&f.reset_url(), &change(&by_code, &second)).status, 200);
    secrets.extend([by_code, second]);

    // The administrator: a link by email, then a password set directly.
    let sent = f.invoke_admin(&json!({
        "action": "send_recovery_link", "login": login, "channel": "email", "requested_by": ADMIN
    }));
    assert_eq!(sent["status"], "queued", "{sent}");
    f.settle();
    let admin_link = link_in(&address);
    secrets.push(admin_link.clone());
    secrets.push(token_from(&admin_link).unwrap());
    let third = format!("set by the admin {}", unique("p"));
    let set = f.invoke_admin(&json!({
        "action": "set_password", "login": login, "password": third,
        "password_confirmation": third, "requested_by": ADMIN
    }));
    assert_eq!(set["status"], "password_changed", "{set}");
    secrets.push(third);
    f.settle();

    // The stored hash, whole and in parts.
    let store = recovery_aws::DynamoDbStore::from_sdk(&sdk_config().await, &f.table);
    let stored = store.find_by_login(&LoginName::parse(&login).unwrap()).await.unwrap().unwrap();
    let phc = stored.password_hash.unwrap().expose_phc().to_owned();
    secrets.extend(phc.rsplit('$').take(2).map(str::to_owned));
    secrets.push(phc);

    // Every function has logged: the last action made is in the log.
    let expected = [
        "reset requested",
        "code exchanged for a reset token",
        "\"level\":\"INFO\"",
        "\"action\":\"set_password\"",
    ];
    eventually("the functions' logs of every step", 30, || {
        let logs = f.logs();
        expected.iter().all(|line| logs.contains(line))
    });
    let logs = f.logs();
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret reached the logs");
    }
    assert!(!standalone(&logs, &code), "the code reached the logs");
    assert!(!logs.contains("$argon2id$"), "a hash reached the logs");
}
