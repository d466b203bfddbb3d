//! A new password, checked: the policy first (length, the login, the
//! offline list of common passwords), then the breaches the range API
//! knows, asked with five hex digits of its SHA-1 and given at most the
//! settings' time.

use std::sync::Arc;

use thiserror::Error;
use tracing::{info, warn};

use super::Recovery;
use crate::ports::{BreachedPasswords, DependencyError};
use recovery_domain::{BreachQuery, NewPasswordError, Password, UserAccount, breached};

/// Why a new password was not taken.
#[derive(Debug, Error)]
pub enum NewPasswordRefused {
    /// The two entries differ, or the policy or a breach refuses it.
    #[error(transparent)]
    Policy(#[from] NewPasswordError),
    /// The breach check could not answer in time and the deployment fails
    /// closed.
    #[error(transparent)]
    Unavailable(DependencyError),
}

impl Recovery {
    /// The same flows checking new passwords against `breaches`.
    pub fn with_breaches(self, breaches: Arc<dyn BreachedPasswords>) -> Self {
        Self { breaches: Some(breaches), ..self }
    }

    /// `password`, typed twice, as `account`'s new one: normalised, allowed
    /// by the policy, and seen in no breach the range API knows.
    pub(super) async fn new_password(
        &self,
        password: &str,
        confirmation: &str,
        account: &UserAccount,
    ) -> Result<Password, NewPasswordRefused> {
        let password = self.settings.password_policy.check_new(password, confirmation, account)?;
        let Some(breaches) = &self.breaches else { return Ok(password) };
        let check = &self.settings.breach_check;
        let query = BreachQuery::of(&password);
        let asked = tokio::time::timeout(check.timeout, breaches.range(query.prefix())).await;
        let failure = match asked {
            Ok(Ok(range)) => {
                let seen = query.times_seen(&range);
                if seen > 0 {
                    info!(user_id = %account.id, seen, "new password refused: seen in breaches");
                    return Err(NewPasswordError::Weak(vec![breached()]).into());
                }
                return Ok(password);
            }
            Ok(Err(err)) => err,
            Err(_) => DependencyError::new("breach_range", "Timeout"),
        };
        if check.fail_closed {
            warn!(error = %failure, "the breach check did not answer; the password is refused (fail closed)");
            return Err(NewPasswordRefused::Unavailable(failure));
        }
        warn!(error = %failure, "the breach check did not answer; the password is let through (fail open)");
        Ok(password)
    }
}
