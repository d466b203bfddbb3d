//! The identifiers people type to find an account: login names, email
//! addresses and phone numbers, each normalised so that one person's way of
//! typing it finds the same account.

use super::{phone, phone_metadata};
use unicode_normalization::UnicodeNormalization;

/// Longest identifier accepted on the "Forgot password" form (an email
/// address is at most 254 characters).
pub const MAX_IDENTIFIER_CHARS: usize = 254;
/// Longest login name.
pub const MAX_LOGIN_CHARS: usize = 64;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("Enter your login or email address.")]
    Empty,
    #[error("That is too long to be a login or an email address.")]
    TooLong,
    #[error("A login or email address cannot contain control characters.")]
    ControlCharacter,
    #[error("A login can use letters, digits, dots, dashes and underscores, up to 64 characters.")]
    InvalidLogin,
    #[error("That is not a valid email address.")]
    InvalidEmail,
    #[error(
        "That is not a valid phone number. Enter it with its country code, like +49 151 12345678."
    )]
    InvalidPhone,
}

fn normalise(text: &str) -> Result<String, IdentifierError> {
    let text: String = text.trim().nfkc().collect();
    if text.is_empty() {
        return Err(IdentifierError::Empty);
    }
    if text.chars().count() > MAX_IDENTIFIER_CHARS {
        return Err(IdentifierError::TooLong);
    }
    if text.chars().any(char::is_control) {
        return Err(IdentifierError::ControlCharacter);
    }
    Ok(text.to_lowercase())
}

/// A login name, normalised (NFKC, lower case). Logins never contain `@`, so
/// an identifier with `@` is always an email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginName(String);

impl LoginName {
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        let text = normalise(text)?;
        let valid_chars = text.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !valid_chars || text.chars().count() > MAX_LOGIN_CHARS {
            return Err(IdentifierError::InvalidLogin);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The login's confusable skeleton (Unicode TR39): two logins that look
    /// alike, such as `ada` and `аda` with a Cyrillic `а`, or `rn` and `m`,
    /// have the same one. No two accounts share a skeleton.
    pub fn skeleton(&self) -> String {
        unicode_security::skeleton(&self.0).collect()
    }
}

/// An email address, normalised (NFKC, trimmed, lower case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        let text = normalise(text)?;
        let Some((local, domain)) = text.split_once('@') else {
            return Err(IdentifierError::InvalidEmail);
        };
        let valid = !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !text.chars().any(char::is_whitespace)
            && !text.contains(['<', '>', '"', ',', ';']);
        if !valid {
            return Err(IdentifierError::InvalidEmail);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `a***@example.com`, for answers and audit records.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

/// A phone number in E.164 form (`+4915112345678`), read and validated as
/// libphonenumber reads them, with the metadata of its calling code
/// (`phone`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts international numbers with spaces, dashes, dots and brackets:
    /// `+49 (151) 123-456 78`.
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        Self::read(text, true)
    }

    /// A number typed to find what is stored under a number this service
    /// parsed before (a code): read into E.164 as `parse` reads it, but not
    /// checked against the patterns of its region's numbers, whose first use
    /// compiles them (the longest part of a cold start's first number). A
    /// number that is not valid has nothing stored under it.
    pub fn parse_for_lookup(text: &str) -> Result<Self, IdentifierError> {
        Self::read(text, false)
    }

    fn read(text: &str, validate: bool) -> Result<Self, IdentifierError> {
        let text: String = text.trim().nfkc().collect();
        if text.chars().count() > 40 {
            return Err(IdentifierError::InvalidPhone);
        }
        let digits = international_digits(&text).ok_or(IdentifierError::InvalidPhone)?;
        phone::read(&text, &digits, validate).map(Self).ok_or(IdentifierError::InvalidPhone)
    }

    /// A number as this service stored it, already parsed and validated:
    /// only checked for E.164's shape (`+`, then up to 15 digits, the first
    /// not 0). A cold start that merely reads an account should not load
    /// the metadata of the number's region.
    pub fn from_stored(e164: &str) -> Option<Self> {
        let digits = e164.strip_prefix('+')?;
        let shaped = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        shaped.then(|| Self(e164.to_owned()))
    }

    /// Whether `text` is this number in international form, digit for
    /// digit, whatever separators it has (`+49 151 1234-5678`).
    pub fn is_typed_as(&self, text: &str) -> bool {
        let text: String = text.trim().nfkc().collect();
        international_digits(&text).is_some_and(|digits| self.0[1..] == digits)
    }

    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// Its country calling code (`49` for `+49...`).
    pub fn calling_code(&self) -> Option<u16> {
        phone_metadata::calling_code_of(&self.0[1..])
    }

    /// `+49 *** *** **78`-style masking for people and logs.
    pub fn masked(&self) -> String {
        let digits = self.0.len();
        self.0
            .chars()
            .enumerate()
            .map(|(i, c)| if i < 3 || i + 2 >= digits { c } else { '*' })
            .collect()
    }
}

