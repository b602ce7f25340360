//! The checker: from parsed files to the typed [`Model`] and its diagnostics.
//!
//! Phases, in order: collect declarations (duplicates), id types, sources, entities, features
//! (typed on demand so a feature's type is known before its users are checked), the feature
//! dependency graph (cycles), training sets, tests, and project-wide warnings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use c360_diagnostics::{codes, Diagnostic, FileId, Span};
use c360_syntax::ast::{self, ItemKind};

use crate::annotations::{self, Annotations, Site};
use crate::expr::Scope;
use crate::literal;
use crate::model::{
    ColumnDef, EntityDef, ExpectDef, FeatureDef, GivenDef, IdTypeDef, Literal, Location, Meta,
    Model, SourceDef, TestDef, TrainingSetDef,
};
use crate::suggest::closest;
use crate::types::Type;

/// Checks a whole project: `files` in path order, each with its parse (tree and syntax errors).
pub fn check_project(files: &[(FileId, &c360_syntax::Parse)]) -> (Model, Vec<Diagnostic>) {
    let mut checker = Checker::default();
    checker.collect(files);
    checker.run();
    (checker.model, checker.diags)
}

/// A declaration with the file it is in.
pub(crate) struct Decl<'a, T> {
    pub file: FileId,
    pub item: &'a ast::Item,
    pub node: &'a T,
}

// Manual impls: derive would demand `T: Clone`.
impl<T> Clone for Decl<'_, T> {
    fn clone(&self) -> Self {
        Decl {
            file: self.file.clone(),
            item: self.item,
            node: self.node,
        }
    }
}

/// A feature with the file it is in and its checked annotations.
pub(crate) struct FeatureDecl<'a> {
    pub file: FileId,
    pub feature: &'a ast::Feature,
    pub anns: Annotations,
}

/// An entity's names and feature signatures, without feature bodies (cheap to copy).
pub(crate) struct EntityShape {
    pub name: String,
    pub ids: Vec<String>,
    pub key_column: String,
    pub features: Vec<FeatureSig>,
}

/// What users of a feature need to know about it.
pub(crate) struct FeatureSig {
    pub name: String,
    pub ty: Type,
    pub deprecated: Option<String>,
    pub location: Location,
}

impl EntityShape {
    fn of(entity: &EntityDef) -> Self {
        EntityShape {
            name: entity.name.clone(),
            ids: entity.ids.clone(),
            key_column: entity.key_column(),
            features: entity
                .features
                .iter()
                .map(|f| FeatureSig {
                    name: f.name.clone(),
                    ty: f.ty.clone(),
                    deprecated: f.deprecated.clone(),
                    location: f.location.clone(),
                })
                .collect(),
        }
    }

    fn feature(&self, name: &str) -> Option<&FeatureSig> {
        self.features.iter().find(|f| f.name == name)
    }
}

/// Progress of typing one feature; `InProgress` marks a cycle.
#[derive(Clone)]
pub(crate) enum FeatureState {
    Pending,
    InProgress,
    Done(Box<FeatureDef>),
}

#[derive(Default)]
pub(crate) struct Checker<'a> {
    pub diags: Vec<Diagnostic>,
    pub model: Model,
    id_types: Vec<Decl<'a, ast::IdType>>,
    entities: Vec<Decl<'a, ast::Entity>>,
    sources: Vec<Decl<'a, ast::Source>>,
    training_sets: Vec<Decl<'a, ast::TrainingSet>>,
    tests: Vec<Decl<'a, ast::Test>>,
    blocks: Vec<Decl<'a, ast::FeaturesBlock>>,
    /// Features per entity, in declaration order.
    pub features: FxHashMap<String, Vec<FeatureDecl<'a>>>,
    /// Per entity, each feature's index in `features[entity]`.
    pub feature_index: FxHashMap<String, FxHashMap<String, usize>>,
    /// Typing state, parallel to `features`.
    pub states: FxHashMap<String, Vec<FeatureState>>,
    /// Dependencies recorded while typing the feature on top of the stack.
    pub dep_stack: Vec<Vec<(String, FileId, Span)>>,
    /// Sources whose declarations have syntax errors (their column lists may be partial).
    pub incomplete_sources: HashSet<String>,
    /// The features being typed, innermost last.
    pub typing: Vec<String>,
    /// Per entity, whether each feature is used by a feature or a training set (W0003).
    pub used: FxHashMap<String, Vec<bool>>,
    /// Entities that passed declaration checks (features may attach to them).
    entity_ids: BTreeMap<String, Vec<String>>,
}

