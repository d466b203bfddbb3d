//! The proof of work under pressure: below the thresholds no challenge;
//! above them a request without a solution gets one (`428`), and one with
//! a valid solution goes through, once; a replayed, expired, forged or
//! too easy solution is refused; known and unknown accounts get the same
//! answer; the page solves it with its one script, and a person without
//! JavaScript waits instead.

use lambda_http::Body;
use lambda_http::http::{StatusCode, header};
use recovery_core::settings::ForgotLimits;
use recovery_core::{ChallengeSettings, RecoverySettings};
use recovery_domain::{solve, solves};
use recovery_edges::http;
use recovery_testing::World;
use recovery_testing::accounts::world_with;
use serde_json::{Value, json};

use crate::http::{html_of, post};

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// Challenges from half of any limit (ten link requests per identifier
/// in 15 minutes: from the sixth), or for every code by SMS.
async fn pressed(every_sms: bool) -> World {
    let challenge = ChallengeSettings { at_percent: 50, every_sms, ..ChallengeSettings::default() };
    let limits = ForgotLimits::new(10, 100, 1000).resend_after(0);
    world_with(RecoverySettings { challenge, limits, ..recovery_testing::settings() }).await
}

/// Five requests for `login` (form or JSON): up to half its limit.
async fn five(w: &World, login: &str) {
    for _ in 0..5 {
        forgot(w, json!({ "login": login })).await;
    }
}

async fn forgot(w: &World, body: Value) -> (StatusCode, Value) {
    let response =
        http::forgot_password(&w.recovery, post("/password/forgot", JSON, &body.to_string())).await;
    let status = response.status();
    (status, serde_json::from_slice(&response.into_body()).unwrap())
}

#[tokio::test]
async fn a_challenge_appears_only_under_pressure_and_a_solution_passes_once() {
    let w = pressed(false).await;
    // 0 to 4 of 10: under half.
    for _ in 0..5 {
        assert_eq!(forgot(&w, json!({ "login": "ada" })).await.0, StatusCode::ACCEPTED);
    }
    let emails = w.emails().await.len();
    let (status, asked) = forgot(&w, json!({ "login": "ada" })).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{asked}");
    assert_eq!(asked["error"], "challenge_required");
    let challenge = &asked["challenge"];
    let (token, difficulty) =
        (challenge["token"].as_str().unwrap(), challenge["difficulty"].as_u64().unwrap() as u8);
    assert_eq!(
        (difficulty, challenge["algorithm"].as_str()),
        (16, Some("sha256-leading-zero-bits"))
    );
    assert_eq!(challenge["wait_seconds"], 10);
    let solution = solve(token, difficulty);
    // Too easy: a number that meets fewer bits than asked.
    let easy = (0u64..)
        .map(|n| n.to_string())
        .find(|n| solves(token, n, 8) && !solves(token, n, difficulty))
        .unwrap();
    let (status, _) =
        forgot(&w, json!({ "login": "ada", "challenge": token, "solution": easy })).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    // Forged: the difficulty lowered in the token.
    let forged = token.replacen(&format!(".{difficulty}."), ".8.", 1);
    let cheap = solve(&forged, 8);
    let (status, _) =
        forgot(&w, json!({ "login": "ada", "challenge": forged, "solution": cheap })).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(w.emails().await.len(), emails, "nothing sent while refused");
    // Solved: it goes through, once.
    let (status, done) =
        forgot(&w, json!({ "login": "ada", "challenge": token, "solution": solution })).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{done}");
    let (status, _) =
        forgot(&w, json!({ "login": "ada", "challenge": token, "solution": solution })).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "a replay");
    // Expired: solved, but after its five minutes.
    five(&w, "ada@example.com").await;
    let (_, fresh) = forgot(&w, json!({ "login": "ada@example.com" })).await;
    let fresh_token = fresh["challenge"]["token"].as_str().unwrap().to_owned();
    let fresh_solution =
        solve(&fresh_token, fresh["challenge"]["difficulty"].as_u64().unwrap() as u8);
    w.clock.advance(301);
    let (status, _) = forgot(
        &w,
        json!({ "login": "ada@example.com", "challenge": fresh_token, "solution": fresh_solution }),
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "expired");
}

