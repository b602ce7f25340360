//! `manifest.json`: what a compiled project contains, for catalogs, lineage tools and CI.
//!
//! The manifest describes the checked model (entities, id types, sources, features, training
//! sets) and the compiled files' execution order. It holds no absolute paths, timestamps or
//! machine-specific data, so the same project compiles to a byte-identical manifest everywhere.
//!
//! Each feature carries a **fingerprint**: 16 hex digits of the SHA-256 of a canonical text of
//! everything that decides its values: its typed body, type and version; the definitions of
//! the source columns its pipelines read (with each read source's table, `@time` column and
//! `@id` columns); the fingerprints of the features it uses; and its entity's identity rules.
//! Spans, files, doc comments, owners, tags, `@hidden` and `@deprecated` are left out, so
//! moving a feature or editing its documentation keeps the fingerprint.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use c360_sema::model::{
    Aggregate, ColumnDef, EntityDef, Expr, ExprKind, FeatureDef, IdTypeDef, Literal, Pipeline,
};
use c360_sema::Model;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{AsOf, Compiled};

/// The contents of `manifest.json` for one dialect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The version of c360 that compiled the project.
    pub c360_version: String,
    /// The dialect, e.g. `"snowflake"`.
    pub dialect: String,
    /// The schema outputs are written to; `None` for unqualified names.
    pub schema: Option<String>,
    /// The `as_of` time compiled into the parameters step, if one was given.
    pub as_of: Option<String>,
    /// What the project declares.
    #[serde(flatten)]
    pub catalog: Catalog,
    /// The compiled files, in execution order.
    pub statements: Vec<String>,
}

/// The part of a manifest that depends only on the checked model, the same for every dialect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Catalog {
    /// Entities in declaration order.
    pub entities: Vec<EntityEntry>,
    /// Identifier types by name.
    pub id_types: Vec<IdTypeEntry>,
    /// Sources by name.
    pub sources: Vec<SourceEntry>,
    /// Each entity's features in declaration order, by entity name.
    pub features: BTreeMap<String, Vec<FeatureEntry>>,
    /// Training sets in declaration order.
    pub training_sets: Vec<TrainingSetEntry>,
}

/// An entity in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntityEntry {
    /// The entity's name.
    pub name: String,
    /// The key column of its outputs, `<entity>_id`.
    pub key: String,
    /// Its id types in priority order.
    pub ids: Vec<String>,
    /// The `///` comment.
    pub doc: Option<String>,
}

/// An identifier type in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdTypeEntry {
    /// The id type's name.
    pub name: String,
    /// Whether it has a `normalize` rule.
    pub normalize: bool,
    /// Whether it has a `valid` rule.
    pub valid: bool,
    /// Normalised values that are dropped.
    pub exclude: Vec<String>,
    /// The most distinct neighbours a value may have.
    pub max_links: Option<u64>,
    /// The `///` comment.
    pub doc: Option<String>,
}

/// A source in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceEntry {
    /// The source's name.
    pub name: String,
    /// The warehouse relation, as written (`schema.table`).
    pub table: String,
    /// Its columns in declaration order.
    pub columns: Vec<ColumnEntry>,
    /// The `///` comment.
    pub doc: Option<String>,
}

/// A column of a source or a labels relation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ColumnEntry {
    /// The name used in `.c360` expressions.
    pub name: String,
    /// The warehouse column.
    pub physical: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: String,
    /// The id type of an `@id` column.
    pub id_type: Option<String>,
    /// Whether it is the `@time` column.
    pub time: bool,
    /// The `///` comment.
    pub doc: Option<String>,
}

