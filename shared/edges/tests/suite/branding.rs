//! Self-service in a workspace's colours: the pages and messages speak for
//! the workspace the link came from, and never name one the person is not
//! in.

use lambda_http::Body;
use lambda_http::http::{StatusCode, header};
use recovery_edges::{admin_event, http};
use recovery_testing::{TestAccount, World, token_from};
use serde_json::{Value, json};

use crate::http::{get, html_of, post};

const ROOT: &str = "arn:aws:iam::123456789012:user/root";
const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// acme (logo, accent, support, its login page) and beta; ada in both, bob
/// in beta only, cy in none.
async fn two_workspaces() -> World {
    let w = World::new();
    for event in [
        json!({ "action": "create_workspace", "workspace": "acme", "name": "Acme GmbH",
                "login_url": "https://acme.example/login", "logo_url": "https://cdn.acme.example/logo.svg",
                "accent_color": "#8a1c7c", "support_contact": "mailto:it@acme.example" }),
        json!({ "action": "create_workspace", "workspace": "beta", "name": "Beta Ltd",
                "login_url": "https://beta.example/sign-in" }),
    ] {
        assert_eq!(admin(&w, event).await["status"], "workspace_created");
    }
    for (login, workspaces) in [("ada", &["acme", "beta"][..]), ("bob", &["beta"]), ("cy", &[])] {
        TestAccount::new(login).email(&format!("{login}@example.com")).create_in(&*w.store).await;
        for id in workspaces {
            let event = json!({ "action": "add_member", "workspace": id, "login": login });
            assert_eq!(admin(&w, event).await["status"], "member_added");
        }
    }
    w
}

/// An administrator's action, a second after the last (its audit record
/// is its own).
async fn admin(w: &World, event: Value) -> Value {
    w.clock.advance(1);
    admin_event::handle(&w.recovery, &event, ROOT, "req").await
}

fn csp(response: &lambda_http::Response<Body>) -> String {
    response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned()
}

fn acme_look(html: &str) {
    assert!(html.contains("Acme GmbH"), "{html}");
    assert!(html.contains("<img src=\"https://cdn.acme.example/logo.svg\" alt=\"\">"), "{html}");
    assert!(html.contains("background: #8a1c7c"), "{html}");
    assert!(!html.contains("Beta Ltd") && !html.contains("Example"), "{html}");
}

#[tokio::test]
async fn a_person_in_two_workspaces_resets_from_one_in_its_colours_and_logs_in_to_both() {
    let w = two_workspaces().await;
    let page = http::forgot_password(
        &w.recovery,
        get("/password/forgot", &[("workspace", "acme"), ("lang", "de")], None),
    )
    .await;
    let html = html_of(&page);
    acme_look(&html);
    assert!(html.contains("<input name=\"workspace\" type=\"hidden\" value=\"acme\">"));
    assert!(html.contains("forgot?workspace=acme&#38;lang=en"), "the language links stay: {html}");
    assert!(csp(&page).ends_with("; img-src https://cdn.acme.example"), "{}", csp(&page));

    let sent = http::forgot_password(
        &w.recovery,
        post("/password/forgot", FORM, "login=ada&workspace=acme&lang=en"),
    )
    .await;
    acme_look(&html_of(&sent));
    let email = w.emails().await.pop().expect("an email to ada");
    assert!(email.subject.contains("Acme GmbH"), "{}", email.subject);
    assert!(!email.text.contains("Beta Ltd"));
    assert!(email.text.contains("&workspace=acme"), "{}", email.text);
    let token = token_from(&email.text).unwrap();

    let form = http::reset_password(
        &w.recovery,
        get("/password/reset", &[("token", &token), ("workspace", "acme")], None),
    )
    .await;
    acme_look(&html_of(&form));
    let body = format!(
        "token={token}&workspace=acme&password=a+long+new+passphrase&password_confirmation=a+long+new+passphrase"
    );
    let done = http::reset_password(&w.recovery, post("/password/reset", FORM, &body)).await;
    let html = html_of(&done);
    assert_eq!(done.status(), StatusCode::OK, "{html}");
    acme_look(&html.replace("Beta Ltd", ""));
    let acme = html.find("href=\"https://acme.example/login\"").expect("acme's Log in");
    let beta = html.find("href=\"https://beta.example/sign-in\"").expect("beta's Log in");
    assert!(acme < beta, "the workspace the link came from first: {html}");
    assert_eq!(html.matches(">Log in</a>").count(), 2);
    // The notice that the password changed speaks for acme too.
    let notice = w.emails().await.pop().expect("a notice");
    assert!(notice.subject.contains("Acme GmbH") && !notice.text.contains("Beta Ltd"));
}

