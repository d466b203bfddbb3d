//! Breached passwords by k-anonymity (the Pwned Passwords range API): a
//! password is named outside only by the first five hex digits of its
//! SHA-1, and the range of suffixes that share them is searched here for
//! the rest. The suffix, and so the password, never leaves.

use sha1::{Digest, Sha1};

use crate::{Password, PolicyViolation};

/// A password's SHA-1, split as the range API asks: the five hex digits
/// sent, the 35 kept.
pub struct BreachQuery {
    prefix: String,
    suffix: String,
}

impl std::fmt::Debug for BreachQuery {
    /// The prefix only: it is what leaves the function anyway.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BreachQuery").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// How many hex digits of the hash leave the function.
pub const BREACH_PREFIX_LEN: usize = 5;

impl BreachQuery {
    /// The query for `password` (as it would be hashed: normalised).
    pub fn of(password: &Password) -> Self {
        let digest = Sha1::digest(password.expose().as_bytes());
        let hex = crate::hex(&digest).to_ascii_uppercase();
        let (prefix, suffix) = hex.split_at(BREACH_PREFIX_LEN);
        Self { prefix: prefix.to_owned(), suffix: suffix.to_owned() }
    }

    /// The five upper-case hex digits to ask for.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// How often the password was seen in breaches, by the range `body`
    /// (`SUFFIX:COUNT` lines; padding lines count 0): 0 when it is not
    /// there.
    pub fn times_seen(&self, body: &str) -> u64 {
        body.lines()
            .filter_map(|line| line.trim().split_once(':'))
            .find(|(suffix, _)| suffix.eq_ignore_ascii_case(&self.suffix))
            .and_then(|(_, count)| count.trim().parse().ok())
            .unwrap_or(0)
    }
}

/// Whether the range API at `url` may be asked: HTTPS anywhere, plain
/// HTTP only on the loopback address (a local stand-in).
pub fn range_url_allowed(url: &str) -> bool {
    let local =
        ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/"];
    url.starts_with("https://") || local.iter().any(|l| url.starts_with(l))
}

/// What a password seen in a breach is refused with.
pub fn breached() -> PolicyViolation {
    PolicyViolation {
        code: "breached",
        message: "This password appears in known data breaches: choose another.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_five_hex_digits_name_the_password_and_the_range_is_searched_for_the_rest() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8.
        let query = BreachQuery::of(&Password::new("password"));
        assert_eq!(query.prefix(), "5BAA6");
        assert!(!format!("{query:?}").contains("1E4C9B93"), "the suffix never prints");
        let body = "003D68EB55068C33ACE09247EE4C639306B:0\r\n\
                    1E4C9B93F3F0682250B6CF8331B7EE68FD8:9659365\r\n\
                    1E4C9B93F3F0682250B6CF8331B7EE68FD9:0";
        assert_eq!(query.times_seen(body), 9_659_365);
        assert_eq!(query.times_seen(&body.to_lowercase()), 9_659_365);
        assert_eq!(query.times_seen("1E4C9B93F3F0682250B6CF8331B7EE68FD8:0"), 0, "padding");
        assert_eq!(query.times_seen("garbage\n:\n"), 0);
    }
}
