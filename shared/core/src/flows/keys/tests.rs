//! Keys read, kept, read again after the interval and for a version not
//! held, on tokio's paused clock.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

const EVERY: Duration = Duration::from_secs(300);

fn outbox(version: usize) -> Arc<OutboxKey> {
    Arc::new(OutboxKey::derive(format!("outbox secret, version {version:>20}").as_bytes()).unwrap())
}

/// Reads counted (and what they asked for); the first `fail_first`
/// fail. Each read finds the version `version` holds, and the one
/// before it as the previous one when asked for.
struct Source {
    reads: Arc<Mutex<Vec<Read>>>,
    version: Arc<AtomicUsize>,
}

fn source(fail_first: usize) -> (Source, ReadKeys) {
    let reads = Arc::new(Mutex::new(Vec::new()));
    let version = Arc::new(AtomicUsize::new(1));
    let (r, v) = (reads.clone(), version.clone());
    let read: ReadKeys = Box::new(move |what| {
        let n = {
            let mut reads = r.lock().unwrap();
            reads.push(what);
            reads.len()
        };
        let version = v.load(Ordering::SeqCst);
        Box::pin(async move {
            if n <= fail_first {
                return Err(DependencyError::new("get_secret_value", "ServiceUnavailable"));
            }
            let previous =
                (what == Read::CurrentAndPrevious && version > 1).then(|| outbox(version - 1));
            Ok(KeySet {
                outbox: Some(Versions { current: outbox(version), previous }),
                ..KeySet::default()
            })
        })
    });
    (Source { reads, version }, read)
}

impl Source {
    fn reads(&self) -> Vec<Read> {
        self.reads.lock().unwrap().clone()
    }
    fn rotate(&self) {
        self.version.fetch_add(1, Ordering::SeqCst);
    }
}

fn ids(keys: &KeySet) -> (KeyId, Option<KeyId>) {
    let versions = keys.outbox.as_ref().unwrap();
    (versions.current.id(), versions.previous.as_ref().map(|k| k.id()))
}

#[tokio::test]
async fn the_read_starts_before_it_is_awaited_and_runs_once() {
    let (source, read) = source(0);
    let keys = Keys::reading(read, EVERY);
    tokio::task::yield_now().await;
    assert_eq!(source.reads(), [Read::Current], "started without a request");
    let (a, b) = tokio::join!(keys.get(), keys.get());
    assert!(a.is_ok() && b.is_ok());
    keys.clone().get().await.unwrap();
    assert_eq!(source.reads().len(), 1);
}

#[tokio::test]
async fn a_failed_read_fails_its_request_and_the_next_one_reads_again() {
    let (source, read) = source(1);
    let keys = Keys::reading(read, EVERY);
    let failed = keys.get().await.err().unwrap();
    assert_eq!(failed.code, "ServiceUnavailable");
    keys.get().await.unwrap();
    keys.get().await.unwrap();
    assert_eq!(source.reads().len(), 2);
}

#[tokio::test]
async fn keys_at_hand_need_no_read() {
    let keys = Keys::ready(KeySet::default());
    assert!(keys.get().await.unwrap().outbox.is_none());
    assert!(keys.holding(|_| false).await.unwrap().outbox.is_none());
}

#[tokio::test(start_paused = true)]
async fn after_the_interval_the_current_version_is_read_again_and_the_one_it_replaces_kept() {
    let (source, read) = source(0);
    let keys = Keys::reading(read, EVERY);
    assert_eq!(ids(&keys.get().await.unwrap()), (outbox(1).id(), None));
    source.rotate();
    tokio::time::advance(EVERY - Duration::from_secs(1)).await;
    assert_eq!(ids(&keys.get().await.unwrap()), (outbox(1).id(), None), "not yet");
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(ids(&keys.get().await.unwrap()), (outbox(2).id(), Some(outbox(1).id())));
    assert_eq!(source.reads(), [Read::Current, Read::Current]);
    // Read again and unchanged: the previous version stays.
    tokio::time::advance(EVERY).await;
    assert_eq!(ids(&keys.get().await.unwrap()), (outbox(2).id(), Some(outbox(1).id())));
}

