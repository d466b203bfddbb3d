//! Who administers what: an administrator is an IAM principal, and its
//! scope is the whole deployment or a set of workspaces. A scope decides
//! which accounts an administrator sees (any of their workspaces is its)
//! and which it may change as a whole (all of them are its).

use crate::WorkspaceId;

/// The longest ARN a principal may have.
pub const MAX_PRINCIPAL_ARN: usize = 2048;

/// What makes an ARN unfit to name an administrator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "an IAM user or role ARN (arn:aws:iam::<account>:user/<name> or :role/<name>), \
     or an assumed-role ARN (arn:aws:sts::<account>:assumed-role/<role>/<session>)"
)]
pub struct InvalidPrincipal;

/// An administrator as grants name it: an IAM user by its ARN, or a role
/// whoever assumes it (`arn:aws:sts::<account>:assumed-role/<role>`, its
/// session name dropped), so that a grant to a role holds for every
/// session of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AdminPrincipal(String);

impl AdminPrincipal {
    /// Reads a user, role or assumed-role ARN (a role's path is dropped:
    /// an assumed role's ARN does not carry it).
    pub fn from_arn(arn: &str) -> Result<Self, InvalidPrincipal> {
        if arn.len() > MAX_PRINCIPAL_ARN || arn.chars().any(|c| c.is_whitespace()) {
            return Err(InvalidPrincipal);
        }
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [prefix, partition, service, region, account, resource] = parts[..] else {
            return Err(InvalidPrincipal);
        };
        let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        if prefix != "arn" || !partition.starts_with("aws") || !region.is_empty() || !account_ok {
            return Err(InvalidPrincipal);
        }
        let named = |name: &str| !name.is_empty() && !name.contains('/');
        let role = |name: &str| format!("arn:{partition}:sts::{account}:assumed-role/{name}");
        match (service, resource.split_once('/')) {
            ("iam", None) if resource == "root" => Ok(Self(arn.to_owned())),
            ("iam", Some(("user", path))) if named(path.rsplit('/').next().unwrap_or("")) => {
                Ok(Self(arn.to_owned()))
            }
            ("iam", Some(("role", path))) => match path.rsplit('/').next() {
                Some(name) if named(name) => Ok(Self(role(name))),
                _ => Err(InvalidPrincipal),
            },
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((name, _session)) if named(name) => Ok(Self(role(name))),
                None if named(rest) => Ok(Self(role(rest))),
                _ => Err(InvalidPrincipal),
            },
            _ => Err(InvalidPrincipal),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AdminPrincipal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an administrator may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminScope {
    /// Every account and workspace of the deployment.
    Deployment,
    /// The members of these workspaces (sorted), and the workspaces; none
    /// when a grant was emptied.
    Workspaces(Vec<WorkspaceId>),
}

impl AdminScope {
    /// A scope of `ids`, sorted and without repeats.
    pub fn workspaces(mut ids: Vec<WorkspaceId>) -> Self {
        ids.sort();
        ids.dedup();
        Self::Workspaces(ids)
    }

    pub fn is_deployment(&self) -> bool {
        matches!(self, Self::Deployment)
    }

    /// Whether workspace `id` is in the scope.
    pub fn includes(&self, id: &WorkspaceId) -> bool {
        match self {
            Self::Deployment => true,
            Self::Workspaces(ids) => ids.contains(id),
        }
    }

    /// Whether the scope sees an account in `workspaces`: one of them is
    /// in it. An account in no workspace is the deployment's own.
    pub fn sees(&self, workspaces: &[WorkspaceId]) -> bool {
        workspaces.iter().any(|w| self.includes(w)) || self.is_deployment()
    }

    /// Whether every one of `workspaces` is in the scope: what it takes to
    /// change what the account is everywhere (its password, its contact
    /// details, whether it is enabled).
    pub fn covers(&self, workspaces: &[WorkspaceId]) -> bool {
        match self {
            Self::Deployment => true,
            Self::Workspaces(_) => {
                !workspaces.is_empty() && workspaces.iter().all(|w| self.includes(w))
            }
        }
    }

    /// Those of `workspaces` in the scope.
    pub fn visible(&self, workspaces: &[WorkspaceId]) -> Vec<WorkspaceId> {
        workspaces.iter().filter(|w| self.includes(w)).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(ids: &[&str]) -> Vec<WorkspaceId> {
        ids.iter().map(|id| WorkspaceId::parse(id).unwrap()).collect()
    }

    #[test]
    fn a_role_is_named_the_same_whatever_its_session_or_path() {
        let expected = "arn:aws:sts::123456789012:assumed-role/acme-admins";
        for arn in [
            "arn:aws:sts::123456789012:assumed-role/acme-admins/alice",
            "arn:aws:sts::123456789012:assumed-role/acme-admins/bob@example.com",
            "arn:aws:iam::123456789012:role/acme-admins",
            "arn:aws:iam::123456789012:role/teams/acme-admins",
        ] {
            assert_eq!(AdminPrincipal::from_arn(arn).unwrap().as_str(), expected, "{arn}");
        }
        let user = "arn:aws:iam::123456789012:user/ops/ada";
        assert_eq!(AdminPrincipal::from_arn(user).unwrap().as_str(), user);
    }

    #[test]
    fn other_arns_name_no_administrator() {
        for arn in [
            "",
            "ada",
            "arn:aws:iam::123456789012:user/",
            "arn:aws:iam::12345:user/ada",
            "arn:aws:s3:::bucket/key",
            "arn:aws:iam::123456789012:group/admins",
            "arn:aws:iam:us-east-1:123456789012:user/ada",
            "arn:aws:sts::123456789012:assumed-role//x",
            "arn:aws:iam::123456789012:user/a da",
        ] {
            assert_eq!(AdminPrincipal::from_arn(arn), Err(InvalidPrincipal), "{arn:?}");
        }
    }

    #[test]
    fn a_scope_sees_an_account_in_one_of_its_workspaces_and_covers_one_in_only_them() {
        let scope = AdminScope::workspaces(ids(&["b", "a"]));
        assert!(scope.sees(&ids(&["a", "c"])));
        assert!(!scope.sees(&ids(&["c"])));
        assert!(!scope.sees(&[]), "an account in no workspace is the deployment's own");
        assert!(scope.covers(&ids(&["a", "b"])));
        assert!(!scope.covers(&ids(&["a", "c"])));
        assert!(!scope.covers(&[]));
        assert_eq!(scope.visible(&ids(&["a", "c"])), ids(&["a"]));
        let all = AdminScope::Deployment;
        assert!(all.sees(&[]) && all.covers(&[]) && all.sees(&ids(&["c"])));
        assert!(!AdminScope::workspaces(vec![]).sees(&ids(&["a"])));
    }
}
