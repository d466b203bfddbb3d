//! An SMS code, checked and exchanged for a reset token.

use tracing::info;

use super::Recovery;
use crate::ports::Written;
use crate::ports::{Attempt, DependencyError};
use recovery_domain::{
    Measure, PhoneNumber, RandomError, ResetToken, ResetTokenRecord, SmsCode, Step, TokenPurpose,
    Way,
};

/// A correct SMS code, exchanged for a reset token.
pub struct CodeAccepted {
    /// The token to redeem at `POST /password/reset`.
    pub reset_token: String,
    pub expires_in: i64,
}

impl std::fmt::Debug for CodeAccepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeAccepted").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyCodeError {
    #[error("the code is wrong, expired or used, or no code was sent")]
    InvalidCode,
    #[error("too many wrong codes; the code is burned")]
    TooManyAttempts,
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl Recovery {
    /// Checks a code sent to `phone` and, when right, exchanges it for a reset
    /// token. Wrong, expired, used and never-sent codes fail alike; the last
    /// allowed wrong entry burns the code.
    pub async fn verify_code(
        &self,
        phone: &PhoneNumber,
        typed: &str,
    ) -> Result<CodeAccepted, VerifyCodeError> {
        let checked = self.check_code(phone, typed).await;
        match &checked {
            Ok(_) => {
                let calling_code = phone.calling_code().unwrap_or_default();
                let entered = Measure::CodeEntered { calling_code };
                self.funnel
                    .count(&[Measure::Step(Step::CodeAccepted, Way::SmsCode), entered])
                    .await;
            }
            Err(VerifyCodeError::InvalidCode | VerifyCodeError::TooManyAttempts) => {
                self.funnel.count(&[Measure::Step(Step::CodeRefused, Way::SmsCode)]).await;
            }
            Err(_) => {}
        }
        checked
    }

    async fn check_code(
        &self,
        phone: &PhoneNumber,
        typed: &str,
    ) -> Result<CodeAccepted, VerifyCodeError> {
        let code = SmsCode::parse(typed).ok_or(VerifyCodeError::InvalidCode)?;
        // The keys (read as the function started) beside the code.
        let (keys, found) = tokio::join!(self.keys.get(), self.codes.find_code(phone));
        keys?.code_secrets()?;
        let record = found?.ok_or(VerifyCodeError::InvalidCode)?;
        // The version the code was MACed under: read for if not held (a
        // sandbox started after a rotation made it).
        let version = record.mac.key_id();
        let keys =
            self.keys.holding(|keys| keys.code.as_ref().is_some_and(|v| v.holds(version))).await?;
        let secrets = keys.code_secrets()?;
        let now = self.clock.now();
        if !record.is_live_at(now) {
            return Err(VerifyCodeError::InvalidCode);
        }
        if record.attempts_left == 0 {
            return Err(VerifyCodeError::TooManyAttempts);
        }
        // Counted before it is compared, so that guesses sent at once get no
        // more comparisons than the code allows.
        let Attempt::Counted { attempts_left } = self.codes.take_attempt(&record).await? else {
            return Err(VerifyCodeError::InvalidCode);
        };
        let right = secrets.named(version).any(|secret| secret.checks(&record.mac, phone, &code));
        let Some(user_id) = record.user_id.clone().filter(|_| right) else {
            if attempts_left == 0 {
                info!("code burned after too many wrong entries");
                return Err(VerifyCodeError::TooManyAttempts);
            }
            return Err(VerifyCodeError::InvalidCode);
        };
        let token = ResetToken::generate(self.random.as_ref())?;
        let lifetime = self.settings.sms.code_token_lifetime_seconds;
        let mut token_record =
            ResetTokenRecord::issue(&token, &user_id, TokenPurpose::SmsCode, now, lifetime);
        // A recovery by code runs from the code's issue: the time it took
        // is measured from there when the password is set.
        token_record.issued_at = record.issued_at;
        // The store checks the account (still this number's, and may
        // recover) in the same transaction that consumes the code.
        if self.codes.exchange_code(&record, now, &token_record).await? == Written::Stale {
            return Err(VerifyCodeError::InvalidCode);
        }
        info!(user_id = %user_id, "code exchanged for a reset token");
        // Codes entered, per country: what tells people from pumping.
        if let Some(calling_code) = record.phone.calling_code() {
            self.sms_guard.count_code(super::CodeCount::Entered, calling_code, now).await;
        }
        Ok(CodeAccepted { reset_token: token.expose_for_link(), expires_in: lifetime })
    }
}
