//! SMS pumping: per country, the codes sent and the codes entered, counted
//! in shards by the hour; when a country with enough codes has too few of
//! them entered, its texts stop for a while, audited and logged for the
//! alarm. An administrator lists the holds on texts and lifts them.

use tracing::{error, warn};

use super::sms_guard::SPEND_SHARDS;
use super::{AdminAction, AdminError, Administration, Requester, SmsGuard};
use crate::ports::{AuditRecord, ShardPart, SharedCounter, SmsHold, SmsHoldOn, Written};
use recovery_domain::{PUMPING_WINDOW_SECONDS, PumpingPolicy, Timestamp, pumping_hours};

/// Codes sent to a country, and codes entered from one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
pub enum CodeCount {
    #[strum(serialize = "sms-codes")]
    Sent,
    #[strum(serialize = "sms-entered")]
    Entered,
}

/// How often one instance looks at a country's share, at most.
const WATCH_EVERY_SECONDS: i64 = 10;

/// What the audit trail names a country's texts by: `SMS#+44`.
pub fn country_audit_target(calling_code: u16) -> String {
    format!("SMS#+{calling_code}")
}

/// `count` of `calling_code` in `hour` (since the epoch), kept a few hours.
pub fn code_counter(count: CodeCount, calling_code: u16, hour: i64) -> SharedCounter {
    SharedCounter {
        name: format!("{}#+{calling_code}#{hour}", <&str>::from(count)),
        shards: SPEND_SHARDS,
        expires_at: Timestamp::from_epoch_seconds((hour + 3) * PUMPING_WINDOW_SECONDS),
    }
}

impl SmsGuard {
    /// One more code of `count` for `calling_code` at `now`; a failure is
    /// logged (it only blunts the detection).
    pub async fn count_code(&self, count: CodeCount, calling_code: u16, now: Timestamp) {
        let counter = code_counter(count, calling_code, pumping_hours(now)[0]);
        let part =
            ShardPart { shard: SPEND_SHARDS.pick(self.random.as_ref()), amount: 1, most: u64::MAX };
        if let Err(err) = self.counters.add_to_shard(&counter, part).await {
            warn!(error = %err, "could not count a code");
        }
    }

    /// Looks at `calling_code`'s codes at `now` (at most every ten seconds
    /// in an instance, and not within two windows of a hold on it) and
    /// suspends its texts when `policy` suspects pumping.
    ///
    /// What it read, when it looked: codes sent and entered in the window.
    pub async fn watch_country(
        &self,
        calling_code: u16,
        now: Timestamp,
        policy: &PumpingPolicy,
    ) -> Option<(u64, u64)> {
        {
            let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
            match watched.get(&calling_code) {
                Some(last) if now.epoch_seconds() - last.epoch_seconds() < WATCH_EVERY_SECONDS => {
                    return None;
                }
                _ => watched.insert(calling_code, now),
            };
        }
        match self.look_at(calling_code, now, policy).await {
            Ok(read) => read,
            Err(err) => {
                warn!(error = %err, calling_code, "could not look at a country's codes");
                None
            }
        }
    }

    async fn look_at(
        &self,
        calling_code: u16,
        now: Timestamp,
        policy: &PumpingPolicy,
    ) -> Result<Option<(u64, u64)>, crate::ports::DependencyError> {
        let on = SmsHoldOn::Country(calling_code);
        let grace = 2 * PUMPING_WINDOW_SECONDS;
        // Codes counted before a hold ended (or was lifted) say nothing of
        // what came after it.
        let holds = self.holds.sms_holds(&[on]).await?;
        if holds.iter().any(|hold| hold.until.plus_seconds(grace) > now) {
            return Ok(None);
        }
        let hours = pumping_hours(now);
        let read = |count, hour| {
            let counter = code_counter(count, calling_code, hour);
            async move { self.counters.read_shards(&counter).await.map(|v| v.iter().sum::<u64>()) }
        };
        let (sent_now, sent_before, entered_now, entered_before) = tokio::join!(
            read(CodeCount::Sent, hours[0]),
            read(CodeCount::Sent, hours[1]),
            read(CodeCount::Entered, hours[0]),
            read(CodeCount::Entered, hours[1]),
        );
        let sent = sent_now? + sent_before?;
        let entered = entered_now? + entered_before?;
        if !policy.suspects(sent, entered) {
            return Ok(Some((sent, entered)));
        }
        let hold = SmsHold {
            on,
            reason: "pumping".into(),
            since: now,
            until: now.plus_seconds(policy.suspend_seconds),
        };
        if self.holds.place_sms_hold(&hold).await? == Written::Stale {
            return Ok(Some((sent, entered)));
        }
        error!(
            calling_code,
            sent,
            entered,
            until = hold.until.epoch_seconds(),
            "SMS to a country suspended: its codes are not entered"
        );
        if let Some(audit) = &self.audit {
            let record = AuditRecord {
                target: country_audit_target(calling_code),
                user_id: None,
                action: "suspend_sms_country".into(),
                caller: "service:deliver".into(),
                on_behalf_of: None,
                outcome: "ok".into(),
                detail: Some(format!(
                    "{entered} of {sent} codes entered; until {}",
                    hold.until.epoch_seconds()
                )),
                at_millis: now.epoch_seconds() * 1000,
                request_id: format!("pumping-{calling_code}-{}", now.epoch_seconds()),
                workspaces: Vec::new(),
            };
            if let Err(err) = audit.append(&record, SUSPENSIONS_AUDITED_FOR_SECONDS).await {
                error!(error = %err, "could not audit a country's suspension");
            }
        }
        Ok(Some((sent, entered)))
    }
}

/// How long a suspension's audit record is kept.
const SUSPENSIONS_AUDITED_FOR_SECONDS: i64 = 365 * 86_400;

impl Administration {
    /// The holds on texts there are (a budget reached, countries
    /// suspended), live or ended lately. Deployment administrators only.
    pub async fn list_sms_suspensions(&self, by: &Requester) -> Result<Vec<SmsHold>, AdminError> {
        let action = AdminAction::ListSmsSuspensions.name();
        let record = self.audit_record(by, action, "SMS", None);
        self.audited(&record, async {
            super::workspaces::deployment_only(by)?;
            let mut holds = self.holds.list_sms_holds().await?;
            holds.sort_by_key(|hold| hold.on);
            Ok((holds, None))
        })
        .await
    }

    /// Ends the live hold on `on` now: texts go again. `NotFound` when
    /// none is live. Deployment administrators only.
    pub async fn lift_sms_suspension(
        &self,
        by: &Requester,
        on: SmsHoldOn,
    ) -> Result<(), AdminError> {
        let target = match on {
            SmsHoldOn::Budget => "SMS#budget".to_owned(),
            SmsHoldOn::Country(code) => country_audit_target(code),
        };
        let record = self.audit_record(by, AdminAction::LiftSmsSuspension.name(), &target, None);
        self.audited(&record, async {
            super::workspaces::deployment_only(by)?;
            match self.holds.lift_sms_hold(on, self.clock.now()).await? {
                Written::Done => Ok(((), None)),
                Written::Stale => Err(AdminError::SuspensionNotFound),
            }
        })
        .await
    }
}
