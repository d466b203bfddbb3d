//! One Argon2id hash, the password change around it over in-memory parts,
//! and the C reference implementation on the same parameters.

use std::time::{Duration, Instant};

use recovery_core::RecoverySettings;
use recovery_core::flows::PasswordChange;
use recovery_core::ports::OutboxItem;
use recovery_core::ports::{ResetTokenStore, UserStore};
use recovery_domain::{
    Language, OsRandom, Password, PasswordHasher, ResetToken, ResetTokenRecord, Timestamp,
    TokenPurpose,
};
use recovery_messages::{Channel, MessageKind};
use recovery_testing::{TestAccount, World, settings};

use system_tests::workspace_root;

use crate::figures::Sample;
use crate::{Error, PASSWORD};

pub struct Hashing {
    pub hash: Sample,
    pub flow: Sample,
    /// The C reference implementation (libargon2, through argon2-cffi) on
    /// the same parameters, in rounds between the crate's; or why not.
    pub reference: Result<Sample, String>,
}

/// Times `count` hashes of libargon2 (argon2-cffi in `.venv`) with the
/// shipped parameters, after one untimed: seconds each, as JSON.
const REFERENCE: &str = r#"
import json, sys, time
from argon2.low_level import Type, hash_secret_raw
def once():
    return hash_secret_raw(b"correct horse battery staple", b"0123456789abcdef",
        time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, type=Type.ID)
once()
took = []
for _ in range(int(sys.argv[1])):
    started = time.perf_counter()
    once()
    took.append(time.perf_counter() - started)
print(json.dumps(took))
"#;

/// `count` hashes of the C reference, timed inside its own process.
fn reference_hashes(count: usize) -> Result<Vec<Duration>, String> {
    let python = workspace_root().join(".venv/bin/python");
    let output = std::process::Command::new(&python)
        .args(["-c", REFERENCE, &count.to_string()])
        .output()
        .map_err(|e| format!("{} did not run: {e}", python.display()))?;
    if !output.status.success() {
        return Err(format!(
            "argon2-cffi failed (is it in .venv? `make tools`): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let seconds: Vec<f64> = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    Ok(seconds.into_iter().map(Duration::from_secs_f64).collect())
}

/// One hash, and the password change over in-memory parts, alternately, so
/// both see the same machine.
pub async fn hashing(runs: usize) -> Result<Hashing, Error> {
    let hasher = PasswordHasher::owasp();
    let password = Password::new(PASSWORD);
    let world =
        World::with_settings(RecoverySettings { service_name: "Bench".into(), ..settings() });
    let id = TestAccount::new("ada").email("ada@recovery.test").create_in(&*world.store).await.id;
    let (store, recovery) = (&world.store, &world.recovery);
    let (mut hash, mut flow) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    let mut reference = Ok(Vec::with_capacity(runs * 3));
    // One of each first, untimed: the hash buffer and the password list load.
    for i in 0..=runs {
        let started = Instant::now();
        hasher.hash(&password, &OsRandom)?;
        let hashed = started.elapsed();

        let user = store.get(&id).await?.ok_or("the account vanished")?;
        let token = ResetToken::generate(&OsRandom)?;
        let issued_at = Timestamp::from_epoch_seconds(1_800_000_000);
        let record =
            ResetTokenRecord::issue(&token, &id, TokenPurpose::SelfService, issued_at, 3600);
        let message = OutboxItem {
            user_id: id.clone(),
            key: format!("{:013}#{i:016x}", issued_at.epoch_seconds() * 1000),
            channel: Channel::Email,
            kind: MessageKind::ResetLink,
            created_at: issued_at,
            send_before: record.expires_at,
            sealed: vec![0; 32],
            carries: None,
            workspace: None,
        };
        store.issue(&user, &record, &message).await?;
        let new = format!("{PASSWORD} {i}");
        let started = Instant::now();
        recovery
            .set_password(PasswordChange {
                token: token.expose_for_link(),
                login: None,
                password: new.clone().into(),
                confirmation: new.into(),
                language: Language::English,
                workspace: None,
            })
            .await?;
        if i > 0 {
            hash.push(hashed);
            flow.push(started.elapsed());
            // Three of the reference's between each of ours.
            if let Ok(taken) = &mut reference {
                match reference_hashes(3) {
                    Ok(more) => taken.extend(more),
                    Err(why) => reference = Err(why),
                }
            }
        }
    }
    Ok(Hashing { hash: Sample(hash), flow: Sample(flow), reference: reference.map(Sample) })
}
