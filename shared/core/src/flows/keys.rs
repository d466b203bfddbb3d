//! The keys the flows seal, sign and check with, and when they are at hand.
//! A function starts reading them from their secrets as it starts, without
//! waiting for them: the read runs beside its first request's store calls,
//! and a flow awaits the keys only where it first uses one. A read that
//! fails is tried again by the next request that needs a key.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;
use tokio::task::JoinHandle;

use crate::ports::DependencyError;
use recovery_domain::{CodeSecret, OutboxKey};

/// The keys a function has: the outbox key (sealing messages, signing
/// "This was not me" links) and the SMS code key, each when configured.
#[derive(Clone, Default)]
pub struct KeySet {
    pub outbox: Option<Arc<OutboxKey>>,
    pub code: Option<CodeSecret>,
}

impl KeySet {
    /// The key messages are sealed under and lock links signed with; a flow
    /// that sends (or a delivery) cannot run without it.
    pub fn outbox_key(&self) -> Result<&Arc<OutboxKey>, DependencyError> {
        self.outbox.as_ref().ok_or_else(|| DependencyError::new("outbox_key", "NoKey"))
    }

    /// The key stored codes are MACed under; the phone flows cannot run
    /// without it.
    pub fn code_secret(&self) -> Result<&CodeSecret, DependencyError> {
        self.code
            .as_ref()
            .ok_or_else(|| DependencyError::new("sms_code", "SmsCodeSecretNotConfigured"))
    }
}

/// A read of the keys, started again after one failed.
pub type ReadKeys = Box<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<KeySet, DependencyError>> + Send>> + Send + Sync,
>;

/// The keys, at hand or being read. Cloning shares them.
#[derive(Clone)]
pub struct Keys(Arc<Inner>);

struct Inner {
    ready: OnceCell<Arc<KeySet>>,
    /// The read started with the function, until a request awaits it.
    started: Mutex<Option<JoinHandle<Result<KeySet, DependencyError>>>>,
    read: Option<ReadKeys>,
}

impl Keys {
    /// Keys at hand (tests, and functions without secrets).
    pub fn ready(keys: KeySet) -> Self {
        Keys(Arc::new(Inner {
            ready: OnceCell::new_with(Some(Arc::new(keys))),
            started: Mutex::new(None),
            read: None,
        }))
    }

    /// The outbox key alone, at hand.
    pub fn outbox(key: Arc<OutboxKey>) -> Self {
        Self::ready(KeySet { outbox: Some(key), code: None })
    }

    /// Starts `read` now, on the runtime this is called on, and keeps it to
    /// read again should this read fail.
    pub fn reading(read: ReadKeys) -> Self {
        let first = tokio::spawn(read());
        Keys(Arc::new(Inner {
            ready: OnceCell::new(),
            started: Mutex::new(Some(first)),
            read: Some(read),
        }))
    }

    /// The keys, once read. A failed read is the error of the request that
    /// awaited it (one request at a time awaits a read); the next request
    /// reads again.
    pub async fn get(&self) -> Result<Arc<KeySet>, DependencyError> {
        let read = || async {
            let started = self.0.started.lock().unwrap_or_else(PoisonError::into_inner).take();
            let keys = match (started, &self.0.read) {
                (Some(started), _) => started
                    .await
                    .unwrap_or_else(|_| Err(DependencyError::new("read_keys", "ReadAborted"))),
                (None, Some(read)) => read().await,
                (None, None) => Err(DependencyError::new("read_keys", "NoKeys")),
            };
            keys.map(Arc::new)
        };
        self.0.ready.get_or_try_init(read).await.cloned()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counting(reads: Arc<AtomicUsize>, fail_first: usize) -> ReadKeys {
        Box::new(move || {
            let n = reads.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if n < fail_first {
                    Err(DependencyError::new("get_secret_value", "ServiceUnavailable"))
                } else {
                    Ok(KeySet::default())
                }
            })
        })
    }

    #[tokio::test]
    async fn the_read_starts_before_it_is_awaited_and_runs_once() {
        let reads = Arc::new(AtomicUsize::new(0));
        let keys = Keys::reading(counting(reads.clone(), 0));
        tokio::task::yield_now().await;
        assert_eq!(reads.load(Ordering::SeqCst), 1, "started without a request");
        let (a, b) = tokio::join!(keys.get(), keys.get());
        assert!(a.is_ok() && b.is_ok());
        keys.clone().get().await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_read_fails_its_request_and_the_next_one_reads_again() {
        let reads = Arc::new(AtomicUsize::new(0));
        let keys = Keys::reading(counting(reads.clone(), 1));
        let failed = keys.get().await.err().unwrap();
        assert_eq!(failed.code, "ServiceUnavailable");
        keys.get().await.unwrap();
        keys.get().await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn keys_at_hand_need_no_read() {
        let keys = Keys::ready(KeySet::default());
        assert!(keys.get().await.unwrap().outbox.is_none());
    }
}
