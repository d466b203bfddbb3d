//! The administrator's account lifecycle: look at an account, change its
//! contact details, provider or language, disable and enable it, delete it
//! (importing accounts is in `import`). Audited like every administrator action; the changes the
//! product must hear of (disabled, enabled, deleted) put their event in the
//! outbox in the same transaction.

use tracing::info;

use super::admin::{AdminAction, AdminError};
use super::audit::Requester;
use super::audit::whole;
use super::{Administration, SealError};
use crate::ports::DetailsUpdate;
use crate::ports::Written;
use recovery_domain::{
    AccountLookup, EmailAddress, EmailTrouble, Locale, PhoneNumber, Timestamp, UserAccount, UserId,
    WorkspaceId,
};
use recovery_messages::EventKind;

/// Times a change is tried again when the account moved under it.
const MOVED_ATTEMPTS: u32 = 3;

/// An account as the administrator sees it: contact details masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    pub user_id: UserId,
    pub login: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub social_provider: Option<String>,
    /// Disabled by an administrator (`enable_user` undoes it).
    pub disabled: bool,
    /// When its owner locked it ("This was not me"; a recovery link undoes
    /// it).
    pub locked_at: Option<Timestamp>,
    pub locale: Option<String>,
    /// Whether the account has a local password (it may sign in with one).
    pub has_password: bool,
    pub password_changed_at: Option<Timestamp>,
    pub email_trouble: Option<EmailTrouble>,
    /// The workspaces it belongs to.
    pub workspaces: Vec<WorkspaceId>,
}

impl AccountView {
    /// `account` as `by` sees it: of its workspaces, those in its scope.
    pub fn seen_by(by: &Requester, account: &UserAccount) -> Self {
        Self { workspaces: by.scope.visible(&account.workspaces), ..Self::of(account) }
    }

    pub fn of(account: &UserAccount) -> Self {
        Self {
            user_id: account.id.clone(),
            login: account.login.as_str().to_owned(),
            email: account.email.as_ref().map(EmailAddress::masked),
            phone: account.phone.as_ref().map(PhoneNumber::masked),
            social_provider: account.social_provider.clone(),
            disabled: account.disabled,
            locked_at: account.locked_at,
            locale: account.locale.as_ref().map(|l| l.as_str().to_owned()),
            has_password: account.password_hash.is_some(),
            password_changed_at: account.password_changed_at,
            email_trouble: account.current_email_trouble().cloned(),
            workspaces: account.workspaces.clone(),
        }
    }
}

/// One field of an update: left as it is, removed, or given a new value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Change<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T: Clone> Change<T> {
    pub(super) fn apply(&self, current: &Option<T>) -> Option<T> {
        match self {
            Self::Keep => current.clone(),
            Self::Clear => None,
            Self::Set(value) => Some(value.clone()),
        }
    }
}

/// What `update_user` changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailsChange {
    pub email: Change<EmailAddress>,
    pub phone: Change<PhoneNumber>,
    pub social_provider: Change<String>,
    pub locale: Change<Locale>,
    /// The workspaces it is to belong to, exactly; `None` keeps them.
    pub workspaces: Option<Vec<WorkspaceId>>,
}

fn event_error(err: SealError) -> AdminError {
    AdminError::unavailable(&err)
}

impl Administration {
    /// The account `who` names, masked.
    pub async fn admin_get_user(
        &self,
        by: &Requester,
        who: &AccountLookup,
    ) -> Result<AccountView, AdminError> {
        let (account, target) = self.admin_target(by, who).await?;
        let action = AdminAction::GetUser.name();
        let record = self.audit_record(by, action, &target, account.as_ref());
        self.audited(&record, async {
            let account = account.ok_or(AdminError::UserNotFound)?;
            Ok((AccountView::seen_by(by, &account), None))
        })
        .await
    }

