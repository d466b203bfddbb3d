//! The password hashes an account may hold: this service's Argon2id, and
//! the formats products bring on import: Argon2 PHC strings of any variant
//! and parameters, bcrypt (`$2a$`, `$2b$`, `$2y$`), scrypt PHC strings, and
//! Django's PBKDF2-SHA256 (`pbkdf2_sha256$<iterations>$<salt>$<hash>`).
//! Each is verified by its maintained crate; a hash whose cost would let one
//! check take seconds or gigabytes is refused when it is imported.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq as _;

/// A stored hash's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashScheme {
    Argon2,
    Bcrypt,
    Scrypt,
    DjangoPbkdf2Sha256,
}

/// Why a hash offered for import is refused (never shows the hash).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportedHashError {
    #[error(
        "not a password hash this service reads (Argon2 or scrypt PHC strings, bcrypt $2a$/$2b$/$2y$, Django pbkdf2_sha256)"
    )]
    Unknown,
    #[error("a {0} hash that does not parse")]
    Malformed(&'static str),
    #[error("a {0} hash whose cost is beyond what one sign-in may take")]
    TooCostly(&'static str),
}

// What one check may cost at most: a few hundred milliseconds and a few
// hundred MiB on a Lambda function, whatever a product once chose.
const MAX_ARGON2_MEMORY_KIB: u32 = 262_144;
const MAX_ARGON2_ITERATIONS: u32 = 16;
const MAX_ARGON2_LANES: u32 = 8;
const MAX_BCRYPT_COST: u32 = 14;
const MAX_SCRYPT_LOG_N: u64 = 20;
const MAX_SCRYPT_MEMORY_BYTES: u64 = 256 << 20;
const MIN_PBKDF2_ITERATIONS: u32 = 1_000;
const MAX_PBKDF2_ITERATIONS: u32 = 2_000_000;

impl HashScheme {
    /// The scheme `text` is written in, by its prefix alone.
    pub fn of(text: &str) -> Option<Self> {
        if text.starts_with("$argon2id$")
            || text.starts_with("$argon2i$")
            || text.starts_with("$argon2d$")
        {
            Some(Self::Argon2)
        } else if ["$2a$", "$2b$", "$2y$"].iter().any(|p| text.starts_with(p)) {
            Some(Self::Bcrypt)
        } else if text.starts_with("$scrypt$") {
            Some(Self::Scrypt)
        } else if text.starts_with("pbkdf2_sha256$") {
            Some(Self::DjangoPbkdf2Sha256)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Argon2 => "argon2",
            Self::Bcrypt => "bcrypt",
            Self::Scrypt => "scrypt",
            Self::DjangoPbkdf2Sha256 => "pbkdf2_sha256",
        }
    }

    /// The scheme of a hash offered for import, once it parses and its
    /// cost is within bounds.
    pub fn check_imported(text: &str) -> Result<Self, ImportedHashError> {
        let scheme = Self::of(text).ok_or(ImportedHashError::Unknown)?;
        let name = scheme.name();
        let malformed = ImportedHashError::Malformed(name);
        let costly = ImportedHashError::TooCostly(name);
        match scheme {
            Self::Argon2 => {
                let (m, t, p) = argon2_costs(text).ok_or(malformed.clone())?;
                if argon2::password_hash::phc::PasswordHash::new(text).is_err() {
                    return Err(malformed);
                }
                if m > MAX_ARGON2_MEMORY_KIB || t > MAX_ARGON2_ITERATIONS || p > MAX_ARGON2_LANES {
                    return Err(costly);
                }
            }
            Self::Bcrypt => {
                let cost: u32 =
                    text.get(4..6).and_then(|c| c.parse().ok()).ok_or(malformed.clone())?;
                if text.len() != 60 || !(4..=31).contains(&cost) {
                    return Err(malformed);
                }
                if cost > MAX_BCRYPT_COST {
                    return Err(costly);
                }
            }
            Self::Scrypt => {
                let number = |name| phc_number(text, name).ok_or(malformed.clone());
                let (log_n, r, p) = (number("ln")?, number("r")?, number("p")?);
                let memory = 128u64.saturating_mul(r).saturating_mul(1u64 << log_n.min(63));
                if log_n > MAX_SCRYPT_LOG_N || memory > MAX_SCRYPT_MEMORY_BYTES || p > 16 {
                    return Err(costly);
                }
                let hash = scrypt::password_hash::phc::PasswordHash::new(text)
                    .map_err(|_| malformed.clone())?;
                scrypt::Params::try_from(&hash).map_err(|_| malformed)?;
            }
            Self::DjangoPbkdf2Sha256 => {
                let (iterations, _, _) = django_parts(text).ok_or(malformed)?;
                if !(MIN_PBKDF2_ITERATIONS..=MAX_PBKDF2_ITERATIONS).contains(&iterations) {
                    return Err(costly);
                }
            }
        }
        Ok(scheme)
    }
}

/// Whether `password` matches `text`, a hash in one of the imported schemes
/// but Argon2 (which [`super::PasswordHasher`] verifies itself). Constant
/// time in the comparison; false for anything that does not parse.
pub(super) fn verify_imported(scheme: HashScheme, password: &[u8], text: &str) -> bool {
    match scheme {
        HashScheme::Argon2 => false,
        // Truncating at 72 bytes, as every bcrypt that made these did.
        HashScheme::Bcrypt => bcrypt::verify(password, text).unwrap_or(false),
        HashScheme::Scrypt => {
            use scrypt::password_hash::PasswordVerifier as _;
            scrypt::password_hash::phc::PasswordHash::new(text)
                .is_ok_and(|hash| scrypt::Scrypt::new().verify_password(password, &hash).is_ok())
        }
        HashScheme::DjangoPbkdf2Sha256 => {
            let Some((iterations, salt, expected)) = django_parts(text) else {
                return false;
            };
            let mut computed = vec![0u8; expected.len()];
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
                password,
                salt.as_bytes(),
                iterations,
                &mut computed,
            );
            computed.ct_eq(&expected).into()
        }
    }
}

