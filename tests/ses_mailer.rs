//! The SES adapter through the real SDK against the moto emulator.

use password_recovery::account::EmailAddress;
use password_recovery::aws::SesMailer;
use password_recovery::email;
use password_recovery::ports::Mailer;
use system_tests::*;

#[tokio::test(flavor = "multi_thread")]
async fn sends_html_and_text_from_the_configured_sender() {
    let sdk = sdk_config().await;
    let sender = format!("{}@recovery.test", unique("sender"));
    verified_sender(&sdk, &sender).await;
    let to = format!("{}@recovery.test", unique("to"));
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), sender.clone());
    let link = "https://recovery.test/password/reset?token=abcDEF_-123";
    let message = email::reset_link(
        "Recovery Test",
        &EmailAddress::parse(&to).unwrap(),
        "ada",
        link,
        3600,
    )
    .unwrap();
    mailer.send(message).await.expect("SES accepts the email");

    let sent = emails_to(&to);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].from, sender);
    assert_eq!(sent[0].subject, "Reset your Recovery Test password");
    assert_eq!(
        sent[0]
            .link_starting_with("https://recovery.test/")
            .as_deref(),
        Some(link)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unverified_sender_is_a_typed_failure_without_the_message() {
    let sdk = sdk_config().await;
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&sdk),
        format!("{}@unverified.test", unique("nobody")),
    );
    let to = format!("{}@recovery.test", unique("to"));
    let message = email::reset_link(
        "Recovery Test",
        &EmailAddress::parse(&to).unwrap(),
        "ada",
        "https://recovery.test/password/reset?token=secretTOKEN",
        3600,
    )
    .unwrap();
    let err = mailer.send(message).await.unwrap_err();
    assert_eq!(err.operation, "send_email");
    assert_eq!(err.code, "MessageRejected");
    assert!(!err.to_string().contains("secretTOKEN"));
    assert!(emails_to(&to).is_empty());
}
