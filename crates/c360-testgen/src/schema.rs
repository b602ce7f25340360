//! The declarations of a project: id types, entities, sources and the labels of training
//! sets, drawn from a few archetypes of warehouse tables with randomised columns and names.

use std::collections::BTreeSet;

use crate::ids;
use crate::model::{Column, Entity, IdKind, IdType, Role, Scalar, Source, TrainingSet};
use crate::names::Names;
use c360_rng::Rng;

/// A column an archetype may have (besides identifiers and the event time).
struct Spec {
    name: &'static str,
    ty: Scalar,
    role: fn() -> Role,
}

/// A kind of warehouse table.
struct Archetype {
    name: &'static str,
    schema: &'static str,
    table: &'static str,
    /// The event-time column; `timed` says whether it is marked `@time` by default.
    time: (&'static str, Scalar),
    timed: bool,
    columns: &'static [Spec],
    doc: &'static str,
}

macro_rules! spec {
    ($name:literal, $ty:ident, $role:expr) => {
        Spec {
            name: $name,
            ty: Scalar::$ty,
            role: || $role,
        }
    };
}

const ARCHETYPES: &[Archetype] = &[
    Archetype {
        name: "orders",
        schema: "shop",
        table: "orders",
        time: ("created_at", Scalar::Ts),
        timed: true,
        columns: &[
            spec!("order_id", Str, Role::Key("o")),
            spec!("amount", Dec, Role::Measure(-2_000, 50_000)),
            spec!("quantity", Int, Role::Measure(0, 12)),
            spec!(
                "status",
                Str,
                Role::Category(vec![
                    "completed",
                    "refunded",
                    "pending",
                    "Completed",
                    " completed",
                    ""
                ])
            ),
            spec!("discount", Float, Role::Measure(0, 40)),
            spec!("is_gift", Bool, Role::Flag),
            spec!("shipped_on", Date, Role::When),
            spec!(
                "coupon",
                Str,
                Role::Category(vec!["SPRING10", "spring10", "WELCOME", "VIP-5"])
            ),
        ],
        doc: "Orders from the web shop, one row per order.",
    },
    Archetype {
        name: "web_events",
        schema: "analytics",
        table: "web_events",
        time: ("sent_at", Scalar::Ts),
        timed: true,
        columns: &[
            spec!(
                "event",
                Str,
                Role::Category(vec![
                    "Product Viewed",
                    "Login",
                    "Add to Cart",
                    "Checkout",
                    "product viewed"
                ])
            ),
            spec!(
                "product_id",
                Str,
                Role::Category(vec!["p1", "p2", "p3", "p10", "P2", "p-9"])
            ),
            spec!("page_title", Str, Role::Text),
            spec!("duration_ms", Int, Role::Measure(0, 90_000)),
            spec!("is_mobile", Bool, Role::Flag),
            spec!(
                "referrer",
                Str,
                Role::Category(vec!["google", "newsletter", "direct", "Google ", "bing"])
            ),
        ],
        doc: "Page and product events from the web SDK.",
    },
    Archetype {
        name: "tickets",
        schema: "support",
        table: "tickets",
        time: ("opened_on", Scalar::Date),
        timed: true,
        columns: &[
            spec!("ticket_no", Str, Role::Key("T")),
            spec!("priority", Int, Role::Measure(1, 5)),
            spec!(
                "channel",
                Str,
                Role::Category(vec!["email", "chat", "phone", "Chat"])
            ),
            spec!("subject", Str, Role::Text),
            spec!("csat", Float, Role::Measure(0, 20)),
            spec!("resolved", Bool, Role::Flag),
            spec!("resolved_at", Ts, Role::When),
        ],
        doc: "Support tickets; the day a ticket was opened is its time.",
    },
    Archetype {
        name: "contacts",
        schema: "crm",
        table: "contacts",
        time: ("updated_at", Scalar::Ts),
        timed: false,
        columns: &[
            spec!(
                "job_title",
                Str,
                Role::Category(vec![
                    "Analyst",
                    "Head of Data",
                    "Buyer",
                    "analyst",
                    "CTO",
                    ""
                ])
            ),
            spec!(
                "country",
                Str,
                Role::Category(vec!["DE", "FR", "US", "JP", "de"])
            ),
            spec!("signup_date", Date, Role::When),
            spec!("lifetime_value", Dec, Role::Measure(0, 100_000)),
            spec!("opt_in", Bool, Role::Flag),
            spec!("employees", Int, Role::Measure(1, 5_000)),
            spec!("notes", Str, Role::Text),
        ],
        doc: "CRM contacts as exported today, one row per contact.",
    },
    Archetype {
        name: "subscriptions",
        schema: "billing",
        table: "subscriptions",
        time: ("started_at", Scalar::Ts),
        timed: true,
        columns: &[
            spec!(
                "plan",
                Str,
                Role::Category(vec!["free", "pro", "team", "enterprise", "Pro"])
            ),
            spec!("mrr", Dec, Role::Measure(0, 99_900)),
            spec!("seats", Int, Role::Measure(1, 50)),
            spec!("trial", Bool, Role::Flag),
            spec!("ends_on", Date, Role::When),
            spec!("health", Float, Role::Measure(-8, 40)),
        ],
        doc: "Subscription changes.",
    },
    Archetype {
        name: "identifies",
        schema: "analytics",
        table: "identifies",
        time: ("sent_at", Scalar::Ts),
        timed: true,
        columns: &[
            spec!("traits_name", Str, Role::Text),
            spec!(
                "context_ip",
                Str,
                Role::Category(vec!["10.0.0.1", "192.168.1.7", "::1"])
            ),
            spec!(
                "library",
                Str,
                Role::Category(vec!["analytics.js", "ios", "android"])
            ),
        ],
        doc: "Identify calls: the moment a visitor becomes known.",
    },
    Archetype {
        name: "devices",
        schema: "app",
        table: "devices",
        time: ("first_opened_at", Scalar::Ts),
        timed: false,
        columns: &[
            spec!(
                "platform",
                Str,
                Role::Category(vec!["ios", "android", "web", "iOS"])
            ),
            spec!(
                "app_version",
                Str,
                Role::Category(vec!["1.0.0", "1.2.3", "2.0.0", "10.0.1"])
            ),
            spec!("push_enabled", Bool, Role::Flag),
            spec!("sessions", Int, Role::Measure(0, 300)),
        ],
        doc: "Devices of the mobile app, as they are now.",
    },
    Archetype {
        name: "points",
        schema: "loyalty",
        table: "points",
        time: ("earned_on", Scalar::Date),
        timed: true,
        columns: &[
            spec!("points", Int, Role::Measure(-50, 500)),
            spec!(
                "reason",
                Str,
                Role::Category(vec!["purchase", "referral", "bonus", "expiry"])
            ),
            spec!("multiplier", Float, Role::Measure(4, 12)),
            spec!("store", Str, Role::Text),
        ],
        doc: "Loyalty points earned and spent.",
    },
];

/// SQL words used as physical column names, to exercise quoting.
const RESERVED_PHYSICAL: &[&str] = &["order", "select", "group", "from", "table", "user", "limit"];

const ENTITY_NAMES: &[&str] = &[
    "customer",
    "person",
    "shopper",
    "member",
    "household",
    "client",
    "subscriber",
];

/// Draws 2–5 id types.
pub fn id_types(names: &mut Names, rng: &mut Rng) -> Vec<IdType> {
    let mut kinds = vec![
        IdKind::Email,
        IdKind::Phone,
        IdKind::Code,
        IdKind::Cookie,
        IdKind::Number,
    ];
    rng.shuffle(&mut kinds);
    let n = rng.between(2, 5) as usize;
    kinds.truncate(n);
    if rng.chance(15) {
        // Two id types of one kind (a personal and a work email, say).
        let k = kinds[0];
        kinds[n - 1] = k;
    }
    kinds
        .into_iter()
        .map(|k| ids::id_type(k, names, rng))
        .collect()
}

/// One or two entities that together use every id type.
pub fn entities(n_types: usize, names: &mut Names, rng: &mut Rng) -> Vec<Entity> {
    let mut all: Vec<usize> = (0..n_types).collect();
    rng.shuffle(&mut all);
    let mut free: Vec<&str> = ENTITY_NAMES.to_vec();
    rng.shuffle(&mut free);
    let mut name = || {
        let stem = free.pop().unwrap_or("entity");
        names.fresh(stem)
    };
    if n_types < 2 || rng.chance(65) {
        return vec![Entity {
            name: name(),
            ids: all,
        }];
    }
    let split = rng.between(1, n_types as i64 - 1) as usize;
    let mut first = all[..split].to_vec();
    let second = all[split..].to_vec();
    // Sometimes the two share an id type (an email known to both).
    if rng.chance(50) {
        let shared = second[rng.index(second.len())];
        first.push(shared);
        rng.shuffle(&mut first);
    }
    vec![
        Entity {
            name: name(),
            ids: first,
        },
        Entity {
            name: name(),
            ids: second,
        },
    ]
}

/// Which id types each of `n` sources carries: every id type somewhere, and consecutive
/// sources sharing one, so identifiers chain across sources (a→b in one, b→c in another).
fn source_id_types(n_types: usize, n: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n_types).collect();
    rng.shuffle(&mut order);
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, t) in order.iter().enumerate() {
        let s = if i < n { i } else { rng.index(n) };
        out[s].push(*t);
    }
    for s in 0..n {
        if out[s].is_empty() {
            // More sources than id types: read one the previous source reads, or any.
            let t = match s.checked_sub(1).and_then(|p| rng.pick(&out[p]).copied()) {
                Some(t) => t,
                None => rng.index(n_types),
            };
            out[s].push(t);
        }
    }
    for s in 1..n {
        if rng.chance(75) {
            if let Some(&link) = rng.pick(&out[s - 1].clone()) {
                if !out[s].contains(&link) {
                    out[s].push(link);
                }
            }
        }
        if out[s].len() == 1 && rng.chance(30) {
            let extra = rng.index(n_types);
            if !out[s].contains(&extra) {
                out[s].push(extra);
            }
        }
    }
    for ids in &mut out {
        rng.shuffle(ids);
    }
    out
}

