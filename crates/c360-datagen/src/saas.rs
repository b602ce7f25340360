//! The story behind `examples/saas`: Ledgerline, a B2B analytics product sold per seat, from
//! 2026-01-01 until the data was extracted on 2026-07-02 06:00. The example's tests and docs
//! run it as of [`AS_OF`], 2026-06-30 00:00:00, so the last two days are "the future".
//!
//! Who is in it:
//!
//! - [`DIRECT_ACCOUNTS`] customer companies with a product workspace (`acc_…`), a CRM record
//!   (a 15-character Salesforce id) and a web domain, from 3-person start-ups to one
//!   enterprise. Most were customers before 2026: billing moved to a new system on
//!   2026-01-01, which recorded every existing subscription at exactly 00:00:00 that day.
//!   The others sign up during the half year: a 14-day trial, then a paid plan, the free
//!   plan or nothing. Over the months accounts add seats, upgrade, fall past due, cancel;
//!   two cancellations are scheduled for 2026-07-01, after [`AS_OF`];
//! - [`MANAGED_ACCOUNTS`] small companies managed by a reseller, Cloudway Partners, whose
//!   sales team typed the reseller's web site into each client's CRM record. That domain is
//!   linked to more than 25 accounts, over the `domain` id type's `max_links`, so it is
//!   dropped instead of merging the reseller's clients into one account;
//! - prospects that exist only in the CRM and the help desk;
//! - people: each account's users, invited over time, each with a user id, a work email and
//!   one or two browser cookies; some leave (their seat is deactivated), a few consultants
//!   hold seats in two client accounts. The enterprise account registers its contractors'
//!   seats under one shared mailbox, linked to more user ids than the `email` id type's
//!   `max_links = 20`;
//! - a trade-show demo laptop: at a conference in March, dozens of customers signed in on
//!   the booth's laptop, so its one cookie is linked to more users than `anonymous_id`'s
//!   `max_links = 50`, and it is dropped.
//!
//! What else real data has, and this has:
//!
//! - identifiers written differently in each system: CRM web sites as
//!   `https://www.Acme.io/pricing`, help desk domains in capitals, workspace ids upper-cased
//!   with a stray space in the labels spreadsheet, emails in mixed case;
//! - junk the id types reject: events of the `system` user and of user `0`, the all-zero
//!   iOS advertising id and `undefined` as cookies, QA events in a `test_workspace` and
//!   legacy numeric workspace ids, CRM links to legacy ids, tickets from free mail domains,
//!   seats under the excluded `admin@example.com`;
//! - nulls in optional columns: `feature_name` outside "Feature Used", CSAT before the
//!   survey is answered, `paid_at` of unpaid invoices, draft invoices without an issue time,
//!   CRM rows before sales linked the workspace, tickets the help desk could not match to an
//!   organization;
//! - ties: the migration rows, invoices issued at midnight on the same billing day, the
//!   scheduled reports of several accounts at 02:00:00 on the same Mondays, a voided invoice
//!   and its replacement, label times shared by every label of an observation date;
//! - late events: the events file is in the order events were received; the mobile app
//!   delivers events recorded offline hours or days late (the schema has no load-time column);
//! - statuses of every kind: trialing, active, past_due and canceled subscriptions; draft,
//!   open (some overdue), paid, void and uncollectible invoices;
//! - rows after [`AS_OF`]: events, tickets, the invoices of 1 and 2 July and the scheduled
//!   cancellations of 2026-07-01.
//!
//! The seats table is a snapshot taken at extraction time, like the real billing table.
//!
//! The expansion labels: on 2026-02-01, 2026-03-01 and 2026-04-01, revenue operations
//! recorded paying accounts; `expanded` is true when their MRR 90 days later was at least
//! 20% higher, and `expansion_mrr` is the MRR added (0 when it did not grow). Two labels name
//! workspaces deleted since, which appear nowhere else.

use crate::names::{capitalised, slug, typed_email, work_email, Name, Unique, MAIL_PROVIDERS};
use crate::time::{Date, Timestamp, DAY, HOUR};
use crate::value::{Dataset, Money, Row};
use c360_rng::Rng;

/// The seed of the whole story.
pub const SEED: u64 = 0x5AA5_2026_0630_0002;
/// The first day of data, and the moment billing migrated to the new system.
pub const START: Timestamp = Timestamp::at(2026, 1, 1, 0, 0, 0);
/// The `as_of` the example's tests and docs use.
pub const AS_OF: Timestamp = Timestamp::at(2026, 6, 30, 0, 0, 0);
/// When the data was extracted: nothing happens after it.
pub const EXTRACTED: Timestamp = Timestamp::at(2026, 7, 2, 6, 0, 0);
/// Customer companies that deal with the vendor directly.
pub const DIRECT_ACCOUNTS: usize = 44;
/// Small companies managed by the reseller.
pub const MANAGED_ACCOUNTS: usize = 16;
/// Companies in the CRM that never got a workspace.
pub const PROSPECTS: usize = 8;
/// The reseller's web site, as its sales team typed it into its clients' CRM records.
pub const RESELLER_WEBSITE: &str = "https://www.cloudwaypartners.com/clients";
/// The contractors' shared mailbox of the enterprise account (its domain is appended).
pub const CONTRACTOR_MAILBOX: &str = "contractors";
/// How many contractor seats share that mailbox.
pub const CONTRACTORS: usize = 24;
/// The cookie of the trade-show demo laptop.
pub const DEMO_LAPTOP: &str = "5f0c2a9e-7d41-4b8a-9c3e-d3a1b2c4e5f6";
/// How many people sign in on it.
pub const DEMO_SIGN_INS: usize = 56;
/// The first day of the trade show; it lasts three days.
const TRADE_SHOW: Date = Date::ymd(2026, 3, 10);
/// No session starts later than this: the extract would cut it.
const LAST_SESSION: Timestamp = Timestamp::at(2026, 7, 2, 5, 0, 0);
/// When the expansion labels were recorded.
const OBSERVATION_DATES: [Date; 3] = [
    Date::ymd(2026, 2, 1),
    Date::ymd(2026, 3, 1),
    Date::ymd(2026, 4, 1),
];

