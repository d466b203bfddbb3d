//! The largest items the template's maximums allow, sized as DynamoDB
//! bills and limits them.

use super::*;
use recovery_core::ports::RateCounter;
use recovery_core::settings::MAX_LIMIT;
use recovery_domain::{AccountLookup, BUCKETS_PER_WINDOW, RateWindow, Tally, Timestamp};

/// The template's limit parameters whose values a counter holds hits for:
/// (name, the largest value it allows), `None` where it sets no maximum.
/// `Api*` and `Edge*` limits are throttles in front of the functions, kept
/// by API Gateway and AWS WAF.
fn limit_maximums() -> Vec<(String, Option<i64>)> {
    let template = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml"),
    )
    .unwrap();
    let mut found: Vec<(String, Option<i64>)> = Vec::new();
    // The parameter (or resource) each line belongs to: a two-space header.
    let mut current = "";
    for line in template.lines() {
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':')) {
            if !name.starts_with(' ') {
                current = name;
                if name.contains("Limit") && !name.starts_with("Api") && !name.starts_with("Edge") {
                    found.push((name.to_owned(), None));
                }
            }
        } else if let Some(max) = line.strip_prefix("    MaxValue: ")
            && let Some(last) = found.last_mut().filter(|(name, _)| name == current)
        {
            last.1 = Some(max.trim().parse().unwrap());
        }
    }
    found
}

/// `item`'s size as DynamoDB counts it: each attribute's name and value;
/// a number one byte per two significant digits and one more; a list three
/// bytes and one per element beside the elements.
fn size(item: &Item) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => {
            let digits = number.trim_start_matches('-').replace('.', "");
            digits.trim_start_matches('0').len().div_ceil(2) + 1
        }
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        other => panic!("no size rule for {other:?}"),
    }
}

#[test]
fn the_template_bounds_every_limit_within_what_a_counter_item_holds() {
    let maximums = limit_maximums();
    let names: Vec<&str> = maximums.iter().map(|(n, _)| n.as_str()).collect();
    for expected in
        ["SmsLimitPerPhoneDay", "SmsLimitPerIpHour", "EmailLimitDay", "ForgotLimitPerIpHour"]
    {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    for (name, max) in &maximums {
        let max = max.unwrap_or_else(|| panic!("{name} has no MaxValue"));
        assert!(max <= MAX_LIMIT, "{name} allows {max}, past {MAX_LIMIT}");
    }
}

#[test]
fn the_largest_counter_the_template_allows_stays_under_40_kb() {
    let most = limit_maximums().iter().filter_map(|(_, m)| *m).max().unwrap();
    let most = u32::try_from(most).unwrap();
    // The longest key: an email address of 254 characters, as typed.
    let email = format!("{}@{}.example", "a".repeat(64), "b".repeat(180));
    let key = CounterKey::typed(&AccountLookup::parse(&email).unwrap());
    let counter = RateCounter { key, hits: Tally::default(), version: i64::MAX - 1 };
    // Every window a limit has (a quarter hour, an hour, a day), each at
    // the template's largest limit, a hit every second until the year 2286
    // (ten-digit epoch seconds): each window's intervals, and the one it
    // reaches into, full.
    let windows: Vec<RateWindow> =
        [900, 3600, 86_400].map(|seconds| RateWindow { seconds, max: most }).to_vec();
    let last = 9_999_999_999;
    let mut hits = Tally::default();
    for window in &windows {
        for back in 0..=BUCKETS_PER_WINDOW {
            let bucket = window.bucket(last - back * window.width());
            hits.insert(bucket, most);
        }
    }
    hits.last = Some(last);
    let largest = size(&counter_item(&counter, &hits, Timestamp::from_epoch_seconds(last)));
    assert!(largest < 40 * 1024, "{largest} bytes");
    // Its size comes from the windows, not from the limits: a counter at
    // the largest limit is the size of one at a limit of one, to the digit
    // count of its intervals' hits.
    let mut ones = Tally::default();
    ones.last = hits.last;
    for (bucket, _) in hits.buckets() {
        ones.insert(*bucket, 1);
    }
    let small = size(&counter_item(&counter, &ones, Timestamp::from_epoch_seconds(last)));
    assert!(largest - small <= 3 * hits.buckets().len() + 3, "{largest} against {small}");
}
