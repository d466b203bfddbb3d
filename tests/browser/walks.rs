//! What people do at the screen, each walk in a browser of its own.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::browser::{Browser, Step};
use crate::{DELIVERY, Person, branded, code_in, stack, turn};

const NEW_PASSWORD: &str = "a quiet harbour at dawn";

/// Sets `password` on the reset form the browser shows, and lands on
/// "Password changed" (in the browser's language: `done`).
async fn set_new_password(b: &mut Browser, password: &str, done: &str) -> Step {
    b.step("new password");
    b.fill("#password", password).await?;
    b.fill("#password_confirmation", password).await?;
    b.press("form button[type=submit]").await?;
    b.step("done");
    b.expect_heading(done).await?;
    b.check_accessibility().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_resets_by_the_emailed_link() {
    let person = Person::new("link", None);
    let _turn = turn().await;
    let mut b = Browser::open("email-link", &stack().base, "en").await;
    let outcome = async {
        b.step("forgot page");
        b.go("/password/forgot").await?;
        b.expect_heading("Forgot password").await?;
        b.check_accessibility().await?;
        b.keep("forgot").await?;
        b.fill("#login", &person.login).await?;
        b.press("form button[type=submit]").await?;
        b.step("check your email");
        b.expect_heading("Check your email").await?;
        b.check_accessibility().await?;
        b.keep("check-email").await?;

        b.step("the email");
        let email = stack().wait_for_email(&person.email, 1, DELIVERY);
        let link = email
            .link_starting_with(&format!("{}/password/reset?token=", stack().base))
            .ok_or("no reset link in the email")?;
        b.go(&link).await?;
        b.step("reset form");
        b.expect_heading("Enter a new password").await?;
        b.check_accessibility().await?;
        b.keep("reset-form").await?;
        b.step("a password the policy refuses");
        b.fill("#password", &person.login).await?;
        b.fill("#password_confirmation", &person.login).await?;
        b.press("form button[type=submit]").await?;
        b.expect_text("Do not use your login as your password.").await?;
        let invalid = b.attribute("#password", "aria-invalid").await?;
        if invalid.as_deref() != Some("true") {
            return Err("the refused password is not marked invalid".into());
        }
        b.check_accessibility().await?;
        set_new_password(&mut b, NEW_PASSWORD, "Password changed").await?;
        b.keep("done").await?;
        b.step("sign in");
        if !person.signs_in_with(NEW_PASSWORD) {
            return Err("the product's sign-in check refuses the new password".into());
        }
        b.step("the link again");
        b.go(&link).await?;
        b.expect_heading("This link no longer works").await?;
        b.check_accessibility().await
    }
    .await;
    b.finish(outcome).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_resets_by_a_code_sent_to_their_phone() {
    let person = Person::new("phone", None);
    let _turn = turn().await;
    let mut b = Browser::open("phone-code", &stack().base, "en").await;
    let outcome = async {
        b.step("forgot page");
        b.go("/password/forgot").await?;
        b.fill("#login", &person.phone).await?;
        b.press("form button[type=submit]").await?;
        b.step("code page");
        b.expect_heading("Enter the code").await?;
        b.check_accessibility().await?;
        b.keep("code").await?;
        let keypad = b.attribute("#code", "inputmode").await?;
        let hint = b.attribute("#code", "autocomplete").await?;
        if keypad.as_deref() != Some("numeric") || hint.as_deref() != Some("one-time-code") {
            return Err(format!("the code field asks for {keypad:?}, {hint:?}").into());
        }

        b.step("a wrong code");
        b.fill("#code", "000000").await?;
        b.press("form.verify button").await?;
        b.expect_text("That code is wrong or has expired.").await?;
        let invalid = b.attribute("#code", "aria-invalid").await?;
        if invalid.as_deref() != Some("true") {
            return Err("the wrong code's field is not marked invalid".into());
        }
        b.check_accessibility().await?;

        b.step("the text");
        let text = stack().wait_for_text(&person.phone, 1, DELIVERY);
        b.fill("#code", &code_in(&text)).await?;
        b.press("form.verify button").await?;
        b.step("reset form");
        b.expect_heading("Enter a new password").await?;
        set_new_password(&mut b, NEW_PASSWORD, "Password changed").await?;
        if !person.signs_in_with(NEW_PASSWORD) {
            return Err("the product's sign-in check refuses the new password".into());
        }
        Ok(())
    }
    .await;
    b.finish(outcome).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_whose_browser_speaks_german_walks_in_german() {
    let person = Person::new("deutsch", None);
    let _turn = turn().await;
    let mut b = Browser::open("german", &stack().base, "de-DE,de").await;
    let outcome = async {
        b.step("Passwort vergessen");
        b.go("/password/forgot").await?;
        b.expect_heading("Passwort vergessen").await?;
        b.keep("forgot-de").await?;
        b.fill("#login", &person.email).await?;
        b.press("form button[type=submit]").await?;
        b.step("Postfach");
        b.expect_heading("Sehen Sie in Ihr Postfach").await?;
        b.check_accessibility().await?;
        let email = stack().wait_for_email(&person.email, 1, DELIVERY);
        if !email.subject.starts_with("Ihr Passwort für") {
            return Err(format!("the email is not German: {}", email.subject).into());
        }
        let link = email
            .link_starting_with(&format!("{}/password/reset?token=", stack().base))
            .ok_or("no reset link in the email")?;
        b.go(&link).await?;
        b.step("Formular");
        b.expect_heading("Neues Passwort eingeben").await?;
        b.step("zu kurz");
        b.fill("#password", "kurz").await?;
        b.fill("#password_confirmation", "kurz").await?;
        // The browser's own check (minlength) would stop the form; the
        // service's answer is what is tested here.
        b.step("Sprache wechseln");
        b.press_link("Русский").await?;
        b.expect_heading("Введите новый пароль").await?;
        b.press_link("Deutsch").await?;
        b.expect_heading("Neues Passwort eingeben").await?;
        set_new_password(&mut b, NEW_PASSWORD, "Passwort geändert").await?;
        b.keep("done-de").await?;
        Ok(())
    }
    .await;
    b.finish(outcome).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_code_page_counts_down_and_then_offers_a_new_code_first() {
    let _turn = turn().await;
    let mut b = Browser::open("countdown", &stack().base, "en").await;
    let outcome = async {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        b.step("a code with three seconds left");
        b.go(&format!("/password/code?phone=%2B4915112345678&until={}", now + 3)).await?;
        let left: i64 = b.style(".countdown .left", "--left").await?.trim().parse()?;
        if !(1..=3).contains(&left) {
            return Err(format!("the countdown shows {left}").into());
        }
        if b.style(".expired", "visibility").await? != "hidden" {
            return Err("the code is shown expired before its time".into());
        }
        let before = b.style("form.resend button", "background-color").await?;
        b.step("after it ran out");
        // The countdown reaches 0 and the notice shows when the code's
        // lifetime is over: wait for both, no longer than seconds past it.
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let left = b.style(".countdown .left", "--left").await?;
            if left.trim() == "0" && b.style(".expired", "visibility").await? == "visible" {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("the countdown stopped at {left}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The button takes its colour as the countdown's last step ends:
        // wait for the colour the step ends on, not for a time.
        let mut after = b.style("form.resend button", "background-color").await?;
        while after != "rgb(31, 95, 191)" && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            after = b.style("form.resend button", "background-color").await?;
        }
        if b.style(".expired", "visibility").await? != "visible" {
            return Err("the code's end is not shown".into());
        }
        if after != "rgb(31, 95, 191)" || before == after {
            return Err(
                format!("Send a new code is not the main button: {before} → {after}").into()
            );
        }
        b.expect_text("The code has expired.").await?;
        b.check_accessibility().await?;
        b.keep("code-expired").await
    }
    .await;
    b.finish(outcome).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_page_has_a_serious_accessibility_violation_in_any_language() {
    let _turn = turn().await;
    let mut b = Browser::open("axe", &stack().base, "en").await;
    let outcome = async {
        for lang in ["en", "de", "ru"] {
            for path in [
                format!("/password/forgot?lang={lang}"),
                format!("/password/code?phone=%2B4915112345678&lang={lang}"),
                format!("/password/reset?token=no-such-token&lang={lang}"),
                format!("/password/forgot-login?lang={lang}"),
                format!("/password/not-me?token=no-such-token&lang={lang}"),
            ] {
                b.step(&path);
                b.go(&path).await?;
                b.check_accessibility().await?;
                if path == "/password/reset?token=no-such-token&lang=en" {
                    b.keep("link-expired").await?;
                }
            }
            // The same pages in a workspace's colours.
            let workspace = branded();
            for path in [
                format!("/password/forgot?lang={lang}&workspace={workspace}"),
                format!("/password/code?phone=%2B4915112345678&lang={lang}&workspace={workspace}"),
                format!("/password/reset?token=no-such-token&lang={lang}&workspace={workspace}"),
                format!("/password/forgot-login?lang={lang}&workspace={workspace}"),
            ] {
                b.step(&path);
                b.go(&path).await?;
                b.expect_text("Acme Browser GmbH").await?;
                b.check_accessibility().await?;
            }
            b.step("an error on the forgot form");
            b.go(&format!("/password/forgot?lang={lang}")).await?;
            b.fill("#login", "+1").await?;
            b.press("form button[type=submit]").await?;
            let invalid = b.attribute("#login", "aria-invalid").await?;
            if invalid.as_deref() != Some("true") {
                return Err("the refused login is not marked invalid".into());
            }
            b.check_accessibility().await?;
        }
        b.keep("forgot-error-ru").await
    }
    .await;
    b.finish(outcome).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_who_forgot_their_login_gets_it_by_email() {
    let person = Person::new("forgetful", None);
    let _turn = turn().await;
    let mut b = Browser::open("forgot-login", &stack().base, "en").await;
    let outcome = async {
        b.step("forgot page");
        b.go("/password/forgot").await?;
        b.press_link("Forgot your login?").await?;
        b.step("forgot login");
        b.expect_heading("Forgot your login").await?;
        b.check_accessibility().await?;
        b.keep("forgot-login").await?;
        b.fill("#contact", &person.email).await?;
        b.press("form button[type=submit]").await?;
        b.step("check your email");
        b.expect_heading("Check your email").await?;
        b.check_accessibility().await?;
        b.step("the reminder");
        let email = stack().wait_for_email(&person.email, 1, DELIVERY);
        if email.subject != "Your Example Cloud login" || !email.body.contains(&person.login) {
            return Err(format!("the reminder: {} / {}", email.subject, email.body).into());
        }
        b.step("back");
        b.press_link("Back to “Forgot password”").await?;
        b.expect_heading("Forgot password").await
    }
    .await;
    b.finish(outcome).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_whose_password_someone_else_changed_locks_the_account() {
    let person = Person::new("not-me", None);
    let _turn = turn().await;
    let mut b = Browser::open("not-me", &stack().base, "en").await;
    let outcome = async {
        b.step("someone resets");
        b.go("/password/forgot").await?;
        b.fill("#login", &person.login).await?;
        b.press("form button[type=submit]").await?;
        let email = stack().wait_for_email(&person.email, 1, DELIVERY);
        let link = email
            .link_starting_with(&format!("{}/password/reset?token=", stack().base))
            .ok_or("no reset link in the email")?;
        b.go(&link).await?;
        set_new_password(&mut b, NEW_PASSWORD, "Password changed").await?;

        b.step("the notice");
        let notice = stack().wait_for_email(&person.email, 2, DELIVERY);
        let lock = notice
            .link_starting_with(&format!("{}/password/not-me?token=", stack().base))
            .ok_or("no lock link in the notice")?;
        b.go(&lock).await?;
        b.step("lock your account");
        b.expect_heading("Lock your account?").await?;
        b.check_accessibility().await?;
        b.keep("not-me").await?;
        if !person.signs_in_with(NEW_PASSWORD) {
            return Err("opening the link locked the account".into());
        }
        b.press("form button[type=submit]").await?;
        b.step("locked");
        b.expect_heading("Your account is locked").await?;
        b.expect_text("support@example.com").await?;
        b.check_accessibility().await?;
        b.keep("locked").await?;
        if person.signs_in_with(NEW_PASSWORD) {
            return Err("the new password still signs in".into());
        }
        Ok(())
    }
    .await;
    b.finish(outcome).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_accessibility_check_finds_a_planted_violation() {
    let _turn = turn().await;
    let mut b = Browser::open("axe-planted", &stack().base, "en").await;
    let outcome = async {
        b.step("a field without a label");
        b.go("data:text/html,<!DOCTYPE html><html><title>x</title><body><main><input id=x></main></body></html>")
            .await?;
        match b.check_accessibility().await {
            Err(found) if found.to_string().contains("\"id\": \"label\"") => Ok(()),
            Err(other) => Err(format!("another failure: {other}").into()),
            Ok(()) => Err("axe-core let a field without a label through".into()),
        }
    }
    .await;
    b.finish(outcome).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_in_two_workspaces_resets_in_one_and_may_log_in_to_both() {
    let other = unique_workspace();
    let person = Person::in_workspaces("two-homes", None, &[branded(), &other]);
    let _turn = turn().await;
    let mut b = Browser::open("workspaces", &stack().base, "de").await;
    let outcome = async {
        b.step("the forgot page of the product's workspace");
        b.go(&format!("/password/forgot?workspace={}", branded())).await?;
        b.expect_text("Acme Browser GmbH").await?;
        let accent = b.style("form button[type=submit]", "background-color").await?;
        if accent != "rgb(122, 31, 92)" {
            return Err(format!("the button is not in the workspace's colour: {accent}").into());
        }
        b.check_accessibility().await?;
        b.fill("#login", &person.login).await?;
        b.press("form button[type=submit]").await?;
        b.expect_heading("Sehen Sie in Ihr Postfach").await?;
        b.expect_text("Acme Browser GmbH").await?;
        b.step("the email");
        let email = stack().wait_for_email(&person.email, 1, DELIVERY);
        if !email.subject.contains("Acme Browser GmbH") {
            return Err(format!("the email does not name the workspace: {}", email.subject).into());
        }
        let link = email
            .link_starting_with(&format!("{}/password/reset?token=", stack().base))
            .ok_or("no reset link in the email")?;
        b.go(&link).await?;
        b.expect_text("Acme Browser GmbH").await?;
        b.check_accessibility().await?;
        set_new_password(&mut b, NEW_PASSWORD, "Passwort geändert").await?;
        b.step("a Log in per workspace, the one asked from first");
        let first = b.attribute(".log-in li:nth-child(1) a", "href").await?;
        let second = b.attribute(".log-in li:nth-child(2) a", "href").await?;
        let expected = (Some("https://acme.example/login"), Some("https://other.example/login"));
        if (first.as_deref(), second.as_deref()) != expected {
            return Err(format!("Log in leads to {first:?} and {second:?}").into());
        }
        b.keep("done-two-workspaces").await
    }
    .await;
    b.finish(outcome).await;
}

/// A second workspace, plain.
fn unique_workspace() -> String {
    let id = system_tests::unique("other").to_lowercase().replace('_', "-");
    let answer = stack().admin(&serde_json::json!({
        "action": "create_workspace", "workspace": id, "name": "Other Company",
        "login_url": "https://other.example/login",
    }));
    assert_eq!(answer["status"], "workspace_created", "{answer}");
    id
}

/// A third request for one login in fifteen minutes (of three) is
/// challenged: the page solves it with its script, and Continue goes on.
#[tokio::test(flavor = "multi_thread")]
async fn a_person_who_asks_again_and_again_solves_a_challenge_in_the_page() {
    let person = Person::new("again", None);
    let _turn = turn().await;
    let mut b = Browser::open("challenge", &stack().base, "en").await;
    let outcome = async {
        for n in 1..=2 {
            b.step(&format!("request {n}"));
            b.go("/password/forgot").await?;
            b.fill("#login", &person.login).await?;
            b.press("form button[type=submit]").await?;
            b.expect_heading("Check your email").await?;
        }
        b.step("the third: a challenge");
        b.go("/password/forgot").await?;
        b.fill("#login", &person.login).await?;
        b.press("form button[type=submit]").await?;
        b.expect_heading("One moment").await?;
        b.check_accessibility().await?;
        b.step("solved in the page");
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let disabled = b.attribute("form.challenge button", "disabled").await?;
            if disabled.is_none() && b.text().await?.contains("Done. Press Continue.") {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err("the page did not solve its challenge within a minute".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        b.keep("challenge").await?;
        b.check_accessibility().await?;
        b.press("form.challenge button").await?;
        b.step("through");
        b.expect_heading("Check your email").await?;
        Ok(())
    }
    .await;
    b.finish(outcome).await;
}
