//! The identity graph of an entity (spec §5.1–§5.2): nodes, edges, over-linked nodes, the
//! stitch loop (large-star / small-star), the entity key of each component, and the id lists.
//!
//! Nodes are keyed by a 64-bit hash of `"<id_type>:<value>"`, which is much cheaper to join
//! than strings; a check fails the run if two distinct identifiers ever share a key.

use c360_ir::{EntityPlan, IdTypeRule};
use sqlparser::ast::{BinaryOperator, Expr, ObjectName, Query};

use crate::ast::{
    and_all, bin, case, concat, cross_join, cte, eq, func, inner_join, is_not_null, is_null, item,
    left_join, num, or_any, query, table, union_all, Call, Sel,
};
use crate::features::normalized;
use crate::gen::{Env, Gen, Site, StepKind, ID, NODE};
use crate::quirks::LoopScript;

/// Rounds the stitch loop may take before the run fails.
pub(crate) const MAX_ROUNDS: u32 = 64;

/// The work tables of one entity's identity graph.
pub(crate) struct IdentityTables {
    /// `c360_graph__E`: `c360_node`, `id_type`, `id_value`, `c360_id` for every node.
    pub(crate) graph: ObjectName,
    /// `c360_ids__E`: `c360_id` and one `<T>_ids` list per id type.
    pub(crate) ids: ObjectName,
}

fn t(g: &Gen, what: &str, entity: &str) -> ObjectName {
    g.table(&crate::report::work_table(what, entity))
}

/// `a || ':' || b`, the text a node key hashes.
fn node_text(g: &Gen, id_type: Expr, value: Expr) -> Expr {
    concat(concat(id_type, g.string(":")), value)
}

/// The cleaned value of an identifier column: normalised, then null unless it is non-empty,
/// not excluded and valid.
fn cleaned(g: &mut Gen, rule: &IdTypeRule, normalized: Expr) -> Expr {
    let site = std::mem::replace(&mut g.site, Site::IdType(rule.name.clone()));
    let mut terms = vec![
        is_not_null(normalized.clone()),
        bin(normalized.clone(), BinaryOperator::NotEq, g.string("")),
    ];
    if !rule.exclude.is_empty() {
        let list = rule
            .exclude
            .iter()
            .map(|v| {
                g.literal(
                    &c360_sema::model::Literal::String(v.clone()),
                    &c360_sema::Type::String,
                )
            })
            .collect();
        terms.push(crate::ast::in_list(normalized.clone(), list, true));
    }
    if let Some(valid) = &rule.valid {
        let v = g.scalar(valid, &Env::value(normalized.clone()));
        terms.push(v);
    }
    g.site = site;
    case(
        vec![(
            and_all(terms).unwrap_or_else(|| crate::ast::boolean(true)),
            normalized,
        )],
        None,
    )
}

