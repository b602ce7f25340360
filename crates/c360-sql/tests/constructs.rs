//! Every function, operator and aggregate of the language, compiled for every dialect:
//! each statement parses back, and what a dialect cannot express is reported, not guessed.

mod common;

use c360_sql::{compile, AsOf, Dialect};
use common::parse::{parse_one, plain_statements};

const DECLS: &str = r#"
id_type email {
  normalize = lower(trim(value))
  valid     = value ~ r"^[^@]+@[^@]+$" and length(value) >= 3
  exclude   = ["nobody@example.com"]
  max_links = 10
}
id_type user_id
id_type phone {
  normalize = regexp_replace(value, r"[^0-9]", "")
}
entity customer { ids = [user_id, email, phone] }

source events from "raw.events" {
  user_id: string    @id(user_id)
  email:   string    @id(email)
  kind:    string
  amount:  decimal
  score:   float
  qty:     int
  ok:      bool
  on_day:  date
  at:      timestamp @time
}

source profiles from "raw.profiles" {
  user_id: int    @id(user_id)
  phone:   string @id(phone)
  tier:    string
  since:   date   @time
}

source devices from "raw.devices" {
  user_id: string @id(user_id)
  model:   string
  active:  bool
}
"#;

const SCALARS: &str = r#"
features customer {
  n_events      = events | count()
  n_kinds       = events | count_distinct(kind)
  revenue       = events | where kind == "buy" | sum(amount)
  qty_30d       = events | within 30 days | sum(qty)
  avg_score     = events | avg(score)
  min_at        = events | min(at)
  max_kind      = events | max(kind)
  min_ok        = events | min(ok)
  max_day       = events | max(on_day)
  first_kind    = events | first(kind)
  last_amount   = events | where amount > 0 | last(amount)
  last_ok       = events | last(ok)
  gap           = events | where kind == "visit" | within 2 weeks | avg_interval()
  tier          = profiles | last(tier)
  tier_gap      = profiles | avg_interval()
  n_devices     = devices | where active | count()
  max_model     = devices | max(model)

  @hidden
  first_buy     = events | where kind == "buy" | min(at)
  before_buy    = events | where at < first_buy and not ok | count()

  ratio         = revenue / n_events
  rem           = n_events % 7
  neg           = -revenue
  mixed         = qty_30d * 2 + revenue - 1.5
  lower_kind    = upper(lower(trim(first_kind)))
  kind_len      = length(max_kind)
  joined        = concat(first_kind, "-", max_kind, "!")
  has_sub       = contains(max_kind, "b") or starts_with(max_kind, "a") or ends_with(max_kind, "z")
  cleaned       = regexp_replace(max_kind, r"[aeiou]+", "_")
  matches       = max_kind ~ r"^(buy|sell)\d*$"
  fallback      = coalesce(first_kind, max_kind, "none")
  smallest      = least(revenue, 10, null)
  largest       = greatest(max_kind, first_kind, "m")
  absolute      = abs(neg)
  rounded       = round(avg_score, 2)
  rounded_dec   = round(revenue, 1)
  rounded_int   = round(n_events)
  floored       = floor(avg_score) + ceil(revenue)
  day_of_max    = date(min_at)
  age_days      = days(now() - min_at)
  age_hours     = hours(now() - min_at) + minutes(gap) + seconds(gap * 2)
  since_day     = days(date(now()) - max_day)
  later         = min_at + 90 minutes
  earlier       = max_day - 1 day
  plus_gap      = gap + min_at
  recent        = min_at > now() - 7 days and min_at <= now()
  in_list       = first_kind in ["buy", "sell"]
  nothing_in    = first_kind in []
  known         = tier is not null and first_kind is null
  choice        = if revenue > 100 then "big" else if revenue > 0 then "small" else null
  typed: float  = if n_events > 0 then null else 1.0
}
"#;

const LISTS: &str = r#"
features customer {
  last_kinds    = events | where kind != "noise" | last(kind, 3)
  first_amounts = events | first(amount, 2)
  kinds         = events | distinct(kind)
  days_seen     = events | distinct(on_day)
  models        = devices | distinct(model)
  n_last        = size(last_kinds)
  bought        = has(kinds, "buy")
  day_in        = max_day in days_seen
}
"#;

const TRAINING: &str = r#"
training_set outcomes for customer {
  labels from "ml.outcomes" {
    email:   string    @id(email)
    user:    int       @id(user_id)
    label_day: date    @time
    outcome: bool
  }
  features = [revenue, before_buy, recent, tier]
}
"#;

fn check(d: Dialect, files: &[(&str, &str)]) -> Result<usize, Vec<c360_diagnostics::Diagnostic>> {
    let (model, plan) = common::load(files);
    let as_of = AsOf::parse("2026-06-30 00:00:00");
    let compiled = compile(&model, &plan, d, "c360", as_of.as_ref())?;
    let statements = plain_statements(&compiled);
    for (step, sql) in &statements {
        if let Err(e) = parse_one(d, step, sql) {
            panic!("{e}");
        }
    }
    Ok(statements.len())
}

#[test]
fn scalar_features_and_training_sets_compile_for_every_dialect() {
    let files = [
        ("decls.c360", DECLS),
        ("scalars.c360", SCALARS),
        ("training.c360", TRAINING),
    ];
    for &d in Dialect::all() {
        let n = check(d, &files).unwrap_or_else(|e| panic!("{d}: {e:#?}"));
        assert!(n > 20, "{d}: {n} statements");
    }
}

#[test]
fn list_features_compile_where_the_dialect_has_arrays() {
    let files = [
        ("decls.c360", DECLS),
        ("scalars.c360", SCALARS),
        ("lists.c360", LISTS),
    ];
    for &d in Dialect::all() {
        match check(d, &files) {
            Ok(_) => assert_ne!(d, Dialect::Redshift, "Redshift has no arrays"),
            Err(diags) => {
                assert_eq!(d, Dialect::Redshift, "{d}: {diags:#?}");
                let features: Vec<&str> = diags
                    .iter()
                    .map(|x| x.message.split('`').nth(1).unwrap_or(""))
                    .collect();
                assert_eq!(
                    features,
                    [
                        "last_kinds",
                        "first_amounts",
                        "kinds",
                        "days_seen",
                        "models",
                        "n_last",
                        "bought",
                        "day_in"
                    ],
                    "{diags:#?}"
                );
                assert!(diags.iter().all(|x| x.code.as_str() == "E0300"));
            }
        }
    }
}
