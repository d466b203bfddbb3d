//! Recovery by email link over the in-memory ports.

use recovery_core::flows::{DeliverError, ResetRequestOutcome, SetPasswordError};
use recovery_core::ports::{OutboxStore, UserStore};
use recovery_domain::{AccountLookup, Clock, LoginName, PasswordHasher};

use recovery_testing::accounts::{IP, change, request, token_in, world};

#[tokio::test]
async fn each_kind_of_account_gets_what_it_should() {
    let w = world().await;
    assert!(matches!(request(&w, "ada").await, ResetRequestOutcome::LinkSent(_)));
    assert!(matches!(
        request(&w, "grace@example.com").await,
        ResetRequestOutcome::ProviderNoticeSent(_)
    ));
    assert!(matches!(request(&w, "linus").await, ResetRequestOutcome::DisabledAccount(_)));
    assert_eq!(request(&w, "nobody").await, ResetRequestOutcome::UnknownAccount);
    let sent = w.emails().await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].to.as_str(), "ada@example.com");
    assert_eq!(sent[1].to.as_str(), "grace@example.com");
    assert!(sent[1].text.contains("Google") && !sent[1].text.contains("token="));
}

#[tokio::test]
async fn the_token_works_once_and_until_its_last_second() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    w.clock.advance(3599);
    w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await.unwrap();
    let again =
        w.recovery.set_password(change(&token, "new passphrase 3", "new passphrase 3")).await;
    assert!(matches!(again, Err(SetPasswordError::InvalidToken)));
}

#[tokio::test]
async fn an_expired_token_is_refused_and_the_password_stays() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    w.clock.advance(3600);
    let result =
        w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await;
    assert!(matches!(result, Err(SetPasswordError::InvalidToken)));
    assert_eq!(w.store.token_count(), 1, "expiry is decided in code, not by deletion");
    let ada = w.store.find_by_login(&LoginName::parse("ada").unwrap()).await.unwrap().unwrap();
    assert!(PasswordHasher::owasp().verify("old password 1", &ada.password_hash.unwrap()));
}

#[tokio::test]
async fn a_new_request_kills_the_earlier_link_and_a_reset_kills_all() {
    let w = world().await;
    request(&w, "ada").await;
    let first = token_in(&w).await;
    // A minute later: until then the first link stays the live one.
    w.clock.advance(60);
    request(&w, "ada@example.com").await;
    let second = token_in(&w).await;
    assert!(matches!(
        w.recovery.set_password(change(&first, "new passphrase 2", "new passphrase 2")).await,
        Err(SetPasswordError::InvalidToken)
    ));
    let done = w
        .recovery
        .set_password(change(&second, "new passphrase 2", "new passphrase 2"))
        .await
        .unwrap();
    assert_eq!(done.login_url, "https://app.example.com/login");
    let ada = w.store.find_by_login(&LoginName::parse("ada").unwrap()).await.unwrap().unwrap();
    assert_eq!(ada.password_changed_at, Some(w.clock.now()));
    assert!(ada.active_reset.is_none());
    let notice = w.emails().await.pop().unwrap();
    assert!(notice.subject.contains("was changed"));
}

#[tokio::test]
async fn mismatch_weak_and_wrong_login_are_refused_without_using_the_token() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    assert!(matches!(
        w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 3")).await,
        Err(SetPasswordError::PasswordMismatch)
    ));
    match w.recovery.set_password(change(&token, "ada@example.com", "ada@example.com")).await {
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
async fn a_mail_failure_delays_the_email_until_it_goes_out_and_a_store_failure_is_an_error() {
    let w = world().await;
    w.mail.set_failing(true);
    assert!(matches!(request(&w, "ada").await, ResetRequestOutcome::LinkSent(_)));
    for _ in 0..3 {
        let outcomes = w.deliver().await;
        assert_eq!(outcomes.len(), 1);
        assert!(matches!(outcomes[0], Err(DeliverError::Send(_))));
    }
    let ada = w.store.find_by_login(&LoginName::parse("ada").unwrap()).await.unwrap().unwrap();
    let status = w.store.messages(&ada.id, 10).await.unwrap();
    assert_eq!(status[0].delivery, "failed");
    assert_eq!(status[0].last_error.as_deref(), Some("MessageRejected"));
    w.mail.set_failing(false);
    let token = token_in(&w).await;
    w.recovery
        .set_password(change(&token, "new passphrase 1", "new passphrase 1"))
        .await
        .expect("the delayed link works");
    w.store.fail_from_now();
    let err = w.recovery.request_reset(&AccountLookup::parse("ada").unwrap(), IP).await;
    assert!(err.is_err());
}
