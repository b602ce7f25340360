//! Id types: their cleaning rules, and identifier values spelled the ways real data spells
//! them (case, spaces, punctuation), junk, excluded values and shared "hub" values.

use crate::model::{IdKind, IdType, Normalize};
use crate::names::Names;
use c360_rng::Rng;

/// Name stems per kind; the first free one is used.
fn stems(kind: IdKind) -> &'static [&'static str] {
    match kind {
        IdKind::Email => &["email", "work_email", "contact_email"],
        IdKind::Phone => &["phone", "mobile", "phone_number"],
        IdKind::Code => &["user_id", "crm_id", "contact_code", "customerRef"],
        IdKind::Cookie => &["anonymous_id", "device_id", "cookie", "session_key"],
        IdKind::Number => &["loyalty_no", "member_no", "account_number"],
    }
}

/// Draws an id type of `kind` with a random selection of rules.
pub fn id_type(kind: IdKind, names: &mut Names, rng: &mut Rng) -> IdType {
    let stem = stems(kind)
        .iter()
        .copied()
        .find(|s| names.is_free(s))
        .unwrap_or(stems(kind)[0]);
    let name = names.fresh(stem);
    let normalize = *rng
        .pick(match kind {
            IdKind::Email => &[
                Normalize::LowerTrim,
                Normalize::LowerTrim,
                Normalize::TrimLower,
                Normalize::Lower,
                Normalize::None,
            ][..],
            IdKind::Phone => &[Normalize::Digits, Normalize::Digits, Normalize::Trim][..],
            IdKind::Code => &[Normalize::UpperTrim, Normalize::Trim, Normalize::None][..],
            IdKind::Cookie => &[Normalize::None, Normalize::None, Normalize::Trim][..],
            IdKind::Number => &[Normalize::StripZeros, Normalize::None, Normalize::Trim][..],
        })
        .unwrap_or(&Normalize::None);
    let valid = if rng.chance(70) {
        valid_rule(kind, normalize, rng)
    } else {
        None
    };
    let exclude = if rng.chance(60) {
        excluded(kind, normalize)
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        Vec::new()
    };
    let max_links = rng.chance(40).then(|| rng.between(2, 6) as u64);
    let doc = rng.chance(40).then(|| {
        match kind {
            IdKind::Email => "Email addresses.",
            IdKind::Phone => "Phone numbers, digits only.",
            IdKind::Code => "Account codes issued by the back office.",
            IdKind::Cookie => "Browser and device identifiers; shared devices are common.",
            IdKind::Number => "Loyalty card numbers.",
        }
        .to_owned()
    });
    IdType {
        name,
        kind,
        normalize,
        valid,
        exclude,
        max_links,
        doc,
    }
}

