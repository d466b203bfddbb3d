//! [`UserStore`] and [`ResetTokenStore`] on one DynamoDB table.
//!
//! Single-table layout, key lookups only (no Scan, no Query on the hot paths):
//!
//! | item         | `pk`               | `sk`    | other attributes |
//! |--------------|--------------------|---------|------------------|
//! | account      | `USER#<user id>`   | `USER`  | `login`, `email`, `password_hash`, `social_provider`, `disabled`, `password_changed_at`, `active_reset`, `created_at` |
//! | login lookup | `LOGIN#<login>`    | `LOGIN` | `user_id` |
//! | email lookup | `EMAIL#<email>`    | `EMAIL` | `user_id` |
//! | phone lookup | `PHONE#<e164>`     | `PHONE` | `user_id` |
//! | reset token  | `RESET#<sha256 hex>` | `RESET` | `user_id`, `purpose`, `issued_at`, `expires_at` |
//! | SMS code     | `CODE#<e164>`      | `CODE`  | `user_id` (absent for a stand-in), `mac`, `attempts_left`, `issued_at`, `expires_at` |
//! | rate counter | `RATE#<kind>#<key>` | `RATE` | `hits` (epoch seconds), `version`, `expires_at` |
//! | audit record | `AUDIT#<login>`    | `<millis>#<request id>` | `action`, `requested_by`, `outcome`, `detail`, `user_id`, `expires_at` |
//!
//! `expires_at` (epoch seconds) is the table's TTL attribute. The lookup items
//! are written in the same transaction as the account, with
//! `attribute_not_exists` conditions, which is what keeps logins, emails and
//! phone numbers unique.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, KeysAndAttributes, Put, TransactWriteItem, Update,
};

use super::dependency_error;
use crate::account::{EmailAddress, LoginName, NewAccount, PhoneNumber, UserAccount, UserId};
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::code::{CodeMac, CodeRecord};
use crate::password::PasswordHash;
use crate::ports::{
    AuditLog, AuditRecord, CodeRequestState, CodeStore, CounterUpdate, CreateAccountError,
    DependencyError, RateCounter, RedeemOutcome, Redemption, ResetTokenStore, UserStore,
    WrongAttempt,
};
use crate::token::{ResetTokenRecord, TokenDigest, TokenPurpose};

/// Partition key attribute.
pub const PK: &str = "pk";
/// Sort key attribute.
pub const SK: &str = "sk";
/// TTL attribute, epoch seconds.
pub const EXPIRES_AT: &str = "expires_at";

type Item = HashMap<String, AttributeValue>;

/// The table, through the real SDK.
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    client: Client,
    table: String,
}

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn n(number: i64) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

fn user_key(id: &UserId) -> Item {
    key(format!("USER#{id}"), "USER")
}

fn login_key(login: &LoginName) -> Item {
    key(format!("LOGIN#{}", login.as_str()), "LOGIN")
}

fn email_key(email: &EmailAddress) -> Item {
    key(format!("EMAIL#{}", email.as_str()), "EMAIL")
}

fn phone_key(phone: &PhoneNumber) -> Item {
    key(format!("PHONE#{}", phone.as_e164()), "PHONE")
}

fn code_key(phone: &PhoneNumber) -> Item {
    key(format!("CODE#{}", phone.as_e164()), "CODE")
}

fn rate_key(name: &str) -> Item {
    key(format!("RATE#{name}"), "RATE")
}

fn token_key(digest: &TokenDigest) -> Item {
    key(format!("RESET#{}", digest.to_hex()), "RESET")
}

fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn get_n(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

fn corrupt(operation: &'static str) -> DependencyError {
    DependencyError::new(operation, "MalformedItem")
}

fn account_from_item(item: &Item) -> Result<UserAccount, DependencyError> {
    let id = get_s(item, "user_id").ok_or_else(|| corrupt("read_user"))?;
    let login = get_s(item, "login")
        .and_then(|l| LoginName::parse(l).ok())
        .ok_or_else(|| corrupt("read_user"))?;
    Ok(UserAccount {
        id: UserId::from_stored(id),
        login,
        email: get_s(item, "email").and_then(|e| EmailAddress::parse(e).ok()),
        phone: get_s(item, "phone").and_then(PhoneNumber::from_stored),
        password_hash: get_s(item, "password_hash").map(PasswordHash::from_phc),
        social_provider: get_s(item, "social_provider").map(str::to_owned),
        disabled: item
            .get("disabled")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        password_changed_at: get_n(item, "password_changed_at").map(Timestamp::from_epoch_seconds),
        active_reset: get_s(item, "active_reset").and_then(TokenDigest::from_hex),
    })
}

fn token_from_item(item: &Item) -> Result<ResetTokenRecord, DependencyError> {
    let digest = get_s(item, PK)
        .and_then(|pk| pk.strip_prefix("RESET#"))
        .and_then(TokenDigest::from_hex);
    let user_id = get_s(item, "user_id");
    let purpose = get_s(item, "purpose").and_then(TokenPurpose::parse);
    let issued_at = get_n(item, "issued_at");
    let expires_at = get_n(item, EXPIRES_AT);
    match (digest, user_id, purpose, issued_at, expires_at) {
        (Some(digest), Some(user_id), Some(purpose), Some(issued_at), Some(expires_at)) => {
            Ok(ResetTokenRecord {
                digest,
                user_id: UserId::from_stored(user_id),
                purpose,
                issued_at: Timestamp::from_epoch_seconds(issued_at),
                expires_at: Timestamp::from_epoch_seconds(expires_at),
            })
        }
        _ => Err(corrupt("read_reset_token")),
    }
}

fn code_from_item(phone: &PhoneNumber, item: &Item) -> Result<CodeRecord, DependencyError> {
    let mac = get_s(item, "mac").and_then(CodeMac::from_hex);
    let attempts = get_n(item, "attempts_left").and_then(|n| u32::try_from(n).ok());
    let issued_at = get_n(item, "issued_at");
    let expires_at = get_n(item, EXPIRES_AT);
    match (mac, attempts, issued_at, expires_at) {
        (Some(mac), Some(attempts_left), Some(issued_at), Some(expires_at)) => Ok(CodeRecord {
            phone: phone.clone(),
            user_id: get_s(item, "user_id").map(UserId::from_stored),
            mac,
            attempts_left,
            issued_at: Timestamp::from_epoch_seconds(issued_at),
            expires_at: Timestamp::from_epoch_seconds(expires_at),
        }),
        _ => Err(corrupt("read_code")),
    }
}

fn construction(
    operation: &'static str,
) -> impl Fn(aws_sdk_dynamodb::error::BuildError) -> DependencyError {
    move |_| DependencyError::new(operation, "ConstructionFailure")
}

/// Cancellation reason codes of a failed transaction, in item order, or the
/// error itself when it was not a cancellation.
fn cancellation_codes(
    operation: &'static str,
    err: SdkError<TransactWriteItemsError, HttpResponse>,
) -> Result<Vec<String>, DependencyError> {
    let dependency = dependency_error(operation, &err);
    match err.into_service_error() {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => Ok(cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().unwrap_or("None").to_owned())
            .collect()),
        _ => Err(dependency),
    }
}

