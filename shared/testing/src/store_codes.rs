//! The SMS codes and rate counters of [`InMemoryStore`]: hits and a version
//! per key, written only when every counter's write of a request still
//! holds.

use async_trait::async_trait;

use super::InMemoryStore;
use super::store::State;
use recovery_core::ports::Written;
use recovery_core::ports::{
    Attempt, CodeStore, CounterChange, CounterKey, CounterUpdate, DependencyError, OutboxItem,
    RateCounter, RequestState,
};
use recovery_domain::{AccountLookup, CodeRecord, PhoneNumber, ResetTokenRecord, Timestamp};

impl State {
    /// The counters at `keys`, as stored (empty, version 0, when never
    /// written).
    pub(super) fn counters(&self, keys: &[CounterKey]) -> Vec<RateCounter> {
        keys.iter()
            .map(|key| {
                let (hits, version) = self.hits.get(key).cloned().unwrap_or_default();
                RateCounter { key: key.clone(), hits, version }
            })
            .collect()
    }

    /// Writes each counter, provided every write still holds (see
    /// [`CounterChange`]); `false` (and nothing stored) when one does not.
    pub(super) fn count(&mut self, counters: &[CounterUpdate<'_>]) -> bool {
        if let Some(first) = counters.first().filter(|_| self.rivals > 0) {
            self.rivals -= 1;
            let rival = self.hits.entry(first.counter.key.clone()).or_default();
            rival.1 = rival.1.max(first.counter.version) + 1;
            return false;
        }
        if let Some(first) = counters.first().filter(|_| self.crowd > 0) {
            let others = u32::try_from(std::mem::take(&mut self.crowd)).unwrap_or(u32::MAX);
            let stored = self.hits.entry(first.counter.key.clone()).or_default();
            if let CounterChange::Add { hit, into, .. } = &first.change {
                stored.0.add(*hit, into, others);
            }
            stored.1 = stored.1.max(1);
        }
        let holds = counters.iter().all(|update| {
            let (hits, version) =
                self.hits.get(&update.counter.key).map_or((0, 0), |(hits, v)| (hits.count(), *v));
            match update.change {
                CounterChange::Replace(_) => {
                    version == update.counter.version && hits == update.counter.hits.count()
                }
                // Gone (never written, or forgotten), or not replaced since
                // the read: a counter written from nothing is at version 1.
                CounterChange::Add { most, .. } => {
                    (version == 0 || version == update.counter.version.max(1)) && hits <= most
                }
            }
        });
        if !holds {
            return false;
        }
        for update in counters {
            let stored = self.hits.entry(update.counter.key.clone()).or_default();
            match &update.change {
                CounterChange::Replace(hits) => {
                    *stored = (hits.clone(), update.counter.version + 1);
                }
                CounterChange::Add { hit, into, .. } => {
                    stored.0.add(*hit, into, 1);
                    stored.1 = stored.1.max(1);
                }
            }
        }
        true
    }
}

#[async_trait]
impl CodeStore for InMemoryStore {
    async fn load_request(
        &self,
        lookup: &AccountLookup,
        rate_keys: &[CounterKey],
        account_kinds: &[&str],
    ) -> Result<RequestState, DependencyError> {
        let state = self.guard("load_request")?;
        let id = match lookup {
            AccountLookup::Login(login) => state.logins.get(login),
            AccountLookup::Email(email) => state.emails.get(email),
            AccountLookup::Phone(phone) => state.phones.get(phone),
        };
        let account = id.and_then(|id| state.users.get(id)).cloned();
        let account_keys: Vec<CounterKey> = match &account {
            Some(account) => {
                account_kinds.iter().map(|kind| CounterKey::account(kind, &account.id)).collect()
            }
            None => Vec::new(),
        };
        Ok(RequestState {
            counters: state.counters(rate_keys),
            account_counters: state.counters(&account_keys),
            account,
        })
    }

    async fn record_hits(
        &self,
        counters: &[CounterUpdate<'_>],
        message: Option<&OutboxItem>,
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("record_hits")?;
        if !state.count(counters) {
            return Ok(Written::Stale);
        }
        state.messages.put(message.map(std::slice::from_ref).unwrap_or_default());
        Ok(Written::Done)
    }

    async fn store_code(
        &self,
        record: &CodeRecord,
        counters: &[CounterUpdate<'_>],
        message: Option<&OutboxItem>,
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("store_code")?;
        if !state.count(counters) {
            return Ok(Written::Stale);
        }
        state.codes.insert(record.phone.clone(), record.clone());
        state.messages.put(message.map(std::slice::from_ref).unwrap_or_default());
        Ok(Written::Done)
    }

    async fn find_code(&self, phone: &PhoneNumber) -> Result<Option<CodeRecord>, DependencyError> {
        Ok(self.guard("find_code")?.codes.get(phone).cloned())
    }

    async fn redeem_challenge(
        &self,
        nonce: &str,
        _expires_at: recovery_domain::Timestamp,
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("redeem_challenge")?;
        Ok(match state.shared.redeemed.insert(nonce.to_owned()) {
            true => Written::Done,
            false => Written::Stale,
        })
    }

    async fn take_attempt(&self, record: &CodeRecord) -> Result<Attempt, DependencyError> {
        let mut state = self.guard("take_attempt")?;
        match state.codes.get_mut(&record.phone) {
            Some(stored) if stored.mac == record.mac && stored.attempts_left > 0 => {
                stored.attempts_left -= 1;
                Ok(Attempt::Counted { attempts_left: stored.attempts_left })
            }
            _ => Ok(Attempt::Stale),
        }
    }

    async fn exchange_code(
        &self,
        code: &CodeRecord,
        now: Timestamp,
        token: &ResetTokenRecord,
    ) -> Result<Written, DependencyError> {
        let mut state = self.guard("exchange_code")?;
        let usable = state
            .codes
            .get(&code.phone)
            .is_some_and(|stored| stored.mac == code.mac && stored.is_live_at(now));
        let eligible = state
            .users
            .get(&token.user_id)
            .is_some_and(|user| user.phone.as_ref() == Some(&code.phone) && user.may_recover());
        let fresh = !state.tokens.iter().any(|t| t.digest == token.digest);
        if !usable || !eligible || !fresh {
            return Ok(Written::Stale);
        }
        state.codes.remove(&code.phone);
        // The link the account had before stops working; its record stays
        // until it expires, as in the table.
        if let Some(user) = state.users.get_mut(&token.user_id) {
            user.active_reset = Some(token.digest.clone());
        }
        state.tokens.push(token.clone());
        Ok(Written::Done)
    }
}
