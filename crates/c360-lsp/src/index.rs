//! Which name each identifier in a file refers to, from the syntax trees of the whole project.
//!
//! Built from the trees rather than the typed model so that navigation keeps working while a
//! file has errors. Resolution follows the language: inside a pipeline a bare name is a column
//! of the source, else a feature of the entity (spec §4.1).

use std::collections::{BTreeMap, BTreeSet};

use c360_diagnostics::{FileId, Span};
use c360_sema::Workspace;
use c360_syntax::ast::{self, Expr, ExprKind, ItemKind, StepKind, TestMember};

use crate::builtins;

/// A named thing of a project.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    /// `id_type NAME`
    IdType(String),
    /// `entity NAME`
    Entity(String),
    /// `source NAME`
    Source(String),
    /// A column of a source.
    Column {
        /// The source.
        source: String,
        /// The column.
        column: String,
    },
    /// A feature of an entity.
    Feature {
        /// The entity.
        entity: String,
        /// The feature.
        feature: String,
    },
    /// `training_set NAME`
    TrainingSet(String),
    /// A built-in scalar function.
    Function(String),
    /// A built-in aggregate.
    Aggregate(String),
}

impl Symbol {
    /// The name as written in the source.
    pub fn name(&self) -> &str {
        match self {
            Symbol::IdType(n)
            | Symbol::Entity(n)
            | Symbol::Source(n)
            | Symbol::TrainingSet(n)
            | Symbol::Function(n)
            | Symbol::Aggregate(n) => n,
            Symbol::Column { column, .. } => column,
            Symbol::Feature { feature, .. } => feature,
        }
    }
}

/// One identifier that names a symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// The identifier's span.
    pub span: Span,
    /// What it names.
    pub symbol: Symbol,
    /// True at the declaration.
    pub decl: bool,
}

/// The names declared anywhere in a project.
#[derive(Default, Debug)]
pub struct Names {
    /// Id types.
    pub id_types: BTreeSet<String>,
    /// Entities.
    pub entities: BTreeSet<String>,
    /// Sources with their columns.
    pub sources: BTreeMap<String, BTreeSet<String>>,
    /// Features by entity.
    pub features: BTreeMap<String, BTreeSet<String>>,
    /// Training sets.
    pub training_sets: BTreeSet<String>,
}

impl Names {
    /// Collects the declarations of every file of `ws`.
    pub fn of(ws: &Workspace) -> Names {
        let mut names = Names::default();
        for path in ws.paths() {
            let Some(parse) = ws.parse(path) else {
                continue;
            };
            for item in &parse.file.items {
                match &item.kind {
                    ItemKind::IdType(t) => {
                        names.id_types.insert(t.name.name.clone());
                    }
                    ItemKind::Entity(e) => {
                        names.entities.insert(e.name.name.clone());
                    }
                    ItemKind::Source(s) => {
                        names
                            .sources
                            .entry(s.name.name.clone())
                            .or_default()
                            .extend(s.columns.iter().map(|c| c.name.name.clone()));
                    }
                    ItemKind::Features(b) => {
                        names
                            .features
                            .entry(b.entity.name.clone())
                            .or_default()
                            .extend(b.features.iter().map(|f| f.name.name.clone()));
                    }
                    ItemKind::TrainingSet(t) => {
                        names.training_sets.insert(t.name.name.clone());
                    }
                    ItemKind::Test(_) | ItemKind::Error => {}
                }
            }
        }
        names
    }

    fn has_column(&self, source: &str, column: &str) -> bool {
        self.sources.get(source).is_some_and(|c| c.contains(column))
    }

    fn has_feature(&self, entity: &str, feature: &str) -> bool {
        self.features
            .get(entity)
            .is_some_and(|f| f.contains(feature))
    }
}

/// Where a name is being resolved.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// No features or columns in scope (id type rules, literals).
    None,
    /// An expression over the features of `entity`.
    Entity(&'a str),
    /// A pipeline step over `source`, inside a feature of `entity`.
    Pipeline(&'a str, &'a str),
}

struct Collector<'a> {
    names: &'a Names,
    out: Vec<Occurrence>,
}

