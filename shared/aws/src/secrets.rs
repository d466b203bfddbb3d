//! Secrets read from AWS Secrets Manager: the outbox key's secret text and
//! the SMS code key, their current versions (`AWSCURRENT`) and, when asked
//! for, their previous ones (`AWSPREVIOUS`). One `GetSecretValue` per
//! version, all read at once; the text never leaves this module but as
//! bytes for a key.

use aws_config::SdkConfig;
use secrecy::SecretBox;

use super::dependency_error;
use recovery_core::ports::DependencyError;

/// A secret's text, as bytes.
pub type SecretBytes = SecretBox<Vec<u8>>;

/// A secret's versions as read.
pub struct SecretVersions {
    pub current: SecretBytes,
    /// `AWSPREVIOUS`, when asked for and the secret has one.
    pub previous: Option<SecretBytes>,
}

/// The values of the secrets named (names or ARNs), read at once, with
/// their previous versions when `with_previous`; `None` for an empty name.
pub async fn read_secrets(
    sdk: &SdkConfig,
    [first, second, third]: [Option<&str>; 3],
    with_previous: bool,
) -> [Result<Option<SecretVersions>, DependencyError>; 3] {
    async fn named(
        sdk: &SdkConfig,
        id: Option<&str>,
        with_previous: bool,
    ) -> Result<Option<SecretVersions>, DependencyError> {
        let Some(id) = id else { return Ok(None) };
        let previous = async {
            match with_previous {
                true => read_stage(sdk, id, "AWSPREVIOUS").await,
                false => Ok(None),
            }
        };
        let (current, previous) = tokio::join!(read_secret(sdk, id), previous);
        Ok(Some(SecretVersions { current: current?, previous: previous? }))
    }
    let (first, second, third) = tokio::join!(
        named(sdk, first, with_previous),
        named(sdk, second, with_previous),
        named(sdk, third, with_previous)
    );
    [first, second, third]
}

const OP: &str = "get_secret_value";

/// The current value of the secret `secret_id` (a name or an ARN).
pub async fn read_secret(sdk: &SdkConfig, secret_id: &str) -> Result<SecretBytes, DependencyError> {
    read_stage(sdk, secret_id, "AWSCURRENT")
        .await?
        .ok_or_else(|| DependencyError::new(OP, "ResourceNotFoundException"))
}

/// The version of `secret_id` at `stage`; `None` when no version is (a
/// secret never rotated has no `AWSPREVIOUS`).
async fn read_stage(
    sdk: &SdkConfig,
    secret_id: &str,
    stage: &str,
) -> Result<Option<SecretBytes>, DependencyError> {
    let read = aws_sdk_secretsmanager::Client::new(sdk)
        .get_secret_value()
        .secret_id(secret_id)
        .version_stage(stage)
        .send()
        .await;
    let output = match read {
        Ok(output) => output,
        Err(err) => {
            let err = dependency_error(OP, &err);
            return if err.code == "ResourceNotFoundException" { Ok(None) } else { Err(err) };
        }
    };
    let bytes = match (output.secret_string, output.secret_binary) {
        (Some(text), _) => text.into_bytes(),
        (None, Some(blob)) => blob.into_inner(),
        (None, None) => return Err(DependencyError::new(OP, "EmptySecret")),
    };
    Ok(Some(SecretBox::new(Box::new(bytes))))
}