impl DynamoDbStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    async fn get_item(
        &self,
        operation: &'static str,
        key: Item,
    ) -> Result<Option<Item>, DependencyError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| dependency_error(operation, &err))?;
        Ok(output.item)
    }

    /// BatchGetItem of `keys` (at most 100), strongly consistent; retries
    /// what DynamoDB leaves unprocessed, with backoff.
    async fn batch_get(
        &self,
        operation: &'static str,
        keys: Vec<Item>,
    ) -> Result<Vec<Item>, DependencyError> {
        const ATTEMPTS: u32 = 4;
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(construction(operation))?;
        let mut found = Vec::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(25 << attempt)).await;
            }
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, pending)
                .send()
                .await
                .map_err(|err| dependency_error(operation, &err))?;
            found.extend(
                output
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default(),
            );
            match output
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
                .filter(|k| !k.keys().is_empty())
            {
                Some(left) => pending = left,
                None => return Ok(found),
            }
        }
        Err(DependencyError::new(operation, "UnprocessedKeys"))
    }

    async fn user_via(
        &self,
        operation: &'static str,
        lookup: Item,
    ) -> Result<Option<UserAccount>, DependencyError> {
        let Some(pointer) = self.get_item(operation, lookup).await? else {
            return Ok(None);
        };
        let id = get_s(&pointer, "user_id").ok_or_else(|| corrupt(operation))?;
        self.get(&UserId::from_stored(id)).await
    }

    fn put(&self, item: Item, condition: &str) -> Result<TransactWriteItem, DependencyError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .build()
            .map_err(construction("transact_write"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The writes that make `record` the user's only redeemable token: put
    /// it, point the user at it, delete the previous one.
    fn issue_items(
        &self,
        user: &UserAccount,
        record: &ResetTokenRecord,
    ) -> Result<Vec<TransactWriteItem>, DependencyError> {
        const OP: &str = "issue_reset_token";
        let mut token = token_key(&record.digest);
        token.insert("kind".into(), s("reset_token"));
        token.insert("user_id".into(), s(record.user_id.as_str()));
        token.insert("purpose".into(), s(record.purpose.as_str()));
        token.insert("issued_at".into(), n(record.issued_at.epoch_seconds()));
        token.insert(EXPIRES_AT.into(), n(record.expires_at.epoch_seconds()));
        let point = Update::builder()
            .table_name(&self.table)
            .set_key(Some(user_key(&user.id)))
            .update_expression("SET active_reset = :digest")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":digest", s(record.digest.to_hex()))
            .build()
            .map_err(construction(OP))?;
        let mut items = vec![
            self.put(token, "attribute_not_exists(pk)")?,
            TransactWriteItem::builder().update(point).build(),
        ];
        if let Some(previous) = user.active_reset.as_ref().filter(|p| **p != record.digest) {
            items.push(self.delete(token_key(previous), OP)?);
        }
        Ok(items)
    }

    /// An unconditional delete of `key`, as a transaction item.
    fn delete(
        &self,
        key: Item,
        operation: &'static str,
    ) -> Result<TransactWriteItem, DependencyError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .build()
            .map_err(construction(operation))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    async fn transact(
        &self,
        operation: &'static str,
        items: Vec<TransactWriteItem>,
    ) -> Result<Result<(), Vec<String>>, DependencyError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(Ok(())),
            Err(err) => cancellation_codes(operation, err).map(Err),
        }
    }
}

#[async_trait]
impl UserStore for DynamoDbStore {
    async fn find_by_login(
        &self,
        login: &LoginName,
    ) -> Result<Option<UserAccount>, DependencyError> {
        self.user_via("find_user_by_login", login_key(login)).await
    }

    async fn find_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<UserAccount>, DependencyError> {
        self.user_via("find_user_by_email", email_key(email)).await
    }

    async fn find_by_phone(
        &self,
        phone: &PhoneNumber,
    ) -> Result<Option<UserAccount>, DependencyError> {
        self.user_via("find_user_by_phone", phone_key(phone)).await
    }

    async fn get(&self, id: &UserId) -> Result<Option<UserAccount>, DependencyError> {
        match self.get_item("get_user", user_key(id)).await? {
            Some(item) => account_from_item(&item).map(Some),
            None => Ok(None),
        }
    }

