//! Secrets read once per cold start from AWS Secrets Manager: the outbox
//! key's secret text and the SMS code key. One `GetSecretValue` each, read
//! at once; the text never leaves this module but as bytes for a key.

use aws_config::SdkConfig;
use secrecy::SecretBox;

use super::dependency_error;
use recovery_core::ports::DependencyError;

/// The current values of the secrets named (names or ARNs), read at once;
/// `None` for an empty name.
pub async fn read_secrets(
    sdk: &SdkConfig,
    [first, second]: [Option<&str>; 2],
) -> [Result<Option<SecretBox<Vec<u8>>>, DependencyError>; 2] {
    async fn named(
        sdk: &SdkConfig,
        id: Option<&str>,
    ) -> Result<Option<SecretBox<Vec<u8>>>, DependencyError> {
        match id {
            None => Ok(None),
            Some(id) => read_secret(sdk, id).await.map(Some),
        }
    }
    let (first, second) = tokio::join!(named(sdk, first), named(sdk, second));
    [first, second]
}

const OP: &str = "get_secret_value";

/// The current value of the secret `secret_id` (a name or an ARN), as bytes.
pub async fn read_secret(
    sdk: &SdkConfig,
    secret_id: &str,
) -> Result<SecretBox<Vec<u8>>, DependencyError> {
    let output = aws_sdk_secretsmanager::Client::new(sdk)
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|err| dependency_error(OP, &err))?;
    let bytes = match (output.secret_string, output.secret_binary) {
        (Some(text), _) => text.into_bytes(),
        (None, Some(blob)) => blob.into_inner(),
        (None, None) => return Err(DependencyError::new(OP, "EmptySecret")),
    };
    Ok(SecretBox::new(Box::new(bytes)))
}
