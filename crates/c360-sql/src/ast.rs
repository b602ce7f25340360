//! Small constructors for sqlparser's AST, so generator code reads like the SQL it builds.
//!
//! Nothing here quotes user text: identifiers and string literals are made by the dialect's
//! quirks ([`crate::quirks::Quirks::ident`], [`crate::quirks::Quirks::string`]) and arrive here
//! as finished AST nodes. Function names and keywords are compile-time constants.

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    BinaryOperator, CaseWhen, CastKind, Cte, DataType, Distinct, DuplicateTreatment, Expr,
    Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArgumentList,
    FunctionArguments, GroupByExpr, Ident, Join, JoinConstraint, JoinOperator, NullTreatment,
    ObjectName, OrderByExpr, OrderByOptions, OrderBySort, Query, Select, SelectFlavor, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, Subscript, TableAlias,
    TableFactor, TableWithJoins, UnaryOperator, Value, WildcardAdditionalOptions, WindowSpec,
    WindowType, With,
};

/// A number literal written as given (`42`, `10.5`, `-3`).
pub(crate) fn num(text: impl ToString) -> Expr {
    Expr::Value(Value::Number(text.to_string(), false).into())
}

/// `NULL`
pub(crate) fn null() -> Expr {
    Expr::Value(Value::Null.into())
}

/// `TRUE` / `FALSE`
pub(crate) fn boolean(b: bool) -> Expr {
    Expr::Value(Value::Boolean(b).into())
}

/// A plain, unquoted keyword-like identifier (`MICROSECOND` in `TIMESTAMPADD(MICROSECOND, …)`).
pub(crate) fn keyword(word: &'static str) -> Expr {
    Expr::Identifier(Ident::new(word))
}

/// `alias.column` from identifiers already quoted for the dialect.
pub(crate) fn qualified(parts: Vec<Ident>) -> Expr {
    if parts.len() == 1 {
        Expr::Identifier(parts.into_iter().next().unwrap_or_else(|| Ident::new("")))
    } else {
        Expr::CompoundIdentifier(parts)
    }
}

/// True for expressions that never need parentheses as an operand.
fn is_atomic(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => !n.starts_with('-'),
            _ => true,
        },
        Expr::Identifier(_)
        | Expr::CompoundIdentifier(_)
        | Expr::Function(_)
        | Expr::Cast { .. }
        | Expr::Nested(_)
        | Expr::Case { .. }
        | Expr::TypedString(_)
        | Expr::Array(_)
        | Expr::CompoundFieldAccess { .. }
        | Expr::Subquery(_)
        | Expr::Exists { .. }
        | Expr::Trim { .. }
        | Expr::Interval(_) => true,
        _ => false,
    }
}

/// `(e)` unless `e` is atomic; sqlparser prints operators without parentheses.
pub(crate) fn paren(e: Expr) -> Expr {
    if is_atomic(&e) {
        e
    } else {
        Expr::Nested(Box::new(e))
    }
}

/// `(e)`, always.
pub(crate) fn nested(e: Expr) -> Expr {
    match e {
        Expr::Nested(_) => e,
        e => Expr::Nested(Box::new(e)),
    }
}

/// Binding strength for parenthesising: higher binds tighter; 0 always needs parentheses
/// when it is an operand (operators whose precedence differs between dialects).
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::BinaryOp { op, .. } => op_precedence(op),
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            ..
        } => 3,
        Expr::IsNull(_) | Expr::IsNotNull(_) | Expr::In { .. } => 4,
        e if is_atomic(e) => 10,
        _ => 0,
    }
}

fn op_precedence(op: &BinaryOperator) -> u8 {
    match op {
        BinaryOperator::Or => 1,
        BinaryOperator::And => 2,
        BinaryOperator::Eq
        | BinaryOperator::NotEq
        | BinaryOperator::Lt
        | BinaryOperator::LtEq
        | BinaryOperator::Gt
        | BinaryOperator::GtEq => 4,
        BinaryOperator::Plus | BinaryOperator::Minus => 6,
        BinaryOperator::Multiply | BinaryOperator::Divide | BinaryOperator::Modulo => 7,
        _ => 0,
    }
}

