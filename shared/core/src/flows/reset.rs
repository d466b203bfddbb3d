//! A reset token: whether it still works, and a new password through it.

use secrecy::{ExposeSecret, SecretString};
use tracing::{info, warn};

use super::brand::in_workspace;
use super::{NOTICE_SEND_WITHIN_SECONDS, NewPasswordRefused, Recovery, SealError};
use crate::ports::{DependencyError, OutboxItem, RedeemOutcome, Redemption};
use recovery_domain::{
    AccountLookup, ChangeSource, HashError, LOCK_LINK_LIFETIME_SECONDS, Language, MAX_WRONG_LOGINS,
    Measure, NewPasswordError, PolicyViolation, ResetToken, ResetTokenRecord, Step, Timestamp,
    UserAccount, UserId, Way, Workspace, WorkspaceId,
};
use recovery_messages::{EventKind, MessageKind, email, sms};

/// Redemptions that lose a transaction conflict are retried this many times;
/// the conditions keep a retry from succeeding twice.
const REDEEM_ATTEMPTS: usize = 3;

/// A request for a new password through a reset token.
pub struct PasswordChange {
    pub token: String,
    /// When given, it must be the login or email of the token's account.
    pub login: Option<String>,
    pub password: SecretString,
    pub confirmation: SecretString,
    /// The language of the form: the notice that the password changed
    /// speaks it unless the account has a language of its own.
    pub language: Language,
    /// The workspace the link came from: the notice speaks for it, and its
    /// **Log in** comes first.
    pub workspace: Option<WorkspaceId>,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PasswordChanged {
    pub user_id: UserId,
    /// Where to sign in: the first workspace's login page, else the
    /// deployment's.
    pub login_url: String,
    /// Every workspace the account belongs to, the link's first: one
    /// **Log in** each.
    pub log_in: Vec<Workspace>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    #[error("the token is unknown, expired, used or does not match the login")]
    InvalidToken,
    /// On-Premise: the login (or email) must come with the link.
    #[error("the login is required")]
    LoginRequired,
    #[error("the password and its confirmation differ")]
    PasswordMismatch,
    #[error("the password policy refused the password")]
    WeakPassword(Vec<PolicyViolation>),
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Notice(#[from] SealError),
}

impl From<NewPasswordRefused> for SetPasswordError {
    fn from(err: NewPasswordRefused) -> Self {
        match err {
            NewPasswordRefused::Policy(err) => err.into(),
            NewPasswordRefused::Unavailable(err) => Self::Dependency(err),
        }
    }
}

impl From<NewPasswordError> for SetPasswordError {
    fn from(err: NewPasswordError) -> Self {
        match err {
            NewPasswordError::Mismatch => Self::PasswordMismatch,
            NewPasswordError::Weak(reasons) => Self::WeakPassword(reasons),
        }
    }
}

/// Whether a link still works, as shown on the reset page. Looking does not
/// consume anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStatus {
    /// The link works; `login` is its account's, for password managers.
    Usable {
        login: String,
    },
    Invalid,
}

impl Recovery {
    /// Finds the live record and account behind a token, or `None`.
    async fn resolve(
        &self,
        token: &ResetToken,
    ) -> Result<Option<(ResetTokenRecord, UserAccount)>, DependencyError> {
        let digest = token.digest();
        let Some(record) = self.tokens.find(&digest).await? else {
            return Ok(None);
        };
        if !record.is_live_at(self.clock.now()) {
            return Ok(None);
        }
        let Some(account) = self.users.get(&record.user_id).await? else {
            return Ok(None);
        };
        let active = account.active_reset.as_ref() == Some(&digest);
        if !active || !account.may_recover() {
            return Ok(None);
        }
        Ok(Some((record, account)))
    }

    /// Whether the link with `token_text` still works. Read-only: mail
    /// scanners open links, and opening must not use them up.
    pub async fn token_status(&self, token_text: &str) -> Result<TokenStatus, DependencyError> {
        let Some(token) = ResetToken::parse(token_text) else {
            return Ok(TokenStatus::Invalid);
        };
        Ok(match self.resolve(&token).await? {
            Some((record, account)) => {
                let opened = Measure::Step(Step::Opened, Way::from(record.purpose));
                self.funnel.count(&[opened]).await;
                TokenStatus::Usable { login: account.login.as_str().to_owned() }
            }
            None => TokenStatus::Invalid,
        })
    }

