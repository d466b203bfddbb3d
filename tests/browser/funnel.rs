//! The recovery funnel of a local stack of its own: twenty recoveries run
//! through it (some completed, some abandoned, one bounced, one locked),
//! then exactly those counts on its funnel page (`/local/funnel`, counted
//! from the functions' metrics) and in `recovery_stats` (the table's daily
//! tally); no metric dimension holds anything a person typed or was sent;
//! and the page in Chromium, checked with axe and kept for README.

use std::collections::BTreeMap;

use recovery_core::ports::MessageRef;
use recovery_domain::{Step, Timestamp, Way, tally_day};
use recovery_testing::token_from;
use serde_json::{Value, json};
use system_tests::{LocalStack, http, post_json, ses_notification, unique, unique_phone};

use crate::browser::Browser;
use crate::{DELIVERY, code_in, turn};

const NEW: &str = "a lantern by the river 7";

struct Person {
    login: String,
    email: String,
    phone: String,
}

fn people(stack: &LocalStack, count: usize) -> Vec<Person> {
    let people: Vec<Person> = (0..count)
        .map(|_| {
            let login = unique("funnel");
            Person { email: format!("{login}@funnel.test"), phone: unique_phone(), login }
        })
        .collect();
    let users: Vec<Value> = people
        .iter()
        .map(|p| json!({ "login": p.login, "email": p.email, "phone": p.phone }))
        .collect();
    let answer = stack.admin(&json!({ "action": "import_users", "users": users }));
    assert_eq!(answer["counts"]["created"], count, "{answer}");
    people
}