    /// Changes `who`'s email, phone, provider or language; an address or
    /// number another account has is refused and nothing changes. A link
    /// or code outstanding when the email or phone changes dies (it went
    /// to the old one).
    pub async fn admin_update_user(
        &self,
        by: &Requester,
        who: &AccountLookup,
        change: DetailsChange,
    ) -> Result<AccountView, AdminError> {
        let lifecycle = self.lifecycle.as_ref();
        let (mut account, target) = self.admin_target(by, who).await?;
        let action = AdminAction::UpdateUser.name();
        let record = self.audit_record(by, action, &target, account.as_ref());
        self.audited(&record, async {
            // Every workspace it is to join is there (and the requester's),
            // before anything moves.
            for workspace in change.workspaces.iter().flatten() {
                if !by.scope.includes(workspace)
                    || self.workspaces.workspace(workspace).await?.is_none()
                {
                    return Err(AdminError::WorkspaceNotFound);
                }
            }
            let contact = [
                change.email == Change::Keep,
                change.phone == Change::Keep,
                change.social_provider == Change::Keep,
            ];
            let mut attempt = 0;
            loop {
                attempt += 1;
                let before = account.take().ok_or(AdminError::UserNotFound)?;
                // Contact details are the account's everywhere.
                if contact.contains(&false) {
                    whole(by, &before)?;
                }
                let mut after = before.clone();
                after.email = change.email.apply(&before.email);
                after.phone = change.phone.apply(&before.phone);
                after.social_provider = change.social_provider.apply(&before.social_provider);
                after.locale = change.locale.apply(&before.locale);
                if after.email.is_none() && after.phone.is_none() && after.social_provider.is_none()
                {
                    return Err(AdminError::NoWayToRecover);
                }
                if after.email != before.email || after.phone != before.phone {
                    after.active_reset = None;
                }
                match lifecycle.update_details(&before, &after).await? {
                    DetailsUpdate::Updated => {
                        let detail = changed_fields(&before, &after);
                        if let Some(wanted) = &change.workspaces {
                            // Those outside the requester's scope stay.
                            let mut wanted = wanted.clone();
                            wanted.extend(
                                (after.workspaces.iter())
                                    .filter(|w| !by.scope.includes(w))
                                    .cloned(),
                            );
                            if wanted.is_empty() && !by.scope.is_deployment() {
                                return Err(AdminError::NotPermitted);
                            }
                            after.workspaces = self.join_exactly(&after, &wanted).await?;
                        }
                        return Ok((AccountView::seen_by(by, &after), Some(detail)));
                    }
                    DetailsUpdate::EmailTaken => return Err(AdminError::EmailTaken),
                    DetailsUpdate::PhoneTaken => return Err(AdminError::PhoneTaken),
                    DetailsUpdate::Moved if attempt < MOVED_ATTEMPTS => {
                        account = self.users.get(&before.id).await?;
                    }
                    DetailsUpdate::Moved => return Err(AdminError::Unavailable),
                }
            }
        })
        .await
    }

    /// Disables or enables `who`. Disabling kills its link and its code;
    /// a disabled account gets no link, no code and no successful sign-in
    /// check until it is enabled. The product hears of it
    /// (`AccountDisabled`, `AccountEnabled`). Already so: nothing changes.
    pub async fn admin_set_disabled(
        &self,
        by: &Requester,
        who: &AccountLookup,
        disabled: bool,
    ) -> Result<AccountView, AdminError> {
        let lifecycle = self.lifecycle.as_ref();
        let (account, target) = self.admin_target(by, who).await?;
        let action = if disabled { AdminAction::DisableUser } else { AdminAction::EnableUser };
        let record = self.audit_record(by, action.name(), &target, account.as_ref());
        self.audited(&record, async {
            let mut account = account.ok_or(AdminError::UserNotFound)?;
            whole(by, &account)?;
            if account.disabled == disabled {
                let detail = if disabled { "already disabled" } else { "already enabled" };
                return Ok((AccountView::seen_by(by, &account), Some(detail.to_owned())));
            }
            let kind =
                if disabled { EventKind::AccountDisabled } else { EventKind::AccountEnabled };
            let now = self.clock.now();
            let event =
                self.seal_event(&account, kind, "administrator", now).await.map_err(event_error)?;
            if lifecycle.set_disabled(&account, disabled, &[event]).await? == Written::Stale {
                return Err(AdminError::UserNotFound);
            }
            account.disabled = disabled;
            if disabled {
                account.active_reset = None;
            }
            info!(user_id = %account.id, disabled, "account disabled or enabled");
            Ok((AccountView::seen_by(by, &account), None))
        })
        .await
    }