/// The number `name` among a PHC string's parameters (`$...$m=1,t=2$...`).
fn phc_number(text: &str, name: &str) -> Option<u64> {
    text.split('$').filter(|part| part.contains('=')).flat_map(|part| part.split(',')).find_map(
        |pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.parse().ok())?
        },
    )
}

/// `m`, `t` and `p` of an Argon2 PHC string.
pub(super) fn argon2_costs(text: &str) -> Option<(u32, u32, u32)> {
    let number = |name| phc_number(text, name).and_then(|n| u32::try_from(n).ok());
    Some((number("m")?, number("t")?, number("p")?))
}

/// Iterations, salt (used as its text, as Django does) and hash bytes.
fn django_parts(text: &str) -> Option<(u32, &str, Vec<u8>)> {
    let mut parts = text.splitn(4, '$');
    let (_, iterations, salt, hash) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let iterations = iterations.parse().ok()?;
    let hash = STANDARD.decode(hash).ok()?;
    (!salt.is_empty() && !salt.contains('$') && hash.len() >= 16)
        .then_some((iterations, salt, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made by the libraries products use, of "correct horse": Python's
    // bcrypt (`hashpw`, cost 4) and Django 5's PBKDF2PasswordHasher (1,000
    // iterations, salt "seasalt2024").
    const BCRYPT: &str = "$2b$04$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.";
    const DJANGO: &str =
        "pbkdf2_sha256$1000$seasalt2024$vv6efMwQukIGQA5PNgPHorln9QGN/JMACNAu7hVPiWM=";

    #[test]
    fn schemes_are_told_by_their_prefix() {
        assert_eq!(
            HashScheme::of("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA"),
            Some(HashScheme::Argon2)
        );
        assert_eq!(HashScheme::of(BCRYPT), Some(HashScheme::Bcrypt));
        assert_eq!(HashScheme::of("$2y$10$x"), Some(HashScheme::Bcrypt));
        assert_eq!(HashScheme::of("$scrypt$ln=4,r=8,p=1$x$y"), Some(HashScheme::Scrypt));
        assert_eq!(HashScheme::of(DJANGO), Some(HashScheme::DjangoPbkdf2Sha256));
        assert_eq!(HashScheme::of("md5$abc"), None);
        assert_eq!(HashScheme::of("5f4dcc3b5aa765d61d8327deb882cf99"), None);
    }

    #[test]
    fn bcrypt_and_django_hashes_verify() {
        assert_eq!(HashScheme::check_imported(BCRYPT), Ok(HashScheme::Bcrypt));
        assert!(verify_imported(HashScheme::Bcrypt, b"correct horse", BCRYPT));
        assert!(!verify_imported(HashScheme::Bcrypt, b"correct hors", BCRYPT));
        assert_eq!(HashScheme::check_imported(DJANGO), Ok(HashScheme::DjangoPbkdf2Sha256));
        assert!(verify_imported(HashScheme::DjangoPbkdf2Sha256, b"correct horse", DJANGO));
        assert!(!verify_imported(HashScheme::DjangoPbkdf2Sha256, b"correct hors", DJANGO));
    }

    #[test]
    fn scrypt_hashes_verify() {
        use scrypt::password_hash::PasswordHasher as _;
        let params = scrypt::Params::new(4, 8, 1).unwrap();
        let hash = scrypt::Scrypt::from(params)
            .hash_password_with_salt(b"correct horse", b"saltsaltsaltsalt")
            .unwrap()
            .to_string();
        assert_eq!(HashScheme::check_imported(&hash), Ok(HashScheme::Scrypt));
        assert!(verify_imported(HashScheme::Scrypt, b"correct horse", &hash));
        assert!(!verify_imported(HashScheme::Scrypt, b"correct horsE", &hash));
    }

    #[test]
    fn costly_and_malformed_hashes_are_refused_on_import() {
        let refused = [
            ("$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "TooCostly"),
            ("$argon2id$v=19$m=19456,t=2$c2FsdA$aGFzaA", "Malformed"),
            ("$2b$15$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.", "TooCostly"),
            ("$2b$04$short", "Malformed"),
            (
                "pbkdf2_sha256$10$seasalt2024$vv6efMwQukIGQA5PNgPHorln9QGN/JMACNAu7hVPiWM=",
                "TooCostly",
            ),
            ("pbkdf2_sha256$1000$salt$not base64", "Malformed"),
            ("$scrypt$ln=24,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA", "TooCostly"),
            ("sha1$abc$def", "Unknown"),
        ];
        for (text, kind) in refused {
            let err = HashScheme::check_imported(text).unwrap_err();
            assert!(format!("{err:?}").starts_with(kind), "{text}: {err:?}");
            assert!(!err.to_string().contains(text));
        }
    }
}
