//! Whom a page is for: the person's language, and the workspace the link
//! came from (`?workspace=<id>`, carried by every link and form of the
//! pages), whose name, logo, colour and support contact the page shows; an
//! unknown or absent one is the deployment's own. And, on the forgot page,
//! where to go back to (`return_to`): honoured only on the origin of the
//! workspace's login page (else the deployment's), ignored otherwise, and
//! only ever a link, never a redirect.

use lambda_http::{Request, RequestExt};

use super::body::Submission;
use super::error::ApiError;
use super::language;
use recovery_core::flows::Recovery;
use recovery_core::settings::SupportContact;
use recovery_domain::{HttpsUrl, Language, Workspace, WorkspaceId};

pub(super) struct Visit<'a> {
    pub recovery: &'a Recovery,
    pub language: Language,
    /// The workspace the page speaks for, when the link names one there is.
    pub workspace: Option<Workspace>,
    /// Where "Back to sign in" leads, when the product gave one it may.
    pub return_to: Option<String>,
}

impl<'a> Visit<'a> {
    /// For a GET: its query's `lang`, `workspace` and `return_to`.
    pub async fn of_request(recovery: &'a Recovery, req: &Request) -> Self {
        let params = req.query_string_parameters();
        let language = language::of_request(req);
        Self::new(recovery, language, params.first("workspace"), params.first("return_to")).await
    }

    /// For a submission: its fields of the same names (strings, or
    /// `invalid_field`), else the query's.
    pub async fn of_submission(
        recovery: &'a Recovery,
        req: &Request,
        submission: &Submission,
    ) -> Result<Self, ApiError> {
        let language = language::of_submission(req, submission);
        // The field, else the query (a JSON caller may keep the page's).
        let params = req.query_string_parameters();
        let field = |name: &str| {
            Ok::<_, ApiError>(
                submission.optional(name)?.or_else(|| params.first(name).map(str::to_owned)),
            )
        };
        let (workspace, return_to) = (field("workspace")?, field("return_to")?);
        Ok(Self::new(recovery, language, workspace.as_deref(), return_to.as_deref()).await)
    }

    async fn new(
        recovery: &'a Recovery,
        language: Language,
        workspace: Option<&str>,
        return_to: Option<&str>,
    ) -> Self {
        let id = workspace.and_then(|id| WorkspaceId::parse(id.trim()).ok());
        let workspace = match id {
            Some(id) => recovery.workspace(&id).await,
            None => None,
        };
        let mut visit = Self { recovery, language, workspace, return_to: None };
        visit.return_to = return_to.and_then(|url| visit.may_return_to(url));
        visit
    }

    /// `url`, when it is on the origin of the login page (the workspace's,
    /// else the deployment's).
    fn may_return_to(&self, url: &str) -> Option<String> {
        let url = HttpsUrl::parse(url.trim()).ok()?;
        let login = HttpsUrl::parse(self.login_url()).ok()?;
        (url.origin() == login.origin()).then(|| url.as_str().to_owned())
    }

    /// The workspace's id, when the page speaks for one.
    pub fn workspace_id(&self) -> Option<&WorkspaceId> {
        self.workspace.as_ref().map(|w| &w.id)
    }

    /// The name the page is headed with.
    pub fn name(&self) -> &str {
        match &self.workspace {
            Some(workspace) => &workspace.name,
            None => &self.recovery.settings().service_name,
        }
    }

    /// The login page: the workspace's, else the deployment's.
    pub fn login_url(&self) -> &str {
        match &self.workspace {
            Some(workspace) => workspace.login_url.as_str(),
            None => &self.recovery.settings().login_url,
        }
    }

    /// Whom a stuck person contacts: the workspace's, else the
    /// deployment's.
    pub fn support(&self) -> Option<SupportContact> {
        match self.workspace.as_ref().and_then(|w| w.support_contact.as_deref()) {
            Some(contact) => SupportContact::parse(contact),
            None => self.recovery.settings().support.clone(),
        }
    }

    /// What a link or form of the pages carries to stay where it is, as
    /// query parameters.
    pub fn carried(&self) -> Vec<(&'static str, &str)> {
        let mut carried = Vec::new();
        if let Some(id) = self.workspace_id() {
            carried.push(("workspace", id.as_str()));
        }
        if let Some(url) = &self.return_to {
            carried.push(("return_to", url.as_str()));
        }
        carried
    }
}
