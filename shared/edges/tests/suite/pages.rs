//! What a person at the screen sees besides the words: the code's
//! countdown, whom to contact when stuck, and errors tied to their fields.

use lambda_http::http::StatusCode;
use recovery_edges::config::SupportContact;
use recovery_edges::http;
use recovery_testing::{SUPPORT, World};

use crate::http::{get, html_of, post};
use recovery_testing::accounts::world;

const FORM: &str = "application/x-www-form-urlencoded";
const PHONE: &str = "+4915112345678";

fn now(w: &World) -> i64 {
    use recovery_domain::Clock as _;
    w.clock.now().epoch_seconds()
}

async fn code_form(w: &World, query: &[(&str, &str)]) -> String {
    let page = http::verify_code(&w.recovery, get("/password/code", query, None)).await;
    assert_eq!(page.status(), StatusCode::OK);
    html_of(&page)
}

#[tokio::test]
async fn the_code_page_counts_the_codes_lifetime_down_without_script() {
    let w = world().await;
    let sent = http::forgot_password(
        &w.recovery,
        post("/password/forgot", FORM, "login=%2B4915112345678"),
    )
    .await;
    let html = html_of(&sent);
    let until = now(&w) + 60;
    // The whole lifetime, in whole steps, from an integer property; the
    // notice and the promoted "Send a new code" when it runs out.
    assert!(html.contains("@keyframes tick { from { --left: 60; }"), "{html}");
    assert!(html.contains("animation: tick 60s steps(60, end) forwards"));
    assert!(html.contains("animation: promote 1ms 60s forwards"));
    assert!(html.contains("animation: reveal 1ms 60s forwards"));
    assert!(html.contains("class=\"expired\" role=\"status\">The code has expired."));
    assert!(!html.contains("<script"));
    // The time goes with the form and the language links.
    assert!(html.contains(&format!("name=\"until\" type=\"hidden\" value=\"{until}\"")));
    assert!(html.contains(&format!("code?phone=%2B4915112345678&#38;until={until}&#38;lang=de")));

    // Twenty seconds on, the page shown again counts from 40.
    w.clock.advance(20);
    let again = code_form(&w, &[("phone", PHONE), ("until", &until.to_string())]).await;
    assert!(again.contains("from { --left: 40; }"), "{again}");
    assert!(again.contains("animation: promote 1ms 40s forwards"));
    assert!(again.contains("scaleX(0.667)"));
    // A wrong code keeps counting where it was.
    let wrong = http::verify_code(
        &w.recovery,
        post("/password/code", FORM, &format!("phone=%2B4915112345678&code=000000&until={until}")),
    )
    .await;
    assert!(html_of(&wrong).contains("from { --left: 40; }"));

    // A time that is not a code's (past, or beyond a lifetime) shows none.
    for until in [now(&w) - 1, now(&w) + 61, 0, i64::MAX] {
        let page = code_form(&w, &[("phone", PHONE), ("until", &until.to_string())]).await;
        assert!(!page.contains("@keyframes tick"), "{until}");
        assert!(!page.contains("name=\"until\""), "{until}");
    }
    let plain = code_form(&w, &[("phone", PHONE), ("until", "soon")]).await;
    assert!(!plain.contains("@keyframes tick"));
}

#[tokio::test]
async fn stuck_people_are_told_whom_to_contact_where_they_may_be_stuck() {
    let w = world().await;
    let link = format!("<a href=\"{SUPPORT}\">{SUPPORT}</a>");
    let code = code_form(&w, &[("phone", PHONE)]).await;
    assert!(
        code.contains(&format!(
            "<p class=\"support\">If that does not help either, contact support: {link}</p>"
        )),
        "{code}"
    );
    let expired = http::reset_password(
        &w.recovery,
        get("/password/reset", &[("token", "no-such-token"), ("lang", "de")], None),
    )
    .await;
    let html = html_of(&expired);
    assert!(html.contains("Dieser Link funktioniert nicht mehr"), "{html}");
    assert!(html.contains(&format!("Wenden Sie sich an den Support: {link}")));
    // Where nothing went wrong, no support line.
    let forgot = http::forgot_password(&w.recovery, get("/password/forgot", &[], None));
    assert!(!html_of(&forgot.await).contains("class=\"support\""));
}

#[tokio::test]
async fn a_support_contact_that_is_no_link_is_shown_as_text() {
    let w = World::with_settings(recovery_core::RecoverySettings {
        support: SupportContact::parse("+49 30 1234567 (IT-Service)"),
        ..recovery_testing::settings()
    });
    let page = http::verify_code(
        &w.recovery,
        get("/password/code", &[("phone", PHONE), ("lang", "ru")], None),
    )
    .await;
    let html = html_of(&page);
    assert!(
        html.contains(
            "обратитесь в службу поддержки: <strong>+49 30 1234567 (IT-Service)</strong>"
        ),
        "{html}"
    );
    let none = World::with_settings(recovery_core::RecoverySettings {
        support: None,
        ..recovery_testing::settings()
    });
    let page =
        http::verify_code(&none.recovery, get("/password/code", &[("phone", PHONE)], None)).await;
    assert!(!html_of(&page).contains("class=\"support\""));
}

#[test]
fn a_support_contact_is_a_link_only_when_it_is_one() {
    let link = |s: &str| SupportContact::parse(s).and_then(|c| c.href().map(str::to_owned));
    assert_eq!(link("https://help.example.com").as_deref(), Some("https://help.example.com"));
    assert_eq!(link(" mailto:it@example.com ").as_deref(), Some("mailto:it@example.com"));
    assert_eq!(SupportContact::parse("mailto:it@example.com").unwrap().label(), "it@example.com");
    for text in ["javascript:alert(1)", "https://", "call https://x y", "IT desk, room 4"] {
        assert_eq!(link(text), None, "{text}");
        assert!(SupportContact::parse(text).is_some());
    }
    assert_eq!(SupportContact::parse("  "), None);
}

#[tokio::test]
async fn an_error_is_announced_and_tied_to_its_field() {
    let w = world().await;
    let forgot =
        http::forgot_password(&w.recovery, post("/password/forgot", FORM, "login=%2Bx")).await;
    let html = html_of(&forgot);
    assert!(html.contains("id=\"login_error\" role=\"alert\""), "{html}");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"login_error\""));
    let wrong = http::verify_code(
        &w.recovery,
        post("/password/code", FORM, "phone=%2B4915112345678&code=000000"),
    )
    .await;
    let html = html_of(&wrong);
    assert!(html.contains("id=\"code_error\" role=\"alert\""), "{html}");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"code_error\""));
    assert!(html.contains("inputmode=\"numeric\""));
    assert!(html.contains("autocomplete=\"one-time-code\""));
}