    /// Sets a new password through a reset token. The token is consumed and
    /// the hash stored in one transaction; every other link of the account
    /// dies with it. The account is told by email; it is not signed in.
    pub async fn set_password(
        &self,
        change: PasswordChange,
    ) -> Result<PasswordChanged, SetPasswordError> {
        let login = change.login.as_deref().map(str::trim).filter(|l| !l.is_empty());
        if login.is_none() && self.settings.reset_needs_login() {
            return Err(SetPasswordError::LoginRequired);
        }
        let token = ResetToken::parse(&change.token).ok_or(SetPasswordError::InvalidToken)?;
        let (record, account) =
            self.resolve(&token).await?.ok_or(SetPasswordError::InvalidToken)?;
        if let Some(login) = login {
            let names_account = AccountLookup::names(login, &account);
            if !names_account {
                // Guessing the login that goes with a link is limited: the
                // fifth wrong one burns the link.
                let left = self.tokens.record_wrong_login(&record.digest, MAX_WRONG_LOGINS).await?;
                warn!(user_id = %account.id, logins_left = left, "wrong login with a reset token");
                return Err(SetPasswordError::InvalidToken);
            }
        }
        let password = self
            .new_password(
                change.password.expose_secret(),
                change.confirmation.expose_secret(),
                &account,
            )
            .await?;
        let new_hash = self.hash(password).await?;
        let now = self.clock.now();
        let notices = self
            .password_changed_notices(
                &account,
                now,
                ChangeSource::Link(record.purpose),
                (change.language, change.workspace.as_ref()),
            )
            .await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let redemption = Redemption {
                digest: &record.digest,
                user_id: &account.id,
                phone: account.phone.as_ref(),
                new_hash: &new_hash,
                // The time the notices' lock links name.
                now,
                notices: &notices,
            };
            match self.tokens.redeem(redemption).await? {
                RedeemOutcome::Redeemed => break,
                RedeemOutcome::Rejected => return Err(SetPasswordError::InvalidToken),
                RedeemOutcome::Conflict if attempt < REDEEM_ATTEMPTS => {
                    warn!(user_id = %account.id, attempt, "reset transaction conflicted; retrying");
                }
                RedeemOutcome::Conflict => {
                    return Err(
                        DependencyError::new("redeem_reset_token", "TransactionConflict").into()
                    );
                }
            }
        }
        info!(user_id = %account.id, notices = notices.len(), "password changed through a reset token");
        let way = Way::from(record.purpose);
        let seconds = (now.epoch_seconds() - record.issued_at.epoch_seconds()).max(0);
        let set = Measure::Step(Step::PasswordSet, way);
        self.funnel.count(&[set, Measure::Recovered { way, seconds }]).await;
        let log_in = self.log_in_to(&account, change.workspace.as_ref()).await;
        let login_url = match log_in.first() {
            Some(first) => first.login_url.as_str().to_owned(),
            None => self.settings.login_url.clone(),
        };
        Ok(PasswordChanged { user_id: account.id, login_url, log_in })
    }

    /// The notices that `account`'s password changed at `now`: by email
    /// when it has an address, and by SMS when it has only a phone or the
    /// change came through a code sent to it (`by_sms`). They go into the
    /// outbox with the change itself, so a change is never made untold;
    /// and with them the `PasswordChanged` event for the product, saying
    /// `through` what it changed.
    pub(super) async fn password_changed_notices(
        &self,
        account: &UserAccount,
        now: Timestamp,
        source: ChangeSource,
        (language, asked): (Language, Option<&WorkspaceId>),
    ) -> Result<Vec<OutboxItem>, SealError> {
        let by_admin = source.by_administrator();
        let brand = self.brand_for(account, asked).await;
        let context = self.context(account, language, brand.as_ref());
        let send_before = now.plus_seconds(NOTICE_SEND_WITHIN_SECONDS);
        let kind = MessageKind::PasswordChanged;
        // "This was not me", for the change made at `now`.
        let lock = self.lock_link_for(account, now).await?;
        let lock = lock.map(|link| in_workspace(link, brand.as_ref()));
        let mut notices = Vec::new();
        if let Some(to) = &account.email {
            let not_me = lock.as_deref().map(|link| (link, LOCK_LINK_LIFETIME_SECONDS));
            let notice = email::password_changed(to, &context, now, by_admin, not_me);
            notices.push(self.seal_for(account, kind, notice, send_before, brand.as_ref()).await?);
        }
        if let Some(to) = account.phone.as_ref().filter(|_| source.by_sms() || notices.is_empty()) {
            let notice = sms::password_changed(to, &context, by_admin, lock.as_deref());
            notices.push(self.seal_for(account, kind, notice, send_before, brand.as_ref()).await?);
        }
        notices.push(
            self.seal_event(account, EventKind::PasswordChanged, source.through(), now).await?,
        );
        Ok(notices)
    }
}
