//! Annotations (`@owner("…")`, `@id(email)`, …): which exist, where they may stand, their arguments.

use c360_diagnostics::{codes, Diagnostic, FileId};
use c360_syntax::ast::{Annotation, Expr, ExprKind, Ident};

use crate::suggest::closest;

/// Where an annotation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// Before a declaration keyword.
    Item,
    /// On a source or labels column.
    Column,
    /// Before a feature.
    Feature,
}

impl Site {
    fn describe(self) -> &'static str {
        match self {
            Site::Item => "a declaration",
            Site::Column => "a column",
            Site::Feature => "a feature",
        }
    }
}

/// Every annotation c360 knows, with the sites it is allowed on.
const KNOWN: &[(&str, &[Site])] = &[
    ("owner", &[Site::Item, Site::Feature]),
    ("tags", &[Site::Item, Site::Feature]),
    ("version", &[Site::Feature]),
    ("deprecated", &[Site::Feature]),
    ("hidden", &[Site::Feature]),
    ("id", &[Site::Column]),
    ("time", &[Site::Column]),
    ("column", &[Site::Column]),
];

/// The checked annotations of one declaration, column or feature.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Annotations {
    /// `@owner("…")`
    pub owner: Option<String>,
    /// `@tags("…", …)`
    pub tags: Vec<String>,
    /// `@version(N)`
    pub version: Option<u64>,
    /// `@deprecated` / `@deprecated("reason")`
    pub deprecated: Option<String>,
    /// `@hidden`
    pub hidden: bool,
    /// `@id(T)`: the id type's name as written.
    pub id: Option<Ident>,
    /// `@time`
    pub time: bool,
    /// `@column("PHYSICAL")`
    pub column: Option<String>,
}

/// Checks `anns` for `site`, reporting unknown, misplaced, repeated or malformed ones.
pub fn check(
    file: &FileId,
    anns: &[Annotation],
    site: Site,
    diags: &mut Vec<Diagnostic>,
) -> Annotations {
    let mut out = Annotations::default();
    let mut seen: Vec<&str> = Vec::new();
    for ann in anns {
        let name = ann.name.name.as_str();
        let Some((_, sites)) = KNOWN.iter().find(|(n, _)| *n == name) else {
            let mut d = Diagnostic::new(
                codes::E0106,
                file.clone(),
                ann.name.span,
                format!("unknown annotation `@{name}`"),
            );
            let allowed = KNOWN
                .iter()
                .filter(|(_, s)| s.contains(&site))
                .map(|(n, _)| *n);
            match closest(name, allowed.clone()) {
                Some(s) => {
                    d = d
                        .with_help(format!("did you mean `@{s}`?"))
                        .with_replacement(format!("replace with `@{s}`"), ann.name.span, s)
                }
                None => {
                    let list: Vec<String> = allowed.map(|n| format!("`@{n}`")).collect();
                    d = d.with_help(format!(
                        "annotations allowed on {}: {}",
                        site.describe(),
                        list.join(", ")
                    ))
                }
            }
            diags.push(d);
            continue;
        };
        if !sites.contains(&site) {
            let places: Vec<&str> = sites.iter().map(|s| s.describe()).collect();
            diags.push(
                Diagnostic::new(
                    codes::E0107,
                    file.clone(),
                    ann.span,
                    format!("`@{name}` cannot be used on {}", site.describe()),
                )
                .with_help(format!("`@{name}` belongs on {}", places.join(" or "))),
            );
            continue;
        }
        if seen.contains(&name) {
            diags.push(
                Diagnostic::new(
                    codes::E0107,
                    file.clone(),
                    ann.span,
                    format!("`@{name}` is written twice"),
                )
                .with_help("remove the repeated annotation"),
            );
            continue;
        }
        seen.push(name);
        let args: &[Expr] = ann.args.as_deref().unwrap_or(&[]);
        let mut bad = |expected: &str| {
            diags.push(
                Diagnostic::new(
                    codes::E0107,
                    file.clone(),
                    ann.span,
                    format!("`@{name}` takes {expected}"),
                )
                .with_help(format!("write it as {}", example(name))),
            );
        };
        match name {
            "owner" => match args {
                [e] => match string_arg(e) {
                    Some(s) => out.owner = Some(s),
                    None => bad("one string"),
                },
                _ => bad("one string"),
            },
            "tags" => {
                let tags: Option<Vec<String>> = args.iter().map(string_arg).collect();
                match tags {
                    Some(tags) if !tags.is_empty() => out.tags = tags,
                    _ => bad("one or more strings"),
                }
            }
            "version" => match args {
                [Expr {
                    kind: ExprKind::Int(n),
                    ..
                }] => match n.parse::<u64>() {
                    Ok(v) => out.version = Some(v),
                    Err(_) => bad("a whole number"),
                },
                _ => bad("a whole number"),
            },
            "deprecated" => match args {
                [] => out.deprecated = Some(String::new()),
                [e] => match string_arg(e) {
                    Some(s) => out.deprecated = Some(s),
                    None => bad("an optional reason string"),
                },
                _ => bad("an optional reason string"),
            },
            "hidden" | "time" => {
                if ann.args.is_some() {
                    bad("no arguments");
                } else if name == "hidden" {
                    out.hidden = true;
                } else {
                    out.time = true;
                }
            }
            "id" => match args {
                [Expr {
                    kind: ExprKind::Name(id),
                    ..
                }] => out.id = Some(id.clone()),
                _ => bad("the name of an id type"),
            },
            "column" => match args {
                [e] => match string_arg(e) {
                    Some(s) if !s.is_empty() => out.column = Some(s),
                    _ => bad("a non-empty string"),
                },
                _ => bad("a non-empty string"),
            },
            _ => unreachable!("every known annotation is handled"),
        }
    }
    out
}

fn string_arg(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Str(s) => Some(s.value.clone()),
        _ => None,
    }
}

fn example(name: &str) -> &'static str {
    match name {
        "owner" => "`@owner(\"growth\")`",
        "tags" => "`@tags(\"revenue\", \"finance\")`",
        "version" => "`@version(2)`",
        "deprecated" => "`@deprecated(\"use revenue_90d\")`",
        "hidden" => "`@hidden`",
        "id" => "`@id(email)`",
        "time" => "`@time`",
        "column" => "`@column(\"PHYSICAL_NAME\")`",
        _ => "shown in the reference",
    }
}
