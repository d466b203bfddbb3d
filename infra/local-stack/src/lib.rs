//! Provisioning for the local stack and the tests: the DynamoDB table built
//! from the `AWS::DynamoDB::Table` in `template.yaml` (the one definition of
//! the table), the outbox key's secret, the SES sender identity, and the
//! demo accounts.

use std::path::{Path, PathBuf};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_sesv2::error::ProvideErrorMetadata;
use recovery_core::flows::{AdminError, Administration, ImportRow, Imported, NewUser, Requester};
use recovery_domain::{
    AccountLookup, EmailAddress, LoginName, OsRandom, Password, PasswordHasher, PhoneNumber,
    RandomSource,
};
use secrecy::SecretString;
use serde::Deserialize;
use serde_yaml_ng::Value;

/// `template.yaml` at the root of the workspace.
pub fn template_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDef {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TtlSpec {
    pub attribute_name: String,
    pub enabled: bool,
}

/// The parts of the template's table that matter to the code.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDefinition {
    pub attribute_definitions: Vec<AttributeDef>,
    pub key_schema: Vec<KeyElement>,
    pub billing_mode: String,
    pub time_to_live_specification: Option<TtlSpec>,
    pub stream_specification: Option<StreamSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpec {
    pub stream_view_type: String,
}

#[derive(Debug)]
pub struct ProvisionError(pub String);

impl std::fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProvisionError {}

fn fail(message: impl Into<String>) -> ProvisionError {
    ProvisionError(message.into())
}

impl TableDefinition {
    /// Reads the one `AWS::DynamoDB::Table` resource of a SAM template.
    pub fn from_template(path: &Path) -> Result<Self, ProvisionError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
        Self::from_template_text(&text)
    }

    pub fn from_template_text(text: &str) -> Result<Self, ProvisionError> {
        let doc: Value = serde_yaml_ng::from_str(text)
            .map_err(|e| fail(format!("template is not valid YAML: {e}")))?;
        let resources = doc
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| fail("template has no Resources"))?;
        let tables: Vec<&Value> = resources
            .values()
            .filter(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::DynamoDB::Table"))
            .collect();
        let [table] = tables.as_slice() else {
            return Err(fail(format!(
                "template must have exactly one AWS::DynamoDB::Table, found {}",
                tables.len()
            )));
        };
        let properties =
            table.get("Properties").cloned().ok_or_else(|| fail("the table has no Properties"))?;
        serde_yaml_ng::from_value(properties)
            .map_err(|e| fail(format!("unexpected table properties: {e}")))
    }

    /// Creates the table `name` on the endpoint of `client` and turns on its
    /// TTL, as CloudFormation would.
    pub async fn create(
        &self,
        client: &aws_sdk_dynamodb::Client,
        name: &str,
    ) -> Result<(), ProvisionError> {
        let mut request = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::from(self.billing_mode.as_str()));
        for attribute in &self.attribute_definitions {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(&attribute.attribute_name)
                    .attribute_type(ScalarAttributeType::from(attribute.attribute_type.as_str()))
                    .build()
                    .map_err(|e| fail(e.to_string()))?,
            );
        }
        for key in &self.key_schema {
            request = request.key_schema(
                KeySchemaElement::builder()
                    .attribute_name(&key.attribute_name)
                    .key_type(KeyType::from(key.key_type.as_str()))
                    .build()
                    .map_err(|e| fail(e.to_string()))?,
            );
        }
        if let Some(stream) = &self.stream_specification {
            request = request.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(stream.stream_view_type.as_str()))
                    .build()
                    .map_err(|e| fail(e.to_string()))?,
            );
        }
        request.send().await.map_err(|e| {
            fail(format!("CreateTable {name}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
        })?;
        if let Some(ttl) = &self.time_to_live_specification {
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(&ttl.attribute_name)
                        .enabled(ttl.enabled)
                        .build()
                        .map_err(|e| fail(e.to_string()))?,
                )
                .send()
                .await
                .map_err(|e| {
                    fail(format!(
                        "UpdateTimeToLive {name}: {}",
                        aws_sdk_dynamodb::error::DisplayErrorContext(e)
                    ))
                })?;
        }
        Ok(())
    }
}

/// Creates the table unless it exists.
pub async fn ensure_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<bool, ProvisionError> {
    let exists = client.describe_table().table_name(name).send().await.is_ok();
    if exists {
        return Ok(false);
    }
    TableDefinition::from_template(&template_path())?.create(client, name).await?;
    Ok(true)
}

