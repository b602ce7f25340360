//! The story behind `examples/ecommerce` (the `shop` project): Trailmark Outfitters, an online
//! outdoor-gear shop, from 2026-01-01 until the data was extracted on 2026-07-02 06:00.
//! The examples' tests and docs run it as of [`AS_OF`], 2026-06-30 00:00:00, so the last two
//! days of rows are "the future" for them.
//!
//! Who is in it ([`PEOPLE`] people in all):
//!
//! - **visitors** who browse under a cookie (`anonymous_id`) and never sign up;
//! - **guests** who browse anonymously and check out with a typed email but no account: their
//!   order and their browsing stay two customers, as nothing links the cookie to the email;
//! - **members**, most of the people: they browse anonymously first, sign up (an identify call
//!   links the cookie, the new `user_id` and the email), then come back on one to three
//!   devices (phone, laptop, tablet), each linked by an identify call at its first login.
//!   A third of them had an account before 2026: the data first sees them logging in. Many
//!   order, some are in the CRM with a phone number and a job title, some have a work email
//!   too, tied to their personal one only by the phone number in the CRM;
//! - **pop-up store sign-ups** ([`KIOSK_SIGNUPS`] of the members): during a two-week pop-up
//!   store in April, tablets in kiosk mode signed people up; the kiosk resets its browser
//!   after each customer (a new cookie each time) and its form pre-fills the store's own
//!   address, [`KIOSK_EMAIL`]. That address ends up linked to every kiosk sign-up, far more
//!   than the `email` id type's `max_links = 50`, so it is dropped before stitching instead
//!   of merging thirty strangers into one customer;
//! - **a couple sharing a family iPad**: both sign in on it, so its cookie links their two
//!   accounts. `anonymous_id` has no `max_links` in this example, so c360 shows them as one
//!   customer, which is what the data says; `max_links = 3` on `anonymous_id` would split them.
//!
//! What else real data has, and this has:
//!
//! - emails written differently in each system (`Ann.Lee@Gmail.com`, ` ann.lee@gmail.com`,
//!   trailing spaces), phones in five formats with the same digits: `normalize` makes them
//!   one node each;
//! - junk identifiers the id types reject: CRM contacts with `test@test.com`,
//!   `noreply@example.com`, `null`, `N/A`, an empty string, phones like `n/a` or `000`;
//!   QA test orders by `test@test.com`; events whose cookie is `undefined`, `null` or empty;
//!   point-of-sale orders with no email at all. Rows left with no valid identifier belong to
//!   nobody;
//! - refunded and cancelled orders (they count as orders, not as revenue), pending orders in
//!   the last days, and order totals with discounts and shipping;
//! - nulls in optional columns: events without a product, identify calls without an email
//!   (social logins), CRM contacts without a phone or a title;
//! - ties: a login event and its identify call share a second, quick adds to cart share the
//!   second of the product view, the QA orders were created by one script run, label times
//!   are shared by every label of a scoring date, and one order was placed at exactly
//!   [`AS_OF`];
//! - late events: the web events file is in the order the events were *received*; phones that
//!   were offline deliver their events hours or days late, so the file is not sorted by
//!   `sent_at` (the schema has no load-time column to show it otherwise);
//! - rows after [`AS_OF`]: sessions, orders and CRM updates of 2026-06-30 to 2026-07-02.
//!
//! The churn labels: every Monday from 2026-01-12 to 2026-03-30, the data science team
//! labelled some of the customers who had completed an order by then; `churned` is true when
//! they completed no order in the following 90 days (all inside the data). Three labels name
//! user ids of deleted accounts that appear nowhere else.

use std::collections::BTreeMap;

use crate::names::{
    capitalised, email, phone_digits, phone_written, typed_email, work_email, Name, Unique,
    MAIL_PROVIDERS,
};
use crate::time::{Date, Timestamp, DAY, HOUR, MINUTE};
use crate::value::{Dataset, Money, Row};
use c360_rng::Rng;