/// Product areas, by how widely they are used.
const FEATURES: &[(&str, u32)] = &[
    ("dashboards", 30),
    ("reports", 20),
    ("alerts", 14),
    ("exports", 12),
    ("integrations", 8),
    ("api", 6),
    ("workflows", 5),
    ("sso", 3),
    ("audit_log", 2),
];

/// Industries as the CRM spells them.
#[rustfmt::skip]
const INDUSTRIES: &[&str] = &[
    "Software", "Retail", "Logistics", "Healthcare", "Financial Services", "Manufacturing",
    "Media", "Education", "Energy", "Hospitality",
];

/// Company names are a root and an ending ("North" + "forge"), then a kind ("Labs").
#[rustfmt::skip]
const NAME_ROOTS: &[&str] = &[
    "north", "bright", "iron", "silver", "clear", "swift", "quiet", "open", "blue", "amber",
    "cedar", "harbor", "summit", "lumen", "vector", "orbit", "maple", "granite", "tidal", "nova",
];

/// See [`NAME_ROOTS`].
#[rustfmt::skip]
const NAME_ENDS: &[&str] = &[
    "field", "stone", "path", "wave", "forge", "leaf", "line", "peak", "bridge", "works", "gate",
    "light",
];

/// See [`NAME_ROOTS`]; the empty kind gives a bare name.
#[rustfmt::skip]
const NAME_KINDS: &[&str] = &[
    "Labs", "Systems", "Analytics", "Logistics", "Health", "Foods", "Studio", "Partners",
    "Robotics", "Energy", "Group", "",
];

const ROUTINE_SUBJECTS: &[&str] = &[
    "How do I export a dashboard to PDF?",
    "SSO setup question",
    "Alert emails not arriving",
    "Add a new admin",
    "API rate limit",
    "Report shows wrong totals",
    "Integration with our warehouse keeps failing",
    "Invoice address change",
    "Login broken after password reset",
    "Feature request: dark mode",
    "Slow dashboard load times",
    "Question about seat pricing",
];

const RISK_SUBJECTS: &[&str] = &[
    "How do we cancel our subscription?",
    "Downgrade to the team plan",
    "Request for refund of last invoice",
    "This is too expensive for us",
    "Please CANCEL auto-renewal",
    "Pricing is too pricey for a team our size",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Plan {
    Free,
    Team,
    Business,
    Enterprise,
}

impl Plan {
    fn name(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Team => "team",
            Plan::Business => "business",
            Plan::Enterprise => "enterprise",
        }
    }

    /// Monthly price per seat, in cents.
    fn seat_price(self) -> i64 {
        match self {
            Plan::Free => 0,
            Plan::Team => 1500,
            Plan::Business => 3500,
            Plan::Enterprise => 3000,
        }
    }
}

/// One row of the subscription history.
#[derive(Clone, Debug)]
struct Change {
    at: Timestamp,
    plan: Plan,
    status: &'static str,
    seats: i64,
    mrr: Money,
}

fn mrr_of(plan: Plan, seats: i64) -> Money {
    // Enterprise contracts have a floor.
    let base = plan.seat_price() * seats;
    Money(if plan == Plan::Enterprise {
        base.max(250_000)
    } else {
        base
    })
}

#[derive(Clone, Debug)]
struct Company {
    name: String,
    domain: String,
    industry: Option<&'static str>,
    employees: i64,
    crm_id: String,
    /// The product workspace; none for prospects.
    workspace: Option<String>,
    /// When the workspace was created; before `START` for existing customers.
    created: Timestamp,
    managed: bool,
    subscription_id: String,
    changes: Vec<Change>,
    /// When the account stopped using the product, if it did.
    churned: Option<Timestamp>,
    /// Product areas the account uses.
    features: Vec<&'static str>,
    /// Whether the account's health is poor (more tickets, some about leaving).
    at_risk: bool,
    users: Vec<usize>,
}

impl Company {
    fn mrr_at(&self, t: Timestamp) -> Option<Money> {
        self.changes.iter().rev().find(|c| c.at <= t).map(|c| c.mrr)
    }
}

#[derive(Clone, Debug)]
struct User {
    user_id: String,
    email: String,
    cookies: Vec<String>,
    account: usize,
    /// A second client account a consultant works in.
    second_account: Option<usize>,
    joined: Timestamp,
    left: Option<Timestamp>,
    seat_type: &'static str,
    /// Sessions per quarter.
    sessions_per_quarter: i64,
    /// Whether the user arrived through the web sign-up (and browsed the site before).
    signed_up_in_period: bool,
    contractor: bool,
}

struct Saas {
    companies: Vec<Company>,
    users: Vec<User>,
    /// Events with the time they were received, which orders the file.
    events: Vec<(Timestamp, Row)>,
    tickets: Vec<(Timestamp, Row)>,
    invoices: Vec<Row>,
    crm: Vec<Row>,
    seats: Vec<Row>,
}

