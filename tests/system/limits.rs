//! The limits of `POST /password/forgot` and of the On-Premise reset form,
//! black box: HTTP (or API Gateway's event through the Invoke API, where
//! the caller's address matters) to the functions under `cargo lambda
//! watch`, on a table of their own.

use recovery_testing::token_from;
use serde_json::{Value, json};
use system_tests::*;

fn forgot(f: &Functions, typed: &str) -> HttpResponse {
    post_json(&f.forgot_url(), &json!({ "login": typed }))
}

fn new_password(token: &str) -> Value {
    json!({
        "token": token,
        "password": "a new passphrase 2",
        "password_confirmation": "a new passphrase 2",
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_five_requests_for_one_login_send_one_email_and_its_link_still_works() {
    let f = Functions::start(&[]);
    let login = unique("flooded");
    let address = format!("{login}@recovery.test");
    create(&f.table, account(&login).password("the old password 1")).await;
    let statuses: Vec<u16> = (0..25).map(|_| forgot(&f, &login).status).collect();
    // Three requests in 15 minutes for what was typed; the second and third
    // came within a minute of the link and sent nothing.
    assert_eq!(&statuses[..3], &[202; 3]);
    assert!(statuses[3..].iter().all(|&s| s == 429), "{statuses:?}");
    let limited = forgot(&f, &login);
    assert_eq!(limited.json()["error"], "rate_limited");
    let retry_after: i64 = limited.header("retry-after").unwrap().parse().unwrap();
    // Until the first hit's 15-second interval leaves the quarter hour.
    assert!((800..=914).contains(&retry_after), "{retry_after}");
    f.settle();
    let emails = emails_to(&address);
    assert_eq!(emails.len(), 1, "at most 3, and here one");
    let link = emails[0].link_starting_with(RESET_PAGE_URL).unwrap();
    let token = token_from(&link).unwrap();
    let done = post_json(&f.reset_url(), &new_password(&token));
    assert_eq!(done.status, 200, "{}", done.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn known_and_unknown_identifiers_meet_their_limits_at_the_same_counts_alike() {
    let f = Functions::start(&[]);
    let known = unique("known");
    create(&f.table, account(&known).password("the old password 1")).await;
    let unknown = unique("unknown");
    let pairs = [
        (known.clone(), unknown.clone()),
        (format!("{known}@recovery.test"), format!("{unknown}@recovery.test")),
    ];
    for (known, unknown) in &pairs {
        for round in 0..5 {
            let (a, b) = (forgot(&f, known), forgot(&f, unknown));
            assert_eq!(a.status, if round < 3 { 202 } else { 429 }, "{known}");
            // Byte for byte, but for when to try again, which counts from
            // the 15-second interval of each identifier's own first request:
            // two asked a moment apart may fall either side of an interval's
            // edge, so Retry-After (and the minutes the message rounds it
            // to) may differ by one interval and a second.
            let strip = |r: &HttpResponse| {
                let (status, headers, body) = r.comparable();
                let headers: Vec<_> =
                    headers.into_iter().filter(|(n, _)| n != "retry-after").collect();
                let body = String::from_utf8(body).unwrap().replace("16 minutes", "15 minutes");
                (status, headers, body)
            };
            assert_eq!(strip(&a), strip(&b), "{known} vs {unknown}, round {round}");
            if a.status == 429 {
                let seconds =
                    |r: &HttpResponse| -> i64 { r.header("retry-after").unwrap().parse().unwrap() };
                assert!((seconds(&a) - seconds(&b)).abs() <= 16);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ipv6_caller_rotating_through_its_slash_64_is_one_caller() {
    let f = Functions::start(&[("FORGOT_LIMIT_PER_IP_HOUR", "5")]);
    // What API Gateway hands the function, with the caller's address it saw.
    let from = |ip: &str, typed: &str| -> Value {
        f.invoke(
            "request-reset",
            &http_event("POST", "/password/forgot", "", Some(json!({ "login": typed })), ip),
        )
    };
    for n in 1..=5 {
        let answer = from(&format!("2001:db8:aa:bb:{n:x}:{n:x}::1"), &unique("someone"));
        assert_eq!(answer["statusCode"], 202, "{answer}");
    }
    let limited = from("2001:db8:aa:bb:ffff::9", &unique("someone"));
    assert_eq!(limited["statusCode"], 429, "{limited}");
    let body: Value = serde_json::from_str(limited["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"], "rate_limited");
    let phone = from("2001:db8:aa:bb::77", &unique_phone());
    assert_eq!(phone["statusCode"], 429, "phone requests count too");
    // The next /64 is another caller.
    let next = from("2001:db8:aa:bc::1", &unique("someone"));
    assert_eq!(next["statusCode"], 202, "{next}");
}

/// Behind the CloudFront distribution (`EDGE_SECRET_ARN` set, as the
/// template sets it with `CloudFront` true), every request comes from an
/// edge: the address limit counts the viewer CloudFront names, on requests
/// that carry the distribution's secret, read from Secrets Manager; a
/// viewer address without it counts as the edge.
#[tokio::test(flavor = "multi_thread")]
async fn behind_the_distribution_the_address_limit_counts_the_viewer() {
    const SECRET: &str = "an-origin-secret-of-forty-eight-letters-and-dash";
    let sdk = sdk_config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let arn =
        local_stack::ensure_secret(&secrets, "recovery-test-edge", Some(SECRET)).await.unwrap();
    let f = Functions::start(&[("FORGOT_LIMIT_PER_IP_HOUR", "2"), ("EDGE_SECRET_ARN", &arn)]);
    let edge = "198.51.100.20";
    let from = |viewer: &str, secret: &str| -> u64 {
        let body = json!({ "login": unique("someone") });
        let mut event = http_event("POST", "/password/forgot", "", Some(body), edge);
        event["headers"]["cloudfront-viewer-address"] = json!(viewer);
        if !secret.is_empty() {
            event["headers"]["x-origin-verify"] = json!(secret);
        }
        f.invoke("request-reset", &event)["statusCode"].as_u64().unwrap()
    };
    assert_eq!([from("203.0.113.21:5000", SECRET), from("203.0.113.21:5001", SECRET)], [202, 202]);
    assert_eq!(from("203.0.113.21:5002", SECRET), 429, "the viewer's third");
    assert_eq!(from("2001:db8:21::1:443", SECRET), 202, "another viewer, the same edge");
    // Without the secret, the viewer address is the caller's own writing:
    // these count as the edge, which has room for two.
    let forged = "not-the-secret-but-just-as-long-as-the-real-one--";
    assert_eq!([from("203.0.113.22:1", forged), from("203.0.113.23:1", "")], [202, 202]);
    assert_eq!(from("203.0.113.24:1", forged), 429, "the edge's third");
}

#[tokio::test(flavor = "multi_thread")]
async fn on_premise_needs_the_login_on_every_post_and_five_wrong_ones_burn_the_link() {
    let f = Functions::start(&[("EDITION", "on_premise")]);
    let login = unique("onprem");
    let address = format!("{login}@recovery.test");
    create(&f.table, account(&login).password("the old password 1")).await;
    assert_eq!(forgot(&f, &login).status, 202);
    f.settle();
    let link = emails_to(&address)[0].link_starting_with(RESET_PAGE_URL).unwrap();
    let token = token_from(&link).unwrap();
    let without = post_json(&f.reset_url(), &new_password(&token));
    assert_eq!(without.status, 400);
    assert_eq!(without.json()["error"], "missing_field");
    let with = |typed: &str| {
        let mut body = new_password(&token);
        body["login"] = json!(typed);
        post_json(&f.reset_url(), &body)
    };
    for _ in 0..5 {
        let wrong = with("somebody-else");
        assert_eq!(wrong.status, 400);
        assert_eq!(wrong.json()["error"], "invalid_token");
    }
    let burned = with(&login);
    assert_eq!(burned.status, 400, "the fifth wrong login burned the link");
    assert_eq!(burned.json()["error"], "invalid_token");
}

/// Many people behind one address (a campus, a company's NAT) asking at
/// once race on that address's counter; they wait their turn rather than
/// get a 429 while the address is within its limit.
#[tokio::test(flavor = "multi_thread")]
async fn requests_from_one_address_at_the_same_moment_all_get_through() {
    let f = functions();
    let statuses: Vec<Vec<u16>> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    (0..3)
                        .map(|n| {
                            let typed = if n == 1 {
                                unique_phone()
                            } else {
                                format!("{}@recovery.test", unique("crowd"))
                            };
                            forgot(f, &typed).status
                        })
                        .collect()
                })
            })
            .collect();
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });
    assert!(statuses.iter().flatten().all(|&s| s == 202), "{statuses:?}");
}
