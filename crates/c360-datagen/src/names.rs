//! Made-up people, companies and contact details shared by the stories.
//!
//! Phone numbers use the 555-0100 to 555-0199 block, which is reserved for fiction; company
//! domains are invented.

use std::collections::BTreeSet;

use c360_rng::Rng;

/// Given names.
#[rustfmt::skip]
pub const FIRST_NAMES: &[&str] = &[
    "Aaliyah", "Aaron", "Abdul", "Ada", "Adrian", "Aiko", "Alejandro", "Alice", "Amara",
    "Amir", "Ana", "Andrea", "Anil", "Ann", "Arjun", "Astrid", "Ayesha", "Beatriz", "Ben",
    "Bianca", "Bo", "Bruno", "Camille", "Carlos", "Chen", "Chloe", "Chidi", "Dana", "Daniel",
    "Darius", "Deepa", "Diego", "Dmitri", "Elena", "Eli", "Emma", "Erik", "Fatima", "Felix",
    "Femi", "Fiona", "Gabriel", "Grace", "Hana", "Hannah", "Hiro", "Ibrahim", "Ines", "Isaac",
    "Ivan", "Jada", "James", "Jasmine", "Javier", "Jin", "Joao", "Jonas", "Julia", "Kai",
    "Kamala", "Kenji", "Keisha", "Kofi", "Lara", "Leila", "Leo", "Liam", "Lina", "Lucas",
    "Lucia", "Maya", "Mateo", "Mei", "Mia", "Miguel", "Mohammed", "Nadia", "Naomi", "Nia",
    "Nikhil", "Noah", "Nora", "Olga", "Omar", "Oscar", "Priya", "Quinn", "Rafael", "Ravi",
    "Rosa", "Sam", "Sara", "Sofia", "Tariq", "Tomas", "Uma", "Victor", "Wei", "Yara", "Yusuf",
    "Zara", "Zoe",
];

/// Family names.
#[rustfmt::skip]
pub const LAST_NAMES: &[&str] = &[
    "Abara", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Bauer", "Becker", "Bianchi", "Brown",
    "Castro", "Chen", "Cohen", "Costa", "Da Silva", "Dubois", "Edwards", "Eriksen",
    "Fernandez", "Fischer", "Garcia", "Gomez", "Gupta", "Haddad", "Hansen", "Harris", "Hoang",
    "Horvat", "Ibrahim", "Ito", "Jansen", "Johnson", "Kato", "Kaur", "Khan", "Kim", "Kowalski",
    "Kumar", "Larsen", "Lee", "Lopez", "Martin", "Mbeki", "Mendes", "Meyer", "Moreau",
    "Morris", "Murphy", "Nakamura", "Nguyen", "Novak", "Obi", "O'Brien", "Okafor", "Olsen",
    "Ortiz", "Park", "Patel", "Petrov", "Popescu", "Quinn", "Ramos", "Reyes", "Rossi", "Sato",
    "Schmidt", "Shah", "Silva", "Singh", "Smith", "Sokolov", "Suzuki", "Tan", "Taylor",
    "Torres", "Tran", "Van Dijk", "Vargas", "Wagner", "Walker", "Wang", "Weber", "Williams",
    "Wong", "Yamamoto", "Yilmaz", "Young", "Zhang", "Zielinski",
];

/// Free mail providers, with how common each is.
pub const MAIL_PROVIDERS: &[(&str, u32)] = &[
    ("gmail.com", 40),
    ("yahoo.com", 9),
    ("outlook.com", 10),
    ("hotmail.com", 7),
    ("icloud.com", 9),
    ("proton.me", 3),
    ("gmx.net", 2),
];

/// A person's name.
#[derive(Clone, Debug)]
pub struct Name {
    /// Given name.
    pub first: &'static str,
    /// Family name.
    pub last: &'static str,
}

impl Name {
    /// A random name.
    pub fn random(rng: &mut Rng) -> Name {
        let first = *rng.choose(FIRST_NAMES);
        let last = *rng.choose(LAST_NAMES);
        Name { first, last }
    }
}