/// A feature in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeatureEntry {
    /// The feature's name.
    pub name: String,
    /// Its type (declared, else inferred).
    #[serde(rename = "type")]
    pub ty: String,
    /// The `///` comment.
    pub description: Option<String>,
    /// `@owner`
    pub owner: Option<String>,
    /// `@tags`
    pub tags: Vec<String>,
    /// `@version`
    pub version: Option<u64>,
    /// The `@deprecated` reason (empty when none was given).
    pub deprecated: Option<String>,
    /// `@hidden`: computed but not a column of the 360 table.
    pub hidden: bool,
    /// Every `source.column` whose values it depends on, directly or through the features it
    /// uses, sorted.
    pub reads: Vec<String>,
    /// The features it uses, sorted.
    pub depends_on: Vec<String>,
    /// 16 hex digits that change exactly when a definition its values depend on changes.
    pub fingerprint: String,
}

/// A training set in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrainingSetEntry {
    /// The training set's name, also its output table.
    pub name: String,
    /// The entity its labels resolve to.
    pub entity: String,
    /// The labels relation, as written.
    pub labels_table: String,
    /// The labels' columns.
    pub labels_columns: Vec<ColumnEntry>,
    /// The features computed as of each label's time, in the order listed.
    pub features: Vec<String>,
    /// The `///` comment.
    pub doc: Option<String>,
}

impl Manifest {
    /// The manifest as written to `manifest.json`: pretty-printed JSON, keys in a fixed order,
    /// ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .expect("the manifest holds only strings, numbers, booleans and lists");
        text.push('\n');
        text
    }
}

impl Manifest {
    /// The manifest of `catalog` compiled as `compiled`, into `schema` (empty for unqualified
    /// names) with `as_of`: the same arguments given to [`crate::compile`].
    pub fn new(catalog: Catalog, compiled: &Compiled, schema: &str, as_of: Option<&AsOf>) -> Self {
        Manifest {
            c360_version: env!("CARGO_PKG_VERSION").to_owned(),
            dialect: compiled.dialect.name().to_owned(),
            schema: (!schema.is_empty()).then(|| schema.to_owned()),
            as_of: as_of.map(|a| a.as_str().to_owned()),
            catalog,
            statements: compiled.files.iter().map(|f| f.name.clone()).collect(),
        }
    }
}

/// The manifest of `model` compiled as `compiled`, into `schema` (empty for unqualified
/// names) with `as_of`. For several dialects, build the [`Catalog`] once and use
/// [`Manifest::new`].
pub fn manifest(
    model: &Model,
    compiled: &Compiled,
    schema: &str,
    as_of: Option<&AsOf>,
) -> Manifest {
    Manifest::new(Catalog::new(model), compiled, schema, as_of)
}

impl Catalog {
    /// Describes `model`: every declaration, and each feature's reads and fingerprint.
    pub fn new(model: &Model) -> Self {
        let mut lineage = Lineage::new(model);
        let entities = model
            .entities
            .iter()
            .map(|e| EntityEntry {
                name: e.name.clone(),
                key: e.key_column(),
                ids: e.ids.clone(),
                doc: e.meta.doc.clone(),
            })
            .collect();
        let id_types = model
            .id_types
            .values()
            .map(|t| IdTypeEntry {
                name: t.name.clone(),
                normalize: t.normalize.is_some(),
                valid: t.valid.is_some(),
                exclude: t.exclude.clone(),
                max_links: t.max_links,
                doc: t.meta.doc.clone(),
            })
            .collect();
        let sources = model
            .sources
            .values()
            .map(|s| SourceEntry {
                name: s.name.clone(),
                table: s.table.join("."),
                columns: s.columns.iter().map(column_entry).collect(),
                doc: s.meta.doc.clone(),
            })
            .collect();
        let mut features = BTreeMap::new();
        for entity in &model.entities {
            let entries = entity
                .features
                .iter()
                .map(|f| {
                    let mut depends_on = f.depends_on.clone();
                    depends_on.sort();
                    depends_on.dedup();
                    FeatureEntry {
                        name: f.name.clone(),
                        ty: f.ty.to_string(),
                        description: f.meta.doc.clone(),
                        owner: f.meta.owner.clone(),
                        tags: f.meta.tags.clone(),
                        version: f.version,
                        deprecated: f.deprecated.clone(),
                        hidden: f.hidden,
                        reads: lineage.reads(&entity.name, &f.name).into_iter().collect(),
                        depends_on,
                        fingerprint: lineage.fingerprint(&entity.name, &f.name),
                    }
                })
                .collect();
            features.insert(entity.name.clone(), entries);
        }
        let training_sets = model
            .training_sets
            .iter()
            .map(|t| TrainingSetEntry {
                name: t.name.clone(),
                entity: t.entity.clone(),
                labels_table: t.labels_table.join("."),
                labels_columns: t.labels_columns.iter().map(column_entry).collect(),
                features: t.features.clone(),
                doc: t.meta.doc.clone(),
            })
            .collect();
        Catalog {
            entities,
            id_types,
            sources,
            features,
            training_sets,
        }
    }
}