impl Collector<'_> {
    fn push(&mut self, span: Span, symbol: Symbol, decl: bool) {
        self.out.push(Occurrence { span, symbol, decl });
    }

    fn id_type_ref(&mut self, id: &ast::Ident) {
        if self.names.id_types.contains(&id.name) {
            self.push(id.span, Symbol::IdType(id.name.clone()), false);
        }
    }

    fn entity_ref(&mut self, id: &ast::Ident) {
        if self.names.entities.contains(&id.name) {
            self.push(id.span, Symbol::Entity(id.name.clone()), false);
        }
    }

    fn feature_ref(&mut self, entity: &str, id: &ast::Ident) {
        if self.names.has_feature(entity, &id.name) {
            self.push(
                id.span,
                Symbol::Feature {
                    entity: entity.to_string(),
                    feature: id.name.clone(),
                },
                false,
            );
        }
    }

    fn column_ref(&mut self, source: &str, id: &ast::Ident) {
        if self.names.has_column(source, &id.name) {
            self.push(
                id.span,
                Symbol::Column {
                    source: source.to_string(),
                    column: id.name.clone(),
                },
                false,
            );
        }
    }

    fn annotations(&mut self, anns: &[ast::Annotation]) {
        for ann in anns {
            if ann.name.name == "id" {
                for arg in ann.args.iter().flatten() {
                    if let ExprKind::Name(id) = &arg.kind {
                        self.id_type_ref(id);
                    }
                }
            }
        }
    }

    fn columns(&mut self, source: Option<&str>, columns: &[ast::Column]) {
        for column in columns {
            if let Some(source) = source {
                self.push(
                    column.name.span,
                    Symbol::Column {
                        source: source.to_string(),
                        column: column.name.name.clone(),
                    },
                    true,
                );
            }
            self.annotations(&column.annotations);
        }
    }

    fn item(&mut self, item: &ast::Item) {
        match &item.kind {
            ItemKind::IdType(t) => {
                self.push(t.name.span, Symbol::IdType(t.name.name.clone()), true);
                for prop in t.body.iter().flatten() {
                    self.expr(&prop.value, Scope::None);
                }
            }
            ItemKind::Entity(e) => {
                self.push(e.name.span, Symbol::Entity(e.name.name.clone()), true);
                for prop in &e.props {
                    if let ExprKind::List(items) = &prop.value.kind {
                        for item in items {
                            if let ExprKind::Name(id) = &item.kind {
                                self.id_type_ref(id);
                            }
                        }
                    }
                }
            }
            ItemKind::Source(s) => {
                self.push(s.name.span, Symbol::Source(s.name.name.clone()), true);
                self.columns(Some(&s.name.name), &s.columns);
            }
            ItemKind::Features(b) => {
                self.entity_ref(&b.entity);
                let entity = b.entity.name.as_str();
                for f in &b.features {
                    self.push(
                        f.name.span,
                        Symbol::Feature {
                            entity: entity.to_string(),
                            feature: f.name.name.clone(),
                        },
                        true,
                    );
                    self.expr(&f.body, Scope::Entity(entity));
                }
            }
            ItemKind::TrainingSet(t) => {
                self.push(t.name.span, Symbol::TrainingSet(t.name.name.clone()), true);
                self.entity_ref(&t.entity);
                for labels in &t.labels {
                    self.columns(None, &labels.columns);
                }
                for prop in &t.props {
                    if let ExprKind::List(items) = &prop.value.kind {
                        for item in items {
                            if let ExprKind::Name(id) = &item.kind {
                                self.feature_ref(&t.entity.name, id);
                            }
                        }
                    }
                }
            }
            ItemKind::Test(t) => {
                for member in &t.members {
                    match member {
                        TestMember::Property(_) => {}
                        TestMember::Given(g) => {
                            if self.names.sources.contains_key(&g.source.name) {
                                self.push(
                                    g.source.span,
                                    Symbol::Source(g.source.name.clone()),
                                    false,
                                );
                            }
                            for row in &g.rows {
                                for field in &row.fields {
                                    self.column_ref(&g.source.name, &field.name);
                                }
                            }
                        }
                        TestMember::Expect(e) => {
                            self.entity_ref(&e.entity);
                            self.id_type_ref(&e.id_type);
                            for a in &e.assertions {
                                self.feature_ref(&e.entity.name, &a.name);
                            }
                        }
                    }
                }
            }
            ItemKind::Error => {}
        }
    }

    fn expr(&mut self, e: &Expr, scope: Scope<'_>) {
        match &e.kind {
            ExprKind::Name(id) => match scope {
                Scope::Pipeline(entity, source) => {
                    if self.names.has_column(source, &id.name) {
                        self.column_ref(source, id);
                    } else {
                        self.feature_ref(entity, id);
                    }
                }
                Scope::Entity(entity) => self.feature_ref(entity, id),
                Scope::None => {}
            },
            ExprKind::Path { qualifier, name } => {
                if self.names.sources.contains_key(&qualifier.name) {
                    self.push(
                        qualifier.span,
                        Symbol::Source(qualifier.name.clone()),
                        false,
                    );
                    self.column_ref(&qualifier.name, name);
                } else if self.names.entities.contains(&qualifier.name) {
                    self.entity_ref(qualifier);
                    self.feature_ref(&qualifier.name, name);
                }
            }
            ExprKind::Call { func, args } => {
                if builtins::function(&func.name).is_some() {
                    self.push(func.span, Symbol::Function(func.name.clone()), false);
                }
                for a in args {
                    self.expr(a, scope);
                }
            }
            ExprKind::List(items) => items.iter().for_each(|i| self.expr(i, scope)),
            ExprKind::Unary { expr, .. }
            | ExprKind::IsNull { expr, .. }
            | ExprKind::Paren(expr) => self.expr(expr, scope),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, scope);
                self.expr(rhs, scope);
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond, scope);
                self.expr(then, scope);
                self.expr(otherwise, scope);
            }
            ExprKind::Pipeline(p) => {
                let source = p.source.name.as_str();
                if self.names.sources.contains_key(source) {
                    self.push(p.source.span, Symbol::Source(source.to_string()), false);
                }
                let entity = match scope {
                    Scope::Entity(e) | Scope::Pipeline(e, _) => e,
                    Scope::None => "",
                };
                let inner = Scope::Pipeline(entity, source);
                for step in &p.steps {
                    match &step.kind {
                        StepKind::Where(e) | StepKind::Within(e) => self.expr(e, inner),
                        StepKind::Aggregate { func, args } => {
                            if builtins::aggregate(&func.name).is_some() {
                                self.push(func.span, Symbol::Aggregate(func.name.clone()), false);
                            }
                            for a in args {
                                self.expr(a, inner);
                            }
                        }
                        StepKind::Error => {}
                    }
                }
            }
            ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Duration { .. }
            | ExprKind::Error => {}
        }
    }
}

