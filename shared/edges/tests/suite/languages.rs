//! What is sent speaks the account's language, else the language of the
//! request that causes it.

use recovery_core::flows::Caller;
use recovery_domain::{AccountLookup, Language};
use recovery_testing::{TestAccount, World};

use recovery_testing::accounts::{IP, change, token_in};

async fn world_with(accounts: &[TestAccount]) -> World {
    let w = World::new();
    for account in accounts {
        account.create_in(&*w.store).await;
    }
    w
}

fn asking_in(language: Language) -> Caller<'static> {
    Caller { source_ip: IP, language, workspace: None, proof: None }
}

#[tokio::test]
async fn an_account_with_a_language_gets_it_whatever_the_page_spoke() {
    let w = world_with(&[TestAccount::new("hans")
        .email("hans@example.com")
        .phone("+4915112345670")
        .password("old password 1")
        .locale("de-AT")])
    .await;
    for typed in ["hans", "+4915112345670"] {
        let lookup = AccountLookup::parse(typed).unwrap();
        w.recovery.request_reset(&lookup, asking_in(Language::Russian)).await.unwrap();
    }
    let email = w.emails().await.pop().expect("the link");
    assert_eq!(email.subject, "Ihr Passwort für Example zurücksetzen");
    assert!(email.html.contains("<html lang=\"de\">"));
    let sms = w.texts().await.pop().expect("the code");
    assert!(sms.text.contains("ist Ihr Code"), "{}", sms.text);
}

#[tokio::test]
async fn an_account_without_one_gets_the_language_it_asked_in() {
    let w = world_with(&[
        TestAccount::new("ivan").email("ivan@example.com").password("old password 1"),
        TestAccount::new("olga").phone("+4915112345671").password("old password 1"),
    ])
    .await;
    let lookup = AccountLookup::parse("ivan").unwrap();
    w.recovery.request_reset(&lookup, asking_in(Language::Russian)).await.unwrap();
    let email = w.emails().await.pop().expect("the link");
    assert_eq!(email.subject, "Сброс пароля Example");
    assert!(email.text.contains("истекает через 1 час"), "{}", email.text);

    // The notice that the password changed speaks the form's language.
    let token = token_in(&w).await;
    let mut german = change(&token, "a brand new passphrase", "a brand new passphrase");
    german.language = Language::German;
    w.recovery.set_password(german).await.unwrap();
    let notice = w.emails().await.pop().expect("the notice");
    assert_eq!(notice.subject, "Ihr Passwort für Example wurde geändert");
    assert!(notice.text.contains(" um "), "a German date: {}", notice.text);

    // A phone-only account: the code and the notice by SMS.
    let lookup = AccountLookup::parse("+4915112345671").unwrap();
    w.recovery.request_reset(&lookup, asking_in(Language::German)).await.unwrap();
    let code = w.texts().await.pop().expect("the code");
    assert!(code.text.contains("Geben Sie ihn nicht weiter"), "{}", code.text);

    // A bare address asks in English.
    let lookup = AccountLookup::parse("ivan@example.com").unwrap();
    w.clock.advance(3600);
    w.recovery.request_reset(&lookup, IP).await.unwrap();
    let email = w.emails().await.pop().expect("the link");
    assert_eq!(email.subject, "Reset your Example password");
}

#[tokio::test]
async fn an_invitation_and_an_administrators_link_speak_the_locale_given() {
    let w = World::new();
    let answer = recovery_edges::admin_event::handle(
        &w.recovery,
        &serde_json::json!({
            "action": "invite_user", "login": "jana", "email": "jana@example.com",
            "locale": "ru-RU", "requested_by": "root",
        }),
        "arn:aws:iam::123456789012:user/root",
        "req-1",
    )
    .await;
    assert_eq!(answer["status"], "invited", "{answer}");
    let email = w.emails().await.pop().expect("the invitation");
    assert_eq!(email.subject, "Ваша учётная запись Example");
    assert!(email.text.contains("Логин: jana"), "{}", email.text);
    // Without a locale, an administrator's message is English.
    let answer = recovery_edges::admin_event::handle(
        &w.recovery,
        &serde_json::json!({
            "action": "invite_user", "login": "jan", "email": "jan@example.com",
            "requested_by": "root",
        }),
        "arn:aws:iam::123456789012:user/root",
        "req-2",
    )
    .await;
    assert_eq!(answer["status"], "invited", "{answer}");
    assert_eq!(w.emails().await.pop().unwrap().subject, "Your Example account");
}