/// The seed of the whole story.
pub const SEED: u64 = 0x0005_4049_2026_0630;
/// The first day of data.
pub const START: Timestamp = Timestamp::at(2026, 1, 1, 0, 0, 0);
/// The `as_of` the examples' tests and docs use.
pub const AS_OF: Timestamp = Timestamp::at(2026, 6, 30, 0, 0, 0);
/// When the data was extracted: nothing happens after it.
pub const EXTRACTED: Timestamp = Timestamp::at(2026, 7, 2, 6, 0, 0);
/// How many people the story follows.
pub const PEOPLE: usize = 260;
/// How many people sign up at the pop-up store's kiosk.
pub const KIOSK_SIGNUPS: usize = 30;
/// The store address the kiosk's sign-up form pre-fills.
pub const KIOSK_EMAIL: &str = "popup@trailmark-outfitters.com";
/// No session starts later than this: the extract would cut it.
const LAST_VISIT: Timestamp = Timestamp::at(2026, 7, 2, 5, 0, 0);
/// The pop-up store's first day; it is open for two weeks.
const POPUP_OPENS: Date = Date::ymd(2026, 4, 10);
/// The first of the weekly (Monday) scoring dates on which churn labels were recorded.
const FIRST_SCORING: Date = Date::ymd(2026, 1, 12);
/// How many weekly scoring dates there are: the last is 2026-03-30, so the 90 days after
/// every label are inside the data.
const SCORINGS: i64 = 12;

/// Prices of the catalogue, in cents, by popularity rank.
#[rustfmt::skip]
const PRICES: &[i64] = &[
    2499, 1899, 3450, 8999, 1299, 4999, 12900, 2250, 6499, 999, 15999, 3999, 2799, 7450, 1150,
    5499, 22900, 1799, 3299, 9999, 1499, 4450, 2999, 18950, 899, 6999, 3799, 11900, 1999, 5999,
    2649, 7999, 1399, 4199, 24900, 3199, 1699, 8499, 2399, 13950,
];

/// Job titles in the CRM.
#[rustfmt::skip]
const JOB_TITLES: &[&str] = &[
    "Teacher", "Software Engineer", "Nurse", "Product Manager", "Accountant", "Designer",
    "Student", "Physician", "Sales Manager", "Data Analyst", "Photographer", "Architect",
    "Park Ranger", "Marketing Lead", "Head of Data", "Consultant", "Chef", "Electrician",
    "Retired", "Founder",
];

/// A title someone may be promoted to later.
fn promoted(title: &str) -> &'static str {
    match title {
        "Software Engineer" => "Senior Software Engineer",
        "Data Analyst" => "Head of Data",
        "Sales Manager" => "VP Sales",
        "Designer" => "Design Lead",
        "Nurse" => "Head Nurse",
        "Student" => "Junior Consultant",
        _ => "Director",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Visitor,
    Guest,
    Member,
    Kiosk,
}

#[derive(Clone, Debug)]
struct Device {
    cookie: String,
    mobile: bool,
    /// Used by more than one person.
    shared: bool,
}

#[derive(Clone, Debug)]
struct Person {
    kind: Kind,
    email: String,
    work_email: Option<String>,
    user_id: Option<String>,
    phone: Option<String>,
    /// Indices into the story's devices; the first is where they sign up.
    devices: Vec<usize>,
    first_visit: Timestamp,
    signup: Option<Timestamp>,
    active_until: Timestamp,
    /// Visits after sign-up (or in all, for those who never sign up).
    visits: usize,
    /// Chance in percent that a visit ends with an order.
    buy_percent: u32,
    in_crm: bool,
}

/// How a session starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// Not signed in.
    Anonymous,
    /// Creates an account: a "Signed Up" event and an identify call.
    SignUp,
    /// Signs in: a "Login" event and an identify call at the same second.
    Login,
    /// Still signed in from an earlier session on this device.
    SignedIn,
}

/// What a session ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Checkout {
    None,
    /// An order; at a fixed time when given.
    Order(Option<Timestamp>),
}

struct Shop {
    /// Product ids and prices.
    products: Vec<(String, Money)>,
    /// Product ids with how often they are viewed.
    popularity: Vec<(String, u32)>,
    devices: Vec<Device>,
    /// Web events with the time they were received, which orders the file.
    web_events: Vec<(Timestamp, Row)>,
    identifies: Vec<Row>,
    /// Orders without their id, which is given in time order at the end.
    orders: Vec<(Timestamp, Row)>,
    contacts: Vec<Row>,
    /// Completed orders per user id, for the churn labels.
    completed: BTreeMap<String, Vec<Timestamp>>,
}

