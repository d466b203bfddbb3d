//! One Argon2id hash, and the password change around it over in-memory
//! parts.

use std::time::Instant;

use password_recovery::RecoverySettings;
use password_recovery::domain::{
    Language, OsRandom, Password, PasswordHasher, ResetToken, ResetTokenRecord, Timestamp,
    TokenPurpose,
};
use password_recovery::flows::PasswordChange;
use password_recovery::messages::{Channel, MessageKind};
use password_recovery::ports::OutboxItem;
use password_recovery::ports::{ResetTokenStore, UserStore};
use password_recovery::testing::{TestAccount, World, settings};

use crate::figures::Sample;
use crate::{Error, PASSWORD};

pub struct Hashing {
    pub hash: Sample,
    pub flow: Sample,
}

/// One hash, and the password change over in-memory parts, alternately, so
/// both see the same machine.
pub async fn hashing(runs: usize) -> Result<Hashing, Error> {
    let hasher = PasswordHasher::owasp();
    let password = Password::new(PASSWORD);
    let world = World::with_settings(RecoverySettings {
        service_name: "Bench".into(),
        ..settings()
    });
    let id = TestAccount::new("ada")
        .email("ada@recovery.test")
        .create_in(&*world.store)
        .await
        .id;
    let (store, recovery) = (&world.store, &world.recovery);
    let (mut hash, mut flow) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
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
            })
            .await?;
        if i > 0 {
            hash.push(hashed);
            flow.push(started.elapsed());
        }
    }
    Ok(Hashing {
        hash: Sample(hash),
        flow: Sample(flow),
    })
}