/// `l op r`, with the parentheses the operands need (by precedence; `AND`/`OR` chains flat).
pub(crate) fn bin(l: Expr, op: BinaryOperator, r: Expr) -> Expr {
    let p = op_precedence(&op);
    let chain = matches!(op, BinaryOperator::And | BinaryOperator::Or);
    let this = op.clone();
    let wrap = |e: Expr, right: bool| {
        let q = precedence(&e);
        let same = matches!(&e, Expr::BinaryOp { op: o, .. } if *o == this);
        let keep = if p == 0 || q == 0 {
            q == 10
        } else if p == 4 {
            // Comparisons do not chain.
            q > p
        } else if right {
            q > p || (chain && same)
        } else {
            q >= p
        };
        if keep {
            e
        } else {
            Expr::Nested(Box::new(e))
        }
    };
    Expr::BinaryOp {
        left: Box::new(wrap(l, false)),
        op,
        right: Box::new(wrap(r, true)),
    }
}

/// `l = r`
pub(crate) fn eq(l: Expr, r: Expr) -> Expr {
    bin(l, BinaryOperator::Eq, r)
}

/// `l || r`
pub(crate) fn concat(l: Expr, r: Expr) -> Expr {
    bin(l, BinaryOperator::StringConcat, r)
}

/// All of `terms` joined with `AND`; `None` for no terms.
pub(crate) fn and_all(terms: Vec<Expr>) -> Option<Expr> {
    terms
        .into_iter()
        .reduce(|a, b| bin(a, BinaryOperator::And, b))
}

/// Any of `terms` joined with `OR`; `None` for no terms.
pub(crate) fn or_any(terms: Vec<Expr>) -> Option<Expr> {
    terms
        .into_iter()
        .reduce(|a, b| bin(a, BinaryOperator::Or, b))
}

/// `NOT (e)`
pub(crate) fn not(e: Expr) -> Expr {
    Expr::UnaryOp {
        op: UnaryOperator::Not,
        expr: Box::new(nested(e)),
    }
}

/// `-(e)`; always parenthesised so `--` never starts a comment.
pub(crate) fn neg(e: Expr) -> Expr {
    Expr::UnaryOp {
        op: UnaryOperator::Minus,
        expr: Box::new(nested(e)),
    }
}

/// `e IS NULL`
pub(crate) fn is_null(e: Expr) -> Expr {
    Expr::IsNull(Box::new(paren(e)))
}

/// `e IS NOT NULL`
pub(crate) fn is_not_null(e: Expr) -> Expr {
    Expr::IsNotNull(Box::new(paren(e)))
}

/// `CAST(e AS t)`; `e` itself when it is already a cast to `t`.
pub(crate) fn cast(e: Expr, t: DataType) -> Expr {
    if matches!(&e, Expr::Cast { data_type, kind: CastKind::Cast, .. } if *data_type == t) {
        return e;
    }
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(e),
        data_type: t,
        format: None,
    }
}

/// `CASE WHEN c1 THEN r1 … [ELSE e] END`
pub(crate) fn case(whens: Vec<(Expr, Expr)>, otherwise: Option<Expr>) -> Expr {
    Expr::Case {
        case_token: AttachedToken::empty(),
        end_token: AttachedToken::empty(),
        operand: None,
        conditions: whens
            .into_iter()
            .map(|(condition, result)| CaseWhen { condition, result })
            .collect(),
        else_result: otherwise.map(Box::new),
    }
}

/// `CASE WHEN cond THEN e END`, or `e` itself when there is no condition.
pub(crate) fn when(cond: Option<&Expr>, e: Expr) -> Expr {
    match cond {
        Some(c) => case(vec![(c.clone(), e)], None),
        None => e,
    }
}

/// `e[i]`
pub(crate) fn index(e: Expr, i: Expr) -> Expr {
    Expr::CompoundFieldAccess {
        root: Box::new(nested_unless_ident(e)),
        access_chain: vec![sqlparser::ast::AccessExpr::Subscript(Subscript::Index {
            index: i,
        })],
    }
}

