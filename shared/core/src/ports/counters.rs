//! Rate-limit counters as the stores keep them: the hits of a key, the
//! version a write must find, and how a write meets other requests' writes.

use recovery_domain::{AccountLookup, Timestamp, UserAccount, UserId};

/// A rate-limit counter as read: the earlier hits (epoch seconds) and the
/// version a write must still find.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateCounter {
    pub key: String,
    pub hits: Vec<i64>,
    /// 0 for a counter never written.
    pub version: i64,
}

/// A write of a counter read as `counter`, in the transaction of what the
/// request does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterUpdate<'a> {
    pub counter: &'a RateCounter,
    pub change: CounterChange,
    /// When the store may forget the counter (the table's TTL).
    pub expires_at: Timestamp,
}

/// How a counter's write meets the writes of other requests since it was
/// read. Either way a write that no longer holds fails, and nothing of its
/// transaction is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterChange {
    /// These hits in place of those read, provided the counter is still as
    /// read: at its version, with as many hits. A version on. For a
    /// decision on more than how many hits a window holds (how recent the
    /// last one is), and to drop hits that left every window.
    Replace(Vec<i64>),
    /// One hit added to those there, provided the counter was not replaced
    /// since it was read (its version) and holds at most `most` hits. The
    /// request that read `n` hits with room for `r` more in every window
    /// writes `most = n + r`: requests that read the counter at the same
    /// time all land while each window has room for them, so many callers
    /// behind one address do not take turns. The version stays.
    Add { hit: i64, most: u32 },
}

impl<'a> CounterUpdate<'a> {
    /// `hits` in place of those of `counter`, as read.
    pub fn replace(counter: &'a RateCounter, hits: Vec<i64>, expires_at: Timestamp) -> Self {
        CounterUpdate {
            counter,
            change: CounterChange::Replace(hits),
            expires_at,
        }
    }

    /// The counter's hits once this write lands on the counter as read.
    pub fn hits_after(&self) -> Vec<i64> {
        match &self.change {
            CounterChange::Replace(hits) => hits.clone(),
            CounterChange::Add { hit, .. } => {
                let mut hits = self.counter.hits.clone();
                hits.push(*hit);
                hits
            }
        }
    }

    /// The counter's version once this write lands on the counter as read
    /// (a counter never written is at 0; any write leaves it at 1 or on).
    pub fn version_after(&self) -> i64 {
        match self.change {
            CounterChange::Replace(_) => self.counter.version + 1,
            CounterChange::Add { .. } => self.counter.version.max(1),
        }
    }
}

/// What a forgot request reads before it decides: the rate-limit counters
/// it is subject to, the account its identifier names, and that account's
/// own counters.
#[derive(Debug, Clone, Default)]
pub struct RequestState {
    /// In the order of the keys asked for.
    pub counters: Vec<RateCounter>,
    pub account: Option<UserAccount>,
    /// The account's counters (`<prefix>#<user id>`), in the order of the
    /// prefixes asked for; none when there is no account.
    pub account_counters: Vec<RateCounter>,
}

/// The kind of an account's counter of emails sent by forgot requests.
pub const EMAILS_COUNTER: &str = "emails";

/// Every kind of counter an account has (deleted with it).
pub const ACCOUNT_COUNTERS: &[&str] = &[EMAILS_COUNTER];

/// The key of the counter of what a caller typed (`login#ada`,
/// `email#ada@example.com`, `phone#+4915112345678`): forgot requests count
/// under it, and sign-in checks under `signin#` and it.
pub fn typed_counter_key(lookup: &AccountLookup) -> String {
    match lookup {
        AccountLookup::Login(login) => format!("login#{}", login.as_str()),
        AccountLookup::Email(email) => format!("email#{}", email.as_str()),
        AccountLookup::Phone(phone) => format!("phone#{}", phone.as_e164()),
    }
}

/// The prefix of the sign-in check's counters before [`typed_counter_key`].
pub const SIGN_IN_COUNTERS: &str = "signin#";

/// The keys of every counter that names `account`: its own, and those of
/// its login, email and phone as a caller types them, on forgot and on the
/// sign-in check. They go when the account is deleted.
pub fn counters_naming(account: &UserAccount) -> Vec<String> {
    let mut typed = vec![AccountLookup::Login(account.login.clone())];
    typed.extend(account.email.clone().map(AccountLookup::Email));
    typed.extend(account.phone.clone().map(AccountLookup::Phone));
    let mut keys: Vec<String> = ACCOUNT_COUNTERS
        .iter()
        .map(|kind| account_counter_key(kind, &account.id))
        .collect();
    for lookup in &typed {
        let key = typed_counter_key(lookup);
        keys.push(format!("{SIGN_IN_COUNTERS}{key}"));
        keys.push(key);
    }
    keys
}

/// The key of `account`'s counter of kind `prefix`.
pub fn account_counter_key(prefix: &str, account: &UserId) -> String {
    format!("{prefix}#{}", account.as_str())
}
