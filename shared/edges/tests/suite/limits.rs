//! The limits of `POST /password/forgot` on the email path, over the
//! in-memory ports: per identifier as typed, per account (silent), per
//! source address (an IPv6 address by its /64), and the minute during which
//! a live link is not replaced.

use std::time::Duration;

use recovery_core::flows::{FlowError, ResetRequestOutcome};
use recovery_domain::AccountLookup;
use recovery_edges::config::ForgotLimits;
use recovery_testing::{TestAccount, World, settings};

use recovery_testing::accounts::{IP, change, phone, request, token_in, world};

async fn attempt(w: &World, typed: &str, from: &str) -> Result<ResetRequestOutcome, i64> {
    match w.recovery.request_reset(&AccountLookup::parse(typed).unwrap(), from).await {
        Ok(outcome) => Ok(outcome),
        Err(
            FlowError::RateLimited { retry_after_seconds }
            | FlowError::AddressLimited { retry_after_seconds },
        ) => Err(retry_after_seconds),
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test]
async fn twenty_five_requests_for_one_login_send_one_email_and_the_first_link_still_works() {
    let w = world().await;
    let mut answers = Vec::new();
    for _ in 0..25 {
        answers.push(attempt(&w, "ada", IP).await);
        w.clock.advance(1);
    }
    assert!(matches!(answers[0], Ok(ResetRequestOutcome::LinkSent(_))));
    assert!(
        answers[1..3].iter().all(|a| matches!(a, Ok(ResetRequestOutcome::RecentLinkLive(_)))),
        "{answers:?}"
    );
    // The fourth in 15 minutes for what was typed: 429, until the first
    // hit's 15-second interval has left the window.
    assert_eq!(answers[3], Err(900 + 14 - 3));
    assert!(answers[3..].iter().all(|a| a.is_err()));
    let emails = w.emails().await;
    assert_eq!(emails.len(), 1);
    let token = recovery_testing::token_from(&emails[0].text).unwrap();
    w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await.unwrap();
}

#[tokio::test]
async fn known_and_unknown_identifiers_meet_their_limits_at_the_same_counts() {
    let w = world().await;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..12 {
        known.push(attempt(&w, "ada", IP).await.map(|_| ()));
        unknown.push(attempt(&w, "nobody", IP).await.map(|_| ()));
        unknown.push(attempt(&w, "nobody@example.com", IP).await.map(|_| ()));
        known.push(attempt(&w, "ada@example.com", IP).await.map(|_| ()));
        w.clock.advance(300);
    }
    assert_eq!(known, unknown);
    assert!(known.iter().any(|a| a.is_err()) && known.iter().any(|a| a.is_ok()));
}

#[tokio::test]
async fn an_account_gets_at_most_three_emails_in_fifteen_minutes_whatever_it_is_called() {
    let w = world().await;
    for typed in ["ada", "ada@example.com", "ADA", "ada@EXAMPLE.com"] {
        let outcome = attempt(&w, typed, IP).await;
        // Delivered at once: a link replaced before it went out is not sent.
        w.deliver().await;
        w.clock.advance(61);
        if typed == "ada@EXAMPLE.com" {
            // Silent: a 429 here would tell that the login and the address
            // name one account.
            assert!(matches!(outcome, Ok(ResetRequestOutcome::AccountLimited(_))), "{outcome:?}");
        } else {
            assert!(matches!(outcome, Ok(ResetRequestOutcome::LinkSent(_))));
        }
    }
    assert_eq!(w.emails().await.len(), 3);
    w.clock.advance(900);
    assert!(matches!(attempt(&w, "ada", IP).await, Ok(ResetRequestOutcome::LinkSent(_))));
}

#[tokio::test]
async fn an_account_gets_at_most_ten_emails_a_day() {
    let w = world().await;
    let mut sent = 0;
    for _ in 0..12 {
        if let Ok(ResetRequestOutcome::LinkSent(_)) = attempt(&w, "ada", IP).await {
            sent += 1;
        }
        // Delivered while the link lives.
        w.deliver().await;
        w.clock.advance(901);
    }
    assert_eq!((sent, w.mail.sent().len()), (10, 10));
}

#[tokio::test]
async fn a_used_link_does_not_hold_up_the_next_one() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await.unwrap();
    w.clock.advance(5);
    assert!(matches!(request(&w, "ada").await, ResetRequestOutcome::LinkSent(_)));
}