/// Every feature's fingerprint, by `(entity, feature)`.
pub fn fingerprints(model: &Model) -> BTreeMap<(String, String), String> {
    let mut lineage = Lineage::new(model);
    let mut out = BTreeMap::new();
    for entity in &model.entities {
        for f in &entity.features {
            let fp = lineage.fingerprint(&entity.name, &f.name);
            out.insert((entity.name.clone(), f.name.clone()), fp);
        }
    }
    out
}

fn column_entry(c: &ColumnDef) -> ColumnEntry {
    ColumnEntry {
        name: c.name.clone(),
        physical: c.physical.clone(),
        ty: c.ty.to_string(),
        id_type: c.id_type.clone(),
        time: c.is_time,
        doc: c.doc.clone(),
    }
}

/// What each feature reads and its fingerprint, computed once per feature: both recurse into
/// the features it uses, and the model has no cycles (it checked without errors).
struct Lineage<'m> {
    model: &'m Model,
    /// Every feature by `(entity, feature)`: lookups by name must not scan the entity.
    index: HashMap<(&'m str, &'m str), (&'m EntityDef, &'m FeatureDef)>,
    /// The canonical identity rules of each entity, shared by all its features.
    identity: HashMap<&'m str, String>,
    reads: HashMap<(String, String), BTreeSet<String>>,
    fingerprints: HashMap<(String, String), String>,
}

impl<'m> Lineage<'m> {
    fn new(model: &'m Model) -> Self {
        let mut index = HashMap::new();
        let mut identity = HashMap::new();
        for e in &model.entities {
            for f in &e.features {
                index.insert((e.name.as_str(), f.name.as_str()), (e, f));
            }
            identity.insert(e.name.as_str(), canonical_identity(model, e));
        }
        Lineage {
            model,
            index,
            identity,
            reads: HashMap::new(),
            fingerprints: HashMap::new(),
        }
    }

    fn feature(&self, entity: &str, feature: &str) -> Option<(&'m EntityDef, &'m FeatureDef)> {
        self.index.get(&(entity, feature)).copied()
    }

    /// The `source.column`s `feature` reads: the columns its pipelines name, the `@time`
    /// column of every timed source a pipeline reads (it decides which rows count), and the
    /// reads of the features it uses.
    fn reads(&mut self, entity: &str, feature: &str) -> BTreeSet<String> {
        let key = (entity.to_owned(), feature.to_owned());
        if let Some(r) = self.reads.get(&key) {
            return r.clone();
        }
        let mut out = BTreeSet::new();
        if let Some((_, f)) = self.feature(entity, feature) {
            let direct = direct_reads(self.model, &f.body);
            for (source, columns) in direct.columns {
                for column in columns {
                    out.insert(format!("{source}.{column}"));
                }
            }
            for (e, dep) in direct.features {
                out.extend(self.reads(&e, &dep));
            }
        }
        self.reads.insert(key, out.clone());
        out
    }

