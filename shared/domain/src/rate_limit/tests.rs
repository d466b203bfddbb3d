use super::*;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_epoch_seconds(seconds)
}

const PHONE: [RateWindow; 2] =
    [RateWindow { seconds: 900, max: 3 }, RateWindow { seconds: 86_400, max: 10 }];

fn run(times: &[i64]) -> Vec<RateDecision> {
    let mut hits = Tally::default();
    times
        .iter()
        .map(|&t| {
            let (decision, kept) = decide(&hits, &PHONE, at(t));
            hits = kept;
            decision
        })
        .collect()
}

#[test]
fn the_fourth_hit_in_fifteen_minutes_is_refused_until_the_first_interval_leaves() {
    let decisions = run(&[1000, 1010, 1020, 1030]);
    assert_eq!(&decisions[..3], &[RateDecision::Allowed; 3]);
    // 1000 is counted in 990..=1004, which leaves the window at 1904:
    // four seconds past the exact 1900, less than one 15 s interval.
    assert_eq!(decisions[3], RateDecision::Limited { retry_after_seconds: 874 });
    assert_eq!(run(&[1000, 1010, 1020, 1903])[3], RateDecision::Limited { retry_after_seconds: 1 });
    assert_eq!(run(&[1000, 1010, 1020, 1904])[3], RateDecision::Allowed);
}

#[test]
fn the_eleventh_hit_in_a_day_is_refused() {
    let times: Vec<i64> = (0..11).map(|i| i * 1000).collect();
    let decisions = run(&times);
    assert!(decisions[..10].iter().all(|d| *d == RateDecision::Allowed));
    // 0 and 1000 share the day's first 24-minute interval, which leaves
    // at 87,839 (exactly: 86,400).
    assert_eq!(decisions[10], RateDecision::Limited { retry_after_seconds: 87_839 - 10_000 });
}

#[test]
fn the_room_beside_a_hit_is_what_the_fullest_window_has_left() {
    let room = |times: &[i64]| room_beside(&Tally::of(&PHONE, times), &PHONE, at(100_000));
    // 3 in 15 minutes, 10 a day: nothing read leaves 2 beside a hit.
    assert_eq!(room(&[]), 2);
    // One an hour ago counts for the day only: still 2 in 15 minutes.
    assert_eq!(room(&[96_400]), 2);
    // One a minute ago: the 15 minutes have room for this hit and one.
    assert_eq!(room(&[99_940]), 1);
    // Two: this hit is the last that fits.
    assert_eq!(room(&[99_900, 99_940]), 0);
    // Nine in the day: the day has room for this hit only.
    let day: Vec<i64> = (1..=9).map(|n| 100_000 - n * 3_600).collect();
    assert_eq!(room(&day), 0);
    // Full: no room, whatever.
    let full: Vec<i64> = (1..=10).map(|n| 100_000 - n * 3_600).collect();
    assert_eq!(room(&full), 0);
}

#[test]
fn sign_in_attempts_past_five_wait_twice_as_long_each_and_never_forever() {
    let backoff = Backoff::SIGN_IN;
    let mut hits = Tally::default();
    for t in 0..5 {
        hits = backoff.decide(&hits, at(1000 + t)).unwrap();
    }
    // The sixth waits 1 s after the fifth, the seventh 2 s after that.
    assert_eq!(backoff.decide(&hits, at(1004)), Err(1));
    hits = backoff.decide(&hits, at(1005)).unwrap();
    assert_eq!(backoff.decide(&hits, at(1005)), Err(2));
    hits = backoff.decide(&hits, at(1007)).unwrap();
    assert_eq!(backoff.decide(&hits, at(1008)), Err(3));
    // However many, the wait stops at 15 minutes.
    let many = Tally::of(&backoff.windows(), &(2000..2040).collect::<Vec<_>>());
    assert_eq!(backoff.decide(&many, at(2039)), Err(900));
    // And an hour later they are forgotten.
    let later = 2039 + 3600;
    assert_eq!(backoff.decide(&many, at(later)), Ok(Tally::of(&backoff.windows(), &[later])));
}

