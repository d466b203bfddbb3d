//! The keys the flows seal, sign and check with, and when they are at hand.
//! A function starts reading them from their secrets as it starts, without
//! waiting for them: the read runs beside its first request's store calls,
//! and a flow awaits the keys only where it first uses one. A first read
//! that fails is tried again by the next request that needs a key.
//!
//! Secrets rotate. Everything sealed, signed or MACed names its key's
//! version ([`KeyId`]), and a function holds the current version and the
//! previous one: it reads the current one again once its keys are older
//! than the refresh interval (keeping the one it replaces as the previous
//! one), and reads both again when it meets a version it does not hold,
//! at most once per [`REREAD_AT_MOST_EVERY`]. A read again that fails keeps
//! the keys held.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{info, warn};

use crate::ports::DependencyError;
use recovery_domain::{CodeSecret, KeyId, OriginSecret, OutboxKey};

/// The fewest seconds between two reads for a version not held: what a
/// forged id can cost.
pub const REREAD_AT_MOST_EVERY: Duration = Duration::from_secs(10);
/// When a read again failed, how long the keys held serve before the next
/// try.
const RETRY_AFTER: Duration = Duration::from_secs(10);

/// A key's versions as a function holds them: the current one seals, signs
/// and MACs; the previous one still opens and checks what was made under it
/// before a rotation.
#[derive(Clone)]
pub struct Versions<K> {
    pub current: K,
    pub previous: Option<K>,
}

/// A key that knows its version.
pub trait Versioned: Clone {
    fn id(&self) -> KeyId;
}

impl Versioned for Arc<OutboxKey> {
    fn id(&self) -> KeyId {
        OutboxKey::id(self)
    }
}

impl Versioned for CodeSecret {
    fn id(&self) -> KeyId {
        CodeSecret::id(self)
    }
}

impl Versioned for OriginSecret {
    fn id(&self) -> KeyId {
        OriginSecret::id(self)
    }
}

impl<K: Versioned> Versions<K> {
    pub fn new(current: K) -> Self {
        Self { current, previous: None }
    }

    /// The key of version `id`; for what names no version (made before
    /// versions were named), every key held, the current one first.
    pub fn named(&self, id: Option<KeyId>) -> impl Iterator<Item = &K> {
        [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .filter(move |key| id.is_none_or(|id| key.id() == id))
    }

    /// Whether version `id` is held (anything naming no version is).
    pub fn holds(&self, id: Option<KeyId>) -> bool {
        self.named(id).next().is_some()
    }

    /// These versions after a read found `read`: a read with the previous
    /// version is taken as it is; a read of the current one alone keeps the
    /// current one it replaces as the previous one.
    fn after(&self, read: Self) -> Self {
        if read.previous.is_some() {
            return read;
        }
        let previous = if read.current.id() == self.current.id() {
            self.previous.clone()
        } else {
            info!(from = %self.current.id(), to = %read.current.id(), "a key was rotated");
            Some(self.current.clone())
        };
        Self { current: read.current, previous }
    }
}

/// The keys a function has: the outbox key's versions (sealing messages,
/// signing "This was not me" links), the SMS code key's and the secret a
/// CloudFront distribution in front of the API sends, each when configured.
#[derive(Clone, Default)]
pub struct KeySet {
    pub outbox: Option<Versions<Arc<OutboxKey>>>,
    pub code: Option<Versions<CodeSecret>>,
    pub origin: Option<Versions<OriginSecret>>,
}

impl KeySet {
    /// The keys of one version each.
    pub fn new(outbox: Option<Arc<OutboxKey>>, code: Option<CodeSecret>) -> Self {
        Self { outbox: outbox.map(Versions::new), code: code.map(Versions::new), origin: None }
    }

    /// Whether `presented` is the distribution's secret (either version
    /// held, so a rotation of it loses no request): never without one.
    pub fn from_the_edge(&self, presented: &str) -> bool {
        self.origin.as_ref().is_some_and(|v| v.named(None).any(|s| s.admits(presented)))
    }

    /// The outbox key's versions; a flow that sends (or a delivery) cannot
    /// run without them.
    pub fn outbox_keys(&self) -> Result<&Versions<Arc<OutboxKey>>, DependencyError> {
        self.outbox.as_ref().ok_or_else(|| DependencyError::new("outbox_key", "NoKey"))
    }

    /// The key messages are sealed under and lock links signed with now.
    pub fn outbox_key(&self) -> Result<&Arc<OutboxKey>, DependencyError> {
        self.outbox_keys().map(|versions| &versions.current)
    }

    /// The SMS code key's versions; the phone flows cannot run without them.
    pub fn code_secrets(&self) -> Result<&Versions<CodeSecret>, DependencyError> {
        self.code
            .as_ref()
            .ok_or_else(|| DependencyError::new("sms_code", "SmsCodeSecretNotConfigured"))
    }

    /// The key new codes are MACed under.
    pub fn code_secret(&self) -> Result<&CodeSecret, DependencyError> {
        self.code_secrets().map(|versions| &versions.current)
    }

    fn after(&self, read: KeySet) -> KeySet {
        fn merge<K: Versioned>(
            held: &Option<Versions<K>>,
            read: Option<Versions<K>>,
        ) -> Option<Versions<K>> {
            match (held, read) {
                (Some(held), Some(read)) => Some(held.after(read)),
                (_, read) => read,
            }
        }
        KeySet {
            outbox: merge(&self.outbox, read.outbox),
            code: merge(&self.code, read.code),
            origin: merge(&self.origin, read.origin),
        }
    }
}

/// Which versions a read reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    Current,
    CurrentAndPrevious,
}