/// Generates the shop's tables.
pub fn generate(seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let catalogue = catalogue(&mut rng);
    let mut shop = Shop {
        products: catalogue
            .iter()
            .map(|(id, m, _)| (id.clone(), *m))
            .collect(),
        popularity: catalogue
            .iter()
            .map(|(id, _, w)| (id.clone(), *w))
            .collect(),
        devices: Vec::new(),
        web_events: Vec::new(),
        identifies: Vec::new(),
        orders: Vec::new(),
        contacts: Vec::new(),
        completed: BTreeMap::new(),
    };
    let mut people = shop.people(&mut rng.fork(2));
    shop.share_family_ipad(&mut rng.fork(5), &mut people);
    for (i, person) in people.iter().enumerate() {
        let mut rng = rng.fork(100 + i as u64);
        shop.live(&mut rng, person);
    }
    shop.boundary_order(&mut rng.fork(6), &people);
    shop.junk(&mut rng.fork(3), &people);
    let labels = shop.churn_labels(&mut rng.fork(4), &people);
    shop.into_dataset(labels)
}

fn catalogue(rng: &mut Rng) -> Vec<(String, Money, u32)> {
    let mut ids = Unique::default();
    PRICES
        .iter()
        .enumerate()
        .map(|(rank, &cents)| {
            let id = ids.draw(|| format!("P{}", rng.range(1000, 9999)));
            // Popularity falls off with rank, like real catalogues.
            (id, Money(cents), 120 / (rank as u32 + 3) + 1)
        })
        .collect()
}

/// A moment on `day` at a time people shop: evenings most, nights least.
fn shopping_time(rng: &mut Rng, day: Date) -> Timestamp {
    #[rustfmt::skip]
    const HOURS: &[(i64, u32)] = &[
        (0, 1), (1, 1), (6, 1), (7, 2), (8, 3), (9, 3), (10, 3), (11, 4), (12, 5), (13, 4),
        (14, 3), (15, 3), (16, 3), (17, 4), (18, 5), (19, 6), (20, 7), (21, 7), (22, 5),
        (23, 2),
    ];
    let hour = *rng.choose_weighted(HOURS);
    day.at(hour, rng.range(0, 59), rng.range(0, 59))
}

/// A moment between `from` and `to`, on a day chosen uniformly, at a shopping time.
fn moment_between(rng: &mut Rng, from: Timestamp, to: Timestamp) -> Timestamp {
    let days = from.date().days_until(to.date());
    for _ in 0..8 {
        let day = from.date().plus_days(rng.range(0, days));
        let t = shopping_time(rng, day);
        if t > from && t < to {
            return t;
        }
    }
    // A narrow span: fall back to a uniform second inside it.
    from.plus(rng.range(1, from.seconds_until(to).max(2) - 1))
}

