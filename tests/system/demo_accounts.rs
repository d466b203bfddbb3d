//! The local stack's demo accounts (`local-stack provision`), seeded on the
//! emulator through the administrator's actions, once.

use std::sync::Arc;

use local_stack::{DEMO_ACCOUNTS, seed_demo_accounts};
use recovery_aws::DynamoDbStore;
use recovery_core::ports::UserStore;
use recovery_domain::{LoginName, PasswordHasher, SystemClock};
use system_tests::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_accounts_are_seeded_once_and_each_through_an_audited_action() {
    let sdk = sdk_config().await;
    let table = fresh_table(&sdk).await;
    let store = Arc::new(DynamoDbStore::from_sdk(&sdk, &table));
    let recovery = recovery_on_aws(&sdk, store.clone(), Arc::new(SystemClock));

    assert_eq!(seed_demo_accounts(&recovery).await.unwrap(), DEMO_ACCOUNTS.len());
    let before = table_items(&table).await;
    assert_eq!(seed_demo_accounts(&recovery).await.unwrap(), 0);
    let accounts = |items: &[serde_json::Value]| {
        items
            .iter()
            .filter(|item| !item["pk"]["S"].as_str().unwrap().starts_with("AUDIT#"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        accounts(&table_items(&table).await),
        accounts(&before),
        "a second provision writes nothing but its audit records"
    );

    for demo in DEMO_ACCOUNTS {
        let login = LoginName::parse(demo.login).unwrap();
        let account = store.find_by_login(&login).await.unwrap().expect(demo.login);
        assert_eq!(account.email.as_ref().map(|e| e.as_str()), Some(demo.email));
        assert_eq!(account.social_provider.as_deref(), demo.social_provider);
        assert_eq!(account.disabled, demo.disabled, "{}", demo.login);
        match (demo.password, &account.password_hash) {
            (Some(password), Some(hash)) => {
                assert!(PasswordHasher::owasp().verify(password, hash), "{}", demo.login);
            }
            (None, None) => {}
            (want, got) => {
                panic!("{}: password {want:?}, hash stored: {}", demo.login, got.is_some())
            }
        }
    }
    let actions: Vec<String> = table_items(&table)
        .await
        .iter()
        .filter(|item| item["pk"]["S"].as_str().unwrap().starts_with("AUDIT#"))
        .filter_map(|item| item["action"]["S"].as_str().map(str::to_owned))
        .collect();
    for action in ["invite_user", "set_password", "import_users"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
}