    fn fingerprint(&mut self, entity: &str, feature: &str) -> String {
        let key = (entity.to_owned(), feature.to_owned());
        if let Some(fp) = self.fingerprints.get(&key) {
            return fp.clone();
        }
        let text = match self.feature(entity, feature) {
            Some((e, f)) => self.canonical_feature(e, f),
            None => format!("missing feature {entity}.{feature}\n"),
        };
        let digest = Sha256::digest(text.as_bytes());
        let mut fp = String::with_capacity(16);
        for byte in &digest[..8] {
            let _ = write!(fp, "{byte:02x}");
        }
        self.fingerprints.insert(key, fp.clone());
        fp
    }

    /// The canonical text a fingerprint hashes: one line per fact, in a fixed order.
    fn canonical_feature(&mut self, entity: &EntityDef, f: &FeatureDef) -> String {
        let model = self.model;
        let mut out = String::from("c360 feature fingerprint 1\n");
        let _ = writeln!(out, "type {}", f.ty);
        match f.version {
            Some(v) => {
                let _ = writeln!(out, "version {v}");
            }
            None => out.push_str("version none\n"),
        }
        out.push_str("body ");
        canonical_expr(&f.body, &mut out);
        out.push('\n');
        let direct = direct_reads(model, &f.body);
        for (name, columns) in &direct.columns {
            let Some(source) = model.sources.get(name) else {
                let _ = writeln!(out, "source {name} missing");
                continue;
            };
            let _ = write!(out, "source {name} table");
            for part in &source.table {
                out.push(' ');
                quote(part, &mut out);
            }
            out.push('\n');
            // The columns it names, plus those that decide which rows count and whose they
            // are; in name order, so reordering a source's columns changes nothing.
            let mut relevant: BTreeMap<&str, &ColumnDef> = BTreeMap::new();
            for c in &source.columns {
                if c.is_time || c.id_type.is_some() || columns.contains(&c.name) {
                    relevant.insert(&c.name, c);
                }
            }
            for c in relevant.values() {
                let _ = write!(out, "  column {} physical ", c.name);
                quote(&c.physical, &mut out);
                let _ = write!(out, " type {}", c.ty);
                if let Some(t) = &c.id_type {
                    let _ = write!(out, " id {t}");
                }
                if c.is_time {
                    out.push_str(" time");
                }
                out.push('\n');
            }
        }
        if let Some(identity) = self.identity.get(entity.name.as_str()) {
            out.push_str(identity);
        }
        for (e, dep) in &direct.features {
            let fp = self.fingerprint(e, dep);
            let _ = writeln!(out, "uses {e}.{dep} {fp}");
        }
        out
    }
}

/// The identity rules of `entity`: its id types in priority order, each with its rules.
fn canonical_identity(model: &Model, entity: &EntityDef) -> String {
    let mut out = String::from("identity\n");
    for id in &entity.ids {
        match model.id_types.get(id) {
            Some(t) => canonical_id_type(t, &mut out),
            None => {
                let _ = writeln!(out, "  id {id} missing");
            }
        }
    }
    out
}

fn canonical_id_type(t: &IdTypeDef, out: &mut String) {
    let _ = writeln!(out, "  id {}", t.name);
    for (label, rule) in [("normalize", &t.normalize), ("valid", &t.valid)] {
        let _ = write!(out, "    {label} ");
        match rule {
            Some(e) => canonical_expr(e, out),
            None => out.push_str("none"),
        }
        out.push('\n');
    }
    out.push_str("    exclude");
    for v in &t.exclude {
        out.push(' ');
        quote(v, out);
    }
    out.push('\n');
    match t.max_links {
        Some(n) => {
            let _ = writeln!(out, "    max_links {n}");
        }
        None => out.push_str("    max_links none\n"),
    }
}

/// What one expression reads without looking through the features it uses.
#[derive(Default)]
struct DirectReads {
    /// Source → the columns read from it (named columns and the `@time` column).
    columns: BTreeMap<String, BTreeSet<String>>,
    /// The features used, as `(entity, feature)`.
    features: BTreeSet<(String, String)>,
}

