//! The tables the benchmark runs on, and the accounts in them.

use std::sync::Arc;

use aws_config::SdkConfig;
use recovery_aws::{DynamoDbStore, outbox_stream_image};
use recovery_core::flows::{Keys, Recovery};
use recovery_core::ports::{CodeStore, Written};
use recovery_domain::{
    AccountLookup, Clock, CodeRecord, CodeSecret, OsRandom, PhoneNumber, SmsCode, SystemClock,
    UserId,
};
use recovery_edges::config::{ForgotLimits, RecoverySettings, SmsSettings};
use serde_json::Value;
use system_tests::{
    SMS_CODE_SECRET, account, deliver_pending, fresh_table, pending_messages_of, stream_event,
    test_keys, test_settings, texts_to, unique,
};

use crate::Error;
use crate::events::next_phone;

pub struct Actor {
    pub login: String,
    pub phone: String,
    pub id: UserId,
}

/// A new account through the adapter, with a login made from `name`, an
/// email, a number of its own and, if asked, a password.
async fn create(store: &DynamoDbStore, name: &str, password: bool) -> Result<Actor, Error> {
    let (login, phone) = (unique(name), next_phone());
    let mut new = account(&login).phone(&phone);
    if password {
        new = new.password("old password 1");
    }
    let id = new.create_in(store).await.id;
    Ok(Actor { login, phone, id })
}

/// A table with `actors` accounts, each with a password (only the first)
/// and a phone number, made through the adapter.
pub async fn table_with_actors(
    sdk: &SdkConfig,
    actors: usize,
) -> Result<(String, Vec<Actor>), Error> {
    let table = fresh_table(sdk).await;
    let store = DynamoDbStore::from_sdk(sdk, &table);
    let mut cast = Vec::new();
    for i in 0..actors {
        cast.push(create(&store, &format!("actor{i}"), i == 0).await?);
    }
    Ok((table, cast))
}

/// A table of `users` accounts, one of them the actor the flows use. The
/// others are copies of one account the adapter made (see `copies`).
pub async fn table_with_users(sdk: &SdkConfig, users: usize) -> Result<(String, Actor), Error> {
    let table = fresh_table(sdk).await;
    let store = DynamoDbStore::from_sdk(sdk, &table);
    copies(sdk, &table, users.saturating_sub(2)).await?;
    Ok((table, create(&store, "actor", true).await?))
}

/// `n` accounts in `table`, each with its own id, login, email and phone
/// number, copied from one account the adapter made (also returned, last)
/// and written with BatchWriteItem: through the adapter, each would be a
/// transaction, for which the emulator copies the whole table.
pub async fn copies(sdk: &SdkConfig, table: &str, n: usize) -> Result<Vec<Actor>, Error> {
    use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
    let client = aws_sdk_dynamodb::Client::new(sdk);
    let store = DynamoDbStore::new(client.clone(), table.to_owned());
    let original = create(&store, "user", false).await?;
    let Actor { login, phone, id } = &original;
    let template: Vec<_> = client
        .scan()
        .table_name(table)
        .send()
        .await?
        .items
        .unwrap_or_default()
        .into_iter()
        .filter(|item| {
            item.values().any(|v| matches!(v, AttributeValue::S(t) if t.contains(id.as_str())))
        })
        .collect();
    let mut requests = Vec::new();
    let mut actors = Vec::new();
    for _ in 0..n {
        let (new_id, new_login, new_phone) =
            (UserId::generate(&OsRandom)?, unique("user"), next_phone());
        for item in &template {
            let copy = item
                .iter()
                .map(|(name, value)| {
                    let value = match value {
                        AttributeValue::S(text) => AttributeValue::S(
                            text.replace(id.as_str(), new_id.as_str())
                                .replace(phone.as_str(), &new_phone)
                                .replace(login.as_str(), &new_login),
                        ),
                        other => other.clone(),
                    };
                    (name.clone(), value)
                })
                .collect();
            requests.push(
                WriteRequest::builder()
                    .put_request(PutRequest::builder().set_item(Some(copy)).build()?)
                    .build(),
            );
        }
        actors.push(Actor { login: new_login, phone: new_phone, id: new_id });
    }
    for batch in requests.chunks(25) {
        let mut pending =
            Some(std::collections::HashMap::from([(table.to_owned(), batch.to_vec())]));
        while let Some(items) = pending.filter(|p| !p.is_empty()) {
            let output = client.batch_write_item().set_request_items(Some(items)).send().await?;
            pending = output.unprocessed_items;
        }
    }
    actors.push(original);
    Ok(actors)
}