/// Draws 1–4 sources over distinct archetypes.
pub fn sources(
    id_types: &[IdType],
    global: &mut Names,
    relations: &mut BTreeSet<String>,
    rng: &mut Rng,
) -> Vec<Source> {
    let n = rng.between(1, 4) as usize;
    let mut archetypes: Vec<&Archetype> = ARCHETYPES.iter().collect();
    rng.shuffle(&mut archetypes);
    let assignment = source_id_types(id_types.len(), n, rng);
    archetypes
        .into_iter()
        .zip(assignment)
        .map(|(a, ids)| source(a, &ids, id_types, global, relations, rng))
        .collect()
}

fn source(
    a: &Archetype,
    id_list: &[usize],
    id_types: &[IdType],
    global: &mut Names,
    relations: &mut BTreeSet<String>,
    rng: &mut Rng,
) -> Source {
    let name = global.fresh_styled(a.name, rng);
    let relation = relation_name(a.schema, a.table, relations, rng);
    let mut local = Names::default();
    let mut physical = BTreeSet::new();
    let mut columns: Vec<Column> = Vec::new();

    for &t in id_list {
        columns.push(id_column(&id_types[t], t, &mut local, &mut physical, rng));
    }
    if rng.chance(10) {
        // A second column of an id type already read (a billing and a shipping email).
        let t = id_list[rng.index(id_list.len())];
        columns.push(id_column(&id_types[t], t, &mut local, &mut physical, rng));
    }

    let timed = if a.timed {
        !rng.chance(15)
    } else {
        rng.chance(20)
    };
    let keep_time_column = timed || rng.chance(70);
    let mut time = None;
    if keep_time_column {
        let (tname, tty) = a.time;
        let col_name = local.fresh(tname);
        let phys = physical_name(&col_name, &mut physical, rng);
        if timed {
            time = Some(columns.len());
        }
        columns.push(Column {
            name: col_name,
            physical: phys,
            ty: tty,
            role: if timed { Role::Time } else { Role::When },
            nulls: if rng.chance(40) {
                rng.between(3, 8) as u64
            } else {
                0
            },
            doc: None,
        });
    }

    let mut specs: Vec<&Spec> = a.columns.iter().collect();
    rng.shuffle(&mut specs);
    let keep = rng.between(2.min(specs.len() as i64), specs.len() as i64) as usize;
    for spec in specs.into_iter().take(keep) {
        let col_name = local.fresh(spec.name);
        let phys = physical_name(&col_name, &mut physical, rng);
        columns.push(Column {
            name: col_name,
            physical: phys,
            ty: spec.ty,
            role: (spec.role)(),
            nulls: *rng.pick(&[0, 0, 10, 25]).unwrap_or(&0),
            doc: rng
                .chance(10)
                .then(|| format!("`{}` as the source system exports it.", spec.name)),
        });
    }

    // Declaration order is free: shuffle it, keeping track of the time column.
    let mut order: Vec<usize> = (0..columns.len()).collect();
    rng.shuffle(&mut order);
    let time_col = time;
    let columns_shuffled: Vec<Column> = order.iter().map(|&i| columns[i].clone()).collect();
    let time = time_col.and_then(|t| order.iter().position(|&i| i == t));
    let mut columns = columns_shuffled;

    if rng.chance(15) {
        // A second logical column over one physical column (an id read as plain text too).
        let target = rng.index(columns.len());
        let t = &columns[target];
        let alias = Column {
            name: local.fresh(&format!("{}_copy", t.name.to_ascii_lowercase())),
            physical: t.physical.clone(),
            ty: t.ty,
            role: Role::Alias(target),
            nulls: 0,
            doc: Some("The same physical column, read as a plain value.".into()),
        };
        columns.push(alias);
    }

    Source {
        name,
        relation,
        columns,
        time,
        doc: rng.chance(50).then(|| a.doc.to_owned()),
    }
}