impl Shop {
    fn people(&mut self, rng: &mut Rng) -> Vec<Person> {
        let mut emails = Unique::default();
        let mut phones = Unique::default();
        let mut user_ids = Unique::default();
        let mut kinds: Vec<Kind> = (0..PEOPLE)
            .map(|i| match i % 20 {
                0..=3 => Kind::Visitor,
                4 => Kind::Guest,
                _ => Kind::Member,
            })
            .collect();
        // The kiosk sign-ups are members too; which ones is part of the story's seed.
        let mut members: Vec<usize> = (0..PEOPLE).filter(|&i| kinds[i] == Kind::Member).collect();
        rng.shuffle(&mut members);
        for &i in members.iter().take(KIOSK_SIGNUPS) {
            kinds[i] = Kind::Kiosk;
        }

        let end = EXTRACTED.plus(-5 * DAY);
        let mut people = Vec::with_capacity(PEOPLE);
        for kind in kinds {
            let name = Name::random(rng);
            let domain = rng.choose_weighted(MAIL_PROVIDERS);
            let email = email(rng, &name, domain, &mut emails);
            let has_account = matches!(kind, Kind::Member | Kind::Kiosk);
            let user_id = has_account.then(|| user_ids.draw(|| format!("usr_{}", rng.base36(8))));
            let signup = match kind {
                // A third of the members have had an account since before 2026.
                Kind::Member if rng.chance(35) => Some(START.plus(-rng.range(10 * DAY, 400 * DAY))),
                Kind::Member => Some(moment_between(rng, START.plus(DAY), end)),
                Kind::Kiosk => {
                    let day = POPUP_OPENS.plus_days(rng.range(0, 13));
                    Some(day.at(rng.range(10, 18), rng.range(0, 59), rng.range(0, 59)))
                }
                Kind::Visitor | Kind::Guest => None,
            };
            let first_visit = match (kind, signup) {
                // Most members browse anonymously for a while before signing up.
                (Kind::Member, Some(s)) if s > START && rng.chance(70) => {
                    let browsing = s.plus(-rng.range(HOUR, 20 * DAY));
                    if browsing > START {
                        browsing
                    } else {
                        moment_between(rng, START, s)
                    }
                }
                (_, Some(s)) => s,
                (_, None) => moment_between(rng, START, end),
            };
            let from = signup.unwrap_or(first_visit).max(START);
            let active_until = if rng.chance(45) {
                EXTRACTED
            } else {
                from.plus(rng.range(5 * DAY, 150 * DAY)).min(EXTRACTED)
            };
            let weeks = (from.seconds_until(active_until) / (7 * DAY)).max(1) as u64;
            let per_month = *rng.choose_weighted(&[(1u64, 6), (2, 4), (4, 2)]);
            let visits = match kind {
                Kind::Visitor | Kind::Guest => rng.range(1, 3) as usize,
                // A quarter of the kiosk sign-ups never come back online.
                Kind::Kiosk if rng.chance(25) => 0,
                _ => ((weeks * per_month / 4) as usize).clamp(1, 8),
            };
            let buy_percent = match kind {
                Kind::Visitor => 0,
                Kind::Guest => 100,
                _ => *rng.choose_weighted(&[(0u32, 2), (15, 3), (30, 3), (50, 2)]),
            };
            let work = (kind == Kind::Member && rng.chance(8)).then(|| {
                let company = *rng.choose(&[
                    "northbeam.io",
                    "cobaltworks.com",
                    "lumenhealth.org",
                    "quarrylabs.co",
                    "harborline.com",
                    "fernway.io",
                ]);
                work_email(rng, &name, company, &mut emails)
            });
            let in_crm = work.is_some() || (has_account && rng.chance(30));
            let phone = ((in_crm && rng.chance(80)) || work.is_some())
                .then(|| phone_digits(rng, &mut phones));
            people.push(Person {
                kind,
                email,
                work_email: work,
                user_id,
                phone,
                devices: Vec::new(),
                first_visit,
                signup,
                active_until,
                visits,
                buy_percent,
                in_crm,
            });
        }
        for (i, person) in people.iter_mut().enumerate() {
            let mut rng = rng.fork(10_000 + i as u64);
            let count = match person.kind {
                Kind::Visitor | Kind::Guest => 1,
                _ => *rng.choose_weighted(&[(1usize, 5), (2, 4), (3, 2)]),
            };
            if person.kind == Kind::Kiosk {
                // A fresh cookie per customer: the kiosk resets its browser.
                person.devices.push(self.device(&mut rng, false, false));
            }
            for d in 0..count {
                let mobile = d > 0 || rng.chance(55);
                person.devices.push(self.device(&mut rng, mobile, false));
            }
        }
        people
    }

    fn device(&mut self, rng: &mut Rng, mobile: bool, shared: bool) -> usize {
        self.devices.push(Device {
            cookie: rng.uuid(),
            mobile,
            shared,
        });
        self.devices.len() - 1
    }

    /// The two most regular members share a tablet at home and both sign in on it.
    fn share_family_ipad(&mut self, rng: &mut Rng, people: &mut [Person]) {
        let mut members: Vec<usize> = (0..people.len())
            .filter(|&i| people[i].kind == Kind::Member)
            .collect();
        // Stable sort: ties keep the people's order, so the choice is deterministic.
        members.sort_by_key(|&i| {
            let p = &people[i];
            (p.active_until != EXTRACTED, std::cmp::Reverse(p.visits))
        });
        let ipad = self.device(rng, true, true);
        for &i in members.iter().take(2) {
            people[i].devices.push(ipad);
        }
    }