/// `e[lo:hi]`
pub(crate) fn slice(e: Expr, lo: Expr, hi: Expr) -> Expr {
    Expr::CompoundFieldAccess {
        root: Box::new(nested_unless_ident(e)),
        access_chain: vec![sqlparser::ast::AccessExpr::Subscript(Subscript::Slice {
            lower_bound: Some(lo),
            upper_bound: Some(hi),
            stride: None,
        })],
    }
}

fn nested_unless_ident(e: Expr) -> Expr {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Nested(_) => e,
        e => Expr::Nested(Box::new(e)),
    }
}

/// An `ORDER BY` key.
pub(crate) fn order(e: Expr, desc: bool) -> OrderByExpr {
    OrderByExpr {
        expr: e,
        options: OrderByOptions {
            sort: Some(if desc {
                OrderBySort::Desc
            } else {
                OrderBySort::Asc
            }),
            nulls_first: None,
        },
        with_fill: None,
    }
}

/// A function call being built: `NAME([DISTINCT] args [clauses]) [WITHIN GROUP] [FILTER] [OVER]`.
pub(crate) struct Call {
    name: &'static str,
    args: Vec<FunctionArg>,
    distinct: bool,
    clauses: Vec<FunctionArgumentClause>,
    within_group: Vec<OrderByExpr>,
    filter: Option<Expr>,
    over: Option<WindowSpec>,
}

impl Call {
    /// `name(args…)`
    pub(crate) fn new(name: &'static str, args: Vec<Expr>) -> Self {
        Call {
            name,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            distinct: false,
            clauses: Vec::new(),
            within_group: Vec::new(),
            filter: None,
            over: None,
        }
    }

    /// `name(*)`
    pub(crate) fn star(name: &'static str) -> Self {
        let mut call = Call::new(name, Vec::new());
        call.args = vec![FunctionArg::Unnamed(FunctionArgExpr::Wildcard)];
        call
    }

    /// `DISTINCT` inside the parentheses.
    pub(crate) fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// `IGNORE NULLS` inside the parentheses.
    pub(crate) fn ignore_nulls(mut self) -> Self {
        self.clauses
            .push(FunctionArgumentClause::IgnoreOrRespectNulls(
                NullTreatment::IgnoreNulls,
            ));
        self
    }

    /// `ORDER BY …` inside the parentheses.
    pub(crate) fn order_by(mut self, keys: Vec<OrderByExpr>) -> Self {
        self.clauses.push(FunctionArgumentClause::OrderBy(keys));
        self
    }

    /// `LIMIT n` inside the parentheses.
    pub(crate) fn limit(mut self, n: u64) -> Self {
        self.clauses.push(FunctionArgumentClause::Limit(num(n)));
        self
    }

    /// `WITHIN GROUP (ORDER BY …)`
    pub(crate) fn within_group(mut self, keys: Vec<OrderByExpr>) -> Self {
        self.within_group = keys;
        self
    }

    /// `FILTER (WHERE cond)`
    pub(crate) fn filter(mut self, cond: Option<Expr>) -> Self {
        self.filter = cond;
        self
    }

    /// `OVER (PARTITION BY … ORDER BY …)`
    pub(crate) fn over(mut self, partition_by: Vec<Expr>, order_by: Vec<OrderByExpr>) -> Self {
        self.over = Some(WindowSpec {
            window_name: None,
            partition_by,
            order_by,
            window_frame: None,
        });
        self
    }

    /// The finished expression.
    pub(crate) fn build(self) -> Expr {
        Expr::Function(Function {
            name: ObjectName::from(vec![Ident::new(self.name)]),
            uses_odbc_syntax: false,
            parameters: FunctionArguments::None,
            args: FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment: self.distinct.then_some(DuplicateTreatment::Distinct),
                args: self.args,
                clauses: self.clauses,
            }),
            within_group: self.within_group,
            filter: self.filter.map(Box::new),
            null_treatment: None,
            over: self.over.map(WindowType::WindowSpec),
        })
    }
}