fn id_column(
    id: &IdType,
    t: usize,
    local: &mut Names,
    physical: &mut BTreeSet<String>,
    rng: &mut Rng,
) -> Column {
    let stem = match rng.below(4) {
        0 => format!("{}_raw", id.name.to_ascii_lowercase()),
        _ => id.name.clone(),
    };
    let name = local.fresh(&stem);
    let phys = if rng.chance(20) {
        let p = format!("CONTEXT_TRAITS_{}", name.to_ascii_uppercase());
        claim(&p, physical).unwrap_or_else(|| physical_name(&name, physical, rng))
    } else {
        physical_name(&name, physical, rng)
    };
    let ty = if id.kind == IdKind::Number && rng.chance(60) {
        Scalar::Int
    } else {
        Scalar::Str
    };
    Column {
        name,
        physical: phys,
        ty,
        role: Role::Id(t),
        nulls: 0,
        doc: None,
    }
}

/// Takes `name` as a physical column if no other column of the table has it (ignoring case).
fn claim(name: &str, physical: &mut BTreeSet<String>) -> Option<String> {
    physical
        .insert(name.to_ascii_lowercase())
        .then(|| name.to_owned())
}

/// The physical name of a column: usually its logical name, sometimes upper case, camel case,
/// a SQL reserved word or a name with a space.
fn physical_name(logical: &str, physical: &mut BTreeSet<String>, rng: &mut Rng) -> String {
    let candidate = match rng.below(100) {
        0..=7 => logical.to_ascii_uppercase(),
        8..=14 => {
            let c = crate::names::camel(logical);
            let mut chars = c.chars();
            match chars.next() {
                Some(h) if rng.chance(50) => h.to_ascii_uppercase().to_string() + chars.as_str(),
                _ => c,
            }
        }
        15..=19 => rng
            .pick(RESERVED_PHYSICAL)
            .map(|s| s.to_string())
            .unwrap_or_else(|| logical.to_owned()),
        20..=21 => {
            let mut words: Vec<String> = logical
                .split('_')
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|h| h.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            if words.len() < 2 {
                words.push("Col".into());
            }
            words.join(" ")
        }
        _ => logical.to_owned(),
    };
    claim(&candidate, physical)
        .or_else(|| claim(logical, physical))
        .unwrap_or_else(|| {
            let mut n = 2;
            loop {
                if let Some(p) = claim(&format!("{logical}_{n}"), physical) {
                    return p;
                }
                n += 1;
            }
        })
}