    /// Everything one person does.
    fn live(&mut self, rng: &mut Rng, p: &Person) {
        let Some(signup) = p.signup else {
            // Visitors and guests: a few anonymous sessions on their one device.
            let mut t = p.first_visit;
            for visit in 0..p.visits {
                let last = visit + 1 == p.visits || t.plus(2 * HOUR) >= LAST_VISIT;
                let checkout = if p.kind == Kind::Guest && last {
                    Checkout::Order(None)
                } else {
                    Checkout::None
                };
                self.session(rng, p, p.devices[0], t, Entry::Anonymous, checkout);
                if last {
                    break;
                }
                t = moment_between(rng, t.plus(HOUR), t.plus(21 * DAY).min(LAST_VISIT));
            }
            return;
        };
        let mut signed_in = vec![false; p.devices.len()];
        // Members from before 2026 sign in on each device the first time the data sees it.
        if signup >= START {
            if p.first_visit < signup {
                let first = p.first_visit;
                self.session(
                    rng,
                    p,
                    p.devices[0],
                    first,
                    Entry::Anonymous,
                    Checkout::None,
                );
            }
            let kiosk_buys = p.kind == Kind::Kiosk && rng.chance(40);
            let checkout = if kiosk_buys {
                Checkout::Order(None)
            } else {
                Checkout::None
            };
            self.session(rng, p, p.devices[0], signup, Entry::SignUp, checkout);
            signed_in[0] = p.kind != Kind::Kiosk;
        }
        let from = signup.max(START);
        let until = p.active_until.min(LAST_VISIT).max(from.plus(2 * HOUR));
        let mut visits: Vec<Timestamp> = (0..p.visits)
            .map(|_| moment_between(rng, from.plus(HOUR), until))
            .collect();
        visits.sort();
        // The kiosk device is never used again; the others are used most in their order.
        let home = usize::from(p.kind == Kind::Kiosk);
        for (n, t) in visits.into_iter().enumerate() {
            let choices: Vec<(usize, u32)> = (home..p.devices.len())
                .map(|d| (d, if d == home { 6 } else { 3 }))
                .collect();
            let shared = (home..p.devices.len()).find(|&d| self.devices[p.devices[d]].shared);
            // The family tablet is where the second partner's story starts.
            let d = match shared {
                Some(d) if n == 0 => d,
                _ => *rng.choose_weighted(&choices),
            };
            let entry = if !signed_in[d] || rng.chance(20) {
                Entry::Login
            } else {
                Entry::SignedIn
            };
            signed_in[d] = true;
            let checkout = if rng.chance(u64::from(p.buy_percent)) {
                Checkout::Order(None)
            } else {
                Checkout::None
            };
            self.session(rng, p, p.devices[d], t, entry, checkout);
        }
        if p.in_crm {
            self.crm_rows(rng, p, signup);
        }
    }

