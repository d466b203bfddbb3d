//! The proof of work asked for under pressure: a challenge the server
//! signs (its route, difficulty, when it was issued, when waiting out is
//! enough, when it expires, and a nonce) and stores nothing of until it is
//! redeemed. It is solved by a number `n` such that SHA-256 of
//! `<token>:<n>` starts with `difficulty` zero bits; a person without
//! JavaScript waits until `wait_until` instead.

use sha2::{Digest, Sha256};

use crate::{OutboxKey, Timestamp, hex};

/// The routes that may ask for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "kebab-case")]
pub enum ChallengeRoute {
    /// `POST /password/forgot` (a link, or a code by SMS).
    Forgot,
    /// `POST /password/forgot-login`.
    ForgotLogin,
}

/// The fewest and most zero bits a challenge asks for.
pub const MIN_DIFFICULTY: u8 = 8;
pub const MAX_DIFFICULTY: u8 = 28;

/// A challenge, as signed in its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub route: ChallengeRoute,
    pub difficulty: u8,
    pub issued_at: Timestamp,
    /// From then on, an empty solution is accepted (waited out).
    pub wait_until: Timestamp,
    pub expires_at: Timestamp,
    /// 16 bytes, hex: what makes it single-use once redeemed.
    pub nonce: String,
}

/// Why a presented solution was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ChallengeRefused {
    #[error("the challenge is not one of ours")]
    Forged,
    #[error("the challenge is for another route")]
    OtherRoute,
    #[error("the challenge expired")]
    Expired,
    #[error("the solution does not meet the difficulty, and the wait is not over")]
    Unsolved,
    #[error("the challenge was used already")]
    Replayed,
}

const DOMAIN: &[u8] = b"challenge:v1:";

impl Challenge {
    /// What the signature covers.
    fn content(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}.{}",
            <&str>::from(self.route),
            self.difficulty,
            self.issued_at.epoch_seconds(),
            self.wait_until.epoch_seconds(),
            self.expires_at.epoch_seconds(),
            self.nonce
        )
    }

    fn signed(key: &OutboxKey, content: &str) -> Vec<u8> {
        key.sign_link(&[DOMAIN, content.as_bytes()].concat())
    }

    /// The token: the challenge and its signature, in URL-safe ASCII.
    pub fn token(&self, key: &OutboxKey) -> String {
        let content = self.content();
        let signature = hex(&Self::signed(key, &content));
        format!("{content}.{signature}")
    }

    /// The challenge `token` carries, if one of `keys` signed it.
    pub fn read<'k>(
        token: &str,
        mut keys: impl Iterator<Item = &'k OutboxKey>,
    ) -> Result<Self, ChallengeRefused> {
        let (content, signature) = token.rsplit_once('.').ok_or(ChallengeRefused::Forged)?;
        let signature = unhex(signature).ok_or(ChallengeRefused::Forged)?;
        if !keys.any(|key| key.link_signed(&[DOMAIN, content.as_bytes()].concat(), &signature)) {
            return Err(ChallengeRefused::Forged);
        }
        let parts: Vec<&str> = content.split('.').collect();
        let [route, difficulty, issued, wait, expires, nonce] = parts[..] else {
            return Err(ChallengeRefused::Forged);
        };
        let time = |t: &str| t.parse().map(Timestamp::from_epoch_seconds).ok();
        Ok(Self {
            route: route.parse().map_err(|_| ChallengeRefused::Forged)?,
            difficulty: difficulty.parse().map_err(|_| ChallengeRefused::Forged)?,
            issued_at: time(issued).ok_or(ChallengeRefused::Forged)?,
            wait_until: time(wait).ok_or(ChallengeRefused::Forged)?,
            expires_at: time(expires).ok_or(ChallengeRefused::Forged)?,
            nonce: nonce.to_owned(),
        })
    }

    /// Whether `solution`, for `token` (this challenge's), is accepted on
    /// `route` at `now`: not expired, and solved or waited out.
    pub fn accepts(
        &self,
        token: &str,
        solution: &str,
        route: ChallengeRoute,
        now: Timestamp,
    ) -> Result<(), ChallengeRefused> {
        if self.route != route {
            return Err(ChallengeRefused::OtherRoute);
        }
        if now >= self.expires_at {
            return Err(ChallengeRefused::Expired);
        }
        let waited = solution.is_empty() && now >= self.wait_until;
        if waited || solves(token, solution, self.difficulty) {
            return Ok(());
        }
        Err(ChallengeRefused::Unsolved)
    }
}

