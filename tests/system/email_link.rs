//! The email-link flow end to end: HTTP through `cargo lambda watch` to the
//! real functions, the real SDK, and the moto emulator.

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use recovery_aws::DynamoDbStore;
use recovery_core::ports::{IssueOutcome, OutboxItem, ResetTokenStore, UserStore};
use recovery_domain::{
    Clock, LoginName, OsRandom, PasswordHasher, ResetToken, ResetTokenRecord, SystemClock,
    Timestamp, TokenPurpose, UserAccount,
};
use recovery_messages::{Channel, MessageKind};
use recovery_testing::{TestAccount, token_from};
use serde_json::json;
use system_tests::*;

fn email_of(login: &str) -> String {
    format!("{login}@recovery.test")
}

/// Requests a reset for `login` and returns the link from the email.
fn request_link(login: &str) -> String {
    request_link_from(functions(), login)
}

/// [`request_link`] from the functions `f`.
fn request_link_from(f: &Functions, login: &str) -> String {
    let before = emails_to(&email_of(login)).len();
    let answer = post_json(&f.forgot_url(), &json!({ "login": login }));
    assert_eq!(answer.status, 202, "{}", answer.text());
    let emails = emails_to(&email_of(login));
    assert_eq!(emails.len(), before + 1, "one email per request");
    let email = emails.last().unwrap();
    assert_eq!(email.from, SENDER);
    email.link_starting_with(RESET_PAGE_URL).expect("a Change password link to the configured page")
}

fn token_of(link: &str) -> String {
    token_from(link).expect("a token in the link")
}

async fn stored(login: &str) -> UserAccount {
    DynamoDbStore::from_sdk(&sdk_config().await, &functions().table)
        .find_by_login(&LoginName::parse(login).unwrap())
        .await
        .unwrap()
        .expect("the account exists")
}

/// A new account on the functions' table, with the old password; its login.
async fn new_account() -> String {
    new_account_like(|account| account.password("the old password 1")).await
}

async fn new_account_like(build: impl FnOnce(TestAccount) -> TestAccount) -> String {
    let login = unique("user");
    create(&functions().table, build(account(&login))).await;
    login
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_resets_their_password_by_email_link() {
    let f = functions();
    let login = new_account().await;
    let link = request_link(&login);
    let token = token_of(&link);

    // Opening the link (as a person or a mail scanner) shows the form and
    // uses nothing up.
    let reset_page = format!("{}?token={token}", f.reset_url());
    for _ in 0..2 {
        let page = http("GET", &reset_page, &[], b"");
        assert_eq!(page.status, 200, "{}", page.text());
        assert!(page.text().contains(&format!("value=\"{token}\"")), "token prefilled");
        assert!(
            page.text().contains(&format!("value=\"{login}\" autocomplete=\"username\"")),
            "the account is named for password managers"
        );
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(page.header("cache-control"), Some("no-store"));
        let csp = page.header("content-security-policy").expect("a CSP");
        assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"));
    }

    let changed = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "a new passphrase 2", "password_confirmation": "a new passphrase 2" }),
    );
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json(), json!({ "status": "password_changed", "login_url": LOGIN_URL }));

    // The token is spent.
    let again = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "a third passphrase 3", "password_confirmation": "a third passphrase 3" }),
    );
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["error"], "invalid_token");
    assert_eq!(http("GET", &reset_page, &[], b"").status, 400);

    // The old password no longer verifies; the new one does; the change is
    // recorded for other systems.
    let stored = stored(&login).await;
    let hash = stored.password_hash.expect("a password hash");
    let hasher = PasswordHasher::owasp();
    assert!(hasher.verify("a new passphrase 2", &hash));
    assert!(!hasher.verify("the old password 1", &hash));
    assert!(!hasher.verify("a third passphrase 3", &hash));
    let changed_at = stored.password_changed_at.expect("password_changed_at").epoch_seconds();
    assert!((SystemClock.now().epoch_seconds() - changed_at).abs() < 120);
    assert!(stored.active_reset.is_none());

    // The person is told, without a way to sign in from the email: its one
    // link locks the account ("This was not me").
    let notices = emails_to(&email_of(&login));
    let notice = notices.last().unwrap();
    assert!(notice.subject.contains("password was changed"), "{}", notice.subject);
    assert!(notice.link_starting_with(LOCK_PAGE_URL).is_some());
    assert!(notice.link_starting_with(RESET_PAGE_URL).is_none());
    assert!(notice.link_starting_with(LOGIN_URL).is_none());
}