/// Generates the product's tables.
pub fn generate(seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let mut saas = Saas {
        companies: Vec::new(),
        users: Vec::new(),
        events: Vec::new(),
        tickets: Vec::new(),
        invoices: Vec::new(),
        crm: Vec::new(),
        seats: Vec::new(),
    };
    saas.companies(&mut rng.fork(1));
    saas.people(&mut rng.fork(2));
    for i in 0..saas.users.len() {
        saas.user_activity(&mut rng.fork(1000 + i as u64), i);
    }
    for i in 0..saas.companies.len() {
        let mut rng = rng.fork(5000 + i as u64);
        saas.invoices_of(&mut rng, i);
        saas.tickets_of(&mut rng, i);
        saas.crm_of(&mut rng, i);
        saas.scheduled_reports(&mut rng, i);
    }
    saas.seats_snapshot(&mut rng.fork(3));
    saas.trade_show(&mut rng.fork(4));
    saas.junk(&mut rng.fork(5));
    let labels = saas.expansion_labels(&mut rng.fork(6));
    saas.into_dataset(&mut rng.fork(7), labels)
}

/// A moment on a working day between 08:00 and 19:00, in `(from, to)` when possible.
fn work_moment(rng: &mut Rng, from: Timestamp, to: Timestamp) -> Timestamp {
    let days = from.date().days_until(to.date()).max(0);
    for _ in 0..12 {
        let day = from.date().plus_days(rng.range(0, days));
        // Weekends are quiet, not empty.
        if day.weekday() >= 5 && !rng.chance(15) {
            continue;
        }
        let t = day.at(rng.range(8, 18), rng.range(0, 59), rng.range(0, 59));
        if t > from && t < to {
            return t;
        }
    }
    from.plus(rng.range(1, from.seconds_until(to).max(2) - 1))
}

impl Saas {
    fn companies(&mut self, rng: &mut Rng) {
        let mut domains = Unique::default();
        let mut ids = Unique::default();
        let total = DIRECT_ACCOUNTS + MANAGED_ACCOUNTS + PROSPECTS;
        for i in 0..total {
            let managed = (DIRECT_ACCOUNTS..DIRECT_ACCOUNTS + MANAGED_ACCOUNTS).contains(&i);
            let prospect = i >= DIRECT_ACCOUNTS + MANAGED_ACCOUNTS;
            let root = format!("{}{}", rng.choose(NAME_ROOTS), rng.choose(NAME_ENDS));
            let kind = *rng.choose(NAME_KINDS);
            let tld = *rng.choose_weighted(&[(".com", 6), (".io", 3), (".co", 1), (".ai", 1)]);
            let domain = domains.claim(format!("{root}{tld}"), |n| format!("{root}{n}{tld}"));
            let name = format!("{}{} {kind}", capitalised(&root[..1]), &root[1..])
                .trim_end()
                .to_string();
            // The first direct account is the enterprise; the reseller's clients are small.
            let employees = if i == 0 {
                rng.range(4000, 9000)
            } else if managed {
                rng.range(4, 40)
            } else {
                match rng.below(10) {
                    0..=2 => rng.range(5, 20),
                    3..=6 => rng.range(20, 99),
                    7 | 8 => rng.range(100, 999),
                    _ => rng.range(1000, 3000),
                }
            };
            let crm_id = ids.draw(|| {
                format!(
                    "0015g00000{}",
                    rng.alphabet(
                        5,
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                    )
                )
            });
            let workspace = (!prospect).then(|| ids.draw(|| format!("acc_{}", rng.base36(4))));
            // About half were customers before the period.
            let created = if i == 0 || rng.chance(55) {
                Timestamp::at(2025, 1, 1, 0, 0, 0)
                    .plus(rng.range(0, 360) * DAY + rng.range(8, 18) * HOUR)
            } else {
                work_moment(rng, START.plus(DAY), Timestamp::at(2026, 6, 10, 0, 0, 0))
            };
            let mut features: Vec<&'static str> = Vec::new();
            let breadth = rng.range(2, 7);
            for _ in 0..breadth * 2 {
                let f = *rng.choose_weighted(FEATURES);
                if !features.contains(&f) && (features.len() as i64) < breadth {
                    features.push(f);
                }
            }
            let mut company = Company {
                name,
                domain,
                industry: (!rng.chance(12)).then(|| *rng.choose(INDUSTRIES)),
                employees,
                crm_id,
                workspace,
                created,
                managed,
                subscription_id: format!("sub_{}", rng.base36(12)),
                changes: Vec::new(),
                churned: None,
                features,
                at_risk: rng.chance(20),
                users: Vec::new(),
            };
            if !prospect {
                subscription_history(rng, &mut company, i == 0);
            }
            self.companies.push(company);
        }
        // Two cancellations take effect at the start of July, after the docs' as_of.
        let mut scheduled = 0;
        for company in &mut self.companies {
            let Some(last) = company.changes.last().cloned() else {
                continue;
            };
            let effective = Timestamp::at(2026, 7, 1, 0, 0, 0);
            let cancellable = last.status == "active"
                && last.at < effective
                && !matches!(last.plan, Plan::Free | Plan::Enterprise)
                && company.churned.is_none();
            if scheduled < 2 && cancellable {
                company.changes.push(Change {
                    at: effective,
                    status: "canceled",
                    mrr: Money(0),
                    seats: 0,
                    ..last
                });
                scheduled += 1;
            }
        }
    }

