//! The SNS adapter through the real SDK against the moto emulator.

use password_recovery::account::PhoneNumber;
use password_recovery::aws::SnsTexter;
use password_recovery::code::SmsCode;
use password_recovery::ports::Texter;
use password_recovery::sms;
use system_tests::*;

#[tokio::test(flavor = "multi_thread")]
async fn publishes_a_transactional_sms_with_the_sender_id() {
    let sdk = sdk_config().await;
    let bodies = SentRequests::default();
    let client = aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(&sdk)
            .interceptor(bodies.clone())
            .build(),
    );
    let texter = SnsTexter::new(client, Some("Example".into()));
    let phone = unique_phone();
    let to = PhoneNumber::parse(&phone).unwrap();
    let message = sms::code(&to, &SmsCode::parse("402913").unwrap(), 60).unwrap();
    texter.send(message).await.expect("SNS accepts the message");

    assert_eq!(
        texts_to(&phone),
        ["402913 is your password recovery code. It expires in 60 seconds."]
    );
    let sent = bodies.take_bodies().join("\n");
    assert!(sent.contains("Action=Publish"));
    assert!(sent.contains("AWS.SNS.SMS.SMSType"));
    assert!(sent.contains("Transactional"));
    assert!(sent.contains("AWS.SNS.SMS.SenderID"));
    assert!(sent.contains("Example"));
}