fn direct_reads(model: &Model, body: &Expr) -> DirectReads {
    let mut reads = DirectReads::default();
    body.walk(&mut |e| match &e.kind {
        ExprKind::Column { source, column } => {
            reads
                .columns
                .entry(source.clone())
                .or_default()
                .insert(column.clone());
        }
        ExprKind::Pipeline(p) => {
            let columns = reads.columns.entry(p.source.clone()).or_default();
            if let Some(time) = model.sources.get(&p.source).and_then(|s| s.time_column()) {
                columns.insert(time.name.clone());
            }
        }
        ExprKind::Feature { entity, feature } => {
            reads.features.insert((entity.clone(), feature.clone()));
        }
        _ => {}
    });
    reads
}

/// Writes `e` as a span-free S-expression: every node in parentheses with its type, names
/// as written, strings quoted. Two expressions have the same text exactly when they have the
/// same structure, names, literals and types.
pub(crate) fn canonical_expr(e: &Expr, out: &mut String) {
    out.push('(');
    match &e.kind {
        ExprKind::Literal(l) => {
            out.push_str("lit ");
            literal(l, out);
        }
        ExprKind::List(items) => {
            out.push_str("list");
            args(items, out);
        }
        ExprKind::Value => out.push_str("value"),
        ExprKind::Column { source, column } => {
            let _ = write!(out, "column {source} {column}");
        }
        ExprKind::Feature { entity, feature } => {
            let _ = write!(out, "feature {entity} {feature}");
        }
        ExprKind::Call { func, args: a } => {
            let _ = write!(out, "call {}", func.name());
            args(a, out);
        }
        ExprKind::Neg(x) => {
            out.push_str("neg ");
            canonical_expr(x, out);
        }
        ExprKind::Not(x) => {
            out.push_str("not ");
            canonical_expr(x, out);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let _ = write!(out, "op {} ", op.symbol());
            canonical_expr(lhs, out);
            out.push(' ');
            canonical_expr(rhs, out);
        }
        ExprKind::IsNull { expr, negated } => {
            out.push_str(if *negated { "is_not_null " } else { "is_null " });
            canonical_expr(expr, out);
        }
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            out.push_str("if");
            for part in [cond, then, otherwise] {
                out.push(' ');
                canonical_expr(part, out);
            }
        }
        ExprKind::Pipeline(p) => pipeline(p, out),
        ExprKind::Error => out.push_str("error"),
    }
    let _ = write!(out, ") : {}", e.ty);
}

fn args(items: &[Expr], out: &mut String) {
    for item in items {
        out.push(' ');
        canonical_expr(item, out);
    }
}

fn pipeline(p: &Pipeline, out: &mut String) {
    let _ = write!(out, "pipeline {}", p.source);
    for f in &p.filters {
        out.push_str(" (where ");
        canonical_expr(f, out);
        out.push(')');
    }
    for w in &p.windows {
        let _ = write!(out, " (within {w})");
    }
    let _ = write!(out, " (aggregate {}", aggregate_name(p.aggregate));
    if let Some(arg) = &p.arg {
        out.push(' ');
        canonical_expr(arg, out);
    }
    if let Some(n) = p.limit {
        let _ = write!(out, " (limit {n})");
    }
    out.push(')');
}

fn literal(l: &Literal, out: &mut String) {
    match l {
        Literal::Null => out.push_str("null"),
        Literal::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Literal::Int(i) => {
            let _ = write!(out, "int {i}");
        }
        Literal::Decimal(d) => {
            let _ = write!(out, "decimal {d}");
        }
        Literal::String(s) => quote(s, out),
        Literal::Timestamp(t) => {
            out.push_str("timestamp ");
            quote(t, out);
        }
        Literal::Date(d) => {
            out.push_str("date ");
            quote(d, out);
        }
        Literal::Duration(secs) => {
            let _ = write!(out, "duration {secs}");
        }
        Literal::List(items) => {
            out.push_str("[list");
            for item in items {
                out.push(' ');
                literal(item, out);
            }
            out.push(']');
        }
    }
}