/// Generates the identity steps of `e`; returns the tables the features and outputs read.
pub(crate) fn identity(g: &mut Gen, e: &EntityPlan, params: &ObjectName) -> IdentityTables {
    let name = &e.name;
    let links = t(g, "links", name);
    let nodes = t(g, "nodes", name);
    let edges = t(g, "edges", name);
    let overlinked = t(g, "overlinked", name);
    let work = t(g, "work", name);
    let done = t(g, "done", name);
    let ls = t(g, "ls", name);
    let ss = t(g, "ss", name);
    let graph = t(g, "graph", name);
    let ids = t(g, "ids", name);
    g.site = Site::Entity(name.clone());

    // 1. Links: every pair of cleaned identifiers in one row, a node with itself included.
    let mut ctes = Vec::new();
    let mut pairs = Vec::new();
    for (si, src) in e.sources.iter().enumerate() {
        g.site = Site::Source(src.source.clone());
        let n_name = format!("c360_n{si}");
        let v_name = format!("c360_v{si}");
        let mut n_items = Vec::new();
        let mut v_items = Vec::new();
        let mut types = Vec::new();
        for (ci, (col, id_type)) in src.ids.iter().enumerate() {
            let Some(rule) = e.id_types.iter().find(|r| &r.name == id_type) else {
                continue;
            };
            let raw = g.col("src", &col.physical);
            let n = normalized(g, rule, raw);
            n_items.push(item(n, g.id(&format!("n{ci}"))));
            let v = cleaned(g, rule, g.col("n", &format!("n{ci}")));
            v_items.push(item(v, g.id(&format!("v{ci}"))));
            types.push((ci, id_type.clone()));
        }
        let mut n_sel = Sel::new(n_items, table(g.relation(&src.table), Some(g.id("src"))));
        if let Some(time) = &src.time {
            // Rows after as_of do not exist for the run; rows without a time still link.
            let ts = g.to_timestamp(g.col("src", &time.physical), &time.ty);
            n_sel = n_sel
                .join(cross_join(table(params.clone(), Some(g.id("p")))))
                .filter(or_any(vec![
                    is_null(g.col("src", &time.physical)),
                    bin(ts, BinaryOperator::LtEq, g.col("p", "as_of")),
                ]));
        }
        ctes.push(cte(g.id(&n_name), n_sel.query()));
        ctes.push(cte(
            g.id(&v_name),
            Sel::new(
                v_items,
                table(ObjectName::from(vec![g.id(&n_name)]), Some(g.id("n"))),
            )
            .query(),
        ));
        for (i, (ci, ti)) in types.iter().enumerate() {
            for (cj, tj) in &types[i..] {
                let vi = g.col("v", &format!("v{ci}"));
                let vj = g.col("v", &format!("v{cj}"));
                let mut conds = vec![is_not_null(vi.clone())];
                if ci != cj {
                    conds.push(is_not_null(vj.clone()));
                }
                let sel = Sel::new(
                    vec![
                        item(g.string(ti), g.id("a_type")),
                        item(vi, g.id("a_value")),
                        item(g.string(tj), g.id("b_type")),
                        item(vj, g.id("b_value")),
                    ],
                    table(ObjectName::from(vec![g.id(&v_name)]), Some(g.id("v"))),
                )
                .filter(and_all(conds));
                pairs.push(sel.into_set());
            }
        }
    }
    g.site = Site::Entity(name.clone());
    let links_query = if pairs.is_empty() {
        let s = g.q.string_type();
        let k = g.q.node_key_type();
        Sel::bare(vec![
            item(
                crate::ast::cast(crate::ast::null(), k.clone()),
                g.id("a_node"),
            ),
            item(
                crate::ast::cast(crate::ast::null(), s.clone()),
                g.id("a_type"),
            ),
            item(
                crate::ast::cast(crate::ast::null(), s.clone()),
                g.id("a_value"),
            ),
            item(crate::ast::cast(crate::ast::null(), k), g.id("b_node")),
            item(
                crate::ast::cast(crate::ast::null(), s.clone()),
                g.id("b_type"),
            ),
            item(crate::ast::cast(crate::ast::null(), s), g.id("b_value")),
        ])
        .filter(Some(eq(num(1), num(0))))
        .query()
    } else {
        ctes.push(cte(g.id("c360_pairs"), query(Vec::new(), union_all(pairs))));
        let hash = |g: &Gen, ty: &str, value: &str| {
            g.q.node_hash(node_text(g, g.col("u", ty), g.col("u", value)))
        };
        let sel = Sel::new(
            vec![
                item(hash(g, "a_type", "a_value"), g.id("a_node")),
                item(g.col("u", "a_type"), g.id("a_type")),
                item(g.col("u", "a_value"), g.id("a_value")),
                item(hash(g, "b_type", "b_value"), g.id("b_node")),
                item(g.col("u", "b_type"), g.id("b_type")),
                item(g.col("u", "b_value"), g.id("b_value")),
            ],
            table(ObjectName::from(vec![g.id("c360_pairs")]), Some(g.id("u"))),
        )
        .distinct();
        query(ctes, sel.into_set())
    };
    g.create_step(
        format!("{name}_id_links"),
        format!("Identity graph of `{name}`: the cleaned identifiers each source row links."),
        &links,
        &links_query,
    );

    // 2. Nodes, and the check that no two identifiers share a key.
    let nodes_query = Sel::new(
        vec![
            item(g.col("l", "a_node"), g.id(NODE)),
            item(g.col("l", "a_type"), g.id("id_type")),
            item(g.col("l", "a_value"), g.id("id_value")),
        ],
        table(links.clone(), Some(g.id("l"))),
    )
    .distinct()
    .query();
    g.create_step(
        format!("{name}_id_nodes"),
        format!("Identity graph of `{name}`: one row per identifier."),
        &nodes,
        &nodes_query,
    );
    let collisions = Sel::new(
        vec![item(g.col("n", NODE), g.id(NODE))],
        table(nodes.clone(), Some(g.id("n"))),
    )
    .group_by(vec![g.col("n", NODE)])
    .having(bin(Call::star("COUNT").build(), BinaryOperator::Gt, num(1)))
    .query();
    g.check_step(
        format!("{name}_key_check"),
        format!("Identity graph of `{name}`: fails the run if two identifiers share a node key."),
        &collisions,
        &format!("c360: two identifiers of `{name}` hash to the same 64-bit node key; stitching them would merge unrelated entities"),
    );

    // 3. Edges in both directions, each once.
    let directed = |g: &Gen, from: &str, to: &str| {
        Sel::new(
            vec![
                item(g.col("l", from), g.id("a")),
                item(g.col("l", to), g.id("b")),
            ],
            table(links.clone(), Some(g.id("l"))),
        )
        .filter(Some(bin(
            g.col("l", "a_node"),
            BinaryOperator::NotEq,
            g.col("l", "b_node"),
        )))
        .into_set()
    };
    let edges_query = query(
        vec![cte(
            g.id("c360_e"),
            query(
                Vec::new(),
                union_all(vec![
                    directed(g, "a_node", "b_node"),
                    directed(g, "b_node", "a_node"),
                ]),
            ),
        )],
        Sel::new(
            vec![
                item(g.col("e", "a"), g.id("a")),
                item(g.col("e", "b"), g.id("b")),
            ],
            table(ObjectName::from(vec![g.id("c360_e")]), Some(g.id("e"))),
        )
        .distinct()
        .into_set(),
    );
    g.create_step(
        format!("{name}_id_edges"),
        format!("Identity graph of `{name}`: links between identifiers, both directions."),
        &edges,
        &edges_query,
    );

    // 4. Over-linked nodes (max_links), kept for the run report.
    let limits: Vec<Expr> = e
        .id_types
        .iter()
        .filter_map(|r| {
            r.max_links.map(|m| {
                and_all(vec![
                    eq(g.col("n", "id_type"), g.string(&r.name)),
                    bin(g.col("d", "neighbours"), BinaryOperator::Gt, num(m)),
                ])
                .unwrap_or_else(|| crate::ast::boolean(false))
            })
        })
        .collect();
    let degree = Sel::new(
        vec![
            item(g.col("e", "a"), g.id(NODE)),
            item(Call::star("COUNT").build(), g.id("neighbours")),
        ],
        table(edges.clone(), Some(g.id("e"))),
    )
    .group_by(vec![g.col("e", "a")])
    .query();
    let over_query = query(
        vec![cte(g.id("c360_d"), degree)],
        Sel::new(
            vec![
                item(g.col("n", NODE), g.id(NODE)),
                item(g.col("n", "id_type"), g.id("id_type")),
                item(g.col("n", "id_value"), g.id("id_value")),
                item(g.col("d", "neighbours"), g.id("neighbours")),
            ],
            table(ObjectName::from(vec![g.id("c360_d")]), Some(g.id("d"))),
        )
        .join(inner_join(
            table(nodes.clone(), Some(g.id("n"))),
            eq(g.col("n", NODE), g.col("d", NODE)),
        ))
        .filter(Some(or_any(limits).unwrap_or_else(|| eq(num(1), num(0)))))
        .into_set(),
    );
    g.create_step(
        format!("{name}_overlinked"),
        format!("Identity graph of `{name}`: identifiers over their id type's `max_links`, removed before stitching (kept for the run report)."),
        &overlinked,
        &over_query,
    );

    // 5. The working set of edges (larger key → smaller key) and the settled edges.
    let work_query = Sel::new(
        vec![
            item(g.col("e", "a"), g.id("a")),
            item(g.col("e", "b"), g.id("b")),
        ],
        table(edges.clone(), Some(g.id("e"))),
    )
    .join(left_join(
        table(overlinked.clone(), Some(g.id("oa"))),
        eq(g.col("oa", NODE), g.col("e", "a")),
    ))
    .join(left_join(
        table(overlinked.clone(), Some(g.id("ob"))),
        eq(g.col("ob", NODE), g.col("e", "b")),
    ))
    .filter(and_all(vec![
        bin(g.col("e", "a"), BinaryOperator::Gt, g.col("e", "b")),
        is_null(g.col("oa", NODE)),
        is_null(g.col("ob", NODE)),
    ]))
    .query();
    let done_query = Sel::new(
        vec![
            item(g.col("w", "a"), g.id("a")),
            item(g.col("w", "b"), g.id("b")),
        ],
        table(work.clone(), Some(g.id("w"))),
    )
    .filter(Some(eq(num(1), num(0))))
    .query();
    let mut pieces = g.q.create_table_as(&work, &work_query);
    pieces.extend(g.q.create_table_as(&done, &done_query));
    g.sql_step(
        format!("{name}_stitch_init"),
        format!(
            "Identity graph of `{name}`: the edges to stitch, without over-linked identifiers."
        ),
        pieces,
    );

    // 6. The loop.
    stitch_loop(g, name, &work, &done, &ls, &ss);

    // 7. Component keys: the anchor is the highest-priority id type present, smallest MD5.
    let width = e.id_types.len().saturating_sub(1).to_string().len();
    let rank = case(
        e.id_types
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    eq(g.col("l", "id_type"), g.string(&r.name)),
                    g.string(&format!("{i:0width$}")),
                )
            })
            .collect(),
        None,
    );
    let md5 =
        g.q.md5_hex(node_text(g, g.col("l", "id_type"), g.col("l", "id_value")));
    let anchor =
        g.q.min_max(false, concat(rank, md5), &c360_sema::Type::String);
    let live = Sel::new(
        vec![
            item(g.col("n", NODE), g.id(NODE)),
            item(g.col("n", "id_type"), g.id("id_type")),
            item(g.col("n", "id_value"), g.id("id_value")),
        ],
        table(nodes.clone(), Some(g.id("n"))),
    )
    .join(left_join(
        table(overlinked.clone(), Some(g.id("o"))),
        eq(g.col("o", NODE), g.col("n", NODE)),
    ))
    .filter(Some(is_null(g.col("o", NODE))))
    .query();
    let label = Sel::new(
        vec![
            item(g.col("l", NODE), g.id(NODE)),
            item(g.col("l", "id_type"), g.id("id_type")),
            item(g.col("l", "id_value"), g.id("id_value")),
            item(
                func("COALESCE", vec![g.col("d", "b"), g.col("l", NODE)]),
                g.id("c360_root"),
            ),
        ],
        table(ObjectName::from(vec![g.id("c360_live")]), Some(g.id("l"))),
    )
    .join(left_join(
        table(done.clone(), Some(g.id("d"))),
        eq(g.col("d", "a"), g.col("l", NODE)),
    ))
    .query();
    let key = Sel::new(
        vec![
            item(g.col("l", "c360_root"), g.id("c360_root")),
            item(anchor, g.id("c360_anchor")),
        ],
        table(ObjectName::from(vec![g.id("c360_label")]), Some(g.id("l"))),
    )
    .group_by(vec![g.col("l", "c360_root")])
    .query();
    let graph_query = query(
        vec![
            cte(g.id("c360_live"), live),
            cte(g.id("c360_label"), label),
            cte(g.id("c360_key"), key),
        ],
        Sel::new(
            vec![
                item(g.col("l", NODE), g.id(NODE)),
                item(g.col("l", "id_type"), g.id("id_type")),
                item(g.col("l", "id_value"), g.id("id_value")),
                item(
                    func(
                        "SUBSTR",
                        vec![g.col("k", "c360_anchor"), num(width + 1), num(32)],
                    ),
                    g.id(ID),
                ),
            ],
            table(ObjectName::from(vec![g.id("c360_label")]), Some(g.id("l"))),
        )
        .join(inner_join(
            table(ObjectName::from(vec![g.id("c360_key")]), Some(g.id("k"))),
            eq(g.col("k", "c360_root"), g.col("l", "c360_root")),
        ))
        .into_set(),
    );
    g.create_step(
        format!("{name}_keys"),
        format!("Identity graph of `{name}`: each identifier with the key of its component (MD5 of the anchor)."),
        &graph,
        &graph_query,
    );

    // 8. The id lists of the 360 table.
    let mut id_items = vec![item(g.col("g", ID), g.id(ID))];
    for r in &e.id_types {
        let cond = eq(g.col("g", "id_type"), g.string(&r.name));
        let list = g.q.id_list(g.col("g", "id_value"), cond);
        let list = g.or_unsupported("an id list", list);
        id_items.push(item(list, g.id(&format!("{}_ids", r.name))));
    }
    let ids_query = Sel::new(id_items, table(graph.clone(), Some(g.id("g"))))
        .group_by(vec![g.col("g", ID)])
        .query();
    g.create_step(
        format!("{name}_ids"),
        format!("Identity graph of `{name}`: every entity's identifiers, per id type."),
        &ids,
        &ids_query,
    );

    g.work_tables.extend([
        links,
        nodes,
        edges,
        work,
        done,
        ls,
        ss,
        graph.clone(),
        ids.clone(),
    ]);
    IdentityTables { graph, ids }
}