    async fn replace_password(
        &self,
        user: &UserAccount,
        new_hash: &PasswordHash,
        now: Timestamp,
    ) -> Result<bool, DependencyError> {
        const OP: &str = "replace_password";
        let store_hash = Update::builder()
            .table_name(&self.table)
            .set_key(Some(user_key(&user.id)))
            .update_expression(
                "SET password_hash = :hash, password_changed_at = :now REMOVE active_reset",
            )
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":hash", s(new_hash.expose_phc()))
            .expression_attribute_values(":now", n(now.epoch_seconds()))
            .build()
            .map_err(construction(OP))?;
        let mut items = vec![TransactWriteItem::builder().update(store_hash).build()];
        if let Some(active) = &user.active_reset {
            items.push(self.delete(token_key(active), OP)?);
        }
        if let Some(phone) = &user.phone {
            items.push(self.delete(code_key(phone), OP)?);
        }
        match self.transact(OP, items).await? {
            Ok(()) => Ok(true),
            Err(codes) if codes.first().is_some_and(|c| c == "ConditionalCheckFailed") => Ok(false),
            Err(codes) => Err(DependencyError::new(OP, codes.join(","))),
        }
    }

    async fn create(
        &self,
        account: NewAccount,
        id: UserId,
    ) -> Result<UserAccount, CreateAccountError> {
        let now = SystemClock.now();
        let mut user = user_key(&id);
        user.insert("kind".into(), s("user"));
        user.insert("user_id".into(), s(id.as_str()));
        user.insert("login".into(), s(account.login.as_str()));
        user.insert("disabled".into(), AttributeValue::Bool(account.disabled));
        user.insert("created_at".into(), n(now.epoch_seconds()));
        if let Some(email) = &account.email {
            user.insert("email".into(), s(email.as_str()));
        }
        if let Some(phone) = &account.phone {
            user.insert("phone".into(), s(phone.as_e164()));
        }
        if let Some(hash) = &account.password_hash {
            user.insert("password_hash".into(), s(hash.expose_phc()));
        }
        if let Some(provider) = &account.social_provider {
            user.insert("social_provider".into(), s(provider.as_str()));
        }
        let pointer = |mut item: Item, kind: &str| {
            item.insert("kind".into(), s(kind));
            item.insert("user_id".into(), s(id.as_str()));
            item
        };
        let absent = "attribute_not_exists(pk)";
        let mut items = vec![
            self.put(user, absent)?,
            self.put(pointer(login_key(&account.login), "login"), absent)?,
        ];
        let email_at = account.email.as_ref().map(|_| items.len());
        if let Some(email) = &account.email {
            items.push(self.put(pointer(email_key(email), "email"), absent)?);
        }
        let phone_at = account.phone.as_ref().map(|_| items.len());
        if let Some(phone) = &account.phone {
            items.push(self.put(pointer(phone_key(phone), "phone"), absent)?);
        }
        match self.transact("create_user", items).await? {
            Ok(()) => {}
            Err(codes) => {
                let failed = |i: Option<usize>| {
                    i.and_then(|i| codes.get(i))
                        .is_some_and(|c| c == "ConditionalCheckFailed")
                };
                return Err(if failed(Some(1)) {
                    CreateAccountError::LoginTaken
                } else if failed(email_at) {
                    CreateAccountError::EmailTaken
                } else if failed(phone_at) {
                    CreateAccountError::PhoneTaken
                } else {
                    CreateAccountError::Store(DependencyError::new("create_user", codes.join(",")))
                });
            }
        }
        Ok(UserAccount {
            id,
            login: account.login,
            email: account.email,
            phone: account.phone,
            password_hash: account.password_hash,
            social_provider: account.social_provider,
            disabled: account.disabled,
            password_changed_at: None,
            active_reset: None,
        })
    }
}

#[async_trait]
impl ResetTokenStore for DynamoDbStore {
    async fn issue(
        &self,
        user: &UserAccount,
        record: &ResetTokenRecord,
    ) -> Result<(), DependencyError> {
        const OP: &str = "issue_reset_token";
        let items = self.issue_items(user, record)?;
        self.transact(OP, items)
            .await?
            .map_err(|codes| DependencyError::new(OP, codes.join(",")))
    }

