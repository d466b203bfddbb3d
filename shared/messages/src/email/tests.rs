use super::*;
use crate::Texts;
use recovery_domain::Language;

fn to() -> EmailAddress {
    EmailAddress::parse("ada@example.com").unwrap()
}

fn example(language: Language) -> Context<'static> {
    Context {
        service_name: "Example",
        login: "ada",
        login_url: "https://app.example.com/login",
        t: Texts::new(language),
    }
}

const LINK: &str = "https://id.example.com/password/reset?token=abc_DEF-123";

#[test]
fn the_reset_email_has_the_link_in_both_parts() {
    let email = reset_link(&to(), &example(Language::English), LINK, 3600).unwrap();
    assert_eq!(email.subject, "Reset your Example password");
    assert!(email.html.contains(&format!("href=\"{LINK}\"")));
    assert!(email.html.contains(">Change password</a>"));
    assert!(email.html.contains("<html lang=\"en\">"));
    assert!(email.text.contains(&format!("Change password: {LINK}")));
    assert!(email.text.contains("The link works once and expires in one hour."));
    assert!(email.text.contains("the account “ada”"));
    assert!(email.text.trim_end().ends_with("\n-- \nExample"), "{}", email.text);
    assert!(!format!("{email:?}").contains("abc_DEF"));
}

#[test]
fn every_email_speaks_the_language_it_is_given() {
    let at = Timestamp::from_epoch_seconds(0);
    for (language, subject, expires, when) in [
        (
            Language::German,
            "Ihr Passwort für Example zurücksetzen",
            "läuft in einer Stunde ab",
            "am 1. Januar 1970 um 00:00 UTC geändert",
        ),
        (
            Language::Russian,
            "Сброс пароля Example",
            "истекает через 1 час",
            "изменён 1 января 1970 г., 00:00 UTC",
        ),
    ] {
        let context = example(language);
        let email = reset_link(&to(), &context, LINK, 3600).unwrap();
        assert_eq!(email.subject, subject);
        assert!(email.text.contains(expires), "{}", email.text);
        assert!(email.html.contains(&format!("<html lang=\"{}\">", language.code())));
        let changed = password_changed(&to(), &context, at, false, None).unwrap();
        assert!(changed.text.contains(when), "{}", changed.text);
        let all = [
            email,
            changed,
            provider_account(&to(), &context, "Google").unwrap(),
            admin_link(&to(), &context, LINK, 86_400).unwrap(),
            invitation(&to(), &context, LINK, 86_400).unwrap(),
            login_reminder(&to(), &context, None).unwrap(),
        ];
        for email in all {
            for part in [&email.subject, &email.html, &email.text] {
                assert!(!part.contains("Your password"), "English in {part}");
                assert!(!part.contains("{"), "a placeable left in {part}");
                assert!(!part.contains("mail-"), "a message id left in {part}");
            }
        }
    }
}

#[test]
fn html_parts_escape_what_they_show() {
    let email = provider_account(&to(), &example(Language::English), "<Evil & Co>").unwrap();
    assert!(
        email.html.contains("&#60;Evil &#38; Co&#62;")
            || email.html.contains("&lt;Evil &amp; Co&gt;")
    );
    assert!(!email.html.contains("<Evil"));
    assert!(email.text.contains("<Evil & Co>"));
}

#[test]
fn the_provider_email_names_the_provider_and_has_no_link() {
    let email = provider_account(&to(), &example(Language::English), "Google").unwrap();
    assert_eq!(email.subject, "About resetting your Example password");
    assert!(email.text.contains("reset your password with Google"));
    assert!(!email.html.contains("href"));
}

#[test]
fn the_changed_email_says_when_and_offers_the_lock_not_a_sign_in() {
    let at = Timestamp::from_epoch_seconds(1_796_282_700);
    let context = example(Language::English);
    let email = password_changed(&to(), &context, at, false, None).unwrap();
    assert!(email.text.contains("was changed on December 3, 2026 at 07:25 UTC."), "{}", email.text);
    assert!(email.text.contains("reset your password at once"));
    assert!(!email.html.contains("href"));
    let by_admin = password_changed(&to(), &context, at, true, None).unwrap();
    assert!(by_admin.text.contains("changed by an administrator on"));
    let lock = "https://id.example.com/password/not-me?token=l0ck";
    let email = password_changed(&to(), &context, at, false, Some((lock, 604_800))).unwrap();
    assert!(email.html.contains(&format!("href=\"{lock}\"")));
    assert!(email.text.contains(&format!("This was not me: {lock}")));
    assert!(email.text.contains("expires in 7 days") || email.text.contains("168 hours"));
    assert!(!email.html.contains("/login"));
}

#[test]
fn admin_emails_carry_the_registration_details_and_the_link() {
    let context = example(Language::English);
    for email in [
        admin_link(&to(), &context, LINK, 86_400).unwrap(),
        invitation(&to(), &context, LINK, 86_400).unwrap(),
    ] {
        for part in [&email.html, &email.text] {
            assert!(part.contains("ada"));
            assert!(part.contains("https://app.example.com/login"));
            assert!(part.contains(LINK));
            assert!(part.contains("24 hours"));
        }
    }
}

#[test]
fn the_login_reminder_names_the_login_and_how_it_signs_in() {
    let context = example(Language::English);
    let email = login_reminder(&to(), &context, None).unwrap();
    assert_eq!(email.subject, "Your Example login");
    assert!(email.text.contains("Login: ada"));
    assert!(email.text.contains("Signs in with: a password"));
    assert!(email.text.contains("Sign in: https://app.example.com/login"));
    assert!(!email.text.contains("token"));
    let social = login_reminder(&to(), &context, Some("Google")).unwrap();
    assert!(social.text.contains("Signs in with: Google"));
}