/// Makes `address` a verified SES sender (on an emulator, creating the
/// identity is enough).
pub async fn ensure_sender(
    client: &aws_sdk_sesv2::Client,
    address: &str,
) -> Result<(), ProvisionError> {
    let exists = client.get_email_identity().email_identity(address).send().await.is_ok();
    if !exists {
        client.create_email_identity().email_identity(address).send().await.map_err(|e| {
            fail(format!(
                "CreateEmailIdentity {address}: {}",
                aws_sdk_sesv2::error::DisplayErrorContext(e)
            ))
        })?;
    }
    Ok(())
}

/// Creates the SES configuration set `name` unless it exists.
pub async fn ensure_configuration_set(
    client: &aws_sdk_sesv2::Client,
    name: &str,
) -> Result<(), ProvisionError> {
    let exists = client.get_configuration_set().configuration_set_name(name).send().await.is_ok();
    if !exists {
        let created = client.create_configuration_set().configuration_set_name(name).send().await;
        // Made meanwhile by another caller: as good (moto names the error
        // after the resource).
        if let Err(e) = created
            && !matches!(
                e.code(),
                Some("AlreadyExistsException" | "ConfigurationSetAlreadyExistsException")
            )
        {
            return Err(fail(format!(
                "CreateConfigurationSet {name}: {}",
                aws_sdk_sesv2::error::DisplayErrorContext(e)
            )));
        }
    }
    Ok(())
}

/// Creates the EventBridge bus `name` unless it exists (`default` always
/// does).
pub async fn ensure_event_bus(
    client: &aws_sdk_eventbridge::Client,
    name: &str,
) -> Result<(), ProvisionError> {
    if name == "default" || client.describe_event_bus().name(name).send().await.is_ok() {
        return Ok(());
    }
    let created = client.create_event_bus().name(name).send().await;
    if let Err(e) = created
        && e.code() != Some("ResourceAlreadyExistsException")
    {
        return Err(fail(format!(
            "CreateEventBus {name}: {}",
            aws_sdk_eventbridge::error::DisplayErrorContext(e)
        )));
    }
    Ok(())
}

/// Makes the secret `name` hold `text` (a random text when `None`) unless it
/// exists; answers its ARN.
pub async fn ensure_secret(
    client: &aws_sdk_secretsmanager::Client,
    name: &str,
    text: Option<&str>,
) -> Result<String, ProvisionError> {
    if let Ok(found) = client.describe_secret().secret_id(name).send().await {
        return Ok(found.arn.unwrap_or_else(|| name.to_owned()));
    }
    let text = match text {
        Some(text) => text.to_owned(),
        None => {
            let mut bytes = [0u8; 32];
            OsRandom.fill(&mut bytes).map_err(|e| fail(e.to_string()))?;
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        }
    };
    let created = client.create_secret().name(name).secret_string(text).send().await;
    if let Err(err) = &created
        && err.as_service_error().is_some_and(|e| e.is_resource_exists_exception())
    {
        // Made meanwhile by someone else (tests start in parallel).
        return Ok(name.to_owned());
    }
    let created = created.map_err(|e| {
        fail(format!(
            "CreateSecret {name}: {}",
            aws_sdk_secretsmanager::error::DisplayErrorContext(e)
        ))
    })?;
    Ok(created.arn.unwrap_or_else(|| name.to_owned()))
}

/// A documented demo account of the local stack.
#[derive(Debug, Clone, Copy)]
pub struct DemoAccount {
    pub login: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub password: Option<&'static str>,
    pub social_provider: Option<&'static str>,
    pub disabled: bool,
    pub note: &'static str,
}

/// The demo accounts the local stack seeds (listed in the README).
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        login: "ada",
        email: "ada@example.com",
        phone: "+4915112345678",
        password: Some("analytical engine 1843"),
        social_provider: None,
        disabled: false,
        note: "has a password: gets a reset link by email, or a code by SMS",
    },
    DemoAccount {
        login: "grace",
        email: "grace@example.com",
        phone: "+4915112345679",
        password: None,
        social_provider: Some("Google"),
        disabled: false,
        note: "signs in with Google: is told (email or SMS) to reset there",
    },
    DemoAccount {
        login: "linus",
        email: "linus@example.com",
        phone: "+4915112345670",
        password: Some("just for fun 1991"),
        social_provider: None,
        disabled: true,
        note: "disabled: gets nothing",
    },
];

