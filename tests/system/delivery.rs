//! The delivery stage, black box: the functions under `cargo lambda watch`
//! put every message in the outbox, the stream poller (Lambda's part) hands
//! it to `deliver`, which sends it through SES or SNS on the emulator. An
//! SES outage delays a message and loses none; what fails past the retries
//! is described in the dead-letter queue; a record handed over twice sends
//! once; nothing in the table, the stream or the logs holds a secret in
//! clear.

use recovery_core::ports::{MessageRef, OutboxItem, OutboxStore};
use recovery_domain::PhoneNumber;
use recovery_messages::{Channel, Message, MessageKind, OutgoingSms};
use recovery_testing::token_from;
use serde_json::{Value, json};
use system_tests::*;

/// The functions with a sender of their own (so removing it disturbs no
/// other test) and the stream polled with short retries.
fn functions_with_own_sender(max_retries: u32, retry_delay: f64) -> Functions {
    let sender = format!("{}@recovery.test", unique("sender"));
    Functions::start_with(&[("MAIL_FROM", &sender)], Stream::Polled { max_retries, retry_delay })
}

async fn remove_sender(address: &str) {
    let sdk = sdk_config().await;
    aws_sdk_sesv2::Client::new(&sdk)
        .delete_email_identity()
        .email_identity(address)
        .send()
        .await
        .expect("delete the SES identity");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ses_outage_delays_the_email_and_loses_none() {
    let f = functions_with_own_sender(40, 0.25);
    let login = unique("outage");
    let address = format!("{login}@recovery.test");
    create(&f.table, account(&login).password("the old password 1")).await;
    remove_sender(&f.sender).await;

    // The request answers with no sender at all: it waits on none (it
    // links no SES client, the suite's `tidy`; its time is `make bench`'s).
    let answer = post_json(&f.forgot_url(), &json!({ "login": login }));
    assert_eq!(answer.status, 202);
    eventually("a failed delivery", 30, || f.stream_status()["retries"].as_u64().unwrap_or(0) >= 2);
    let data =
        http("GET", &format!("{}/moto-api/data.json?services=ses", emulator().endpoint), &[], b"")
            .text();
    assert!(!data.contains(&address), "no email went out during the outage");

    verified_sender(&sdk_config().await, &f.sender).await;
    eventually("the delayed email", 60, || !emails_to(&address).is_empty());
    let emails = emails_to(&address);
    assert_eq!(emails.len(), 1, "sent once");
    assert_eq!(emails[0].from, f.sender);
    let link = emails[0].link_starting_with(RESET_PAGE_URL).expect("a link");
    let token = token_from(&link).unwrap();
    let changed = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "a new passphrase 3", "password_confirmation": "a new passphrase 3" }),
    );
    assert_eq!(changed.status, 200, "the delayed link works");
    assert!(f.stream_status()["dead_lettered"].as_u64() == Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_that_keeps_failing_lands_in_the_dead_letter_queue_without_a_secret() {
    let f = functions_with_own_sender(2, 0.1);
    let login = unique("dead");
    let address = format!("{login}@recovery.test");
    create(&f.table, account(&login).password("the old password 1")).await;
    remove_sender(&f.sender).await;
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    eventually("a dead letter", 60, || !queue_messages(&f.dead_letter_queue).is_empty());
    let letters = queue_messages(&f.dead_letter_queue);
    assert_eq!(letters.len(), 1);
    let info = &letters[0]["DDBStreamBatchInfo"];
    assert_eq!(info["batchSize"], 1);
    assert!(info["startSequenceNumber"].is_string());
    assert_eq!(letters[0]["requestContext"]["condition"], "RetryAttemptsExhausted");
    let text = letters[0].to_string();
    assert!(!text.contains(&address) && !text.contains("token"), "{text}");

    // The message stays in the table, sealed, marked failed with the reason.
    let pending = pending_messages(&f.table).await;
    assert_eq!(pending.len(), 1);
    let scanned = scan_text(&f.table).await;
    assert!(scanned.contains("MessageRejected"), "the last error is kept");
    assert!(!scanned.contains("token="), "the link is sealed");
    assert!(emails_to(&address).is_empty());
}

/// Every item of `table`, as text.
async fn scan_text(table: &str) -> String {
    let items = table_items(table).await;
    items.iter().map(Value::to_string).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_handed_over_twice_sends_one_email_and_nothing_is_stored_in_clear() {
    let f = Functions::start_with(&[], Stream::Off);
    let login = unique("twice");
    let address = format!("{login}@recovery.test");
    let phone = unique_phone();
    create(&f.table, account(&login).phone(&phone).password("the old password 1")).await;
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": phone })).status, 202);
    let items = pending_messages(&f.table).await;
    assert_eq!(items.len(), 2, "the link and the code wait in the outbox");
    let scanned = scan_text(&f.table).await;
    assert!(!scanned.contains("token="), "the link is sealed");

    let images: Vec<(String, Value)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (format!("{}", 100 + i), recovery_aws::outbox_stream_image(item)))
        .collect();
    let answer = f.invoke_deliver(&stream_event(&images));
    assert_eq!(answer, json!({ "batchItemFailures": [] }));
    let again = f.invoke_deliver(&stream_event(&[images[0].clone(), images[0].clone()]));
    assert_eq!(again, json!({ "batchItemFailures": [] }));
    assert_eq!(emails_to(&address).len(), 1, "one email however often handed over");
    let texts = texts_to(&phone);
    assert_eq!(texts.len(), 1);
    let code = texts[0][..6].to_owned();

    // Sent messages keep no payload; the code is not in the table or logs.
    assert!(pending_messages(&f.table).await.is_empty());
    let scanned = scan_text(&f.table).await;
    assert!(!scanned.contains(&format!("\"{code}\"")), "the code is in the table");
    let token =
        token_from(&emails_to(&address)[0].link_starting_with(RESET_PAGE_URL).unwrap()).unwrap();
    assert!(!scanned.contains(&token));
    let logs = f.logs();
    assert!(!logs.contains(&token), "the token is in the logs");
    assert!(!logs.contains(&format!("{code} ")), "the code is in the logs");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_only_account_gets_the_password_changed_sms() {
    let f = functions();
    let login = unique("phoneonly");
    let phone = unique_phone();
    create(
        &f.table,
        recovery_testing::TestAccount::new(&login).phone(&phone).password("the old password 1"),
    )
    .await;
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": phone })).status, 202);
    let code = texts_to(&phone).pop().expect("a code")[..6].to_owned();
    let accepted = post_json(&f.code_url(), &json!({ "phone": phone, "code": code }));
    assert_eq!(accepted.status, 200);
    let token = accepted.json()["reset_token"].as_str().unwrap().to_owned();
    let changed = post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": "a new passphrase 4", "password_confirmation": "a new passphrase 4" }),
    );
    assert_eq!(changed.status, 200);
    let texts = texts_to(&phone);
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[1].to_lowercase().contains("password"), "{}", texts[1]);
    assert!(!texts[1].contains("a new passphrase"));
}