#[tokio::test]
async fn a_provider_notice_is_not_sent_twice_in_a_minute() {
    let w = world().await;
    assert!(matches!(request(&w, "grace").await, ResetRequestOutcome::ProviderNoticeSent(_)));
    assert!(matches!(request(&w, "grace").await, ResetRequestOutcome::RecentLinkLive(_)));
    w.clock.advance(60);
    assert!(matches!(request(&w, "grace").await, ResetRequestOutcome::ProviderNoticeSent(_)));
    assert_eq!(w.emails().await.len(), 2);
}

#[tokio::test]
async fn one_ipv6_slash_64_is_one_caller_for_every_kind_of_request() {
    let w = World::with_settings(recovery_core::RecoverySettings {
        limits: ForgotLimits::new(3, 10, 5),
        ..settings()
    });
    TestAccount::new("ada").email("ada@example.com").create_in(&*w.store).await;
    for n in 1..=5u32 {
        let from = format!("2001:db8:7:7:{n:x}::{n:x}");
        let typed =
            if n % 2 == 0 { phone(100 + n).as_e164().to_owned() } else { format!("someone{n}") };
        assert!(attempt(&w, &typed, &from).await.is_ok(), "{from}");
    }
    // Until the first hit's minute has left the hour.
    let limited = attempt(&w, "someone-else", "2001:db8:7:7:ffff::1").await;
    assert_eq!(limited, Err(3600 + 59));
    let limited = attempt(&w, phone(200).as_e164(), "2001:db8:7:7::2").await;
    assert_eq!(limited, Err(3600 + 59));
    // The next /64, and an IPv4 caller, are others.
    assert!(attempt(&w, "someone-else", "2001:db8:7:8::1").await.is_ok());
    assert!(attempt(&w, "ada", IP).await.is_ok());
}

/// A refusal by the address alone says so (it is answered without the
/// floor); one where what was typed is over its limit too does not.
#[tokio::test]
async fn a_refusal_by_the_address_alone_is_told_apart() {
    let w = five_an_hour_from_one_address().await;
    let refusal = |typed: &'static str| {
        let w = &w;
        async move { w.recovery.request_reset(&AccountLookup::parse(typed).unwrap(), IP).await }
    };
    for _ in 0..3 {
        refusal("ada").await.unwrap();
    }
    // Each wait runs until the first hit's interval (15 s of the quarter
    // hour, a minute of the hour) has left its window.
    assert!(matches!(
        refusal("ada").await,
        Err(FlowError::RateLimited { retry_after_seconds: 914 })
    ));
    refusal("someone").await.unwrap();
    refusal("someone").await.unwrap();
    assert!(matches!(
        refusal("someone-else").await,
        Err(FlowError::AddressLimited { retry_after_seconds: 3659 })
    ));
    assert!(
        matches!(refusal("ada").await, Err(FlowError::RateLimited { retry_after_seconds: 3659 })),
        "what was typed is over its limit too"
    );
}

/// A world whose addresses may ask five times an hour, with `ada` (an
/// email and the number 1).
async fn five_an_hour_from_one_address() -> World {
    let w = World::with_settings(recovery_core::RecoverySettings {
        limits: ForgotLimits::new(3, 10, 5),
        ..settings()
    });
    TestAccount::new("ada")
        .email("ada@example.com")
        .phone(phone(1).as_e164())
        .create_in(&*w.store)
        .await;
    w
}

