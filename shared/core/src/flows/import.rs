//! Importing accounts in batches, with the password hashes a product
//! already holds: idempotent per login, each row on its own.

use super::Administration;
use super::admin::{AdminAction, AdminError};
use super::audit::Requester;
use super::audit::joined;
use crate::ports::{CreateAccountError, Retry, WorkspaceWrite, Written};
use recovery_domain::{
    EmailAddress, HashScheme, Locale, LoginName, NewAccount, PasswordHash, PhoneNumber,
    UserAccount, UserId,
};

/// The audit target of an import batch (no login looks like it).
pub const IMPORT_AUDIT_TARGET: &str = "*import*";

/// One account to import, its fields parsed. The hash is checked by the
/// import, which names it when it is refused.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub login: LoginName,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub social_provider: Option<String>,
    pub disabled: bool,
    pub locale: Option<Locale>,
    pub password_hash: Option<PasswordHash>,
    /// Workspaces it joins: on creation with the account; an existing
    /// account joins those it is not in yet.
    pub workspaces: Vec<recovery_domain::WorkspaceId>,
}

/// A row that could not be read: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRow {
    pub login: Option<String>,
    pub field: String,
    pub message: String,
}

/// What became of one imported row.
#[derive(Debug, Clone, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Imported {
    Created {
        user_id: UserId,
    },
    /// The login exists with the same details and hash: nothing changed
    /// (a second run of the same file).
    Unchanged {
        user_id: UserId,
    },
    /// The login exists with the same details and another hash, and its
    /// password was never changed here: the row's hash replaced it (the
    /// product's users changed passwords since the last run).
    Updated {
        user_id: UserId,
    },
    /// Not imported: `login_taken` (a look-alike login), `email_taken`,
    /// `phone_taken`, `differs` (the login exists with other details;
    /// change them with `update_user`), `password_changed_here` (the
    /// login exists and its password was set here since: it stays), or
    /// `account_in_other_workspaces` (its hash is not the requester's to
    /// replace).
    Conflict {
        reason: &'static str,
    },
    Invalid {
        field: String,
        message: String,
    },
}

impl Imported {
    pub fn status(&self) -> &'static str {
        self.into()
    }
}

/// One row's login (as given) and result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportResult {
    pub login: Option<String>,
    pub result: Imported,
}

impl Administration {
    /// Imports a batch of accounts (the event bounds its size), each on its
    /// own: a row
    /// whose login exists with the same details is `unchanged` (so a file
    /// imported twice changes nothing the second time), one that clashes
    /// is a `conflict`, and nothing of a refused row is written. Hashes are
    /// stored as given and upgraded to Argon2id at the next successful
    /// sign-in check. The batch is audited, and each account it creates.
    pub async fn admin_import_users(
        &self,
        by: &Requester,
        rows: Vec<Result<ImportRow, InvalidRow>>,
    ) -> Result<Vec<ImportResult>, AdminError> {
        let action = AdminAction::ImportUsers.name();
        let record = self.audit_record(by, action, IMPORT_AUDIT_TARGET, None);
        self.audited(&record, async {
            let mut results = Vec::with_capacity(rows.len());
            for row in rows {
                let result = match row {
                    Err(invalid) => ImportResult {
                        login: invalid.login,
                        result: Imported::Invalid {
                            field: invalid.field,
                            message: invalid.message,
                        },
                    },
                    Ok(row) => ImportResult {
                        login: Some(row.login.as_str().to_owned()),
                        result: self.import_one(by, row).await?,
                    },
                };
                results.push(result);
            }
            let count =
                |status: &str| results.iter().filter(|r| r.result.status() == status).count();
            let detail = format!(
                "{} rows: {} created, {} unchanged, {} updated, {} conflict, {} invalid",
                results.len(),
                count("created"),
                count("unchanged"),
                count("updated"),
                count("conflict"),
                count("invalid"),
            );
            Ok((results, Some(detail)))
        })
        .await
    }

