//! Recovery by SMS code end to end: HTTP through `cargo lambda watch` to the
//! real functions, the real SDK, and the moto emulator.

use recovery_aws::DynamoDbStore;
use recovery_core::ports::UserStore;
use recovery_domain::{LoginName, PasswordHasher, UserAccount};
use serde_json::json;
use system_tests::*;

async fn stored(functions: &Functions, login: &str) -> UserAccount {
    DynamoDbStore::from_sdk(&sdk_config().await, &functions.table)
        .find_by_login(&LoginName::parse(login).unwrap())
        .await
        .unwrap()
        .expect("the account exists")
}

/// An account with a password and a phone number: (login, E.164 number).
async fn phone_account(
    functions: &Functions,
    social: Option<&str>,
    disabled: bool,
) -> (String, String) {
    let login = unique("user");
    let phone = unique_phone();
    let mut new = account(&login).phone(&phone);
    new = match social {
        Some(provider) => new.provider(provider),
        None => new.password("the old password 1"),
    };
    if disabled {
        new = new.disabled();
    }
    create(&functions.table, new).await;
    (login, phone)
}

/// "+49 151-2345 6789" for "+4915123456789".
fn spaced(e164: &str) -> String {
    format!("{} {}-{} {}", &e164[..3], &e164[3..6], &e164[6..10], &e164[10..])
}

fn request_code(functions: &Functions, typed: &str) -> HttpResponse {
    post_json(&functions.forgot_url(), &json!({ "login": typed }))
}

fn last_code(phone: &str) -> String {
    let texts = texts_to(phone);
    let text = texts.last().expect("an SMS to the number");
    assert!(
        text.ends_with(
            " is your Recovery Test password recovery code. It expires in 60 seconds. \
             Do not share it: Recovery Test never asks you for it."
        ),
        "{text}"
    );
    text[..6].to_owned()
}

fn verify(functions: &Functions, phone: &str, code: &str) -> HttpResponse {
    post_json(&functions.code_url(), &json!({ "phone": phone, "code": code }))
}