/// Whether SHA-256 of `<token>:<solution>` starts with `difficulty` zero
/// bits (`solution`: 1 to 20 decimal digits).
pub fn solves(token: &str, solution: &str, difficulty: u8) -> bool {
    if solution.is_empty() || solution.len() > 20 || !solution.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digest = Sha256::digest(format!("{token}:{solution}").as_bytes());
    leading_zero_bits(&digest) >= u32::from(difficulty)
}

/// The reference solver: the first number that solves `token` at
/// `difficulty` (about 2^difficulty hashes).
pub fn solve(token: &str, difficulty: u8) -> String {
    (0u64..).map(|n| n.to_string()).find(|n| solves(token, n, difficulty)).unwrap_or_default()
}

/// A script's CSP source (`'sha256-<base64>'`): the page that solves
/// challenges allows its one inline script by it.
pub fn script_source(script: &str) -> String {
    use base64::Engine;
    let digest = Sha256::digest(script.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

fn leading_zero_bits(bytes: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in bytes {
        if *byte == 0 {
            bits += 8;
        } else {
            return bits + byte.leading_zeros();
        }
    }
    bits
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> OutboxKey {
        OutboxKey::derive(&[byte; 32]).unwrap()
    }

    fn challenge() -> Challenge {
        Challenge {
            route: ChallengeRoute::Forgot,
            difficulty: 12,
            issued_at: Timestamp::from_epoch_seconds(1000),
            wait_until: Timestamp::from_epoch_seconds(1010),
            expires_at: Timestamp::from_epoch_seconds(1300),
            nonce: "00112233445566778899aabbccddeeff".into(),
        }
    }

    #[test]
    fn a_token_reads_back_only_under_its_key_and_unaltered() {
        let token = challenge().token(&key(1));
        assert_eq!(Challenge::read(&token, [key(1)].iter()), Ok(challenge()));
        assert_eq!(Challenge::read(&token, [key(2)].iter()), Err(ChallengeRefused::Forged));
        // A rotated key still reads what the one before signed.
        assert!(Challenge::read(&token, [key(2), key(1)].iter()).is_ok());
        let easier = token.replacen("forgot.12.", "forgot.4.", 1);
        assert_eq!(Challenge::read(&easier, [key(1)].iter()), Err(ChallengeRefused::Forged));
        for bad in ["", ".", "forgot.12", "x.y.z", &token[..token.len() - 1]] {
            assert_eq!(
                Challenge::read(bad, [key(1)].iter()),
                Err(ChallengeRefused::Forged),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_solution_meets_the_signed_difficulty_or_the_wait_is_over() {
        let c = challenge();
        let token = c.token(&key(1));
        let solution = solve(&token, 12);
        let at = Timestamp::from_epoch_seconds;
        assert_eq!(c.accepts(&token, &solution, ChallengeRoute::Forgot, at(1001)), Ok(()));
        assert_eq!(
            c.accepts(&token, &solution, ChallengeRoute::ForgotLogin, at(1001)),
            Err(ChallengeRefused::OtherRoute)
        );
        assert_eq!(
            c.accepts(&token, &solution, ChallengeRoute::Forgot, at(1300)),
            Err(ChallengeRefused::Expired)
        );
        // A solution of a lower difficulty is not one of this.
        let weak = (0u64..)
            .map(|n| n.to_string())
            .find(|n| solves(&token, n, 4) && !solves(&token, n, 12))
            .unwrap();
        assert_eq!(
            c.accepts(&token, &weak, ChallengeRoute::Forgot, at(1001)),
            Err(ChallengeRefused::Unsolved)
        );
        // No solution: only once the wait is over.
        assert_eq!(
            c.accepts(&token, "", ChallengeRoute::Forgot, at(1009)),
            Err(ChallengeRefused::Unsolved)
        );
        assert_eq!(c.accepts(&token, "", ChallengeRoute::Forgot, at(1010)), Ok(()));
        assert!(!solves(&token, "12a", 0) && !solves(&token, &"1".repeat(21), 0));
        assert_eq!(leading_zero_bits(&[0, 0x1f]), 11);
    }
}
