//! A small seeded pseudo-random number generator: xoshiro256** seeded through SplitMix64.
//!
//! Written here rather than taken from a crate so that a seed names the same project forever:
//! a failure found by a differential test stays reproducible whatever the dependencies do.

/// The generator's state.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

/// One step of SplitMix64, the recommended way to expand a seed into xoshiro state.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole output is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut state = seed;
        Rng {
            s: [
                splitmix64(&mut state),
                splitmix64(&mut state),
                splitmix64(&mut state),
                splitmix64(&mut state),
            ],
        }
    }

    /// An independent generator for one part of the project, so that drawing more numbers
    /// for one part does not shift every part generated after it.
    pub fn fork(&mut self, label: u64) -> Rng {
        Rng::new(self.next_u64() ^ label.wrapping_mul(0xD6E8_FEB8_6659_FD93))
    }

    /// The next 64 random bits (xoshiro256**).
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n`, unbiased (rejection sampling); 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Reject the top partial bucket so every residue is equally likely.
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }

    /// A uniform integer in `lo..=hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo) + 1;
        lo.wrapping_add(self.below(span) as i64)
    }

    /// A uniform index into a collection of `len` items; 0 for an empty one.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A uniformly chosen item; `None` for an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.index(items.len()))
        }
    }

    /// An item chosen with probability proportional to its weight; `None` when all weights
    /// are zero.
    pub fn weighted<'a, T>(&mut self, items: &'a [(u64, T)]) -> Option<&'a T> {
        let total: u64 = items.iter().map(|(w, _)| w).sum();
        if total == 0 {
            return None;
        }
        let mut x = self.below(total);
        for (w, item) in items {
            if x < *w {
                return Some(item);
            }
            x -= w;
        }
        None
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }

    /// `k` distinct items of `items` (all of them when `k` is larger), in random order.
    pub fn sample<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut all: Vec<T> = items.to_vec();
        self.shuffle(&mut all);
        all.truncate(k);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_forks_differ() {
        let a: Vec<u64> = (0..8).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut r = Rng::new(7);
        let mut f1 = r.fork(1);
        let mut f2 = r.fork(1);
        assert_ne!(f1.next_u64(), f2.next_u64());
    }

    #[test]
    fn ranges_stay_inside_their_bounds_and_reach_both_ends() {
        let mut r = Rng::new(42);
        let draws: Vec<i64> = (0..2000).map(|_| r.range(-3, 3)).collect();
        assert!(draws.iter().all(|d| (-3..=3).contains(d)));
        assert!(draws.contains(&-3) && draws.contains(&3));
        assert_eq!(r.range(5, 5), 5);
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn weighted_never_picks_a_zero_weight() {
        let mut r = Rng::new(3);
        let items = [(0, 'a'), (5, 'b'), (0, 'c'), (1, 'd')];
        let picks: Vec<char> = (0..500)
            .filter_map(|_| r.weighted(&items).copied())
            .collect();
        assert_eq!(picks.len(), 500);
        assert!(picks.iter().all(|c| *c == 'b' || *c == 'd'));
        assert_eq!(r.weighted::<char>(&[(0, 'x')]), None);
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = Rng::new(9);
        let mut v: Vec<u32> = (0..50).collect();
        r.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