/// The challenge is decided on the counters before any account is looked
/// at: a login is answered byte for byte alike whether it names an
/// account (`ada`, in the first world) or not (in the second, where it was
/// deleted first).
#[tokio::test]
async fn known_and_unknown_accounts_get_the_same_challenge() {
    use recovery_core::ports::{AccountLifecycle, UserStore};
    let mut answers = Vec::new();
    for known in [true, false] {
        let w = pressed(false).await;
        let login = "ada";
        if !known {
            let ada = recovery_domain::LoginName::parse(login).unwrap();
            let account = w.store.find_by_login(&ada).await.unwrap().unwrap();
            assert_eq!(
                w.store.delete(&account, &[]).await.unwrap(),
                recovery_core::ports::Written::Done
            );
        }
        five(&w, login).await;
        let response = http::forgot_password(
            &w.recovery,
            post("/password/forgot", JSON, &json!({ "login": login }).to_string()),
        )
        .await;
        answers.push((response.status(), response.into_body().to_vec()));
    }
    assert_eq!(answers[0].0, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn every_code_by_sms_may_be_challenged_and_a_link_token_is_not_a_login_reminders() {
    let w = pressed(true).await;
    let (status, asked) = forgot(&w, json!({ "login": "+4915100000001" })).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "the first code asked for");
    let token = asked["challenge"]["token"].as_str().unwrap();
    let solution = solve(token, asked["challenge"]["difficulty"].as_u64().unwrap() as u8);
    // Solved for forgot, it is not one for forgot-login.
    let body = json!({ "contact": "+4915100000001", "challenge": token, "solution": solution });
    let reminded =
        http::forgot_login(&w.recovery, post("/password/forgot-login", JSON, &body.to_string()))
            .await;
    assert_eq!(reminded.status(), StatusCode::PRECONDITION_REQUIRED);
    let (status, _) =
        forgot(&w, json!({ "login": "+4915100000001", "challenge": token, "solution": solution }))
            .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // A login still needs none.
    assert_eq!(forgot(&w, json!({ "login": "ada" })).await.0, StatusCode::ACCEPTED);
}

/// The form's challenge: a page that carries what was typed, allows its
/// one script by hash, and says how long to wait without JavaScript;
/// sent again empty once the wait is over, it goes through.
#[tokio::test]
async fn the_page_solves_by_script_or_by_waiting() {
    let w = pressed(false).await;
    five(&w, "ada").await;
    let page =
        http::forgot_password(&w.recovery, post("/password/forgot", FORM, "login=ada")).await;
    assert_eq!(page.status(), StatusCode::PRECONDITION_REQUIRED);
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    let html = html_of(&page);
    let script = html.split("<script>").nth(1).and_then(|s| s.split("</script>").next()).unwrap();
    assert!(
        csp.ends_with(&format!("; script-src {}", recovery_domain::script_source(script))),
        "{csp}"
    );
    assert!(html.contains("<input name=\"login\" type=\"hidden\" value=\"ada\">"), "{html}");
    assert!(html.contains("Without JavaScript, wait 10 seconds, then press Continue."), "{html}");
    let token = html
        .split("name=\"challenge\" type=\"hidden\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let again = format!("login=ada&challenge={token}&solution=");
    let early = http::forgot_password(&w.recovery, post("/password/forgot", FORM, &again)).await;
    assert_eq!(early.status(), StatusCode::PRECONDITION_REQUIRED, "the wait is not over");
    w.clock.advance(10);
    let waited = http::forgot_password(&w.recovery, post("/password/forgot", FORM, &again)).await;
    assert_eq!(waited.status(), StatusCode::OK);
    assert!(html_of(&waited).contains("Check your email"), "{}", html_of(&waited));
    // No other page has a script.
    let form =
        http::forgot_password(&w.recovery, crate::http::get("/password/forgot", &[], None)).await;
    let csp = form.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(!csp.contains("script-src"), "{csp}");
    let _ = Body::Empty;
}

/// A route busier than five times its baseline challenges every request
/// on it, whatever the counters of each: a botnet from many addresses.
#[tokio::test]
async fn a_surge_on_the_route_challenges_everyone_and_a_quiet_route_no_one() {
    use recovery_core::flows::{route_baseline, route_counter};
    use recovery_core::ports::{Baseline, ShardPart, SharedCounters};
    use recovery_domain::{ChallengeRoute, Clock};
    let challenge = ChallengeSettings { at_percent: 0, ..ChallengeSettings::default() };
    let w = world_with(RecoverySettings { challenge, ..recovery_testing::settings() }).await;
    let now = w.clock.now();
    let minute = now.epoch_seconds().div_euclid(60);
    // Usually 60 a minute; the minute before this one had 200: quiet.
    let usual = Baseline { minute: minute - 2, per_minute_x100: 6_000 };
    let folded = w.store.fold_baseline(&route_baseline(ChallengeRoute::Forgot), usual).await;
    assert_eq!(folded.unwrap(), recovery_core::ports::Written::Done);
    let add = |minute: i64, amount: u64| {
        let counter = route_counter(ChallengeRoute::Forgot, minute);
        let store = w.store.clone();
        async move {
            store
                .add_to_shard(&counter, ShardPart { shard: 3, amount, most: u64::MAX })
                .await
                .unwrap()
        }
    };
    add(minute - 1, 200).await;
    assert_eq!(forgot(&w, json!({ "login": "ada" })).await.0, StatusCode::ACCEPTED);
    // Eleven seconds on (the instance looks again): 301 more in the minute
    // before, 501 in all, over five times 60 a minute.
    w.clock.advance(11);
    add(minute - 1, 301).await;
    let (status, asked) = forgot(&w, json!({ "login": "someone-new" })).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{asked}");
    assert_eq!(asked["challenge"]["difficulty"], 16);
    // The minute folded into the baseline once, a surge counting as at most
    // twice the baseline and the floor above it.
    let folded = w.store.baseline(&route_baseline(ChallengeRoute::Forgot)).await.unwrap().unwrap();
    assert_eq!(folded.minute, minute - 1);
    assert!(
        folded.per_minute_x100 > 6_000 && folded.per_minute_x100 < 6_000 + 18_000 / 16 + 1,
        "{folded:?}"
    );
}
