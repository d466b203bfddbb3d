//! The secrets at a cold start: what reading the outbox key costs (one
//! Secrets Manager call and the key derivation), the SMS code key (one
//! call), and both at once as request-reset reads them; and what sealing
//! and opening one message costs, the per-message price of the choice made.

use std::time::Instant;

use aws_config::SdkConfig;
use recovery_aws::read_secret;
use recovery_domain::{CodeSecret, EmailAddress, Language, OsRandom, OutboxKey};
use recovery_messages::{Context, Message, Texts, email};
use secrecy::ExposeSecret;

use crate::Error;
use crate::figures::Sample;

pub struct Sealing {
    /// GetSecretValue (a new client each time, as at a cold start) and HKDF.
    pub key_at_cold_start: Sample,
    /// GetSecretValue of the SMS code key.
    pub code_key_at_cold_start: Sample,
    /// Both, concurrently, as request-reset's cold start reads them.
    pub both_at_cold_start: Sample,
    /// Sealing one reset email and opening it again.
    pub seal_and_open: Sample,
    pub message_bytes: usize,
}

async fn outbox_key(sdk: &SdkConfig, secret: &str) -> Result<OutboxKey, Error> {
    let text = read_secret(sdk, secret).await?;
    Ok(OutboxKey::derive(text.expose_secret()).map_err(|_| "a weak secret")?)
}

async fn code_key(sdk: &SdkConfig, secret: &str) -> Result<CodeSecret, Error> {
    let text = read_secret(sdk, secret).await?;
    Ok(CodeSecret::new(text.expose_secret().clone()).ok_or("a weak code secret")?)
}

pub async fn sealing(
    sdk: &SdkConfig,
    secret: &str,
    code_secret: &str,
    runs: usize,
) -> Result<Sealing, Error> {
    let (mut reads, mut code_reads, mut both) = (Vec::new(), Vec::new(), Vec::new());
    let mut key = None;
    for _ in 0..runs {
        let started = Instant::now();
        key = Some(outbox_key(sdk, secret).await?);
        reads.push(started.elapsed());
        let started = Instant::now();
        code_key(sdk, code_secret).await?;
        code_reads.push(started.elapsed());
        let started = Instant::now();
        let (outbox, code) = tokio::join!(outbox_key(sdk, secret), code_key(sdk, code_secret));
        both.push(started.elapsed());
        outbox?;
        code?;
    }
    let key = key.ok_or("no runs")?;
    let to = EmailAddress::parse("ada@recovery.test").map_err(|e| format!("{e:?}"))?;
    let context = Context {
        service_name: "Recovery Bench",
        login: "ada",
        login_url: "https://app.recovery.test/login",
        t: Texts::new(Language::English),
    };
    let link = format!("https://recovery.test/password/reset?token={}", "A".repeat(43));
    let message = Message::Email(email::reset_link(&to, &context, &link, 3600)?).encode();
    let bound = "0123456789abcdef0123456789abcdef/1800000000000#00ff11ee22dd33cc";
    let mut sealing = Vec::with_capacity(runs * 10);
    for _ in 0..=runs * 10 {
        let started = Instant::now();
        let sealed = key.seal(bound, &message, &OsRandom)?;
        let opened = key.open(bound, &sealed).map_err(|_| "does not open")?;
        sealing.push(started.elapsed());
        if opened != message {
            return Err("opened something else".into());
        }
    }
    sealing.remove(0);
    Ok(Sealing {
        key_at_cold_start: Sample(reads),
        code_key_at_cold_start: Sample(code_reads),
        both_at_cold_start: Sample(both),
        seal_and_open: Sample(sealing),
        message_bytes: message.len(),
    })
}
