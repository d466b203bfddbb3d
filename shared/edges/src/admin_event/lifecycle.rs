//! The lifecycle actions' fields: `update_user`'s changes and
//! `import_users`' rows, each row read on its own.

use serde_json::{Map, Value};

use super::{EventError, locale, not_valid, parsed};
use recovery_admin_api::{DetailsPatch, MAX_IMPORT_ROWS, Patch};
use recovery_core::flows::{Change, DetailsChange, ImportRow, InvalidRow};
use recovery_domain::{EmailAddress, LoginName, PasswordHash, PhoneNumber};

/// The fields a row of `import_users` may have.
const IMPORT_FIELDS: [&str; 8] = [
    "login",
    "email",
    "phone",
    "social_provider",
    "disabled",
    "locale",
    "password_hash",
    "workspaces",
];

/// A field of `update_user`, parsed by `parse` when it sets a value.
fn change<T>(
    patch: Patch,
    parse: impl Fn(&str) -> Result<Option<T>, EventError>,
) -> Result<Change<T>, EventError> {
    Ok(match patch {
        Patch::Keep => Change::Keep,
        Patch::Clear => Change::Clear,
        Patch::Set(text) => parse(&text)?.map_or(Change::Clear, Change::Set),
    })
}

pub(super) fn details_change(patch: DetailsPatch) -> Result<DetailsChange, EventError> {
    if patch == DetailsPatch::default() {
        return Err(EventError::Invalid(
            "Give at least one of `email`, `phone`, `social_provider`, `locale` (null removes it) or `workspaces`.".into(),
        ));
    }
    Ok(DetailsChange {
        email: change(patch.email, |t| parsed("email", Some(t), EmailAddress::parse))?,
        phone: change(patch.phone, |t| parsed("phone", Some(t), PhoneNumber::parse))?,
        social_provider: change(patch.social_provider, |t| provider(t).map(Some))?,
        locale: change(patch.locale, |t| locale(Some(t)))?,
        workspaces: patch.workspaces.as_deref().map(super::workspaces::ids).transpose()?,
    })
}

pub(super) fn import_rows(
    rows: &[Value],
) -> Result<Vec<Result<ImportRow, InvalidRow>>, EventError> {
    if rows.is_empty() || rows.len() > MAX_IMPORT_ROWS {
        return Err(EventError::Invalid(format!(
            "The field `users` must hold 1 to {MAX_IMPORT_ROWS} accounts."
        )));
    }
    Ok(rows.iter().map(import_row).collect())
}

/// A social provider's name ("Google"): 1 to 64 characters, no control
/// characters.
fn provider(text: &str) -> Result<String, EventError> {
    let text = text.trim();
    if text.chars().count() > 64 || text.chars().any(char::is_control) {
        return Err(EventError::Invalid(
            "The field `social_provider` must be a name of at most 64 characters.".into(),
        ));
    }
    Ok(text.to_owned())
}

/// A string field of a row: absent, `null` and blank are `None`.
fn text<'a>(row: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, EventError> {
    match row.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.as_str()).filter(|t| !t.trim().is_empty())),
        Some(_) => Err(EventError::Invalid(format!("The field `{name}` must be a string."))),
    }
}

/// One row of `import_users`, or what is wrong with it (by field).
fn import_row(row: &Value) -> Result<ImportRow, InvalidRow> {
    let login_text = row.get("login").and_then(Value::as_str).map(str::to_owned);
    let invalid = |field: &str, message: String| InvalidRow {
        login: login_text.clone(),
        field: field.to_owned(),
        message,
    };
    let Some(object) = row.as_object() else {
        return Err(invalid("login", "each account must be a JSON object".into()));
    };
    if let Some(unknown) = object.keys().find(|k| !IMPORT_FIELDS.contains(&k.as_str())) {
        return Err(invalid(
            unknown,
            format!("unknown field; an account has {}", IMPORT_FIELDS.join(", ")),
        ));
    }
    // A field's text, or the row refused by that field.
    let field = |name: &'static str| {
        let message = |err: EventError| match err {
            EventError::Invalid(message) => message,
            EventError::Action(err) => err.to_string(),
        };
        move |err: EventError| invalid(name, message(err))
    };
    let login = text(object, "login")
        .and_then(|t| t.ok_or_else(|| EventError::Invalid("The field `login` is required.".into())))
        .and_then(|t| LoginName::parse(t).map_err(|e| not_valid("login", e)))
        .map_err(field("login"))?;
    let email = text(object, "email")
        .and_then(|t| parsed("email", t, EmailAddress::parse))
        .map_err(field("email"))?;
    let phone = text(object, "phone")
        .and_then(|t| parsed("phone", t, PhoneNumber::parse))
        .map_err(field("phone"))?;
    let social_provider = text(object, "social_provider")
        .and_then(|t| t.map(provider).transpose())
        .map_err(field("social_provider"))?;
    let locale = text(object, "locale").and_then(locale).map_err(field("locale"))?;
    let disabled = match object.get("disabled") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(disabled)) => *disabled,
        Some(_) => {
            return Err(invalid("disabled", "The field `disabled` must be true or false.".into()));
        }
    };
    let password_hash = text(object, "password_hash")
        .map_err(field("password_hash"))?
        .map(|hash| PasswordHash::from_phc(hash.trim()));
    let workspaces = match object.get("workspaces") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            let texts: Vec<String> =
                items.iter().filter_map(Value::as_str).map(str::to_owned).collect();
            super::workspaces::ids(&texts).map_err(field("workspaces"))?
        }
        Some(_) => {
            let message = "The field `workspaces` must be a list of workspace ids.".into();
            return Err(invalid("workspaces", message));
        }
    };
    Ok(ImportRow {
        login,
        email,
        phone,
        social_provider,
        disabled,
        locale,
        password_hash,
        workspaces,
    })
}