    /// One visit: entry events, product views, maybe a cart and an order.
    fn session(
        &mut self,
        rng: &mut Rng,
        p: &Person,
        device: usize,
        start: Timestamp,
        entry: Entry,
        checkout: Checkout,
    ) {
        let Device { cookie, mobile, .. } = self.devices[device].clone();
        // A phone may be offline: its events arrive in one batch, hours or days later.
        let offline_until = (mobile && rng.chance(8)).then(|| rng.range(2 * HOUR, 3 * DAY));
        let user = (entry != Entry::Anonymous)
            .then(|| p.user_id.clone())
            .flatten();
        let mut t = start;
        let mut events: Vec<(Timestamp, Row)> = Vec::new();
        let mut event = |rng: &mut Rng, t: Timestamp, name: &str, product: Option<&str>| {
            // The SDK sometimes fails to read its cookie and sends a placeholder.
            let anonymous_id = if rng.chance(2) {
                (*rng.choose(&["undefined", "null", ""])).to_string()
            } else {
                cookie.clone()
            };
            events.push((
                t,
                Row::new()
                    .with("anonymous_id", anonymous_id)
                    .with("user_id", user.clone())
                    .with("event", name)
                    .with("product_id", product)
                    .with("sent_at", t),
            ));
        };
        match entry {
            Entry::Anonymous | Entry::SignedIn => {
                if rng.chance(60) {
                    event(rng, t, "Page Viewed", None);
                }
            }
            Entry::SignUp => {
                event(rng, t, "Page Viewed", None);
                t = t.plus(rng.range(40, 240));
                event(rng, t, "Signed Up", None);
                self.identify(rng, p, &cookie, t, true);
            }
            Entry::Login => {
                event(rng, t, "Login", None);
                self.identify(rng, p, &cookie, t, false);
            }
        }
        let mut viewed: Vec<String> = Vec::new();
        let views = *rng.choose_weighted(&[(1usize, 5), (2, 4), (3, 2), (5, 1)]);
        for _ in 0..views {
            t = t.plus(rng.range(10, 150));
            let product = rng.choose_weighted(&self.popularity).clone();
            // A known SDK bug: a few product views arrive without the product.
            let sent = (!rng.chance(3)).then_some(product.as_str());
            event(rng, t, "Product Viewed", sent);
            if rng.chance(25) {
                // Quick-add buttons fire in the same second as the view.
                let at = if rng.chance(50) {
                    t
                } else {
                    t.plus(rng.range(5, 40))
                };
                event(rng, at, "Add to Cart", Some(&product));
                t = at;
            }
            viewed.push(product);
        }
        let order_at = match checkout {
            Checkout::None => None,
            Checkout::Order(fixed) => {
                t = t.plus(rng.range(60, 300));
                event(rng, t, "Checkout Started", None);
                Some(fixed.unwrap_or_else(|| t.plus(rng.range(30, 240))))
            }
        };
        let received_delay = |rng: &mut Rng| offline_until.unwrap_or_else(|| rng.range(1, 20));
        for (sent, row) in events {
            let received = sent.plus(received_delay(rng));
            self.web_events.push((received, row));
        }
        if let Some(at) = order_at {
            self.order(rng, p, at, &viewed, user.as_deref());
        }
    }

    fn identify(&mut self, rng: &mut Rng, p: &Person, cookie: &str, at: Timestamp, signup: bool) {
        let email = if p.kind == Kind::Kiosk && signup {
            Some(KIOSK_EMAIL.to_string())
        } else if rng.chance(8) {
            // Social logins that did not share the address.
            None
        } else {
            Some(typed_email(rng, &p.email))
        };
        self.identifies.push(
            Row::new()
                .with("anonymous_id", cookie)
                .with("user_id", p.user_id.clone())
                .with("email", email)
                .with("sent_at", at),
        );
    }

    fn order(
        &mut self,
        rng: &mut Rng,
        p: &Person,
        at: Timestamp,
        viewed: &[String],
        user: Option<&str>,
    ) {
        let mut items: Vec<&String> = viewed.iter().collect();
        items.dedup();
        items.truncate(rng.range(1, 3) as usize);
        if items.is_empty() {
            items.push(&self.products[0].0);
        }
        let subtotal: i64 = items
            .iter()
            .map(|id| {
                let price = self
                    .products
                    .iter()
                    .find(|(pid, _)| pid == *id)
                    .map_or(Money(0), |(_, m)| *m);
                price.0 * rng.range(1, 2)
            })
            .sum();
        let discounted = if rng.chance(15) {
            subtotal * 90 / 100
        } else {
            subtotal
        };
        let shipping = if discounted < 5000 { 495 } else { 0 };
        let amount = Money(discounted + shipping);
        let status = if EXTRACTED.seconds_until(at) > -3 * DAY && rng.chance(60) {
            "pending"
        } else {
            *rng.choose_weighted(&[("completed", 86), ("refunded", 7), ("cancelled", 5)])
        };
        let email = match (&p.work_email, user) {
            (Some(work), _) if rng.chance(50) => typed_email(rng, work),
            // The kiosk account holds the store's address: people type their own.
            _ if p.kind == Kind::Kiosk => typed_email(rng, &p.email),
            // Signed in: the checkout form is pre-filled with the account's address.
            (_, Some(_)) if rng.chance(80) => p.email.clone(),
            _ => typed_email(rng, &p.email),
        };
        if status == "completed" {
            if let Some(uid) = &p.user_id {
                self.completed.entry(uid.clone()).or_default().push(at);
            }
        }
        self.web_events.push((
            at,
            // Sent by the shop's server, which knows the user but not the cookie.
            Row::new()
                .with("anonymous_id", None::<String>)
                .with("user_id", user)
                .with("event", "Order Completed")
                .with("product_id", None::<String>)
                .with("sent_at", at),
        ));
        self.orders.push((
            at,
            Row::new()
                .with("email", email)
                .with("amount", amount)
                .with("status", status)
                .with("created_at", at),
        ));
    }

