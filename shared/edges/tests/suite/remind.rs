//! "Forgot your login?": the login goes to the address or number given,
//! with the answer, the time and the limits of a reset request.

use lambda_http::Body;
use lambda_http::http::StatusCode;
use recovery_core::flows::ResetRequestOutcome;
use recovery_domain::AccountLookup;
use recovery_edges::http;
use recovery_testing::World;
use serde_json::Value;

use crate::http::{get, html_of, post};
use recovery_testing::accounts::{IP, phone, world};

async fn remind(w: &World, typed: &str) -> ResetRequestOutcome {
    let contact = AccountLookup::parse(typed).unwrap();
    w.recovery.remind_login(&contact, IP).await.unwrap()
}

async fn remind_json(w: &World, body: &str) -> lambda_http::Response<Body> {
    http::request_reset(&w.recovery, post("/password/forgot-login", "application/json", body)).await
}

fn json_of(response: &lambda_http::Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap()
}

#[tokio::test]
async fn the_login_goes_to_the_address_and_says_how_the_account_signs_in() {
    let w = world().await;
    assert!(matches!(remind(&w, "ada@example.com").await, ResetRequestOutcome::ReminderSent(_)));
    assert!(matches!(remind(&w, "grace@example.com").await, ResetRequestOutcome::ReminderSent(_)));
    assert!(matches!(remind(&w, phone(1).as_e164()).await, ResetRequestOutcome::ReminderSent(_)));
    let emails = w.emails().await;
    assert_eq!(emails.len(), 2);
    assert_eq!(emails[0].to.as_str(), "ada@example.com");
    assert_eq!(emails[0].subject, "Your Example login");
    assert!(emails[0].text.contains("Login: ada\nSigns in with: a password"));
    assert!(emails[1].text.contains("Login: grace\nSigns in with: Google"));
    assert!(!emails[0].text.contains("token="), "a reminder is no link");
    let text = w.texts().await.pop().expect("the text");
    assert_eq!(text.to, phone(1));
    assert_eq!(text.text, "Your Example login is ada. Sign in at https://app.example.com/login.");
    // Nothing for a disabled account or an address nobody has.
    assert!(matches!(
        remind(&w, "linus@example.com").await,
        ResetRequestOutcome::DisabledAccount(_)
    ));
    assert_eq!(remind(&w, "nobody@example.com").await, ResetRequestOutcome::UnknownAccount);
    assert_eq!(w.emails().await.len(), 2);
}

#[tokio::test]
async fn every_address_gets_the_same_answer_and_a_login_is_refused() {
    let w = world().await;
    let answers: Vec<_> = [
        r#"{"contact": "ada@example.com"}"#,
        r#"{"contact": "nobody@example.com"}"#,
        r#"{"contact": "linus@example.com"}"#,
    ]
    .into_iter()
    .map(|body| remind_json(&w, body))
    .collect();
    let mut seen = Vec::new();
    for answer in answers {
        let answer = answer.await;
        assert_eq!(answer.status(), StatusCode::ACCEPTED);
        seen.push(json_of(&answer));
    }
    assert!(seen.iter().all(|a| *a == seen[0]), "{seen:?}");
    assert_eq!(seen[0]["next"], "check_email");
    let by_phone = remind_json(&w, r#"{"contact": "+4915100000001"}"#).await;
    assert_eq!(json_of(&by_phone)["next"], "check_phone");
    let login = remind_json(&w, r#"{"contact": "ada"}"#).await;
    assert_eq!(login.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(&login)["error"], "invalid_contact");
    let missing = remind_json(&w, r#"{}"#).await;
    assert_eq!(json_of(&missing)["error"], "missing_field");
}

#[tokio::test]
async fn reminders_and_reset_requests_share_their_limits() {
    let w = world().await;
    for body in [r#"{"login": "nobody@example.com"}"#, r#"{"login": "nobody@example.com"}"#] {
        let forgot =
            http::request_reset(&w.recovery, post("/password/forgot", "application/json", body))
                .await;
        assert_eq!(forgot.status(), StatusCode::ACCEPTED);
    }
    let third = remind_json(&w, r#"{"contact": "nobody@example.com"}"#).await;
    assert_eq!(third.status(), StatusCode::ACCEPTED);
    let fourth = remind_json(&w, r#"{"contact": "nobody@example.com"}"#).await;
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(json_of(&fourth)["error"], "rate_limited");
}

#[tokio::test]
async fn the_forgot_page_leads_to_the_reminder_and_it_answers_in_its_language() {
    let w = world().await;
    let forgot = http::request_reset(&w.recovery, get("/password/forgot", &[], None));
    let html = html_of(&forgot.await);
    assert!(html.contains("<a href=\"forgot-login?lang=en\">Forgot your login?</a>"), "{html}");
    let form =
        http::request_reset(&w.recovery, get("/password/forgot-login", &[("lang", "de")], None))
            .await;
    let html = html_of(&form);
    assert!(html.contains("<h1>Login vergessen</h1>"), "{html}");
    assert!(html.contains("E-Mail-Adresse oder Telefonnummer"));
    assert!(html.contains("autocomplete=\"email\""));
    let sent = http::request_reset(
        &w.recovery,
        post(
            "/password/forgot-login",
            "application/x-www-form-urlencoded",
            "lang=ru&contact=ada%40example.com",
        ),
    )
    .await;
    let html = html_of(&sent);
    assert!(html.contains("<h1>Проверьте почту</h1>"), "{html}");
    let email = w.emails().await.pop().expect("the reminder");
    assert_eq!(email.subject, "Ваш логин Example");
    let refused = http::request_reset(
        &w.recovery,
        post("/password/forgot-login", "application/x-www-form-urlencoded", "contact=ada"),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let html = html_of(&refused);
    assert!(html.contains("Enter an email address, or a phone number"), "{html}");
    assert!(html.contains("aria-invalid=\"true\""));
}
