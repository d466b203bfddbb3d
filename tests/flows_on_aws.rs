//! The flows on the real adapters (DynamoDB and SES through the SDK, against
//! moto): how many DynamoDB calls each request makes, and that the number does
//! not grow with the table.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use password_recovery::account::AccountLookup;
use password_recovery::aws::{DynamoDbStore, SesMailer};
use password_recovery::clock::SystemClock;
use password_recovery::config::RecoverySettings;
use password_recovery::flows::{PasswordChange, Recovery, ResetRequestOutcome};
use password_recovery::password::PasswordHasher;
use password_recovery::policy::PasswordPolicy;
use password_recovery::random::OsRandom;
use secrecy::SecretString;
use system_tests::*;

/// Records the operation of every DynamoDB request sent.
#[derive(Debug, Default, Clone)]
struct CallLog(Arc<Mutex<Vec<String>>>);

impl CallLog {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "CallLog"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or("")
            .trim_start_matches("DynamoDB_20120810.")
            .to_owned();
        self.0.lock().unwrap().push(target);
        Ok(())
    }
}

async fn recovery(calls: &CallLog) -> (Recovery, String, aws_config::SdkConfig) {
    let sdk = sdk_config().await;
    let table = fresh_table(&sdk).await;
    verified_sender(&sdk, SENDER).await;
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk)
            .interceptor(calls.clone())
            .build(),
    );
    let store = Arc::new(DynamoDbStore::new(dynamodb, table.clone()));
    let recovery = Recovery {
        users: store.clone(),
        tokens: store,
        mailer: Arc::new(SesMailer::new(
            aws_sdk_sesv2::Client::new(&sdk),
            SENDER.into(),
        )),
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        hasher: PasswordHasher::owasp(),
        settings: RecoverySettings {
            service_name: "Recovery Test".into(),
            reset_page_url: RESET_PAGE_URL.into(),
            login_url: LOGIN_URL.into(),
            reset_token_lifetime_seconds: 3600,
            password_policy: PasswordPolicy::default(),
        },
    };
    (recovery, table, sdk)
}

fn last_token(login: &str) -> String {
    let email = emails_to(&format!("{login}@recovery.test"))
        .pop()
        .expect("an email");
    let link = email.link_starting_with(RESET_PAGE_URL).expect("a link");
    link.split("token=").nth(1).unwrap().to_owned()
}

/// The DynamoDB calls of one reset request and one password change for a
/// fresh account.
async fn calls_for_one_reset(
    recovery: &Recovery,
    sdk: &aws_config::SdkConfig,
    table: &str,
    calls: &CallLog,
) -> (Vec<String>, Vec<String>) {
    let login = unique("ada");
    create_account(sdk, table, &login, Some("the old password 1"), None, false).await;
    calls.take();
    let outcome = recovery
        .request_reset(&AccountLookup::parse(&login).unwrap())
        .await
        .unwrap();
    assert!(matches!(outcome, ResetRequestOutcome::LinkSent(_)));
    let request_calls = calls.take();
    let change = PasswordChange {
        token: last_token(&login),
        login: None,
        password: SecretString::from("a new passphrase 2".to_owned()),
        confirmation: SecretString::from("a new passphrase 2".to_owned()),
    };
    recovery.set_password(change).await.unwrap();
    (request_calls, calls.take())
}

#[tokio::test(flavor = "multi_thread")]
async fn each_request_makes_a_few_key_lookups_whatever_the_table_holds() {
    let calls = CallLog::default();
    let (recovery, table, sdk) = recovery(&calls).await;

    let (request, change) = calls_for_one_reset(&recovery, &sdk, &table, &calls).await;
    assert_eq!(request, ["GetItem", "GetItem", "TransactWriteItems"]);
    assert_eq!(change, ["GetItem", "GetItem", "TransactWriteItems"]);

    recovery
        .request_reset(&AccountLookup::parse(&unique("nobody")).unwrap())
        .await
        .unwrap();
    assert_eq!(
        calls.take(),
        ["GetItem"],
        "an unknown login costs one lookup"
    );

    // Forty more accounts, each with an outstanding token.
    for _ in 0..40 {
        let login = unique("bulk");
        create_account(&sdk, &table, &login, None, None, false).await;
        recovery
            .request_reset(&AccountLookup::parse(&login).unwrap())
            .await
            .unwrap();
    }
    calls.take();
    let (request_after, change_after) = calls_for_one_reset(&recovery, &sdk, &table, &calls).await;
    assert_eq!(request_after, request, "no growth with the table");
    assert_eq!(change_after, change, "no growth with the table");
}