    fn crm_rows(&mut self, rng: &mut Rng, p: &Person, signup: Timestamp) {
        let from = signup.max(START);
        let last = EXTRACTED.plus(-HOUR);
        let mut updated = moment_between(rng, from, from.plus(30 * DAY).min(last));
        let mut title = rng.chance(75).then(|| *rng.choose(JOB_TITLES));
        // The phone is what ties a work address to the person: it is there from the start.
        let phone_known_from_start = p.work_email.is_some() || rng.chance(70);
        let rows = *rng.choose_weighted(&[(1usize, 6), (2, 3), (3, 1)]);
        for i in 0..rows {
            let phone = p
                .phone
                .as_ref()
                .filter(|_| phone_known_from_start || i > 0)
                .map(|d| phone_written(rng, d));
            let email = if rng.chance(25) {
                capitalised(&p.email)
            } else {
                p.email.clone()
            };
            self.contacts.push(
                Row::new()
                    .with("email", email)
                    .with("phone", phone)
                    .with("job_title", title)
                    .with("updated_at", updated),
            );
            updated = updated.plus(rng.range(7 * DAY, 90 * DAY));
            if updated > last {
                // The next update has not happened by the extract.
                break;
            }
            if rng.chance(40) {
                title = Some(promoted(title.unwrap_or("Consultant")));
            }
        }
        if let (Some(work), Some(digits)) = (&p.work_email, &p.phone) {
            // The work address is only tied to the person by the same phone number.
            self.contacts.push(
                Row::new()
                    .with("email", capitalised(work))
                    .with("phone", phone_written(rng, digits))
                    .with("job_title", title)
                    .with("updated_at", moment_between(rng, from, last)),
            );
        }
    }

    /// An order placed at exactly `AS_OF`: inside a run as of that time, by the inclusive bound.
    fn boundary_order(&mut self, rng: &mut Rng, people: &[Person]) {
        let buyer = |p: &&Person| p.kind == Kind::Member && p.buy_percent > 0;
        let Some(p) = people
            .iter()
            .filter(buyer)
            .find(|p| p.active_until == EXTRACTED)
            .or_else(|| people.iter().find(buyer))
        else {
            return;
        };
        let start = AS_OF.plus(-14 * MINUTE);
        let device = p.devices[0];
        self.session(
            rng,
            p,
            device,
            start,
            Entry::SignedIn,
            Checkout::Order(Some(AS_OF)),
        );
    }