/// Large-star / small-star (Kiveris et al., 2014) until every component is a star around its
/// smallest key. Each round: large-star, small-star, then components that are finished stars
/// move from the working set to the settled edges. The loop ends when the working set is empty;
/// its rounds grow with the log of the component size, not with the graph's diameter.
fn stitch_loop(
    g: &mut Gen,
    name: &str,
    work: &ObjectName,
    done: &ObjectName,
    ls: &ObjectName,
    ss: &ObjectName,
) {
    let col = |g: &Gen, a: &str, c: &str| g.col(a, c);
    let named = |g: &Gen, n: &str| ObjectName::from(vec![g.id(n)]);

    // Large star: each node links its larger neighbours to the smallest of its neighbourhood.
    let nbr = query(
        Vec::new(),
        union_all(vec![
            Sel::new(
                vec![
                    item(col(g, "w", "a"), g.id("u")),
                    item(col(g, "w", "b"), g.id("v")),
                ],
                table(work.clone(), Some(g.id("w"))),
            )
            .into_set(),
            Sel::new(
                vec![
                    item(col(g, "w", "b"), g.id("u")),
                    item(col(g, "w", "a"), g.id("v")),
                ],
                table(work.clone(), Some(g.id("w"))),
            )
            .into_set(),
        ]),
    );
    let mins = Sel::new(
        vec![
            item(col(g, "x", "u"), g.id("u")),
            item(func("MIN", vec![col(g, "x", "v")]), g.id("m")),
        ],
        table(named(g, "c360_nbr"), Some(g.id("x"))),
    )
    .group_by(vec![col(g, "x", "u")])
    .query();
    let ls_query = query(
        vec![cte(g.id("c360_nbr"), nbr), cte(g.id("c360_min"), mins)],
        Sel::new(
            vec![
                item(col(g, "x", "v"), g.id("a")),
                item(
                    case(
                        vec![(
                            bin(col(g, "m", "m"), BinaryOperator::Lt, col(g, "x", "u")),
                            col(g, "m", "m"),
                        )],
                        Some(col(g, "x", "u")),
                    ),
                    g.id("b"),
                ),
            ],
            table(named(g, "c360_nbr"), Some(g.id("x"))),
        )
        .join(inner_join(
            table(named(g, "c360_min"), Some(g.id("m"))),
            eq(col(g, "m", "u"), col(g, "x", "u")),
        ))
        .filter(Some(bin(
            col(g, "x", "v"),
            BinaryOperator::Gt,
            col(g, "x", "u"),
        )))
        .distinct()
        .into_set(),
    );

    // Small star: each node links itself and its smaller neighbours to the smallest of them;
    // then mark the edges of finished stars (a root whose every child is a leaf).
    let smins = Sel::new(
        vec![
            item(col(g, "l", "a"), g.id("u")),
            item(func("MIN", vec![col(g, "l", "b")]), g.id("m")),
        ],
        table(ls.clone(), Some(g.id("l"))),
    )
    .group_by(vec![col(g, "l", "a")])
    .query();
    let star = query(
        Vec::new(),
        union_all(vec![
            Sel::new(
                vec![
                    item(col(g, "l", "b"), g.id("a")),
                    item(col(g, "m", "m"), g.id("b")),
                ],
                table(ls.clone(), Some(g.id("l"))),
            )
            .join(inner_join(
                table(named(g, "c360_min"), Some(g.id("m"))),
                eq(col(g, "m", "u"), col(g, "l", "a")),
            ))
            .filter(Some(bin(
                col(g, "l", "b"),
                BinaryOperator::NotEq,
                col(g, "m", "m"),
            )))
            .into_set(),
            Sel::new(
                vec![
                    item(col(g, "m", "u"), g.id("a")),
                    item(col(g, "m", "m"), g.id("b")),
                ],
                table(named(g, "c360_min"), Some(g.id("m"))),
            )
            .into_set(),
        ]),
    );
    let distinct_star = Sel::new(
        vec![
            item(col(g, "s", "a"), g.id("a")),
            item(col(g, "s", "b"), g.id("b")),
        ],
        table(named(g, "c360_star"), Some(g.id("s"))),
    )
    .distinct()
    .query();
    let out_degree = Sel::new(
        vec![
            item(col(g, "s", "a"), g.id("n")),
            item(Call::star("COUNT").build(), g.id("k")),
        ],
        table(named(g, "c360_ss"), Some(g.id("s"))),
    )
    .group_by(vec![col(g, "s", "a")])
    .query();
    let has_in = Sel::new(
        vec![item(col(g, "s", "b"), g.id("n"))],
        table(named(g, "c360_ss"), Some(g.id("s"))),
    )
    .distinct()
    .query();
    // Open: roots with a child that is not a leaf, and every node that is not a root.
    let open = query(
        Vec::new(),
        union_all(vec![
            Sel::new(
                vec![item(col(g, "s", "b"), g.id("n"))],
                table(named(g, "c360_ss"), Some(g.id("s"))),
            )
            .join(inner_join(
                table(named(g, "c360_out"), Some(g.id("o"))),
                eq(col(g, "o", "n"), col(g, "s", "a")),
            ))
            .join(left_join(
                table(named(g, "c360_in"), Some(g.id("i"))),
                eq(col(g, "i", "n"), col(g, "s", "a")),
            ))
            .filter(or_any(vec![
                bin(col(g, "o", "k"), BinaryOperator::Gt, num(1)),
                is_not_null(col(g, "i", "n")),
            ]))
            .into_set(),
            Sel::new(
                vec![item(col(g, "o", "n"), g.id("n"))],
                table(named(g, "c360_out"), Some(g.id("o"))),
            )
            .into_set(),
        ]),
    );
    let open_set = Sel::new(
        vec![item(col(g, "o", "n"), g.id("n"))],
        table(named(g, "c360_open"), Some(g.id("o"))),
    )
    .distinct()
    .query();
    let ss_query = query(
        vec![
            cte(g.id("c360_min"), smins),
            cte(g.id("c360_star"), star),
            cte(g.id("c360_ss"), distinct_star),
            cte(g.id("c360_out"), out_degree),
            cte(g.id("c360_in"), has_in),
            cte(g.id("c360_open"), open),
            cte(g.id("c360_open_set"), open_set),
        ],
        Sel::new(
            vec![
                item(col(g, "s", "a"), g.id("a")),
                item(col(g, "s", "b"), g.id("b")),
                item(
                    case(vec![(is_null(col(g, "x", "n")), num(1))], Some(num(0))),
                    g.id("settled"),
                ),
            ],
            table(named(g, "c360_ss"), Some(g.id("s"))),
        )
        .join(left_join(
            table(named(g, "c360_open_set"), Some(g.id("x"))),
            eq(col(g, "x", "n"), col(g, "s", "b")),
        ))
        .into_set(),
    );
    let settled = |g: &Gen, flag: i64| {
        Sel::new(
            vec![
                item(col(g, "s", "a"), g.id("a")),
                item(col(g, "s", "b"), g.id("b")),
            ],
            table(ss.clone(), Some(g.id("s"))),
        )
        .filter(Some(eq(col(g, "s", "settled"), num(flag))))
        .query()
    };

    let mut body: Vec<String> = Vec::new();
    body.extend(
        g.q.create_table_as(ls, &ls_query)
            .into_iter()
            .map(|p| p.sql),
    );
    body.extend(
        g.q.create_table_as(ss, &ss_query)
            .into_iter()
            .map(|p| p.sql),
    );
    body.push(format!("INSERT INTO {done}\n{:#}", settled(g, 1)));
    body.extend(
        g.q.create_table_as(work, &settled(g, 0))
            .into_iter()
            .map(|p| p.sql),
    );
    let changed: Query = Sel::new(
        vec![item(Call::star("COUNT").build(), g.id("c360_n"))],
        table(work.clone(), Some(g.id("w"))),
    )
    .query();
    let procedure = g.table(&format!("c360_stitch__{name}"));
    let script = g.q.loop_script(&LoopScript {
        entity: name,
        body: &body,
        changed: &changed,
        max_rounds: MAX_ROUNDS,
        procedure: &procedure,
    });
    let script = match script {
        Ok(s) => s,
        Err(reason) => {
            let site = std::mem::replace(&mut g.site, Site::Schema);
            g.bad_name("the schema name", reason);
            g.site = site;
            None
        }
    };
    g.steps.push(crate::gen::Step {
        name: crate::report::stitch_step(name),
        about: format!(
            "Identity graph of `{name}`: connected components by large-star / small-star."
        ),
        kind: StepKind::Loop {
            entity: name.to_owned(),
            body,
            changed: format!("{changed:#}"),
            script,
            max_rounds: MAX_ROUNDS,
        },
    });
}