impl<'a> Checker<'a> {
    fn collect(&mut self, files: &[(FileId, &'a c360_syntax::Parse)]) {
        for (file, parse) in files {
            let parsed = &parse.file;
            for item in &parsed.items {
                if let ItemKind::Source(source) = &item.kind {
                    // A source whose declaration did not parse may be missing columns:
                    // unknown names in its pipelines would only repeat the syntax error.
                    let broken = parse
                        .diagnostics
                        .iter()
                        .any(|d| d.is_error() && item.span.contains(d.primary.span.start as usize));
                    if broken {
                        self.incomplete_sources.insert(source.name.name.clone());
                    }
                }
                let file = file.clone();
                match &item.kind {
                    ItemKind::IdType(n) => self.id_types.push(Decl {
                        file,
                        item,
                        node: n,
                    }),
                    ItemKind::Entity(n) => self.entities.push(Decl {
                        file,
                        item,
                        node: n,
                    }),
                    ItemKind::Source(n) => self.sources.push(Decl {
                        file,
                        item,
                        node: n,
                    }),
                    ItemKind::TrainingSet(n) => self.training_sets.push(Decl {
                        file,
                        item,
                        node: n,
                    }),
                    ItemKind::Test(n) => self.tests.push(Decl {
                        file,
                        item,
                        node: n,
                    }),
                    ItemKind::Features(n) => self.blocks.push(Decl {
                        file,
                        item,
                        node: n,
                    }),
                    ItemKind::Error => {}
                }
            }
        }
        let kinds = [
            ("id type", names(&self.id_types, |n| &n.name)),
            ("entity", names(&self.entities, |n| &n.name)),
            ("source", names(&self.sources, |n| &n.name)),
            ("training set", names(&self.training_sets, |n| &n.name)),
        ];
        for (kind, list) in kinds {
            self.report_duplicates(kind, &list, codes::E0100);
        }
        let tests: Vec<(FileId, String, Span)> = self
            .tests
            .iter()
            .map(|t| (t.file.clone(), t.node.name.value.clone(), t.node.name.span))
            .collect();
        self.report_duplicates("test", &tests, codes::E0125);
    }

    fn report_duplicates(
        &mut self,
        kind: &str,
        list: &[(FileId, String, Span)],
        code: c360_diagnostics::Code,
    ) {
        let mut first: HashMap<&str, (FileId, Span)> = HashMap::new();
        for (file, name, span) in list {
            match first.get(name.as_str()) {
                Some((f0, s0)) => self.diags.push(
                    Diagnostic::new(
                        code,
                        file.clone(),
                        *span,
                        format!("the {kind} `{name}` is declared twice"),
                    )
                    .with_primary_message("declared again here")
                    .with_label(f0.clone(), *s0, "first declared here")
                    .with_help(format!(
                        "rename or remove one of the two declarations of `{name}`"
                    )),
                ),
                None => {
                    first.insert(name, (file.clone(), *span));
                }
            }
        }
    }

    fn run(&mut self) {
        self.check_id_types();
        self.check_sources();
        self.check_entities();
        self.collect_features();
        self.type_features();
        self.check_cycles();
        self.check_training_sets();
        self.check_tests();
        self.project_warnings();
    }

    /// The first declaration of each id type wins; later duplicates were reported.
    fn check_id_types(&mut self) {
        for decl in self.id_types.clone() {
            let name = decl.node.name.name.clone();
            if self.model.id_types.contains_key(&name) {
                continue;
            }
            let anns = annotations::check(
                &decl.file,
                &decl.item.annotations,
                Site::Item,
                &mut self.diags,
            );
            let mut def = IdTypeDef {
                name: name.clone(),
                location: Location {
                    file: decl.file.clone(),
                    span: decl.node.name.span,
                },
                meta: meta(decl.item.doc.as_ref(), &anns),
                normalize: None,
                valid: None,
                exclude: Vec::new(),
                max_links: None,
            };
            let props = decl.node.body.as_deref().unwrap_or(&[]);
            for prop in self.unique_props(
                &decl.file,
                props,
                &["normalize", "valid", "exclude", "max_links"],
                "id_type",
            ) {
                match prop.name.name.as_str() {
                    "normalize" => {
                        let e = self.expr(&decl.file, &prop.value, &Scope::IdRule);
                        self.expect_type(&decl.file, &e, &Type::String, "`normalize`");
                        def.normalize = Some(e);
                    }
                    "valid" => {
                        let e = self.expr(&decl.file, &prop.value, &Scope::IdRule);
                        self.expect_type(&decl.file, &e, &Type::Bool, "`valid`");
                        def.valid = Some(e);
                    }
                    "exclude" => def.exclude = self.string_list(&decl.file, prop),
                    "max_links" => def.max_links = self.positive_int(&decl.file, prop),
                    _ => {}
                }
            }
            self.model.id_types.insert(name, def);
        }
    }

    /// Properties of a declaration body: unknown ones (E0104) and repeats (E0103) are reported
    /// and left out.
    fn unique_props<'p>(
        &mut self,
        file: &FileId,
        props: &'p [ast::Property],
        known: &[&str],
        what: &str,
    ) -> Vec<&'p ast::Property> {
        let mut out: Vec<&ast::Property> = Vec::new();
        for prop in props {
            let name = prop.name.name.as_str();
            if !known.contains(&name) {
                let mut d = Diagnostic::new(
                    codes::E0104,
                    file.clone(),
                    prop.name.span,
                    format!("`{what}` has no property `{name}`"),
                );
                let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                d = match closest(name, known.iter().copied()) {
                    Some(s) => d
                        .with_help(format!("did you mean `{s}`?"))
                        .with_replacement(format!("replace with `{s}`"), prop.name.span, s),
                    None => d.with_help(format!(
                        "the properties of `{what}` are {}",
                        list.join(", ")
                    )),
                };
                self.diags.push(d);
                continue;
            }
            if let Some(first) = out.iter().find(|p| p.name.name == name) {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0103,
                        file.clone(),
                        prop.name.span,
                        format!("the property `{name}` is set twice"),
                    )
                    .with_label(file.clone(), first.name.span, "first set here")
                    .with_help("keep one of them"),
                );
                continue;
            }
            out.push(prop);
        }
        out
    }

    fn string_list(&mut self, file: &FileId, prop: &ast::Property) -> Vec<String> {
        let mut out = Vec::new();
        let bad = |this: &mut Self, span| {
            this.diags.push(
                Diagnostic::new(
                    codes::E0126,
                    file.clone(),
                    span,
                    format!("`{}` must be a list of strings", prop.name.name),
                )
                .with_help(format!("write it as `{} = [\"a\", \"b\"]`", prop.name.name)),
            );
        };
        match &prop.value.kind {
            ast::ExprKind::List(items) => {
                for item in items {
                    match &item.kind {
                        ast::ExprKind::Str(s) => out.push(s.value.clone()),
                        ast::ExprKind::Error => {}
                        _ => bad(self, item.span),
                    }
                }
            }
            ast::ExprKind::Error => {}
            _ => bad(self, prop.value.span),
        }
        out
    }

    fn positive_int(&mut self, file: &FileId, prop: &ast::Property) -> Option<u64> {
        let e = &prop.value;
        match &e.kind {
            ast::ExprKind::Int(text) => match text.parse::<u64>() {
                Ok(n) if n > 0 => return Some(n),
                Ok(_) => {}
                // Out of range: the lexer already reported it (E0006).
                Err(_) => return None,
            },
            ast::ExprKind::Error => return None,
            _ => {}
        }
        self.diags.push(
            Diagnostic::new(
                codes::E0126,
                file.clone(),
                e.span,
                format!("`{}` must be a positive whole number", prop.name.name),
            )
            .with_help(format!("write a number such as `{} = 50`", prop.name.name)),
        );
        None
    }

    fn check_sources(&mut self) {
        for decl in self.sources.clone() {
            let name = decl.node.name.name.clone();
            if self.model.sources.contains_key(&name) {
                continue;
            }
            let anns = annotations::check(
                &decl.file,
                &decl.item.annotations,
                Site::Item,
                &mut self.diags,
            );
            let table = self.table_name(&decl.file, &decl.node.table);
            let columns = self.columns(&decl.file, &decl.node.columns);
            let has_id = decl
                .node
                .columns
                .iter()
                .any(|c| c.annotations.iter().any(|a| a.name.name == "id"));
            if !has_id {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0116,
                        decl.file.clone(),
                        decl.node.name.span,
                        format!("the source `{name}` has no `@id` column"),
                    )
                    .with_help(
                        "mark the column that identifies who a row is about, e.g. `email: string @id(email)`",
                    )
                    .with_note("rows are tied to entities through their identifiers; without one, no feature can read them"),
                );
            }
            self.check_time_columns(&decl.file, &decl.node.columns, &columns, false);
            self.model.sources.insert(
                name.clone(),
                Arc::new(SourceDef {
                    name,
                    location: Location {
                        file: decl.file.clone(),
                        span: decl.node.name.span,
                    },
                    meta: meta(decl.item.doc.as_ref(), &anns),
                    table,
                    columns,
                }),
            );
        }
    }

    fn table_name(&mut self, file: &FileId, table: &ast::StrLit) -> Vec<String> {
        let parts: Vec<String> = table.value.split('.').map(str::to_owned).collect();
        let problem = if table.value.trim().is_empty() {
            Some("it is empty")
        } else if parts.len() > 3 {
            Some("it has more than three parts")
        } else if parts.iter().any(|p| p.is_empty()) {
            Some("one of its parts is empty")
        } else if parts.iter().any(|p| p.trim() != p) {
            Some("a part starts or ends with a space")
        } else {
            None
        };
        if let Some(problem) = problem {
            self.diags.push(
                Diagnostic::new(
                    codes::E0124,
                    file.clone(),
                    table.span,
                    format!("`{}` is not a valid table name: {problem}", table.value),
                )
                .with_help("write `table`, `schema.table` or `database.schema.table`"),
            );
        }
        parts
    }

    fn columns(&mut self, file: &FileId, cols: &[ast::Column]) -> Vec<ColumnDef> {
        let mut out: Vec<ColumnDef> = Vec::new();
        for col in cols {
            let anns = annotations::check(file, &col.annotations, Site::Column, &mut self.diags);
            if let Some(first) = out.iter().find(|c| c.name == col.name.name) {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0102,
                        file.clone(),
                        col.name.span,
                        format!("the column `{}` is declared twice", col.name.name),
                    )
                    .with_label(first.location.file.clone(), first.location.span, "first declared here")
                    .with_help("remove one, or give it another name and point it at the physical column with `@column(\"…\")`"),
                );
                continue;
            }
            let ty = self.type_expr(file, &col.ty, true);
            let id_type = anns.id.as_ref().and_then(|id| {
                if self.model.id_types.contains_key(&id.name) {
                    Some(id.name.clone())
                } else {
                    self.unknown_id_type(file, id);
                    None
                }
            });
            out.push(ColumnDef {
                name: col.name.name.clone(),
                physical: anns.column.clone().unwrap_or_else(|| col.name.name.clone()),
                ty,
                id_type,
                is_time: anns.time,
                doc: col.doc.as_ref().map(|d| d.text.clone()),
                location: Location {
                    file: file.clone(),
                    span: col.name.span,
                },
            });
        }
        out
    }

    pub(crate) fn unknown_id_type(&mut self, file: &FileId, id: &ast::Ident) {
        let mut d = Diagnostic::new(
            codes::E0108,
            file.clone(),
            id.span,
            format!("unknown id type `{}`", id.name),
        );
        let names: Vec<&str> = self.model.id_types.keys().map(String::as_str).collect();
        d = match closest(&id.name, names.iter().copied()) {
            Some(s) => d
                .with_help(format!("did you mean `{s}`?"))
                .with_replacement(format!("replace with `{s}`"), id.span, s),
            None => d.with_help(format!("declare it with `id_type {}`", id.name)),
        };
        self.diags.push(d);
    }

    /// Reports more than one `@time` column and `@time` on a column of the wrong type;
    /// with `required`, also a missing one (labels relations).
    fn check_time_columns(
        &mut self,
        file: &FileId,
        cols: &[ast::Column],
        defs: &[ColumnDef],
        required: bool,
    ) -> bool {
        let times: Vec<&ColumnDef> = defs.iter().filter(|c| c.is_time).collect();
        for extra in times.iter().skip(1) {
            self.diags.push(
                Diagnostic::new(
                    codes::E0117,
                    file.clone(),
                    extra.location.span,
                    format!(
                        "`{}` is a second `@time` column; `{}` is already the event time",
                        extra.name, times[0].name
                    ),
                )
                .with_label(file.clone(), times[0].location.span, "the event time")
                .with_help("keep `@time` on one column"),
            );
        }
        for t in &times {
            if !matches!(t.ty, Type::Timestamp | Type::Date | Type::Error) {
                let span = cols
                    .iter()
                    .find(|c| c.name.name == t.name)
                    .map_or(t.location.span, |c| c.ty.span);
                self.diags.push(
                    Diagnostic::new(
                        codes::E0118,
                        file.clone(),
                        span,
                        format!("the `@time` column `{}` is {}", t.name, t.ty.a()),
                    )
                    .with_help("an event time must be a `timestamp` or a `date`"),
                );
            }
        }
        !(required && times.is_empty())
    }

    /// A declared type; `column` restricts it to column types.
    pub(crate) fn type_expr(&mut self, file: &FileId, ty: &ast::TypeExpr, column: bool) -> Type {
        let name = ty.name.name.as_str();
        let result = match (name, &ty.arg) {
            ("list", Some(arg)) if !column => {
                let inner = self.type_expr(file, arg, true);
                Some(Type::List(Box::new(inner)))
            }
            (_, None) => Type::scalar_from_name(name).filter(|t| !column || t.is_column_type()),
            _ => None,
        };
        result.unwrap_or_else(|| {
            let allowed: &[&str] = if column {
                &[
                    "string",
                    "int",
                    "float",
                    "decimal",
                    "bool",
                    "timestamp",
                    "date",
                ]
            } else {
                &[
                    "string",
                    "int",
                    "float",
                    "decimal",
                    "bool",
                    "timestamp",
                    "date",
                    "duration",
                    "list",
                ]
            };
            let mut d = Diagnostic::new(
                codes::E0218,
                file.clone(),
                ty.span,
                format!("unknown type `{}`", render_type(ty)),
            );
            d = match closest(name, allowed.iter().copied()) {
                Some(s) if ty.arg.is_none() => d
                    .with_help(format!("did you mean `{s}`?"))
                    .with_replacement(format!("replace with `{s}`"), ty.span, s),
                _ => d.with_help(format!(
                    "{} types are {}",
                    if column { "column" } else { "feature" },
                    allowed
                        .iter()
                        .map(|t| if *t == "list" {
                            "`list<T>`".to_owned()
                        } else {
                            format!("`{t}`")
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.diags.push(d);
            Type::Error
        })
    }

    fn check_entities(&mut self) {
        for decl in self.entities.clone() {
            let name = decl.node.name.name.clone();
            if self.model.entity(&name).is_some() {
                continue;
            }
            let anns = annotations::check(
                &decl.file,
                &decl.item.annotations,
                Site::Item,
                &mut self.diags,
            );
            let props = self.unique_props(&decl.file, &decl.node.props, &["ids"], "entity");
            let mut ids: Vec<String> = Vec::new();
            match props.first() {
                None => self.diags.push(
                    Diagnostic::new(
                        codes::E0105,
                        decl.file.clone(),
                        decl.node.name.span,
                        format!("the entity `{name}` has no `ids`"),
                    )
                    .with_help("list its id types in priority order: `ids = [user_id, email]`"),
                ),
                Some(prop) => {
                    match &prop.value.kind {
                        ast::ExprKind::List(items) if !items.is_empty() => {
                            let mut seen: HashMap<&str, Span> = HashMap::new();
                            for item in items {
                                match &item.kind {
                                ast::ExprKind::Name(id) => {
                                    if let Some(first) = seen.get(id.name.as_str()) {
                                        self.diags.push(
                                            Diagnostic::new(
                                                codes::E0123,
                                                decl.file.clone(),
                                                id.span,
                                                format!("the id type `{}` is listed twice in `{name}`", id.name),
                                            )
                                            .with_label(decl.file.clone(), *first, "first listed here")
                                            .with_help("each id type appears once; its position is its priority"),
                                        );
                                        continue;
                                    }
                                    seen.insert(&id.name, id.span);
                                    if self.model.id_types.contains_key(&id.name) {
                                        ids.push(id.name.clone());
                                    } else {
                                        self.unknown_id_type(&decl.file, id);
                                    }
                                }
                                ast::ExprKind::Error => {}
                                _ => self.diags.push(
                                    Diagnostic::new(
                                        codes::E0126,
                                        decl.file.clone(),
                                        item.span,
                                        "`ids` lists id type names",
                                    )
                                    .with_help("write the names without quotes: `ids = [user_id, email]`"),
                                ),
                            }
                            }
                        }
                        ast::ExprKind::Error => {}
                        _ => self.diags.push(
                            Diagnostic::new(
                                codes::E0126,
                                decl.file.clone(),
                                prop.value.span,
                                "`ids` must be a non-empty list of id types",
                            )
                            .with_help("write `ids = [user_id, email]`"),
                        ),
                    }
                }
            }
            self.entity_ids.insert(name.clone(), ids.clone());
            self.model.entities.push(EntityDef {
                name: name.clone(),
                location: Location {
                    file: decl.file.clone(),
                    span: decl.node.name.span,
                },
                meta: meta(decl.item.doc.as_ref(), &anns),
                ids,
                features: Vec::new(),
            });
        }
    }

    /// Registers every feature under its entity; reports unknown entities, duplicates and
    /// names that clash with output columns.
    fn collect_features(&mut self) {
        for block in self.blocks.clone() {
            let entity = &block.node.entity;
            if !self.entity_ids.contains_key(&entity.name) {
                let mut d = Diagnostic::new(
                    codes::E0109,
                    block.file.clone(),
                    entity.span,
                    format!("unknown entity `{}`", entity.name),
                );
                let names: Vec<&str> = self.entity_ids.keys().map(String::as_str).collect();
                d = match closest(&entity.name, names.iter().copied()) {
                    Some(s) => d
                        .with_help(format!("did you mean `{s}`?"))
                        .with_replacement(format!("replace with `{s}`"), entity.span, s),
                    None => d.with_help(format!(
                        "declare it with `entity {} {{ ids = [...] }}`",
                        entity.name
                    )),
                };
                self.diags.push(d);
                continue;
            }
            let ids = self.entity_ids[&entity.name].clone();
            let reserved: Vec<String> = std::iter::once(format!("{}_id", entity.name))
                .chain(ids.iter().map(|t| format!("{t}_ids")))
                .collect();
            for feature in &block.node.features {
                let name = &feature.name.name;
                if let Some(i) = self.feature_idx(&entity.name, name) {
                    let first = &self.features[&entity.name][i];
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0101,
                            block.file.clone(),
                            feature.name.span,
                            format!(
                                "the feature `{name}` of `{}` is declared twice",
                                entity.name
                            ),
                        )
                        .with_label(
                            first.file.clone(),
                            first.feature.name.span,
                            "first declared here",
                        )
                        .with_help(
                            "feature names are unique per entity, across all files: rename one",
                        ),
                    );
                    continue;
                }
                if reserved.contains(name) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0120,
                            block.file.clone(),
                            feature.name.span,
                            format!(
                                "the feature `{name}` has the name of an output column of `{}_360`",
                                entity.name
                            ),
                        )
                        .with_help(format!(
                            "`{}` are written by c360 itself; rename the feature",
                            reserved.join("`, `")
                        )),
                    );
                    continue;
                }
                let anns = annotations::check(
                    &block.file,
                    &feature.annotations,
                    Site::Feature,
                    &mut self.diags,
                );
                let list = self.features.entry(entity.name.clone()).or_default();
                self.feature_index
                    .entry(entity.name.clone())
                    .or_default()
                    .insert(name.clone(), list.len());
                self.used
                    .entry(entity.name.clone())
                    .or_default()
                    .push(false);
                list.push(FeatureDecl {
                    file: block.file.clone(),
                    feature,
                    anns,
                });
                self.states
                    .entry(entity.name.clone())
                    .or_default()
                    .push(FeatureState::Pending);
            }
        }
    }

    fn type_features(&mut self) {
        let mut entities: Vec<String> = self.features.keys().cloned().collect();
        entities.sort();
        for entity in entities {
            for i in 0..self.features[&entity].len() {
                self.ensure_feature(&entity, i);
            }
            let states = std::mem::take(self.states.get_mut(&entity).expect("entity has states"));
            let defs: Vec<FeatureDef> = states
                .into_iter()
                .filter_map(|s| match s {
                    FeatureState::Done(def) => Some(*def),
                    _ => None,
                })
                .collect();
            if let Some(e) = self.model.entities.iter_mut().find(|e| e.name == entity) {
                e.features = defs;
            }
        }
    }

    /// The index of `name` among the features of `entity`.
    pub(crate) fn feature_idx(&self, entity: &str, name: &str) -> Option<usize> {
        self.feature_index.get(entity)?.get(name).copied()
    }

    /// Records that a feature is used by another feature or a training set.
    pub(crate) fn mark_used(&mut self, entity: &str, name: &str) {
        if let Some(i) = self.feature_idx(entity, name) {
            if let Some(flags) = self.used.get_mut(entity) {
                flags[i] = true;
            }
        }
    }

    /// Types feature `i` of `entity` if that has not happened yet; returns its type
    /// (`Error` while it is being typed, which only happens inside a cycle).
    pub(crate) fn ensure_feature(&mut self, entity: &str, i: usize) -> Type {
        match &self.states[entity][i] {
            FeatureState::Done(def) => return def.ty.clone(),
            FeatureState::InProgress => return Type::Error,
            FeatureState::Pending => {}
        }
        self.states.get_mut(entity).expect("entity has states")[i] = FeatureState::InProgress;
        let decl = &self.features[entity][i];
        let (file, feature) = (decl.file.clone(), decl.feature);
        self.dep_stack.push(Vec::new());
        self.typing.push(feature.name.name.clone());
        let scope = Scope::Feature {
            entity: entity.to_owned(),
        };
        let body = self.expr(&file, &feature.body, &scope);
        self.typing.pop();
        let deps = self.dep_stack.pop().unwrap_or_default();
        let mut ty = body.ty.clone();
        if ty == Type::Null && feature.ty.is_none() {
            self.diags.push(
                Diagnostic::new(
                    codes::E0213,
                    file.clone(),
                    feature.body.span,
                    format!(
                        "the type of `{}` cannot be inferred from `null`",
                        feature.name.name
                    ),
                )
                .with_help(format!(
                    "declare it: `{}: string = null`",
                    feature.name.name
                )),
            );
            ty = Type::Error;
        }
        if let Some(declared) = &feature.ty {
            let declared_ty = self.type_expr(&file, declared, false);
            if !declared_ty.is_error() && !ty.is_error() && !ty.widens_to(&declared_ty) {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0201,
                        file.clone(),
                        declared.span,
                        format!(
                            "`{}` is declared `{declared_ty}` but its body is {}",
                            feature.name.name,
                            ty.a()
                        ),
                    )
                    .with_label(
                        file.clone(),
                        feature.body.span,
                        format!("this is {}", ty.a()),
                    )
                    .with_help(format!("declare it as `{ty}`, or change the body")),
                );
            }
            if !declared_ty.is_error() {
                ty = declared_ty;
            }
        }
        let mut depends_on: Vec<String> = Vec::new();
        for (dep, _, _) in &deps {
            if !depends_on.contains(dep) {
                depends_on.push(dep.clone());
            }
        }
        let anns = &self.features[entity][i].anns;
        let def = FeatureDef {
            name: feature.name.name.clone(),
            entity: entity.to_owned(),
            location: Location {
                file,
                span: feature.name.span,
            },
            meta: meta(feature.doc.as_ref(), anns),
            ty: ty.clone(),
            version: anns.version,
            deprecated: anns.deprecated.clone(),
            hidden: anns.hidden,
            body,
            depends_on,
        };
        self.states.get_mut(entity).expect("entity has states")[i] =
            FeatureState::Done(Box::new(def));
        ty
    }

    /// Reports each cycle of the feature dependency graph once, naming all its features.
    fn check_cycles(&mut self) {
        let mut found = Vec::new();
        for entity in &self.model.entities {
            let index: HashMap<&str, usize> = entity
                .features
                .iter()
                .enumerate()
                .map(|(i, f)| (f.name.as_str(), i))
                .collect();
            let edges: Vec<Vec<usize>> = entity
                .features
                .iter()
                .map(|f| {
                    f.depends_on
                        .iter()
                        .filter_map(|d| index.get(d.as_str()).copied())
                        .collect()
                })
                .collect();
            for component in crate::graph::strongly_connected(&edges) {
                let is_cycle = component.len() > 1 || edges[component[0]].contains(&component[0]);
                if !is_cycle {
                    continue;
                }
                let members: HashSet<usize> = component.iter().copied().collect();
                // Walk the cycle from its first-declared feature so the message reads as a path.
                let start = *component.iter().min().expect("non-empty component");
                let mut path = vec![start];
                let mut current = start;
                loop {
                    let next = edges[current]
                        .iter()
                        .copied()
                        .filter(|n| members.contains(n))
                        .find(|n| *n == start || !path.contains(n));
                    match next {
                        Some(n) if n == start => break,
                        Some(n) => {
                            path.push(n);
                            current = n;
                        }
                        None => break,
                    }
                }
                let names: Vec<&str> = path
                    .iter()
                    .map(|&i| entity.features[i].name.as_str())
                    .collect();
                let first = &entity.features[start];
                let mut d = Diagnostic::new(
                    codes::E0121,
                    first.location.file.clone(),
                    first.location.span,
                    format!(
                        "the features of `{}` form a cycle: {} → {}",
                        entity.name,
                        names.join(" → "),
                        names[0]
                    ),
                )
                .with_help("a feature cannot depend on itself, directly or through others: compute one of them from sources only");
                for (k, &i) in path.iter().enumerate() {
                    let next = &entity.features[path[(k + 1) % path.len()]];
                    let f = &entity.features[i];
                    let uses = find_reference_span(&f.body, &next.name).unwrap_or(f.location.span);
                    d = d.with_label(
                        f.location.file.clone(),
                        uses,
                        format!("`{}` uses `{}`", f.name, next.name),
                    );
                }
                found.push(d);
            }
        }
        self.diags.extend(found);
    }

    fn check_training_sets(&mut self) {
        let mut seen: HashSet<String> = HashSet::new();
        for decl in self.training_sets.clone() {
            let ts = decl.node;
            if !seen.insert(ts.name.name.clone()) {
                continue;
            }
            let anns = annotations::check(
                &decl.file,
                &decl.item.annotations,
                Site::Item,
                &mut self.diags,
            );
            let entity = self.model.entity(&ts.entity.name).map(EntityShape::of);
            if entity.is_none() {
                self.unknown_entity(&decl.file, &ts.entity);
            }
            let mut labels_table = Vec::new();
            let mut labels_columns = Vec::new();
            match ts.labels.as_slice() {
                [] => self.diags.push(
                    Diagnostic::new(
                        codes::E0105,
                        decl.file.clone(),
                        ts.name.span,
                        format!("the training set `{}` has no `labels`", ts.name.name),
                    )
                    .with_help("add `labels from \"ml.labels\" { user_id: string @id(user_id)  label_time: timestamp @time }`"),
                ),
                [labels, rest @ ..] => {
                    for extra in rest {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0103,
                                decl.file.clone(),
                                extra.span,
                                format!("the training set `{}` has a second `labels`", ts.name.name),
                            )
                            .with_label(decl.file.clone(), labels.span, "first `labels` here")
                            .with_help("a training set reads one labels relation"),
                        );
                    }
                    labels_table = self.table_name(&decl.file, &labels.table);
                    labels_columns = self.columns(&decl.file, &labels.columns);
                    let has_time =
                        self.check_time_columns(&decl.file, &labels.columns, &labels_columns, true);
                    let has_id = labels_columns.iter().any(|c| c.id_type.is_some());
                    if !has_time || !has_id {
                        let missing = match (has_id, has_time) {
                            (false, false) => "an `@id` column and a `@time` column",
                            (false, true) => "an `@id` column",
                            _ => "a `@time` column",
                        };
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0119,
                                decl.file.clone(),
                                labels.table.span,
                                format!("the labels of `{}` need {missing}", ts.name.name),
                            )
                            .with_help("the `@id` column finds the entity and the `@time` column is the moment each label's features are computed for"),
                        );
                    }
                }
            }
            let props = self.unique_props(&decl.file, &ts.props, &["features"], "training_set");
            let mut features = Vec::new();
            match props.first() {
                None => self.diags.push(
                    Diagnostic::new(
                        codes::E0105,
                        decl.file.clone(),
                        ts.name.span,
                        format!("the training set `{}` lists no `features`", ts.name.name),
                    )
                    .with_help("add `features = [feature_a, feature_b]`"),
                ),
                Some(prop) => {
                    if let Some(entity) = &entity {
                        features = self.feature_list(&decl.file, prop, entity);
                    }
                }
            }
            if let Some(entity) = &entity {
                for col in &labels_columns {
                    let Some(t) = &col.id_type else { continue };
                    if !entity.ids.contains(t) {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0122,
                                decl.file.clone(),
                                col.location.span,
                                format!(
                                    "the label column `{}` carries `{t}`, which is not an id type of `{}`",
                                    col.name, entity.name
                                ),
                            )
                            .with_help(format!(
                                "label rows find their entity through its id types: {}",
                                backticked(&entity.ids.iter().map(String::as_str).collect::<Vec<_>>())
                            )),
                        );
                    }
                }
                let key = entity.key_column.clone();
                for col in &labels_columns {
                    if col.name == key || features.contains(&col.name) {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0120,
                                decl.file.clone(),
                                col.location.span,
                                format!(
                                    "the label column `{}` has the name of an output column of `{}`",
                                    col.name, ts.name.name
                                ),
                            )
                            .with_primary_message("clashes with an output column")
                            .with_help("rename the column and point it at the physical one with `@column(\"…\")`"),
                        );
                    }
                }
            }
            self.model.training_sets.push(TrainingSetDef {
                name: ts.name.name.clone(),
                location: Location {
                    file: decl.file.clone(),
                    span: ts.name.span,
                },
                meta: meta(decl.item.doc.as_ref(), &anns),
                entity: ts.entity.name.clone(),
                labels_table,
                labels_columns,
                features,
            });
        }
    }

    fn feature_list(
        &mut self,
        file: &FileId,
        prop: &ast::Property,
        entity: &EntityShape,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let items = match &prop.value.kind {
            ast::ExprKind::List(items) => items,
            ast::ExprKind::Error => return out,
            _ => {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0126,
                        file.clone(),
                        prop.value.span,
                        "`features` must be a list of feature names",
                    )
                    .with_help("write `features = [revenue_30d, order_count]`"),
                );
                return out;
            }
        };
        for item in items {
            match &item.kind {
                ast::ExprKind::Name(id) => {
                    if out.contains(&id.name) {
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0103,
                                file.clone(),
                                id.span,
                                format!("the feature `{}` is listed twice", id.name),
                            )
                            .with_help("list each feature once"),
                        );
                    } else if let Some(f) = entity.feature(&id.name) {
                        if let Some(reason) = &f.deprecated {
                            self.deprecated_use(file, id.span, &f.name, &f.location, reason);
                        }
                        self.mark_used(&entity.name, &id.name);
                        out.push(id.name.clone());
                    } else {
                        self.unknown_feature(file, id, &entity.name);
                    }
                }
                ast::ExprKind::Error => {}
                _ => self.diags.push(
                    Diagnostic::new(
                        codes::E0126,
                        file.clone(),
                        item.span,
                        "expected a feature name",
                    )
                    .with_help("write feature names without quotes"),
                ),
            }
        }
        out
    }

    pub(crate) fn deprecated_use(
        &mut self,
        file: &FileId,
        span: Span,
        name: &str,
        at: &Location,
        reason: &str,
    ) {
        let mut d = Diagnostic::new(
            codes::W0001,
            file.clone(),
            span,
            format!("the feature `{name}` is deprecated"),
        )
        .with_label(at.file.clone(), at.span, "deprecated here");
        if !reason.is_empty() {
            d = d.with_note(reason.to_owned());
        }
        self.diags
            .push(d.with_help("move to its replacement before it is removed"));
    }

    pub(crate) fn unknown_entity(&mut self, file: &FileId, id: &ast::Ident) {
        let mut d = Diagnostic::new(
            codes::E0109,
            file.clone(),
            id.span,
            format!("unknown entity `{}`", id.name),
        );
        let names: Vec<&str> = self
            .model
            .entities
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        d = match closest(&id.name, names.iter().copied()) {
            Some(s) => d
                .with_help(format!("did you mean `{s}`?"))
                .with_replacement(format!("replace with `{s}`"), id.span, s),
            None => d.with_help(format!(
                "declare it with `entity {} {{ ids = [...] }}`",
                id.name
            )),
        };
        self.diags.push(d);
    }

    pub(crate) fn unknown_feature(&mut self, file: &FileId, id: &ast::Ident, entity: &str) {
        let mut d = Diagnostic::new(
            codes::E0112,
            file.clone(),
            id.span,
            format!("`{entity}` has no feature `{}`", id.name),
        );
        let names = self.feature_names(entity);
        d = match closest(&id.name, names.iter().map(String::as_str)) {
            Some(s) => d
                .with_help(format!("did you mean `{s}`?"))
                .with_replacement(format!("replace with `{s}`"), id.span, s),
            None => d.with_help(format!("declare it in a `features {entity}` block")),
        };
        self.diags.push(d);
    }

    fn check_tests(&mut self) {
        let mut seen: HashSet<String> = HashSet::new();
        for decl in self.tests.clone() {
            let t = decl.node;
            if !seen.insert(t.name.value.clone()) {
                continue;
            }
            let file = decl.file.clone();
            let mut as_of: Option<String> = None;
            let props: Vec<ast::Property> = t
                .members
                .iter()
                .filter_map(|m| match m {
                    ast::TestMember::Property(p) => Some(p.clone()),
                    _ => None,
                })
                .collect();
            for prop in self.unique_props(&file, &props, &["as_of"], "test") {
                match &prop.value.kind {
                    ast::ExprKind::Str(s) if literal::is_timestamp(&s.value) => {
                        as_of = Some(s.value.clone())
                    }
                    ast::ExprKind::Error => as_of = Some(String::new()),
                    _ => {
                        as_of = Some(String::new());
                        self.diags.push(
                            Diagnostic::new(
                                codes::E0126,
                                file.clone(),
                                prop.value.span,
                                "`as_of` must be a timestamp string",
                            )
                            .with_help("write it as `as_of = \"2026-06-30 00:00:00\"`"),
                        );
                    }
                }
            }
            if as_of.is_none() {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0105,
                        file.clone(),
                        t.name.span,
                        format!("the test \"{}\" has no `as_of`", t.name.value),
                    )
                    .with_help("tests run at a fixed time: add `as_of = \"2026-06-30 00:00:00\"`"),
                );
            }
            let mut given: Vec<GivenDef> = Vec::new();
            let mut given_spans: HashMap<String, Span> = HashMap::new();
            let mut expects = Vec::new();
            for member in &t.members {
                match member {
                    ast::TestMember::Property(_) => {}
                    ast::TestMember::Given(g) => {
                        if let Some(first) = given_spans.get(&g.source.name) {
                            self.diags.push(
                                Diagnostic::new(
                                    codes::E0103,
                                    file.clone(),
                                    g.source.span,
                                    format!("rows for `{}` are given twice", g.source.name),
                                )
                                .with_label(file.clone(), *first, "first given here")
                                .with_help("put all the rows of a source in one `given` list"),
                            );
                            continue;
                        }
                        given_spans.insert(g.source.name.clone(), g.source.span);
                        if let Some(def) = self.given(&file, g) {
                            given.push(def);
                        }
                    }
                    ast::TestMember::Expect(e) => {
                        if let Some(def) = self.expect(&file, e) {
                            expects.push(def);
                        }
                    }
                }
            }
            self.model.tests.push(TestDef {
                name: t.name.value.clone(),
                location: Location {
                    file: file.clone(),
                    span: t.name.span,
                },
                as_of: as_of.unwrap_or_default(),
                given,
                expects,
            });
        }
    }

    fn given(&mut self, file: &FileId, g: &ast::Given) -> Option<GivenDef> {
        let Some(source) = self.model.sources.get(&g.source.name).cloned() else {
            self.unknown_source(file, &g.source);
            return None;
        };
        let mut rows = Vec::new();
        for row in &g.rows {
            let mut values: BTreeMap<String, Literal> = BTreeMap::new();
            for field in &row.fields {
                if values.contains_key(&field.name.name) {
                    self.diags.push(
                        Diagnostic::new(
                            codes::E0103,
                            file.clone(),
                            field.name.span,
                            format!("the column `{}` is set twice in this row", field.name.name),
                        )
                        .with_help("set each column once"),
                    );
                    continue;
                }
                let Some(col) = source.column(&field.name.name) else {
                    if !self.incomplete_sources.contains(&source.name) {
                        self.unknown_column(file, &field.name, &source);
                    }
                    continue;
                };
                if let Some(value) = self.literal(
                    file,
                    &field.value,
                    &col.ty,
                    &format!("the column `{}`", col.name),
                    codes::E0200,
                ) {
                    values.insert(col.name.clone(), value);
                }
            }
            rows.push(values);
        }
        Some(GivenDef {
            source: source.name.clone(),
            rows,
        })
    }

    fn expect(&mut self, file: &FileId, e: &ast::Expect) -> Option<ExpectDef> {
        let Some(entity) = self.model.entity(&e.entity.name).map(EntityShape::of) else {
            self.unknown_entity(file, &e.entity);
            return None;
        };
        if !self.model.id_types.contains_key(&e.id_type.name) {
            self.unknown_id_type(file, &e.id_type);
            return None;
        }
        if !entity.ids.contains(&e.id_type.name) {
            self.diags.push(
                Diagnostic::new(
                    codes::E0122,
                    file.clone(),
                    e.id_type.span,
                    format!(
                        "the id type `{}` is not part of the entity `{}`",
                        e.id_type.name, entity.name
                    ),
                )
                .with_help(format!(
                    "select the instance by one of its id types: {}",
                    entity
                        .ids
                        .iter()
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            return None;
        }
        let mut values: Vec<(String, Literal, Location)> = Vec::new();
        for a in &e.assertions {
            if values.iter().any(|(n, _, _)| *n == a.name.name) {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0103,
                        file.clone(),
                        a.name.span,
                        format!("`{}` is expected twice", a.name.name),
                    )
                    .with_help("expect each feature once"),
                );
                continue;
            }
            let Some(f) = entity.feature(&a.name.name) else {
                self.unknown_feature(file, &a.name, &entity.name);
                continue;
            };
            if let Some(value) = self.literal(
                file,
                &a.value,
                &f.ty,
                &format!("the feature `{}`", f.name),
                codes::E0217,
            ) {
                values.push((
                    f.name.clone(),
                    value,
                    Location {
                        file: file.clone(),
                        span: a.value.span,
                    },
                ));
            }
        }
        Some(ExpectDef {
            entity: entity.name.clone(),
            id_type: e.id_type.name.clone(),
            id_value: e.id_value.value.clone(),
            values,
            location: Location {
                file: file.clone(),
                span: e.span,
            },
        })
    }

    pub(crate) fn unknown_source(&mut self, file: &FileId, id: &ast::Ident) {
        let mut d = Diagnostic::new(
            codes::E0110,
            file.clone(),
            id.span,
            format!("unknown source `{}`", id.name),
        );
        let names: Vec<&str> = self.model.sources.keys().map(String::as_str).collect();
        d = match closest(&id.name, names.iter().copied()) {
            Some(s) => d
                .with_help(format!("did you mean `{s}`?"))
                .with_replacement(format!("replace with `{s}`"), id.span, s),
            None => d.with_help(format!(
                "declare it with `source {} from \"schema.table\" {{ ... }}`",
                id.name
            )),
        };
        self.diags.push(d);
    }

    pub(crate) fn unknown_column(&mut self, file: &FileId, id: &ast::Ident, source: &SourceDef) {
        let mut d = Diagnostic::new(
            codes::E0113,
            file.clone(),
            id.span,
            format!("the source `{}` has no column `{}`", source.name, id.name),
        );
        let names: Vec<&str> = source.columns.iter().map(|c| c.name.as_str()).collect();
        d = match closest(&id.name, names.iter().copied()) {
            Some(s) => d
                .with_help(format!("did you mean `{s}`?"))
                .with_replacement(format!("replace with `{s}`"), id.span, s),
            None => d.with_help(format!("its columns are {}", backticked(&names))),
        };
        self.diags.push(d);
    }

    /// A constant of type `ty` (test data and expectations); `None` after reporting a problem.
    fn literal(
        &mut self,
        file: &FileId,
        e: &ast::Expr,
        ty: &Type,
        what: &str,
        code: c360_diagnostics::Code,
    ) -> Option<Literal> {
        use ast::ExprKind as K;
        let mismatch = |this: &mut Self, found: &str| {
            this.diags.push(
                Diagnostic::new(
                    code,
                    file.clone(),
                    e.span,
                    format!("{what} is {}, but this value is {found}", ty.a()),
                )
                .with_help(format!("write {} value{}", ty.a(), literal_hint(ty))),
            );
            None
        };
        if ty.is_error() {
            return None;
        }
        match (&e.kind, ty) {
            (K::Null, _) => Some(Literal::Null),
            (K::Error, _) => None,
            (K::Paren(inner), _) => self.literal(file, inner, ty, what, code),
            (K::Bool(b), Type::Bool) => Some(Literal::Bool(*b)),
            (K::Int(n), Type::Int) => n.parse().ok().map(Literal::Int),
            (K::Int(n), Type::Decimal | Type::Float) => Some(Literal::Decimal(n.clone())),
            (K::Decimal(n), Type::Decimal | Type::Float) => Some(Literal::Decimal(n.clone())),
            (
                K::Unary {
                    op: ast::UnaryOp::Neg,
                    expr,
                },
                Type::Int | Type::Decimal | Type::Float,
            ) => match self.literal(file, expr, ty, what, code)? {
                Literal::Int(n) => Some(Literal::Int(-n)),
                Literal::Decimal(d) => Some(Literal::Decimal(format!("-{d}"))),
                _ => None,
            },
            (K::Str(s), Type::String) => Some(Literal::String(s.value.clone())),
            (K::Str(s), Type::Timestamp) => {
                if literal::is_timestamp(&s.value) {
                    Some(Literal::Timestamp(s.value.clone()))
                } else {
                    self.bad_time_text(file, e.span, &s.value, "timestamp", "2026-06-30 10:00:00")
                }
            }
            (K::Str(s), Type::Date) => {
                if literal::is_date(&s.value) {
                    Some(Literal::Date(s.value.clone()))
                } else {
                    self.bad_time_text(file, e.span, &s.value, "date", "2026-06-30")
                }
            }
            (K::Duration { amount, unit }, Type::Duration) => amount
                .parse::<i64>()
                .ok()
                .and_then(|a| a.checked_mul(unit.seconds()))
                .map(Literal::Duration),
            (K::List(items), Type::List(elem)) => {
                let mut out = Vec::new();
                for item in items {
                    out.push(self.literal(file, item, elem, what, code)?);
                }
                Some(Literal::List(out))
            }
            (K::Str(_), _) => mismatch(self, "a `string`"),
            (K::Int(_), _) => mismatch(self, "an `int`"),
            (K::Decimal(_), _) => mismatch(self, "a `decimal`"),
            (K::Bool(_), _) => mismatch(self, "a `bool`"),
            (K::List(_), _) => mismatch(self, "a list"),
            (K::Duration { .. }, _) => mismatch(self, "a `duration`"),
            _ => {
                self.diags.push(
                    Diagnostic::new(
                        codes::E0214,
                        file.clone(),
                        e.span,
                        "test data must be written as constants",
                    )
                    .with_help(format!(
                        "write {} value{}",
                        ty.a(),
                        literal_hint(ty)
                    )),
                );
                None
            }
        }
    }

    fn bad_time_text(
        &mut self,
        file: &FileId,
        span: Span,
        text: &str,
        kind: &str,
        example: &str,
    ) -> Option<Literal> {
        self.diags.push(
            Diagnostic::new(
                codes::E0214,
                file.clone(),
                span,
                format!("\"{text}\" is not a valid {kind}"),
            )
            .with_help(format!("write it as \"{example}\"")),
        );
        None
    }

    fn project_warnings(&mut self) {
        let used_types: HashSet<&str> = self
            .model
            .entities
            .iter()
            .flat_map(|e| e.ids.iter().map(String::as_str))
            .collect();
        let mut warnings = Vec::new();
        for def in self.model.id_types.values() {
            if !used_types.contains(def.name.as_str()) {
                warnings.push(
                    Diagnostic::new(
                        codes::W0002,
                        def.location.file.clone(),
                        def.location.span,
                        format!("the id type `{}` is not used by any entity", def.name),
                    )
                    .with_help("add it to an entity's `ids` to stitch on it, or remove it"),
                );
            }
        }
        for source in self.model.sources.values() {
            let has_id = source.columns.iter().any(|c| c.id_type.is_some());
            let linked = source
                .columns
                .iter()
                .any(|c| c.id_type.as_deref().is_some_and(|t| used_types.contains(t)));
            if has_id && !linked {
                warnings.push(
                    Diagnostic::new(
                        codes::W0004,
                        source.location.file.clone(),
                        source.location.span,
                        format!("no entity reads the source `{}`", source.name),
                    )
                    .with_help("none of its `@id` columns carries an id type of an entity; add one to an entity's `ids`"),
                );
            }
        }
        for entity in &self.model.entities {
            for f in &entity.features {
                let used = self
                    .feature_idx(&entity.name, &f.name)
                    .is_some_and(|i| self.used[&entity.name][i]);
                if f.hidden && !used {
                    warnings.push(
                        Diagnostic::new(
                            codes::W0003,
                            f.location.file.clone(),
                            f.location.span,
                            format!("the hidden feature `{}` is not used by any feature or training set", f.name),
                        )
                        .with_help("remove `@hidden` to write it to the 360 table, or remove the feature"),
                    );
                }
            }
        }
        self.diags.extend(warnings);
    }
}

