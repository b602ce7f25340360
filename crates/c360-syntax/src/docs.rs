//! Attaches `///` doc comments to the declarations, columns and features they precede.

use c360_diagnostics::Span;

use crate::ast::{Comment, CommentKind, Doc, ItemKind, SourceFile};

/// Finds the run of doc comments that ends right before `start`, with only whitespace between
/// the comments and up to `start`.
fn doc_before(text: &str, comments: &[Comment], start: u32) -> Option<Doc> {
    let only_space = |from: u32, to: u32| {
        text.get(from as usize..to as usize)
            .is_some_and(|gap| gap.chars().all(|c| c.is_whitespace()))
    };
    let end = comments.partition_point(|c| c.span.end <= start);
    let mut first = end;
    let mut boundary = start;
    while first > 0 {
        let c = &comments[first - 1];
        if c.kind != CommentKind::Doc || !only_space(c.span.end, boundary) {
            break;
        }
        boundary = c.span.start;
        first -= 1;
    }
    if first == end {
        return None;
    }
    let run = &comments[first..end];
    let text = run
        .iter()
        .map(|c| {
            let body = c.text.strip_prefix("///").unwrap_or(&c.text);
            body.strip_prefix(' ').unwrap_or(body)
        })
        .collect::<Vec<_>>()
        .join("\n");
    Some(Doc {
        text,
        span: Span {
            start: run[0].span.start,
            end: run[run.len() - 1].span.end,
        },
    })
}

/// Fills every `doc` field of `file` from its comments.
pub(crate) fn attach_docs(text: &str, file: &mut SourceFile) {
    if !file.comments.iter().any(|c| c.kind == CommentKind::Doc) {
        return;
    }
    let comments = &file.comments;
    for item in &mut file.items {
        item.doc = doc_before(text, comments, item.span.start);
        match &mut item.kind {
            ItemKind::Source(source) => {
                for column in &mut source.columns {
                    column.doc = doc_before(text, comments, column.span.start);
                }
            }
            ItemKind::TrainingSet(set) => {
                for labels in &mut set.labels {
                    for column in &mut labels.columns {
                        column.doc = doc_before(text, comments, column.span.start);
                    }
                }
            }
            ItemKind::Features(block) => {
                for feature in &mut block.features {
                    feature.doc = doc_before(text, comments, feature.span.start);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use c360_diagnostics::FileId;

    use crate::ast::ItemKind;

    fn docs(text: &str) -> Vec<Option<String>> {
        let parse = crate::parse(&FileId::new("t.c360"), text);
        assert_eq!(parse.diagnostics, vec![]);
        parse
            .file
            .items
            .iter()
            .map(|i| i.doc.as_ref().map(|d| d.text.clone()))
            .collect()
    }

    #[test]
    fn a_run_of_doc_lines_is_joined() {
        assert_eq!(
            docs("/// One.\n///   Two, indented.\n///\n///No space.\nid_type a\n"),
            [Some("One.\n  Two, indented.\n\nNo space.".to_string())]
        );
    }

    #[test]
    fn only_whitespace_may_separate_a_doc_from_its_item() {
        assert_eq!(
            docs("/// Kept.\n\n  id_type a\n/// Lost.\n// plain\nid_type b\n"),
            [Some("Kept.".to_string()), None]
        );
        assert_eq!(docs("//// Not a doc.\nid_type a\n"), [None]);
        assert_eq!(
            docs("/* block */ /// After a block.\nid_type a\n"),
            [Some("After a block.".to_string())]
        );
        assert_eq!(
            docs("id_type a /// Trailing.\nid_type b\n"),
            [None, Some("Trailing.".to_string())]
        );
    }

    #[test]
    fn doc_span_covers_the_run_and_crlf_is_not_text() {
        let text = "/// A.\r\n/// B.\r\nid_type a\r\n";
        let parse = crate::parse(&FileId::new("t.c360"), text);
        let doc = parse.file.items[0].doc.clone().expect("doc");
        assert_eq!(doc.text, "A.\nB.");
        assert_eq!(&text[doc.span.range()], "/// A.\r\n/// B.");
    }

    #[test]
    fn columns_and_features_get_their_docs() {
        let text = "source s from \"t\" {\n  /// The key.\n  k: string @id(k)\n  v: int\n}\nfeatures c {\n  /// Doc.\n  @hidden\n  f = 1\n  g = 2\n}\n";
        let parse = crate::parse(&FileId::new("t.c360"), text);
        let ItemKind::Source(source) = &parse.file.items[0].kind else {
            panic!("source");
        };
        assert_eq!(
            source.columns[0].doc.as_ref().map(|d| d.text.as_str()),
            Some("The key.")
        );
        assert_eq!(source.columns[1].doc, None);
        let ItemKind::Features(block) = &parse.file.items[1].kind else {
            panic!("features");
        };
        assert_eq!(
            block.features[0].doc.as_ref().map(|d| d.text.as_str()),
            Some("Doc.")
        );
        assert_eq!(block.features[1].doc, None);
    }
}
