//! Argon2id password hashing with the OWASP parameters, on types that never
//! print what they hold.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq as _;
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
/// and reused by every hash and every verification. A fresh 19 MiB per hash
/// costs page faults every time, and over the blocking pool's threads glibc
/// keeps one copy resident per malloc arena (91 MiB peak RSS after 20
/// password changes; 160 MiB after 100 sign-in checks). Every block is written
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
        let params =
            Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES, Some(OUTPUT_BYTES))
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
        self.with_memory(self.params.block_count(), |memory| {
            self.argon2().hash_password_into_with_memory(
                password.expose().as_bytes(),
                &salt,
                &mut output,
                memory,
            )
        })
        .map_err(|_| HashError::Argon2)?;
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
    /// a hash of a scheme products bring on import ([`HashScheme`]), within
    /// the bounds of an import. An
    /// imported hash may have been made of the password as typed: when
    /// normalising changed it, that is tried too.
    pub fn verify(&self, candidate: &str, hash: &PasswordHash) -> bool {
        let text = hash.expose_phc();
        if HashScheme::check_imported(text).is_err() {
            // Stored before the bounds, or not a hash at all: never
            // computed; the work of a wrong password instead.
            self.verify(candidate, self.dummy_hash());
            return false;
        }
        let check = |password: &[u8]| match HashScheme::of(text) {
            Some(HashScheme::Argon2) => self.verify_argon2(password, text),
            Some(scheme) => verify_imported(scheme, password, text),
            None => false,
        };
        let normalised = Password::new(candidate);
        check(normalised.expose().as_bytes())
            || (normalised.expose() != candidate && check(candidate.as_bytes()))
    }

    /// Runs `f` on `blocks` blocks of Argon2 memory: the process's one
    /// buffer (concurrent callers take turns), or, for an imported hash that
    /// asks for more than this hasher's parameters, a buffer of its own for
    /// this once (the shared one never grows past the shipped size).
    fn with_memory<R>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
        let own = self.params.block_count();
        if blocks > own {
            return f(&mut vec![Block::new(); blocks]);
        }
        let mut memory = MEMORY.lock().unwrap_or_else(PoisonError::into_inner);
        memory.resize(own, Block::new());
        f(&mut memory[..])
    }

    /// Whether `password` gives the output of the Argon2 PHC string `text`,
    /// with the variant, version and parameters the string names, computed
    /// in [`MEMORY`] (argon2's own verifier allocates a fresh buffer each
    /// time) and compared in constant time.
    fn verify_argon2(&self, password: &[u8], text: &str) -> bool {
        let Ok(phc) = argon2::password_hash::phc::PasswordHash::new(text) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
            return false;
        };
        let version = match phc.version.map(Version::try_from) {
            None => Ok(Version::default()),
            Some(version) => version,
        };
        let (Ok(algorithm), Ok(version), Ok(params)) =
            (Algorithm::try_from(phc.algorithm.as_str()), version, Params::try_from(&phc))
        else {
            return false;
        };
        let mut output = [0u8; 64];
        let Some(output) = output.get_mut(..expected.len()) else {
            return false;
        };
        let blocks = params.block_count();
        let computed = self.with_memory(blocks, |memory| {
            Argon2::new(algorithm, version, params)
                .hash_password_into_with_memory(password, salt, output, memory)
        });
        computed.is_ok() && bool::from(output.ct_eq(expected.as_bytes()))
    }

    /// Whether `hash` is this hasher's own: Argon2id, version 19, with its
    /// parameters. Any other verifies, and is rehashed after a successful
    /// sign-in.
    pub fn is_current(&self, hash: &PasswordHash) -> bool {
        let text = hash.expose_phc();
        let params = (self.params.m_cost(), self.params.t_cost(), self.params.p_cost());
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
mod tests;