    async fn find(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<ResetTokenRecord>, DependencyError> {
        match self.get_item("find_reset_token", token_key(digest)).await? {
            Some(item) => token_from_item(&item).map(Some),
            None => Ok(None),
        }
    }

    async fn redeem(&self, r: Redemption<'_>) -> Result<RedeemOutcome, DependencyError> {
        const OP: &str = "redeem_reset_token";
        let consume = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(token_key(r.digest)))
            .condition_expression("attribute_exists(pk) AND expires_at > :now AND user_id = :user")
            .expression_attribute_values(":now", n(r.now.epoch_seconds()))
            .expression_attribute_values(":user", s(r.user_id.as_str()))
            .build()
            .map_err(construction(OP))?;
        let store_hash = Update::builder()
            .table_name(&self.table)
            .set_key(Some(user_key(r.user_id)))
            .update_expression(
                "SET password_hash = :hash, password_changed_at = :now REMOVE active_reset",
            )
            .condition_expression("active_reset = :digest")
            .expression_attribute_values(":hash", s(r.new_hash.expose_phc()))
            .expression_attribute_values(":now", n(r.now.epoch_seconds()))
            .expression_attribute_values(":digest", s(r.digest.to_hex()))
            .build()
            .map_err(construction(OP))?;
        let mut items = vec![
            TransactWriteItem::builder().delete(consume).build(),
            TransactWriteItem::builder().update(store_hash).build(),
        ];
        if let Some(phone) = r.phone {
            items.push(self.delete(code_key(phone), OP)?);
        }
        match self.transact(OP, items).await? {
            Ok(()) => Ok(RedeemOutcome::Redeemed),
            Err(codes) if codes.iter().any(|c| c == "ConditionalCheckFailed") => {
                Ok(RedeemOutcome::Rejected)
            }
            Err(codes) if codes.iter().any(|c| c == "TransactionConflict") => {
                Err(DependencyError::new(OP, "TransactionConflict"))
            }
            Err(codes) => Err(DependencyError::new(OP, codes.join(","))),
        }
    }
}

#[async_trait]
impl CodeStore for DynamoDbStore {
    async fn load_code_request(
        &self,
        phone: &PhoneNumber,
        rate_keys: &[String],
    ) -> Result<CodeRequestState, DependencyError> {
        const OP: &str = "load_code_request";
        let mut keys = vec![phone_key(phone)];
        keys.extend(rate_keys.iter().map(|name| rate_key(name)));
        let items = self.batch_get(OP, keys).await?;
        let pk_of = |item: &Item| get_s(item, PK).map(str::to_owned);
        let by_pk: HashMap<String, &Item> = items
            .iter()
            .filter_map(|item| Some((pk_of(item)?, item)))
            .collect();
        let counters = rate_keys
            .iter()
            .map(|name| {
                let item = by_pk.get(&format!("RATE#{name}"));
                RateCounter {
                    key: name.clone(),
                    hits: item.map(|i| counter_hits(i)).unwrap_or_default(),
                    version: item.and_then(|i| get_n(i, "version")).unwrap_or(0),
                }
            })
            .collect();
        let account = match by_pk.get(&format!("PHONE#{}", phone.as_e164())) {
            Some(pointer) => {
                let id = get_s(pointer, "user_id").ok_or_else(|| corrupt(OP))?;
                self.get(&UserId::from_stored(id)).await?
            }
            None => None,
        };
        Ok(CodeRequestState { counters, account })
    }