/// The code last sent to `phone`, once what waits in `table`'s outbox is
/// delivered (in-process: the benchmark runs no stream poller).
pub fn latest_code(table: &str, phone: &str) -> Result<String, Error> {
    tokio::runtime::Handle::current().block_on(deliver_pending(table));
    let text = texts_to(phone).pop().ok_or(format!("no SMS reached {phone}"))?;
    Ok(text.chars().take(6).collect())
}

/// A new reset email for `actor` in `table`'s outbox, made by the forgot
/// flow in-process, as the stream event that hands it to `deliver`.
pub async fn pending_email(sdk: &SdkConfig, table: &str, actor: &Actor) -> Result<Value, Error> {
    pending_message(sdk, table, actor, &actor.login).await
}

/// A stream event of the message a reset request for `identifier` (the
/// actor's login: an email; its number: a text) put in the outbox.
pub async fn pending_message(
    sdk: &SdkConfig,
    table: &str,
    actor: &Actor,
    identifier: &str,
) -> Result<Value, Error> {
    let store = Arc::new(DynamoDbStore::from_sdk(sdk, table));
    // One message per cold start of deliver, for one account: past the
    // shipped limits after the third. Every limit raised: per account and
    // number (an actor of the warm runs has had its codes already), per
    // address, per range.
    let sms = SmsSettings {
        phone_limits: SmsSettings::phone_windows(1000, 10_000),
        ip_limits: SmsSettings::ip_windows(5000),
        range_limits: SmsSettings::ip_windows(5000),
        ..SmsSettings::shipped()
    };
    let settings = RecoverySettings {
        limits: ForgotLimits::new(1000, 10_000, 100_000).resend_after(0),
        sms,
        ..test_settings()
    };
    let keys = Keys::ready(test_keys());
    let recovery = Recovery::new(store, Arc::new(SystemClock), settings, keys);
    let lookup = AccountLookup::parse(identifier).map_err(|e| format!("{e:?}"))?;
    recovery.request_reset(&lookup, "192.0.2.9").await.map_err(|e| format!("forgot: {e}"))?;
    let item =
        pending_messages_of(table, &actor.id).await.pop().ok_or("no message in the outbox")?;
    Ok(stream_event(&[(item.key.replace('#', ""), outbox_stream_image(&item))]))
}

/// The code each actor after the first will type: stored directly, with ten
/// minutes to live, so the 200 checks do not race the 60-second lifetime of
/// the codes the warm phone requests sent.
pub const WARM_CODE: &str = "123456";

pub async fn store_codes(sdk: &SdkConfig, table: &str, actors: &[Actor]) -> Result<(), Error> {
    store_codes_under(sdk, table, actors, SMS_CODE_SECRET.as_bytes()).await
}

/// [`WARM_CODE`] for each of `actors`, under the code key `secret`.
pub async fn store_codes_under(
    sdk: &SdkConfig,
    table: &str,
    actors: &[Actor],
    secret: &[u8],
) -> Result<(), Error> {
    let store = DynamoDbStore::from_sdk(sdk, table);
    let secret = CodeSecret::new(secret.to_vec()).ok_or("a short secret")?;
    let code = SmsCode::parse(WARM_CODE).ok_or("a bad code")?;
    let now = SystemClock.now();
    for actor in actors {
        let phone = PhoneNumber::parse(&actor.phone).map_err(|e| format!("{e:?}"))?;
        let record = CodeRecord {
            mac: secret.mac(&phone, &code),
            phone,
            user_id: Some(actor.id.clone()),
            attempts_left: 5,
            issued_at: now,
            expires_at: now.plus_seconds(600),
        };
        // With no counters, nothing can have moved under it.
        if store.store_code(&record, &[], None).await? == Written::Stale {
            return Err("a code was not stored".into());
        }
    }
    Ok(())
}
