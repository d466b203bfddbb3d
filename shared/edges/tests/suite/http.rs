//! The HTTP handlers over the in-memory ports.

use std::collections::HashMap;
use std::time::Duration;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt};
use recovery_edges::config::{Edition, ForgotLimits, RecoverySettings};
use recovery_edges::http;
use serde_json::{Value, json};

use recovery_testing::World;

use recovery_core::flows::{PasswordChange, SetPasswordError};
use recovery_testing::accounts::{change, request, token_in, world, world_with};

/// The world of the tests, with the On-Premise edition.
async fn on_premise_world() -> World {
    world_with(RecoverySettings { edition: Edition::OnPremise, ..recovery_testing::settings() })
        .await
}

pub(crate) fn post(path: &str, content_type: &str, body: &str) -> Request {
    let mut req = Request::new(Body::Text(body.to_owned())).with_raw_http_path(path);
    *req.method_mut() = Method::POST;
    req.headers_mut().insert("content-type", content_type.parse().unwrap());
    req
}

/// `POST /password/forgot` with the JSON `body`.
async fn forgot_json(w: &World, body: &str) -> lambda_http::Response<Body> {
    http::forgot_password(&w.recovery, post("/password/forgot", "application/json", body)).await
}

pub(crate) fn body_json(response: &lambda_http::Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap()
}

#[tokio::test]
async fn forgot_answers_202_alike_for_every_account() {
    let w = world().await;
    let mut answers = Vec::new();
    for login in ["ada", "grace", "linus", "nobody", "nobody@example.com"] {
        let response = forgot_json(&w, &json!({ "login": login }).to_string()).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        answers.push((format!("{:?}", response.headers()), response.body().as_ref().to_vec()));
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]));
}

