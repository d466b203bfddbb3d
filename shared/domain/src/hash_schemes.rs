//! The password hashes an account may hold: this service's Argon2id, and
//! the formats products bring on import: Argon2 PHC strings of any variant
//! and parameters, bcrypt (`$2a$`, `$2b$`, `$2y$`), scrypt PHC strings, and
//! Django's PBKDF2-SHA256 (`pbkdf2_sha256$<iterations>$<salt>$<hash>`).
//! Each is verified by its maintained crate; a hash longer than any of
//! these, or whose check would cost more than [`MAX_COST_MULTIPLE`] checks
//! of the shipped Argon2id, is refused when it is imported and never
//! computed when it is stored from before.

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
    #[error("longer than {MAX_HASH_CHARS} characters: no hash this service reads is")]
    TooLong,
    #[error("a {0} hash that does not parse")]
    Malformed(&'static str),
    #[error(
        "a {0} hash whose check would cost more than {MAX_COST_MULTIPLE} checks of this service's own Argon2id"
    )]
    TooCostly(&'static str),
    #[error("a {0} hash too weak to keep (fewer than {MIN_PBKDF2_ITERATIONS} iterations)")]
    TooWeak(&'static str),
}

/// The most one check of an accepted hash may cost, in checks of the
/// shipped Argon2id (m = 19,456 KiB, t = 2): about half a second of a whole
/// core. Django's 1,000,000 PBKDF2 iterations cost 9, bcrypt 12 costs 9,
/// scrypt ln=17 r=8 p=1 costs 13 (`make bench`, "Imported hashes").
pub const MAX_COST_MULTIPLE: u64 = 20;

/// The longest hash string accepted (an Argon2 PHC string with a 64-byte
/// salt and output is about 210 characters).
pub const MAX_HASH_CHARS: usize = 512;

/// The work of the shipped Argon2id, m·t: the unit of [`HashScheme::cost`].
const SHIPPED_ARGON2_WORK: u64 = 19_456 * 2;
const MAX_ARGON2_MEMORY_KIB: u32 = 262_144;
const MAX_ARGON2_LANES: u32 = 8;
const MIN_PBKDF2_ITERATIONS: u32 = 1_000;

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

    /// What one check of `text`, a hash of this scheme, costs, in
    /// hundredths of a check of the shipped Argon2id: the work its
    /// parameters ask for (Argon2 m·t, its lanes run one after another;
    /// bcrypt 2^cost; scrypt N·r·p; PBKDF2 iterations × 32-byte blocks),
    /// at each scheme's speed against Argon2id's in the shipped build
    /// (bcrypt 10: 2.33, scrypt N·r·p = 2^18: 3.37, PBKDF2 100,000: 0.98;
    /// `make bench` measures them again). `None` when it does not parse.
    pub fn cost(self, text: &str) -> Option<u64> {
        Some(match self {
            Self::Argon2 => {
                let (m, t, _) = argon2_costs(text)?;
                u64::from(m) * u64::from(t) * 100 / SHIPPED_ARGON2_WORK
            }
            Self::Bcrypt => {
                let cost: u32 = text.get(4..6)?.parse().ok()?;
                (1u64 << cost.min(40)) * 233 / 1024
            }
            Self::Scrypt => {
                let (log_n, r, p) =
                    (phc_number(text, "ln")?, phc_number(text, "r")?, phc_number(text, "p")?);
                let work = (1u64 << log_n.min(63)).saturating_mul(r).saturating_mul(p);
                work.saturating_mul(337) / (1 << 18)
            }
            Self::DjangoPbkdf2Sha256 => {
                let (iterations, _, _) = django_parts(text)?;
                u64::from(iterations) * 98 / 100_000
            }
        })
    }

    /// The scheme of a hash offered for import, once it parses and one
    /// check of it costs at most [`MAX_COST_MULTIPLE`] checks of the
    /// shipped Argon2id.
    pub fn check_imported(text: &str) -> Result<Self, ImportedHashError> {
        if text.len() > MAX_HASH_CHARS {
            return Err(ImportedHashError::TooLong);
        }
        let scheme = Self::of(text).ok_or(ImportedHashError::Unknown)?;
        let name = scheme.name();
        let malformed = ImportedHashError::Malformed(name);
        let costly = ImportedHashError::TooCostly(name);
        match scheme {
            Self::Argon2 => {
                let (m, _, p) = argon2_costs(text).ok_or(malformed.clone())?;
                if argon2::password_hash::phc::PasswordHash::new(text).is_err() {
                    return Err(malformed);
                }
                if m > MAX_ARGON2_MEMORY_KIB || p > MAX_ARGON2_LANES {
                    return Err(costly);
                }
            }
            Self::Bcrypt => {
                let cost: u32 =
                    text.get(4..6).and_then(|c| c.parse().ok()).ok_or(malformed.clone())?;
                if text.len() != 60 || !(4..=31).contains(&cost) {
                    return Err(malformed);
                }
            }
            Self::Scrypt => {
                let number = |name| phc_number(text, name).ok_or(malformed.clone());
                let (log_n, r) = (number("ln")?, number("r")?);
                let memory = 128u64.saturating_mul(r).saturating_mul(1u64 << log_n.min(63));
                if memory > u64::from(MAX_ARGON2_MEMORY_KIB) * 1024 {
                    return Err(costly);
                }
                let hash = scrypt::password_hash::phc::PasswordHash::new(text)
                    .map_err(|_| malformed.clone())?;
                scrypt::Params::try_from(&hash).map_err(|_| malformed.clone())?;
            }
            Self::DjangoPbkdf2Sha256 => {
                let (iterations, _, _) = django_parts(text).ok_or(malformed.clone())?;
                if iterations < MIN_PBKDF2_ITERATIONS {
                    return Err(ImportedHashError::TooWeak(name));
                }
            }
        }
        match scheme.cost(text) {
            Some(cost) if cost <= MAX_COST_MULTIPLE * 100 => Ok(scheme),
            Some(_) => Err(costly),
            None => Err(malformed),
        }
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
    // PBKDF2-SHA256 as Django writes it: one 32-byte block, no more.
    (!salt.is_empty() && !salt.contains('$') && hash.len() == 32)
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
                "TooWeak",
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

    /// A Django hash: `iterations`, a 32-byte (or `bytes`-long) output.
    fn django(iterations: u64, bytes: usize) -> String {
        format!("pbkdf2_sha256${iterations}$seasalt2024${}", STANDARD.encode(vec![7u8; bytes]))
    }

    /// A PHC string of `scheme` with `params`, a 16-byte salt and output.
    fn phc(scheme: &str, params: &str) -> String {
        format!("${scheme}${params}$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA")
    }

    #[test]
    fn no_accepted_hash_costs_more_than_twenty_shipped_checks() {
        let refused = [
            (django(600_000, 1024), "TooLong"),
            (django(600_000, 300), "Malformed"),
            (django(600_000, 16), "Malformed"),
            (django(1_000_000_000, 32), "TooCostly"),
            (phc("scrypt", "ln=18,r=8,p=16"), "TooCostly"),
            (phc("argon2id$v=19", "m=4194304,t=1,p=1"), "TooCostly"),
            (phc("argon2id$v=19", "m=262144,t=3,p=1"), "TooCostly"),
            ("$2b$14$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.".into(), "TooCostly"),
            (format!("$2b$04${}", "x".repeat(100_000)), "TooLong"),
        ];
        for (text, kind) in &refused {
            let err = HashScheme::check_imported(text).unwrap_err();
            assert!(format!("{err:?}").starts_with(kind), "{}: {err:?}", &text[..40]);
        }
        // What products ship today is taken.
        let taken = [
            django(1_000_000, 32),
            "$2b$13$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.".into(),
            phc("scrypt", "ln=17,r=8,p=1"),
            phc("argon2id$v=19", "m=65536,t=3,p=4"),
            phc("argon2id$v=19", "m=19456,t=2,p=1"),
        ];
        for text in &taken {
            let scheme = HashScheme::check_imported(text).unwrap();
            let cost = scheme.cost(text).unwrap();
            assert!(cost <= MAX_COST_MULTIPLE * 100, "{text}: {cost}");
        }
        assert_eq!(HashScheme::Argon2.cost(&taken[4]), Some(100), "the unit");
    }
}
