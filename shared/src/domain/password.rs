//! Argon2id password hashing with the OWASP parameters, on types that never
//! print what they hold.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use argon2::{Algorithm, Argon2, Block, Params, PasswordVerifier as _, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;

use super::hash_schemes::{HashScheme, argon2_costs, verify_imported};
use super::random::{RandomError, RandomSource};

/// OWASP's minimum for Argon2id: 19 MiB, two passes, one lane.
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_LANES: u32 = 1;
const SALT_BYTES: usize = 16;
const OUTPUT_BYTES: usize = 32;

/// See [`PasswordHasher::dummy_hash`].
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$OtUvJQkVei9gdeRXlx8d/g$CDx8hixUrJpIj2vm9BYS6sOb72n5oVHd6GZS/Cb51fY";

/// Argon2's working memory (`m` blocks of 1 KiB), allocated once per process
/// and reused. A fresh 19 MiB per hash costs page faults every time, and
/// over the blocking pool's threads glibc keeps one copy resident per malloc
/// arena (91 MiB peak RSS after 20 password changes). Every block is written
/// before it is read, so reuse needs no clearing; the buffer holds no
/// password, only Argon2's derived state, inside a process that holds the
/// request anyway.
static MEMORY: Mutex<Vec<Block>> = Mutex::new(Vec::new());

/// A password as typed, NFKC-normalised. Never printed.
pub struct Password(SecretString);

impl Password {
    pub fn new(raw: &str) -> Self {
        Self(SecretString::from(raw.nfkc().collect::<String>()))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A stored password hash: an Argon2id PHC string. Never printed.
#[derive(Clone)]
pub struct PasswordHash(Arc<SecretString>);

impl PasswordHash {
    pub fn from_phc(phc: &str) -> Self {
        Self(Arc::new(SecretString::from(phc.to_owned())))
    }

    /// The PHC string, for storage.
    pub fn expose_phc(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("password hashing failed")]
    Argon2,
    #[error("the hashing task did not finish")]
    Task,
}

/// Hashes and verifies passwords with Argon2id.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("m_cost", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .field("p_cost", &self.params.p_cost())
            .finish()
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::owasp()
    }
}

impl PasswordHasher {
    /// m = 19456 KiB, t = 2, p = 1.
    pub fn owasp() -> Self {
        let params = Params::new(
            ARGON2_MEMORY_KIB,
            ARGON2_ITERATIONS,
            ARGON2_LANES,
            Some(OUTPUT_BYTES),
        )
        .expect("the OWASP parameters are valid Argon2 parameters");
        Self { params }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes on the calling thread, in the process's one Argon2 buffer
    /// (concurrent hashes take turns). Async code hashes off the executor
    /// (`flows` does, on tokio's blocking pool).
    pub fn hash(
        &self,
        password: &Password,
        random: &dyn RandomSource,
    ) -> Result<PasswordHash, HashError> {
        let mut salt = [0u8; SALT_BYTES];
        random.fill(&mut salt)?;
        let mut output = [0u8; OUTPUT_BYTES];
        {
            let mut memory = MEMORY.lock().unwrap_or_else(PoisonError::into_inner);
            memory.resize(self.params.block_count(), Block::new());
            self.argon2()
                .hash_password_into_with_memory(
                    password.expose().as_bytes(),
                    &salt,
                    &mut output,
                    &mut memory[..],
                )
                .map_err(|_| HashError::Argon2)?;
        }
        // The PHC string format, as argon2's `PasswordHasher` writes it.
        let phc = format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost(),
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(output),
        );
        Ok(PasswordHash::from_phc(&phc))
    }

    /// Whether `candidate` (normalised as on hashing) matches `hash`: an
    /// Argon2 PHC string of any parameters (they come from the string), or
    /// a hash of a scheme products bring on import ([`HashScheme`]). An
    /// imported hash may have been made of the password as typed: when
    /// normalising changed it, that is tried too.
    pub fn verify(&self, candidate: &str, hash: &PasswordHash) -> bool {
        let text = hash.expose_phc();
        let check = |password: &[u8]| match HashScheme::of(text) {
            Some(HashScheme::Argon2) => self.argon2().verify_password(password, text).is_ok(),
            Some(scheme) => verify_imported(scheme, password, text),
            None => false,
        };
        let normalised = Password::new(candidate);
        check(normalised.expose().as_bytes())
            || (normalised.expose() != candidate && check(candidate.as_bytes()))
    }

    /// Whether `hash` is this hasher's own: Argon2id, version 19, with its
    /// parameters. Any other verifies, and is rehashed after a successful
    /// sign-in.
    pub fn is_current(&self, hash: &PasswordHash) -> bool {
        let text = hash.expose_phc();
        let params = (
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost(),
        );
        text.starts_with("$argon2id$v=19$") && argon2_costs(text) == Some(params)
    }

    /// A hash of no password anyone has (of 32 random bytes thrown away
    /// once hashed), with the shipped parameters: what a credential check
    /// verifies against when there is no account, so that it takes the
    /// time a wrong password takes. A constant: no hash at cold start.
    pub fn dummy_hash(&self) -> &'static PasswordHash {
        static DUMMY: std::sync::OnceLock<PasswordHash> = std::sync::OnceLock::new();
        DUMMY.get_or_init(|| PasswordHash::from_phc(DUMMY_PHC))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OsRandom;

