//! The sign-in check for each kind of account against an unknown login,
//! all alternating in one process so that they meet the same noise: once
//! with the floor off (what each costs the function) and once at the
//! template's floor (what a caller sees). Each login is typed once per
//! process, so no delay is ever reached.

use std::time::Duration;

use aws_config::SdkConfig;
use recovery_aws::DynamoDbStore;
use recovery_core::ports::{AccountLifecycle, AuditRecord, UserStore, Written};
use recovery_edges::config::Function::VerifyCredentials;
use recovery_testing::TestAccount;
use serde_json::json;

use crate::calls::CallLog;
use crate::figures::Sample;
use crate::process::Running;
use crate::{Error, PASSWORD};

/// The template's `SignInFloorMs` default.
pub const FLOOR_MS: u64 = 1000;

/// One kind of account: its own time with the floor off, and its answer's
/// latency at the floor.
pub struct Case {
    pub name: &'static str,
    pub own: Sample,
    pub floored: Sample,
}

/// The cases, the unknown login first.
pub struct SignIn {
    pub cases: Vec<Case>,
}

/// How each kind of account is made.
#[derive(Clone, Copy)]
enum Kind {
    Unknown,
    Argon2id,
    Disabled,
    Locked,
    ProviderOnly,
    Imported,
}

/// Imported hashes at the costs products use (each below the import bound
/// of 20 checks of the shipped Argon2id), made once: a wrong password
/// costs the scheme's work, whatever the password was.
fn imported_hashes() -> Result<Vec<(&'static str, String)>, Error> {
    use argon2::PasswordHasher as _;
    use base64::Engine as _;
    let salt = b"bench-salt-0123456789";
    let bcrypt = bcrypt::hash_with_salt("a bench password", 12, [7u8; 16])?.to_string();
    let mut pbkdf2 = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"a bench password", b"benchsalt", 1_000_000, &mut pbkdf2);
    let django = format!(
        "pbkdf2_sha256$1000000$benchsalt${}",
        base64::engine::general_purpose::STANDARD.encode(pbkdf2)
    );
    let scrypt = scrypt::Scrypt::from(scrypt::Params::new(17, 8, 1)?)
        .hash_password_with_salt(b"a bench password", salt)
        .map_err(|e| e.to_string())?
        .to_string();
    let params = argon2::Params::new(65_536, 3, 1, None).map_err(|e| e.to_string())?;
    let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_with_salt(b"a bench password", salt)
        .map_err(|e| e.to_string())?
        .to_string();
    Ok(vec![
        ("wrong password, imported bcrypt cost 12", bcrypt),
        ("wrong password, imported Django PBKDF2, 1,000,000 iterations", django),
        ("wrong password, imported scrypt ln=17 r=8 p=1", scrypt),
        ("wrong password, imported Argon2id m=64 MiB t=3", argon2),
    ])
}

/// `runs` accounts of `kind` named `<prefix>-<n>`; their logins.
async fn accounts(
    store: &DynamoDbStore,
    prefix: &str,
    kind: Kind,
    hash: Option<&str>,
    runs: usize,
) -> Result<Vec<String>, Error> {
    let mut logins = Vec::with_capacity(runs);
    for n in 0..runs {
        let login = format!("{prefix}-{n}");
        let account = TestAccount::new(&login).email(&format!("{login}@bench.test"));
        let account = match (kind, hash) {
            (Kind::Unknown, _) => {
                logins.push(login);
                continue;
            }
            (Kind::ProviderOnly, _) => account.provider("Google"),
            (Kind::Disabled, _) => account.password(PASSWORD).disabled(),
            (Kind::Imported, Some(hash)) => account.hash(hash),
            _ => account.password(PASSWORD),
        };
        let user = account.create_in(store).await;
        if let Kind::Locked = kind {
            let now = recovery_domain::Clock::now(&recovery_domain::SystemClock);
            let record = AuditRecord {
                target: login.clone(),
                user_id: Some(user.id.as_str().to_owned()),
                action: "lock_account".into(),
                caller: "the account's owner (bench)".into(),
                on_behalf_of: None,
                outcome: "ok".into(),
                detail: None,
                at_millis: now.epoch_seconds() * 1000,
                request_id: format!("bench-lock-{login}"),
                workspaces: vec![],
            };
            // A lock holds the password set at a time: set one now.
            let hash = user.password_hash.clone().ok_or("an account with a password")?;
            if store.replace_password(&user, &hash, now, &[]).await? != Written::Done {
                return Err(format!("{login}: its password could not be set").into());
            }
            let locked = store.lock(&user, now, now, &[], (&record, 86_400)).await?;
            if locked != Written::Done {
                return Err(format!("{login} could not be locked: {locked:?}").into());
            }
        }
        logins.push(login);
    }
    Ok(logins)
}

