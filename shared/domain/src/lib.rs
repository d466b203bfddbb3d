//! The values and rules of password recovery, with no I/O: accounts and the
//! identifiers people type, reset tokens, SMS codes, passwords and their
//! policy, rate-limit decisions, time and randomness. Everything else in the
//! crate is built on these; these are built on nothing else in the crate.

mod account;
mod breach;
mod challenge;
mod code;
mod funnel;
mod hash_schemes;
mod identifier;
mod key_id;
mod language;
mod locale;
mod lock;
mod origin;
mod password;
mod phone;
pub mod phone_metadata;
mod policy;
mod principal;
mod pumping;
mod random;
mod rate_limit;
mod sealed;
mod shards;
mod sms;
mod sms_budget;
mod time;
mod token;
mod workspace;

pub use account::{AccountLookup, EmailTrouble, EmailTroubleKind, NewAccount, UserAccount, UserId};
pub use breach::{BREACH_PREFIX_LEN, BreachQuery, breached, range_url_allowed};
pub use challenge::{
    Challenge, ChallengeRefused, ChallengeRoute, MAX_DIFFICULTY, MIN_DIFFICULTY, script_source,
    solve, solves,
};
pub use code::{CODE_DIGITS, CodeMac, CodeRecord, CodeSecret, MIN_SECRET_BYTES, SmsCode};
pub use funnel::{
    LOCKED_TALLY, Measure, NotSent, RECOVERED_WITHIN, SignInResult, Step, Way,
    recovered_tally_name, recovered_within, tally_day, tally_days, tally_name,
};
pub use hash_schemes::{HashScheme, ImportedHashError};
pub use identifier::{
    EmailAddress, IdentifierError, LoginName, MAX_IDENTIFIER_CHARS, MAX_LOGIN_CHARS, PhoneNumber,
};
pub use key_id::KeyId;
pub use language::Language;
pub use locale::{InvalidLocale, Locale};
pub use lock::{LOCK_LINK_LIFETIME_SECONDS, LockClaim, LockToken};
pub use origin::{MIN_ORIGIN_SECRET_BYTES, OriginSecret, viewer_address};
pub use password::{
    ARGON2_ITERATIONS, ARGON2_LANES, ARGON2_MEMORY_KIB, HashError, Password, PasswordHash,
    PasswordHasher,
};
pub use policy::{
    DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS, NewPasswordError, PasswordPolicy, PolicyViolation,
};
pub use principal::{AdminPrincipal, AdminScope, InvalidPrincipal, MAX_PRINCIPAL_ARN};
pub use pumping::{PUMPING_WINDOW_SECONDS, PumpingPolicy, pumping_hours};
pub use random::hex;
pub use random::{OsRandom, RandomError, RandomSource};
pub use rate_limit::{
    BUCKETS_PER_WINDOW, Backoff, Bucket, RateDecision, RateWindow, Tally, address_key, decide,
    hit_buckets, longest_window, room_beside, source_digest,
};
pub use sealed::{MIN_OUTBOX_SECRET_BYTES, OutboxKey, Unsealable, WeakOutboxSecret};
pub use shards::Shards;
pub use sms::{
    InvalidCallingCode, InvalidPrice, MicroUsd, SmsCountries, SmsEncoding, SmsPolicy, SmsPrices,
    SmsSegments,
};
pub use sms_budget::{BudgetPeriod, InvalidBudget, SmsBudget, WARN_AT_PERCENT};
pub use time::{
    Clock, SystemClock, Timestamp, UtcMinute, iso8601_millis, parse_iso8601, utc_minutes,
};
pub use token::{
    ChangeSource, MAX_WRONG_LOGINS, ResetToken, ResetTokenRecord, TOKEN_BYTES, TOKEN_TEXT_LEN,
    TokenDigest, TokenPurpose,
};
pub use workspace::{
    Accent, HttpsUrl, MAX_WORKSPACE_ID, MAX_WORKSPACE_NAME, MAX_WORKSPACE_URL, MIN_ACCENT_CONTRAST,
    Workspace, WorkspaceError, WorkspaceId, workspace_name,
};
