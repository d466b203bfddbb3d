//! The flows and their HTTP answers over the in-memory ports: fast, and
//! about rules rather than AWS (the same flows run against moto in
//! `tests/` at the root).

use std::collections::HashMap;
use std::time::Duration;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt};
use password_recovery::account::{
    AccountLookup, EmailAddress, LoginName, NewAccount, PhoneNumber, UserId,
};
use password_recovery::clock::Clock;
use password_recovery::config::{Edition, WebSettings};
use password_recovery::flows::{
    FlowError, PasswordChange, ResetRequestOutcome, SetPasswordError, VerifyCodeError,
};
use password_recovery::in_memory::{Outbox, SmsOutbox};
use password_recovery::password::{Password, PasswordHasher};
use password_recovery::ports::UserStore;
use password_recovery::random::OsRandom;
use password_recovery::web;
use secrecy::SecretString;
use serde_json::{Value, json};

mod common;

use common::{PAGE, World, in_memory_world};

const IP: &str = "203.0.113.7";

fn phone(n: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+49151{n:08}")).unwrap()
}

async fn world() -> World {
    let w = in_memory_world();
    let store = &w.store;
    let hasher = PasswordHasher::owasp();
    for (n, (login, password, provider, disabled)) in [
        ("ada", Some("old password 1"), None, false),
        ("grace", None, Some("Google"), false),
        ("linus", Some("old password 1"), None, true),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .create(
                NewAccount {
                    login: LoginName::parse(login).unwrap(),
                    email: Some(EmailAddress::parse(&format!("{login}@example.com")).unwrap()),
                    phone: Some(phone(n as u32 + 1)),
                    password_hash: password
                        .map(|p| hasher.hash(&Password::new(p), &OsRandom).unwrap()),
                    social_provider: provider.map(str::to_owned),
                    disabled,
                },
                UserId::generate(&OsRandom).unwrap(),
            )
            .await
            .unwrap();
    }
    w
}

fn token_in(outbox: &Outbox) -> String {
    let email = outbox.sent().pop().expect("an email");
    let line = email
        .text
        .lines()
        .find(|l| l.starts_with(PAGE))
        .expect("a link");
    line.split("token=").nth(1).unwrap().to_owned()
}

fn change(token: &str, password: &str, confirmation: &str) -> PasswordChange {
    PasswordChange {
        token: token.into(),
        login: None,
        password: SecretString::from(password.to_owned()),
        confirmation: SecretString::from(confirmation.to_owned()),
    }
}

async fn request(world: &World, login: &str) -> ResetRequestOutcome {
    world
        .recovery
        .request_reset(&AccountLookup::parse(login).unwrap(), IP)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_kind_of_account_gets_what_it_should() {
    let w = world().await;
    assert!(matches!(
        request(&w, "ada").await,
        ResetRequestOutcome::LinkSent(_)
    ));
    assert!(matches!(
        request(&w, "grace@example.com").await,
        ResetRequestOutcome::ProviderNoticeSent(_)
    ));
    assert!(matches!(
        request(&w, "linus").await,
        ResetRequestOutcome::DisabledAccount(_)
    ));
    assert_eq!(
        request(&w, "nobody").await,
        ResetRequestOutcome::UnknownAccount
    );
    let sent = w.outbox.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].to.as_str(), "ada@example.com");
    assert_eq!(sent[1].to.as_str(), "grace@example.com");
    assert!(sent[1].text.contains("Google") && !sent[1].text.contains("token="));
}

#[tokio::test]
async fn the_token_works_once_and_until_its_last_second() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w.outbox);
    w.clock.advance(3599);
    w.recovery
        .set_password(change(&token, "new passphrase 2", "new passphrase 2"))
        .await
        .unwrap();
    let again = w
        .recovery
        .set_password(change(&token, "new passphrase 3", "new passphrase 3"))
        .await;
    assert!(matches!(again, Err(SetPasswordError::InvalidToken)));
}

#[tokio::test]
async fn an_expired_token_is_refused_and_the_password_stays() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w.outbox);
    w.clock.advance(3600);
    let result = w
        .recovery
        .set_password(change(&token, "new passphrase 2", "new passphrase 2"))
        .await;
    assert!(matches!(result, Err(SetPasswordError::InvalidToken)));
    assert_eq!(
        w.store.token_count(),
        1,
        "expiry is decided in code, not by deletion"
    );
    let ada = w
        .store
        .find_by_login(&LoginName::parse("ada").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(PasswordHasher::owasp().verify("old password 1", &ada.password_hash.unwrap()));
}