    async fn store_code(
        &self,
        record: &CodeRecord,
        counters: &[CounterUpdate<'_>],
    ) -> Result<bool, DependencyError> {
        const OP: &str = "store_code";
        let mut code = code_key(&record.phone);
        code.insert("kind".into(), s("sms_code"));
        if let Some(user_id) = &record.user_id {
            code.insert("user_id".into(), s(user_id.as_str()));
        }
        code.insert("mac".into(), s(record.mac.to_hex()));
        code.insert("attempts_left".into(), n(i64::from(record.attempts_left)));
        code.insert("issued_at".into(), n(record.issued_at.epoch_seconds()));
        code.insert(EXPIRES_AT.into(), n(record.expires_at.epoch_seconds()));
        if counters.is_empty() {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(code))
                .send()
                .await
                .map_err(|err| dependency_error(OP, &err))?;
            return Ok(true);
        }
        let put_code = Put::builder()
            .table_name(&self.table)
            .set_item(Some(code))
            .build()
            .map_err(construction(OP))?;
        let mut items = vec![TransactWriteItem::builder().put(put_code).build()];
        for update in counters {
            let mut counter = rate_key(&update.counter.key);
            counter.insert("kind".into(), s("rate_counter"));
            counter.insert(
                "hits".into(),
                AttributeValue::L(update.hits.iter().map(|t| n(*t)).collect()),
            );
            counter.insert("version".into(), n(update.counter.version + 1));
            counter.insert(EXPIRES_AT.into(), n(update.expires_at.epoch_seconds()));
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(counter));
            let put = if update.counter.version == 0 {
                put.condition_expression("attribute_not_exists(pk)")
            } else {
                put.condition_expression("version = :version")
                    .expression_attribute_values(":version", n(update.counter.version))
            };
            items.push(
                TransactWriteItem::builder()
                    .put(put.build().map_err(construction(OP))?)
                    .build(),
            );
        }
        match self.transact(OP, items).await? {
            Ok(()) => Ok(true),
            // A counter moved under us (or is being moved right now).
            Err(codes)
                if codes
                    .iter()
                    .any(|c| c == "ConditionalCheckFailed" || c == "TransactionConflict") =>
            {
                Ok(false)
            }
            Err(codes) => Err(DependencyError::new(OP, codes.join(","))),
        }
    }

    async fn find_code(&self, phone: &PhoneNumber) -> Result<Option<CodeRecord>, DependencyError> {
        match self.get_item("find_code", code_key(phone)).await? {
            Some(item) => code_from_item(phone, &item).map(Some),
            None => Ok(None),
        }
    }

    async fn record_wrong_attempt(
        &self,
        record: &CodeRecord,
    ) -> Result<WrongAttempt, DependencyError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(code_key(&record.phone)))
            .update_expression("SET attempts_left = attempts_left - :one")
            .condition_expression("mac = :mac AND attempts_left > :zero")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":mac", s(record.mac.to_hex()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(output) => {
                let left = output
                    .attributes
                    .as_ref()
                    .and_then(|a| get_n(a, "attempts_left"))
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| corrupt("record_wrong_attempt"))?;
                Ok(WrongAttempt::Counted {
                    attempts_left: left,
                })
            }
            Err(err) => {
                let conditional = err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception());
                if conditional {
                    Ok(WrongAttempt::Stale)
                } else {
                    Err(dependency_error("record_wrong_attempt", &err))
                }
            }
        }
    }

    async fn exchange_code(
        &self,
        code: &CodeRecord,
        now: Timestamp,
        token: &ResetTokenRecord,
    ) -> Result<bool, DependencyError> {
        const OP: &str = "exchange_code";
        let consume = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(code_key(&code.phone)))
            .condition_expression("mac = :mac AND attempts_left > :zero AND expires_at > :now")
            .expression_attribute_values(":mac", s(code.mac.to_hex()))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":now", n(now.epoch_seconds()))
            .build()
            .map_err(construction(OP))?;
        let mut stored = token_key(&token.digest);
        stored.insert("kind".into(), s("reset_token"));
        stored.insert("user_id".into(), s(token.user_id.as_str()));
        stored.insert("purpose".into(), s(token.purpose.as_str()));
        stored.insert("issued_at".into(), n(token.issued_at.epoch_seconds()));
        stored.insert(EXPIRES_AT.into(), n(token.expires_at.epoch_seconds()));
        // The account is checked here rather than read first: still the
        // number's, enabled, and not provider-only. The link it had before
        // stops working (`active_reset` moves on) and its item expires.
        let point = Update::builder()
            .table_name(&self.table)
            .set_key(Some(user_key(&token.user_id)))
            .update_expression("SET active_reset = :digest")
            .condition_expression(
                "attribute_exists(pk) AND phone = :phone \
                 AND (attribute_not_exists(disabled) OR disabled = :no) \
                 AND (attribute_not_exists(social_provider) OR attribute_exists(password_hash))",
            )
            .expression_attribute_values(":digest", s(token.digest.to_hex()))
            .expression_attribute_values(":phone", s(code.phone.as_e164()))
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .build()
            .map_err(construction(OP))?;
        let items = vec![
            TransactWriteItem::builder().delete(consume).build(),
            self.put(stored, "attribute_not_exists(pk)")?,
            TransactWriteItem::builder().update(point).build(),
        ];
        match self.transact(OP, items).await? {
            Ok(()) => Ok(true),
            Err(codes) if codes.iter().any(|c| c == "ConditionalCheckFailed") => Ok(false),
            Err(codes) => Err(DependencyError::new(OP, codes.join(","))),
        }
    }
}

