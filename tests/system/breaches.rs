//! Breached passwords refused through the functions: the range API is the
//! local stand-in (`infra/range_standin.py`), reached over HTTP by
//! set-password as it reaches api.pwnedpasswords.com over HTTPS.

use recovery_breaches::RangeApi;
use recovery_core::ports::BreachedPasswords;
use recovery_domain::{BreachQuery, Password};
use recovery_testing::token_from;
use serde_json::json;
use system_tests::*;

/// A fresh link for a new account on `f`: its token.
async fn link_token(f: &Functions) -> String {
    let login = unique("breach");
    create(&f.table, account(&login).password("the old password 1")).await;
    assert_eq!(post_json(&f.forgot_url(), &json!({ "login": login })).status, 202);
    f.settle();
    let email = emails_to(&format!("{login}@recovery.test")).pop().expect("a link");
    token_from(&email.link_starting_with(RESET_PAGE_URL).unwrap()).unwrap()
}

fn reset(f: &Functions, token: &str, password: &str) -> HttpResponse {
    post_json(
        &f.reset_url(),
        &json!({ "token": token, "password": password, "password_confirmation": password }),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_breached_password_is_refused_and_only_five_hex_digits_leave_the_function() {
    let f = functions();
    let token = link_token(f).await;
    let before = range_stand_in().requests().len();
    let refused = reset(f, &token, "breached passphrase 1");
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(refused.json()["error"], "weak_password");
    assert_eq!(refused.json()["reasons"][0]["code"], "breached");
    let changed = reset(f, &token, "a passphrase nobody breached 9");
    assert_eq!(changed.status, 200, "{}", changed.text());
    let asked = range_stand_in().requests();
    let paths: Vec<&str> = asked[before..].iter().map(|(path, _)| path.as_str()).collect();
    for password in ["breached passphrase 1", "a passphrase nobody breached 9"] {
        let prefix = BreachQuery::of(&Password::new(password)).prefix().to_owned();
        assert!(paths.contains(&format!("/range/{prefix}").as_str()), "{paths:?}");
    }
    // Whatever any test sent: five upper-case hex digits, padded.
    for (path, padding) in &asked {
        let prefix = path.strip_prefix("/range/").expect("a range request");
        assert!(
            prefix.len() == 5
                && prefix.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()),
            "{path}"
        );
        assert!(padding, "padding asked for");
    }
}

/// A range API that never answers (the stand-in holds the range of
/// "hanging passphrase 1" for a minute) costs the time-out, then the
/// password goes through (open, the default) or is refused (closed).
#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_range_api_costs_the_time_out_and_fails_open_or_closed() {
    let closed = Functions::start(&[
        ("BREACHED_PASSWORDS_TIMEOUT_MS", "500"),
        ("BREACHED_PASSWORDS_FAIL", "closed"),
    ]);
    let held =
        format!("/range/{}", BreachQuery::of(&Password::new("hanging passphrase 1")).prefix());
    for (f, status) in [(functions(), 200), (&closed, 503)] {
        let token = link_token(f).await;
        let answer = reset(f, &token, "hanging passphrase 1");
        assert_eq!(answer.status, status, "{}", answer.text());
        // Answered while the stand-in still holds the range (it does for a
        // minute): the function stopped waiting at its time-out.
        assert!(range_stand_in().unanswered().contains(&held), "the range was answered first");
    }
    assert!(closed.logs().contains("the breach check did not answer; the password is refused"));
}

/// The adapter itself, over HTTP to the stand-in: padded ranges, the
/// breached suffix in the range of its prefix.
#[tokio::test(flavor = "multi_thread")]
async fn the_range_api_adapter_reads_padded_ranges() {
    let api = RangeApi::new(&format!("{}/range/", range_stand_in().base)).unwrap();
    // SHA-1("correct horse battery staple") = ABF7AAD6438836DBE526AA231ABDE2D0EEF74D42.
    let range = api.range("ABF7A").await.unwrap();
    assert!(range.contains("AD6438836DBE526AA231ABDE2D0EEF74D42:3645"));
    assert!(range.lines().count() > 800, "padded");
    let err = api.range("ZZZZZ").await.unwrap_err();
    assert_eq!(err.code, "Status400");
}
