//! The product's sign-in check over the in-memory ports: one answer for
//! every way a check fails, the growing delay for what was typed, and old
//! or imported hashes upgraded on success.

use recovery_core::ports::UserStore;
use recovery_domain::{LoginName, PasswordHasher};
use recovery_edges::credentials_event::handle;
use recovery_testing::TestAccount;
use serde_json::{Value, json};

use recovery_testing::accounts::world;

// "correct horse", as products hold it: Python's bcrypt (cost 4) and
// Django 5's PBKDF2PasswordHasher (1,000 iterations).
const BCRYPT: &str = "$2b$04$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.";
const DJANGO: &str = "pbkdf2_sha256$1000$seasalt2024$vv6efMwQukIGQA5PNgPHorln9QGN/JMACNAu7hVPiWM=";

async fn check(w: &recovery_testing::World, login: &str, password: &str) -> Value {
    handle(&w.recovery, &json!({ "login": login, "password": password })).await
}

#[tokio::test]
async fn the_right_password_opens_the_account_by_login_email_or_phone() {
    let w = world().await;
    for typed in ["ada", "ADA@example.com", "+49 151 00000001"] {
        let answer = check(&w, typed, "old password 1").await;
        assert_eq!(answer["valid"], true, "{typed}: {answer}");
        assert_eq!(answer["login"], "ada");
        assert!(answer["user_id"].as_str().is_some_and(|id| id.len() == 32));
        assert!(answer["password_changed_at"].is_null());
    }
}

#[tokio::test]
async fn every_failure_gets_the_same_answer() {
    let w = world().await;
    let answers = [
        check(&w, "ada", "wrong password").await,
        check(&w, "nobody", "old password 1").await,
        // Disabled, with the right password.
        check(&w, "linus", "old password 1").await,
        // Signs in through Google: no password to check.
        check(&w, "grace", "anything").await,
        check(&w, "nobody@example.com", "x").await,
        check(&w, "not a login!", "x").await,
    ];
    for answer in &answers {
        assert_eq!(answer, &json!({ "valid": false }));
    }
}

#[tokio::test]
async fn attempts_past_five_wait_longer_each_time_for_what_was_typed_known_or_not() {
    let w = world().await;
    for login in ["ada", "nobody"] {
        for _ in 0..5 {
            assert_eq!(check(&w, login, "wrong").await, json!({ "valid": false }));
        }
        // Even the right password waits: the check is not made.
        let delayed = check(&w, login, "old password 1").await;
        assert_eq!(delayed, json!({ "valid": false, "retry_after": 1 }), "{login}");
        w.clock.advance(1);
        assert_eq!(check(&w, login, "wrong").await["valid"], false);
        assert_eq!(check(&w, login, "wrong").await["retry_after"], 2);
    }
    // Another typed login is not held up, and the real owner gets in once
    // the delay has passed; a valid check clears the count.
    assert_eq!(check(&w, "ada@example.com", "old password 1").await["valid"], true);
    w.clock.advance(2);
    assert_eq!(check(&w, "ada", "old password 1").await["valid"], true);
    for _ in 0..5 {
        assert!(check(&w, "ada", "wrong").await.get("retry_after").is_none());
    }
}

#[tokio::test]
async fn imported_hashes_verify_and_are_upgraded_to_argon2id_on_success() {
    let w = world().await;
    for (login, hash) in [("bea", BCRYPT), ("dj", DJANGO)] {
        TestAccount::new(login).hash(hash).create_in(&*w.store).await;
        assert_eq!(check(&w, login, "correct horse wrong").await["valid"], false);
        let stored = |login: &'static str| {
            let store = w.store.clone();
            async move {
                let login = LoginName::parse(login).unwrap();
                let account = store.find_by_login(&login).await.unwrap().unwrap();
                account.password_hash.unwrap().expose_phc().to_owned()
            }
        };
        assert_eq!(stored(login).await, hash, "a wrong password upgrades nothing");
        assert_eq!(check(&w, login, "correct horse").await["valid"], true);
        let upgraded = stored(login).await;
        let hasher = PasswordHasher::owasp();
        let upgraded = recovery_domain::PasswordHash::from_phc(&upgraded);
        assert!(hasher.is_current(&upgraded), "{login}");
        assert!(hasher.verify("correct horse", &upgraded));
        assert_eq!(check(&w, login, "correct horse").await["valid"], true);
    }
}

#[tokio::test]
async fn an_event_it_cannot_read_is_an_error_not_an_invalid_password() {
    let w = world().await;
    for event in [
        json!({ "login": "ada" }),
        json!({ "login": "ada", "password": 5 }),
        json!("ada"),
        json!({ "login": "ada", "password": "x".repeat(5000) }),
    ] {
        let answer = handle(&w.recovery, &event).await;
        assert_eq!(answer["error"], "invalid_event", "{event}");
        assert!(answer.get("valid").is_none());
    }
}

#[tokio::test(start_paused = true)]
async fn a_check_that_loses_counter_races_waits_and_still_answers() {
    let w = world().await;
    w.store.lose_counter_races(5);
    let answer = check(&w, "ada", "old password 1").await;
    assert_eq!(answer["valid"], true, "{answer}");
}
