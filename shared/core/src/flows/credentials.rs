//! The product's sign-in check: does this password open the account that
//! this login, email address or phone number names? One answer, at one
//! time (the sign-in floor), for every way it can fail (no account,
//! disabled, locked, signs in only through another provider, wrong
//! password under any scheme); a growing delay after repeated attempts for
//! what was typed from one source, a ceiling on the account's guesses from
//! sources it does not know, and a hash in an older or imported scheme
//! replaced by the current Argon2id on success.

use secrecy::{ExposeSecret, SecretString};
use tracing::{info, warn};

use super::Recovery;
use super::limits::{RATE_ATTEMPTS, Round, counted};
use crate::ports::Written;
use crate::ports::{CounterKey, CounterUpdate, DependencyError, GUESSES_COUNTER, RateCounter};
use recovery_domain::{
    AccountLookup, Backoff, HashError, Measure, Password, PasswordHash, RateWindow, SignInResult,
    Tally, Timestamp, UserAccount, UserId, address_key,
};

/// What a credential check answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialCheck {
    /// The password opens this account.
    Valid { user_id: UserId, login: String, password_changed_at: Option<Timestamp> },
    /// No: whatever the reason, the same answer.
    Invalid,
    /// Too many attempts for what was typed: no check was made; try again
    /// after this many seconds.
    RetryAfter(i64),
}

/// Why a check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    #[error(transparent)]
    Hashing(#[from] HashError),
}

/// Checks of one account's password that sources not familiar to it may
/// make in any hour, across all its identifiers: past them such a source
/// waits, whatever the password.
pub const ACCOUNT_GUESSES_PER_HOUR: u32 = 20;

/// How long a source the account signed in from stays familiar: its checks
/// are held only by its own delay, never by the account's ceiling.
pub const FAMILIAR_FOR_SECONDS: i64 = 30 * 86_400;

const GUESSES: [RateWindow; 1] = [RateWindow { seconds: 3600, max: ACCOUNT_GUESSES_PER_HOUR }];
const FAMILIAR: [RateWindow; 1] = [RateWindow { seconds: FAMILIAR_FOR_SECONDS, max: u32::MAX }];

/// Where a sign-in check comes from, as the product says: the caller's
/// address (an IPv6 one by its /64) and, when given, its device. A check
/// that says neither comes from the one shared source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSource(Option<String>);

impl SignInSource {
    /// The one source of every check that names none.
    pub const SHARED: SignInSource = SignInSource(None);

    pub fn new(address: Option<&str>, device: Option<&str>) -> Self {
        let address = address.map(str::trim).filter(|a| !a.is_empty()).map(address_key);
        let device = device.map(str::trim).filter(|d| !d.is_empty());
        Self(match (address, device) {
            (None, None) => None,
            (Some(address), None) => Some(address),
            (address, Some(device)) => Some(format!("{}/{device}", address.unwrap_or_default())),
        })
    }