fn counter_hits(item: &Item) -> Vec<i64> {
    item.get("hits")
        .and_then(|v| v.as_l().ok())
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_n().ok()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn audit_key(record: &AuditRecord) -> Item {
    HashMap::from([
        (PK.to_owned(), s(format!("AUDIT#{}", record.target))),
        (
            SK.to_owned(),
            s(format!("{:013}#{}", record.at_millis, record.request_id)),
        ),
    ])
}

fn audit_from_item(item: &Item) -> Result<AuditRecord, DependencyError> {
    let text = |name: &str| get_s(item, name).map(str::to_owned);
    match (
        text("target"),
        text("action"),
        text("requested_by"),
        text("outcome"),
        get_n(item, "at_millis"),
        text("request_id"),
    ) {
        (
            Some(target),
            Some(action),
            Some(requested_by),
            Some(outcome),
            Some(at_millis),
            Some(request_id),
        ) => Ok(AuditRecord {
            target,
            user_id: text("user_id"),
            action,
            requested_by,
            outcome,
            detail: text("detail"),
            at_millis,
            request_id,
        }),
        _ => Err(corrupt("read_audit")),
    }
}

#[async_trait]
impl AuditLog for DynamoDbStore {
    async fn append(
        &self,
        record: &AuditRecord,
        retention_seconds: i64,
    ) -> Result<(), DependencyError> {
        let mut item = audit_key(record);
        item.insert("kind".into(), s("audit"));
        item.insert("target".into(), s(record.target.as_str()));
        if let Some(user_id) = &record.user_id {
            item.insert("user_id".into(), s(user_id.as_str()));
        }
        item.insert("action".into(), s(record.action.as_str()));
        item.insert("requested_by".into(), s(record.requested_by.as_str()));
        item.insert("outcome".into(), s(record.outcome.as_str()));
        if let Some(detail) = &record.detail {
            item.insert("detail".into(), s(detail.as_str()));
        }
        item.insert("at_millis".into(), n(record.at_millis));
        item.insert("request_id".into(), s(record.request_id.as_str()));
        item.insert(
            EXPIRES_AT.into(),
            n(record.at_millis / 1000 + retention_seconds),
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|err| dependency_error("audit_append", &err))?;
        Ok(())
    }

    async fn conclude(
        &self,
        record: &AuditRecord,
        outcome: &str,
        detail: Option<&str>,
    ) -> Result<(), DependencyError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(audit_key(record)))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":outcome", s(outcome));
        update = match detail {
            Some(detail) => update
                .update_expression("SET outcome = :outcome, detail = :detail")
                .expression_attribute_values(":detail", s(detail)),
            None => update.update_expression("SET outcome = :outcome"),
        };
        update
            .send()
            .await
            .map_err(|err| dependency_error("audit_conclude", &err))?;
        Ok(())
    }

    async fn list(&self, target: &str, limit: u32) -> Result<Vec<AuditRecord>, DependencyError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(format!("AUDIT#{target}")))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| dependency_error("audit_list", &err))?;
        output.items().iter().map(audit_from_item).collect()
    }
}