#[tokio::test(flavor = "multi_thread")]
async fn what_ses_reports_is_recorded_and_shown_to_the_administrator() {
    let f = functions();
    let login = unique("bounced");
    let address = format!("{login}@recovery.test");
    let user = create(&f.table, account(&login).password("the old password 1")).await;
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    assert_eq!(emails_to(&address).len(), 1);
    let list = json!({ "action": "list_messages", "login": login, "requested_by": "ops" });
    let listed = f.invoke_admin(&list);
    assert_eq!(listed["email"]["status"], "ok", "{listed}");
    let message = listed["messages"][0].clone();
    assert_eq!(message["delivery"], "sent", "{listed}");
    assert_eq!(message["holds_payload"], false);
    let provider_id = message["provider_id"].as_str().expect("SES's id").to_owned();
    let reference = MessageRef {
        user_id: user.id.clone(),
        key: message["message"].as_str().unwrap().to_owned(),
        kind: Some(recovery_messages::MessageKind::ResetLink),
    };

    let delivered = ses_notification("delivery", &reference, &provider_id, &address);
    assert_eq!(f.invoke_deliver(&delivered), json!({ "recorded": 1 }));
    let listed = f.invoke_admin(&list);
    assert_eq!(listed["messages"][0]["feedback"], "delivered", "{listed}");
    assert_eq!(listed["messages"][0]["feedback_detail"], "250 2.6.0 Message received");

    let bounced = ses_notification("bounce", &reference, &provider_id, &address);
    assert_eq!(f.invoke_deliver(&bounced), json!({ "recorded": 1 }));
    let listed = f.invoke_admin(&list);
    assert_eq!(listed["messages"][0]["feedback"], "bounced", "{listed}");
    assert_eq!(listed["email"]["status"], "bounced");
    assert!(!listed.to_string().contains(&address), "no address shown");

    // The same report under another message id is not this email's.
    let forged = ses_notification("complaint", &reference, "another-id", &address);
    f.invoke_deliver(&forged);
    let listed = f.invoke_admin(&list);
    assert_eq!(listed["messages"][0]["feedback"], "bounced");
}

