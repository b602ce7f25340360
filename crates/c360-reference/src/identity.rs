//! The identity graph of one entity (spec §5.1, §5.2): clean every identifier, link the
//! identifiers of each row, drop over-linked identifiers, find connected components with
//! union-find, and key each component by the MD5 of its anchor.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use c360_sema::model::{EntityDef, IdTypeDef};
use c360_sema::Model;
use md5::{Digest, Md5};

use crate::error::Error;
use crate::eval::{eval, Scope};
use crate::pattern::Patterns;
use crate::prepare::SourceRows;
use crate::value::Value;

/// An identifier of a type with `max_links` that had more distinct neighbours than that and
/// was removed, with its links, before stitching.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OverlinkedId {
    /// The id type.
    pub id_type: String,
    /// The normalised value.
    pub value: String,
    /// Its number of distinct neighbours.
    pub neighbours: usize,
    /// The id type's `max_links`.
    pub max_links: u64,
}

/// The lowercase hex MD5 of `"<id_type>:<value>"`.
pub fn node_key(id_type: &str, value: &str) -> String {
    let mut hasher = Md5::new();
    hasher.update(id_type.as_bytes());
    hasher.update(b":");
    hasher.update(value.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The scope of an id type's rules: only `value`.
struct RuleScope<'a> {
    value: &'a str,
    patterns: &'a mut Patterns,
}

impl Scope for RuleScope<'_> {
    fn patterns(&mut self) -> &mut Patterns {
        self.patterns
    }

    fn value(&self) -> Result<Value, Error> {
        Ok(Value::String(self.value.to_string()))
    }
}

/// Applies id types' rules, remembering each raw value's result.
#[derive(Default)]
pub struct Cleaner {
    patterns: Patterns,
    cache: HashMap<(String, String), Option<String>>,
}

impl Cleaner {
    /// The node value of the raw identifier `raw` of type `id_type`: the raw value as text,
    /// normalised, then `None` when it is empty, excluded or not valid. A null raw value is
    /// `None`. A value that is not a string becomes its canonical text, except a float, which
    /// keeps every digit (its shortest round-trip text, `1234567.891`).
    pub fn clean(&mut self, id_type: &IdTypeDef, raw: &Value) -> Result<Option<String>, Error> {
        let text = match raw {
            Value::Null => return Ok(None),
            Value::String(s) => s.clone(),
            Value::Float(x) => format!("{x}"),
            other => other.canonical(),
        };
        let key = (id_type.name.clone(), text);
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit.clone());
        }
        let cleaned = self.apply(id_type, &key.1).map_err(|e| Error {
            message: format!(
                "cleaning the `{}` identifier \"{}\": {}",
                id_type.name, key.1, e.message
            ),
            ..e
        })?;
        self.cache.insert(key, cleaned.clone());
        Ok(cleaned)
    }

    fn apply(&mut self, id_type: &IdTypeDef, raw: &str) -> Result<Option<String>, Error> {
        let value = match &id_type.normalize {
            None => raw.to_string(),
            Some(rule) => {
                let mut scope = RuleScope {
                    value: raw,
                    patterns: &mut self.patterns,
                };
                match eval(&mut scope, rule)? {
                    Value::String(s) => s,
                    Value::Null => return Ok(None),
                    other => other.canonical(),
                }
            }
        };
        if value.is_empty() || id_type.exclude.iter().any(|x| x == &value) {
            return Ok(None);
        }
        if let Some(rule) = &id_type.valid {
            let mut scope = RuleScope {
                value: &value,
                patterns: &mut self.patterns,
            };
            if !matches!(eval(&mut scope, rule)?, Value::Bool(true)) {
                return Ok(None);
            }
        }
        Ok(Some(value))
    }
}

/// The node value of a raw identifier of type `id_type` after the type's rules, or `None`
/// when it is dropped (null, empty, excluded, not valid).
pub fn clean_id(model: &Model, id_type: &str, raw: &str) -> Result<Option<String>, Error> {
    let def = model
        .id_types
        .get(id_type)
        .ok_or_else(|| Error::new(format!("there is no id type `{id_type}`")))?;
    Cleaner::default().clean(def, &Value::String(raw.to_string()))
}

/// A union-find forest with path halving and union by size.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