/// Through the gateway, as a browser sends them: a form posted from a page
/// of another site is refused on every form route, and one from the pages
/// themselves is read.
#[tokio::test(flavor = "multi_thread")]
async fn a_form_from_another_site_is_refused_and_one_from_the_pages_is_read() {
    let f = functions();
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    for url in
        [f.forgot_url(), f.forgot_url() + "-login", f.code_url(), f.reset_url(), f.lock_url()]
    {
        let cross = [form, ("Sec-Fetch-Site", "cross-site"), ("Origin", "https://evil.example")];
        let refused = http("POST", &url, &cross, b"login=nobody");
        assert_eq!(refused.status, 403, "{url}: {}", refused.text());
        assert_eq!(refused.json()["error"], "cross_site_form");
        let origin =
            format!("http://{}", url.trim_start_matches("http://").split('/').next().unwrap());
        let same = [form, ("Sec-Fetch-Site", "same-origin"), ("Origin", origin.as_str())];
        let read = http("POST", &url, &same, b"login=nobody");
        assert_ne!(read.status, 403, "{url}: {}", read.text());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_html_forms_work_without_javascript() {
    let f = functions();
    let login = new_account().await;

    let page = http("GET", &f.forgot_url(), &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert!(page.text().contains("name=\"login\""));

    let before = emails_to(&email_of(&login)).len();
    let sent = post_form(&f.forgot_url(), &format!("login={login}"));
    assert_eq!(sent.status, 200);
    assert!(sent.text().contains("Check your email"));
    let emails = emails_to(&email_of(&login));
    assert_eq!(emails.len(), before + 1);
    let token = token_of(&emails.last().unwrap().link_starting_with(RESET_PAGE_URL).unwrap());

    let mismatch = post_form(
        &f.reset_url(),
        &format!("token={token}&password=one+long+password&password_confirmation=another+long+one"),
    );
    assert_eq!(mismatch.status, 400);
    assert!(mismatch.text().contains("do not match"));
    assert!(mismatch.text().contains(&token), "the form keeps the check string");

    let done = post_form(
        &f.reset_url(),
        &format!(
            "token={token}&password=one+long+password&password_confirmation=one+long+password"
        ),
    );
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("Password changed"));
    assert!(done.text().contains(&format!("href=\"{LOGIN_URL}\"")), "a Log in link");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_account_gets_the_same_answer() {
    let f = functions();
    let active = new_account().await;
    let social = new_account_like(|a| a.provider("Google")).await;
    let disabled = new_account_like(|a| a.password("the old password 1").disabled()).await;
    let unknown = unique("nobody");

    let answers: Vec<_> = [&active, &social, &disabled, &unknown]
        .iter()
        .map(|login| post_json(&f.forgot_url(), &json!({ "login": login })))
        .collect();
    let by_email = post_json(&f.forgot_url(), &json!({ "login": email_of(&active) }));
    let unknown_email = post_json(&f.forgot_url(), &json!({ "login": email_of(&unknown) }));
    let first = answers[0].comparable();
    assert_eq!(first.0, 202);
    assert_eq!(answers[0].json()["next"], "check_email");
    for answer in answers.iter().chain([&by_email, &unknown_email]) {
        assert_eq!(answer.comparable(), first, "answers differ");
    }

    // What each account actually received: the request by email came
    // within a minute of the link, so it sent nothing and that link lives.
    let active_mail = emails_to(&email_of(&active));
    assert_eq!(active_mail.len(), 1, "one link for the login");
    assert!(active_mail.iter().all(|m| m.link_starting_with(RESET_PAGE_URL).is_some()));
    let social_mail = emails_to(&email_of(&social));
    assert_eq!(social_mail.len(), 1);
    assert!(social_mail[0].body.contains("Google"));
    assert!(
        social_mail[0].link_starting_with(RESET_PAGE_URL).is_none(),
        "no link for a provider account"
    );
    assert!(emails_to(&email_of(&disabled)).is_empty());
    assert!(emails_to(&email_of(&unknown)).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_concurrent_submissions_of_one_token_change_the_password_once() {
    let f = functions();
    let login = new_account().await;
    let token = token_of(&request_link(&login));
    let url = f.reset_url();
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let (url, token) = (url.clone(), token.clone());
            std::thread::spawn(move || {
                let password = format!("concurrent passphrase {i}");
                post_json(
                    &url,
                    &json!({ "token": token, "password": password, "password_confirmation": password }),
                )
            })
        })
        .collect();
    let answers: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let winners: Vec<usize> = (0..20).filter(|&i| answers[i].status == 200).collect();
    assert_eq!(
        winners.len(),
        1,
        "statuses: {:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    for (i, answer) in answers.iter().enumerate() {
        if i != winners[0] {
            assert_eq!(answer.status, 400);
            assert_eq!(answer.json()["error"], "invalid_token");
        }
    }
    let hash = stored(&login).await.password_hash.unwrap();
    assert!(
        PasswordHasher::owasp().verify(&format!("concurrent passphrase {}", winners[0]), &hash)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_refused_although_its_item_still_exists() {
    let f = functions();
    let login = new_account().await;
    let sdk = sdk_config().await;
    let store = Arc::new(DynamoDbStore::from_sdk(&sdk, &f.table));
    // Issue a link two hours ago through the real adapter, with a message
    // that expired with it (the delivery gives it up).
    let issued_at = Timestamp::from_epoch_seconds(SystemClock.now().epoch_seconds() - 7200);
    let user = stored(&login).await;
    let link = ResetToken::generate(&OsRandom).unwrap();
    let record =
        ResetTokenRecord::issue(&link, &user.id, TokenPurpose::SelfService, issued_at, 3600);
    let message = OutboxItem {
        user_id: user.id.clone(),
        key: format!("{:013}#0000000000000000", issued_at.epoch_seconds() * 1000),
        channel: Channel::Email,
        kind: MessageKind::ResetLink,
        created_at: issued_at,
        send_before: record.expires_at,
        sealed: vec![0; 16],
        carries: None,
        workspace: None,
    };
    assert_eq!(store.issue(&user, &record, &message).await.unwrap(), IssueOutcome::Issued);
    let token = link.expose_for_link();

    let answer = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "a new passphrase 2", "password_confirmation": "a new passphrase 2" }),
    );
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["error"], "invalid_token");
    assert_eq!(http("GET", &format!("{}?token={token}", f.reset_url()), &[], b"").status, 400);

    // The item is still there (TTL deletes late); the password is unchanged.
    let digest = ResetToken::parse(&token).unwrap().digest().to_hex();
    let item = aws_sdk_dynamodb::Client::new(&sdk)
        .get_item()
        .table_name(&f.table)
        .key("pk", AttributeValue::S(format!("RESET#{digest}")))
        .key("sk", AttributeValue::S("RESET".into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the expired item is still stored");
    let expires_at: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
    assert!(
        expires_at < SystemClock.now().epoch_seconds(),
        "the TTL attribute is epoch seconds in the past"
    );
    let hash = stored(&login).await.password_hash.unwrap();
    assert!(PasswordHasher::owasp().verify("the old password 1", &hash));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_login_given_with_a_token_must_be_its_account() {
    let f = functions();
    let login = new_account().await;
    let other = new_account().await;
    let token = token_of(&request_link(&login));
    let body = |who: &str| json!({ "token": token, "login": who, "password": "a new passphrase 2", "password_confirmation": "a new passphrase 2" });
    let wrong = post_json(&f.reset_url(), &body(&other));
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.json()["error"], "invalid_token");
    let right = post_json(&f.reset_url(), &body(&email_of(&login)));
    assert_eq!(right.status, 200, "{}", right.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_link_comes_from_configuration_not_the_host_header() {
    let f = functions();
    let login = new_account().await;
    let answer = http(
        "POST",
        &f.forgot_url(),
        &[
            ("Host", "evil.example"),
            ("X-Forwarded-Host", "evil.example"),
            ("Content-Type", "application/json"),
        ],
        json!({ "login": login }).to_string().as_bytes(),
    );
    assert_eq!(answer.status, 202);
    let email = emails_to(&email_of(&login)).pop().unwrap();
    assert!(email.link_starting_with(RESET_PAGE_URL).is_some());
    assert!(!email.body.contains("evil.example"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_4xx_in_the_documented_shape() {
    let f = functions();
    let login = new_account().await;
    let token = token_of(&request_link(&login));
    let big = format!("{{\"login\": \"{}\"}}", "a".repeat(9000));
    let cases: Vec<(String, &str, Vec<u8>, u16, &str)> = vec![
        (f.forgot_url(), "application/json", b"{\"login\": ".to_vec(), 400, "malformed_body"),
        (f.forgot_url(), "application/json", b"[1, 2]".to_vec(), 400, "malformed_body"),
        (f.forgot_url(), "application/json", b"{}".to_vec(), 400, "missing_field"),
        (f.forgot_url(), "application/json", b"{\"login\": 42}".to_vec(), 400, "invalid_field"),
        (f.forgot_url(), "application/json", b"{\"login\": \"  \"}".to_vec(), 400, "invalid_login"),
        (f.forgot_url(), "text/plain", b"login=ada".to_vec(), 415, "unsupported_media_type"),
        (f.forgot_url(), "application/json", big.clone().into_bytes(), 413, "payload_too_large"),
        (f.reset_url(), "application/json", big.into_bytes(), 413, "payload_too_large"),
        (f.reset_url(), "application/xml", b"<a/>".to_vec(), 415, "unsupported_media_type"),
        (f.reset_url(), "application/json", b"not json".to_vec(), 400, "malformed_body"),
        (f.reset_url(), "application/json", json!({ "token": token }).to_string().into_bytes(), 400, "missing_field"),
        (
            f.reset_url(),
            "application/json",
            json!({ "token": "garbage", "password": "a new passphrase 2", "password_confirmation": "a new passphrase 2" }).to_string().into_bytes(),
            400,
            "invalid_token",
        ),
        (
            f.reset_url(),
            "application/json",
            json!({ "token": token, "password": "a new passphrase 2", "password_confirmation": "a new passphrase 3" }).to_string().into_bytes(),
            400,
            "password_mismatch",
        ),
        (
            f.reset_url(),
            "application/json",
            json!({ "token": token, "password": "password1", "password_confirmation": "password1" }).to_string().into_bytes(),
            422,
            "weak_password",
        ),
    ];
    for (url, content_type, body, status, code) in cases {
        let answer = http("POST", &url, &[("Content-Type", content_type)], &body);
        assert_eq!(answer.status, status, "{code}: {}", answer.text());
        let json = answer.json();
        assert_eq!(json["error"], code);
        assert!(json["message"].as_str().is_some_and(|m| m.len() > 10), "a message for {code}");
    }
    let weak = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": login, "password_confirmation": login }),
    );
    assert_eq!(weak.status, 422);
    let codes: Vec<_> =
        weak.json()["reasons"].as_array().unwrap().iter().map(|r| r["code"].clone()).collect();
    assert!(codes.contains(&json!("matches_login")), "{codes:?}");
    let put = http("PUT", &f.forgot_url(), &[], b"");
    assert_eq!(put.status, 405);
    assert_eq!(put.json()["error"], "method_not_allowed");

    // None of that used up the token.
    let ok = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "a new passphrase 2", "password_confirmation": "a new passphrase 2" }),
    );
    assert_eq!(ok.status, 200);
}
