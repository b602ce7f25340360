//! A small seeded pseudo-random number generator: xoshiro256** seeded through SplitMix64.
//!
//! Written here rather than taken from a crate so that a seed means the same output forever,
//! on every platform, whatever the dependencies do: the examples' sample data regenerates
//! byte for byte, and a random project named by its seed stays reproducible. Only integer
//! arithmetic is used; the one float helper is exact IEEE math.
//!
//! Every method draws a fixed number of values for given arguments, so changing one method's
//! callers never shifts what an unrelated caller sees after a `fork`.

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

    /// An independent generator for one part of the output (a person, a source), so that
    /// drawing more numbers for one part does not shift every part generated after it.
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

    /// A uniform integer in `0..n`, unbiased (rejection sampling); 0, drawing nothing, when
    /// `n` is 0.
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

    /// A uniform integer in `lo..=hi`; `lo`, drawing nothing, when `hi < lo`.
    ///
    /// A one-value range still draws, so that where a range happens to shrink to one value
    /// the numbers drawn after it do not move.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi < lo {
            return lo;
        }
        // `hi - lo + 1` overflows only for the full i64 range, which then wraps to 0 and
        // `below` yields 0: no caller asks for it, and the result stays in bounds.
        let span = hi.abs_diff(lo).wrapping_add(1);
        lo.wrapping_add(self.below(span) as i64)
    }

    /// A uniform integer in `lo..=hi`, like [`Rng::range`], but drawing nothing unless the
    /// range holds two values or more: for generators whose ranges often shrink to one value
    /// and whose seeds were recorded with that draw count.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        self.range(lo, hi)
    }

    /// A uniform index into a collection of `len` items; 0 for an empty one.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A uniformly chosen item; `None`, drawing nothing, for an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.index(items.len()))
        }
    }

    /// A uniformly chosen item of a slice the caller knows is not empty (a fixed table).
    ///
    /// # Panics
    /// When `items` is empty: that is a mistake in the calling generator, not in its input.
    pub fn choose<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        match self.pick(items) {
            Some(item) => item,
            None => panic!("Rng::choose from an empty slice"),
        }
    }

    /// An item of `(item, weight)` pairs chosen with probability proportional to its weight;
    /// `None`, drawing nothing, when all weights are zero.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> Option<&'a T> {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut x = self.below(total);
        for (item, w) in items {
            if x < u64::from(*w) {
                return Some(item);
            }
            x -= u64::from(*w);
        }
        None
    }

    /// [`Rng::weighted`] over a fixed table the caller knows has a positive weight.
    ///
    /// # Panics
    /// When every weight is zero: that is a mistake in the calling generator.
    pub fn choose_weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        match self.weighted(items) {
            Some(item) => item,
            None => panic!("Rng::choose_weighted from a table without a positive weight"),
        }
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

    /// `n` lowercase hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        self.alphabet(n, b"0123456789abcdef")
    }

    /// `n` characters of lowercase base 36.
    pub fn base36(&mut self, n: usize) -> String {
        self.alphabet(n, b"0123456789abcdefghijklmnopqrstuvwxyz")
    }

    /// `n` characters drawn from `alphabet` (ASCII); empty when `alphabet` is.
    pub fn alphabet(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .filter_map(|_| self.pick(alphabet).map(|b| char::from(*b)))
            .collect()
    }

    /// A random (version 4) UUID, as analytics SDKs use for anonymous ids.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_forks_differ() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(Rng::new(43).next_u64(), xs[0]);
        let mut f1 = a.fork(1);
        let mut f2 = a.fork(1);
        assert_ne!(f1.next_u64(), f2.next_u64());
    }

    #[test]
    fn seeding_and_stepping_match_the_published_algorithms() {
        // SplitMix64's published first output for seed 0.
        let mut state = 0;
        assert_eq!(splitmix64(&mut state), 0xE220_A839_7B1D_CDAF);
        // xoshiro256** from the reference implementation's state {1, 2, 3, 4}.
        let mut rng = Rng { s: [1, 2, 3, 4] };
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(first, [11_520, 0, 1_509_978_240]);
    }

    #[test]
    fn ranges_stay_in_bounds_and_reach_both_ends() {
        let mut rng = Rng::new(7);
        let draws: Vec<i64> = (0..2000).map(|_| rng.range(-3, 3)).collect();
        assert!(draws.iter().all(|d| (-3..=3).contains(d)));
        assert!(draws.contains(&-3) && draws.contains(&3));
        let units: Vec<f64> = (0..2000).map(|_| rng.unit()).collect();
        assert!(units.iter().all(|u| (0.0..1.0).contains(u)));
        assert!((0..100).all(|_| (i64::MIN..=i64::MAX).contains(&rng.range(i64::MIN, i64::MAX))));
    }

    #[test]
    fn degenerate_arguments_give_defaults_and_fixed_draw_counts() {
        let mut rng = Rng::new(11);
        let mut twin = rng.clone();
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.range(5, 4), 5);
        assert_eq!(rng.pick::<u8>(&[]), None);
        assert_eq!(rng.weighted(&[('x', 0)]), None);
        assert_eq!(rng.alphabet(3, b""), "");
        // None of the above drew a number.
        assert_eq!(rng.next_u64(), twin.next_u64());
        assert_eq!(rng.between(5, 5), 5);
        assert_eq!(rng.between(5, 4), 5);
        assert_eq!(rng.next_u64(), twin.next_u64());
        // A one-value `range` answers its value and draws once.
        assert_eq!(rng.range(5, 5), 5);
        twin.next_u64();
        assert_eq!(rng.next_u64(), twin.next_u64());
        let draws: Vec<i64> = (0..500).map(|_| rng.between(-2, 2)).collect();
        assert!(draws.iter().all(|d| (-2..=2).contains(d)));
        assert!(draws.contains(&-2) && draws.contains(&2));
    }

    #[test]
    fn weighted_follows_weights_and_never_picks_a_zero_weight() {
        let mut rng = Rng::new(1);
        let items = [("never", 0), ("mostly", 9), ("rarely", 1)];
        let mut counts = [0; 3];
        for _ in 0..10_000 {
            let pick = *rng.choose_weighted(&items);
            counts[items.iter().position(|(i, _)| *i == pick).unwrap()] += 1;
        }
        assert_eq!(counts[0], 0);
        assert!(counts[1] > 8_500 && counts[2] > 700, "{counts:?}");
    }

    #[test]
    fn pick_and_choose_reach_every_item() {
        let mut rng = Rng::new(3);
        let items = ['a', 'b', 'c'];
        let mut seen = [false; 3];
        for _ in 0..200 {
            let c = *rng.choose(&items);
            seen[(c as u8 - b'a') as usize] = true;
            assert!(rng.pick(&items).is_some());
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn uuids_are_version_4() {
        let mut rng = Rng::new(5);
        let id = rng.uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_eq!(rng.hex(6).len(), 6);
        assert!(rng.base36(20).bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn shuffle_and_sample_are_permutations() {
        let mut rng = Rng::new(9);
        let mut items: Vec<u32> = (0..50).collect();
        rng.shuffle(&mut items);
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(items, sorted);
        let mut some = rng.sample(&sorted, 10);
        assert_eq!(some.len(), 10);
        some.sort_unstable();
        some.dedup();
        assert_eq!(some.len(), 10);
        assert_eq!(rng.sample(&[1, 2], 5).len(), 2);
    }
}
