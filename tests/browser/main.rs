//! The pages in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`) driven through WebDriver (fantoccini), against the
//! local stack as `make dev` runs it. Each walk is what a person does, from
//! the forgot page to "Password changed", reading the email or text the
//! stack sent; axe-core checks every page on the way (no serious or
//! critical violation). A failing step keeps a screenshot under
//! `target/browser/failures/` (see `browser.rs`).

mod browser;
mod funnel;
mod walks;

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};
use system_tests::{LocalStack, unique, unique_phone};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How long the stack may take to hand a message to its recipient.
pub const DELIVERY: Duration = Duration::from_secs(60);

/// The local stack, started once for every walk.
pub fn stack() -> &'static LocalStack {
    static STACK: OnceLock<LocalStack> = OnceLock::new();
    STACK.get_or_init(|| {
        LocalStack::start(&[
            // Every walk comes from 127.0.0.1.
            ("FORGOT_LIMIT_PER_IP_HOUR", "5000"),
            ("SMS_LIMIT_PER_IP_HOUR", "5000"),
            ("SMS_LIMIT_PER_RANGE_HOUR", "5000"),
            // A walk's third request for one login (of three in 15
            // minutes) is challenged; no other walk asks twice.
            ("CHALLENGE_AT_PERCENT", "60"),
        ])
    })
}

/// A workspace in its own colours (a logo that does not load, an accent),
/// made once per run; its id.
pub fn branded() -> &'static str {
    static WORKSPACE: OnceLock<String> = OnceLock::new();
    WORKSPACE.get_or_init(|| {
        let id = unique("brand").to_lowercase().replace('_', "-");
        let answer = stack().admin(&json!({
            "action": "create_workspace", "workspace": id, "name": "Acme Browser GmbH",
            "login_url": "https://acme.example/login", "logo_url": "https://127.0.0.1:9/logo.svg",
            "accent_color": "#7a1f5c", "support_contact": "mailto:it@acme.example",
        }));
        assert_eq!(answer["status"], "workspace_created", "{answer}");
        id
    })
}

/// Two browsers at a time: each Chromium takes most of a core.
pub async fn turn() -> SemaphorePermit<'static> {
    static BROWSERS: Semaphore = Semaphore::const_new(2);
    BROWSERS.acquire().await.expect("the semaphore is never closed")
}

/// A person with an account of their own, imported through the
/// administrator's function URL (signed) as a product loads its users.
pub struct Person {
    pub login: String,
    pub email: String,
    pub phone: String,
}

impl Person {
    pub fn new(prefix: &str, locale: Option<&str>) -> Person {
        Person::in_workspaces(prefix, locale, &[])
    }

    /// A person who belongs to `workspaces`.
    pub fn in_workspaces(prefix: &str, locale: Option<&str>, workspaces: &[&str]) -> Person {
        let login = unique(prefix);
        let person =
            Person { email: format!("{login}@browser.test"), phone: unique_phone(), login };
        let mut user = json!({
            "login": person.login,
            "email": person.email,
            "phone": person.phone,
        });
        if let Some(locale) = locale {
            user["locale"] = json!(locale);
        }
        if !workspaces.is_empty() {
            user["workspaces"] = json!(workspaces);
        }
        let answer = stack().admin(&json!({
            "action": "import_users",
            "requested_by": "browser-tests@example.com",
            "users": [user],
        }));
        assert_eq!(answer["results"][0]["status"], "created", "{answer}");
        person
    }

    /// The product's sign-in check of `password` for this person.
    pub fn signs_in_with(&self, password: &str) -> bool {
        let answer: Value = stack()
            .invoke("verify-credentials", &json!({ "login": self.login, "password": password }));
        answer["valid"] == json!(true)
    }
}

/// The 6-digit code in a text.
pub fn code_in(text: &str) -> String {
    let digits: String = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .unwrap_or_default()
        .to_owned();
    assert_eq!(digits.len(), 6, "no code in {text:?}");
    digits
}

/// The stack's administrator is an IAM user on its emulator, and the audit
/// trail names it, whatever `requested_by` says.
#[test]
fn the_local_stack_knows_its_administrator_by_iam() {
    let person = Person::new("iam", None);
    let arn = stack().admin_arn();
    assert!(arn.starts_with("arn:aws:iam::") && arn.ends_with(":user/local-admin"), "{arn}");
    let audit = stack().admin(&json!({ "action": "list_audit", "login": person.login }));
    let record = &audit["records"][0];
    assert_eq!(record["action"], "import_users", "{audit}");
    assert_eq!(record["caller"], arn.as_str());
    assert_eq!(record["on_behalf_of"], "browser-tests@example.com");
}