/// Others behind one address asking at the same moment add their hits to
/// its counter between a request's read and its write: the request's hit is
/// added beside them without another round while the window has room, and
/// refused (nothing sent) once their hits have filled it.
#[tokio::test(start_paused = true)]
async fn a_request_lands_beside_hits_others_added_meanwhile_until_the_window_is_full() {
    let w = five_an_hour_from_one_address().await;
    // Nothing read yet: room for four beside this request's hit, and four
    // others take it.
    w.store.others_add_hits_meanwhile(4);
    let started = tokio::time::Instant::now();
    let outcome = attempt(&w, "ada", IP).await;
    assert!(matches!(outcome, Ok(ResetRequestOutcome::LinkSent(_))), "{outcome:?}");
    assert_eq!(started.elapsed(), Duration::ZERO, "no second round");
    // Five in the hour: the address is full, for any kind of request, until
    // their minute has left the hour.
    assert_eq!(attempt(&w, "someone", IP).await, Err(3659));
    assert_eq!(attempt(&w, phone(1).as_e164(), IP).await, Err(3659));
    // Three read, room for this one and one more: two more meanwhile fill
    // it.
    let w = five_an_hour_from_one_address().await;
    for n in 0..3 {
        attempt(&w, &format!("someone{n}"), IP).await.unwrap();
    }
    w.store.others_add_hits_meanwhile(2);
    assert_eq!(attempt(&w, phone(1).as_e164(), IP).await, Err(3659));
    assert_eq!(w.texts().await.len(), 0, "the refused request sent nothing");
}

/// Requests from one address that race on its counter (a campus behind one
/// NAT) wait a short random time and try again; only a request that keeps
/// losing for about two seconds gets a 429.
#[tokio::test(start_paused = true)]
async fn a_request_that_loses_five_counter_races_still_gets_through_after_short_random_waits() {
    for typed in ["ada", "+4915100000001", "nobody@example.com"] {
        let w = world().await;
        w.store.lose_counter_races(5);
        let started = tokio::time::Instant::now();
        let outcome = attempt(&w, typed, IP).await;
        let waited = started.elapsed();
        assert!(outcome.is_ok(), "{typed}: {outcome:?}");
        assert!(
            waited > Duration::ZERO && waited < Duration::from_millis(775),
            "{typed}: {waited:?}"
        );
    }
    let w = world().await;
    w.store.lose_counter_races(5);
    attempt(&w, "ada", IP).await.unwrap();
    attempt(&w, "+4915100000001", IP).await.unwrap();
    assert_eq!((w.emails().await.len(), w.texts().await.len()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_request_that_loses_eight_races_is_refused_for_a_second_and_leaves_nothing() {
    for typed in ["ada", "+4915100000001"] {
        let w = world().await;
        w.store.lose_counter_races(8);
        assert_eq!(attempt(&w, typed, IP).await, Err(1), "{typed}");
        assert_eq!((w.emails().await.len(), w.texts().await.len()), (0, 0));
        assert_eq!(w.store.token_count(), 0);
        // The next one is not held up by what the rivals did.
        assert!(attempt(&w, typed, IP).await.is_ok(), "{typed}");
    }
}

/// SMS pumping sends codes to many numbers of one range: past 30 an hour
/// to a range of a thousand numbers, from any addresses, the next is
/// refused, while a number of another range still gets its code.
#[tokio::test]
async fn a_burst_to_many_numbers_of_one_range_is_slowed() {
    let w = world().await;
    let from = |n: u32| format!("198.51.100.{}", n % 200);
    for n in 0..30 {
        let outcome = attempt(&w, phone(100 + n).as_e164(), &from(n)).await;
        assert!(outcome.is_ok(), "number {n}: {outcome:?}");
    }
    let refused = attempt(&w, phone(130).as_e164(), &from(31)).await;
    assert!(matches!(refused, Err(seconds) if seconds > 0), "{refused:?}");
    // Another range (the thousand numbers after it).
    assert!(attempt(&w, phone(1_130).as_e164(), &from(32)).await.is_ok());
    // An hour later (and the minute its window is counted in) the range
    // gets codes again.
    w.clock.advance(3660);
    assert!(attempt(&w, phone(131).as_e164(), &from(33)).await.is_ok());
}
