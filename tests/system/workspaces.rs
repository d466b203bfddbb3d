//! Two workspaces on the functions under `cargo lambda watch` and moto: a
//! person in both resets from one in its colours and is offered a **Log
//! in** to each; a person in the other only, asking from the first's page,
//! gets the same answer and an email in their own workspace's name.

use recovery_testing::token_from;
use serde_json::json;
use system_tests::*;

/// A workspace id of this run.
fn id(prefix: &str) -> String {
    unique(prefix).to_lowercase().replace('_', "-")
}

fn create_workspace(f: &Functions, id: &str, name: &str, extra: serde_json::Value) {
    let mut event = json!({ "action": "create_workspace", "workspace": id, "name": name,
                            "login_url": format!("https://{id}.example/login") });
    for (field, value) in extra.as_object().into_iter().flatten() {
        event[field] = value.clone();
    }
    assert_eq!(f.invoke_admin(&event)["status"], "workspace_created");
}

fn invite(f: &Functions, login: &str, workspaces: &[&str]) {
    let event = json!({ "action": "import_users", "users": [
        { "login": login, "email": format!("{login}@recovery.test"), "workspaces": workspaces }
    ]});
    let answer = f.invoke_admin(&event);
    assert_eq!(answer["results"][0]["status"], "created", "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_in_two_workspaces_resets_in_the_colours_of_the_one_asked_from() {
    let f = functions();
    let (a, b) = (id("wsa"), id("wsb"));
    let a_name = format!("Alpha {a}");
    let b_name = format!("Beta {b}");
    create_workspace(
        f,
        &a,
        &a_name,
        json!({ "logo_url": format!("https://{a}.example/logo.svg"), "accent_color": "#7a1f5c" }),
    );
    create_workspace(f, &b, &b_name, json!({}));
    let (both, only_b) = (unique("both"), unique("onlyb"));
    invite(f, &both, &[&a, &b]);
    invite(f, &only_b, &[&b]);
    let branded = |html: &str, step: &str| {
        assert!(html.contains(&a_name), "{step}: {html}");
        assert!(html.contains(&format!("<img src=\"https://{a}.example/logo.svg\" alt=\"\">")));
        assert!(html.contains("#7a1f5c"), "{step}");
        assert!(!html.contains(&b_name), "{step} names the other workspace");
    };

    let page = http("GET", &format!("{}?workspace={a}", f.forgot_url()), &[], b"");
    branded(&page.text(), "forgot page");
    let policy = page.header("content-security-policy").unwrap_or_default().to_owned();
    assert!(policy.ends_with(&format!("img-src https://{a}.example")), "{policy}");
    let sent = post_form(&f.forgot_url(), &format!("login={both}&workspace={a}"));
    branded(&sent.text(), "check your email");
    f.settle();
    let email = emails_to(&format!("{both}@recovery.test")).pop().expect("a link");
    assert!(email.subject.contains(&a_name), "{}", email.subject);
    let link = email.link_starting_with(RESET_PAGE_URL).expect("a reset link");
    assert!(link.ends_with(&format!("&workspace={a}")), "{link}");
    let token = token_from(&link).unwrap();
    let form = http("GET", &format!("{}?token={token}&workspace={a}", f.reset_url()), &[], b"");
    branded(&form.text(), "reset form");
    let done = post_form(
        &f.reset_url(),
        &format!(
            "token={token}&workspace={a}&password=a+quiet+harbour&password_confirmation=a+quiet+harbour"
        ),
    );
    let html = done.text();
    assert_eq!(done.status, 200, "{html}");
    let first = html.find(&format!("href=\"https://{a}.example/login\"")).expect("A's Log in");
    let second = html.find(&format!("href=\"https://{b}.example/login\"")).expect("B's Log in");
    assert!(first < second, "the workspace asked from first: {html}");
    assert!(html.contains(&b_name), "the done page lists the person's own workspaces");

    // Someone in B only, asking from A's page: the same answer as anyone,
    // and an email in B's name that never names A.
    let asked = |login: &str| {
        post_json(&f.forgot_url(), &json!({ "login": login, "workspace": a })).comparable()
    };
    let answers = [asked(&only_b), asked(&both), asked(&unique("nobody"))];
    assert!(answers.iter().all(|answer| *answer == answers[0]), "byte-identical answers");
    f.settle();
    let mail = emails_to(&format!("{only_b}@recovery.test")).pop().expect("an email");
    assert!(mail.subject.contains(&b_name), "{}", mail.subject);
    assert!(!mail.body.contains(&a_name) && !mail.body.contains(&format!("workspace={a}")));
    assert!(mail.body.contains(&format!("workspace={b}")));
}
