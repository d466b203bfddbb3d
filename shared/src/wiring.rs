//! Builds the service from its AWS parts, once per cold start: the store
//! ports on the function's table, SES and SNS senders (as linked), the
//! system clock, and the settings the function read. The only code that
//! puts adapters and flows together.

use std::sync::Arc;

use aws_config::SdkConfig;

use crate::aws;
use crate::config::AppConfig;
use crate::domain::SystemClock;
use crate::flows::Recovery;

/// The self-service flows on DynamoDB, SES and SNS, configured by
/// `config`, without the audit trail.
pub fn recovery(sdk: &SdkConfig, config: &AppConfig) -> Recovery {
    Recovery::without_audit(
        Arc::new(aws::DynamoDbStore::from_sdk(sdk, &config.table_name)),
        aws::mailer(sdk, config.mail_from.clone()),
        aws::texter(sdk, config.sms_sender_id.clone()),
        Arc::new(SystemClock),
        config.recovery.clone(),
    )
}

/// As [`recovery`], with the administrator's actions and their audit trail
/// on the same table.
pub fn administration(sdk: &SdkConfig, config: &AppConfig) -> Recovery {
    Recovery::new(
        Arc::new(aws::DynamoDbStore::from_sdk(sdk, &config.table_name)),
        aws::mailer(sdk, config.mail_from.clone()),
        aws::texter(sdk, config.sms_sender_id.clone()),
        Arc::new(SystemClock),
        config.recovery.clone(),
    )
}
