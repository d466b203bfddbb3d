//! Breached passwords refused: a new password (through a link, by an
//! administrator, for an invitation) is checked against the range API by
//! the first five hex digits of its SHA-1, after the offline list; a range
//! API that does not answer in time costs at most the time-out, and the
//! password then goes through or not as the deployment says.

use std::sync::Arc;
use std::time::Duration;

use lambda_http::http::StatusCode;
use recovery_core::RecoverySettings;
use recovery_core::flows::SetPasswordError;
use recovery_edges::{admin_event, http};
use recovery_testing::accounts::{change, request, token_in, world, world_with};
use recovery_testing::{RangeStandIn, World};
use serde_json::json;

use crate::http::{body_json, post};

const BREACHED: &str = "correct horse battery staple";

async fn checked(mut w: World, api: &Arc<RangeStandIn>) -> World {
    w.recovery = w.recovery.clone().with_breaches(api.clone());
    w
}

#[tokio::test]
async fn a_breached_password_is_refused_with_its_reason_and_only_a_prefix_is_asked() {
    let api = Arc::new(RangeStandIn::knowing(&[BREACHED]));
    let w = checked(world().await, &api).await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let body = json!({ "token": token, "password": BREACHED, "password_confirmation": BREACHED });
    let response = http::reset_password(
        &w.recovery,
        post("/password/reset", "application/json", &body.to_string()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answer = body_json(&response);
    assert_eq!(answer["error"], "weak_password");
    assert_eq!(answer["reasons"][0]["code"], "breached");
    // SHA-1("correct horse battery staple") = ABF7AAD6...
    assert_eq!(api.asked(), ["ABF7A"], "five hex digits, nothing else");
    // Another password goes through, and the link still works for it.
    w.recovery
        .set_password(change(&token, "an unbreached one 7", "an unbreached one 7"))
        .await
        .unwrap();
    assert_eq!(api.asked().len(), 2);
    assert!(api.asked().iter().all(|p| p.len() == 5 && p.chars().all(|c| c.is_ascii_hexdigit())));
}

#[tokio::test]
async fn the_offline_list_is_asked_first() {
    let api = Arc::new(RangeStandIn::knowing(&["password"]));
    let w = checked(world().await, &api).await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let refused = w.recovery.set_password(change(&token, "password", "password")).await;
    assert!(
        matches!(&refused, Err(SetPasswordError::WeakPassword(r)) if r.iter().all(|r| r.code != "breached")),
        "{refused:?}"
    );
    assert!(api.asked().is_empty(), "the policy refused it before anything left the function");
}

#[tokio::test]
async fn an_administrator_and_an_invitation_are_checked_too() {
    let api = Arc::new(RangeStandIn::knowing(&[BREACHED]));
    let w = checked(world().await, &api).await;
    let root = "arn:aws:iam::123456789012:user/root";
    let set = json!({ "action": "set_password", "login": "ada", "password": BREACHED, "password_confirmation": BREACHED });
    let answer = admin_event::handle(&w.recovery, &set, root, "r1").await;
    assert_eq!(answer["error"], "weak_password", "{answer}");
    assert_eq!(answer["reasons"][0]["code"], "breached", "{answer}");
    w.clock.advance(1);
    let invite =
        json!({ "action": "invite_user", "login": "newcomer", "email": "newcomer@example.com" });
    assert_eq!(admin_event::handle(&w.recovery, &invite, root, "r2").await["status"], "invited");
    let token = token_in(&w).await;
    let first = w.recovery.set_password(change(&token, BREACHED, BREACHED)).await;
    assert!(matches!(first, Err(SetPasswordError::WeakPassword(_))), "{first:?}");
    assert_eq!(api.asked().len(), 2);
}

/// A range API that never answers holds the reset for the time-out (1.5 s,
/// on tokio's paused clock), no longer; then the password goes through
/// (fail open, the default) or is refused as unavailable (fail closed).
#[tokio::test(start_paused = true)]
async fn a_range_api_that_hangs_costs_the_time_out_and_fails_open_or_closed() {
    for fail_closed in [false, true] {
        let mut settings = recovery_testing::settings();
        settings.breach_check.fail_closed = fail_closed;
        let api = Arc::new(RangeStandIn::knowing(&[BREACHED]));
        let w = checked(world_with(RecoverySettings { ..settings }).await, &api).await;
        request(&w, "ada").await;
        let token = token_in(&w).await;
        api.hang();
        let started = tokio::time::Instant::now();
        let result = w.recovery.set_password(change(&token, BREACHED, BREACHED)).await;
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(1_500) && took < Duration::from_millis(1_600),
            "{took:?}"
        );
        if fail_closed {
            assert!(matches!(result, Err(SetPasswordError::Dependency(_))), "{result:?}");
        } else {
            assert!(result.is_ok(), "let through: {result:?}");
        }
    }
    // One that answers with an error is the same.
    let api = Arc::new(RangeStandIn::knowing(&[]));
    let w = checked(world().await, &api).await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    api.fail();
    w.recovery
        .set_password(change(&token, "an unbreached one 7", "an unbreached one 7"))
        .await
        .unwrap();
}