#[tokio::test]
async fn a_new_request_kills_the_earlier_link_and_a_reset_kills_all() {
    let w = world().await;
    request(&w, "ada").await;
    let first = token_in(&w.outbox);
    request(&w, "ada@example.com").await;
    let second = token_in(&w.outbox);
    assert!(matches!(
        w.recovery
            .set_password(change(&first, "new passphrase 2", "new passphrase 2"))
            .await,
        Err(SetPasswordError::InvalidToken)
    ));
    let done = w
        .recovery
        .set_password(change(&second, "new passphrase 2", "new passphrase 2"))
        .await
        .unwrap();
    assert_eq!(done.login_url, "https://app.example.com/login");
    let ada = w
        .store
        .find_by_login(&LoginName::parse("ada").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ada.password_changed_at, Some(w.clock.now()));
    assert!(ada.active_reset.is_none());
    let notice = w.outbox.sent().pop().unwrap();
    assert!(notice.subject.contains("was changed"));
}

#[tokio::test]
async fn mismatch_weak_and_wrong_login_are_refused_without_using_the_token() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w.outbox);
    assert!(matches!(
        w.recovery
            .set_password(change(&token, "new passphrase 2", "new passphrase 3"))
            .await,
        Err(SetPasswordError::PasswordMismatch)
    ));
    match w
        .recovery
        .set_password(change(&token, "ada@example.com", "ada@example.com"))
        .await
    {
        Err(SetPasswordError::WeakPassword(reasons)) => {
            assert_eq!(reasons[0].code, "matches_email")
        }
        other => panic!("expected weak_password, got {other:?}"),
    }
    let mut wrong_login = change(&token, "new passphrase 2", "new passphrase 2");
    wrong_login.login = Some("grace".into());
    assert!(matches!(
        w.recovery.set_password(wrong_login).await,
        Err(SetPasswordError::InvalidToken)
    ));
    let mut right_login = change(&token, "new passphrase 2", "new passphrase 2");
    right_login.login = Some("ADA".into());
    w.recovery.set_password(right_login).await.unwrap();
}

#[tokio::test]
async fn a_mail_failure_still_answers_alike_and_a_store_failure_is_an_error() {
    let w = world().await;
    w.outbox.fail_from_now();
    assert!(matches!(
        request(&w, "ada").await,
        ResetRequestOutcome::NotDelivered(_)
    ));
    w.store.fail_from_now();
    let err = w
        .recovery
        .request_reset(&AccountLookup::parse("ada").unwrap(), IP)
        .await;
    assert!(err.is_err());
}

// ------------------------------------------------------------- HTTP --

fn web_settings(edition: Edition) -> WebSettings {
    WebSettings {
        edition,
        forgot_response_floor: Duration::from_millis(0),
    }
}

fn post(path: &str, content_type: &str, body: &str) -> Request {
    let mut req = Request::new(Body::Text(body.to_owned())).with_raw_http_path(path);
    *req.method_mut() = Method::POST;
    req.headers_mut()
        .insert("content-type", content_type.parse().unwrap());
    req
}

fn body_json(response: &lambda_http::Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap()
}

#[tokio::test]
async fn forgot_answers_202_alike_for_every_account() {
    let w = world().await;
    let settings = web_settings(Edition::Cloud);
    let mut answers = Vec::new();
    for login in ["ada", "grace", "linus", "nobody", "nobody@example.com"] {
        let response = web::forgot_password(
            &w.recovery,
            &settings,
            post(
                "/password/forgot",
                "application/json",
                &json!({ "login": login }).to_string(),
            ),
        )
        .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        answers.push((
            format!("{:?}", response.headers()),
            response.body().as_ref().to_vec(),
        ));
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]));
}

