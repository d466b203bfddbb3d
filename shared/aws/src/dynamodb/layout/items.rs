//! Each record as an item, and back.

use aws_sdk_dynamodb::types::AttributeValue;

use super::*;
use recovery_domain::{
    CodeMac, CodeRecord, EmailAddress, EmailTrouble, EmailTroubleKind, Locale, PasswordHash,
    PhoneNumber, ResetTokenRecord, Timestamp, TokenPurpose, UserAccount,
};

// ------------------------------------------------------------ accounts --

/// The account item and its login, email and phone lookup items.
pub(in crate::dynamodb) fn account_items(
    account: &UserAccount,
    created_at: Timestamp,
) -> Vec<Item> {
    let mut user = user_key(&account.id);
    user.insert(KIND.into(), s("user"));
    user.insert(USER_ID.into(), s(account.id.as_str()));
    user.insert(LOGIN.into(), s(account.login.as_str()));
    user.insert(DISABLED.into(), AttributeValue::Bool(account.disabled));
    user.insert(CREATED_AT.into(), n(created_at.epoch_seconds()));
    let optional = [
        (EMAIL, account.email.as_ref().map(EmailAddress::as_str)),
        (PHONE, account.phone.as_ref().map(PhoneNumber::as_e164)),
        (PASSWORD_HASH, account.password_hash.as_ref().map(PasswordHash::expose_phc)),
        (SOCIAL_PROVIDER, account.social_provider.as_deref()),
        (LOCALE, account.locale.as_ref().map(Locale::as_str)),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            user.insert(name.into(), s(value));
        }
    }
    if !account.workspaces.is_empty() {
        user.insert(WORKSPACES_ATTRIBUTE.into(), workspace_set(&account.workspaces));
    }
    let mut items = vec![
        user,
        pointer(login_key(&account.login), "login", account),
        pointer(login_skeleton_key(&account.login), "lookalike", account),
    ];
    items.extend(account.email.as_ref().map(|e| email_lookup_item(e, account)));
    items.extend(account.phone.as_ref().map(|p| phone_lookup_item(p, account)));
    items
}

/// An item of an account's usual size and shape that is nobody's: what
/// `read_stand_in` decodes in place of an account it did not find.
pub(in crate::dynamodb) fn stand_in_account_item(id: &UserId) -> Item {
    let mut item = user_key(id);
    for (name, value) in [
        (KIND, "user"),
        (USER_ID, id.as_str()),
        (LOGIN, "stand-in"),
        (EMAIL, "stand-in@example.invalid"),
        (PHONE, "+14155550100"),
        (
            PASSWORD_HASH,
            "$argon2id$v=19$m=19456,t=2,p=1$c3RhbmQtaW4tc2FsdA$c3RhbmQtaW4taGFzaC1vZi1ubyBwYXNzd29yZA",
        ),
        (LOCALE, "en"),
    ] {
        item.insert(name.into(), s(value));
    }
    item.insert(DISABLED.into(), AttributeValue::Bool(false));
    item.insert(CREATED_AT.into(), n(1_700_000_000));
    item.insert(PASSWORD_CHANGED_AT.into(), n(1_700_000_000));
    item
}

/// The account a lookup item points at.
pub(in crate::dynamodb) fn pointer_target(item: &Item) -> Option<UserId> {
    get_s(item, USER_ID).map(UserId::from_stored)
}

pub(in crate::dynamodb) fn account_from_item(item: &Item) -> Result<UserAccount, DependencyError> {
    let id = get_s(item, USER_ID).ok_or_else(|| corrupt("read_user"))?;
    let login = get_s(item, LOGIN)
        .and_then(|l| LoginName::parse(l).ok())
        .ok_or_else(|| corrupt("read_user"))?;
    Ok(UserAccount {
        id: UserId::from_stored(id),
        login,
        email: get_s(item, EMAIL).and_then(|e| EmailAddress::parse(e).ok()),
        phone: get_s(item, PHONE).and_then(PhoneNumber::from_stored),
        password_hash: get_s(item, PASSWORD_HASH).map(PasswordHash::from_phc),
        social_provider: get_s(item, SOCIAL_PROVIDER).map(str::to_owned),
        disabled: item.get(DISABLED).and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
        locale: get_s(item, LOCALE).and_then(|l| Locale::parse(l).ok()),
        password_changed_at: get_n(item, PASSWORD_CHANGED_AT).map(Timestamp::from_epoch_seconds),
        active_reset: get_s(item, ACTIVE_RESET).and_then(TokenDigest::from_hex),
        email_trouble: email_trouble(item),
        locked_at: get_n(item, LOCKED_AT).map(Timestamp::from_epoch_seconds),
        workspaces: workspaces_of(item),
    })
}