/// A message written into the outbox by hand, beside the service's own.
fn handmade(
    account: &recovery_domain::UserAccount,
    channel: Channel,
    sealed: Vec<u8>,
) -> OutboxItem {
    let now = recovery_domain::Clock::now(&recovery_domain::SystemClock);
    let key = OutboxItem::new_key(now.epoch_seconds() * 1000, &recovery_domain::OsRandom).unwrap();
    let kind = match channel {
        Channel::Sms => MessageKind::Code,
        _ => MessageKind::ResetLink,
    };
    let send_before = now.plus_seconds(600);
    OutboxItem {
        user_id: account.id.clone(),
        key,
        channel,
        kind,
        created_at: now,
        send_before,
        sealed,
        carries: None,
        workspace: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_that_can_never_go_out_are_recorded_refused_and_hold_up_no_one() {
    let f = Functions::start_with(&[], Stream::Polled { max_retries: 3, retry_delay: 0.5 });
    let login = unique("isolated");
    let address = format!("{login}@recovery.test");
    let phone = unique_phone();
    let someone =
        create(&f.table, account(&login).phone(&phone).password("the old password 1")).await;
    let store = recovery_aws::DynamoDbStore::from_sdk(&sdk_config().await, &f.table);

    // First on the stream: an email whose payload never opens, and a text
    // SNS refuses (longer than it takes), sealed as the service seals.
    let seal = |item: &OutboxItem, message: Message| {
        let key = recovery_testing::outbox_key();
        key.seal(&item.id(), &message.encode(), &recovery_domain::OsRandom).unwrap()
    };
    let mut poison = handmade(&someone, Channel::Email, Vec::new());
    let to = PhoneNumber::from_stored(&phone).unwrap();
    poison.sealed = seal(&poison, Message::Sms(OutgoingSms { to: to.clone(), text: "hi".into() }));
    *poison.sealed.last_mut().unwrap() ^= 1;
    let mut refused = handmade(&someone, Channel::Sms, Vec::new());
    refused.sealed = seal(&refused, Message::Sms(OutgoingSms { to, text: "x".repeat(1700) }));
    for item in [&poison, &refused] {
        store.enqueue(item).await.unwrap();
    }
    // Then the healthy ones: a link and a code.
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": phone })).status, 202);
    f.settle();
    assert_eq!(emails_to(&address).len(), 1, "the link went out");
    assert_eq!(texts_to(&phone).len(), 1, "the code went out");
    let status = f.stream_status();
    assert_eq!(status["retries"], 0, "nothing was handed back: {status}");
    assert_eq!(status["dead_lettered"], 0, "{status}");

    let listed = store.messages(&someone.id, 10).await.unwrap();
    let state = |key: &str| {
        let m = listed.iter().find(|m| m.key == key).expect("listed");
        (m.delivery.clone(), m.last_error.clone(), m.holds_payload)
    };
    assert_eq!(state(&poison.key), ("refused".into(), Some("Unsealable".into()), false));
    assert_eq!(state(&refused.key), ("refused".into(), Some("InvalidParameter".into()), false));
    assert!(f.logs().contains("message refused; recorded failed, not retried"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sms_outage_delays_no_email_and_loses_no_text() {
    let f = Functions::start_with(&[], Stream::Polled { max_retries: 200, retry_delay: 0.1 });
    let texted = unique("texted");
    let phone = unique_phone();
    create(&f.table, account(&texted).phone(&phone).password("the old password 1")).await;
    let mailed = unique("mailed");
    let address = format!("{mailed}@recovery.test");
    create(&f.table, account(&mailed).password("the old password 1")).await;

    // The text is on the stream first and keeps failing ...
    sms_outage(&phone, true);
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": phone })).status, 202);
    eventually("the text handed back", 30, || {
        f.stream_status()["retries"].as_u64().unwrap_or(0) >= 2
    });
    // ... while the email behind it goes out on its own path.
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": mailed })).status, 202);
    eventually("the email", 30, || !emails_to(&address).is_empty());
    assert!(texts_to(&phone).is_empty(), "the outage goes on");
    assert_eq!(f.stream_status()["retrying"], true);

    sms_outage(&phone, false);
    eventually("the text after the outage", 60, || texts_to(&phone).len() == 1);
    assert_eq!(f.stream_status()["dead_lettered"], 0);
}
