//! Rate-limit counters as the stores keep them: the hits of a key, the
//! version a write must find, and how a write meets other requests' writes.

use std::fmt;

use recovery_domain::{
    AccountLookup, Bucket, Tally, Timestamp, UserAccount, UserId, address_key, source_digest,
};

/// The key of a rate-limit counter: what it counts. Every key is made here,
/// so each kind of counter is written one way only.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CounterKey(String);

impl CounterKey {
    /// Forgot and reminder requests from `source_ip` (an IPv6 caller's
    /// /64): `ip#203.0.113.7`.
    pub fn address(source_ip: &str) -> Self {
        Self(format!("ip#{}", address_key(source_ip)))
    }

    /// Text messages asked for from `source_ip`: `sms-ip#203.0.113.7`.
    pub fn texts_from(source_ip: &str) -> Self {
        Self(format!("sms-{}", Self::address(source_ip).0))
    }

    /// Text messages asked for to any number of `phone`'s range (the
    /// number but its last three digits: a thousand numbers):
    /// `sms-range#+4915112345`.
    pub fn number_range(phone: &recovery_domain::PhoneNumber) -> Self {
        let e164 = phone.as_e164();
        Self(format!("sms-range#{}", &e164[..e164.len().saturating_sub(3)]))
    }

    /// What a caller typed (`login#ada`, `email#ada@example.com`,
    /// `phone#+4915112345678`): forgot and reminder requests count under it.
    pub fn typed(lookup: &AccountLookup) -> Self {
        Self(match lookup {
            AccountLookup::Login(login) => format!("login#{}", login.as_str()),
            AccountLookup::Email(email) => format!("email#{}", email.as_str()),
            AccountLookup::Phone(phone) => format!("phone#{}", phone.as_e164()),
        })
    }

    /// Sign-in checks of what a caller typed: `signin#login#ada`.
    pub fn sign_in(lookup: &AccountLookup) -> Self {
        Self(format!("signin#{}", Self::typed(lookup).0))
    }

    /// Sign-in checks of what a caller typed from `source` (a product that
    /// names none: [`Self::sign_in`], one shared source):
    /// `signin#login#ada#203.0.113.7`.
    pub fn sign_in_from(lookup: &AccountLookup, source: Option<&str>) -> Self {
        match source {
            Some(source) => Self(format!("{}#{source}", Self::sign_in(lookup).0)),
            None => Self::sign_in(lookup),
        }
    }

    /// The guesses at what a caller typed that names no account, held to
    /// an account's ceiling: `guesses#login#ada`.
    pub fn guesses(lookup: &AccountLookup) -> Self {
        Self(format!("guesses#{}", Self::typed(lookup).0))
    }

    /// The kind of the account's counter that says `source` signed in to it
    /// lately (`familiar#<source digest>`).
    pub fn familiar_kind(source: &str) -> String {
        format!("familiar#{}", source_digest(source))
    }

    /// The account's own counter of kind `kind`: `emails#<user id>`.
    pub fn account(kind: &str, account: &UserId) -> Self {
        Self(format!("{kind}#{}", account.as_str()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What it counts, for the logs: the part before the first `#` (`ip`,
    /// `sms-ip`, `login`, `signin`, `emails`), never who.
    pub fn kind(&self) -> &str {
        self.0.split('#').next().unwrap_or("")
    }

    /// Whether it counts a caller's address (`ip`, `sms-ip`), which says
    /// nothing about any account.
    pub fn is_address(&self) -> bool {
        matches!(self.kind(), "ip" | "sms-ip")
    }
}

impl fmt::Display for CounterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A rate-limit counter as read: its tally of earlier hits and the version
/// a write must still find.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateCounter {
    pub key: CounterKey,
    pub hits: Tally,
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
    /// This tally in place of the one read, provided the counter is still
    /// as read: at its version, holding as many hits. A version on. For a
    /// decision on more than how many hits a window holds (how recent the
    /// last one is), and to drop intervals that left their windows.
    Replace(Tally),
    /// One hit at `hit`, counted in `into` (an interval of each window),
    /// added to the tally there, provided the counter was not replaced
    /// since it was read (its version) and holds at most `most` hits. The
    /// request that read `n` hits with room for `r` more in every window
    /// writes `most = n + r`: requests that read the counter at the same
    /// time all land while each window has room for them, so many callers
    /// behind one address do not take turns. The version stays.
    Add { hit: i64, into: Vec<Bucket>, most: u32 },
}

impl<'a> CounterUpdate<'a> {
    /// `hits` in place of those of `counter`, as read.
    pub fn replace(counter: &'a RateCounter, hits: Tally, expires_at: Timestamp) -> Self {
        CounterUpdate { counter, change: CounterChange::Replace(hits), expires_at }
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

/// The kind of an account's counter of sign-in guesses from sources it
/// does not know.
pub const GUESSES_COUNTER: &str = "guesses";

/// Every kind of counter an account has (deleted with it; the familiar
/// sources' counters, which name a source's digest, expire within 30 days).
pub const ACCOUNT_COUNTERS: &[&str] = &[EMAILS_COUNTER, GUESSES_COUNTER];

/// The keys of every counter that names `account`: its own, and those of
/// its login, email and phone as a caller types them, on forgot and on the
/// sign-in check. They go when the account is deleted.
pub fn counters_naming(account: &UserAccount) -> Vec<CounterKey> {
    let mut typed = vec![AccountLookup::Login(account.login.clone())];
    typed.extend(account.email.clone().map(AccountLookup::Email));
    typed.extend(account.phone.clone().map(AccountLookup::Phone));
    let mut keys: Vec<CounterKey> =
        ACCOUNT_COUNTERS.iter().map(|kind| CounterKey::account(kind, &account.id)).collect();
    for lookup in &typed {
        keys.push(CounterKey::sign_in(lookup));
        keys.push(CounterKey::typed(lookup));
        keys.push(CounterKey::guesses(lookup));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys are stored: their form never changes.
    #[test]
    fn each_kind_of_counter_has_one_form() {
        let login = AccountLookup::parse("Ada").unwrap();
        let email = AccountLookup::parse("ada@example.com").unwrap();
        let phone = AccountLookup::parse("+49 151 12345678").unwrap();
        let id = UserId::from_stored("u-1");
        let keys = [
            CounterKey::address("2001:db8:1:2::9"),
            CounterKey::texts_from("203.0.113.7"),
            CounterKey::number_range(
                &recovery_domain::PhoneNumber::parse("+4915112345678").unwrap(),
            ),
            CounterKey::typed(&login),
            CounterKey::typed(&email),
            CounterKey::typed(&phone),
            CounterKey::sign_in(&login),
            CounterKey::account(EMAILS_COUNTER, &id),
        ];
        let forms: Vec<&str> = keys.iter().map(CounterKey::as_str).collect();
        assert_eq!(
            forms,
            [
                "ip#2001:db8:1:2::/64",
                "sms-ip#203.0.113.7",
                "sms-range#+4915112345",
                "login#ada",
                "email#ada@example.com",
                "phone#+4915112345678",
                "signin#login#ada",
                "emails#u-1",
            ]
        );
        let kinds: Vec<&str> = keys.iter().map(CounterKey::kind).collect();
        assert_eq!(
            kinds,
            ["ip", "sms-ip", "sms-range", "login", "email", "phone", "signin", "emails"]
        );
    }
}