#[tokio::test(start_paused = true)]
async fn forgot_waits_for_the_response_floor() {
    let w = world().await;
    let settings = WebSettings {
        edition: Edition::Cloud,
        forgot_response_floor: Duration::from_millis(300),
    };
    let started = tokio::time::Instant::now();
    web::forgot_password(
        &w.recovery,
        &settings,
        post(
            "/password/forgot",
            "application/json",
            r#"{"login":"nobody"}"#,
        ),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn the_on_premise_form_shows_the_check_string_and_requires_the_login() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w.outbox);
    let settings = web_settings(Edition::OnPremise);
    let mut get = Request::new(Body::Empty)
        .with_raw_http_path("/password/reset")
        .with_query_string_parameters(HashMap::from([("token".to_owned(), token.clone())]));
    *get.method_mut() = Method::GET;
    let page = web::reset_password(&w.recovery, &settings, get).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = String::from_utf8_lossy(page.body().as_ref()).into_owned();
    assert!(html.contains("Check string"));
    assert!(html.contains(&format!("value=\"{token}\" readonly")));
    assert!(html.contains("name=\"login\""));
    assert!(html.contains("Change password"));

    let without_login = web::reset_password(
        &w.recovery,
        &settings,
        post(
            "/password/reset",
            "application/x-www-form-urlencoded",
            &format!(
                "token={token}&password=new+passphrase+2&password_confirmation=new+passphrase+2"
            ),
        ),
    )
    .await;
    assert_eq!(without_login.status(), StatusCode::BAD_REQUEST);
    let done = web::reset_password(
        &w.recovery,
        &settings,
        post("/password/reset", 
            "application/x-www-form-urlencoded",
            &format!("token={token}&login=ada&password=new+passphrase+2&password_confirmation=new+passphrase+2"),
        ),
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_store_outage_is_a_503_in_the_documented_shape() {
    let w = world().await;
    w.store.fail_from_now();
    let response = web::forgot_password(
        &w.recovery,
        &web_settings(Edition::Cloud),
        post("/password/forgot", "application/json", r#"{"login":"ada"}"#),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(&response)["error"], "service_unavailable");
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn weak_passwords_list_their_reasons() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w.outbox);
    let response = web::reset_password(
        &w.recovery,
        &web_settings(Edition::Cloud),
        post(
            "/password/reset",
            "application/json",
            &json!({ "token": token, "password": "short", "password_confirmation": "short" })
                .to_string(),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = body_json(&response);
    assert_eq!(body["error"], "weak_password");
    assert_eq!(body["reasons"][0]["code"], "too_short");
    assert!(body["message"].is_string());
}

// ------------------------------------------------------------- SMS --

fn code_in(texts: &SmsOutbox) -> String {
    let sms = texts.sent().pop().expect("an SMS");
    sms.text[..6].to_owned()
}

#[tokio::test]
async fn a_code_becomes_a_token_that_sets_the_password() {
    let w = world().await;
    let outcome = request(&w, "+49 151 0000 0001").await;
    assert!(matches!(outcome, ResetRequestOutcome::CodeSent(_)));
    let sms = w.texts.sent().pop().unwrap();
    assert_eq!(sms.to, phone(1));
    assert!(
        sms.text
            .ends_with("is your password recovery code. It expires in 60 seconds.")
    );
    let accepted = w
        .recovery
        .verify_code(&phone(1), &code_in(&w.texts))
        .await
        .unwrap();
    assert_eq!(accepted.expires_in, 600);
    w.recovery
        .set_password(change(
            &accepted.reset_token,
            "new passphrase 2",
            "new passphrase 2",
        ))
        .await
        .unwrap();
    let ada = w.store.find_by_phone(&phone(1)).await.unwrap().unwrap();
    assert!(PasswordHasher::owasp().verify("new passphrase 2", &ada.password_hash.unwrap()));
}

#[tokio::test]
async fn a_code_works_once_and_dies_one_second_past_its_lifetime() {
    let w = world().await;
    request(&w, "+4915100000001").await;
    let code = code_in(&w.texts);
    w.recovery.verify_code(&phone(1), &code).await.unwrap();
    assert!(matches!(
        w.recovery.verify_code(&phone(1), &code).await,
        Err(VerifyCodeError::InvalidCode)
    ));
    request(&w, "+4915100000001").await;
    let code = code_in(&w.texts);
    w.clock.advance(60);
    assert!(matches!(
        w.recovery.verify_code(&phone(1), &code).await,
        Err(VerifyCodeError::InvalidCode)
    ));
}

#[tokio::test]
async fn the_fifth_wrong_code_burns_it() {
    let w = world().await;
    request(&w, "+4915100000001").await;
    let right = code_in(&w.texts);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..4 {
        assert!(matches!(
            w.recovery.verify_code(&phone(1), wrong).await,
            Err(VerifyCodeError::InvalidCode)
        ));
    }
    assert!(matches!(
        w.recovery.verify_code(&phone(1), wrong).await,
        Err(VerifyCodeError::TooManyAttempts)
    ));
    assert!(matches!(
        w.recovery.verify_code(&phone(1), &right).await,
        Err(VerifyCodeError::TooManyAttempts)
    ));
    // A new code works again.
    request(&w, "+4915100000001").await;
    w.recovery
        .verify_code(&phone(1), &code_in(&w.texts))
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_and_provider_numbers_count_wrong_codes_alike() {
    let w = world().await;
    assert_eq!(
        request(&w, "+4915199999999").await,
        ResetRequestOutcome::UnknownNumber
    );
    assert!(matches!(
        request(&w, "+4915100000002").await,
        ResetRequestOutcome::ProviderNoticeSent(_)
    ));
    assert!(matches!(
        request(&w, "+4915100000003").await,
        ResetRequestOutcome::DisabledAccount(_)
    ));
    let sent = w.texts.sent();
    assert_eq!(sent.len(), 1, "only the provider account gets a message");
    assert!(sent[0].text.contains("Google"));
    for number in ["+4915199999999", "+4915100000002", "+4915100000003"] {
        let number = PhoneNumber::parse(number).unwrap();
        for _ in 0..4 {
            assert!(matches!(
                w.recovery.verify_code(&number, "123456").await,
                Err(VerifyCodeError::InvalidCode)
            ));
        }
        assert!(matches!(
            w.recovery.verify_code(&number, "123456").await,
            Err(VerifyCodeError::TooManyAttempts)
        ));
    }
}

#[tokio::test]
async fn codes_per_number_and_requests_per_address_are_limited() {
    let w = world().await;
    for _ in 0..3 {
        request(&w, "+4915100000001").await;
    }
    match w
        .recovery
        .request_reset(&AccountLookup::parse("+4915100000001").unwrap(), IP)
        .await
    {
        Err(FlowError::RateLimited {
            retry_after_seconds,
        }) => assert_eq!(retry_after_seconds, 900),
        other => panic!("expected a limit, got {other:?}"),
    }
    // Unknown numbers are limited at the same count: the limit says nothing
    // about accounts.
    for _ in 0..3 {
        request(&w, "+4915199999999").await;
    }
    assert!(matches!(
        w.recovery
            .request_reset(&AccountLookup::parse("+4915199999999").unwrap(), IP)
            .await,
        Err(FlowError::RateLimited { .. })
    ));
    // Six phone requests from IP got through (refused ones are not
    // recorded); four more are allowed, then none.
    for n in 10..14 {
        request(&w, &format!("+49151{n:08}")).await;
    }
    assert!(matches!(
        w.recovery
            .request_reset(&AccountLookup::parse("+4915100000020").unwrap(), IP)
            .await,
        Err(FlowError::RateLimited {
            retry_after_seconds: 3600
        })
    ));
    // Another address still gets through; email requests are not limited.
    w.recovery
        .request_reset(
            &AccountLookup::parse("+4915100000020").unwrap(),
            "198.51.100.1",
        )
        .await
        .unwrap();
    request(&w, "ada").await;
}

#[tokio::test]
async fn a_password_change_kills_the_outstanding_code_and_links() {
    let w = world().await;
    request(&w, "ada").await;
    let link_token = token_in(&w.outbox);
    request(&w, "+4915100000001").await;
    let first = w
        .recovery
        .verify_code(&phone(1), &code_in(&w.texts))
        .await
        .unwrap();
    request(&w, "+4915100000001").await;
    let outstanding = code_in(&w.texts);
    w.recovery
        .set_password(change(
            &first.reset_token,
            "new passphrase 2",
            "new passphrase 2",
        ))
        .await
        .unwrap();
    assert!(matches!(
        w.recovery.verify_code(&phone(1), &outstanding).await,
        Err(VerifyCodeError::InvalidCode)
    ));
    assert!(matches!(
        w.recovery
            .set_password(change(&link_token, "new passphrase 3", "new passphrase 3"))
            .await,
        Err(SetPasswordError::InvalidToken)
    ));
}