    fn people(&mut self, rng: &mut Rng) {
        let mut user_ids = Unique::default();
        let mut emails = Unique::default();
        for a in 0..self.companies.len() {
            if self.companies[a].changes.is_empty() {
                continue;
            }
            let company = &self.companies[a];
            let paid_seats = company.changes.iter().map(|c| c.seats).max().unwrap_or(1);
            let count = if company.managed {
                rng.range(1, 3)
            } else {
                paid_seats.clamp(2, 12).min(rng.range(2, 8))
            };
            let created = company.created;
            let end = company.churned.unwrap_or(LAST_SESSION);
            let domain = company.domain.clone();
            let existing = created < START;
            for n in 0..count {
                let name = Name::random(rng);
                let joined = if n == 0 {
                    created
                } else if existing && rng.chance(70) {
                    work_moment(rng, created, START)
                } else {
                    let from = created.max(START).plus(DAY);
                    work_moment(rng, from, end.max(from.plus(2 * DAY)))
                };
                let left =
                    (n > 0 && rng.chance(10)).then(|| work_moment(rng, joined.max(START), end));
                let seat_type = if n == 0 || (count > 6 && n == 1) {
                    "admin"
                } else if rng.chance(20) {
                    "viewer"
                } else {
                    "member"
                };
                let user = User {
                    user_id: user_ids.draw(|| format!("u_{}", rng.base36(8))),
                    email: work_email(rng, &name, &domain, &mut emails),
                    cookies: (0..rng.range(1, 2)).map(|_| rng.uuid()).collect(),
                    account: a,
                    second_account: None,
                    joined,
                    left,
                    seat_type,
                    sessions_per_quarter: *rng.choose_weighted(&[
                        (2i64, 4),
                        (3, 4),
                        (6, 2),
                        (12, 1),
                    ]),
                    signed_up_in_period: joined >= START,
                    contractor: false,
                };
                self.companies[a].users.push(self.users.len());
                self.users.push(user);
            }
        }
        // The enterprise's contractors: seats under one shared mailbox, light use.
        let enterprise = 0;
        let domain = self.companies[enterprise].domain.clone();
        for _ in 0..CONTRACTORS {
            let joined = work_moment(rng, START, Timestamp::at(2026, 5, 1, 0, 0, 0));
            let user = User {
                user_id: user_ids.draw(|| format!("u_{}", rng.base36(8))),
                email: format!("{CONTRACTOR_MAILBOX}@{domain}"),
                cookies: vec![rng.uuid()],
                account: enterprise,
                second_account: None,
                joined,
                left: rng
                    .chance(30)
                    .then(|| work_moment(rng, joined, LAST_SESSION)),
                seat_type: "member",
                sessions_per_quarter: 2,
                signed_up_in_period: false,
                contractor: true,
            };
            self.companies[enterprise].users.push(self.users.len());
            self.users.push(user);
        }
        // Consultants: a few people of the reseller's clients also work in a direct account.
        let managed_users: Vec<usize> = (0..self.users.len())
            .filter(|&u| self.companies[self.users[u].account].managed)
            .collect();
        for (k, &u) in managed_users.iter().step_by(7).take(5).enumerate() {
            let other = 1 + (k * 7) % (DIRECT_ACCOUNTS - 1);
            if self.companies[other].churned.is_none() {
                self.users[u].second_account = Some(other);
            }
        }
    }