/// One entity instance: a connected component.
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    /// `<entity>_id`.
    pub key: String,
    /// Its nodes, as indexes into [`Graph::nodes`], sorted by (type, value).
    pub nodes: Vec<usize>,
}

/// The identity graph of one entity, and which source rows belong to which instance.
pub(crate) struct Graph {
    /// Every surviving node: `(id_type, value)`.
    pub nodes: Vec<(String, String)>,
    /// Node → index in `nodes` (surviving nodes only).
    pub index: HashMap<(String, String), usize>,
    /// The instances, sorted by key.
    pub instances: Vec<Instance>,
    /// Instance of each node.
    pub instance_of: Vec<usize>,
    /// Per source name: the instance each row belongs to, if any.
    pub row_instance: BTreeMap<String, Vec<Option<usize>>>,
    /// Identifiers removed for having too many neighbours, sorted.
    pub overlinked: Vec<OverlinkedId>,
}

impl Graph {
    /// The instance owning node `(id_type, value)`, if it is a node.
    pub fn instance(&self, id_type: &str, value: &str) -> Option<usize> {
        self.index
            .get(&(id_type.to_string(), value.to_string()))
            .map(|&n| self.instance_of[n])
    }
}

/// A row later than the run's `as_of`: its source, its index, and its identifiers in the
/// entity's priority order, then column order.
type LateRow = (String, usize, Vec<(String, String)>);

