//! The administrator's actions through their JSON event over the in-memory
//! ports (the same actions run against moto through the function in the
//! system tests).

use recovery_core::flows::{PasswordChange, SetPasswordError, VerifyCodeError};
use recovery_core::ports::UserStore;
use recovery_domain::{AccountLookup, Language, LoginName, PasswordHasher, PhoneNumber};
use recovery_edges::admin_event;
use recovery_testing::{World, token_from};
use secrecy::SecretString;
use serde_json::{Value, json};

fn world() -> World {
    World::new()
}

trait Admin {
    async fn run(&self, event: Value) -> Value;
    async fn last_link_token(&self) -> String;
    async fn set_via_link(&self, token: &str, password: &str) -> Result<(), SetPasswordError>;
}

impl Admin for World {
    async fn run(&self, event: Value) -> Value {
        self.clock.advance(1);
        admin_event::handle(&self.recovery, &event, "arn:aws:iam::123456789012:user/root", "req")
            .await
    }

    async fn last_link_token(&self) -> String {
        let email = self.emails().await.pop().expect("an email");
        token_from(&email.text).expect("a link")
    }

    async fn set_via_link(&self, token: &str, password: &str) -> Result<(), SetPasswordError> {
        self.recovery
            .set_password(PasswordChange {
                token: token.into(),
                login: None,
                password: SecretString::from(password.to_owned()),
                confirmation: SecretString::from(password.to_owned()),
                language: Language::English,
                workspace: None,
            })
            .await
            .map(|_| ())
    }
}

#[tokio::test]
async fn an_invitation_link_lasts_a_day_and_sets_the_first_password() {
    let w = world();
    let invited = w
        .run(json!({ "action": "invite_user", "login": "new.user", "email": "new@example.com", "requested_by": "root" }))
        .await;
    assert_eq!(invited["status"], "invited", "{invited}");
    let token = w.last_link_token().await;
    w.clock.advance(86_399);
    w.set_via_link(&token, "first passphrase 1").await.unwrap();
    let user =
        w.store.find_by_login(&LoginName::parse("new.user").unwrap()).await.unwrap().unwrap();
    assert!(PasswordHasher::owasp().verify("first passphrase 1", &user.password_hash.unwrap()));

    w.run(json!({ "action": "send_recovery_link", "login": "new.user", "channel": "email", "requested_by": "root" }))
        .await;
    let token = w.last_link_token().await;
    w.clock.advance(86_400);
    assert!(matches!(
        w.set_via_link(&token, "late passphrase 2").await,
        Err(SetPasswordError::InvalidToken)
    ));
}

#[tokio::test]
async fn a_direct_password_kills_links_and_codes() {
    let w = world();
    w.run(json!({ "action": "invite_user", "login": "ada", "email": "ada@example.com", "phone": "+4915100000001", "requested_by": "root" }))
        .await;
    let link = w.last_link_token().await;
    w.recovery
        .request_reset(&AccountLookup::parse("+4915100000001").unwrap(), "192.0.2.1")
        .await
        .unwrap();
    let code = w.texts().await.pop().unwrap().text[..6].to_owned();
    let changed = w
        .run(json!({ "action": "set_password", "login": "ada@example.com", "password": "admin chosen 1", "password_confirmation": "admin chosen 1", "requested_by": "root" }))
        .await;
    assert_eq!(changed, json!({ "status": "password_changed" }));
    assert!(matches!(
        w.set_via_link(&link, "too late passphrase").await,
        Err(SetPasswordError::InvalidToken)
    ));
    let phone = PhoneNumber::parse("+4915100000001").unwrap();
    assert!(matches!(
        w.recovery.verify_code(&phone, &code).await,
        Err(VerifyCodeError::InvalidCode)
    ));
    assert!(w.emails().await.pop().unwrap().text.contains("by an administrator"));
}

#[tokio::test]
async fn the_audit_records_failures_and_never_a_secret() {
    let w = world();
    w.run(json!({ "action": "invite_user", "login": "ada", "email": "ada@example.com", "requested_by": "root" }))
        .await;
    let mismatch = w
        .run(json!({ "action": "set_password", "login": "ada", "password": "secret one 111", "password_confirmation": "secret two 222", "requested_by": "root" }))
        .await;
    assert_eq!(mismatch["error"], "password_mismatch");
    let sms = w
        .run(json!({ "action": "send_recovery_link", "login": "ada", "channel": "sms", "requested_by": "helpdesk" }))
        .await;
    assert_eq!(sms["error"], "no_phone_on_record");
    let bad = w
        .run(json!({ "action": "send_recovery_link", "login": "ada", "requested_by": "helpdesk" }))
        .await;
    assert!(bad["message"].as_str().unwrap().contains("channel"));
    let nobody = w.run(json!({ "action": "set_password", "requested_by": "x" })).await;
    assert_eq!(nobody["error"], "invalid_event");

    let listed =
        w.run(json!({ "action": "list_audit", "login": "ada", "requested_by": "root" })).await;
    let outcomes: Vec<(&str, &str)> = listed["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["action"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("send_recovery_link", "invalid_event"),
            ("send_recovery_link", "no_phone_on_record"),
            ("set_password", "password_mismatch"),
            ("invite_user", "ok"),
        ]
    );
    let text = listed.to_string();
    assert!(!text.contains("secret one") && !text.contains("secret two"));
    assert!(!text.contains(&w.last_link_token().await));
}

/// Every action the audit trail names is an action of the event, and the
/// event has no other.
#[tokio::test]
async fn the_event_has_exactly_the_audited_actions() {
    use recovery_core::flows::AdminAction;
    use strum::VariantArray;
    let w = world();
    for action in AdminAction::VARIANTS {
        let answer = w.run(json!({ "action": action.name(), "requested_by": "root" })).await;
        if *action == AdminAction::ListWorkspaces {
            // Its fields are all optional.
            assert_eq!(answer["workspaces"], json!([]), "{answer}");
            continue;
        }
        if *action == AdminAction::ListSmsSuspensions {
            // It has none.
            assert_eq!(answer["suspensions"], json!([]), "{answer}");
            continue;
        }
        if *action == AdminAction::RecoveryStats {
            // Its fields are optional: today, nothing counted yet.
            assert_eq!(answer["stats"]["ways"]["email_link"]["requested"], 0, "{answer}");
            continue;
        }
        let message = answer["message"].as_str().unwrap();
        assert!(message.starts_with("missing field"), "{}: {answer}", action.name());
    }
    let unknown = w.run(json!({ "action": "reboot", "requested_by": "root" })).await;
    let expected = AdminAction::VARIANTS.iter().map(|a| format!("`{}`", a.name()));
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .ends_with(&format!("expected one of {}.", expected.collect::<Vec<_>>().join(", "))),
        "{unknown}"
    );
}

/// The codes the answers and the audit trail use: the variant's name, but
/// a failed dependency, which is the HTTP API's `service_unavailable` too.
#[test]
fn each_failure_has_its_code() {
    use recovery_core::flows::AdminError;
    assert_eq!(AdminError::UserNotFound.code(), "user_not_found");
    assert_eq!(AdminError::SocialAccount { provider: "Google".into() }.code(), "social_account");
    assert_eq!(AdminError::NoWayToRecover.code(), "no_way_to_recover");
    assert_eq!(AdminError::Unavailable.code(), "service_unavailable");
}