/// `name(args…)`
pub(crate) fn func(name: &'static str, args: Vec<Expr>) -> Expr {
    Call::new(name, args).build()
}

/// A lambda `(a, b) -> body` (Databricks higher-order functions).
pub(crate) fn lambda(params: Vec<Ident>, body: Expr) -> Expr {
    use sqlparser::ast::{
        LambdaFunction, LambdaFunctionParameter, LambdaSyntax, OneOrManyWithParens,
    };
    let mut params: Vec<LambdaFunctionParameter> = params
        .into_iter()
        .map(|name| LambdaFunctionParameter {
            name,
            data_type: None,
        })
        .collect();
    let params = if params.len() == 1 {
        OneOrManyWithParens::One(params.remove(0))
    } else {
        OneOrManyWithParens::Many(params)
    };
    Expr::Lambda(LambdaFunction {
        params,
        body: Box::new(body),
        syntax: LambdaSyntax::Arrow,
    })
}

/// `expr AS alias`
pub(crate) fn item(e: Expr, alias: Ident) -> SelectItem {
    SelectItem::ExprWithAlias { expr: e, alias }
}

/// `alias.*`
pub(crate) fn all_of(alias: Ident) -> SelectItem {
    SelectItem::QualifiedWildcard(
        SelectItemQualifiedWildcardKind::ObjectName(ObjectName::from(vec![alias])),
        WildcardAdditionalOptions::default(),
    )
}

/// A named relation with an alias.
pub(crate) fn table(name: ObjectName, alias: Option<Ident>) -> TableFactor {
    TableFactor::Table {
        name,
        alias: alias.map(table_alias),
        args: None,
        with_hints: Vec::new(),
        version: None,
        with_ordinality: false,
        partitions: Vec::new(),
        json_path: None,
        sample: None,
        index_directives: Vec::new(),
        inheritance: None,
    }
}

/// A parenthesised subquery with an alias.
pub(crate) fn derived(q: Query, alias: Ident) -> TableFactor {
    TableFactor::Derived {
        lateral: false,
        subquery: Box::new(q),
        alias: Some(table_alias(alias)),
        sample: None,
    }
}

fn table_alias(name: Ident) -> TableAlias {
    TableAlias {
        explicit: true,
        name,
        columns: Vec::new(),
        at: None,
    }
}

/// `LEFT JOIN rel ON cond`
pub(crate) fn left_join(rel: TableFactor, on: Expr) -> Join {
    Join {
        relation: rel,
        global: false,
        join_operator: JoinOperator::Left(JoinConstraint::On(on)),
    }
}

/// `JOIN rel ON cond`
pub(crate) fn inner_join(rel: TableFactor, on: Expr) -> Join {
    Join {
        relation: rel,
        global: false,
        join_operator: JoinOperator::Join(JoinConstraint::On(on)),
    }
}

/// `CROSS JOIN rel`
pub(crate) fn cross_join(rel: TableFactor) -> Join {
    Join {
        relation: rel,
        global: false,
        join_operator: JoinOperator::CrossJoin(JoinConstraint::None),
    }
}

/// A `SELECT` being built.
pub(crate) struct Sel {
    /// The projection.
    pub(crate) items: Vec<SelectItem>,
    /// `FROM` with its joins.
    pub(crate) from: Option<(TableFactor, Vec<Join>)>,
    /// `WHERE`
    pub(crate) filter: Option<Expr>,
    /// `GROUP BY`
    pub(crate) group_by: Vec<Expr>,
    /// `HAVING`
    pub(crate) having: Option<Expr>,
    /// `SELECT DISTINCT`
    pub(crate) distinct: bool,
}

impl Sel {
    /// `SELECT items FROM rel`
    pub(crate) fn new(items: Vec<SelectItem>, rel: TableFactor) -> Self {
        Sel {
            items,
            from: Some((rel, Vec::new())),
            filter: None,
            group_by: Vec::new(),
            having: None,
            distinct: false,
        }
    }