/// Every case `runs` times with the floor off and `runs` times at it.
pub fn sign_in_cases(sdk: &SdkConfig, table: &str, runs: usize) -> Result<SignIn, Error> {
    let handle = tokio::runtime::Handle::current();
    let store = DynamoDbStore::from_sdk(sdk, table);
    let mut kinds: Vec<(&'static str, Kind, Option<String>)> = vec![
        ("unknown login", Kind::Unknown, None),
        ("wrong password, Argon2id (shipped)", Kind::Argon2id, None),
        ("disabled account", Kind::Disabled, None),
        ("locked account (This was not me)", Kind::Locked, None),
        ("provider-only account (no password)", Kind::ProviderOnly, None),
    ];
    for (name, hash) in imported_hashes()? {
        kinds.push((name, Kind::Imported, Some(hash)));
    }
    let mut cases = Vec::new();
    // Two sets of logins: one per process, each typed once.
    let mut logins = Vec::new();
    for (i, (_, kind, hash)) in kinds.iter().enumerate() {
        let prefix = format!("signin-{}-{i}", std::process::id());
        let made = handle.block_on(accounts(&store, &prefix, *kind, hash.as_deref(), 2 * runs))?;
        logins.push(made);
    }
    let floor = FLOOR_MS.to_string();
    let mut samples: Vec<[Vec<Duration>; 2]> = kinds.iter().map(|_| [vec![], vec![]]).collect();
    for (set, overrides) in [(0, vec![]), (1, vec![("SIGN_IN_FLOOR_MS", floor.as_str())])] {
        let mut signin =
            Running::start_with(VerifyCredentials.into(), table, None, overrides.as_slice())?;
        let mut log = CallLog::from_now();
        for run in 0..runs {
            for (case, made) in logins.iter().enumerate() {
                let login = &made[set * runs + run];
                let event = json!({ "login": login, "password": "not the password 1" });
                let answer = signin.invoke(&event)?;
                if answer.json()["valid"] != json!(false)
                    || answer.json().get("retry_after").is_some()
                {
                    return Err(format!("sign-in check of {login}: {}", answer.json()).into());
                }
                let inside = log.calls_of(signin.binary.name()).emulator_ms / 1000.0;
                let took = answer.took();
                // Floor off: the function's own work; at the floor: what the
                // caller waits.
                samples[case][set].push(if set == 0 {
                    took.saturating_sub(Duration::from_secs_f64(inside))
                } else {
                    took
                });
            }
        }
    }
    for ((name, _, _), [own, floored]) in kinds.into_iter().zip(samples) {
        cases.push(Case { name, own: Sample(own), floored: Sample(floored) });
    }
    Ok(SignIn { cases })
}

/// The half-to-half gap of a sample's medians: the noise of one flow.
fn noise(sample: &Sample) -> f64 {
    let (a, b) = sample.0.split_at(sample.0.len() / 2);
    (Sample(a.to_vec()).median().as_secs_f64() - Sample(b.to_vec()).median().as_secs_f64()).abs()
}

/// The report's section on `s`, in Markdown.
pub fn section(s: &SignIn) -> String {
    use crate::figures::{ms, ratio, verdict};
    let Some(unknown) = s.cases.first() else {
        return String::new();
    };
    let runs = unknown.own.0.len();
    let mut out = format!(
        "## The sign-in check by kind of account\n\n\
         Each kind of account against an unknown login, all alternating in one process of \
         verify-credentials, {runs} of each, every login typed once (no delay is reached): \
         with the floor off, the function's own time (latency less the emulator's), what each \
         costs; at the template's floor (`SIGN_IN_FLOOR_MS` {FLOOR_MS}), the latency the caller \
         sees.\n\n\
         | case | own time, median | × unknown | at the floor, median | at the floor, p95 | median − unknown's |\n\
         |---|---|---|---|---|---|\n"
    );
    let base = unknown.floored.median().as_secs_f64();
    let mut widest: f64 = 0.0;
    let mut costliest = Duration::ZERO;
    for case in &s.cases {
        let gap = case.floored.median().as_secs_f64() - base;
        widest = widest.max(gap.abs());
        costliest = costliest.max(case.own.p95());
        out.push_str(&format!(
            "| {} | {} | {:.2} | {} | {} | {:+.2} ms |\n",
            case.name,
            ms(case.own.median()),
            ratio(case.own.median(), unknown.own.median()),
            ms(case.floored.median()),
            ms(case.floored.p95()),
            gap * 1000.0
        ));
    }
    let noise = s.cases.iter().map(|c| noise(&c.floored)).fold(0.0, f64::max);
    let floor = Duration::from_millis(FLOOR_MS);
    out.push_str(&format!(
        "\nAt the floor every case's median is within {:.2} ms of the unknown login's; the noise \
         (the largest gap between the medians of a case's first and second half) is {:.2} ms: \
         {}. The costliest case's own p95 ({}) is under the floor ({}): {}. Imported hashes \
         are bounded at 20 checks of the shipped Argon2id, which is what the floor is set \
         above (README, \"Load your users\").\n\n",
        widest * 1000.0,
        noise * 1000.0,
        verdict(widest <= noise.max(0.005)),
        ms(costliest),
        ms(floor),
        verdict(costliest < floor),
    ));
    out
}