/// The digits of an international number: a `+`, then only digits and
/// separators.
fn international_digits(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')' | '.'))
        .collect();
    let digits = compact.strip_prefix('+')?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then(|| digits.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountLookup;

    #[test]
    fn stored_numbers_are_taken_as_they_are_when_shaped_like_e164() {
        let parsed = PhoneNumber::parse("+49 151 1234 5678").unwrap();
        assert_eq!(PhoneNumber::from_stored(parsed.as_e164()), Some(parsed));
        for junk in ["", "+", "4915112345678", "+0151", "+49 151", "+1234567890123456", "+49x"] {
            assert_eq!(PhoneNumber::from_stored(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn identifiers_with_at_are_email_addresses() {
        assert_eq!(
            AccountLookup::parse("  Ada@Example.COM ").unwrap(),
            AccountLookup::Email(EmailAddress::parse("ada@example.com").unwrap())
        );
        assert_eq!(
            AccountLookup::parse("Ada.Lovelace").unwrap(),
            AccountLookup::Login(LoginName::parse("ada.lovelace").unwrap())
        );
    }

    #[test]
    fn logins_that_look_alike_share_a_skeleton() {
        let skeleton = |text: &str| LoginName::parse(text).unwrap().skeleton();
        // Cyrillic а (U+0430), then all of "сор" in Cyrillic.
        assert_eq!(skeleton("\u{430}da"), skeleton("ada"));
        assert_eq!(skeleton("\u{441}\u{43e}\u{440}"), skeleton("cop"));
        assert_eq!(skeleton("rnartin"), skeleton("martin"));
        assert_eq!(skeleton("al1ce"), skeleton("allce"));
        assert_ne!(skeleton("ada"), skeleton("adb"));
        assert_ne!(skeleton("ada.l"), skeleton("ada_l"));
    }

    #[test]
    fn identifiers_are_nfkc_normalised() {
        // Full-width letters fold to ASCII.
        assert_eq!(LoginName::parse("ＡＤＡ").unwrap().as_str(), "ada");
    }

    #[test]
    fn phone_numbers_are_normalised_to_e164() {
        for text in [
            "+4915112345678",
            "+49 151 12345678",
            "+49-151-1234-5678",
            "+49 (151) 123.456.78",
            " (+49) 15112345678 ",
        ] {
            assert_eq!(
                AccountLookup::parse(text),
                Ok(AccountLookup::Phone(PhoneNumber("+4915112345678".into()))),
                "{text}"
            );
        }
        assert_eq!(PhoneNumber::parse("+1 (415) 555-2671").unwrap().as_e164(), "+14155552671");
    }

    #[test]
    fn a_number_to_look_up_is_read_as_parse_reads_it_without_the_check() {
        for text in [
            "+4915112345678",
            "+49 (151) 123.456.78",
            " (+49) 15112345678 ",
            "+1 (415) 555-2671",
            "+39 06 1234 5678",
        ] {
            assert_eq!(PhoneNumber::parse_for_lookup(text), PhoneNumber::parse(text), "{text}");
        }
        assert_eq!(
            PhoneNumber::parse_for_lookup("+39 06 1234 5678").unwrap().as_e164(),
            "+390612345678",
            "Italy's leading zero stays"
        );
        // Not checked against the region's patterns: stored under no number.
        assert!(PhoneNumber::parse("+49 15 1").is_err());
        assert_eq!(PhoneNumber::parse_for_lookup("+49 15 1").unwrap().as_e164(), "+49151");
        for text in ["12", "+", "+999 1234567", "+49 151 abc", "+0151"] {
            assert_eq!(
                PhoneNumber::parse_for_lookup(text),
                Err(IdentifierError::InvalidPhone),
                "{text}"
            );
        }
    }

    #[test]
    fn impossible_phone_numbers_are_refused() {
        for text in ["+1", "+49 12", "+999 1234567", "+49 151 1234 5678 9999 1", "+49 151 abc"] {
            assert_eq!(AccountLookup::parse(text), Err(IdentifierError::InvalidPhone), "{text}");
        }
    }

    #[test]
    fn masked_numbers_keep_the_country_and_last_digits() {
        let phone = PhoneNumber::parse("+4915112345678").unwrap();
        assert_eq!(phone.masked(), "+49*********78");
    }

    #[test]
    fn bad_identifiers_are_refused_with_a_reason() {
        assert_eq!(AccountLookup::parse("   "), Err(IdentifierError::Empty));
        assert_eq!(AccountLookup::parse(&"a".repeat(300)), Err(IdentifierError::TooLong));
        assert_eq!(AccountLookup::parse("ada\u{0007}"), Err(IdentifierError::ControlCharacter));
        assert_eq!(AccountLookup::parse("ada lovelace"), Err(IdentifierError::InvalidLogin));
        assert_eq!(AccountLookup::parse("ada@localhost"), Err(IdentifierError::InvalidEmail));
        assert_eq!(AccountLookup::parse("a@b@c.org"), Err(IdentifierError::InvalidEmail));
    }
}
