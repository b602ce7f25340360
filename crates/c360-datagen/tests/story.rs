//! The anomalies each example's README promises are really in the generated data.

use std::collections::{BTreeMap, BTreeSet};

use c360_datagen::time::Timestamp;
use c360_datagen::{ecommerce, saas, Dataset, Row, TableKey, Value};

fn rows<'a>(data: &'a Dataset, source: &str) -> &'a [Row] {
    let rows = data.rows(&TableKey::Source(source.to_string()));
    assert!(!rows.is_empty(), "no rows for source `{source}`");
    rows
}

fn text(row: &Row, column: &str) -> Option<String> {
    match row.get(column) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    }
}

fn time(row: &Row, column: &str) -> Option<Timestamp> {
    match row.get(column) {
        Some(Value::Timestamp(t)) => Some(*t),
        _ => None,
    }
}

/// `lower(trim(value))`, as the examples' `email` id types normalise.
fn email(raw: &str) -> String {
    raw.trim_matches(' ').to_lowercase()
}

/// Distinct values of `other` on the rows whose `key` normalises to `value`.
fn linked(rows: &[Row], key: &str, value: &str, other: &str) -> BTreeSet<String> {
    rows.iter()
        .filter(|r| text(r, key).is_some_and(|v| email(&v) == value))
        .filter_map(|r| text(r, other))
        .collect()
}

#[test]
fn shop_identities_have_the_documented_anomalies() {
    let data = ecommerce::generate(ecommerce::SEED);
    let identifies = rows(&data, "identifies");
    let contacts = rows(&data, "crm_contacts");
    let orders = rows(&data, "orders");
    let events = rows(&data, "web_events");

    // The kiosk address is linked to more than `max_links = 50` other identifiers.
    let cookies = linked(identifies, "email", ecommerce::KIOSK_EMAIL, "anonymous_id");
    let users = linked(identifies, "email", ecommerce::KIOSK_EMAIL, "user_id");
    assert_eq!(users.len(), ecommerce::KIOSK_SIGNUPS);
    assert!(cookies.len() + users.len() > 50);

    // Exactly one cookie (the family iPad) is signed into by two accounts.
    let mut users_per_cookie: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in identifies {
        if let (Some(c), Some(u)) = (text(r, "anonymous_id"), text(r, "user_id")) {
            users_per_cookie.entry(c).or_default().insert(u);
        }
    }
    let shared: Vec<usize> = users_per_cookie
        .values()
        .map(BTreeSet::len)
        .filter(|&n| n > 1)
        .collect();
    assert_eq!(shared, [2]);

    // The same address is written differently across systems.
    let raw: Vec<String> = identifies
        .iter()
        .chain(orders)
        .chain(contacts)
        .filter_map(|r| text(r, "email"))
        .collect();
    let variants = raw
        .iter()
        .filter(|e| **e != email(e) && email(e).contains('@'))
        .count();
    assert!(
        variants >= 10,
        "only {variants} emails differ from their normal form"
    );

    // Junk the id types reject is present in every system that has it.
    for junk in ["test@test.com", "noreply@example.com", "null", "n/a"] {
        assert!(raw.iter().any(|e| email(e) == junk), "no `{junk}` email");
    }
    assert!(
        orders.iter().any(|r| text(r, "email").is_none()),
        "no order without an email"
    );
    for junk in ["undefined", "null", ""] {
        assert!(
            events
                .iter()
                .any(|r| text(r, "anonymous_id").as_deref() == Some(junk)),
            "no `{junk}` cookie"
        );
    }
    // Phones in different shapes with the same digits.
    let mut shapes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in contacts {
        if let Some(p) = text(r, "phone") {
            let digits: String = p.chars().filter(char::is_ascii_digit).collect();
            shapes.entry(digits).or_default().insert(p);
        }
    }
    assert!(shapes.values().any(|s| s.len() > 1));
}

#[test]
fn shop_time_and_status_have_the_documented_anomalies() {
    let data = ecommerce::generate(ecommerce::SEED);
    let orders = rows(&data, "orders");
    let events = rows(&data, "web_events");
    let as_of = ecommerce::AS_OF;

    let statuses: BTreeSet<String> = orders.iter().filter_map(|r| text(r, "status")).collect();
    for status in ["completed", "refunded", "cancelled", "pending"] {
        assert!(statuses.contains(status), "no `{status}` order");
    }
    assert!(orders.iter().any(|r| time(r, "created_at") == Some(as_of)));
    assert!(orders.iter().any(|r| time(r, "created_at") > Some(as_of)));
    assert!(events.iter().any(|r| time(r, "sent_at") > Some(as_of)));
    assert!(events
        .iter()
        .all(|r| time(r, "sent_at") <= Some(ecommerce::EXTRACTED)));

    // The file is in arrival order: some events arrive after later ones.
    let late = events
        .windows(2)
        .filter(|w| time(&w[1], "sent_at") < time(&w[0], "sent_at"))
        .count();
    assert!(late > 10, "only {late} late events");
    // Ties: several events in the same second.
    let mut seconds: BTreeMap<Timestamp, usize> = BTreeMap::new();
    for t in events.iter().filter_map(|r| time(r, "sent_at")) {
        *seconds.entry(t).or_default() += 1;
    }
    assert!(seconds.values().filter(|&&n| n > 1).count() > 50);

    // Labels: spread over the period, each with 90 observed days after it, both outcomes,
    // and a few user ids that appear nowhere else.
    let labels = data.rows(&TableKey::Labels("churn_labels".into()));
    let times: BTreeSet<Timestamp> = labels
        .iter()
        .filter_map(|r| time(r, "label_time"))
        .collect();
    assert!(times.len() >= 10);
    assert!(times.iter().all(|t| t.plus(90 * 86_400) <= as_of));
    let outcomes: BTreeSet<bool> = labels
        .iter()
        .filter_map(|r| match r.get("churned") {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        })
        .collect();
    assert_eq!(outcomes.len(), 2);
    let known: BTreeSet<String> = events.iter().filter_map(|r| text(r, "user_id")).collect();
    let unknown = labels
        .iter()
        .filter_map(|r| text(r, "user_id"))
        .filter(|u| !known.contains(u))
        .count();
    assert_eq!(unknown, 3);
}

