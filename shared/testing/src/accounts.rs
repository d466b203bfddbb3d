//! The world most flow tests run in: the flows on in-memory parts, with
//! three accounts, and the steps those tests repeat.

use crate::{TestAccount, World, token_from};
use recovery_core::flows::{PasswordChange, ResetRequestOutcome};
use recovery_core::settings::RecoverySettings;
use recovery_domain::{AccountLookup, Language, PhoneNumber};
use secrecy::SecretString;

pub const IP: &str = "203.0.113.7";

/// `+49151` and `n` in eight digits.
pub fn phone(n: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+49151{n:08}")).unwrap()
}

/// The in-memory world with `ada` (a password), `grace` (Google) and
/// `linus` (disabled), each with `<login>@example.com` and the numbers 1 to
/// 3.
pub async fn world() -> World {
    world_with(crate::settings()).await
}

/// As [`world`], with `settings`.
pub async fn world_with(settings: RecoverySettings) -> World {
    let w = World::with_settings(settings);
    for (n, account) in [
        TestAccount::new("ada").password("old password 1"),
        TestAccount::new("grace").provider("Google"),
        TestAccount::new("linus").password("old password 1").disabled(),
    ]
    .into_iter()
    .enumerate()
    {
        let login = ["ada", "grace", "linus"][n];
        account
            .email(&format!("{login}@example.com"))
            .phone(phone(n as u32 + 1).as_e164())
            .create_in(&*w.store)
            .await;
    }
    w
}

/// The token in the last email (after delivering what is waiting).
pub async fn token_in(w: &World) -> String {
    let email = w.emails().await.pop().expect("an email");
    token_from(&email.text).expect("a link")
}

/// The code in the last SMS (after delivering what is waiting).
pub async fn code_in(w: &World) -> String {
    let sms = w.texts().await.pop().expect("an SMS");
    sms.text[..6].to_owned()
}

pub fn change(token: &str, password: &str, confirmation: &str) -> PasswordChange {
    PasswordChange {
        token: token.into(),
        login: None,
        password: SecretString::from(password.to_owned()),
        confirmation: SecretString::from(confirmation.to_owned()),
        language: Language::English,
        workspace: None,
    }
}

pub async fn request(world: &World, login: &str) -> ResetRequestOutcome {
    world.recovery.request_reset(&AccountLookup::parse(login).unwrap(), IP).await.unwrap()
}
