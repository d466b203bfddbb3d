//! Secrets read once per cold start from AWS Secrets Manager: the outbox
//! key's secret text. One `GetSecretValue`; the text never leaves this
//! module but as bytes for a key derivation.

use aws_config::SdkConfig;
use secrecy::SecretBox;

use super::dependency_error;
use crate::ports::DependencyError;

/// The current value of the secret `secret_id` (a name or an ARN), as bytes.
pub async fn read_secret(
    sdk: &SdkConfig,
    secret_id: &str,
) -> Result<SecretBox<Vec<u8>>, DependencyError> {
    const OP: &str = "get_secret_value";
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