#[test]
fn saas_identities_have_the_documented_anomalies() {
    let data = saas::generate(saas::SEED);
    let crm = rows(&data, "crm_accounts");
    let seats = rows(&data, "seats");
    let events = rows(&data, "product_events");

    // The reseller's site is linked to more accounts than the domain's `max_links = 25`.
    let managed: Vec<&Row> = crm
        .iter()
        .filter(|r| text(r, "website").as_deref() == Some(saas::RESELLER_WEBSITE))
        .collect();
    let crm_ids: BTreeSet<String> = managed
        .iter()
        .filter_map(|r| text(r, "crm_account_id"))
        .collect();
    let workspaces: BTreeSet<String> = managed
        .iter()
        .filter_map(|r| text(r, "product_account_id"))
        .collect();
    assert_eq!(crm_ids.len(), saas::MANAGED_ACCOUNTS);
    assert!(crm_ids.len() + workspaces.len() > 25);

    // The contractors' mailbox is linked to more user ids than the email's `max_links = 20`.
    let mailbox: BTreeSet<String> = seats
        .iter()
        .filter(|r| text(r, "email").is_some_and(|e| e.starts_with(saas::CONTRACTOR_MAILBOX)))
        .filter_map(|r| text(r, "user_id"))
        .collect();
    assert_eq!(mailbox.len(), saas::CONTRACTORS);

    // The demo laptop's cookie is linked to more users than `anonymous_id`'s `max_links = 50`.
    let demo: BTreeSet<String> = events
        .iter()
        .filter(|r| text(r, "anonymous_id").as_deref() == Some(saas::DEMO_LAPTOP))
        .filter_map(|r| text(r, "user_id"))
        .collect();
    assert_eq!(demo.len(), saas::DEMO_SIGN_INS);

    // Junk ids of every kind.
    let user_ids: BTreeSet<String> = events.iter().filter_map(|r| text(r, "user_id")).collect();
    for junk in ["system", "0", "-1"] {
        assert!(user_ids.contains(junk), "no events of user `{junk}`");
    }
    assert!(events
        .iter()
        .any(|r| text(r, "account_id").as_deref() == Some("test_workspace")));
    let tickets = rows(&data, "support_tickets");
    assert!(tickets
        .iter()
        .any(|r| text(r, "organization_domain").as_deref() == Some("gmail.com")));
    assert!(tickets
        .iter()
        .any(|r| text(r, "organization_domain").is_none()));
}

#[test]
fn saas_time_and_status_have_the_documented_anomalies() {
    let data = saas::generate(saas::SEED);
    let subscriptions = rows(&data, "subscriptions");
    let invoices = rows(&data, "invoices");
    let as_of = saas::AS_OF;

    let statuses: BTreeSet<String> = subscriptions
        .iter()
        .filter_map(|r| text(r, "status"))
        .collect();
    assert_eq!(
        statuses,
        ["active", "canceled", "past_due", "trialing"]
            .map(String::from)
            .into()
    );
    let statuses: BTreeSet<String> = invoices.iter().filter_map(|r| text(r, "status")).collect();
    assert_eq!(
        statuses,
        ["draft", "open", "paid", "uncollectible", "void"]
            .map(String::from)
            .into()
    );
    // The migration wrote every existing subscription at the same instant.
    let migrated = subscriptions
        .iter()
        .filter(|r| time(r, "changed_at") == Some(saas::START))
        .count();
    assert!(migrated > 20);
    // Two cancellations take effect after as_of.
    let scheduled = subscriptions
        .iter()
        .filter(|r| {
            time(r, "changed_at") > Some(as_of) && text(r, "status").as_deref() == Some("canceled")
        })
        .count();
    assert_eq!(scheduled, 2);
    // Drafts have no issue time yet.
    assert!(invoices
        .iter()
        .any(|r| text(r, "status").as_deref() == Some("draft") && time(r, "issued_at").is_none()));

    // Labels: upper-cased ids with a stray space, both outcomes, a few unknown workspaces.
    let labels = data.rows(&TableKey::Labels("expansion_labels".into()));
    let ids: Vec<String> = labels
        .iter()
        .filter_map(|r| text(r, "product_account_id"))
        .collect();
    assert!(ids
        .iter()
        .any(|id| id.starts_with(' ') && id.contains("ACC_")));
    let expanded: BTreeSet<bool> = labels
        .iter()
        .filter_map(|r| match r.get("expanded") {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        })
        .collect();
    assert_eq!(expanded.len(), 2);
    let workspaces: BTreeSet<String> = subscriptions
        .iter()
        .filter_map(|r| text(r, "account_id"))
        .collect();
    let unknown = ids
        .iter()
        .filter(|id| !workspaces.contains(&id.trim().to_lowercase()))
        .count();
    assert_eq!(unknown, 2);
}
