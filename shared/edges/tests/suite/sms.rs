//! Recovery by SMS code over the in-memory ports.

use recovery_core::flows::{FlowError, ResetRequestOutcome, SetPasswordError, VerifyCodeError};
use recovery_core::ports::UserStore;
use recovery_domain::{AccountLookup, PasswordHasher, PhoneNumber};

use recovery_testing::accounts::{IP, change, code_in, phone, request, token_in, world};

#[tokio::test]
async fn a_code_becomes_a_token_that_sets_the_password() {
    let w = world().await;
    let outcome = request(&w, "+49 151 0000 0001").await;
    assert!(matches!(outcome, ResetRequestOutcome::CodeSent(_)));
    let sms = w.texts().await.pop().unwrap();
    assert_eq!(sms.to, phone(1));
    assert!(
        sms.text
            .ends_with("is your Example password recovery code. It expires in 60 seconds. Do not share it: Example never asks you for it.")
    );
    let accepted = w.recovery.verify_code(&phone(1), &code_in(&w).await).await.unwrap();
    assert_eq!(accepted.expires_in, 600);
    w.recovery
        .set_password(change(&accepted.reset_token, "new passphrase 2", "new passphrase 2"))
        .await
        .unwrap();
    let ada = w.store.find_by_phone(&phone(1)).await.unwrap().unwrap();
    assert!(PasswordHasher::owasp().verify("new passphrase 2", &ada.password_hash.unwrap()));
}

#[tokio::test]
async fn a_code_works_once_and_dies_one_second_past_its_lifetime() {
    let w = world().await;
    request(&w, "+4915100000001").await;
    let code = code_in(&w).await;
    w.recovery.verify_code(&phone(1), &code).await.unwrap();
    assert!(matches!(
        w.recovery.verify_code(&phone(1), &code).await,
        Err(VerifyCodeError::InvalidCode)
    ));
    request(&w, "+4915100000001").await;
    let code = code_in(&w).await;
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
    let right = code_in(&w).await;
    let wrong = if right == "000000" { "111111" } else { "000000" };
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
    w.recovery.verify_code(&phone(1), &code_in(&w).await).await.unwrap();
}

#[tokio::test]
async fn unknown_and_provider_numbers_count_wrong_codes_alike() {
    let w = world().await;
    assert_eq!(request(&w, "+4915199999999").await, ResetRequestOutcome::UnknownNumber);
    assert!(matches!(
        request(&w, "+4915100000002").await,
        ResetRequestOutcome::ProviderNoticeSent(_)
    ));
    assert!(matches!(request(&w, "+4915100000003").await, ResetRequestOutcome::DisabledAccount(_)));
    let sent = w.texts().await;
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
    match w.recovery.request_reset(&AccountLookup::parse("+4915100000001").unwrap(), IP).await {
        // Until the first code's 15-second interval has left the quarter hour.
        Err(FlowError::RateLimited { retry_after_seconds }) => assert_eq!(retry_after_seconds, 914),
        other => panic!("expected a limit, got {other:?}"),
    }
    // Unknown numbers are limited at the same count: the limit says nothing
    // about accounts.
    for _ in 0..3 {
        request(&w, "+4915199999999").await;
    }
    assert!(matches!(
        w.recovery.request_reset(&AccountLookup::parse("+4915199999999").unwrap(), IP).await,
        Err(FlowError::RateLimited { .. })
    ));
    // Six phone requests from IP got through (refused ones are not
    // recorded); four more are allowed, then none.
    for n in 10..14 {
        request(&w, &format!("+49151{n:08}")).await;
    }
    assert!(matches!(
        w.recovery.request_reset(&AccountLookup::parse("+4915100000020").unwrap(), IP).await,
        Err(FlowError::AddressLimited { retry_after_seconds: 3659 })
    ));
    // Another address still gets through; email requests are not limited.
    w.recovery
        .request_reset(&AccountLookup::parse("+4915100000020").unwrap(), "198.51.100.1")
        .await
        .unwrap();
    request(&w, "ada").await;
}

#[tokio::test]
async fn a_password_change_kills_the_outstanding_code_and_links() {
    let w = world().await;
    request(&w, "ada").await;
    let link_token = token_in(&w).await;
    request(&w, "+4915100000001").await;
    let first = w.recovery.verify_code(&phone(1), &code_in(&w).await).await.unwrap();
    request(&w, "+4915100000001").await;
    let outstanding = code_in(&w).await;
    w.recovery
        .set_password(change(&first.reset_token, "new passphrase 2", "new passphrase 2"))
        .await
        .unwrap();
    assert!(matches!(
        w.recovery.verify_code(&phone(1), &outstanding).await,
        Err(VerifyCodeError::InvalidCode)
    ));
    assert!(matches!(
        w.recovery.set_password(change(&link_token, "new passphrase 3", "new passphrase 3")).await,
        Err(SetPasswordError::InvalidToken)
    ));
}