/// The counts the page shows, by `<way>.<step>` and for the locks.
fn page_counts(stack: &LocalStack) -> BTreeMap<String, u64> {
    let page = http("GET", &format!("{}/local/funnel", stack.base), &[], b"").text();
    let mut counts = BTreeMap::new();
    for cell in page.split("<td id=\"").skip(1) {
        let id = cell.split('"').next().unwrap_or("");
        let Some(count) = cell.split("data-count=\"").nth(1).and_then(|c| c.split('"').next())
        else {
            continue;
        };
        counts.insert(id.to_owned(), count.parse().unwrap_or(0));
    }
    let locked = page.split("<th scope=\"row\">LockTaken</th><td>all</td><td>").nth(1);
    let locked = locked.and_then(|l| l.split('<').next()).and_then(|n| n.parse().ok());
    counts.insert("locked".into(), locked.unwrap_or(0));
    counts
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_recoveries_show_exactly_on_the_funnel_page_and_in_recovery_stats() {
    let stack = LocalStack::start(&[
        ("FORGOT_LIMIT_PER_IP_HOUR", "5000"),
        ("SMS_LIMIT_PER_IP_HOUR", "5000"),
        ("SMS_LIMIT_PER_RANGE_HOUR", "5000"),
        ("CHALLENGE_AT_PERCENT", "0"),
        ("CHALLENGE_ROUTE_MULTIPLE", "0"),
    ]);
    let by_email = people(&stack, 13);
    let by_text = people(&stack, 7);
    // What the stack counted before (its seeding invites a demo account).
    let stats_of = |stack: &LocalStack| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        let now = Timestamp::from_epoch_seconds(now.as_secs() as i64);
        let (from, to) = (tally_day(now.plus_seconds(-86_400)), tally_day(now));
        stack.admin(&json!({ "action": "recovery_stats", "from": from, "to": to }))["stats"].clone()
    };
    let (page_before, stats_before) = (page_counts(&stack), stats_of(&stack));
    let forgot = format!("{}/password/forgot", stack.base);
    let reset = format!("{}/password/reset", stack.base);
    let mut secrets: Vec<String> = Vec::new();

    // Thirteen by email: nine complete (one of them then locks the
    // account from the notice), three abandon the link, one bounces.
    for person in &by_email {
        assert_eq!(post_json(&forgot, &json!({ "login": person.login })).status, 202);
    }
    for (n, person) in by_email.iter().enumerate() {
        let email = stack.wait_for_email(&person.email, 1, DELIVERY);
        let link = email.link_starting_with(&reset).expect("a reset link");
        let token = token_from(&link).expect("its token");
        secrets.push(token.clone());
        if n < 9 {
            assert_eq!(http("GET", &link, &[], b"").status, 200);
            let body = json!({ "token": token, "password": NEW, "password_confirmation": NEW });
            assert_eq!(post_json(&reset, &body).status, 200);
        }
    }
    let locker = &by_email[0];
    let notice = stack.wait_for_email(&locker.email, 2, DELIVERY);
    let lock = notice.link_starting_with(&format!("{}/password/not-me?token=", stack.base));
    let lock_token = token_from(&lock.expect("a lock link")).expect("its token");
    secrets.push(lock_token.clone());
    let locked =
        post_json(&format!("{}/password/not-me", stack.base), &json!({ "token": lock_token }));
    assert_eq!(locked.status, 200, "{}", locked.text());
    let bounced = &by_email[12];
    let listed = stack.admin(&json!({ "action": "list_messages", "login": bounced.login }));
    let message = &listed["messages"][0];
    let user = stack.admin(&json!({ "action": "get_user", "login": bounced.login }));
    let reference = MessageRef {
        user_id: recovery_domain::UserId::from_stored(user["user"]["user_id"].as_str().unwrap()),
        key: message["message"].as_str().expect("a message").to_owned(),
        kind: recovery_messages::MessageKind::from_name(message["kind"].as_str().unwrap()),
    };
    let provider_id = message["provider_id"].as_str().expect("SES's id");
    let notification = ses_notification("bounce", &reference, provider_id, &bounced.email);
    assert_eq!(stack.invoke("deliver", &notification), json!({ "recorded": 1 }), "{listed}");

    // Seven by text: five complete, one after a wrong code; two abandon.
    for person in &by_text {
        assert_eq!(post_json(&forgot, &json!({ "login": person.phone })).status, 202);
    }
    let code_url = format!("{}/password/code", stack.base);
    for (n, person) in by_text.iter().enumerate() {
        let code = code_in(&stack.wait_for_text(&person.phone, 1, DELIVERY));
        secrets.push(code.clone());
        if n >= 5 {
            continue;
        }
        if n == 0 {
            let wrong = if code == "000000" { "111111" } else { "000000" };
            let refused = post_json(&code_url, &json!({ "phone": person.phone, "code": wrong }));
            assert_eq!(refused.status, 400);
        }
        let accepted = post_json(&code_url, &json!({ "phone": person.phone, "code": code }));
        let token = accepted.json()["reset_token"].as_str().expect("a token").to_owned();
        secrets.push(token.clone());
        let body = json!({ "token": token, "password": NEW, "password_confirmation": NEW });
        assert_eq!(post_json(&reset, &body).status, 200);
    }

    let mut script: BTreeMap<String, u64> = BTreeMap::new();
    for way in Way::all() {
        for step in Step::all() {
            script.insert(format!("{}.{}", way.name(), step.name()), 0);
        }
    }
    for (name, count) in [
        ("email_link.requested", 13),
        ("email_link.sent", 13),
        ("email_link.bounced", 1),
        ("email_link.opened", 9),
        ("email_link.password_set", 9),
        ("sms_code.requested", 7),
        ("sms_code.sent", 7),
        ("sms_code.code_refused", 1),
        ("sms_code.code_accepted", 5),
        ("sms_code.password_set", 5),
    ] {
        script.insert(name.into(), count);
    }
    script.insert("locked".into(), 1);
    script.insert("email_link.recovered".into(), 9);
    script.insert("sms_code.recovered".into(), 5);

    // The page: exactly the script's counts more than before it, once the
    // stream has handed every message to deliver.
    let shown_more = |before: &BTreeMap<String, u64>| {
        let shown = page_counts(&stack);
        (script.keys())
            .map(|k| {
                let more = shown
                    .get(k)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(before.get(k).copied().unwrap_or(0));
                (k.clone(), more)
            })
            .collect::<BTreeMap<_, _>>()
    };
    let settled = std::time::Instant::now() + DELIVERY;
    while shown_more(&page_before) != script && std::time::Instant::now() < settled {
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert_eq!(shown_more(&page_before), script, "the funnel page, less what it showed before");

    // The same counts from the table, today's (and yesterday's, should
    // the run have crossed midnight).
    let stats = stats_of(&stack);
    let count = |stats: &Value, name: &str| -> u64 {
        match name.split_once('.') {
            Some((way, "recovered")) => (stats["recovered_within"][way].as_object().unwrap())
                .values()
                .filter_map(Value::as_u64)
                .sum(),
            Some((way, step)) => stats["ways"][way][step].as_u64().unwrap(),
            None => stats[name].as_u64().unwrap(),
        }
    };
    let stats_more: BTreeMap<String, u64> = script
        .keys()
        .map(|k| (k.clone(), count(&stats, k).saturating_sub(count(&stats_before, k))))
        .collect();
    assert_eq!(stats_more, script, "recovery_stats, less what it said before: {stats}");

    // No record the functions wrote holds what a person typed or was sent.
    let records = std::fs::read_to_string(&stack.metrics).expect("the metrics log");
    assert!(records.lines().count() > 60, "{} records", records.lines().count());
    for person in by_email.iter().chain(&by_text) {
        secrets.extend([person.login.clone(), person.email.clone(), person.phone.clone()]);
        secrets.push(person.phone.trim_start_matches('+').to_owned());
    }
    secrets.push(NEW.into());
    for line in records.lines() {
        let record: Value = serde_json::from_str(line).expect("an EMF record is JSON");
        let problems = recovery_edges::metrics::spec_problems(&record);
        assert!(problems.is_empty(), "{problems:?}: {line}");
        for secret in &secrets {
            assert!(!line.contains(secret.as_str()), "a metric record holds {secret:?}: {line}");
        }
    }

    // The page in a browser: axe finds nothing serious; README's picture.
    let _turn = turn().await;
    let mut b = Browser::open("funnel", &stack.base, "en").await;
    let outcome = async {
        b.step("funnel page");
        b.go("/local/funnel").await?;
        b.expect_heading("Recovery funnel").await?;
        b.check_accessibility().await?;
        b.keep("funnel").await
    }
    .await;
    b.finish(outcome).await;
}
