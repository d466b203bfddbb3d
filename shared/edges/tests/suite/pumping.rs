//! SMS pumping: per country, the share of the codes sent that are entered.
//! A country with enough codes and too few of them entered is suspended
//! (audited, logged for the alarm) while other countries' texts still go;
//! an administrator lists and lifts the suspension.

use recovery_core::flows::{Caller, Delivered, Delivery};
use recovery_core::ports::AuditLog;
use recovery_domain::{AccountLookup, Language, PhoneNumber, PumpingPolicy, SmsPolicy};
use recovery_edges::admin_event;
use recovery_testing::accounts::world;
use recovery_testing::{TestAccount, World};
use serde_json::json;

const ROOT: &str = "arn:aws:iam::123456789012:user/root";

/// `w`'s delivery, suspending a country after 10 codes with under 20%
/// entered, for an hour.
fn watching(w: &World) -> Delivery {
    let pumping = PumpingPolicy { min_codes: 10, min_entered_percent: 20, suspend_seconds: 3600 };
    Delivery { sms: SmsPolicy { pumping, ..Default::default() }, ..w.delivery.clone() }
}

/// A code to `number` (an account's), delivered: what became of it.
async fn code_to(w: &World, delivery: &Delivery, number: &str) -> Delivered {
    let phone = PhoneNumber::parse(number).unwrap();
    // Each from an address of its own: bots call from many.
    let from =
        format!("198.51.{}.{}", number.len(), &number[number.len() - 3..].trim_start_matches('0'));
    let caller =
        Caller { source_ip: &from, language: Language::English, workspace: None, proof: None };
    w.recovery.request_reset(&AccountLookup::Phone(phone), caller).await.unwrap();
    let item = w.store.take_new_messages().pop().expect("a code in the outbox");
    // Past the ten seconds an instance waits between looks at a country.
    w.clock.advance(11);
    delivery.deliver(&item).await.expect("nothing handed back")
}

async fn accounts(w: &World, prefix: &str, count: u32) -> Vec<String> {
    let mut numbers = Vec::new();
    for n in 0..count {
        let number = format!("{prefix}{n:03}");
        let login = format!("p{}", number.trim_start_matches('+'));
        TestAccount::new(&login).phone(&number).create_in(&*w.store).await;
        numbers.push(number);
    }
    numbers
}

#[tokio::test]
async fn a_country_whose_codes_are_not_entered_is_suspended_while_others_still_get_theirs() {
    let w = world().await;
    let delivery = watching(&w);
    let british = accounts(&w, "+447400123", 12).await;
    let german = accounts(&w, "+4915112345", 12).await;
    // Germans enter their codes; the British numbers never do.
    let mut outcomes = Vec::new();
    for (uk, de) in british.iter().zip(&german) {
        outcomes.push(code_to(&w, &delivery, uk).await);
        assert!(matches!(code_to(&w, &delivery, de).await, Delivered::Sent { .. }));
        let code = w.sms.sent().last().unwrap().text[..6].to_owned();
        let phone = PhoneNumber::parse(de).unwrap();
        w.recovery.verify_code(&phone, &code).await.expect("the German code is right");
    }
    let sent = outcomes.iter().filter(|o| matches!(o, Delivered::Sent { .. })).count();
    assert_eq!(sent, 10, "the tenth code sent made the volume; then the country stopped");
    assert_eq!(outcomes[10], Delivered::Refused { reason: "CountrySuspended".into() });
    assert_eq!(outcomes[11], Delivered::Refused { reason: "CountrySuspended".into() });
    // The suspension is audited, by the service.
    let records = w.store.list("SMS#+44", 10).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].action.as_str(), records[0].caller.as_str()),
        ("suspend_sms_country", "service:deliver")
    );
    assert_eq!(
        records[0].detail.as_deref().map(|d| d.starts_with("0 of 10 codes entered")),
        Some(true)
    );

    // The administrator lists it, lifts it (audited), and texts go again.
    w.clock.advance(1);
    let listed =
        admin_event::handle(&w.recovery, &json!({ "action": "list_sms_suspensions" }), ROOT, "r1")
            .await;
    assert_eq!(listed["suspensions"][0]["on"], "+44", "{listed}");
    assert_eq!(listed["suspensions"][0]["reason"], "pumping");
    assert_eq!(listed["suspensions"][0]["live"], true);
    assert_eq!(listed["suspensions"].as_array().unwrap().len(), 1, "Germany was never held");
    w.clock.advance(1);
    let lift = json!({ "action": "lift_sms_suspension", "on": "+44" });
    let lifted = admin_event::handle(&w.recovery, &lift, ROOT, "r2").await;
    assert_eq!(lifted["status"], "suspension_lifted", "{lifted}");
    w.clock.advance(1);
    let again = admin_event::handle(&w.recovery, &lift, ROOT, "r3").await;
    assert_eq!(again["error"], "suspension_not_found", "{again}");
    let actions: Vec<String> =
        w.store.list("SMS#+44", 10).await.unwrap().into_iter().map(|r| r.action).collect();
    assert!(actions.contains(&"lift_sms_suspension".to_owned()), "{actions:?}");
    let british = accounts(&w, "+447400124", 1).await;
    assert!(matches!(code_to(&w, &delivery, &british[0]).await, Delivered::Sent { .. }));
}

#[tokio::test]
async fn only_the_deployments_administrators_hold_and_lift_texts() {
    let w = world().await;
    let scope = json!({ "action": "set_admin_scope", "principal": "arn:aws:iam::123456789012:role/acme", "workspaces": [] });
    assert!(admin_event::handle(&w.recovery, &scope, ROOT, "r1").await.get("error").is_none());
    w.clock.advance(1);
    let caller = "arn:aws:sts::123456789012:assumed-role/acme/session";
    let listed = admin_event::handle(
        &w.recovery,
        &json!({ "action": "list_sms_suspensions" }),
        caller,
        "r2",
    )
    .await;
    assert_eq!(listed["error"], "not_permitted", "{listed}");
    let bad = json!({ "action": "lift_sms_suspension", "on": "UK" });
    assert_eq!(admin_event::handle(&w.recovery, &bad, ROOT, "r3").await["error"], "invalid_event");
}
