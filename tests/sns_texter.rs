//! The SNS adapter through the real SDK against the moto emulator.

use std::sync::{Arc, Mutex};

use aws_sdk_sns::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_sns::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_sns::error::BoxError;
use password_recovery::account::PhoneNumber;
use password_recovery::aws::SnsTexter;
use password_recovery::code::SmsCode;
use password_recovery::ports::Texter;
use password_recovery::sms;
use system_tests::*;

/// Keeps the body of every request sent.
#[derive(Debug, Default, Clone)]
struct Bodies(Arc<Mutex<Vec<String>>>);

impl Intercept for Bodies {
    fn name(&self) -> &'static str {
        "Bodies"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.request().body().bytes().unwrap_or_default();
        self.0
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(body).into_owned());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn publishes_a_transactional_sms_with_the_sender_id() {
    let sdk = sdk_config().await;
    let bodies = Bodies::default();
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
    let sent = bodies.0.lock().unwrap().join("\n");
    assert!(sent.contains("Action=Publish"));
    assert!(sent.contains("AWS.SNS.SMS.SMSType"));
    assert!(sent.contains("Transactional"));
    assert!(sent.contains("AWS.SNS.SMS.SenderID"));
    assert!(sent.contains("Example"));
}