#[tokio::test(start_paused = true)]
async fn a_version_not_held_is_read_for_with_the_previous_one_at_most_so_often() {
    let (source, read) = source(0);
    let keys = Keys::reading(read, EVERY);
    keys.get().await.unwrap();
    // Rotated since: what a sandbox started later made is not held.
    source.rotate();
    let wanted = outbox(2).id();
    let holds = |k: &KeySet| k.outbox.as_ref().is_some_and(|v| v.holds(Some(wanted)));
    assert_eq!(ids(&keys.holding(holds).await.unwrap()), (wanted, Some(outbox(1).id())));
    assert_eq!(source.reads(), [Read::Current, Read::CurrentAndPrevious]);
    // Held now: no read. An id held by no version (forged) reads again
    // only once per REREAD_AT_MOST_EVERY.
    keys.holding(holds).await.unwrap();
    let forged = KeyId::from_hex("00000000").unwrap();
    let holds_forged = |k: &KeySet| k.outbox.as_ref().is_some_and(|v| v.holds(Some(forged)));
    for _ in 0..5 {
        keys.holding(holds_forged).await.unwrap();
    }
    assert_eq!(source.reads().len(), 2, "{:?}", source.reads());
    tokio::time::advance(REREAD_AT_MOST_EVERY).await;
    keys.holding(holds_forged).await.unwrap();
    assert_eq!(source.reads().len(), 3);
}

/// What tells a version gone for good from one not yet read for: whether
/// both versions were read during the call.
#[tokio::test(start_paused = true)]
async fn a_version_still_not_held_after_a_read_of_both_is_told_apart() {
    let (source, read) = source(0);
    let keys = Keys::reading(read, EVERY);
    keys.get().await.unwrap();
    let forged = KeyId::from_hex("00000000").unwrap();
    let holds_forged = |k: &KeySet| k.outbox.as_ref().is_some_and(|v| v.holds(Some(forged)));
    let (_, read_afresh) = keys.holding_after_read(holds_forged).await.unwrap();
    assert!(read_afresh, "read with the previous version, and still not held");
    // Within REREAD_AT_MOST_EVERY no read: not told gone.
    let (_, read_afresh) = keys.holding_after_read(holds_forged).await.unwrap();
    assert!(!read_afresh);
    // Held without a read: not a read either.
    let current = outbox(1).id();
    let holds = |k: &KeySet| k.outbox.as_ref().is_some_and(|v| v.holds(Some(current)));
    assert!(!keys.holding_after_read(holds).await.unwrap().1);
    assert_eq!(source.reads(), [Read::Current, Read::CurrentAndPrevious]);
    // Keys at hand are never read: nothing is told gone.
    let ready = Keys::ready(KeySet::new(Some(outbox(1)), None));
    assert!(!ready.holding_after_read(holds_forged).await.unwrap().1);
}

#[tokio::test(start_paused = true)]
async fn a_read_again_that_fails_keeps_the_keys_held_and_tries_again_later() {
    let reads = Arc::new(AtomicUsize::new(0));
    let counted = reads.clone();
    let read: ReadKeys = Box::new(move |_| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            match n {
                0 | 3 => Ok(KeySet::new(Some(outbox(n + 1)), None)),
                _ => Err(DependencyError::new("get_secret_value", "ServiceUnavailable")),
            }
        })
    });
    let keys = Keys::reading(read, EVERY);
    keys.get().await.unwrap();
    tokio::time::advance(EVERY).await;
    assert_eq!(ids(&keys.get().await.unwrap()).0, outbox(1).id(), "held keys serve");
    keys.get().await.unwrap();
    assert_eq!(reads.load(Ordering::SeqCst), 2, "not tried again at once");
    tokio::time::advance(RETRY_AFTER).await;
    keys.get().await.unwrap();
    tokio::time::advance(RETRY_AFTER).await;
    assert_eq!(ids(&keys.get().await.unwrap()), (outbox(4).id(), Some(outbox(1).id())));
}

#[test]
fn versions_name_their_keys_and_what_names_none_is_tried_with_each() {
    let versions = Versions { current: outbox(2), previous: Some(outbox(1)) };
    let named = |id| versions.named(id).map(|k| k.id()).collect::<Vec<_>>();
    assert_eq!(named(Some(outbox(1).id())), [outbox(1).id()]);
    assert_eq!(named(None), [outbox(2).id(), outbox(1).id()]);
    assert!(named(Some(outbox(3).id())).is_empty());
    assert!(!versions.holds(Some(outbox(3).id())));
}