/// A relation name, unique ignoring case: `schema.table`, sometimes just `table`, rarely in
/// mixed case.
fn relation_name(schema: &str, table: &str, taken: &mut BTreeSet<String>, rng: &mut Rng) -> String {
    let mut base = if rng.chance(20) {
        format!("{schema}_{table}")
    } else {
        format!("{schema}.{table}")
    };
    if rng.chance(8) {
        base = base
            .split('.')
            .map(|p| {
                let mut c = p.chars();
                c.next()
                    .map(|h| h.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(".");
    }
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.to_ascii_lowercase()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// The labels of a training set for `entity`: 1–2 id columns, a `@time` column and 1–2
/// label values. Names avoid the entity key and every feature (they are taken in `global`).
pub fn training_set_labels(
    entity_index: usize,
    entity: &Entity,
    id_types: &[IdType],
    global: &mut Names,
    relations: &mut BTreeSet<String>,
    rng: &mut Rng,
) -> TrainingSet {
    let stem = *rng
        .pick(&["churn", "conversion", "upsell", "winback"])
        .unwrap_or(&"churn");
    let name = global.fresh(&format!("{stem}_training"));
    let relation = relation_name("ml", &format!("{stem}_labels"), relations, rng);
    let mut physical = BTreeSet::new();
    let mut columns = Vec::new();
    let n_ids = rng.between(1, 2.min(entity.ids.len() as i64)) as usize;
    for t in rng.sample(&entity.ids, n_ids) {
        let id = &id_types[t];
        let cname = global.fresh(&format!("{}_ref", id.name.to_ascii_lowercase()));
        let phys = physical_name(&cname, &mut physical, rng);
        columns.push(Column {
            name: cname,
            physical: phys,
            ty: if id.kind == IdKind::Number && rng.chance(50) {
                Scalar::Int
            } else {
                Scalar::Str
            },
            role: Role::Id(t),
            nulls: 0,
            doc: None,
        });
    }
    let tname = global.fresh(
        rng.pick(&["label_time", "observed_at", "cutoff_at"])
            .unwrap_or(&"label_time"),
    );
    let tphys = physical_name(&tname, &mut physical, rng);
    let time = columns.len();
    columns.push(Column {
        name: tname,
        physical: tphys,
        ty: if rng.chance(20) {
            Scalar::Date
        } else {
            Scalar::Ts
        },
        role: Role::Time,
        nulls: 0,
        doc: Some("The moment the label was observed; features are computed as of it.".into()),
    });
    let label_specs: [(&str, Scalar, Role); 5] = [
        ("churned", Scalar::Bool, Role::Flag),
        ("converted", Scalar::Bool, Role::Flag),
        ("ltv_bucket", Scalar::Int, Role::Measure(0, 5)),
        (
            "segment",
            Scalar::Str,
            Role::Category(vec!["a", "b", "B", ""]),
        ),
        ("label_value", Scalar::Dec, Role::Measure(-500, 5_000)),
    ];
    let n_labels = rng.between(1, 2) as usize;
    for i in rng.sample(&[0usize, 1, 2, 3, 4], n_labels) {
        let (stem, ty, role) = label_specs[i].clone();
        let cname = global.fresh(stem);
        let phys = physical_name(&cname, &mut physical, rng);
        columns.push(Column {
            name: cname,
            physical: phys,
            ty,
            role,
            nulls: if rng.chance(30) { 10 } else { 0 },
            doc: None,
        });
    }
    TrainingSet {
        name,
        entity: entity_index,
        relation,
        columns,
        time,
        features: Vec::new(),
    }
}