fn email_trouble(item: &Item) -> Option<EmailTrouble> {
    Some(EmailTrouble {
        kind: EmailTroubleKind::from_name(get_s(item, EMAIL_TROUBLE)?)?,
        address: EmailAddress::parse(get_s(item, EMAIL_TROUBLE_ADDRESS)?).ok()?,
        at: Timestamp::from_epoch_seconds(get_n(item, EMAIL_TROUBLE_AT)?),
    })
}

// -------------------------------------------------------------- tokens --

pub(in crate::dynamodb) fn token_item(record: &ResetTokenRecord) -> Item {
    let mut item = token_key(&record.digest);
    item.insert(KIND.into(), s("reset_token"));
    item.insert(USER_ID.into(), s(record.user_id.as_str()));
    item.insert(PURPOSE.into(), s(record.purpose.as_str()));
    item.insert(ISSUED_AT.into(), n(record.issued_at.epoch_seconds()));
    item.insert(EXPIRES_AT.into(), n(record.expires_at.epoch_seconds()));
    item
}

pub(in crate::dynamodb) fn token_from_item(
    item: &Item,
) -> Result<ResetTokenRecord, DependencyError> {
    let digest =
        get_s(item, PK).and_then(|pk| pk.strip_prefix("RESET#")).and_then(TokenDigest::from_hex);
    let user_id = get_s(item, USER_ID);
    let purpose = get_s(item, PURPOSE).and_then(TokenPurpose::parse);
    let issued_at = get_n(item, ISSUED_AT);
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

/// The wrong logins entered with a reset token so far.
pub(in crate::dynamodb) fn wrong_logins(item: &Item) -> Option<u32> {
    get_n(item, WRONG_LOGINS).and_then(|n| u32::try_from(n).ok())
}

// --------------------------------------------------- codes and counters --

pub(in crate::dynamodb) fn code_item(record: &CodeRecord) -> Item {
    let mut item = code_key(&record.phone);
    item.insert(KIND.into(), s("sms_code"));
    if let Some(user_id) = &record.user_id {
        item.insert(USER_ID.into(), s(user_id.as_str()));
    }
    item.insert(MAC.into(), s(record.mac.to_hex()));
    item.insert(ATTEMPTS_LEFT.into(), n(i64::from(record.attempts_left)));
    item.insert(ISSUED_AT.into(), n(record.issued_at.epoch_seconds()));
    item.insert(EXPIRES_AT.into(), n(record.expires_at.epoch_seconds()));
    item
}

pub(in crate::dynamodb) fn code_from_item(
    phone: &PhoneNumber,
    item: &Item,
) -> Result<CodeRecord, DependencyError> {
    let mac = get_s(item, MAC).and_then(CodeMac::from_hex);
    let attempts = attempts_left(item);
    let issued_at = get_n(item, ISSUED_AT);
    let expires_at = get_n(item, EXPIRES_AT);
    match (mac, attempts, issued_at, expires_at) {
        (Some(mac), Some(attempts_left), Some(issued_at), Some(expires_at)) => Ok(CodeRecord {
            phone: phone.clone(),
            user_id: get_s(item, USER_ID).map(UserId::from_stored),
            mac,
            attempts_left,
            issued_at: Timestamp::from_epoch_seconds(issued_at),
            expires_at: Timestamp::from_epoch_seconds(expires_at),
        }),
        _ => Err(corrupt("read_code")),
    }
}

/// A code's attempts left, as stored (or as an update returned it).
pub(in crate::dynamodb) fn attempts_left(item: &Item) -> Option<u32> {
    get_n(item, ATTEMPTS_LEFT).and_then(|n| u32::try_from(n).ok())
}

// --------------------------------------------------------------- audit --

pub(in crate::dynamodb) fn audit_item(record: &AuditRecord, retention_seconds: i64) -> Item {
    let mut item = audit_key(record);
    item.insert(KIND.into(), s("audit"));
    item.insert(TARGET.into(), s(record.target.as_str()));
    let text = [
        (USER_ID, record.user_id.as_deref()),
        (ACTION, Some(record.action.as_str())),
        (CALLER, Some(record.caller.as_str())),
        (ON_BEHALF_OF, record.on_behalf_of.as_deref()),
        (OUTCOME, Some(record.outcome.as_str())),
        (DETAIL, record.detail.as_deref()),
    ];
    for (name, value) in text {
        if let Some(value) = value {
            item.insert(name.into(), s(value));
        }
    }
    item.insert(AT_MILLIS.into(), n(record.at_millis));
    item.insert(REQUEST_ID.into(), s(record.request_id.as_str()));
    if !record.workspaces.is_empty() {
        item.insert(WORKSPACES_ATTRIBUTE.into(), workspace_set(&record.workspaces));
    }
    item.insert(EXPIRES_AT.into(), n(record.at_millis / 1000 + retention_seconds));
    item
}

pub(in crate::dynamodb) fn audit_from_item(item: &Item) -> Result<AuditRecord, DependencyError> {
    let text = |name: &str| get_s(item, name).map(str::to_owned);
    let (caller, on_behalf_of) = match (text(CALLER), text(REQUESTED_BY)) {
        (Some(caller), _) => (Some(caller), text(ON_BEHALF_OF)),
        (None, Some(written)) => (Some(UNVERIFIED_CALLER.to_owned()), Some(written)),
        (None, None) => (None, None),
    };
    match (
        text(TARGET),
        text(ACTION),
        caller,
        text(OUTCOME),
        get_n(item, AT_MILLIS),
        text(REQUEST_ID),
    ) {
        (
            Some(target),
            Some(action),
            Some(caller),
            Some(outcome),
            Some(at_millis),
            Some(request_id),
        ) => Ok(AuditRecord {
            target,
            user_id: text(USER_ID),
            action,
            caller,
            on_behalf_of,
            outcome,
            detail: text(DETAIL),
            at_millis,
            request_id,
            workspaces: workspaces_of(item),
        }),
        _ => Err(corrupt("read_audit")),
    }
}

// ----------------------------------------------------- account details --

/// The update of an account read as `before` to the email, phone, social
/// provider and locale of `after`: its update expression, its condition
/// (still the email and phone read), and their values.
pub(in crate::dynamodb) fn details_update(
    before: &UserAccount,
    after: &UserAccount,
) -> (String, String, Item) {
    let mut values = Item::new();
    let (mut set, mut remove) = (Vec::new(), Vec::new());
    let fields = [
        (EMAIL, after.email.as_ref().map(|e| e.as_str().to_owned())),
        (PHONE, after.phone.as_ref().map(|p| p.as_e164().to_owned())),
        (SOCIAL_PROVIDER, after.social_provider.clone()),
        (LOCALE, after.locale.as_ref().map(|l| l.as_str().to_owned())),
    ];
    for (name, value) in fields {
        match value {
            Some(value) => {
                set.push(format!("{name} = :new_{name}"));
                values.insert(format!(":new_{name}"), s(value));
            }
            None => remove.push(name.to_owned()),
        }
    }
    if before.active_reset.is_some() && after.active_reset.is_none() {
        remove.push(ACTIVE_RESET.to_owned());
    }
    let mut update = String::new();
    if !set.is_empty() {
        update.push_str(&format!("SET {}", set.join(", ")));
    }
    if !remove.is_empty() {
        update.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    let read = [
        (EMAIL, before.email.as_ref().map(|e| s(e.as_str()))),
        (PHONE, before.phone.as_ref().map(|p| s(p.as_e164()))),
    ];
    let condition = as_read(read, &mut values);
    (update.trim().to_owned(), condition, values)
}

/// The condition that the account item is still as `read` for a link
/// (present, with the same email, phone, state and live link), and its
/// values.
pub(in crate::dynamodb) fn account_as_read(read: &UserAccount) -> (String, Item) {
    let mut values = Item::new();
    let attributes = [
        (EMAIL, read.email.as_ref().map(|e| s(e.as_str()))),
        (PHONE, read.phone.as_ref().map(|p| s(p.as_e164()))),
        (ACTIVE_RESET, read.active_reset.as_ref().map(|d| s(d.to_hex()))),
        (LOCKED_AT, read.locked_at.map(|at| n(at.epoch_seconds()))),
    ];
    let condition = as_read(attributes, &mut values);
    // An item written without the flag reads as enabled.
    values.insert(":read_disabled".into(), AttributeValue::Bool(read.disabled));
    let disabled = if read.disabled {
        format!("{DISABLED} = :read_disabled")
    } else {
        format!("(attribute_not_exists({DISABLED}) OR {DISABLED} = :read_disabled)")
    };
    (format!("{condition} AND {disabled}"), values)
}

/// The condition that the account item exists and each of `attributes`
/// still holds the value read (or is still absent), with the values added
/// to `values` as `:read_<name>`.
fn as_read<'a>(
    attributes: impl IntoIterator<Item = (&'a str, Option<AttributeValue>)>,
    values: &mut Item,
) -> String {
    let mut condition = vec![format!("attribute_exists({PK})")];
    for (name, value) in attributes {
        match value {
            Some(value) => {
                condition.push(format!("{name} = :read_{name}"));
                values.insert(format!(":read_{name}"), value);
            }
            None => condition.push(format!("attribute_not_exists({name})")),
        }
    }
    condition.join(" AND ")
}

/// The lookup item of `email`, pointing to `account`.
pub(in crate::dynamodb) fn email_lookup_item(email: &EmailAddress, account: &UserAccount) -> Item {
    pointer(email_key(email), "email", account)
}

/// The lookup item of `phone`, pointing to `account`.
pub(in crate::dynamodb) fn phone_lookup_item(phone: &PhoneNumber, account: &UserAccount) -> Item {
    pointer(phone_key(phone), "phone", account)
}

fn pointer(mut key: Item, kind: &str, account: &UserAccount) -> Item {
    key.insert(KIND.into(), s(kind));
    key.insert(USER_ID.into(), s(account.id.as_str()));
    key
}