    async fn import_one(&self, by: &Requester, mut row: ImportRow) -> Result<Imported, AdminError> {
        row.workspaces = match joined(by, std::mem::take(&mut row.workspaces)) {
            Ok(workspaces) => workspaces,
            Err(AdminError::WorkspaceNotFound) => return Ok(no_workspace()),
            Err(err) => return Err(err),
        };
        if let Some(hash) = &row.password_hash
            && let Err(err) = HashScheme::check_imported(hash.expose_phc())
        {
            return Ok(Imported::Invalid {
                field: "password_hash".into(),
                message: err.to_string(),
            });
        }
        if row.email.is_none() && row.phone.is_none() && row.social_provider.is_none() {
            return Ok(Imported::Invalid {
                field: "email".into(),
                message: "give an email address, a phone number or a social provider: \
                          without one the account cannot be recovered"
                    .into(),
            });
        }
        if let Some(existing) = self.users.find_by_login(&row.login).await? {
            // One outside the requester's workspaces is no account of its:
            // its login is taken, as a look-alike's is.
            if !by.scope.sees(&existing.workspaces) {
                return Ok(Imported::Conflict { reason: "login_taken" });
            }
            let whole = by.scope.covers(&existing.workspaces);
            return self.import_existing(existing, row, whole).await;
        }
        let id = UserId::generate(self.random.as_ref()).map_err(|e| AdminError::unavailable(&e))?;
        let account = NewAccount {
            login: row.login,
            email: row.email,
            phone: row.phone,
            password_hash: row.password_hash,
            social_provider: row.social_provider,
            disabled: row.disabled,
            locale: row.locale,
            workspaces: row.workspaces,
        };
        let created = match self.users.create(account, id, self.clock.now()).await {
            Ok(created) => created,
            Err(CreateAccountError::LoginTaken) => {
                return Ok(Imported::Conflict { reason: "login_taken" });
            }
            Err(CreateAccountError::EmailTaken) => {
                return Ok(Imported::Conflict { reason: "email_taken" });
            }
            Err(CreateAccountError::PhoneTaken) => {
                return Ok(Imported::Conflict { reason: "phone_taken" });
            }
            Err(CreateAccountError::WorkspaceMissing) => return Ok(no_workspace()),
            // The store refused this row for good (an item too large):
            // the row fails, the batch goes on.
            Err(CreateAccountError::Store(err)) if err.retry == Retry::Never => {
                return Ok(Imported::Invalid {
                    field: "login".into(),
                    message: format!("the store refused this account ({})", err.code),
                });
            }
            Err(CreateAccountError::Store(err)) => return Err(err.into()),
        };
        let action = AdminAction::ImportUsers.name();
        let mut record = self.audit_record(by, action, created.login.as_str(), Some(&created));
        record.outcome = "ok".into();
        record.detail = Some("created".into());
        self.append_audit(&record).await?;
        Ok(Imported::Created { user_id: created.id })
    }

    /// A row whose login exists: unchanged when its details and hash are
    /// the account's; its hash in place of the account's when only the
    /// hash differs and the password was never changed here (on condition
    /// that the account still holds the hash read, and that the requester
    /// administers all its workspaces: `whole`); else a conflict.
    async fn import_existing(
        &self,
        existing: UserAccount,
        row: ImportRow,
        whole: bool,
    ) -> Result<Imported, AdminError> {
        let same = existing.email == row.email
            && existing.phone == row.phone
            && existing.social_provider == row.social_provider
            && existing.disabled == row.disabled
            && existing.locale == row.locale;
        if !same {
            return Ok(Imported::Conflict { reason: "differs" });
        }
        // It joins the row's workspaces it is not in yet.
        for workspace in &row.workspaces {
            if self.workspaces.add_member(workspace, &existing).await? == WorkspaceWrite::Missing {
                return Ok(no_workspace());
            }
        }
        let user_id = existing.id.clone();
        fn hash(h: &Option<PasswordHash>) -> Option<&str> {
            h.as_ref().map(PasswordHash::expose_phc)
        }
        if hash(&existing.password_hash) == hash(&row.password_hash) {
            return Ok(Imported::Unchanged { user_id });
        }
        if existing.password_changed_at.is_some() {
            return Ok(Imported::Conflict { reason: "password_changed_here" });
        }
        if !whole {
            return Ok(Imported::Conflict { reason: "account_in_other_workspaces" });
        }
        let (Some(old), Some(new)) = (&existing.password_hash, &row.password_hash) else {
            return Ok(Imported::Conflict { reason: "differs" });
        };
        Ok(match self.users.upgrade_hash(&existing, old, new).await? {
            Written::Done => Imported::Updated { user_id },
            Written::Stale => Imported::Conflict { reason: "password_changed_here" },
        })
    }
}

/// A row naming a workspace that is not there.
fn no_workspace() -> Imported {
    Imported::Invalid {
        field: "workspaces".into(),
        message: "a workspace it names is not there (create_workspace first)".into(),
    }
}
