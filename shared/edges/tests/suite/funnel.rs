//! The recovery funnel: each step of each way counted as it happens (the
//! metrics) and by the day (the tally `recovery_stats` reads).

use recovery_core::flows::{TokenStatus, VerifyCodeError};
use recovery_domain::{AccountLookup, Measure, NotSent, SignInResult, Step, Way};
use recovery_edges::admin_event;
use recovery_testing::World;
use recovery_testing::accounts::{IP, change, code_in, phone, request, token_in, world};
use serde_json::{Value, json};

async fn run(w: &World, event: Value) -> Value {
    admin_event::handle(&w.recovery, &event, "arn:aws:iam::123456789012:user/root", "req").await
}

async fn stats(w: &World) -> Value {
    let answer = run(w, json!({ "action": "recovery_stats" })).await;
    answer["stats"].clone()
}

fn steps(w: &World) -> Vec<(Step, Way)> {
    (w.metrics.recorded().into_iter())
        .filter_map(|m| match m {
            Measure::Step(step, way) => Some((step, way)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn each_step_of_a_link_and_of_a_code_is_counted_once() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    assert!(matches!(w.recovery.token_status(&token).await.unwrap(), TokenStatus::Usable { .. }));
    w.clock.advance(200);
    let new = "a brand new passphrase 1";
    w.recovery.set_password(change(&token, new, new)).await.unwrap();

    let by_phone = AccountLookup::Phone(phone(1));
    w.recovery.request_reset(&by_phone, IP).await.unwrap();
    let code = code_in(&w).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(
        w.recovery.verify_code(&phone(1), wrong).await,
        Err(VerifyCodeError::InvalidCode)
    ));
    w.recovery.verify_code(&phone(1), &code).await.unwrap();

    use Step::*;
    use Way::*;
    assert_eq!(
        steps(&w),
        [
            (Requested, EmailLink),
            (Sent, EmailLink),
            (Opened, EmailLink),
            (PasswordSet, EmailLink),
            (Requested, SmsCode),
            (Sent, SmsCode),
            (CodeRefused, SmsCode),
            (CodeAccepted, SmsCode),
        ]
    );
    let recorded = w.metrics.recorded();
    assert!(recorded.contains(&Measure::Recovered { way: EmailLink, seconds: 200 }));
    assert!(recorded.contains(&Measure::CodeEntered { calling_code: 49 }));
    assert!(recorded.iter().any(|m| matches!(m, Measure::Text { calling_code: 49, .. })));

    let stats = stats(&w).await;
    let counts = |way: &str, names: &[&str]| -> Vec<u64> {
        names.iter().map(|name| stats["ways"][way][name].as_u64().unwrap()).collect()
    };
    let link = counts("email_link", &["requested", "sent", "opened", "password_set", "delivered"]);
    assert_eq!(link, [1, 1, 1, 1, 0], "{stats}");
    let code = counts("sms_code", &["requested", "sent", "code_refused", "code_accepted"]);
    assert_eq!(code, [1, 1, 1, 1], "{stats}");
    assert_eq!(stats["recovered_within"]["email_link"]["300"], 1, "{stats}");
    assert_eq!(stats["recovered_within"]["email_link"]["60"], 0, "{stats}");
}

#[tokio::test]
async fn administrators_links_invitations_limits_and_sign_in_checks_are_counted() {
    let w = world().await;
    let sent =
        run(&w, json!({ "action": "send_recovery_link", "login": "ada", "channel": "email" }));
    assert_eq!(sent.await["status"], "queued");
    let invited =
        json!({ "action": "invite_user", "login": "new.user", "email": "new@example.com" });
    assert_eq!(run(&w, invited).await["status"], "invited");
    // Ada's email limit: the third link in a quarter of an hour is refused
    // quietly (no 429 tells), the address's limit is a 429.
    for _ in 0..40 {
        let _ = w.recovery.request_reset(&AccountLookup::parse("nobody").unwrap(), IP).await;
    }
    let password = secrecy::SecretString::from("old password 1".to_owned());
    let shared = recovery_core::flows::SignInSource::SHARED;
    w.recovery.verify_credentials("ada", &password, &shared).await.unwrap();

    let recorded = w.metrics.recorded();
    assert!(recorded.contains(&Measure::Step(Step::Requested, Way::AdminLink)));
    assert!(recorded.contains(&Measure::Step(Step::Requested, Way::Invitation)));
    assert!(recorded.contains(&Measure::Step(Step::Limited, Way::EmailLink)));
    assert!(recorded.contains(&Measure::SignIn(SignInResult::Valid)));
    let stats = stats(&w).await;
    assert_eq!(stats["ways"]["admin_link"]["requested"], 1);
    assert_eq!(stats["ways"]["invitation"]["requested"], 1);
    assert!(stats["ways"]["email_link"]["limited"].as_u64().unwrap() > 0, "{stats}");
}

#[tokio::test]
async fn a_message_not_sent_is_counted_by_its_reason() {
    let w = world().await;
    request(&w, "ada").await;
    w.clock.advance(3 * 3600);
    w.deliver().await;
    assert!(
        w.metrics.recorded().contains(&Measure::NotSent(Some(Way::EmailLink), NotSent::Expired))
    );
    assert!(!steps(&w).contains(&(Step::Sent, Way::EmailLink)));
}

#[tokio::test]
async fn a_recovery_goes_on_when_its_count_cannot_be_written() {
    let w = world().await;
    w.store.fail_tallies();
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let new = "a brand new passphrase 1";
    w.recovery.set_password(change(&token, new, new)).await.unwrap();
    // The metrics still have it; the day's tally does not.
    assert!(steps(&w).contains(&(Step::PasswordSet, Way::EmailLink)));
    assert_eq!(stats(&w).await["ways"]["email_link"]["password_set"], 0);
}

#[tokio::test]
async fn a_period_is_checked_before_anything_is_read() {
    let w = world().await;
    for (from, to) in [
        ("2026-12-06", "2026-12-05"),
        ("2026-11-01", "2026-12-06"),
        ("12/06/2026", "2026-12-06"),
        ("2026-02-30", "2026-03-01"),
    ] {
        let answer = run(&w, json!({ "action": "recovery_stats", "from": from, "to": to })).await;
        assert_eq!(answer["error"], "invalid_event", "{from}..{to}: {answer}");
    }
    let answer =
        run(&w, json!({ "action": "recovery_stats", "from": "2026-11-06", "to": "2026-12-06" }))
            .await;
    assert_eq!(answer["stats"]["from"], "2026-11-06", "{answer}");
}
