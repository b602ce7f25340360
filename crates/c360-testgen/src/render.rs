//! Writing the plan as `.c360` files and `c360.toml`, in one of several file layouts.

use crate::data::Table;
use crate::features::str_lit;
use crate::model::{Column, Feature, IdType, Plan, Role, Source, TrainingSet};
use c360_rng::Rng;

/// The `.c360` files of `plan`: `(path, text)` in path order.
pub fn files(plan: &Plan, rng: &mut Rng) -> Vec<(String, String)> {
    let seed = plan.seed;
    let id_types: Vec<String> = plan.id_types.iter().map(|t| id_type(t, rng)).collect();
    let entities: Vec<String> = plan
        .entities
        .iter()
        .map(|e| {
            let ids: Vec<&str> = e
                .ids
                .iter()
                .map(|&t| plan.id_types[t].name.as_str())
                .collect();
            let ann = if rng.chance(10) {
                "@owner(\"identity\")\n"
            } else {
                ""
            };
            format!(
                "{ann}entity {} {{\n  ids = [{}]\n}}\n",
                e.name,
                ids.join(", ")
            )
        })
        .collect();
    let sources: Vec<(String, String)> = plan
        .sources
        .iter()
        .map(|s| (s.name.clone(), source(s, plan, rng)))
        .collect();
    let mut feature_blocks: Vec<(String, Vec<String>)> = Vec::new();
    for (ei, e) in plan.entities.iter().enumerate() {
        let mut order: Vec<usize> = (0..plan.features[ei].len()).collect();
        if rng.chance(50) {
            // Declaration order does not matter: features may come before what they read.
            rng.shuffle(&mut order);
        }
        let rendered: Vec<String> = order
            .iter()
            .map(|&i| feature(&plan.features[ei][i], rng))
            .collect();
        let blocks: Vec<String> = if rendered.len() > 3 && rng.chance(35) {
            let cut = rng.between(1, rendered.len() as i64 - 1) as usize;
            vec![
                features_block(&e.name, &rendered[..cut]),
                features_block(&e.name, &rendered[cut..]),
            ]
        } else {
            vec![features_block(&e.name, &rendered)]
        };
        feature_blocks.push((e.name.clone(), blocks));
    }
    let training: Vec<(String, String)> = plan
        .training_sets
        .iter()
        .map(|t| (t.name.clone(), training_set(t, plan, rng)))
        .collect();

    let header = |what: &str| format!("// {what} (c360-testgen, seed {seed})\n\n");
    let mut files: Vec<(String, String)> = Vec::new();
    match rng.below(100) {
        0..=24 => {
            let mut text = header("The whole project");
            let mut parts: Vec<String> = Vec::new();
            parts.extend(id_types);
            parts.extend(entities);
            parts.extend(sources.into_iter().map(|(_, t)| t));
            parts.extend(feature_blocks.into_iter().flat_map(|(_, b)| b));
            parts.extend(training.into_iter().map(|(_, t)| t));
            text.push_str(&parts.join("\n"));
            files.push(("project.c360".into(), text));
        }
        25..=64 => {
            let mut identity = header("Identifiers and entities");
            identity.push_str(&[id_types, entities].concat().join("\n"));
            files.push(("identity.c360".into(), identity));
            let mut src = header("Sources");
            if rng.chance(30) {
                src.push_str("/* Tables read by the project. /* Block comments nest. */ */\n\n");
            }
            src.push_str(
                &sources
                    .into_iter()
                    .map(|(_, t)| t)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            files.push(("sources.c360".into(), src));
            let mut feats = header("Features");
            feats.push_str(
                &feature_blocks
                    .into_iter()
                    .flat_map(|(_, b)| b)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            files.push(("features.c360".into(), feats));
            if !training.is_empty() {
                let mut t = header("Training sets");
                t.push_str(
                    &training
                        .into_iter()
                        .map(|(_, t)| t)
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                files.push(("training.c360".into(), t));
            }
        }
        _ => {
            let mut ids = header("Identifier types");
            ids.push_str(&id_types.join("\n"));
            files.push(("identity/id_types.c360".into(), ids));
            let mut ents = header("Entities");
            ents.push_str(&entities.join("\n"));
            files.push(("identity/entities.c360".into(), ents));
            for (name, text) in sources {
                let mut t = header(&format!("Source {name}"));
                t.push_str(&text);
                files.push((format!("sources/{}.c360", name.to_ascii_lowercase()), t));
            }
            for (entity, blocks) in feature_blocks {
                for (i, block) in blocks.into_iter().enumerate() {
                    let mut t = header(&format!("Features of {entity}"));
                    t.push_str(&block);
                    let path = if i == 0 {
                        format!("features/{entity}.c360")
                    } else {
                        format!("features/{entity}_more.c360")
                    };
                    files.push((path, t));
                }
            }
            for (name, text) in training {
                let mut t = header(&format!("Training set {name}"));
                t.push_str(&text);
                files.push((format!("ml/{name}.c360"), t));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn doc(text: &Option<String>, indent: &str) -> String {
    match text {
        Some(t) => t
            .lines()
            .map(|l| format!("{indent}/// {l}\n"))
            .collect::<String>(),
        None => String::new(),
    }
}

fn id_type(t: &IdType, rng: &mut Rng) -> String {
    let mut props: Vec<String> = Vec::new();
    if let Some(n) = t.normalize.text() {
        props.push(format!("normalize = {n}"));
    }
    if let Some(v) = &t.valid {
        props.push(format!("valid = {v}"));
    }
    if !t.exclude.is_empty() {
        let items: Vec<String> = t.exclude.iter().map(|e| str_lit(e)).collect();
        props.push(format!("exclude = [{}]", items.join(", ")));
    }
    if let Some(m) = t.max_links {
        props.push(format!("max_links = {m}"));
    }
    rng.shuffle(&mut props);
    let mut out = doc(&t.doc, "");
    if props.is_empty() {
        if rng.chance(25) {
            out.push_str(&format!("id_type {} {{}}\n", t.name));
        } else {
            out.push_str(&format!("id_type {}\n", t.name));
        }
    } else {
        out.push_str(&format!("id_type {} {{\n", t.name));
        for p in props {
            out.push_str(&format!("  {p}\n"));
        }
        out.push_str("}\n");
    }
    out
}

/// One column line: `name: type` and its annotations in a random order.
fn column(c: &Column, is_time: bool, plan: &Plan, rng: &mut Rng) -> String {
    let mut anns: Vec<String> = Vec::new();
    if let Role::Id(t) = c.role {
        anns.push(format!("@id({})", plan.id_types[t].name));
    }
    if is_time {
        anns.push("@time".into());
    }
    if c.renamed() {
        anns.push(format!("@column({})", str_lit(&c.physical)));
    }
    rng.shuffle(&mut anns);
    let mut out = doc(&c.doc, "  ");
    out.push_str(&format!("  {}: {}", c.name, c.ty.keyword()));
    for a in anns {
        out.push(' ');
        out.push_str(&a);
    }
    out.push('\n');
    out
}

fn source(s: &Source, plan: &Plan, rng: &mut Rng) -> String {
    let mut out = doc(&s.doc, "");
    if rng.chance(10) {
        out.push_str("@owner(\"data-platform\") @tags(\"raw\")\n");
    }
    out.push_str(&format!(
        "source {} from {} {{\n",
        s.name,
        str_lit(&s.relation)
    ));
    for (i, c) in s.columns.iter().enumerate() {
        out.push_str(&column(c, s.time == Some(i), plan, rng));
    }
    out.push_str("}\n");
    out
}

fn feature(f: &Feature, rng: &mut Rng) -> String {
    let mut out = doc(&f.doc, "  ");
    let mut anns = f.annotations.clone();
    if f.hidden {
        anns.push("@hidden".into());
    }
    rng.shuffle(&mut anns);
    if !anns.is_empty() {
        out.push_str(&format!("  {}\n", anns.join(" ")));
    }
    let ty = match f.declared {
        Some(t) => format!(": {}", t.keyword()),
        None => String::new(),
    };
    let body = f.body.replace('\n', "\n  ");
    if body.len() + f.name.len() > 90 && rng.chance(50) {
        out.push_str(&format!("  {}{ty} =\n    {body}\n", f.name));
    } else {
        out.push_str(&format!("  {}{ty} = {body}\n", f.name));
    }
    out
}

fn features_block(entity: &str, features: &[String]) -> String {
    format!("features {entity} {{\n{}}}\n", features.join(""))
}

fn training_set(t: &TrainingSet, plan: &Plan, rng: &mut Rng) -> String {
    let entity = &plan.entities[t.entity];
    let mut labels = format!("  labels from {} {{\n", str_lit(&t.relation));
    for (i, c) in t.columns.iter().enumerate() {
        for line in column(c, i == t.time, plan, rng).lines() {
            labels.push_str(&format!("  {line}\n"));
        }
    }
    labels.push_str("  }\n");
    let names: Vec<&str> = t
        .features
        .iter()
        .map(|&i| plan.features[t.entity][i].name.as_str())
        .collect();
    let features = format!("  features = [{}]\n", names.join(", "));
    let body = if rng.chance(30) {
        format!("{features}{labels}")
    } else {
        format!("{labels}{features}")
    };
    format!(
        "/// Labels joined with features as they were at each label's time.\ntraining_set {} for {} {{\n{body}}}\n",
        t.name, entity.name
    )
}

/// `c360.toml`: the embedded DuckDB target with every table's CSV file.
pub fn config(plan: &Plan, tables: &[Table]) -> String {
    let mut out = format!(
        "# A random project (c360-testgen, seed {seed}).\n\n[project]\nname = \"testgen_{seed}\"\n\n[targets.dev]\nengine = \"duckdb\"\npath   = \"target/testgen.duckdb\"\nschema = \"main\"\n\n[targets.dev.tables]\n",
        seed = plan.seed
    );
    for t in tables {
        out.push_str(&format!(
            "{} = {}\n",
            toml_string(&t.relation),
            toml_string(&t.path)
        ));
    }
    out
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