/// A string in double quotes with `"`, `\` and control characters escaped, so a string's
/// text never reads as structure.
fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn aggregate_name(a: Aggregate) -> &'static str {
    match a {
        Aggregate::Count => "count",
        Aggregate::CountDistinct => "count_distinct",
        Aggregate::Sum => "sum",
        Aggregate::Avg => "avg",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
        Aggregate::First => "first",
        Aggregate::Last => "last",
        Aggregate::FirstN => "first_n",
        Aggregate::LastN => "last_n",
        Aggregate::Distinct => "distinct",
        Aggregate::AvgInterval => "avg_interval",
    }
}

#[cfg(test)]
mod tests {
    use c360_diagnostics::FileId;
    use c360_sema::{Model, Workspace};

    use super::*;

    const IDENTITY: &str = r#"
id_type email {
  normalize = lower(trim(value))
  exclude = ["test@test.com"]
}
id_type user_id
entity customer { ids = [user_id, email] }
"#;

    const SOURCES: &str = r#"
source orders from "shop.orders" {
  email: string @id(email)
  amount: decimal
  status: string
  coupon: string
  created_at: timestamp @time
}
source crm from "crm.contacts" {
  user_id: string @id(user_id)
  title: string
}
"#;

    const FEATURES: &str = r#"
features customer {
  /// Revenue from completed orders.
  @owner("growth") @tags("revenue")
  revenue = orders | where status == "completed" | sum(amount)
  first_order = orders | min(created_at)
  late_orders = orders | where created_at > first_order | count()
  title = crm | count_distinct(title)
}
"#;

    fn model(files: &[(&str, &str)]) -> Model {
        let mut ws = Workspace::default();
        for (path, text) in files {
            ws.set_file(FileId::new(*path), (*text).to_owned());
        }
        let checked = ws.check();
        assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
        checked.model.clone()
    }

    fn base() -> Model {
        model(&[
            ("identity.c360", IDENTITY),
            ("sources.c360", SOURCES),
            ("features.c360", FEATURES),
        ])
    }

    fn fp(m: &Model, feature: &str) -> String {
        fingerprints(m)[&("customer".to_owned(), feature.to_owned())].clone()
    }