/// Builds the identity graph of `entity` from the rows of every source up to the run's
/// `as_of` (rows with a null time and rows of snapshot sources included).
///
/// A row later than `as_of` links nothing, but a training set's label may be later than the
/// run and read it: it belongs to the instance of its first identifier that is a node, in the
/// entity's priority order, then column order (the rule labels follow).
pub(crate) fn build(
    model: &Model,
    entity: &EntityDef,
    sources: &BTreeMap<String, SourceRows>,
    as_of: i64,
    cleaner: &mut Cleaner,
) -> Result<Graph, Error> {
    let priority: HashMap<&str, usize> = entity
        .ids
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();

    // 1. Clean every id column of every source carrying one of the entity's id types.
    let mut all_nodes: Vec<(String, String)> = Vec::new();
    let mut all_index: HashMap<(String, String), usize> = HashMap::new();
    let mut row_nodes: BTreeMap<String, Vec<Vec<usize>>> = BTreeMap::new();
    let mut late: Vec<LateRow> = Vec::new();
    for (name, rows) in sources {
        let mut id_columns: Vec<(usize, usize, &IdTypeDef)> = rows
            .def
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let t = c.id_type.as_deref()?;
                Some((*priority.get(t)?, i, model.id_types.get(t)?))
            })
            .collect();
        if id_columns.is_empty() {
            continue;
        }
        id_columns.sort_by_key(|&(rank, i, _)| (rank, i));
        let timed = rows.def.time_column().is_some();
        let mut per_row = Vec::with_capacity(rows.rows.len());
        for (r, row) in rows.rows.iter().enumerate() {
            let mut ids: Vec<(String, String)> = Vec::new();
            for &(_, i, def) in &id_columns {
                let cleaned = cleaner
                    .clean(def, &row[i])
                    .map_err(|e| e.at(rows.row_location(r)))?;
                ids.extend(cleaned.map(|v| (def.name.clone(), v)));
            }
            if timed && rows.times[r].is_some_and(|t| t > as_of) {
                late.push((name.clone(), r, ids));
                per_row.push(Vec::new());
                continue;
            }
            let mut nodes: Vec<usize> = Vec::with_capacity(ids.len());
            for key in ids {
                let n = match all_index.get(&key) {
                    Some(&n) => n,
                    None => {
                        all_nodes.push(key.clone());
                        all_index.insert(key, all_nodes.len() - 1);
                        all_nodes.len() - 1
                    }
                };
                if !nodes.contains(&n) {
                    nodes.push(n);
                }
            }
            per_row.push(nodes);
        }
        row_nodes.insert(name.clone(), per_row);
    }

    // 2–3. Count distinct neighbours of nodes whose type has `max_links`; remove those over it.
    let limits: Vec<Option<u64>> = all_nodes
        .iter()
        .map(|(t, _)| model.id_types.get(t).and_then(|d| d.max_links))
        .collect();
    let mut neighbours: HashMap<usize, BTreeSet<usize>> = HashMap::new();
    for per_row in row_nodes.values() {
        for nodes in per_row {
            for &a in nodes {
                if limits[a].is_none() {
                    continue;
                }
                let set = neighbours.entry(a).or_default();
                set.extend(nodes.iter().copied().filter(|&b| b != a));
            }
        }
    }
    let mut removed = vec![false; all_nodes.len()];
    let mut overlinked = Vec::new();
    for (&n, set) in &neighbours {
        if let Some(max) = limits[n] {
            if set.len() as u64 > max {
                removed[n] = true;
                overlinked.push(OverlinkedId {
                    id_type: all_nodes[n].0.clone(),
                    value: all_nodes[n].1.clone(),
                    neighbours: set.len(),
                    max_links: max,
                });
            }
        }
    }
    overlinked.sort();

    // 4. Connected components over the surviving nodes of each row.
    let mut uf = UnionFind::new(all_nodes.len());
    for per_row in row_nodes.values() {
        for nodes in per_row {
            let mut surviving = nodes.iter().copied().filter(|&n| !removed[n]);
            if let Some(first) = surviving.next() {
                for other in surviving {
                    uf.union(first, other);
                }
            }
        }
    }
    let mut components: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for n in (0..all_nodes.len()).filter(|&n| !removed[n]) {
        components.entry(uf.find(n)).or_default().push(n);
    }

    // The entity key: the MD5 of the anchor, the node of the highest-priority type present
    // with the smallest MD5.
    let mut instances: Vec<(String, Vec<usize>)> = components
        .into_values()
        .map(|members| {
            let key = members
                .iter()
                .map(|&n| {
                    let (t, v) = &all_nodes[n];
                    (
                        priority.get(t.as_str()).copied().unwrap_or(usize::MAX),
                        node_key(t, v),
                    )
                })
                .min()
                .map(|(_, k)| k)
                .unwrap_or_default();
            (key, members)
        })
        .collect();
    instances.sort_by(|a, b| a.0.cmp(&b.0));

    // Renumber the surviving nodes, sorted by (type, value) within each instance.
    let mut nodes = Vec::new();
    let mut index = HashMap::new();
    let mut instance_of = Vec::new();
    let mut renumber: HashMap<usize, usize> = HashMap::new();
    let mut out_instances = Vec::with_capacity(instances.len());
    for (i, (key, mut members)) in instances.into_iter().enumerate() {
        members.sort_by(|&a, &b| all_nodes[a].cmp(&all_nodes[b]));
        let mut own = Vec::with_capacity(members.len());
        for old in members {
            let new = nodes.len();
            nodes.push(all_nodes[old].clone());
            index.insert(all_nodes[old].clone(), new);
            instance_of.push(i);
            renumber.insert(old, new);
            own.push(new);
        }
        out_instances.push(Instance { key, nodes: own });
    }

    let mut row_instance: BTreeMap<String, Vec<Option<usize>>> = row_nodes
        .into_iter()
        .map(|(name, per_row)| {
            let owners = per_row
                .iter()
                .map(|nodes| {
                    nodes
                        .iter()
                        .find_map(|n| renumber.get(n))
                        .map(|&n| instance_of[n])
                })
                .collect();
            (name, owners)
        })
        .collect();
    for (name, r, ids) in late {
        let owner = ids
            .iter()
            .find_map(|node| index.get(node))
            .map(|&n| instance_of[n]);
        if let Some(owners) = row_instance.get_mut(&name) {
            owners[r] = owner;
        }
    }

    Ok(Graph {
        nodes,
        index,
        instances: out_instances,
        instance_of,
        row_instance,
        overlinked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_keys_are_lowercase_hex_md5() {
        // Expected digests computed independently (Python's hashlib).
        assert_eq!(node_key("", ""), "853ae90f0351324bd73ea615e6487517");
        assert_eq!(
            node_key("email", "a@x.com"),
            "bbc270e92096ff4c017f272b06398be4"
        );
        assert_eq!(
            node_key("user_id", "u1"),
            "be7c2f78d22f84a92914d69db587abde"
        );
    }

    #[test]
    fn union_find_joins_chains() {
        let mut uf = UnionFind::new(5);
        uf.union(0, 1);
        uf.union(3, 4);
        uf.union(1, 4);
        assert_eq!(uf.find(0), uf.find(3));
        assert_ne!(uf.find(2), uf.find(0));
    }
}