/// A `valid` rule that every canonical value of `kind` passes after `normalize`.
fn valid_rule(kind: IdKind, normalize: Normalize, rng: &mut Rng) -> Option<String> {
    let options: &[&str] = match kind {
        IdKind::Email if normalize.folds_case() => &[
            r#"value ~ r"^[^@\s]+@[^@\s]+\.[a-z]+$""#,
            r#"contains(value, "@")"#,
            r#"value ~ r"@" and length(value) >= 6"#,
        ],
        IdKind::Email => &[r#"contains(value, "@")"#, r#"value ~ r"^[^@ ]+@[^@ ]+$""#],
        IdKind::Phone if normalize == Normalize::Digits => &[
            "length(value) >= 7",
            r#"value ~ r"^[0-9]{7,15}$""#,
            "length(value) >= 7 and length(value) <= 15",
        ],
        IdKind::Phone => &["length(value) >= 7"],
        IdKind::Code if normalize == Normalize::UpperTrim => {
            &[r#"value ~ r"^[A-Z]+-[0-9]+$""#, r#"value ~ r"-[0-9]{3,}$""#]
        }
        IdKind::Code => &[r#"value ~ r"^[A-Z]+-[0-9]+$""#, "length(value) >= 4"],
        IdKind::Cookie => &["length(value) == 8", r#"value ~ r"^[0-9a-f]+$""#],
        IdKind::Number => &[r#"value ~ r"^[1-9][0-9]*$""#, "length(value) >= 4"],
    };
    rng.pick(options).map(|s| s.to_string())
}

/// Junk values an id type of `kind` excludes (already normalised).
fn excluded(kind: IdKind, normalize: Normalize) -> &'static [&'static str] {
    match kind {
        IdKind::Email => &["test@test.com", "noreply@example.com"],
        IdKind::Phone if normalize == Normalize::Digits => &["0000000000", "1234567890"],
        IdKind::Phone => &["000-000-0000"],
        IdKind::Code => &["UNKNOWN", "N/A"],
        IdKind::Cookie => &["null", "undefined", "0"],
        IdKind::Number => &["9999", "12345"],
    }
}

const FIRST: &[&str] = &[
    "ann", "bo", "cy", "dana", "eli", "fay", "gus", "hana", "ivo", "jo", "kai", "lea", "mo", "nia",
    "oz", "pia", "quin", "rae", "sol", "tess",
];
const LAST: &[&str] = &[
    "lee", "ng", "okafor", "silva", "kim", "berg", "diaz", "o'neil",
];
const DOMAINS: &[&str] = &["example.com", "mail.test", "corp.example", "東京.example"];

/// The canonical (already clean) form of the `n`-th distinct value of an id type.
pub fn canonical(id: &IdType, n: u64, rng: &mut Rng) -> String {
    match id.kind {
        IdKind::Email => {
            let first = FIRST[(n as usize) % FIRST.len()];
            let last = rng.pick(LAST).copied().unwrap_or("lee");
            let domain = if rng.chance(8) {
                DOMAINS[3]
            } else {
                rng.pick(&DOMAINS[..3]).copied().unwrap_or("example.com")
            };
            let sep = if rng.chance(20) { "+shop" } else { "" };
            format!("{first}.{last}{n}{sep}@{domain}")
        }
        IdKind::Phone => format!("555{:07}", 100_000 + n * 7919 % 9_000_000),
        IdKind::Code => {
            let prefix = ["CUS", "U", "AC"][(n % 3) as usize];
            format!("{prefix}-{:04}", 1 + n * 37 % 9000)
        }
        IdKind::Cookie => format!("{:08x}", (n + 1).wrapping_mul(0x9E37_79B9) & 0xffff_ffff),
        IdKind::Number => (100_000 + n * 7 + rng.below(5)).to_string(),
    }
}

/// A raw spelling of `canonical` that the id type's `normalize` cleans back to it; sometimes
/// a spelling it does not (which is then an identifier of its own).
pub fn spelling(id: &IdType, canonical: &str, rng: &mut Rng) -> String {
    let s = cleanable_spelling(id, canonical, rng);
    if rng.chance(3) {
        // A near miss: a spelling the rules do not clean, so a separate node.
        return match rng.below(2) {
            0 => format!("{s}."),
            _ => format!(" {s}"),
        };
    }
    s
}

/// A raw spelling of `canonical` that the id type's `normalize` cleans back to it.
fn cleanable_spelling(id: &IdType, canonical: &str, rng: &mut Rng) -> String {
    let mut s = canonical.to_owned();
    if id.normalize.folds_case() && rng.chance(50) {
        s = mangle_case(&s, rng);
    }
    if id.normalize == Normalize::Digits && rng.chance(60) {
        s = punctuate_digits(&s, rng);
    }
    if id.normalize == Normalize::StripZeros && rng.chance(40) {
        s = format!("{}{s}", "0".repeat(rng.between(1, 3) as usize));
    }
    if id.normalize.trims() && rng.chance(30) {
        s = pad(&s, rng);
    }
    s
}

/// A raw value that cleans to one of the id type's excluded values, if it has any.
pub fn excluded_spelling(id: &IdType, rng: &mut Rng) -> Option<String> {
    let base = rng.pick(&id.exclude)?.clone();
    Some(cleanable_spelling(id, &base, rng))
}

/// A raw value that cleans to nothing usable: empty, blank, failing `valid`, or junk.
pub fn junk(id: &IdType, rng: &mut Rng) -> String {
    let options: &[&str] = match id.kind {
        IdKind::Email => &["", "  ", "not-an-email", "n/a", "@example.com", "ann@"],
        IdKind::Phone => &["", "12-34", "n/a", "+1", "  "],
        IdKind::Code => &["", "??", "-", "  "],
        IdKind::Cookie => &["", "  ", "null", "undefined"],
        IdKind::Number => &["", "0", "-1", "abc", "  "],
    };
    rng.pick(options).copied().unwrap_or("").to_owned()
}

/// A value shared by many people (a family email, a shop's device, a switchboard number):
/// the kind of node `max_links` exists for.
pub fn hub(id: &IdType, n: u64) -> String {
    match id.kind {
        IdKind::Email => format!("family{n}@shared.example"),
        IdKind::Phone => format!("555000{:04}", n),
        IdKind::Code => format!("AC-9{n:04}"),
        IdKind::Cookie => format!("ffff{n:04x}"),
        IdKind::Number => (900_000 + n).to_string(),
    }
}

fn mangle_case(s: &str, rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => s.to_ascii_uppercase(),
        1 => s.to_ascii_lowercase(),
        _ => s
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

fn punctuate_digits(s: &str, rng: &mut Rng) -> String {
    let d: Vec<char> = s.chars().collect();
    if d.len() != 10 {
        return s.to_owned();
    }
    let part = |r: std::ops::Range<usize>| d[r].iter().collect::<String>();
    match rng.below(3) {
        0 => format!("({}) {}-{}", part(0..3), part(3..6), part(6..10)),
        1 => format!("{}.{}.{}", part(0..3), part(3..6), part(6..10)),
        _ => format!("{}-{}-{}", part(0..3), part(3..6), part(6..10)),
    }
}

fn pad(s: &str, rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!(" {s}"),
        1 => format!("{s}  "),
        _ => format!("  {s} "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(id: &IdType, raw: &str) -> String {
        let t = if id.normalize.trims() {
            raw.trim_matches(' ')
        } else {
            raw
        };
        match id.normalize {
            Normalize::None => raw.to_owned(),
            Normalize::LowerTrim | Normalize::TrimLower => t.to_ascii_lowercase(),
            Normalize::Lower => raw.to_ascii_lowercase(),
            Normalize::Trim => t.to_owned(),
            Normalize::UpperTrim => t.to_ascii_uppercase(),
            Normalize::Digits => raw.chars().filter(char::is_ascii_digit).collect(),
            Normalize::StripZeros => t.trim_start_matches('0').to_owned(),
        }
    }

    #[test]
    fn spellings_clean_back_to_their_canonical_value_unless_a_near_miss() {
        let mut rng = Rng::new(11);
        let kinds = [
            IdKind::Email,
            IdKind::Phone,
            IdKind::Code,
            IdKind::Cookie,
            IdKind::Number,
        ];
        let mut same = 0;
        let mut total = 0;
        for round in 0..200 {
            let kind = kinds[round % kinds.len()];
            let id = id_type(kind, &mut Names::default(), &mut rng);
            let value = canonical(&id, round as u64, &mut rng);
            assert_eq!(clean(&id, &value), value, "{id:?} {value}");
            for _ in 0..10 {
                let raw = spelling(&id, &value, &mut rng);
                total += 1;
                if clean(&id, &raw) == value {
                    same += 1;
                }
            }
        }
        assert!(same * 100 >= total * 90, "{same} of {total}");
    }
}