/// The salt of an imported demo account's hash: its login repeated, so a
/// second seeding imports the very hash the first did (`unchanged`), not a
/// new one. Demo passwords only; every other hash takes a random salt.
struct LoginSalt(&'static str);

impl RandomSource for LoginSalt {
    fn fill(&self, buf: &mut [u8]) -> Result<(), recovery_domain::RandomError> {
        for (byte, from) in buf.iter_mut().zip(self.0.bytes().cycle()) {
            *byte = from;
        }
        Ok(())
    }
}

/// Creates the demo accounts that do not exist yet; returns how many it made.
/// Through the administrator's actions (caller `local-stack`): `invite_user`
/// and `set_password`; `import_users` for the provider and disabled ones.
pub async fn seed_demo_accounts(recovery: &Administration) -> Result<usize, ProvisionError> {
    let by = |step: &str, login: &str| {
        Requester::trusted("local-stack".into(), format!("local-stack-{step}-{login}"))
    };
    let mut created = 0;
    let mut imports = Vec::new();
    for demo in DEMO_ACCOUNTS {
        let login = LoginName::parse(demo.login).map_err(|e| fail(e.to_string()))?;
        let email = EmailAddress::parse(demo.email).map_err(|e| fail(e.to_string()))?;
        let phone = PhoneNumber::parse(demo.phone).map_err(|e| fail(e.to_string()))?;
        if demo.social_provider.is_some() || demo.disabled {
            imports.push(Ok(ImportRow {
                login,
                email: Some(email),
                phone: Some(phone),
                social_provider: demo.social_provider.map(str::to_owned),
                disabled: demo.disabled,
                locale: None,
                password_hash: demo
                    .password
                    .map(|p| {
                        PasswordHasher::owasp().hash(&Password::new(p), &LoginSalt(demo.login))
                    })
                    .transpose()
                    .map_err(|e| fail(e.to_string()))?,
                workspaces: vec![],
            }));
            continue;
        }
        let (email, phone, locale) = (Some(email), Some(phone), None);
        let new_user = NewUser { login: login.clone(), email, phone, locale, workspaces: vec![] };
        match recovery.admin_invite_user(&by("invite", demo.login), new_user).await {
            Ok(_) => created += 1,
            Err(AdminError::LoginTaken | AdminError::EmailTaken | AdminError::PhoneTaken) => {
                continue;
            }
            Err(err) => return Err(fail(format!("invite_user {}: {err}", demo.login))),
        }
        if let Some(password) = demo.password {
            let password = SecretString::from(password.to_owned());
            recovery
                .admin_set_password(
                    &by("password", demo.login),
                    &AccountLookup::Login(login),
                    &password,
                    &password,
                )
                .await
                .map_err(|err| fail(format!("set_password {}: {err}", demo.login)))?;
        }
    }
    let results = recovery
        .admin_import_users(&by("import", "demo"), imports)
        .await
        .map_err(|err| fail(format!("import_users: {err}")))?;
    for row in results {
        match row.result {
            Imported::Created { .. } => created += 1,
            // Seeded by an earlier run, or a name taken on purpose.
            Imported::Unchanged { .. } | Imported::Updated { .. } | Imported::Conflict { .. } => {}
            Imported::Invalid { field, message } => {
                return Err(fail(format!(
                    "import_users {}: {field}: {message}",
                    row.login.unwrap_or_default()
                )));
            }
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_table_of_the_sam_template() {
        let table = TableDefinition::from_template(&template_path()).unwrap();
        assert_eq!(table.billing_mode, "PAY_PER_REQUEST");
        let keys: Vec<_> = table
            .key_schema
            .iter()
            .map(|k| (k.attribute_name.as_str(), k.key_type.as_str()))
            .collect();
        assert_eq!(keys, [("pk", "HASH"), ("sk", "RANGE")]);
        assert_eq!(
            table.time_to_live_specification,
            Some(TtlSpec {
                attribute_name: recovery_aws::dynamodb::EXPIRES_AT.into(),
                enabled: true
            })
        );
    }

    #[test]
    fn refuses_a_template_without_a_single_table() {
        let err =
            TableDefinition::from_template_text("Resources:\n  A:\n    Type: AWS::SNS::Topic\n")
                .unwrap_err();
        assert!(err.0.contains("exactly one"));
    }
}
