//! What `import_users` answers for each row.

use serde::{Deserialize, Serialize};

/// What became of one row of `import_users`, tagged by `status`; `login`
/// as the row gave it, when it gave one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ImportOutcome {
    Created {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        login: Option<String>,
        user_id: String,
    },
    Unchanged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        login: Option<String>,
        user_id: String,
    },
    Updated {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        login: Option<String>,
        user_id: String,
    },
    Conflict {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        login: Option<String>,
        reason: String,
    },
    Invalid {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        login: Option<String>,
        field: String,
        message: String,
    },
}

impl ImportOutcome {
    /// `created`, `unchanged`, `updated`, `conflict` or `invalid`.
    pub fn status(&self) -> &'static str {
        match self {
            Self::Created { .. } => "created",
            Self::Unchanged { .. } => "unchanged",
            Self::Updated { .. } => "updated",
            Self::Conflict { .. } => "conflict",
            Self::Invalid { .. } => "invalid",
        }
    }
}