    #[test]
    fn fingerprints_are_sixteen_hex_digits_and_distinct() {
        let m = base();
        let all = fingerprints(&m);
        assert_eq!(all.len(), 4);
        for v in all.values() {
            assert_eq!(v.len(), 16);
            assert!(v
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        }
        let distinct: BTreeSet<&String> = all.values().collect();
        assert_eq!(distinct.len(), 4, "{all:?}");
    }

    #[test]
    fn moving_a_feature_or_editing_its_metadata_keeps_its_fingerprint() {
        let before = base();
        let moved = model(&[
            ("a/other.c360", "\n\n// moved here\nfeatures customer {\n  @hidden @owner(\"ops\")\n  /// Another description.\n  revenue = orders | where status == \"completed\" | sum(amount)\n}\n"),
            ("identity.c360", IDENTITY),
            ("sources.c360", SOURCES),
            (
                "features.c360",
                "features customer {\n  title = crm | count_distinct(title)\n  first_order = orders | min(created_at)\n  late_orders = orders | where created_at > first_order | count()\n}\n",
            ),
        ]);
        for f in ["revenue", "first_order", "late_orders", "title"] {
            assert_eq!(fp(&before, f), fp(&moved, f), "{f}");
        }
    }

    #[test]
    fn changing_a_dependency_changes_the_features_that_use_it() {
        let before = base();
        let after = model(&[
            ("identity.c360", IDENTITY),
            ("sources.c360", SOURCES),
            (
                "features.c360",
                &FEATURES.replace("orders | min(created_at)", "orders | max(created_at)"),
            ),
        ]);
        assert_ne!(fp(&before, "first_order"), fp(&after, "first_order"));
        assert_ne!(fp(&before, "late_orders"), fp(&after, "late_orders"));
        assert_eq!(fp(&before, "revenue"), fp(&after, "revenue"));
        assert_eq!(fp(&before, "title"), fp(&after, "title"));
    }

    #[test]
    fn source_columns_read_count_and_others_do_not() {
        let before = base();
        let renamed_physical = model(&[
            ("identity.c360", IDENTITY),
            (
                "sources.c360",
                &SOURCES.replace("status: string", "status: string @column(\"STATUS\")"),
            ),
            ("features.c360", FEATURES),
        ]);
        assert_ne!(fp(&before, "revenue"), fp(&renamed_physical, "revenue"));
        assert_eq!(fp(&before, "title"), fp(&renamed_physical, "title"));
        let unrelated = model(&[
            ("identity.c360", IDENTITY),
            (
                "sources.c360",
                &SOURCES.replace("coupon: string", "coupon: int"),
            ),
            ("features.c360", FEATURES),
        ]);
        assert_eq!(fp(&before, "revenue"), fp(&unrelated, "revenue"));
        let moved_table = model(&[
            ("identity.c360", IDENTITY),
            (
                "sources.c360",
                &SOURCES.replace("\"shop.orders\"", "\"shop.orders_v2\""),
            ),
            ("features.c360", FEATURES),
        ]);
        assert_ne!(fp(&before, "revenue"), fp(&moved_table, "revenue"));
        assert_eq!(fp(&before, "title"), fp(&moved_table, "title"));
    }

    #[test]
    fn identity_rules_type_and_version_count() {
        let before = base();
        let stricter = model(&[
            (
                "identity.c360",
                &IDENTITY.replace("[\"test@test.com\"]", "[\"test@test.com\", \"x@y.z\"]"),
            ),
            ("sources.c360", SOURCES),
            ("features.c360", FEATURES),
        ]);
        assert_ne!(fp(&before, "revenue"), fp(&stricter, "revenue"));
        let versioned = model(&[
            ("identity.c360", IDENTITY),
            ("sources.c360", SOURCES),
            (
                "features.c360",
                &FEATURES.replace("  title =", "  @version(2)\n  title ="),
            ),
        ]);
        assert_ne!(fp(&before, "title"), fp(&versioned, "title"));
        assert_eq!(fp(&before, "revenue"), fp(&versioned, "revenue"));
        let declared = model(&[
            ("identity.c360", IDENTITY),
            ("sources.c360", SOURCES),
            (
                "features.c360",
                &FEATURES.replace("  revenue =", "  revenue: float ="),
            ),
        ]);
        assert_ne!(fp(&before, "revenue"), fp(&declared, "revenue"));
    }

    #[test]
    fn reads_include_the_time_column_and_what_dependencies_read() {
        let m = base();
        let entity = m.entity("customer").unwrap();
        let mut lineage = Lineage::new(&m);
        let reads =
            |l: &mut Lineage, f: &str| l.reads(&entity.name, f).into_iter().collect::<Vec<_>>();
        assert_eq!(
            reads(&mut lineage, "revenue"),
            ["orders.amount", "orders.created_at", "orders.status"]
        );
        assert_eq!(reads(&mut lineage, "late_orders"), ["orders.created_at"]);
        assert_eq!(reads(&mut lineage, "title"), ["crm.title"]);
    }

    #[test]
    fn canonical_text_has_no_spans_and_quotes_strings() {
        let a = model(&[
            ("identity.c360", IDENTITY),
            ("sources.c360", SOURCES),
            ("features.c360", "features customer {\n  x = orders | where status == \"a \\\"b\\\"\\n\" | count()\n}\n"),
        ]);
        let f = a.entity("customer").unwrap().feature("x").unwrap();
        let mut text = String::new();
        canonical_expr(&f.body, &mut text);
        assert_eq!(
            text,
            "(pipeline orders (where (op == (column orders status) : string (lit \"a \\\"b\\\"\\u{a}\") : string) : bool) (aggregate count)) : int"
        );
    }
}