#[tokio::test(start_paused = true)]
async fn forgot_waits_for_the_response_floor() {
    let w = world_with(RecoverySettings {
        forgot_response_floor: Duration::from_millis(300),
        ..recovery_testing::settings()
    })
    .await;
    let started = tokio::time::Instant::now();
    forgot_json(&w, r#"{"login":"nobody"}"#).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

/// A 429 decided by the caller's address alone says nothing about an
/// account and comes at once; one decided by what was typed waits for the
/// floor like every other answer to what was typed.
#[tokio::test(start_paused = true)]
async fn an_address_limited_refusal_does_not_wait_for_the_floor() {
    let floor = Duration::from_millis(300);
    for (limits, second, waits) in [
        (ForgotLimits::new(3, 10, 1), "someone-else", false),
        (ForgotLimits::new(1, 10, 100), "ada", true),
    ] {
        let w = world_with(RecoverySettings {
            forgot_response_floor: floor,
            limits,
            ..recovery_testing::settings()
        })
        .await;
        forgot_json(&w, r#"{"login":"ada"}"#).await;
        let started = tokio::time::Instant::now();
        let refused = forgot_json(&w, &json!({ "login": second }).to_string()).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body_json(&refused)["error"], "rate_limited");
        assert_eq!(started.elapsed() >= floor, waits, "{second}");
    }
}

#[tokio::test]
async fn the_on_premise_form_shows_the_check_string_and_requires_the_login() {
    let w = on_premise_world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let mut get = Request::new(Body::Empty)
        .with_raw_http_path("/password/reset")
        .with_query_string_parameters(HashMap::from([("token".to_owned(), token.clone())]));
    *get.method_mut() = Method::GET;
    let page = http::reset_password(&w.recovery, get).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = String::from_utf8_lossy(page.body().as_ref()).into_owned();
    assert!(html.contains("Check string"));
    assert!(html.contains(&format!("value=\"{token}\" readonly")));
    assert!(html.contains("name=\"login\""));
    assert!(html.contains("Change password"));

    let without_login = http::reset_password(
        &w.recovery,
        post(
            "/password/reset",
            "application/x-www-form-urlencoded",
            &format!(
                "token={token}&password=new+passphrase+2&password_confirmation=new+passphrase+2"
            ),
        ),
    )
    .await;
    assert_eq!(without_login.status(), StatusCode::BAD_REQUEST);
    let done = http::reset_password(
        &w.recovery,
        post("/password/reset", 
            "application/x-www-form-urlencoded",
            &format!("token={token}&login=ada&password=new+passphrase+2&password_confirmation=new+passphrase+2"),
        ),
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
}

#[tokio::test]
async fn on_premise_json_needs_the_login_and_five_wrong_ones_burn_the_link() {
    let w = on_premise_world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let submit = |login: Option<&str>| {
        let mut body = json!({
            "token": token,
            "password": "new passphrase 2",
            "password_confirmation": "new passphrase 2",
        });
        if let Some(login) = login {
            body["login"] = json!(login);
        }
        post("/password/reset", "application/json", &body.to_string())
    };
    let without = http::reset_password(&w.recovery, submit(None)).await;
    assert_eq!(without.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&without)["error"], "missing_field");
    for wrong in ["bob", "grace", "ada@example.org", "nobody", "+4915100000009"] {
        let answer = http::reset_password(&w.recovery, submit(Some(wrong))).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{wrong}");
        assert_eq!(body_json(&answer)["error"], "invalid_token");
    }
    // The right login, too late: the fifth wrong one burned the link.
    let burned = http::reset_password(&w.recovery, submit(Some("ada"))).await;
    assert_eq!(body_json(&burned)["error"], "invalid_token");
    assert_eq!(w.store.token_count(), 0);
}

/// The rule is the flow's: any caller of an On-Premise service names the
/// account beside the link, and a change without it touches nothing.
#[tokio::test]
async fn on_premise_the_flow_needs_the_login_whoever_calls_it() {
    let w = on_premise_world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let refused =
        w.recovery.set_password(change(&token, "new passphrase 2", "new passphrase 2")).await;
    assert!(matches!(refused, Err(SetPasswordError::LoginRequired)));
    let named = PasswordChange {
        login: Some("ada".into()),
        ..change(&token, "new passphrase 2", "new passphrase 2")
    };
    assert!(w.recovery.set_password(named).await.is_ok());
}

#[tokio::test]
async fn four_wrong_logins_leave_the_link_working() {
    let w = on_premise_world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let submit = |login: &str| {
        post(
            "/password/reset",
            "application/json",
            &json!({
                "token": token,
                "login": login,
                "password": "new passphrase 2",
                "password_confirmation": "new passphrase 2",
            })
            .to_string(),
        )
    };
    for _ in 0..4 {
        let answer = http::reset_password(&w.recovery, submit("bob")).await;
        assert_eq!(body_json(&answer)["error"], "invalid_token");
    }
    let done = http::reset_password(&w.recovery, submit("ada@example.com")).await;
    assert_eq!(done.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_store_outage_is_a_503_in_the_documented_shape() {
    let w = world().await;
    w.store.fail_from_now();
    let response = http::forgot_password(
        &w.recovery,
        post("/password/forgot", "application/json", r#"{"login":"ada"}"#),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(&response)["error"], "service_unavailable");
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn weak_passwords_list_their_reasons() {
    let w = world().await;
    request(&w, "ada").await;
    let token = token_in(&w).await;
    let response = http::reset_password(
        &w.recovery,
        post(
            "/password/reset",
            "application/json",
            &json!({ "token": token, "password": "short", "password_confirmation": "short" })
                .to_string(),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = body_json(&response);
    assert_eq!(body["error"], "weak_password");
    assert_eq!(body["reasons"][0]["code"], "too_short");
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn a_limited_forgot_says_when_in_whole_minutes_and_the_header_to_the_second() {
    let w = world().await;
    let mut last = None;
    for _ in 0..4 {
        let response = forgot_json(&w, r#"{"login":"nobody"}"#).await;
        w.clock.advance(1);
        last = Some(response);
    }
    let limited = last.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    // The first hit's 15-second interval leaves the quarter hour 914 s
    // after it began; three seconds have passed.
    assert_eq!(limited.headers()["retry-after"], "911");
    assert_eq!(body_json(&limited)["message"], "Too many requests. Try again in 16 minutes.");
}

/// An API Gateway event whose body is marked base64 and does not decode:
/// lambda_http's own conversion would panic; mended, it is a request the
/// handler answers `400 malformed_body`.
#[tokio::test]
async fn a_body_marked_base64_that_does_not_decode_is_a_400() {
    let w = world().await;
    let event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/password/forgot",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "x-recovery-undecodable-body": "forged"},
        "requestContext": {
            "http": {"method": "POST", "path": "/password/forgot", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "t"},
            "requestId": "r", "routeKey": "$default", "stage": "$default", "accountId": "1", "apiId": "a",
            "domainName": "d", "domainPrefix": "d", "time": "t", "timeEpochMillis": 0
        },
        "body": "{not base64!}",
        "isBase64Encoded": true
    });
    let payload = || -> lambda_http::request::LambdaRequest {
        serde_json::from_value(event.clone()).unwrap()
    };
    let unmended = std::panic::catch_unwind(|| Request::from(payload()));
    assert!(unmended.is_err(), "lambda_http no longer panics here");
    let mut mended = payload();
    http::mend(&mut mended);
    let response = http::forgot_password(&w.recovery, Request::from(mended)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&response)["error"], "malformed_body");
    // A mark sent from outside is removed: a body that decodes is read.
    let mut event = event.clone();
    event["body"] = json!(base64_of(r#"{"login":"ada"}"#));
    let mut good: lambda_http::request::LambdaRequest = serde_json::from_value(event).unwrap();
    http::mend(&mut good);
    let response = http::forgot_password(&w.recovery, Request::from(good)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

pub(crate) fn get(path: &str, query: &[(&str, &str)], accept_language: Option<&str>) -> Request {
    let mut req = Request::new(Body::Empty).with_raw_http_path(path).with_query_string_parameters(
        query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<HashMap<_, _>>(),
    );
    *req.method_mut() = Method::GET;
    if let Some(value) = accept_language {
        req.headers_mut().insert("accept-language", value.parse().unwrap());
    }
    req
}

pub(crate) fn html_of(response: &lambda_http::Response<Body>) -> String {
    String::from_utf8_lossy(response.body().as_ref()).into_owned()
}

#[tokio::test]
async fn pages_speak_the_browsers_language_and_offer_the_others() {
    let w = world().await;
    for (accept, lang, title) in [
        (None, "en", "Forgot password"),
        (Some("de-AT, de;q=0.9, en;q=0.5"), "de", "Passwort vergessen"),
        (Some("fr, ru;q=0.8"), "ru", "Забыли пароль"),
        (Some("fr, it"), "en", "Forgot password"),
    ] {
        let page = http::forgot_password(&w.recovery, get("/password/forgot", &[], accept)).await;
        let html = html_of(&page);
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{accept:?}");
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{accept:?}");
        assert!(html.contains(&format!("name=\"lang\" type=\"hidden\" value=\"{lang}\"")));
        for (code, name) in [("en", "English"), ("de", "Deutsch"), ("ru", "Русский")] {
            assert!(
                html.contains(&format!(
                    "href=\"forgot?lang={code}\" hreflang=\"{code}\" lang=\"{code}\""
                )),
                "the switch links {code}"
            );
            assert!(html.contains(&format!(">{name}</a>")));
        }
        assert!(html.contains(&format!("lang=\"{lang}\" aria-current=\"true\"")));
    }
    // A language picked on the switch wins over the browser's.
    let picked =
        http::forgot_password(&w.recovery, get("/password/forgot", &[("lang", "ru")], Some("de")))
            .await;
    assert!(html_of(&picked).contains("<h1>Забыли пароль</h1>"));
}

#[tokio::test]
async fn a_form_answers_in_the_language_it_was_shown_in() {
    let w = world().await;
    let sent = http::forgot_password(
        &w.recovery,
        post("/password/forgot", "application/x-www-form-urlencoded", "lang=de&login=ada"),
    )
    .await;
    assert!(html_of(&sent).contains("<h1>Sehen Sie in Ihr Postfach</h1>"));
    let code = http::forgot_password(
        &w.recovery,
        post(
            "/password/forgot",
            "application/x-www-form-urlencoded",
            "lang=ru&login=%2B4915112345678",
        ),
    )
    .await;
    let html = html_of(&code);
    assert!(html.contains("Код действует 60 секунд."), "{html}");
    assert!(
        html.contains("href=\"code?phone=%2B4915112345678&#38;until=1800000060&#38;lang=de\""),
        "{html}"
    );

    let token = {
        request(&w, "ada").await;
        token_in(&w).await
    };
    let weak = http::reset_password(
        &w.recovery,
        post(
            "/password/reset",
            "application/x-www-form-urlencoded",
            &format!("lang=de&token={token}&password=ada&password_confirmation=ada"),
        ),
    )
    .await;
    let html = html_of(&weak);
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Wählen Sie ein anderes Passwort."), "{html}");
    assert!(html.contains("<li>Verwenden Sie mindestens"), "{html}");
    // The JSON API keeps its English sentences for programs.
    let json = forgot_json(&w, r#"{"login": ""}"#).await;
    assert!(body_json(&json)["message"].as_str().unwrap().starts_with("Enter your login"));
}

/// `POST /password/forgot` as API Gateway hands it over: from `source`, with
/// `headers`, for a login no request asked for before (so only the address
/// limits meet).
fn forgot_from(source: &str, headers: &[(&str, &str)]) -> Request {
    static ASKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = ASKED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let headers: serde_json::Map<String, Value> =
        headers.iter().map(|(name, value)| ((*name).to_owned(), json!(value))).collect();
    let event = json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/password/forgot", "rawQueryString": "",
        "headers": Value::Object(headers),
        "requestContext": {
            "http": {"method": "POST", "path": "/password/forgot", "protocol": "HTTP/1.1", "sourceIp": source, "userAgent": "t"},
            "requestId": "r", "routeKey": "$default", "stage": "$default", "accountId": "1", "apiId": "a",
            "domainName": "d", "domainPrefix": "d", "time": "t", "timeEpochMillis": 0
        },
        "body": json!({ "login": format!("nobody{n}") }).to_string(),
        "isBase64Encoded": false
    });
    let mut req = Request::from(
        serde_json::from_value::<lambda_http::request::LambdaRequest>(event).unwrap(),
    );
    req.headers_mut().insert("content-type", "application/json".parse().unwrap());
    req
}

/// Behind the CloudFront distribution every request comes from one of its
/// edges; the address limit counts the viewer it names, and only on a
/// request that carries its secret (either version held). Without the
/// secret, a viewer address is anyone's writing and counts for nothing.
#[tokio::test]
async fn behind_the_distribution_the_viewer_is_the_caller_only_with_its_secret() {
    use recovery_core::flows::{KeySet, Keys, Versions};
    use recovery_domain::OriginSecret;
    let (current, previous) = ("c".repeat(48), "p".repeat(48));
    let secret = |text: &str| OriginSecret::new(text.as_bytes().to_vec()).unwrap();
    let origin = Versions { current: secret(&current), previous: Some(secret(&previous)) };
    let keys = KeySet { origin: Some(origin), ..recovery_testing::keys() };
    // Two forgot requests an hour from one address.
    let limits = ForgotLimits::new(3, 10, 2);
    let w = world_with(RecoverySettings { limits: limits.clone(), ..recovery_testing::settings() })
        .await;
    let behind = (*w.recovery).clone().with_keys(Keys::ready(keys));
    let edge = "198.51.100.1";
    let status = |recovery, headers: &[(&str, &str)]| {
        let req = forgot_from(edge, headers);
        async move { http::forgot_password(recovery, req).await.status() }
    };
    let viewer =
        |address| [("x-origin-verify", current.as_str()), ("cloudfront-viewer-address", address)];
    for _ in 0..2 {
        assert_eq!(status(&behind, &viewer("203.0.113.5:40001")).await, StatusCode::ACCEPTED);
    }
    assert_eq!(status(&behind, &viewer("203.0.113.5:40002")).await, StatusCode::TOO_MANY_REQUESTS);
    // Another viewer through the same edge is another caller; the previous
    // version of the secret still names it.
    let rotated =
        [("x-origin-verify", previous.as_str()), ("cloudfront-viewer-address", "203.0.113.6:1")];
    assert_eq!(status(&behind, &rotated).await, StatusCode::ACCEPTED);
    // A viewer address with a wrong secret, or none, counts as the edge.
    let forged = [
        ("x-origin-verify", "x".repeat(48)),
        ("cloudfront-viewer-address", "203.0.113.7:1".into()),
    ];
    let forged: Vec<(&str, &str)> = forged.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(status(&behind, &forged).await, StatusCode::ACCEPTED);
    assert_eq!(
        status(&behind, &[("cloudfront-viewer-address", "203.0.113.8:1")]).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(status(&behind, &forged).await, StatusCode::TOO_MANY_REQUESTS);
    // A function not behind a distribution reads no viewer address at all.
    let w = world_with(RecoverySettings { limits, ..recovery_testing::settings() }).await;
    let plain = &*w.recovery;
    assert_eq!(status(plain, &viewer("203.0.113.9:1")).await, StatusCode::ACCEPTED);
    assert_eq!(status(plain, &[]).await, StatusCode::ACCEPTED);
    assert_eq!(status(plain, &viewer("203.0.113.10:1")).await, StatusCode::TOO_MANY_REQUESTS);
}

/// A form posted from a page of another site is refused before it is read,
/// on every route that takes a form; one from the pages themselves, from a
/// browser that sends no `Sec-Fetch-Site` but its own host as `Origin`, or
/// from no browser at all, is read; a JSON body is not checked.
#[tokio::test]
async fn a_form_from_another_site_is_refused_on_every_form_route() {
    let w = world().await;
    let routes = [
        "/password/forgot",
        "/password/forgot-login",
        "/password/code",
        "/password/reset",
        "/password/not-me",
    ];
    let send = |path: &'static str,
                content_type: &'static str,
                headers: Vec<(&'static str, &'static str)>| {
        let mut req = post(path, content_type, "login=ada&contact=ada%40example.com");
        req.headers_mut().insert("host", "id.example.com".parse().unwrap());
        for (name, value) in headers {
            req.headers_mut().insert(name, value.parse().unwrap());
        }
        let w = &w;
        async move {
            let response = match path {
                "/password/forgot" => http::forgot_password(&w.recovery, req).await,
                "/password/forgot-login" => http::forgot_login(&w.recovery, req).await,
                "/password/code" => http::verify_code(&w.recovery, req).await,
                "/password/reset" => http::reset_password(&w.recovery, req).await,
                _ => http::lock_account(&w.recovery, req).await,
            };
            let status = response.status();
            let error = serde_json::from_slice::<Value>(response.body().as_ref())
                .ok()
                .and_then(|body| body["error"].as_str().map(str::to_owned));
            (status, error)
        }
    };
    let form = "application/x-www-form-urlencoded";
    for path in routes {
        let refused = (StatusCode::FORBIDDEN, Some("cross_site_form".to_owned()));
        let cross = vec![("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")];
        assert_eq!(send(path, form, cross).await, refused, "{path}");
        let old_browser = vec![("origin", "https://evil.example")];
        assert_eq!(send(path, form, old_browser).await, refused, "{path}: Origin alone");
        let null = vec![("origin", "null")];
        assert_eq!(send(path, form, null).await, refused, "{path}: a sandboxed page");
        let allowed = [
            vec![("sec-fetch-site", "same-origin"), ("origin", "https://id.example.com")],
            vec![("sec-fetch-site", "none")],
            vec![("origin", "https://id.example.com")],
            vec![],
        ];
        for headers in allowed {
            let (status, error) = send(path, form, headers.clone()).await;
            assert_ne!(status, StatusCode::FORBIDDEN, "{path} {headers:?}: {error:?}");
        }
        // JSON from another site's page is not checked (CORS keeps browsers
        // from sending it).
        let json_cross = vec![("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")];
        let (status, _) = send(path, "application/json", json_cross).await;
        assert_ne!(status, StatusCode::FORBIDDEN, "{path}: JSON");
    }
}

#[tokio::test]
async fn the_well_known_change_password_url_leads_to_the_forgot_page() {
    let w = world().await;
    let answer =
        http::request_reset(&w.recovery, get("/.well-known/change-password", &[], None)).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    assert_eq!(answer.headers()["location"], "/password/forgot");
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let staged = get("/prod/.well-known/change-password", &[], None);
    let staged = http::request_reset(&w.recovery, staged).await;
    assert_eq!(staged.headers()["location"], "/prod/password/forgot");
    let mut posted = get("/.well-known/change-password", &[], None);
    *posted.method_mut() = Method::POST;
    let posted = http::request_reset(&w.recovery, posted).await;
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);
}