    /// `SELECT items` without `FROM`.
    pub(crate) fn bare(items: Vec<SelectItem>) -> Self {
        Sel {
            items,
            from: None,
            filter: None,
            group_by: Vec::new(),
            having: None,
            distinct: false,
        }
    }

    /// Adds a join.
    pub(crate) fn join(mut self, j: Join) -> Self {
        if let Some((_, joins)) = &mut self.from {
            joins.push(j);
        }
        self
    }

    /// Sets `WHERE`.
    pub(crate) fn filter(mut self, cond: Option<Expr>) -> Self {
        self.filter = cond;
        self
    }

    /// Sets `GROUP BY`.
    pub(crate) fn group_by(mut self, keys: Vec<Expr>) -> Self {
        self.group_by = keys;
        self
    }

    /// Sets `HAVING`.
    pub(crate) fn having(mut self, cond: Expr) -> Self {
        self.having = Some(cond);
        self
    }

    /// `SELECT DISTINCT`
    pub(crate) fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// As a set expression (for `UNION ALL`).
    pub(crate) fn into_set(self) -> SetExpr {
        SetExpr::Select(Box::new(Select {
            select_token: AttachedToken::empty(),
            optimizer_hints: Vec::new(),
            distinct: self.distinct.then_some(Distinct::Distinct),
            select_modifiers: None,
            top: None,
            top_before_distinct: false,
            projection: self.items,
            exclude: None,
            into: None,
            from: self
                .from
                .map(|(relation, joins)| vec![TableWithJoins { relation, joins }])
                .unwrap_or_default(),
            lateral_views: Vec::new(),
            prewhere: None,
            selection: self.filter,
            connect_by: Vec::new(),
            group_by: GroupByExpr::Expressions(self.group_by, Vec::new()),
            cluster_by: Vec::new(),
            distribute_by: Vec::new(),
            sort_by: Vec::new(),
            having: self.having,
            named_window: Vec::new(),
            qualify: None,
            window_before_qualify: false,
            value_table_mode: None,
            flavor: SelectFlavor::Standard,
        }))
    }

    /// As a query without `WITH`.
    pub(crate) fn query(self) -> Query {
        query(Vec::new(), self.into_set())
    }
}

/// `UNION ALL` of the parts (at least one).
pub(crate) fn union_all(parts: Vec<SetExpr>) -> SetExpr {
    let mut parts = parts.into_iter();
    let first = parts
        .next()
        .unwrap_or_else(|| Sel::bare(Vec::new()).into_set());
    parts.fold(first, |left, right| SetExpr::SetOperation {
        left: Box::new(left),
        op: SetOperator::Union,
        set_quantifier: SetQuantifier::All,
        right: Box::new(right),
    })
}

/// A common table expression `name AS (q)`.
pub(crate) fn cte(name: Ident, q: Query) -> Cte {
    Cte {
        alias: TableAlias {
            explicit: false,
            name,
            columns: Vec::new(),
            at: None,
        },
        query: Box::new(q),
        from: None,
        materialized: None,
        closing_paren_token: AttachedToken::empty(),
    }
}

/// `[WITH ctes] body`
pub(crate) fn query(ctes: Vec<Cte>, body: SetExpr) -> Query {
    Query {
        with: (!ctes.is_empty()).then(|| With {
            with_token: AttachedToken::empty(),
            recursive: false,
            cte_tables: ctes,
        }),
        body: Box::new(body),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: Vec::new(),
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: Vec::new(),
    }
}

/// `e [NOT] IN (list…)`
pub(crate) fn in_list(e: Expr, list: Vec<Expr>, negated: bool) -> Expr {
    Expr::In {
        expr: Box::new(paren(e)),
        target: sqlparser::ast::InTarget::List(list),
        negated,
        global: false,
    }
}

/// An unqualified column reference, for unit tests.
#[cfg(test)]
pub(crate) fn col_for_tests(name: &str) -> Expr {
    Expr::Identifier(Ident::new(name))
}