    /// As a counter key's part, when it names one.
    pub fn key(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// What one counted round found: the account, the typed counter as
/// written, and whether the source is familiar to the account.
struct Counted {
    account: Option<UserAccount>,
    typed: RateCounter,
    familiar: Option<RateCounter>,
    now: Timestamp,
}

impl Recovery {
    /// Checks `password` against the account `typed` names, asked from
    /// `source`. Each check is counted before the password is checked (so
    /// checks made at once are counted too): against what was typed from
    /// this source (a growing delay, [`Backoff::SIGN_IN`]), and, unless the
    /// source is familiar to the account, against the account's ceiling
    /// ([`ACCOUNT_GUESSES_PER_HOUR`]; for an identifier that names no
    /// account, against the same ceiling of what was typed). A valid check
    /// clears the source's delay and makes the source familiar. Every
    /// answer but a valid one comes no sooner than the sign-in floor
    /// (`RecoverySettings::sign_in_floor`), so no way of failing is told
    /// by its time.
    pub async fn verify_credentials(
        &self,
        typed: &str,
        password: &SecretString,
        source: &SignInSource,
    ) -> Result<CredentialCheck, CredentialError> {
        let started = tokio::time::Instant::now();
        let answer = self.check_counted(typed, password, source).await;
        let result = match &answer {
            Ok(CredentialCheck::Valid { .. }) => Some(SignInResult::Valid),
            Ok(CredentialCheck::Invalid) => Some(SignInResult::Invalid),
            Ok(CredentialCheck::RetryAfter(_)) => Some(SignInResult::Delayed),
            Err(_) => None,
        };
        if let Some(result) = result {
            self.funnel.record(Measure::SignIn(result));
        }
        if !matches!(answer, Ok(CredentialCheck::Valid { .. }) | Err(_)) {
            tokio::time::sleep_until(started + self.settings.sign_in_floor).await;
        }
        answer
    }

    async fn check_counted(
        &self,
        typed: &str,
        password: &SecretString,
        source: &SignInSource,
    ) -> Result<CredentialCheck, CredentialError> {
        let Ok(lookup) = AccountLookup::parse(typed) else {
            // Nothing to key a delay on, and nothing to find: the work of a
            // wrong password, and its answer.
            self.verify_password(password, self.hasher.dummy_hash().clone()).await?;
            return Ok(CredentialCheck::Invalid);
        };
        let lookup = &lookup;
        let keys = &[CounterKey::sign_in_from(lookup, source.key()), CounterKey::guesses(lookup)];
        let familiar_kind = source.key().map(CounterKey::familiar_kind);
        let kinds: &Vec<&str> =
            &[Some(GUESSES_COUNTER), familiar_kind.as_deref()].into_iter().flatten().collect();
        let counted = self
            .in_rounds(move || async move {
                let state = self.codes.load_request(lookup, keys, kinds).await?;
                if state.account.is_none() {
                    // The read of the account that was not found.
                    self.users.read_stand_in(kinds).await?;
                }
                let missing = || DependencyError::new("load_request", "MissingCounter");
                let [typed, typed_guesses] = state.counters.as_slice() else {
                    return Err(missing().into());
                };
                let now = self.clock.now();
                let hits = match Backoff::SIGN_IN.decide(&typed.hits, now) {
                    Ok(hits) => hits,
                    Err(wait) => {
                        info!(retry_after_seconds = wait, "credential check delayed");
                        return Ok(Round::Done(Err(wait)));
                    }
                };
                let expires = now.plus_seconds(Backoff::SIGN_IN.window_seconds);
                let mut updates = vec![CounterUpdate::replace(typed, hits.clone(), expires)];
                // The account's guesses (what was typed stands in for an
                // account there is not), unless the source is familiar.
                let (guesses, familiar) = match &state.account {
                    Some(_) => (state.account_counters.first(), state.account_counters.get(1)),
                    None => (Some(typed_guesses), None),
                };
                let guesses = guesses.ok_or_else(missing)?;
                let is_familiar =
                    familiar.is_some_and(|f| f.hits.inside(&FAMILIAR[0], now.epoch_seconds()) > 0);
                if !is_familiar {
                    match counted(guesses, &GUESSES, now) {
                        Ok(update) => updates.push(update),
                        Err(wait) => {
                            info!(retry_after_seconds = wait, "credential check over the ceiling");
                            return Ok(Round::Done(Err(wait)));
                        }
                    }
                }
                if self.codes.record_hits(&updates, None).await? == Written::Stale {
                    return Ok(Round::Again);
                }
                let typed =
                    RateCounter { key: typed.key.clone(), hits, version: typed.version + 1 };
                let familiar = familiar.cloned();
                let counted = Counted { account: state.account, typed, familiar, now };
                Ok::<_, CredentialError>(Round::Done(Ok(counted)))
            })
            .await?;
        match counted {
            Some(Ok(counted)) => self.check(counted, password).await,
            Some(Err(wait)) => Ok(CredentialCheck::RetryAfter(wait)),
            None => {
                // Other attempts for the same login keep moving the count.
                warn!(rounds = RATE_ATTEMPTS, "attempt counter kept moving; asked to retry");
                Ok(CredentialCheck::RetryAfter(1))
            }
        }
    }

    /// The check itself, once the attempt is counted: valid clears the
    /// source's delay and makes the source familiar to the account.
    async fn check(
        &self,
        counted: Counted,
        password: &SecretString,
    ) -> Result<CredentialCheck, CredentialError> {
        let Counted { account, typed, familiar, now } = counted;
        let usable = account.as_ref().filter(|a| !a.blocked());
        let stored = usable.and_then(|a| a.password_hash.clone());
        let hash = stored.clone().unwrap_or_else(|| self.hasher.dummy_hash().clone());
        let opens = self.verify_password(password, hash).await?;
        let (Some(account), Some(stored), true) = (usable, stored, opens) else {
            info!(outcome = "invalid", "credentials checked");
            return Ok(CredentialCheck::Invalid);
        };
        let mut updates = vec![CounterUpdate::replace(&typed, Tally::default(), now)];
        let familiar_until = now.plus_seconds(FAMILIAR_FOR_SECONDS);
        if let Some(familiar) = &familiar {
            let seen = Tally::of(&FAMILIAR, &[now.epoch_seconds()]);
            updates.push(CounterUpdate::replace(familiar, seen, familiar_until));
        }
        if let Err(err) = self.codes.record_hits(&updates, None).await {
            warn!(error = %err, "the attempts of a valid sign-in were not cleared");
        }
        if !self.hasher.is_current(&stored) {
            self.upgrade(account, &stored, password).await;
        }
        info!(outcome = "valid", user_id = %account.id, "credentials checked");
        Ok(CredentialCheck::Valid {
            user_id: account.id.clone(),
            login: account.login.as_str().to_owned(),
            password_changed_at: account.password_changed_at,
        })
    }

    /// Replaces `stored` (an older or imported scheme) by the current
    /// Argon2id of `password`, provided it is still the account's hash (a
    /// reset meanwhile wins). Best effort: the sign-in stands either way.
    async fn upgrade(&self, account: &UserAccount, stored: &PasswordHash, password: &SecretString) {
        let new = match self.hash(Password::new(password.expose_secret())).await {
            Ok(new) => new,
            Err(err) => {
                warn!(error = %err, "a hash was not upgraded");
                return;
            }
        };
        match self.users.upgrade_hash(account, stored, &new).await {
            Ok(Written::Done) => info!(user_id = %account.id, "password hash upgraded to Argon2id"),
            Ok(Written::Stale) => {
                info!(user_id = %account.id, "hash changed meanwhile; not upgraded")
            }
            Err(err) => warn!(error = %err, "a hash was not upgraded"),
        }
    }

    /// Whether `password` matches `hash`, checked on the blocking pool.
    async fn verify_password(
        &self,
        password: &SecretString,
        hash: PasswordHash,
    ) -> Result<bool, HashError> {
        let (hasher, candidate) = (self.hasher.clone(), password.clone());
        tokio::task::spawn_blocking(move || hasher.verify(candidate.expose_secret(), &hash))
            .await
            .map_err(|_| HashError::Task)
    }
}