#[tokio::test]
async fn a_json_reset_lists_where_to_log_in_the_links_workspace_first() {
    let w = two_workspaces().await;
    let asked = json!({ "login": "ada@example.com", "workspace": "beta" }).to_string();
    http::forgot_password(&w.recovery, post("/password/forgot", JSON, &asked)).await;
    let email = w.emails().await.pop().unwrap();
    assert!(email.subject.contains("Beta Ltd"), "{}", email.subject);
    let token = token_from(&email.text).unwrap();
    let body = json!({ "token": token, "workspace": "beta", "password": "a long new passphrase",
                       "password_confirmation": "a long new passphrase" });
    let done =
        http::reset_password(&w.recovery, post("/password/reset", JSON, &body.to_string())).await;
    let answer: Value = serde_json::from_slice(done.body().as_ref()).unwrap();
    assert_eq!(answer["login_url"], "https://beta.example/sign-in", "{answer}");
    let ids: Vec<&str> = answer["log_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workspace"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["beta", "acme"]);
}

#[tokio::test]
async fn asking_from_a_workspace_one_is_not_in_answers_alike_and_mails_in_ones_own() {
    let w = two_workspaces().await;
    let mut answers = Vec::new();
    for login in ["ada", "bob", "cy", "nobody"] {
        let body = json!({ "login": login, "workspace": "acme" }).to_string();
        let answer =
            http::forgot_password(&w.recovery, post("/password/forgot", JSON, &body)).await;
        answers.push((answer.status(), answer.body().as_ref().to_vec()));
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]), "byte-identical answers");
    let mail = w.emails().await;
    let to_bob = mail.iter().find(|m| m.to.as_str() == "bob@example.com").expect("bob's email");
    assert!(to_bob.subject.contains("Beta Ltd"), "{}", to_bob.subject);
    assert!(!to_bob.text.contains("Acme") && !to_bob.html.contains("Acme"));
    assert!(to_bob.text.contains("&workspace=beta"));
    // cy is in no workspace: the deployment's own name, a link without one.
    let to_cy = mail.iter().find(|m| m.to.as_str() == "cy@example.com").expect("cy's email");
    assert!(to_cy.subject.contains("Example") && !to_cy.text.contains("workspace="));
}

#[tokio::test]
async fn an_unknown_workspace_is_the_deployments_own_and_a_return_to_only_on_its_login_origin() {
    let w = two_workspaces().await;
    let unknown =
        http::forgot_password(&w.recovery, get("/password/forgot", &[("workspace", "zeta")], None))
            .await;
    let html = html_of(&unknown);
    assert!(html.contains("Example") && !html.contains("name=\"workspace\""), "{html}");
    assert!(!csp(&unknown).contains("img-src"));

    let page = |return_to: &'static str| {
        let w = &w;
        async move {
            html_of(
                &http::forgot_password(
                    &w.recovery,
                    get(
                        "/password/forgot",
                        &[("workspace", "acme"), ("return_to", return_to)],
                        None,
                    ),
                )
                .await,
            )
        }
    };
    let honoured = page("https://acme.example/login?next=%2Fbilling").await;
    assert!(
        honoured
            .contains("<a href=\"https://acme.example/login?next=%2Fbilling\">Back to sign in</a>"),
        "{honoured}"
    );
    assert!(honoured.contains("name=\"return_to\""));
    for elsewhere in [
        "https://evil.example/login",
        "https://acme.example.evil.example/",
        "javascript:alert(1)",
        "http://acme.example/login",
    ] {
        let ignored = page(elsewhere).await;
        assert!(!ignored.contains(&format!("href=\"{elsewhere}\"")), "{elsewhere}");
        assert!(
            ignored.contains("<a href=\"https://acme.example/login\">Back to sign in</a>"),
            "{elsewhere}: {ignored}"
        );
        assert!(!ignored.contains("name=\"return_to\""));
    }
}

#[tokio::test]
async fn a_code_by_sms_names_the_workspace_and_its_page_carries_it() {
    let w = two_workspaces().await;
    let phone = "+4915112345670";
    let event = json!({ "action": "update_user", "login": "ada", "phone": phone });
    assert_eq!(admin(&w, event).await["status"], "updated");
    let body = "login=%2B4915112345670&workspace=acme";
    let page = http::forgot_password(&w.recovery, post("/password/forgot", FORM, body)).await;
    let html = html_of(&page);
    acme_look(&html);
    assert_eq!(
        html.matches("<input name=\"workspace\" type=\"hidden\" value=\"acme\">").count(),
        2
    );
    assert!(html.contains("<a href=\"mailto:it@acme.example\">it@acme.example</a>"), "{html}");
    let text = w.texts().await.pop().expect("a code");
    assert!(text.text.contains("Acme GmbH"), "{}", text.text);
}

#[tokio::test]
async fn a_workspace_that_is_not_a_string_is_an_invalid_field() {
    let w = two_workspaces().await;
    for body in
        [json!({ "login": "ada", "workspace": {} }), json!({ "login": "ada", "return_to": 7 })]
    {
        let answer =
            http::forgot_password(&w.recovery, post("/password/forgot", JSON, &body.to_string()))
                .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = serde_json::from_slice(answer.body().as_ref()).unwrap();
        assert_eq!(error["error"], "invalid_field", "{body}");
    }
    assert!(w.emails().await.is_empty());
}