/// Lowercase ASCII letters of `s` only: "O'Brien" → "obrien", "Da Silva" → "dasilva".
pub fn slug(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Hands out values that have not been handed out before.
#[derive(Default, Debug)]
pub struct Unique {
    taken: BTreeSet<String>,
}

impl Unique {
    /// `candidate` if it is new, else `candidate` with the smallest number that makes it new,
    /// inserted by `with_number`.
    pub fn claim(&mut self, candidate: String, with_number: impl Fn(u32) -> String) -> String {
        if self.taken.insert(candidate.clone()) {
            return candidate;
        }
        (2..)
            .map(&with_number)
            .find(|c| self.taken.insert(c.clone()))
            .expect("an unbounded range yields a fresh value")
    }

    /// Draws with `draw` until it yields a value not handed out before.
    pub fn draw(&mut self, mut draw: impl FnMut() -> String) -> String {
        loop {
            let value = draw();
            if self.taken.insert(value.clone()) {
                return value;
            }
        }
    }
}

/// A lowercase address for `name` at `domain`, in one of the usual shapes
/// (`ann.lee`, `annlee84`, `a.lee`, `lee.ann`, `ann_lee`), unique within `taken`.
pub fn email(rng: &mut Rng, name: &Name, domain: &str, taken: &mut Unique) -> String {
    let (f, l) = (slug(name.first), slug(name.last));
    let local = match rng.below(6) {
        0 | 1 => format!("{f}.{l}"),
        2 => format!("{f}{l}{}", rng.range(70, 99)),
        3 => format!("{}.{l}", &f[..1]),
        4 => format!("{l}.{f}"),
        _ => format!("{f}_{l}"),
    };
    taken.claim(format!("{local}@{domain}"), |n| {
        format!("{local}{n}@{domain}")
    })
}

/// A business address: `first@domain` or `first.last@domain`, unique within `taken`.
pub fn work_email(rng: &mut Rng, name: &Name, domain: &str, taken: &mut Unique) -> String {
    let (f, l) = (slug(name.first), slug(name.last));
    let local = if rng.chance(40) {
        f
    } else {
        format!("{f}.{l}")
    };
    taken.claim(format!("{local}@{domain}"), |n| {
        format!("{local}{n}@{domain}")
    })
}

/// How an address looks after someone typed it by hand: mostly as is, sometimes capitalised
/// or with a stray space, which the `email` id type's `normalize` undoes.
pub fn typed_email(rng: &mut Rng, email: &str) -> String {
    match rng.below(20) {
        0..=13 => email.to_string(),
        14 | 15 => capitalised(email),
        16 => email.to_uppercase(),
        17 => format!("{email} "),
        18 => format!(" {}", capitalised(email)),
        _ => format!("{}  ", capitalised(email)),
    }
}

/// `ann.lee@gmail.com` → `Ann.Lee@Gmail.com`: each letter after a non-letter upper-cased.
pub fn capitalised(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut after_letter = false;
    for c in s.chars() {
        out.push(if after_letter {
            c
        } else {
            c.to_ascii_uppercase()
        });
        after_letter = c.is_ascii_alphabetic();
    }
    out
}

/// US area codes the fictional numbers are spread over.
#[rustfmt::skip]
const AREA_CODES: &[&str] = &[
    "206", "212", "305", "312", "404", "415", "503", "512", "617", "646", "702", "720", "737",
    "808", "919",
];

/// A fictional US phone number, as its ten digits, unique within `taken`.
pub fn phone_digits(rng: &mut Rng, taken: &mut Unique) -> String {
    taken.draw(|| format!("{}5550{}", rng.choose(AREA_CODES), rng.range(100, 199)))
}

/// The ten digits written the way a person or a form might: every shape has the same digits,
/// so they all normalise to one `phone` node.
pub fn phone_written(rng: &mut Rng, digits: &str) -> String {
    let (a, b, c) = (&digits[..3], &digits[3..6], &digits[6..]);
    match rng.below(5) {
        0 => format!("({a}) {b}-{c}"),
        1 => format!("{a}-{b}-{c}"),
        2 => format!("{a}.{b}.{c}"),
        3 => format!("{a} {b} {c}"),
        _ => digits.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_capitals() {
        assert_eq!(slug("O'Brien"), "obrien");
        assert_eq!(slug("Da Silva"), "dasilva");
        assert_eq!(capitalised("ann.lee@gmail.com"), "Ann.Lee@Gmail.Com");
    }

    #[test]
    fn unique_claims_number_duplicates() {
        let mut taken = Unique::default();
        let a = taken.claim("ann@x.io".into(), |n| format!("ann{n}@x.io"));
        let b = taken.claim("ann@x.io".into(), |n| format!("ann{n}@x.io"));
        let c = taken.claim("ann@x.io".into(), |n| format!("ann{n}@x.io"));
        assert_eq!(
            (a.as_str(), b.as_str(), c.as_str()),
            ("ann@x.io", "ann2@x.io", "ann3@x.io")
        );
    }

    #[test]
    fn written_phones_keep_their_digits() {
        let mut rng = Rng::new(3);
        let mut taken = Unique::default();
        for _ in 0..50 {
            let digits = phone_digits(&mut rng, &mut taken);
            assert_eq!(digits.len(), 10);
            let written = phone_written(&mut rng, &digits);
            let back: String = written.chars().filter(char::is_ascii_digit).collect();
            assert_eq!(back, digits);
        }
    }

    #[test]
    fn typed_emails_normalise_back() {
        let mut rng = Rng::new(4);
        for _ in 0..200 {
            let typed = typed_email(&mut rng, "ann.lee@gmail.com");
            assert_eq!(typed.trim().to_lowercase(), "ann.lee@gmail.com");
        }
    }
}