/// A read of the keys.
pub type ReadKeys = Box<
    dyn Fn(Read) -> Pin<Box<dyn Future<Output = Result<KeySet, DependencyError>> + Send>>
        + Send
        + Sync,
>;

/// The keys, at hand or being read. Cloning shares them.
#[derive(Clone)]
pub struct Keys(Arc<Inner>);

struct Inner {
    held: Mutex<Option<Held>>,
    /// Taken by the one request that reads; holds the read started with the
    /// function until a request awaits it.
    reading: tokio::sync::Mutex<Option<JoinHandle<Result<KeySet, DependencyError>>>>,
    read: Option<ReadKeys>,
    refresh_every: Duration,
}

#[derive(Clone)]
struct Held {
    keys: Arc<KeySet>,
    /// When the current versions are to be read again (never, for keys at
    /// hand).
    stale_at: Option<Instant>,
    /// When both versions were last read.
    previous_read_at: Option<Instant>,
}

impl Keys {
    /// Keys at hand (tests, and functions without secrets).
    pub fn ready(keys: KeySet) -> Self {
        let held = Held { keys: Arc::new(keys), stale_at: None, previous_read_at: None };
        Keys(Arc::new(Inner {
            held: Mutex::new(Some(held)),
            reading: tokio::sync::Mutex::new(None),
            read: None,
            refresh_every: Duration::MAX,
        }))
    }

    /// The outbox key alone, at hand.
    pub fn outbox(key: Arc<OutboxKey>) -> Self {
        Self::ready(KeySet::new(Some(key), None))
    }

    /// Starts `read` of the current versions now, on the runtime this is
    /// called on, and keeps it to read again after `refresh_every`, when a
    /// version is not held, or should this read fail.
    pub fn reading(read: ReadKeys, refresh_every: Duration) -> Self {
        let first = tokio::spawn(read(Read::Current));
        Keys(Arc::new(Inner {
            held: Mutex::new(None),
            reading: tokio::sync::Mutex::new(Some(first)),
            read: Some(read),
            refresh_every,
        }))
    }

    /// The keys, read once and again after the refresh interval. A failed
    /// first read is the error of the request that awaited it (one request
    /// at a time awaits a read); the next request reads again.
    pub async fn get(&self) -> Result<Arc<KeySet>, DependencyError> {
        let fresh = |held: &Held| held.stale_at.is_none_or(|at| Instant::now() < at);
        match self.held() {
            Some(held) if fresh(&held) => Ok(held.keys),
            _ => self.read(Read::Current, fresh).await,
        }
    }

    /// The keys, read again with the previous versions when `holds` says the
    /// keys held lack a version needed, unless they were so read less than
    /// [`REREAD_AT_MOST_EVERY`] ago. The caller checks again.
    pub async fn holding(
        &self,
        holds: impl Fn(&KeySet) -> bool,
    ) -> Result<Arc<KeySet>, DependencyError> {
        let keys = self.get().await?;
        if holds(&keys) {
            return Ok(keys);
        }
        let done = |held: &Held| {
            holds(&held.keys)
                || held.previous_read_at.is_some_and(|at| at.elapsed() < REREAD_AT_MOST_EVERY)
        };
        self.read(Read::CurrentAndPrevious, done).await
    }

    /// As [`Self::holding`], and whether the versions held were read with
    /// the previous ones during the call: a version still not held after
    /// such a read is not one of the two that exist (made two rotations
    /// ago, or forged), and no later read will find it.
    pub async fn holding_after_read(
        &self,
        holds: impl Fn(&KeySet) -> bool,
    ) -> Result<(Arc<KeySet>, bool), DependencyError> {
        let read_at = || self.held().and_then(|held| held.previous_read_at);
        let before = read_at();
        let keys = self.holding(holds).await?;
        let after = read_at();
        Ok((keys, after.is_some() && after != before))
    }

    fn held(&self) -> Option<Held> {
        self.0.held.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Reads `what` unless, once this request's turn to read comes, `done`
    /// says the keys held will do.
    async fn read(
        &self,
        what: Read,
        done: impl Fn(&Held) -> bool,
    ) -> Result<Arc<KeySet>, DependencyError> {
        let mut started = self.0.reading.lock().await;
        if let Some(held) = self.held().filter(|held| done(held)) {
            return Ok(held.keys);
        }
        let read = match (started.take(), &self.0.read) {
            (Some(started), _) => started
                .await
                .unwrap_or_else(|_| Err(DependencyError::new("read_keys", "ReadAborted"))),
            (None, Some(read)) => read(what).await,
            (None, None) => match self.held() {
                Some(held) => return Ok(held.keys),
                None => Err(DependencyError::new("read_keys", "NoKeys")),
            },
        };
        let now = Instant::now();
        let mut held = self.0.held.lock().unwrap_or_else(PoisonError::into_inner);
        let next = match (read, held.take()) {
            (Ok(read), before) => Held {
                keys: Arc::new(match &before {
                    Some(before) => before.keys.after(read),
                    None => read,
                }),
                stale_at: now.checked_add(self.0.refresh_every),
                previous_read_at: match what {
                    Read::CurrentAndPrevious => Some(now),
                    Read::Current => before.and_then(|b| b.previous_read_at),
                },
            },
            (Err(err), Some(before)) => {
                warn!(error = %err, "the keys could not be read again; those held serve meanwhile");
                let previous_read_at = match what {
                    Read::CurrentAndPrevious => Some(now),
                    Read::Current => before.previous_read_at,
                };
                Held { stale_at: now.checked_add(RETRY_AFTER), previous_read_at, ..before }
            }
            (Err(err), None) => return Err(err),
        };
        let keys = next.keys.clone();
        *held = Some(next);
        Ok(keys)
    }
}

#[cfg(test)]
mod tests;