    /// Clears the lock `account`'s owner set, on the way to sending it a
    /// recovery link (`AccountEnabled` through `administrator`).
    pub(super) async fn unlock(&self, mut account: UserAccount) -> Result<UserAccount, AdminError> {
        let lifecycle = self.lifecycle.as_ref();
        let now = self.clock.now();
        let event = self
            .seal_event(&account, EventKind::AccountEnabled, "administrator", now)
            .await
            .map_err(event_error)?;
        if lifecycle.unlock(&account, &[event]).await? == Written::Stale {
            return Err(AdminError::UserNotFound);
        }
        account.locked_at = None;
        info!(user_id = %account.id, "an owner's lock cleared for a recovery link");
        Ok(account)
    }

    /// Deletes `who`: the account, its lookup items, its link and code, its
    /// counters and messages. The audit trail keeps its records (this one
    /// names the login and id, no contact detail); the product hears of it
    /// (`AccountDeleted`). A workspace's administrator deletes it from its
    /// workspaces: the account goes with its last membership, and stays
    /// while it belongs to a workspace outside the requester's scope.
    pub async fn admin_delete_user(
        &self,
        by: &Requester,
        who: &AccountLookup,
    ) -> Result<Deleted, AdminError> {
        let lifecycle = self.lifecycle.as_ref();
        let (account, target) = self.admin_target(by, who).await?;
        let action = AdminAction::DeleteUser.name();
        let record = self.audit_record(by, action, &target, account.as_ref());
        self.audited(&record, async {
            let mut account = account.ok_or(AdminError::UserNotFound)?;
            let mut attempt = 0;
            loop {
                attempt += 1;
                if !by.scope.covers(&account.workspaces) {
                    let left = by.scope.visible(&account.workspaces);
                    for id in &left {
                        self.workspaces.remove_member(id, &account.id).await?;
                    }
                    info!(user_id = %account.id, "account left an administrator's workspaces");
                    let detail = Some(format!("left {}", left.len()));
                    return Ok((Deleted::Memberships { user_id: account.id, left }, detail));
                }
                let now = self.clock.now();
                let event = self
                    .seal_event(&account, EventKind::AccountDeleted, "administrator", now)
                    .await
                    .map_err(event_error)?;
                if lifecycle.delete(&account, &[event]).await? == Written::Done {
                    break;
                }
                // Gone, or joined or left a workspace since it was read.
                account = match self.users.get(&account.id).await? {
                    Some(fresh) if attempt < MOVED_ATTEMPTS => fresh,
                    Some(_) => return Err(AdminError::Unavailable),
                    None => return Err(AdminError::UserNotFound),
                };
            }
            info!(user_id = %account.id, "account deleted");
            Ok((Deleted::Account(account.id), None))
        })
        .await
    }
}

/// What `delete_user` deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// The account and all that is its.
    Account(UserId),
    /// Its memberships of the requester's workspaces (`left`); it stays a
    /// member of others.
    Memberships { user_id: UserId, left: Vec<WorkspaceId> },
}

/// "email, phone": the fields an update changed, for the audit record
/// (names only, never values).
fn changed_fields(before: &UserAccount, after: &UserAccount) -> String {
    let fields = [
        ("email", before.email != after.email),
        ("phone", before.phone != after.phone),
        ("social_provider", before.social_provider != after.social_provider),
        ("locale", before.locale != after.locale),
    ];
    let changed: Vec<&str> =
        fields.iter().filter(|(_, changed)| *changed).map(|(name, _)| *name).collect();
    if changed.is_empty() {
        "nothing changed".into()
    } else {
        format!("changed {}", changed.join(", "))
    }
}