#[test]
fn an_ipv6_caller_counts_as_its_slash_64() {
    assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert_eq!(address_key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
    assert_ne!(address_key("2001:db8:1:3::1"), "2001:db8:1:2::/64");
    assert_eq!(address_key("2001:DB8:1:2::9"), "2001:db8:1:2::/64");
    assert_eq!(address_key("203.0.113.7"), "203.0.113.7");
    assert_eq!(address_key("::ffff:203.0.113.7"), "203.0.113.7");
    assert_eq!(address_key(" unknown "), "unknown");
}

#[test]
fn refused_hits_are_not_recorded_and_old_ones_are_pruned() {
    let (_, kept) = decide(&Tally::of(&PHONE, &[1, 2, 3]), &PHONE, at(100_000));
    assert_eq!(kept, Tally::of(&PHONE, &[100_000]));
    let full = Tally::of(&PHONE, &[10, 20, 30]);
    let (decision, kept) = decide(&full, &PHONE, at(40));
    assert!(matches!(decision, RateDecision::Limited { .. }));
    assert_eq!(kept, full);
}

/// Times of a busy caller: bursts and pauses, from a fixed seed.
fn traffic(seconds: i64) -> Vec<i64> {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut times = Vec::new();
    let mut t = 0;
    while t < seconds {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        t += i64::try_from(seed % 97).unwrap() * i64::from(seed.is_multiple_of(5));
        times.push(t);
        t += 1;
    }
    times
}

#[test]
fn no_window_ever_holds_more_than_its_limit_and_a_wait_is_at_most_one_interval_long() {
    let windows = [RateWindow { seconds: 900, max: 40 }, RateWindow { seconds: 86_400, max: 700 }];
    let mut tally = Tally::default();
    let mut allowed: Vec<i64> = Vec::new();
    for now in traffic(3 * 86_400) {
        let (decision, kept) = decide(&tally, &windows, at(now));
        tally = kept;
        match decision {
            RateDecision::Allowed => allowed.push(now),
            RateDecision::Limited { retry_after_seconds } => {
                // The exact wait: until the hit that must leave has.
                let exact = windows
                    .iter()
                    .filter_map(|w| {
                        let inside: Vec<i64> =
                            allowed.iter().copied().filter(|&t| t > now - w.seconds).collect();
                        let over = inside.len().checked_sub(w.max as usize)?;
                        Some(inside[over] + w.seconds - now)
                    })
                    .max()
                    .unwrap_or(0);
                let slack = windows.iter().map(RateWindow::width).max().unwrap();
                assert!(retry_after_seconds >= exact.max(1), "at {now}");
                assert!(retry_after_seconds <= exact.max(1) + slack, "at {now}");
            }
        }
        for w in &windows {
            let inside = allowed.iter().filter(|&&t| t > now - w.seconds).count();
            assert!(inside <= w.max as usize, "{inside} in {} s at {now}", w.seconds);
        }
    }
    assert!(allowed.len() > 1_500, "the traffic reached the limits: {}", allowed.len());
}

#[test]
fn a_counter_at_its_limit_keeps_its_size() {
    let windows =
        [RateWindow { seconds: 900, max: 5_000 }, RateWindow { seconds: 86_400, max: 5_000 }];
    let mut tally = Tally::default();
    let (mut largest, mut refused) = (0, 0);
    // A hit every second for two days: the limit is reached in the
    // first hours and held after.
    for now in 0..2 * 86_400 {
        let (decision, kept) = decide(&tally, &windows, at(now));
        refused += usize::from(decision != RateDecision::Allowed);
        tally = kept;
        largest = largest.max(tally.buckets().len());
        assert!(tally.count() <= 5_000);
    }
    assert!(refused > 86_400, "the limit held: {refused} refused");
    // Each window's intervals, and the one it reaches into.
    assert!(largest <= 2 * (BUCKETS_PER_WINDOW as usize + 1), "{largest} intervals");
}
