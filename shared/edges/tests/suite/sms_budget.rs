//! SMS that cannot run up a bill: each text's estimated cost is counted
//! against the day's and the month's budgets before it goes out, in
//! shards no write can push past the budget; at the budget texts stop for
//! everyone until the period ends, and the phone path asks for an email
//! address instead, alike for every number.

use lambda_http::http::StatusCode;
use recovery_core::flows::{
    Caller, Delivered, Delivery, ResetRequestOutcome, SPEND_SHARDS, Spend, spend_counter,
};
use recovery_core::ports::{SharedCounters, SmsHolds, Written};
use recovery_domain::{
    AccountLookup, BudgetPeriod, Clock, Language, SmsBudget, SmsPolicy, SmsSegments,
};
use recovery_edges::http;
use recovery_testing::World;
use recovery_testing::accounts::{IP, phone, world};
use serde_json::Value;

use crate::http::{html_of, post};

/// `w`'s delivery with a daily budget of `usd` dollars.
fn budgeted(w: &World, usd: &str) -> Delivery {
    let budget = SmsBudget { daily: SmsBudget::parse_usd(usd).unwrap(), monthly: None };
    Delivery { sms: SmsPolicy { budget, ..Default::default() }, ..w.delivery.clone() }
}

async fn ask_code(w: &World, number: u32, language: Language) -> ResetRequestOutcome {
    let caller = Caller { source_ip: IP, language, workspace: None, proof: None };
    w.recovery.request_reset(&AccountLookup::Phone(phone(number)), caller).await.unwrap()
}

#[tokio::test]
async fn texts_stop_at_the_budget_and_the_phone_path_asks_for_email_alike_until_the_day_ends() {
    let w = world().await;
    // German texts cost 0.10 USD a segment: English and German codes one
    // segment (GSM-7), a Russian one two (UCS-2); 0.35 USD holds the first
    // two but not the third.
    let delivery = budgeted(&w, "0.35");
    let mut outcomes = Vec::new();
    for language in [Language::English, Language::German, Language::Russian] {
        assert!(matches!(ask_code(&w, 1, language).await, ResetRequestOutcome::CodeSent(_)));
        let item = w.store.take_new_messages().pop().expect("a code in the outbox");
        outcomes.push(delivery.deliver(&item).await.expect("nothing handed back"));
    }
    assert!(matches!(outcomes[0], Delivered::Sent { .. }), "{outcomes:?}");
    assert!(matches!(outcomes[1], Delivered::Sent { .. }), "{outcomes:?}");
    assert_eq!(outcomes[2], Delivered::Refused { reason: "SmsBudgetReached".into() });
    let sent = w.sms.sent();
    let segments: Vec<u32> = sent.iter().map(|t| SmsSegments::of(&t.text).segments).collect();
    assert_eq!(segments, [1, 1], "the two that fit went out");
    let counter = spend_counter(BudgetPeriod::Day, w.clock.now());
    let spent: u64 = w.store.read_shards(&counter).await.unwrap().iter().sum();
    assert_eq!(spent, 200_000, "what went out is counted; what did not, not");

    // Texts are held until midnight UTC: a known and an unknown number are
    // answered alike, and nothing is stored or sent.
    w.clock.advance(1);
    for number in [1, 9] {
        let outcome = ask_code(&w, number, Language::English).await;
        assert_eq!(outcome, ResetRequestOutcome::SmsUnavailable);
    }
    assert!(w.store.take_new_messages().is_empty());
    let mut answers = Vec::new();
    for number in [1, 9] {
        let body = format!("{{\"login\":\"{}\"}}", phone(number).as_e164());
        let response =
            http::forgot_password(&w.recovery, post("/password/forgot", JSON, &body)).await;
        answers.push((response.status(), response.into_body().to_vec()));
    }
    assert_eq!(answers[0], answers[1], "byte for byte");
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    let json: Value = serde_json::from_slice(&answers[0].1).unwrap();
    assert_eq!(json["next"], "use_email");
    let body = format!("login=%2B{}", &phone(1).as_e164()[1..]);
    let page = http::forgot_password(&w.recovery, post("/password/forgot", FORM, &body)).await;
    let html = html_of(&page);
    assert!(html.contains("We cannot send text messages right now"), "{html}");
    assert!(html.contains("name=\"login\""), "the form, to enter an email address: {html}");

    // The next day texts go again.
    let midnight = BudgetPeriod::Day.ends(w.clock.now());
    w.clock.set(midnight);
    assert!(matches!(ask_code(&w, 1, Language::English).await, ResetRequestOutcome::CodeSent(_)));
    let item = w.store.take_new_messages().pop().expect("a code");
    assert!(matches!(delivery.deliver(&item).await, Ok(Delivered::Sent { .. })));
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// The shards: a text's cost lands in one at random, or in parts over
/// those with room when that one is full; the whole never passes the
/// budget, and stops less than one text short of it.
#[tokio::test]
async fn the_spend_never_passes_the_budget_however_its_shards_fill() {
    let w = world().await;
    let guard = &w.delivery.guard;
    let now = w.clock.now();
    // 3.20 USD over 32 shards: 0.10 each.
    let budget = SmsBudget { daily: Some(3_200_000), monthly: Some(1_000_000_000) };
    assert_eq!(SPEND_SHARDS.count(), 32);
    let Spend::Spent(taken) = guard.spend(&budget, 150_000, now).await.unwrap() else {
        panic!("room for it")
    };
    let day: Vec<(u16, u64)> = taken[0].1.clone();
    assert_eq!(day.len(), 2, "0.15 USD is more than one shard's share: {day:?}");
    assert_eq!(day.iter().map(|(_, part)| part).sum::<u64>(), 150_000);
    let mut spends = 1;
    while let Spend::Spent(_) = guard.spend(&budget, 100_000, now).await.unwrap() {
        spends += 1;
        assert!(spends < 40, "the budget holds 32 at most");
    }
    let counter = spend_counter(BudgetPeriod::Day, now);
    let spent: u64 = w.store.read_shards(&counter).await.unwrap().iter().sum();
    assert!(spent <= 3_200_000 && spent > 3_100_000, "{spent}");
    // The month counted the same texts, and nothing of the refused one.
    let month: u64 =
        w.store.read_shards(&spend_counter(BudgetPeriod::Month, now)).await.unwrap().iter().sum();
    assert_eq!(month, spent);
    // And the warning was given once, on the way.
    let notice = format!("sms-budget-80#{}", BudgetPeriod::Day.key(now));
    assert_eq!(w.store.take_notice(&notice, now).await.unwrap(), Written::Stale);
    let notice = format!("sms-budget-80#{}", BudgetPeriod::Month.key(now));
    assert_eq!(w.store.take_notice(&notice, now).await.unwrap(), Written::Done, "not the month's");
    // A text that did not go out is given back.
    let Spend::Spent(taken) = guard.spend(&budget, 1, now.plus_seconds(86_400)).await.unwrap()
    else {
        panic!("a new day")
    };
    guard.give_back(Spend::Spent(taken)).await;
    let tomorrow = spend_counter(BudgetPeriod::Day, now.plus_seconds(86_400));
    assert_eq!(w.store.read_shards(&tomorrow).await.unwrap().iter().sum::<u64>(), 0);
}
