//! The lifecycle actions' fields and answers: `update_user`'s changes,
//! `import_users`' rows, and an account as the administrator sees it.

use serde_json::{Value, json};

use super::listings::iso8601_seconds;
use super::{EventError, Fields, not_valid};
use recovery_core::flows::{
    AccountView, Change, DetailsChange, ImportResult, ImportRow, Imported, InvalidRow,
    MAX_IMPORT_ROWS,
};
use recovery_domain::{EmailAddress, Locale, LoginName, PasswordHash, PhoneNumber};

/// The fields a row of `import_users` may have.
const IMPORT_FIELDS: [&str; 7] =
    ["login", "email", "phone", "social_provider", "disabled", "locale", "password_hash"];

impl Fields<'_> {
    /// A field of `update_user`: absent keeps it, `null` or `""` removes
    /// it, a value replaces it.
    fn change<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, EventError>,
    ) -> Result<Change<T>, EventError> {
        match self.0.get(name) {
            None => Ok(Change::Keep),
            Some(Value::Null) => Ok(Change::Clear),
            Some(Value::String(text)) if text.trim().is_empty() => Ok(Change::Clear),
            Some(Value::String(text)) => parse(text).map(Change::Set),
            Some(_) => {
                Err(EventError::Invalid(format!("The field `{name}` must be a string or null.")))
            }
        }
    }

    pub(super) fn details_change(&self) -> Result<DetailsChange, EventError> {
        let change = DetailsChange {
            email: self
                .change("email", |t| EmailAddress::parse(t).map_err(|e| not_valid("email", e)))?,
            phone: self
                .change("phone", |t| PhoneNumber::parse(t).map_err(|e| not_valid("phone", e)))?,
            social_provider: self.change("social_provider", provider)?,
            locale: self.change("locale", |t| {
                Locale::parse(t)
                    .map_err(|e| EventError::Invalid(format!("The field `locale` must be {e}.")))
            })?,
        };
        if change == DetailsChange::default() {
            return Err(EventError::Invalid(
                "Give at least one of `email`, `phone`, `social_provider` or `locale` (null removes it).".into(),
            ));
        }
        Ok(change)
    }

    pub(super) fn import_rows(&self) -> Result<Vec<Result<ImportRow, InvalidRow>>, EventError> {
        let Some(Value::Array(rows)) = self.0.get("users") else {
            return Err(EventError::Invalid(
                "The field `users` must be a list of accounts.".into(),
            ));
        };
        if rows.is_empty() || rows.len() > MAX_IMPORT_ROWS {
            return Err(EventError::Invalid(format!(
                "The field `users` must hold 1 to {MAX_IMPORT_ROWS} accounts."
            )));
        }
        Ok(rows.iter().map(import_row).collect())
    }
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
    let fields = Fields(object);
    let message = |err: EventError| match err {
        EventError::Invalid(message) => message,
        EventError::Action(err) => err.to_string(),
    };
    let login = fields
        .required("login")
        .and_then(|t| LoginName::parse(t).map_err(|e| not_valid("login", e)))
        .map_err(|e| invalid("login", message(e)))?;
    let email =
        fields.parsed("email", EmailAddress::parse).map_err(|e| invalid("email", message(e)))?;
    let phone =
        fields.parsed("phone", PhoneNumber::parse).map_err(|e| invalid("phone", message(e)))?;
    let social_provider = fields
        .optional("social_provider")
        .and_then(|t| t.map(provider).transpose())
        .map_err(|e| invalid("social_provider", message(e)))?;
    let locale = fields.locale().map_err(|e| invalid("locale", message(e)))?;
    let disabled = match object.get("disabled") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(disabled)) => *disabled,
        Some(_) => {
            return Err(invalid("disabled", "The field `disabled` must be true or false.".into()));
        }
    };
    let password_hash = fields
        .optional("password_hash")
        .map_err(|e| invalid("password_hash", message(e)))?
        .map(|hash| PasswordHash::from_phc(hash.trim()));
    Ok(ImportRow { login, email, phone, social_provider, disabled, locale, password_hash })
}

/// An account as `get_user` and the other lifecycle actions answer it.
pub(super) fn view_json(view: &AccountView) -> Value {
    let mut value = json!({
        "user_id": view.user_id.as_str(),
        "login": view.login,
        "disabled": view.disabled,
        "has_password": view.has_password,
    });
    let optional = [
        ("email", view.email.clone()),
        ("phone", view.phone.clone()),
        ("social_provider", view.social_provider.clone()),
        ("locale", view.locale.clone()),
        ("password_changed_at", view.password_changed_at.map(iso8601_seconds)),
    ];
    for (name, field) in optional {
        if let Some(field) = field {
            value[name] = json!(field);
        }
    }
    value["email_status"] = match &view.email_trouble {
        None => json!("ok"),
        Some(trouble) => json!(trouble.kind.name()),
    };
    value
}

/// One row's result of `import_users`.
pub(super) fn import_json(row: &ImportResult) -> Value {
    let mut value = json!({ "status": row.result.status() });
    if let Some(login) = &row.login {
        value["login"] = json!(login);
    }
    match &row.result {
        Imported::Created { user_id } | Imported::Unchanged { user_id } => {
            value["user_id"] = json!(user_id.as_str());
        }
        Imported::Conflict { reason } => value["reason"] = json!(reason),
        Imported::Invalid { field, message } => {
            value["field"] = json!(field);
            value["message"] = json!(message);
        }
    }
    value
}