    /// Rows no person is behind: CRM junk, QA orders, point-of-sale orders without an email.
    fn junk(&mut self, rng: &mut Rng, people: &[Person]) {
        let crm_junk: [(&str, Option<&str>, Option<&str>); 9] = [
            ("test@test.com", Some("n/a"), Some("QA Tester")),
            ("TEST@TEST.COM ", Some("12345"), None),
            ("noreply@example.com", Some("000"), None),
            ("null", Some("-"), None),
            ("N/A", None, Some("Unknown")),
            ("", Some("n/a"), None),
            ("none", Some("0"), None),
            ("asdf", None, None),
            ("noreply@example.com", None, Some("Buyer")),
        ];
        for (email, phone, title) in crm_junk {
            self.contacts.push(
                Row::new()
                    .with("email", email)
                    .with("phone", phone)
                    .with("job_title", title)
                    .with("updated_at", moment_between(rng, START, AS_OF)),
            );
        }
        // A contact imported with a placeholder address but a real phone: stitched by phone.
        if let Some(p) = people
            .iter()
            .find(|p| p.in_crm && p.phone.is_some() && p.work_email.is_none())
        {
            let digits = p.phone.clone().unwrap_or_default();
            self.contacts.push(
                Row::new()
                    .with("email", "noreply@example.com")
                    .with("phone", phone_written(rng, &digits))
                    .with("job_title", None::<String>)
                    .with("updated_at", moment_between(rng, START, AS_OF)),
            );
        }
        self.contacts.push(
            Row::new()
                .with("email", None::<String>)
                .with("phone", None::<String>)
                .with("job_title", Some("Buyer"))
                .with("updated_at", moment_between(rng, START, AS_OF)),
        );

        // One QA script run: three test orders in the same second.
        let qa = moment_between(rng, Timestamp::at(2026, 3, 1, 0, 0, 0), AS_OF);
        for amount in [100, 100, 2599] {
            self.orders.push((
                qa,
                Row::new()
                    .with("email", "test@test.com")
                    .with("amount", Money(amount))
                    .with("status", "completed")
                    .with("created_at", qa),
            ));
        }
        // Cash sales at the pop-up store: no email was asked for.
        for _ in 0..4 {
            let day = POPUP_OPENS.plus_days(rng.range(0, 13));
            let at = day.at(rng.range(10, 18), rng.range(0, 59), rng.range(0, 59));
            let amount = Money(rng.choose(&self.products).1 .0);
            self.orders.push((
                at,
                Row::new()
                    .with("email", None::<String>)
                    .with("amount", amount)
                    .with("status", "completed")
                    .with("created_at", at),
            ));
        }
    }

    fn churn_labels(&self, rng: &mut Rng, people: &[Person]) -> Vec<Row> {
        let mut labels: Vec<(Timestamp, String, bool)> = Vec::new();
        let scoring = (0..SCORINGS).map(|w| FIRST_SCORING.plus_days(7 * w));
        for day in scoring {
            let at = day.start();
            for p in people {
                let Some(uid) = &p.user_id else { continue };
                let Some(orders) = self.completed.get(uid) else {
                    continue;
                };
                if !orders.iter().any(|&o| o <= at) || !rng.chance(60) {
                    continue;
                }
                let horizon = at.plus(90 * DAY);
                let churned = !orders.iter().any(|&o| o > at && o <= horizon);
                labels.push((at, uid.clone(), churned));
            }
        }
        // Accounts deleted since: their ids are nowhere else in the data.
        for week in [2, 5, 9] {
            let day = FIRST_SCORING.plus_days(7 * week);
            labels.push((day.start(), format!("usr_{}", rng.base36(8)), true));
        }
        labels.sort();
        labels
            .into_iter()
            .map(|(at, uid, churned)| {
                Row::new()
                    .with("user_id", uid)
                    .with("label_time", at)
                    .with("churned", churned)
            })
            .collect()
    }

    fn into_dataset(mut self, labels: Vec<Row>) -> Dataset {
        let mut data = Dataset::default();
        self.web_events.sort_by_key(|(received, _)| *received);
        // Events still on an offline phone at extraction time are not in the extract.
        let web_events = self
            .web_events
            .into_iter()
            .filter(|(received, _)| *received <= EXTRACTED)
            .map(|(_, r)| r)
            .collect();
        data.source("web_events", web_events);
        sort_by_time(&mut self.identifies, "sent_at");
        data.source("identifies", self.identifies);
        self.orders.sort_by_key(|(at, _)| *at);
        let orders = self
            .orders
            .into_iter()
            .enumerate()
            .map(|(i, (_, row))| row.with("order_id", format!("SO-{}", 10_001 + i)))
            .collect();
        data.source("orders", orders);
        sort_by_time(&mut self.contacts, "updated_at");
        data.source("crm_contacts", self.contacts);
        data.labels("churn_labels", labels);
        data
    }
}

/// Sorts rows by their timestamp column, keeping the generation order of ties.
fn sort_by_time(rows: &mut [Row], column: &str) {
    rows.sort_by_key(|r| match r.get(column) {
        Some(crate::value::Value::Timestamp(t)) => Some(*t),
        _ => None,
    });
}
