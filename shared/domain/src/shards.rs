//! A counter that every caller writes, kept as several items (shards) so
//! that no one item takes more writes than a table's partition allows: each
//! write goes to one shard chosen at random, and a read sums them. A cap
//! on the whole is shared out among the shards, so a conditional write on
//! one shard never lets the whole pass it.

use crate::RandomSource;

/// How many shards a counter is kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shards(u16);

impl Shards {
    /// `count` shards (at least one).
    pub const fn new(count: u16) -> Self {
        Self(if count == 0 { 1 } else { count })
    }

    pub const fn count(self) -> u16 {
        self.0
    }

    /// A shard chosen uniformly at random (the first when the source
    /// fails: a write still lands, on a busier item).
    pub fn pick(self, random: &dyn RandomSource) -> u16 {
        let mut bytes = [0u8; 4];
        if random.fill(&mut bytes).is_err() {
            return 0;
        }
        (u32::from_le_bytes(bytes) % u32::from(self.0)) as u16
    }

    /// Shard `shard`'s share of `cap`: an equal part, the remainder to the
    /// first shards, so the shares sum to `cap`.
    pub fn share(self, cap: u64, shard: u16) -> u64 {
        let count = u64::from(self.0);
        cap / count + u64::from(u64::from(shard) < cap % count)
    }

    /// How to add `amount` to shards that hold `held` (one value per
    /// shard) without any passing its share of `cap`: parts from the
    /// shards with the most room first. `None` when the shards together
    /// have no room for it: the whole would pass `cap`.
    pub fn split(self, held: &[u64], amount: u64, cap: u64) -> Option<Vec<(u16, u64)>> {
        let mut rooms: Vec<(u16, u64)> = (0..self.0)
            .map(|shard| {
                let held = held.get(usize::from(shard)).copied().unwrap_or(0);
                (shard, self.share(cap, shard).saturating_sub(held))
            })
            .filter(|(_, room)| *room > 0)
            .collect();
        if rooms.iter().map(|(_, room)| room).sum::<u64>() < amount {
            return None;
        }
        rooms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut left = amount;
        let mut parts = Vec::new();
        for (shard, room) in rooms {
            if left == 0 {
                break;
            }
            let part = room.min(left);
            parts.push((shard, part));
            left -= part;
        }
        Some(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OsRandom;

    #[test]
    fn shares_sum_to_the_cap() {
        let shards = Shards::new(32);
        for cap in [0, 1, 31, 32, 33, 25_000_000, 25_000_017] {
            let sum: u64 = (0..32).map(|s| shards.share(cap, s)).sum();
            assert_eq!(sum, cap);
        }
        assert_eq!(Shards::new(0).count(), 1);
    }

    /// The spread: writes chosen at random land evenly, so the busiest
    /// shard of a counter written 10,000 times a second takes a few
    /// hundred of them; and the sum of the shards is every write.
    #[test]
    fn writes_spread_evenly_and_sum_to_the_whole() {
        let shards = Shards::new(32);
        let mut held = vec![0u64; 32];
        for _ in 0..10_000 {
            held[usize::from(shards.pick(&OsRandom))] += 1;
        }
        assert_eq!(held.iter().sum::<u64>(), 10_000);
        let busiest = *held.iter().max().unwrap();
        // 312.5 on average; a shard above 420 is over five standard
        // deviations out.
        assert!(busiest < 420, "the busiest shard took {busiest} of 10,000: {held:?}");
        assert!(held.iter().all(|h| *h > 200), "{held:?}");
    }

    #[test]
    fn a_split_takes_from_the_roomiest_shards_and_never_passes_a_share() {
        let shards = Shards::new(4);
        // Shares of 100 are 25 each.
        assert_eq!(shards.split(&[25, 20, 25, 24], 6, 100), Some(vec![(1, 5), (3, 1)]));
        assert_eq!(shards.split(&[25, 20, 25, 24], 7, 100), None, "only 6 left in all");
        assert_eq!(shards.split(&[0, 0, 0, 0], 30, 100), Some(vec![(0, 25), (1, 5)]));
        assert_eq!(shards.split(&[], 1, 0), None);
    }
}