    /// The events of one user: sign-up, sign-ins, sessions using the account's features.
    fn user_activity(&mut self, rng: &mut Rng, u: usize) {
        let user = self.users[u].clone();
        let company = self.companies[user.account].clone();
        let account = company.workspace.clone();
        let features = company.features.clone();
        let from = user.joined.max(START);
        let until = [user.left, company.churned, Some(LAST_SESSION)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(LAST_SESSION);
        if until <= from {
            return;
        }
        if user.signed_up_in_period && !user.contractor {
            // Marketing site visits, then the sign-up (or invitation accepted) that links the
            // cookie to the new user.
            let cookie = &user.cookies[0];
            let mut t = from.plus(-rng.range(HOUR, 6 * DAY)).max(START);
            for _ in 0..rng.range(0, 2) {
                self.event(rng, t, cookie_row(cookie, None, None, "Page Viewed", None));
                t = t.plus(rng.range(30, 600));
            }
            let name = if company.created == user.joined {
                "Signed Up"
            } else {
                "Invite Accepted"
            };
            self.event(
                rng,
                from,
                cookie_row(cookie, Some(&user.user_id), account.as_deref(), name, None),
            );
        }
        let quarters = from.seconds_until(until) as f64 / (91.0 * DAY as f64);
        let sessions = ((quarters * user.sessions_per_quarter as f64).round() as i64).clamp(1, 12);
        let mut times: Vec<Timestamp> = (0..sessions)
            .map(|_| work_moment(rng, from, until))
            .collect();
        times.sort();
        let mut signed_in = vec![false; user.cookies.len()];
        for t in times {
            // A consultant's sessions are split between the two client accounts.
            let account = match user.second_account {
                Some(other) if rng.chance(40) => self.companies[other].workspace.clone(),
                _ => account.clone(),
            };
            let mobile = rng.chance(20);
            let offline = (mobile && rng.chance(15)).then(|| rng.range(HOUR, 2 * DAY));
            let device = rng.below(user.cookies.len() as u64) as usize;
            let mut t = t;
            if !mobile && (!signed_in[device] || rng.chance(10)) {
                signed_in[device] = true;
                let row = cookie_row(
                    &user.cookies[device],
                    Some(&user.user_id),
                    account.as_deref(),
                    "Signed In",
                    None,
                );
                self.event(rng, t, row);
                t = t.plus(rng.range(2, 20));
            }
            let row = app_row(&user.user_id, account.as_deref(), "Session Started", None);
            self.event_at(rng, t, row, offline);
            let uses = *rng.choose_weighted(&[(0usize, 2), (1, 4), (2, 3), (3, 1)]);
            for _ in 0..uses {
                t = t.plus(rng.range(30, 900));
                let feature = *rng.choose(&features);
                self.event_at(
                    rng,
                    t,
                    app_row(
                        &user.user_id,
                        account.as_deref(),
                        "Feature Used",
                        Some(feature),
                    ),
                    offline,
                );
            }
            if user.seat_type == "admin" && rng.chance(12) {
                t = t.plus(rng.range(30, 300));
                self.event_at(
                    rng,
                    t,
                    app_row(&user.user_id, account.as_deref(), "Invite Sent", None),
                    offline,
                );
            }
        }
    }

    /// Records an event sent by the web SDK or the backend: received within seconds.
    fn event(&mut self, rng: &mut Rng, at: Timestamp, row: Row) {
        self.event_at(rng, at, row, None);
    }

    /// Records an event; `offline` delays its arrival by that many seconds.
    fn event_at(&mut self, rng: &mut Rng, at: Timestamp, row: Row, offline: Option<i64>) {
        let received = at.plus(offline.unwrap_or_else(|| rng.range(1, 30)));
        self.events.push((received, row.with("occurred_at", at)));
    }

    /// Reports scheduled by the `system` user: every other Monday at 02:00:00, the same
    /// moment for every account that has them.
    fn scheduled_reports(&mut self, rng: &mut Rng, a: usize) {
        let company = &self.companies[a];
        let Some(workspace) = company.workspace.clone() else {
            return;
        };
        if !company.features.contains(&"reports") || company.managed || !rng.chance(50) {
            return;
        }
        let until = company.churned.unwrap_or(EXTRACTED);
        let mut day = company.created.max(START).date().plus_days(1);
        while day.weekday() != 0 {
            day = day.plus_days(1);
        }
        while day.at(2, 0, 0) < until {
            let row = app_row("system", Some(&workspace), "Report Scheduled", None);
            self.event_at(rng, day.at(2, 0, 0), row, None);
            day = day.plus_days(14);
        }
    }

    fn invoices_of(&mut self, rng: &mut Rng, a: usize) {
        let company = self.companies[a].clone();
        let Some(workspace) = company.workspace.clone() else {
            return;
        };
        let Some(first_paid) = company.changes.iter().find(|c| c.mrr.0 > 0) else {
            return;
        };
        // Invoices are issued at midnight on the billing day, monthly (yearly for enterprise);
        // accounts older than the migration keep the billing day they signed up on.
        let anchor = if company.created < START {
            company.created
        } else {
            first_paid.at
        }
        .date()
        .parts()
        .2
        .min(28);
        let annual = first_paid.plan == Plan::Enterprise;
        let (y, m, _) = first_paid.at.date().parts();
        let mut day = Date::ymd(y, m, anchor);
        while day.start() < START {
            day = day.plus_months(if annual { 12 } else { 1 });
        }
        if day.start() < first_paid.at {
            day = day.plus_months(if annual { 12 } else { 1 });
        }
        let net = if first_paid.plan == Plan::Team {
            14
        } else {
            30
        };
        while day.start() <= EXTRACTED {
            let issued = day.start();
            let Some(index) = company.changes.iter().rposition(|c| c.at <= issued) else {
                break;
            };
            let change = &company.changes[index];
            if change.mrr.0 == 0 {
                if change.status == "canceled" {
                    break;
                }
                day = day.plus_months(1);
                continue;
            }
            let amount = Money(change.mrr.0 * if annual { 12 } else { 1 });
            let due = day.plus_days(net);
            let past_due = change.status == "past_due";
            // A past-due period that ended in a cancellation is written off.
            let written_off = past_due
                && company
                    .changes
                    .get(index + 1)
                    .is_some_and(|next| next.status == "canceled" && next.at <= EXTRACTED);
            let paid_at = issued.plus(rng.range(HOUR, 18 * DAY));
            let (status, paid) = if written_off {
                ("uncollectible", None)
            } else if past_due {
                ("open", None)
            } else if paid_at <= EXTRACTED && !(company.at_risk && rng.chance(15)) {
                ("paid", Some(paid_at))
            } else {
                ("open", None)
            };
            if rng.chance(3) {
                // Issued with a wrong amount, voided, and issued again in the same second.
                self.invoices.push(invoice_row(
                    &workspace,
                    Money(amount.0 + 1000),
                    "void",
                    Some(due),
                    None,
                    Some(issued),
                ));
            }
            self.invoices.push(invoice_row(
                &workspace,
                amount,
                status,
                Some(due),
                paid,
                Some(issued),
            ));
            day = day.plus_months(if annual { 12 } else { 1 });
        }
        // Some accounts have the next invoice drafted, not issued yet.
        let last = company.changes.last().map(|c| c.mrr).unwrap_or_default();
        if last.0 > 0 && !annual && rng.chance(30) {
            self.invoices
                .push(invoice_row(&workspace, last, "draft", None, None, None));
        }
    }

    fn tickets_of(&mut self, rng: &mut Rng, a: usize) {
        let company = self.companies[a].clone();
        let from = company.created.max(START);
        let until = company.churned.unwrap_or(EXTRACTED).min(EXTRACTED);
        if until <= from {
            return;
        }
        let count = if company.workspace.is_none() {
            rng.range(0, 1)
        } else if company.at_risk {
            rng.range(2, 6)
        } else {
            rng.range(0, 3)
        };
        for _ in 0..count {
            let at = work_moment(rng, from, until);
            let requester = if company.users.is_empty() {
                // A prospect asking before buying.
                let name = Name::random(rng);
                format!(
                    "{}.{}@{}",
                    slug(name.first),
                    slug(name.last),
                    company.domain
                )
            } else if rng.chance(8) {
                // A user writing from a personal address.
                let name = Name::random(rng);
                let provider = rng.choose_weighted(MAIL_PROVIDERS);
                format!("{}.{}@{provider}", slug(name.first), slug(name.last))
            } else {
                let u = *rng.choose(&company.users);
                typed_email(rng, &self.users[u].email)
            };
            let requester_domain = requester
                .rsplit('@')
                .next()
                .unwrap_or_default()
                .trim()
                .to_lowercase();
            let organization = if rng.chance(10) {
                None
            } else if MAIL_PROVIDERS.iter().any(|(d, _)| *d == requester_domain) {
                Some(requester_domain)
            } else {
                Some(match rng.below(6) {
                    0 => company.domain.to_uppercase(),
                    1 => format!("https://{}", company.domain),
                    2 => capitalised(&company.domain),
                    _ => company.domain.clone(),
                })
            };
            let subject = if company.at_risk && rng.chance(35) {
                *rng.choose(RISK_SUBJECTS)
            } else {
                *rng.choose(ROUTINE_SUBJECTS)
            };
            let priority =
                *rng.choose_weighted(&[("low", 25), ("normal", 50), ("high", 17), ("urgent", 8)]);
            let answered = at.plus(3 * DAY) < EXTRACTED && rng.chance(55);
            let csat = answered.then(|| {
                if company.at_risk {
                    rng.range(1, 4)
                } else {
                    *rng.choose_weighted(&[(3i64, 2), (4, 4), (5, 5)])
                }
            });
            self.tickets.push((
                at,
                Row::new()
                    .with("requester_email", requester)
                    .with("organization_domain", organization)
                    .with("priority", priority)
                    .with("subject", subject)
                    .with("csat", csat)
                    .with("created_at", at),
            ));
        }
    }

    fn crm_of(&mut self, rng: &mut Rng, a: usize) {
        let company = self.companies[a].clone();
        let website = |rng: &mut Rng, domain: &str| -> String {
            match rng.below(6) {
                0 => format!("https://www.{domain}/"),
                1 => format!("http://{domain}/about"),
                2 => format!("www.{}", capitalised(domain)),
                3 => format!("https://www.{}/pricing", capitalised(domain)),
                _ => domain.to_string(),
            }
        };
        let first = if company.created < START {
            START.date()
        } else {
            company.created.date().plus_days(rng.range(0, 10))
        };
        // Sales links new accounts to their workspace some days after creating the record.
        let linked_later = company.created >= START && rng.chance(40);
        let mut employees = company.employees;
        let mut name = company.name.clone();
        let mut day = first;
        let rows = rng.range(1, 4);
        for n in 0..rows {
            if day.start() > EXTRACTED {
                break;
            }
            let site = if company.managed {
                RESELLER_WEBSITE.to_string()
            } else {
                website(rng, &company.domain)
            };
            let link = if n == 0 && linked_later {
                None
            } else {
                company.workspace.clone()
            };
            self.crm.push(
                Row::new()
                    .with("crm_account_id", company.crm_id.clone())
                    .with("website", site)
                    .with("product_account_id", link)
                    .with("name", name.clone())
                    .with("industry", company.industry)
                    .with("employee_count", (!rng.chance(5)).then_some(employees))
                    .with("snapshot_date", day),
            );
            day = day.plus_days(rng.range(5, 80));
            employees = (employees as f64 * (1.0 + rng.unit() * 0.3)).round() as i64;
            if rng.chance(15) && !name.ends_with("Inc.") {
                name = format!("{name} Inc.");
            }
        }
    }

    fn seats_snapshot(&mut self, rng: &mut Rng) {
        for u in 0..self.users.len() {
            let user = &self.users[u];
            let company = &self.companies[user.account];
            let Some(workspace) = company.workspace.clone() else {
                continue;
            };
            let active = user.left.is_none() && company.churned.is_none();
            let email = if user.contractor {
                user.email.clone()
            } else if rng.chance(2) {
                // A placeholder some admins type when inviting: excluded by the email rules.
                "admin@example.com".to_string()
            } else if rng.chance(4) {
                // Invited through SSO, before the directory sync filled the address in.
                String::new()
            } else {
                typed_email(rng, &user.email)
            };
            let seat = |account: String, seat_type: &str, assigned: Date| {
                Row::new()
                    .with("account_id", account)
                    .with("user_id", user.user_id.clone())
                    .with("email", (!email.is_empty()).then(|| email.clone()))
                    .with("seat_type", seat_type.to_string())
                    .with("is_active", active)
                    .with("assigned_on", assigned)
            };
            let mut rows = vec![seat(workspace, user.seat_type, user.joined.date())];
            if let Some(other) = user
                .second_account
                .and_then(|o| self.companies[o].workspace.clone())
            {
                rows.push(seat(
                    other,
                    "member",
                    user.joined.max(START).date().plus_days(20),
                ));
            }
            self.seats.extend(rows);
        }
    }

    /// The booth laptop at the trade show: customers sign in to show colleagues something.
    fn trade_show(&mut self, rng: &mut Rng) {
        let mut visitors: Vec<usize> = (0..self.users.len())
            .filter(|&u| {
                let user = &self.users[u];
                let company = &self.companies[user.account];
                !user.contractor
                    && user.joined < TRADE_SHOW.start()
                    && company.churned.is_none_or(|c| c > TRADE_SHOW.start())
            })
            .collect();
        rng.shuffle(&mut visitors);
        for &u in visitors.iter().take(DEMO_SIGN_INS) {
            let user = self.users[u].clone();
            let account = self.companies[user.account].workspace.clone();
            let day = TRADE_SHOW.plus_days(rng.range(0, 2));
            let t = day.at(rng.range(9, 17), rng.range(0, 59), rng.range(0, 59));
            let row = cookie_row(
                DEMO_LAPTOP,
                Some(&user.user_id),
                account.as_deref(),
                "Signed In",
                None,
            );
            self.event(rng, t, row);
            let row = cookie_row(
                DEMO_LAPTOP,
                Some(&user.user_id),
                account.as_deref(),
                "Feature Used",
                Some("dashboards"),
            );
            let later = t.plus(rng.range(20, 200));
            self.event(rng, later, row);
        }
    }

    /// Events and rows no real person or company is behind.
    fn junk(&mut self, rng: &mut Rng) {
        let live: Vec<String> = self
            .companies
            .iter()
            .filter(|c| c.churned.is_none())
            .filter_map(|c| c.workspace.clone())
            .collect();
        for _ in 0..40 {
            let at = work_moment(rng, START, LAST_SESSION);
            let row = match rng.below(5) {
                // Logged-out API calls.
                0 => app_row("0", Some(rng.choose(&live).as_str()), "API Request", None),
                // The iOS app with ad tracking limited.
                1 => cookie_row(
                    "00000000-0000-0000-0000-000000000000",
                    None,
                    None,
                    "App Opened",
                    None,
                ),
                2 => cookie_row("undefined", None, None, "Page Viewed", None),
                // The QA team's test workspace.
                3 => app_row(
                    "u_qa",
                    Some("test_workspace"),
                    "Feature Used",
                    Some(rng.choose(FEATURES).0),
                ),
                // An old mobile app version still sends the legacy numeric workspace id.
                _ => app_row(
                    "-1",
                    Some(&format!("{}", rng.range(10_000, 99_999))),
                    "Session Started",
                    None,
                ),
            };
            self.event(rng, at, row);
        }
        // CRM records pointing at legacy ids or with a free mail web site.
        let junk_crm: [(&str, &str, &str); 3] = [
            ("gmail.com", "10234", "Jordan Reyes (sole trader)"),
            ("n/a", "test_workspace", "Test Account - do not use"),
            ("https://www.hotmail.com", "ACC-LEGACY-7", "Old import"),
        ];
        let mut ids = Unique::default();
        for (site, link, name) in junk_crm {
            let id = ids.draw(|| {
                format!(
                    "0015g00000{}",
                    rng.alphabet(5, b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                )
            });
            self.crm.push(
                Row::new()
                    .with("crm_account_id", id)
                    .with("website", site)
                    .with("product_account_id", link)
                    .with("name", name)
                    .with("industry", None::<String>)
                    .with("employee_count", Some(1_i64))
                    .with("snapshot_date", work_moment(rng, START, AS_OF).date()),
            );
        }
        // The reseller's own record, on its real domain.
        self.crm.push(
            Row::new()
                .with(
                    "crm_account_id",
                    ids.draw(|| {
                        format!(
                            "0015g00000{}",
                            rng.alphabet(5, b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                        )
                    }),
                )
                .with("website", "cloudwaypartners.com")
                .with("product_account_id", None::<String>)
                .with("name", "Cloudway Partners")
                .with("industry", Some("Software"))
                .with("employee_count", Some(35_i64))
                .with("snapshot_date", START.date()),
        );
    }

    fn expansion_labels(&self, rng: &mut Rng) -> Vec<Row> {
        let mut labels: Vec<(Timestamp, String, bool, Money)> = Vec::new();
        for day in OBSERVATION_DATES {
            let at = day.start();
            for company in &self.companies {
                let Some(workspace) = &company.workspace else {
                    continue;
                };
                let Some(now) = company.mrr_at(at).filter(|m| m.0 > 0) else {
                    continue;
                };
                if !rng.chance(85) {
                    continue;
                }
                let later = company.mrr_at(at.plus(90 * DAY)).unwrap_or_default();
                let added = Money((later.0 - now.0).max(0));
                let expanded = later.0 * 10 >= now.0 * 12;
                // The spreadsheet sometimes has the id upper-cased, with a stray space.
                let written = if rng.chance(10) {
                    format!(" {}", workspace.to_uppercase())
                } else {
                    workspace.clone()
                };
                labels.push((at, written, expanded, added));
            }
        }
        for day in [OBSERVATION_DATES[0], OBSERVATION_DATES[2]] {
            labels.push((
                day.start(),
                format!("acc_{}", rng.base36(4)),
                false,
                Money(0),
            ));
        }
        labels.sort_by(|a, b| {
            (a.0, a.1.trim().to_lowercase()).cmp(&(b.0, b.1.trim().to_lowercase()))
        });
        labels
            .into_iter()
            .map(|(at, account, expanded, added)| {
                Row::new()
                    .with("product_account_id", account)
                    .with("observed_at", at)
                    .with("expanded", expanded)
                    .with("expansion_mrr", added)
            })
            .collect()
    }

    fn into_dataset(mut self, rng: &mut Rng, labels: Vec<Row>) -> Dataset {
        let mut data = Dataset::default();
        self.events.sort_by_key(|(received, _)| *received);
        let events: Vec<Row> = self
            .events
            .into_iter()
            .filter(|(received, _)| *received <= EXTRACTED)
            .map(|(_, row)| row.with("event_id", format!("evt_{}", rng.hex(12))))
            .collect();
        data.source("product_events", events);
        data.source("seats", self.seats);

        let mut subscriptions: Vec<(Timestamp, Row)> = Vec::new();
        for company in &self.companies {
            let Some(workspace) = &company.workspace else {
                continue;
            };
            for c in &company.changes {
                subscriptions.push((
                    c.at,
                    Row::new()
                        .with("subscription_id", company.subscription_id.clone())
                        .with("account_id", workspace.clone())
                        .with("plan", c.plan.name())
                        .with("status", c.status)
                        .with("mrr", c.mrr)
                        .with("seat_count", c.seats)
                        .with("changed_at", c.at),
                ));
            }
        }
        subscriptions.sort_by_key(|(at, _)| *at);
        data.source(
            "subscriptions",
            subscriptions.into_iter().map(|(_, r)| r).collect(),
        );

        // Invoices in the order they were issued; drafts, not issued yet, last.
        self.invoices.sort_by_key(|r| match r.get("issued_at") {
            Some(crate::value::Value::Timestamp(t)) => (0, Some(*t)),
            _ => (1, None),
        });
        let invoices = self
            .invoices
            .into_iter()
            .enumerate()
            .map(|(i, row)| row.with("invoice_id", format!("in_{:05}", 20_001 + i)))
            .collect();
        data.source("invoices", invoices);

        self.tickets.sort_by_key(|(at, _)| *at);
        let tickets = self
            .tickets
            .into_iter()
            .enumerate()
            .map(|(i, (_, row))| row.with("ticket_id", format!("{}", 48_101 + i)))
            .collect();
        data.source("support_tickets", tickets);

        self.crm.sort_by_key(|r| match r.get("snapshot_date") {
            Some(crate::value::Value::Date(d)) => Some(*d),
            _ => None,
        });
        data.source("crm_accounts", self.crm);
        data.labels("expansion_labels", labels);
        data
    }
}

/// The subscription history of a workspace.
fn subscription_history(rng: &mut Rng, company: &mut Company, enterprise: bool) {
    let seats_for =
        |rng: &mut Rng, employees: i64| -> i64 { (employees / rng.range(3, 12)).clamp(2, 60) };
    let mut changes = Vec::new();
    let mut at;
    let (mut plan, mut seats);
    if company.created < START {
        plan = if enterprise {
            Plan::Enterprise
        } else {
            *rng.choose_weighted(&[(Plan::Team, 50), (Plan::Business, 38), (Plan::Free, 7)])
        };
        seats = if plan == Plan::Free {
            3
        } else {
            seats_for(rng, company.employees)
        };
        at = START;
        let status = if rng.chance(5) { "past_due" } else { "active" };
        changes.push(Change {
            at,
            plan,
            status,
            seats,
            mrr: mrr_of(plan, seats),
        });
    } else {
        at = company.created;
        plan = Plan::Team;
        seats = 5;
        changes.push(Change {
            at,
            plan,
            status: "trialing",
            seats,
            mrr: Money(0),
        });
        at = at.plus(14 * DAY);
        let outcome = rng.below(100);
        if at > EXTRACTED {
            company.changes = changes;
            return;
        }
        if outcome < 60 {
            plan = *rng.choose_weighted(&[(Plan::Team, 3), (Plan::Business, 2)]);
            seats = seats_for(rng, company.employees).min(25);
            changes.push(Change {
                at,
                plan,
                status: "active",
                seats,
                mrr: mrr_of(plan, seats),
            });
        } else if outcome < 85 {
            plan = Plan::Free;
            seats = 3;
            changes.push(Change {
                at,
                plan,
                status: "active",
                seats,
                mrr: Money(0),
            });
        } else {
            changes.push(Change {
                at,
                plan,
                status: "canceled",
                seats: 0,
                mrr: Money(0),
            });
            company.churned = Some(at);
            company.changes = changes;
            return;
        }
    }
    // Month by month: growth, trouble, or nothing.
    let mut status = changes.last().map(|c| c.status).unwrap_or("active");
    loop {
        at = work_moment(rng, at.plus(20 * DAY), at.plus(40 * DAY));
        if at > EXTRACTED {
            break;
        }
        let roll = rng.below(100);
        let growth = if company.at_risk { 8 } else { 22 };
        let (new_plan, new_seats, new_status) = if status == "past_due" {
            if rng.chance(65) {
                (plan, seats, "active")
            } else {
                (plan, 0, "canceled")
            }
        } else if roll < growth && plan != Plan::Free {
            (plan, seats + rng.range(1, 6), "active")
        } else if roll < growth + 4 && matches!(plan, Plan::Team | Plan::Free) {
            (Plan::Business, seats.max(5) + rng.range(0, 4), "active")
        } else if roll < growth + 9 && seats > 3 && plan != Plan::Free {
            (plan, seats - rng.range(1, 2), "active")
        } else if roll < growth + 12 && plan != Plan::Free && plan != Plan::Enterprise {
            (plan, seats, "past_due")
        } else if roll < growth + 14 && company.at_risk && plan != Plan::Enterprise {
            (plan, 0, "canceled")
        } else {
            continue;
        };
        plan = new_plan;
        seats = new_seats;
        status = new_status;
        let mrr = if status == "canceled" {
            Money(0)
        } else {
            mrr_of(plan, seats)
        };
        changes.push(Change {
            at,
            plan,
            status,
            seats,
            mrr,
        });
        if status == "canceled" {
            company.churned = Some(at);
            break;
        }
    }
    company.changes = changes;
}

/// An event from the browser: it carries the cookie.
fn cookie_row(
    cookie: &str,
    user: Option<&str>,
    account: Option<&str>,
    event: &str,
    feature: Option<&str>,
) -> Row {
    Row::new()
        .with("anonymous_id", cookie)
        .with("user_id", user)
        .with("account_id", account)
        .with("event", event)
        .with("feature_name", feature)
}

/// An event from the app's backend: it knows the user and the workspace, not the cookie.
fn app_row(user: &str, account: Option<&str>, event: &str, feature: Option<&str>) -> Row {
    Row::new()
        .with("anonymous_id", None::<String>)
        .with("user_id", user)
        .with("account_id", account)
        .with("event", event)
        .with("feature_name", feature)
}

fn invoice_row(
    account: &str,
    amount: Money,
    status: &str,
    due: Option<Date>,
    paid: Option<Timestamp>,
    issued: Option<Timestamp>,
) -> Row {
    Row::new()
        .with("account_id", account)
        .with("amount", amount)
        .with("status", status)
        .with("due_on", due)
        .with("paid_at", paid)
        .with("issued_at", issued)
}