fn names<T>(
    decls: &[Decl<'_, T>],
    name: impl Fn(&T) -> &ast::Ident,
) -> Vec<(FileId, String, Span)> {
    decls
        .iter()
        .map(|d| {
            let id = name(d.node);
            (d.file.clone(), id.name.clone(), id.span)
        })
        .collect()
}

fn meta(doc: Option<&ast::Doc>, anns: &Annotations) -> Meta {
    Meta {
        doc: doc.map(|d| d.text.clone()),
        owner: anns.owner.clone(),
        tags: anns.tags.clone(),
    }
}

fn render_type(ty: &ast::TypeExpr) -> String {
    match &ty.arg {
        Some(arg) => format!("{}<{}>", ty.name.name, render_type(arg)),
        None => ty.name.name.clone(),
    }
}

pub(crate) fn backticked(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn literal_hint(ty: &Type) -> &'static str {
    match ty {
        Type::Timestamp => " such as \"2026-06-30 10:00:00\"",
        Type::Date => " such as \"2026-06-30\"",
        Type::Duration => " such as `3 days`",
        Type::List(_) => " such as `[\"a\", \"b\"]`",
        Type::String => " such as \"text\"",
        Type::Bool => ": `true` or `false`",
        _ => "",
    }
}

/// The span where `body` refers to the feature `name`, for cycle labels.
fn find_reference_span(body: &crate::model::Expr, name: &str) -> Option<Span> {
    let mut found = None;
    body.walk(&mut |e| {
        if found.is_none() {
            if let crate::model::ExprKind::Feature { feature, .. } = &e.kind {
                if feature == name {
                    found = Some(e.span);
                }
            }
        }
    });
    found
}
