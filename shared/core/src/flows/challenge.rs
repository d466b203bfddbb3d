//! The proof of work asked for under pressure: when the counters a
//! request read are near their limits (or every code by SMS, if the
//! deployment asks), a request without a solution is answered with a
//! signed challenge, harder the nearer the limits; a solved (or waited
//! out) challenge is redeemed once. Decided on the counters alone, before
//! any account is looked at: the same for every identifier.

use tracing::info;

use super::limits::Limit;
use super::{FlowError, Recovery};
use crate::ports::{CounterKey, RateCounter, Written};
use recovery_domain::{AccountLookup, Challenge, ChallengeRoute, OutboxKey, Timestamp, hex};

/// A solution presented with a request: the challenge's token and the
/// number found (empty: waited out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proof<'a> {
    pub token: &'a str,
    pub solution: &'a str,
}

/// A challenge to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub token: String,
    pub difficulty: u8,
    pub expires_in: i64,
    pub wait_seconds: i64,
}

/// The share, in percent, of the fullest window of `counters` (read for
/// `limits`) at `now`: how near the request is to a limit.
pub(super) fn pressure(limits: &[Limit<'_>], counters: &[RateCounter], now: Timestamp) -> u32 {
    let now = now.epoch_seconds();
    (limits.iter().zip(counters))
        .flat_map(|((_, windows), counter)| {
            windows.iter().map(move |w| counter.hits.inside(w, now) * 100 / w.max.max(1))
        })
        .max()
        .unwrap_or(0)
}

impl Recovery {
    /// Whether `proof` solves one of our challenges for `route` that was
    /// not used before; it is used now. Anything else is no proof.
    pub(super) async fn proven(
        &self,
        route: ChallengeRoute,
        proof: Option<Proof<'_>>,
    ) -> Result<bool, FlowError> {
        let Some(proof) = proof else { return Ok(false) };
        let keys = self.keys.get().await?;
        let versions = keys.outbox_keys()?;
        let keys = versions.named(None).map(|key| key.as_ref());
        let now = self.clock.now();
        let accepted = Challenge::read(proof.token, keys)
            .and_then(|c| c.accepts(proof.token, proof.solution, route, now).map(|()| c));
        let challenge = match accepted {
            Ok(challenge) => challenge,
            Err(refused) => {
                info!(refused = <&str>::from(refused), "challenge not accepted");
                return Ok(false);
            }
        };
        match self.codes.redeem_challenge(&challenge.nonce, challenge.expires_at).await? {
            Written::Done => Ok(true),
            Written::Stale => {
                info!(refused = "replayed", "challenge not accepted");
                Ok(false)
            }
        }
    }

    /// A request at `pressure` percent of its nearest limit (a code by SMS:
    /// `sms`) from `source` for what was `typed` passes when it is
    /// `proven` or the pressure is low; else it is answered with a
    /// challenge.
    pub(super) async fn gate(
        &self,
        route: ChallengeRoute,
        (pressure, sms): (u32, bool),
        proven: bool,
        (source, typed): (&str, &AccountLookup),
    ) -> Result<(), FlowError> {
        let settings = &self.settings.challenge;
        let Some(difficulty) = settings.difficulty(pressure, sms) else { return Ok(()) };
        if proven {
            return Ok(());
        }
        let keys = self.keys.get().await?;
        let key = keys.outbox_key()?;
        let now = self.clock.now();
        let wait_seconds = settings.wait_seconds(difficulty);
        let challenge = Challenge {
            route,
            difficulty,
            issued_at: now,
            wait_until: now.plus_seconds(wait_seconds),
            expires_at: now.plus_seconds(settings.lifetime_seconds),
            nonce: nonce(key, route, (source, typed), now, pressure),
        };
        info!(difficulty, pressure, "challenge asked for");
        Err(FlowError::ChallengeRequired(Issued {
            token: challenge.token(key),
            difficulty,
            expires_in: settings.lifetime_seconds,
            wait_seconds,
        }))
    }
}

/// A challenge's nonce: of the request's route, source, what was typed,
/// second and pressure; never of an account, so what was typed gets the
/// same whether it names one or not, and two people behind one address
/// typing different things get different ones.
fn nonce(
    key: &OutboxKey,
    route: ChallengeRoute,
    (source, typed): (&str, &AccountLookup),
    now: Timestamp,
    pressure: u32,
) -> String {
    let content = format!(
        "challenge-nonce:{}:{source}:{}:{}:{pressure}",
        <&str>::from(route),
        CounterKey::typed(typed),
        now.epoch_seconds()
    );
    hex(&key.sign_link(content.as_bytes())[..16])
}
