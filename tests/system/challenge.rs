//! The challenge through the functions: a code by SMS asked for a proof of
//! work (`CHALLENGE_SMS=always`), solved by a JSON caller once, and waited
//! out on the page without JavaScript.

use recovery_domain::solve;
use serde_json::json;
use system_tests::*;

fn challenged() -> Functions {
    Functions::start(&[
        ("CHALLENGE_SMS", "always"),
        ("CHALLENGE_DIFFICULTY", "10"),
        ("CHALLENGE_WAIT_SECONDS", "2"),
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_is_sent_once_its_challenge_is_solved_or_waited_out() {
    let f = challenged();
    let phone = unique_phone();
    create(&f.table, account(&unique("challenged")).phone(&phone).password("the old password 1"))
        .await;
    // JSON: solved once; the same solution again is asked anew.
    let asked = post_json(&f.forgot_url(), &json!({ "login": phone }));
    assert_eq!(asked.status, 428, "{}", asked.text());
    let challenge = &asked.json()["challenge"];
    let token = challenge["token"].as_str().unwrap().to_owned();
    assert_eq!(challenge["difficulty"], 10);
    let solution = solve(&token, 10);
    let solved = json!({ "login": phone, "challenge": token, "solution": solution });
    assert_eq!(post_json(&f.forgot_url(), &solved).status, 202);
    assert_eq!(post_json(&f.forgot_url(), &solved).status, 428, "a replay");
    f.settle();
    assert_eq!(texts_to(&phone).len(), 1);

    // The page without JavaScript: wait the two seconds, press Continue.
    let form = format!("login=%2B{}", &phone[1..]);
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let page = http("POST", &f.forgot_url(), &headers, form.as_bytes());
    assert_eq!(page.status, 428);
    let html = page.text();
    assert!(html.contains("Without JavaScript, wait 2 seconds, then press Continue."), "{html}");
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    let token = html
        .split("name=\"challenge\" type=\"hidden\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let again = format!("{form}&challenge={token}&solution=");
    let mut early = 0;
    eventually("the wait to be over", 30, || {
        let answer = http("POST", &f.forgot_url(), &headers, again.as_bytes());
        early += usize::from(answer.status == 428);
        answer.status == 200 && answer.text().contains("Enter the code")
    });
    assert!(early >= 1, "pressed at once, it asked again");
}