    #[test]
    fn hashes_are_argon2id_phc_strings_with_owasp_parameters() {
        let hash = PasswordHasher::owasp()
            .hash(&Password::new("correct horse battery"), &OsRandom)
            .unwrap();
        assert!(
            hash.expose_phc()
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "unexpected hash format"
        );
    }

    #[test]
    fn the_phc_string_is_the_one_argon2_itself_writes() {
        use argon2::PasswordHasher as _;
        let salt = [7u8; SALT_BYTES];
        let expected = PasswordHasher::owasp()
            .argon2()
            .hash_password_with_salt(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        struct Fixed;
        impl RandomSource for Fixed {
            fn fill(&self, bytes: &mut [u8]) -> Result<(), RandomError> {
                bytes.fill(7);
                Ok(())
            }
        }
        let ours = PasswordHasher::owasp()
            .hash(&Password::new("correct horse battery"), &Fixed)
            .unwrap();
        assert_eq!(ours.expose_phc(), expected);
    }

    #[test]
    fn verify_accepts_the_password_and_refuses_others() {
        let hasher = PasswordHasher::owasp();
        let hash = hasher
            .hash(&Password::new("correct horse battery"), &OsRandom)
            .unwrap();
        assert!(hasher.verify("correct horse battery", &hash));
        assert!(!hasher.verify("correct horse batterY", &hash));
        assert!(!hasher.verify("", &hash));
    }

    #[test]
    fn same_password_gets_a_fresh_salt_each_time() {
        let hasher = PasswordHasher::owasp();
        let a = hasher
            .hash(&Password::new("same password"), &OsRandom)
            .unwrap();
        let b = hasher
            .hash(&Password::new("same password"), &OsRandom)
            .unwrap();
        assert_ne!(a.expose_phc(), b.expose_phc());
    }

    #[test]
    fn unicode_is_normalised_before_hashing() {
        let hasher = PasswordHasher::owasp();
        // "é" precomposed vs "e" + combining acute accent.
        let hash = hasher
            .hash(&Password::new("caf\u{e9} au lait"), &OsRandom)
            .unwrap();
        assert!(hasher.verify("cafe\u{301} au lait", &hash));
    }

    #[test]
    fn hashes_made_with_other_parameters_still_verify() {
        use argon2::PasswordHasher as _;
        let weak = Params::new(8, 1, 1, None).unwrap();
        let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, weak)
            .hash_password_with_salt(b"old password", &[9u8; 16])
            .unwrap()
            .to_string();
        assert!(PasswordHasher::owasp().verify("old password", &PasswordHash::from_phc(&phc)));
    }

    #[test]
    fn imported_hashes_verify_and_only_the_current_argon2id_is_current() {
        use argon2::PasswordHasher as _;
        let hasher = PasswordHasher::owasp();
        let ours = hasher
            .hash(&Password::new("correct horse"), &OsRandom)
            .unwrap();
        assert!(hasher.is_current(&ours));
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(64, 1, 1, None).unwrap(),
        )
        .hash_password_with_salt(b"correct horse", &[3u8; 16])
        .unwrap()
        .to_string();
        // Python's bcrypt (cost 4) and Django 5 (1,000 iterations), as in
        // `hash_schemes`.
        let imported = [
            argon2i.as_str(),
            "$2b$04$cnErr362qvujsmCuuc5MPOjmOYBav.R4wk7ANC3coxhPILHrcgts.",
            "pbkdf2_sha256$1000$seasalt2024$vv6efMwQukIGQA5PNgPHorln9QGN/JMACNAu7hVPiWM=",
        ];
        for text in imported {
            let hash = PasswordHash::from_phc(text);
            assert!(hasher.verify("correct horse", &hash), "{text}");
            assert!(!hasher.verify("correct horsE", &hash), "{text}");
            assert!(!hasher.is_current(&hash), "{text}");
        }
        assert!(!hasher.verify("anything", &PasswordHash::from_phc("not a hash")));
    }

    #[test]
    fn an_imported_hash_of_the_password_as_typed_verifies() {
        // A product that hashed "cafe" + combining acute, unnormalised.
        let hash = bcrypt::hash_with_salt("cafe\u{301}", 4, [5u8; 16])
            .unwrap()
            .to_string();
        let hash = PasswordHash::from_phc(&hash);
        assert!(PasswordHasher::owasp().verify("cafe\u{301}", &hash));
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does_and_opens_nothing() {
        let hasher = PasswordHasher::owasp();
        let dummy = hasher.dummy_hash();
        assert!(hasher.is_current(dummy));
        assert!(!hasher.verify("", dummy));
        assert!(!hasher.verify("password", dummy));
        assert_eq!(dummy.expose_phc(), hasher.dummy_hash().expose_phc());
    }

    #[test]
    fn secrets_do_not_print() {
        let hash = PasswordHasher::owasp()
            .hash(&Password::new("hunter22hunter"), &OsRandom)
            .unwrap();
        let shown = format!("{:?} {:?}", Password::new("hunter22hunter"), hash);
        assert!(!shown.contains("hunter22hunter"));
        assert!(!shown.contains("argon2"));
    }
}
