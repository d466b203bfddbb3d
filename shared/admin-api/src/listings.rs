//! What the listing actions answer: audit records, messages, holds on
//! texts and the recovery funnel's counts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One audit record; `at` is `at_millis` in ISO 8601.
#[derive(Debug, Serialize, Deserialize)]
pub struct AuditEntry {
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub action: String,
    /// Who called, as verified (`unverified` on an older record).
    pub caller: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub at_millis: i64,
    pub at: String,
    pub request_id: String,
    /// The workspaces it concerns (none: the deployment's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<String>,
}

/// The current email address's trouble, or `ok`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmailStatus {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// A message with its delivery; times in ISO 8601.
#[derive(Debug, Serialize, Deserialize)]
pub struct MessageEntry {
    pub message: String,
    pub kind: String,
    pub channel: String,
    pub created_at: String,
    pub delivery: String,
    pub attempts: u32,
    pub holds_payload: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_detail: Option<String>,
    /// The workspace it spoke for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
}

/// A hold on texts: `on` is `budget` (every text) or a calling code
/// (`+44`); `reason` is `daily_budget`, `monthly_budget` or `pumping`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SmsSuspension {
    pub on: String,
    pub reason: String,
    pub since: String,
    pub until: String,
    /// Whether texts are held now.
    pub live: bool,
}

/// The recovery funnel's counts over `from` to `to` (days, UTC).
#[derive(Debug, Serialize, Deserialize)]
pub struct RecoveryStats {
    pub from: String,
    pub to: String,
    /// Each way (`email_link`, `sms_code`, `admin_link`, `invitation`) and
    /// its steps (`requested`, `limited`, `challenged`, `sent`, `delivered`,
    /// `bounced`, `complained`, `opened`, `code_accepted`, `code_refused`,
    /// `password_set`), every one named, 0 where none.
    pub ways: BTreeMap<String, BTreeMap<String, u64>>,
    /// Each way's passwords set by how long the recovery took: within 60,
    /// 300, 900, 3600 or 86400 seconds (of the link or code's issue), or
    /// `more`.
    pub recovered_within: BTreeMap<String, BTreeMap<String, u64>>,
    /// Accounts their owners locked ("This was not me").
    pub locked: u64,
}
