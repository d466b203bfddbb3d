//! Whom a page or a message speaks for: a workspace, or the deployment.
//! A request names the workspace it came from (`?workspace=<id>`, carried
//! by every link and form); what is sent to an account speaks for that
//! workspace when the account belongs to it, else for the account's first,
//! and never names a workspace the account is not in. An account in no
//! workspace (a deployment that never creates one) reads nothing here.

use tracing::warn;

use super::{Recovery, SealError};
use crate::ports::OutboxItem;
use recovery_domain::{Language, Timestamp, UserAccount, Workspace, WorkspaceId};
use recovery_messages::{Context, Message, MessageKind, RenderError, Texts};

impl Recovery {
    /// Workspace `id`, to speak for; none when there is no such workspace,
    /// or it cannot be read now (the deployment's own branding then).
    pub async fn workspace(&self, id: &WorkspaceId) -> Option<Workspace> {
        match self.directory.workspace(id).await {
            Ok(workspace) => workspace,
            Err(err) => {
                warn!(error = %err, "a workspace could not be read; the deployment's branding instead");
                None
            }
        }
    }

    /// The workspace what is sent to `account` speaks for: `asked` (where
    /// the request came from) when the account belongs to it, else its
    /// first; none when it belongs to none.
    pub(super) async fn brand_for(
        &self,
        account: &UserAccount,
        asked: Option<&WorkspaceId>,
    ) -> Option<Workspace> {
        let id = asked.filter(|a| account.workspaces.contains(a)).or(account.workspaces.first())?;
        self.workspace(id).await
    }

    /// Every workspace `account` belongs to, `first` first when it is one
    /// of them, the others by id: its **Log in** buttons. One read.
    pub(super) async fn log_in_to(
        &self,
        account: &UserAccount,
        first: Option<&WorkspaceId>,
    ) -> Vec<Workspace> {
        if account.workspaces.is_empty() {
            return vec![];
        }
        let mut found = match self.directory.workspaces_by_id(&account.workspaces).await {
            Ok(found) => found,
            Err(err) => {
                warn!(error = %err, "an account's workspaces could not be read");
                return vec![];
            }
        };
        found.sort_by(|a, b| (Some(&a.id) != first, &a.id).cmp(&(Some(&b.id) != first, &b.id)));
        found
    }

    /// [`Self::seal`], speaking for `brand`.
    pub(super) async fn seal_for(
        &self,
        account: &UserAccount,
        kind: MessageKind,
        message: Result<impl Into<Message>, RenderError>,
        send_before: Timestamp,
        brand: Option<&Workspace>,
    ) -> Result<OutboxItem, SealError> {
        let mut item = self.seal(account, kind, message, send_before).await?;
        item.workspace = brand.map(|w| w.id.clone());
        Ok(item)
    }

    /// What the messages to `account` say about the service (`brand`'s
    /// name and login page, else the deployment's) and the account, in
    /// the account's language, else in `otherwise` (the language of the
    /// request that causes them).
    pub(super) fn context<'a>(
        &'a self,
        account: &'a UserAccount,
        otherwise: Language,
        brand: Option<&'a Workspace>,
    ) -> Context<'a> {
        let language = account.locale.as_ref().and_then(Language::from_locale).unwrap_or(otherwise);
        Context {
            service_name: brand.map_or(&self.settings.service_name, |w| &w.name),
            login: account.login.as_str(),
            login_url: brand.map_or(&self.settings.login_url, |w| w.login_url.as_str()),
            t: Texts::new(language),
        }
    }
}

/// `link` with the workspace it speaks for, so that the page it opens
/// does too.
pub(super) fn in_workspace(link: String, brand: Option<&Workspace>) -> String {
    match brand {
        Some(workspace) => format!("{link}&workspace={}", workspace.id),
        None => link,
    }
}