fn wrong_code(right: &str) -> &'static str {
    if right == "000000" { "111111" } else { "000000" }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_resets_their_password_with_an_sms_code() {
    let f = functions();
    let (login, phone) = phone_account(f, None, false).await;

    // Spaces and dashes reach the same account.
    let answer = request_code(f, &spaced(&phone));
    assert_eq!(answer.status, 202, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["next"], "enter_code");
    assert_eq!(body["expires_in"], 60);
    let code = last_code(&phone);

    let accepted = verify(f, &spaced(&phone), &code);
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    let body = accepted.json();
    assert_eq!(body["expires_in"], 600);
    let token = body["reset_token"].as_str().expect("a reset token").to_owned();

    let changed = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "a new passphrase 2", "password_confirmation": "a new passphrase 2" }),
    );
    assert_eq!(changed.status, 200, "{}", changed.text());
    let hash = stored(f, &login).await.password_hash.unwrap();
    assert!(PasswordHasher::owasp().verify("a new passphrase 2", &hash));
    assert!(!PasswordHasher::owasp().verify("the old password 1", &hash));

    // The code worked once; the token too.
    let again = verify(f, &phone, &code);
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["error"], "invalid_code");
    let reuse = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "a third passphrase 3", "password_confirmation": "a third passphrase 3" }),
    );
    assert_eq!(reuse.json()["error"], "invalid_token");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_forms_lead_from_number_to_code_to_new_password() {
    let f = functions();
    let (login, phone) = phone_account(f, None, false).await;
    let page = post_form(
        &f.forgot_url(),
        &format!("login={}", spaced(&phone).replace('+', "%2B").replace(' ', "+")),
    );
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("Enter the code"));
    assert!(page.text().contains(&format!("name=\"phone\" type=\"hidden\" value=\"{phone}\"")));
    let code = last_code(&phone);

    let wrong = post_form(
        &f.code_url(),
        &format!("phone={}&code={}", phone.replace('+', "%2B"), wrong_code(&code)),
    );
    assert_eq!(wrong.status, 400);
    assert!(wrong.text().contains("wrong or has expired"));

    let form =
        post_form(&f.code_url(), &format!("phone={}&code={code}", phone.replace('+', "%2B")));
    assert_eq!(form.status, 200, "{}", form.text());
    let html = form.text();
    assert!(html.contains("action=\"reset\""), "the reset form follows");
    let token = html
        .split("name=\"token\" type=\"hidden\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the token in the form")
        .to_owned();
    let done = post_form(
        &f.reset_url(),
        &format!(
            "token={token}&password=a+new+passphrase+2&password_confirmation=a+new+passphrase+2"
        ),
    );
    assert_eq!(done.status, 200);
    assert!(done.text().contains("Password changed"));
    let hash = stored(f, &login).await.password_hash.unwrap();
    assert!(PasswordHasher::owasp().verify("a new passphrase 2", &hash));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fifth_wrong_code_burns_it_and_the_right_one_then_fails() {
    let f = functions();
    let (_, phone) = phone_account(f, None, false).await;
    assert_eq!(request_code(f, &phone).status, 202);
    let right = last_code(&phone);
    for attempt in 1..=4 {
        let answer = verify(f, &phone, wrong_code(&right));
        assert_eq!(answer.status, 400, "attempt {attempt}");
        assert_eq!(answer.json()["error"], "invalid_code");
    }
    let fifth = verify(f, &phone, wrong_code(&right));
    assert_eq!(fifth.status, 429);
    assert_eq!(fifth.json()["error"], "too_many_attempts");
    assert!(fifth.json()["message"].as_str().unwrap().contains("request a new code"));
    let right_now = verify(f, &phone, &right);
    assert_eq!(right_now.status, 429);
    assert_eq!(right_now.json()["error"], "too_many_attempts");

    // A new code starts afresh.
    assert_eq!(request_code(f, &phone).status, 202);
    assert_eq!(verify(f, &phone, &last_code(&phone)).status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn existing_and_unknown_numbers_get_identical_answers() {
    let f = functions();
    let (_, active) = phone_account(f, None, false).await;
    let (_, social) = phone_account(f, Some("Facebook"), false).await;
    let (_, disabled) = phone_account(f, None, true).await;
    let unknown = unique_phone();
    let numbers = [&active, &social, &disabled, &unknown];

    let requests: Vec<_> = numbers.iter().map(|n| request_code(f, n).comparable()).collect();
    assert_eq!(requests[0].0, 202);
    assert!(requests.iter().all(|r| *r == requests[0]), "request answers differ");

    // Wrong codes: the same answers, attempt by attempt, burned alike.
    let wrong = wrong_code(&last_code(&active));
    for attempt in 1..=5 {
        let answers: Vec<_> = numbers.iter().map(|n| verify(f, n, wrong).comparable()).collect();
        assert!(answers.iter().all(|a| *a == answers[0]), "attempt {attempt} differs");
        assert_eq!(answers[0].0, if attempt < 5 { 400 } else { 429 });
    }

    assert_eq!(texts_to(&active).len(), 1);
    let social_texts = texts_to(&social);
    assert_eq!(social_texts.len(), 1);
    assert!(social_texts[0].contains("Facebook"));
    assert!(!social_texts[0].contains("code"));
    assert!(texts_to(&disabled).is_empty());
    assert!(texts_to(&unknown).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fourth_code_in_fifteen_minutes_is_refused_for_any_number() {
    let f = functions();
    let (_, phone) = phone_account(f, None, false).await;
    let unknown = unique_phone();
    for number in [&phone, &unknown] {
        for _ in 0..3 {
            assert_eq!(request_code(f, number).status, 202);
            // Each out before the next replaces it (a replaced code is not
            // sent).
            f.settle();
        }
        let limited = request_code(f, &spaced(number));
        assert_eq!(limited.status, 429, "{}", limited.text());
        assert_eq!(limited.json()["error"], "rate_limited");
        let retry_after: i64 = limited.header("retry-after").expect("Retry-After").parse().unwrap();
        // Until the first code's 15-second interval leaves the quarter hour.
        assert!((880..=914).contains(&retry_after), "{retry_after}");
    }
    assert_eq!(texts_to(&phone).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_per_address_limit_counts_phone_requests_from_one_source_ip() {
    let f = Functions::start(&[("SMS_LIMIT_PER_IP_HOUR", "4")]);
    for _ in 0..4 {
        assert_eq!(request_code(&f, &unique_phone()).status, 202);
    }
    let limited = request_code(&f, &unique_phone());
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["error"], "rate_limited");
    let retry_after: i64 = limited.header("retry-after").unwrap().parse().unwrap();
    // Until the first request's minute leaves the hour.
    assert!((3500..=3659).contains(&retry_after), "{retry_after}");
    // A forged X-Forwarded-For changes nothing.
    let forged = http(
        "POST",
        &f.forgot_url(),
        &[("Content-Type", "application/json"), ("X-Forwarded-For", "198.51.100.9")],
        json!({ "login": unique_phone() }).to_string().as_bytes(),
    );
    assert_eq!(forged.status, 429);
    // Email requests are not limited by it.
    assert_eq!(request_code(&f, &unique("someone")).status, 202);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_numbers_and_codes_get_their_4xx() {
    let f = functions();
    for typed in ["+1", "+49 151 abc", "+999 123456789"] {
        let answer = request_code(f, typed);
        assert_eq!(answer.status, 400, "{typed}");
        assert_eq!(answer.json()["error"], "invalid_phone");
    }
    let cases = [
        (json!({ "code": "123456" }), 400, "missing_field"),
        (json!({ "phone": unique_phone() }), 400, "missing_field"),
        (json!({ "phone": "12", "code": "123456" }), 400, "invalid_phone"),
        (json!({ "phone": unique_phone(), "code": "12ab56" }), 400, "invalid_code"),
        (json!({ "phone": unique_phone(), "code": 123456 }), 400, "invalid_field"),
    ];
    for (body, status, code) in cases {
        let answer = post_json(&f.code_url(), &body);
        assert_eq!(answer.status, status, "{body}");
        assert_eq!(answer.json()["error"], code, "{body}");
    }
    let wrong_type = http("POST", &f.code_url(), &[("Content-Type", "text/plain")], b"123456");
    assert_eq!(wrong_type.status, 415);
}

/// A British mobile number of this run.
fn british_phone() -> String {
    let german = unique_phone();
    format!("+447400{}", &german[german.len() - 6..])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_outside_the_sms_countries_is_answered_alike_and_sent_no_text() {
    let germany_only = Functions::start(&[("SMS_COUNTRIES", "+49")]);
    let (german, british) = (unique_phone(), british_phone());
    for (login, phone) in [(unique("de"), &german), (unique("uk"), &british)] {
        create(&germany_only.table, account(&login).phone(phone).password("the old password 1"))
            .await;
    }
    let answers = [&german, &british, &british_phone()]
        .map(|phone| request_code(&germany_only, phone).comparable());
    assert!(answers.iter().all(|a| *a == answers[0]), "the same answer for every number");
    germany_only.settle();
    assert_eq!(texts_to(&german).len(), 1, "the German number got its code");
    assert!(texts_to(&british).is_empty(), "the British number got nothing");
    // The refusal, and the text sent with its segments, in the log.
    eventually("the deliver function's log of both", 30, || {
        let logs = germany_only.logs();
        let logged = |name: &str, value: &str| {
            logs.contains(&format!("{name}={value}"))
                || logs.contains(&format!("\"{name}\":{value}"))
        };
        // One GSM-7 segment to Germany, at the shipped 0.10 USD.
        let priced = logged("segments", "1") && logged("cost_micro_usd", "100000");
        logs.contains("CountryNotAllowed") && priced
    });
}

/// At the SMS budget texts stop for everyone: the text that would pass it
/// is not sent, the operator is told (80%, then the budget), and the phone
/// path asks every number alike for an email address instead.
#[tokio::test(flavor = "multi_thread")]
async fn texts_stop_at_the_sms_budget_and_every_number_is_asked_for_email_alike() {
    // 0.12 USD a day: one German code (0.10 USD) fits, the second does not.
    let budgeted = Functions::start(&[("SMS_DAILY_BUDGET_USD", "0.12")]);
    let (first, second) = (unique_phone(), unique_phone());
    for phone in [&first, &second] {
        create(
            &budgeted.table,
            account(&unique("budget")).phone(phone).password("the old password 1"),
        )
        .await;
        assert_eq!(request_code(&budgeted, phone).json()["next"], "enter_code");
        budgeted.settle();
    }
    assert_eq!(texts_to(&first).len(), 1, "the first fit the budget");
    assert!(texts_to(&second).is_empty(), "the second would have passed it");
    // The request-reset function reads the hold again within a second.
    eventually("the phone path to ask for email", 30, || {
        request_code(&budgeted, &unique_phone()).json()["next"] == "use_email"
    });
    let answers = [&first, &second, &unique_phone()].map(|phone| {
        let answer = request_code(&budgeted, phone);
        assert_eq!(answer.status, 202);
        answer.comparable()
    });
    assert!(answers.iter().all(|a| *a == answers[0]), "the same answer for every number");
    let logs = budgeted.logs();
    assert!(logs.contains("SMS budget past its warning share"), "80% of it: the alarm's line");
    assert!(logs.contains("SMS budget reached"), "the alarm's line");
    assert!(logs.contains("SmsBudgetReached"), "the refused text's reason");
}