/// Every occurrence of a symbol in `file`, in source order.
pub fn occurrences(ws: &Workspace, names: &Names, file: &FileId) -> Vec<Occurrence> {
    let Some(parse) = ws.parse(file) else {
        return Vec::new();
    };
    let mut c = Collector {
        names,
        out: Vec::new(),
    };
    for item in &parse.file.items {
        c.item(item);
    }
    c.out.sort_by_key(|o| (o.span.start, o.span.end));
    c.out
}

/// The occurrence under byte `offset` (touching either end of the identifier).
pub fn at(occurrences: &[Occurrence], offset: usize) -> Option<&Occurrence> {
    occurrences
        .iter()
        .filter(|o| o.span.contains(offset))
        // Prefer the identifier that starts at the cursor over one that ends there.
        .max_by_key(|o| o.span.start)
}

/// Every occurrence of `symbol` in the project, by file.
pub fn find_all(ws: &Workspace, names: &Names, symbol: &Symbol) -> Vec<(FileId, Occurrence)> {
    let mut out = Vec::new();
    for file in ws.paths() {
        for o in occurrences(ws, names, file) {
            if &o.symbol == symbol {
                out.push((file.clone(), o));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(files: &[(&str, &str)]) -> Workspace {
        let mut ws = Workspace::default();
        for (path, text) in files {
            ws.set_file(FileId::new(path), text.to_string());
        }
        ws
    }

    #[test]
    fn pipeline_names_prefer_columns_then_features() {
        let ws = ws(&[
            (
                "a.c360",
                "id_type email\nentity c { ids = [email] }\nsource o from \"t\" {\n  email: string @id(email)\n  amount: decimal\n}\n",
            ),
            (
                "b.c360",
                "features c {\n  total = o | where amount > big | sum(amount)\n  big = 1\n}\n",
            ),
        ]);
        let names = Names::of(&ws);
        let occ = occurrences(&ws, &names, &FileId::new("b.c360"));
        let found: Vec<(String, bool)> = occ
            .iter()
            .map(|o| (format!("{:?}", o.symbol), o.decl))
            .collect();
        assert!(found.contains(&(
            "Column { source: \"o\", column: \"amount\" }".to_string(),
            false
        )));
        assert!(found.contains(&(
            "Feature { entity: \"c\", feature: \"big\" }".to_string(),
            false
        )));
        let email = find_all(&ws, &names, &Symbol::IdType("email".into()));
        assert_eq!(email.len(), 3, "{email:?}");
    }
}
