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

async fn check_from(w: &recovery_testing::World, login: &str, password: &str, ip: &str) -> Value {
    let event = json!({ "login": login, "password": password, "source_ip": ip });
    handle(&w.recovery, &event).await
}

/// Every way a check fails answers at the sign-in floor, not sooner: no
/// account, disabled, locked, provider-only, a wrong password under
/// Argon2id and under each imported scheme; the right one answers as soon
/// as it is checked. (Time is tokio's paused clock: the hash itself moves
/// it not at all, so each failure's time is the floor's alone.)
#[tokio::test(start_paused = true)]
async fn every_failure_answers_at_the_sign_in_floor_and_only_failures_wait() {
    use std::time::Duration;
    let floor = Duration::from_millis(1_000);
    let settings =
        recovery_core::RecoverySettings { sign_in_floor: floor, ..recovery_testing::settings() };
    let w = recovery_testing::accounts::world_with(settings).await;
    for (login, hash) in [("hopper", BCRYPT), ("knuth", DJANGO)] {
        let account = TestAccount::new(login).email(&format!("{login}@example.com")).hash(hash);
        account.create_in(&*w.store).await;
    }
    let locked = TestAccount::new("locked").email("locked@example.com").password("old password 1");
    let locked = locked.create_in(&*w.store).await;
    w.store.set_locked(&locked.id, w.recovery.now());
    let timed = |login: &'static str, password: &'static str| {
        let w = &w;
        async move {
            let started = tokio::time::Instant::now();
            let answer = check(w, login, password).await;
            (answer, started.elapsed())
        }
    };
    for (login, password) in [
        ("nobody", "old password 1"),
        ("linus", "old password 1"),
        ("locked", "old password 1"),
        ("grace", "anything"),
        ("ada", "wrong password"),
        ("hopper", "wrong password"),
        ("knuth", "wrong password"),
        ("not a login!", "x"),
    ] {
        let (answer, took) = timed(login, password).await;
        assert_eq!(answer, json!({ "valid": false }), "{login}");
        assert_eq!(took, floor, "{login}");
    }
    for (login, password) in [("ada", "old password 1"), ("hopper", "correct horse")] {
        let (answer, took) = timed(login, password).await;
        assert_eq!(answer["valid"], true, "{login}");
        assert!(took < floor, "{login}: {took:?}");
    }
}

/// Thirty wrong passwords from one source delay that source, not the owner
/// from another; guesses from ever new sources stop at the account's
/// ceiling (known account or not), while a source the owner signed in from
/// lately still gets in.
#[tokio::test]
async fn guessing_is_slowed_per_source_and_per_account_and_the_owner_still_gets_in() {
    use recovery_core::flows::ACCOUNT_GUESSES_PER_HOUR;
    let w = world().await;
    let mut delayed = 0;
    for _ in 0..30 {
        let answer = check_from(&w, "ada", "wrong password", "198.51.100.66").await;
        delayed += usize::from(answer.get("retry_after").is_some());
    }
    assert_eq!(delayed, 25, "five free, then the source waits");
    let owner = check_from(&w, "ada", "old password 1", "203.0.113.10").await;
    assert_eq!(owner["valid"], true, "another source gets in at once: {owner}");

    // Rotating sources: each new one's first guess is checked until the
    // account's guesses in the hour are spent (six were above: every check
    // from a source the account does not know takes one, the owner's
    // first from a new source too); then every new source waits, whatever
    // it sends. The same for an identifier that names no account.
    let ceiling = ACCOUNT_GUESSES_PER_HOUR as usize;
    for (login, spent) in [("ada", 6), ("nobody", 0)] {
        let mut answers = Vec::new();
        for n in 0..ceiling + 5 {
            let ip = format!("192.0.2.{}", n + 1);
            answers.push(check_from(&w, login, "old password 2", &ip).await);
        }
        let checked = answers.iter().filter(|a| a.get("retry_after").is_none()).count();
        assert_eq!(checked, ceiling - spent, "{login}: {answers:?}");
        assert!(answers[ceiling - spent..].iter().all(|a| a["retry_after"].as_i64() > Some(0)));
    }
    // The right password from a new source now waits too; from the source
    // the owner signed in from, it gets in.
    let new = check_from(&w, "ada", "old password 1", "192.0.2.200").await;
    assert!(new.get("retry_after").is_some(), "{new}");
    let familiar = check_from(&w, "ada", "old password 1", "203.0.113.10").await;
    assert_eq!(familiar["valid"], true, "{familiar}");
}

#[tokio::test]
async fn a_source_is_at_most_an_address_and_a_device_id() {
    let w = world().await;
    let long = json!({ "login": "ada", "password": "x", "source_ip": "1".repeat(65) });
    assert_eq!(handle(&w.recovery, &long).await["error"], "invalid_event");
    let long = json!({ "login": "ada", "password": "x", "device_id": "d".repeat(129) });
    assert_eq!(handle(&w.recovery, &long).await["error"], "invalid_event");
    let both = json!({ "login": "ada", "password": "old password 1", "source_ip": "2001:db8::1", "device_id": "phone-7" });
    assert_eq!(handle(&w.recovery, &both).await["valid"], true);
}
