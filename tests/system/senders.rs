//! The SES and SNS adapters through the real SDK against the moto emulator.

use recovery_aws::{SesMailer, SnsTexter};
use recovery_core::ports::{Mailer, MessageRef, Texter};
use recovery_domain::{EmailAddress, Language, PhoneNumber, SmsCode, UserId};
use recovery_messages::{Context, Texts, email, sms};
use system_tests::*;

const CONTEXT: Context<'static> = Context {
    service_name: "Recovery Test",
    login: "ada",
    login_url: LOGIN_URL,
    t: Texts { language: Language::English },
};

fn reference() -> MessageRef {
    MessageRef {
        user_id: UserId::from_stored("0123456789abcdef0123456789abcdef"),
        key: "1795978603123#00ff11ee22dd33cc".into(),
        kind: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sends_html_and_text_from_the_configured_sender() {
    let sdk = sdk_config().await;
    let sender = format!("{}@recovery.test", unique("sender"));
    verified_sender(&sdk, &sender).await;
    let to = format!("{}@recovery.test", unique("to"));
    let bodies = SentRequests::default();
    let client = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::config::Builder::from(&sdk).interceptor(bodies.clone()).build(),
    );
    configuration_set(&sdk).await;
    let mailer =
        SesMailer::new(client, sender.clone()).in_configuration_set(Some(CONFIGURATION_SET.into()));
    let link = "https://recovery.test/password/reset?token=abcDEF_-123";
    let message =
        email::reset_link(&EmailAddress::parse(&to).unwrap(), &CONTEXT, link, 3600).unwrap();
    let id = mailer.send(message, &reference()).await.expect("SES accepts the email");
    assert!(!id.is_empty(), "SES's message id");

    // In the configuration set, tagged with the outbox message, which SES
    // hands back with every event about the email.
    let request: serde_json::Value =
        serde_json::from_str(&bodies.take_bodies().concat()).expect("a JSON request");
    assert_eq!(request["ConfigurationSetName"], CONFIGURATION_SET);
    assert_eq!(
        request["EmailTags"],
        serde_json::json!([
            { "Name": "recovery-user", "Value": "0123456789abcdef0123456789abcdef" },
            { "Name": "recovery-message", "Value": "1795978603123-00ff11ee22dd33cc" },
        ])
    );

    let sent = emails_to(&to);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].from, sender);
    assert_eq!(sent[0].subject, "Reset your Recovery Test password");
    assert_eq!(sent[0].link_starting_with("https://recovery.test/").as_deref(), Some(link));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_configuration_set_that_does_not_exist_is_refused_as_ses_refuses_it() {
    let sdk = sdk_config().await;
    let sender = format!("{}@recovery.test", unique("sender"));
    verified_sender(&sdk, &sender).await;
    let to = format!("{}@recovery.test", unique("to"));
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), sender)
        .in_configuration_set(Some(unique("missing")));
    let message = email::reset_link(
        &EmailAddress::parse(&to).unwrap(),
        &CONTEXT,
        "https://recovery.test/x",
        3600,
    )
    .unwrap();
    let err = mailer.send(message, &reference()).await.unwrap_err();
    assert_eq!(err.code, "NotFoundException");
    assert!(emails_to(&to).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unverified_sender_is_a_typed_failure_without_the_message() {
    let sdk = sdk_config().await;
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&sdk),
        format!("{}@unverified.test", unique("nobody")),
    );
    let to = format!("{}@recovery.test", unique("to"));
    let link = "https://recovery.test/password/reset?token=secretTOKEN";
    let message =
        email::reset_link(&EmailAddress::parse(&to).unwrap(), &CONTEXT, link, 3600).unwrap();
    let err = mailer.send(message, &reference()).await.unwrap_err();
    assert_eq!(err.operation, "send_email");
    assert_eq!(err.code, "MessageRejected");
    assert!(!err.to_string().contains("secretTOKEN"));
    assert!(emails_to(&to).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn publishes_a_transactional_sms_with_the_sender_id() {
    let sdk = sdk_config().await;
    let bodies = SentRequests::default();
    let client = aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(&sdk).interceptor(bodies.clone()).build(),
    );
    let texter = SnsTexter::new(client, Some("Example".into()));
    let phone = unique_phone();
    let to = PhoneNumber::parse(&phone).unwrap();
    let message = sms::code(&to, &CONTEXT, &SmsCode::parse("402913").unwrap(), 60).unwrap();
    texter.send(message).await.expect("SNS accepts the message");

    assert_eq!(
        texts_to(&phone),
        ["402913 is your Recovery Test password recovery code. It expires in 60 seconds. \
          Do not share it: Recovery Test never asks you for it."]
    );
    let sent = bodies.take_bodies().join("\n");
    assert!(sent.contains("Action=Publish"));
    assert!(sent.contains("AWS.SNS.SMS.SMSType"));
    assert!(sent.contains("Transactional"));
    assert!(sent.contains("AWS.SNS.SMS.SenderID"));
    assert!(sent.contains("Example"));
}
