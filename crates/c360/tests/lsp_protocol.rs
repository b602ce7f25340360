//! Protocol tests: the real `c360 lsp` binary over stdio, on a copy of examples/ecommerce.

mod lsp_support;

use serde_json::{json, Value};

use lsp_support::{copy_example, file_uri, labels, pos, pos_on_line, Client};

fn range(start: Value, end: Value) -> Value {
    json!({ "start": start, "end": end })
}

#[test]
fn initialize_negotiates_the_position_encoding() {
    let dir = copy_example("ecommerce", "init");
    let (client, result) = Client::initialized(&dir, &["utf-8", "utf-16"]);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 2);
    assert!(client.shutdown(), "the server exits cleanly");

    let (client, result) = Client::initialized(&dir, &[]);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    assert!(client.shutdown());
}

#[test]
fn incremental_edits_publish_diagnostics_and_offer_the_did_you_mean_fix() {
    let dir = copy_example("ecommerce", "diag");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let (uri, text) = client.open(&dir.join("features.c360"));

    // `sum(amount)` → `sum(amout)`: an unknown column with a suggestion.
    let at = pos(&text, "sum(amount)", 4);
    let end = pos(&text, "sum(amount)", 10);
    client.edit(&uri, 2, range(at.clone(), end), "amout");
    let diags = client.diagnostics_where(&uri, |d| !d.is_empty());
    let unknown = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap_or("").contains("amout"))
        .unwrap_or_else(|| panic!("no diagnostic names `amout`: {diags:?}"));
    assert_eq!(unknown["severity"], 1);
    assert_eq!(unknown["source"], "c360");
    assert_eq!(unknown["range"]["start"], at);

    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": unknown["range"],
            "context": { "diagnostics": [] }
        }),
    );
    let fix = actions
        .as_array()
        .and_then(|a| a.iter().find(|a| a["kind"] == "quickfix"))
        .unwrap_or_else(|| panic!("no quick fix: {actions}"));
    assert!(
        fix["title"].as_str().unwrap_or("").contains("amount"),
        "{fix}"
    );
    let edits = &fix["edit"]["changes"][uri.as_str()];
    assert_eq!(edits[0]["newText"], "amount", "{fix}");

    // Applying the fix clears the file's diagnostics.
    client.edit(&uri, 3, edits[0]["range"].clone(), "amount");
    client.diagnostics_where(&uri, |d| d.is_empty());

    // A second, multi-change edit in one notification is applied in order.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 4 },
            "contentChanges": [
                { "range": range(json!({"line": 0, "character": 0}), json!({"line": 0, "character": 0})), "text": "features ghost {\n" },
                { "range": range(json!({"line": 1, "character": 0}), json!({"line": 1, "character": 0})), "text": "}\n" }
            ]
        }),
    );
    let diags = client.diagnostics_where(&uri, |d| !d.is_empty());
    assert!(
        diags
            .iter()
            .any(|d| d["message"].as_str().unwrap_or("").contains("ghost")),
        "{diags:?}"
    );
    assert!(client.shutdown());
}

#[test]
fn completion_follows_the_context() {
    let dir = copy_example("ecommerce", "complete");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let (uri, text) = client.open(&dir.join("features.c360"));
    let complete = |client: &mut Client, version: i32, insert: &str| -> Vec<String> {
        // Insert a new line before the closing brace of the features block and ask there.
        let end = text.rfind('}').expect("closing brace");
        let line = text[..end].matches('\n').count();
        let at = json!({ "line": line, "character": 0 });
        client.edit(&uri, version, range(at.clone(), at), insert);
        let cursor = json!({ "line": line, "character": insert.len() });
        let result = client.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": cursor }),
        );
        // Undo, so every case starts from the example.
        let after = json!({ "line": line, "character": insert.len() });
        client.edit(
            &uri,
            version + 1,
            range(json!({ "line": line, "character": 0 }), after),
            "",
        );
        labels(&result)
    };

    let after_where = complete(&mut client, 2, "  x = orders | where ");
    for column in ["status", "amount", "created_at", "order_id"] {
        assert!(after_where.contains(&column.to_string()), "{after_where:?}");
    }
    assert!(
        after_where.contains(&"lifetime_revenue".to_string()),
        "features too"
    );

    let qualified = complete(&mut client, 4, "  x = orders | where web_events.");
    assert!(qualified.contains(&"sent_at".to_string()), "{qualified:?}");
    assert!(!qualified.contains(&"status".to_string()), "{qualified:?}");

    let after_pipe = complete(&mut client, 6, "  x = orders | ");
    for step in ["where", "within", "sum", "count", "last", "avg_interval"] {
        assert!(after_pipe.contains(&step.to_string()), "{after_pipe:?}");
    }

    let expression = complete(&mut client, 8, "  x = ");
    for name in ["orders", "web_events", "lower", "coalesce", "last_seen"] {
        assert!(expression.contains(&name.to_string()), "{expression:?}");
    }
    assert!(
        !expression.contains(&"status".to_string()),
        "no columns outside a pipeline"
    );

    let top = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
    );
    let top_labels = labels(&top);
    for kw in [
        "id_type",
        "entity",
        "source",
        "features",
        "training_set",
        "test",
    ] {
        assert!(top_labels.contains(&kw.to_string()), "{top_labels:?}");
    }
    let items = top.as_array().expect("array");
    let source = items
        .iter()
        .find(|i| i["label"] == "source")
        .expect("source");
    assert_eq!(source["insertTextFormat"], 2, "a snippet: {source}");

    // `@id(` in a source offers the id types; `features ` offers the entities.
    let (src_uri, src) = client.open(&dir.join("sources.c360"));
    let at = pos(&src, "@id(anonymous_id)", 4);
    let ids = labels(&client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": src_uri }, "position": at }),
    ));
    for id in ["email", "phone", "user_id", "anonymous_id"] {
        assert!(ids.contains(&id.to_string()), "{ids:?}");
    }
    let entities = labels(&client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": pos(&text, "features customer", 9) }),
    ));
    assert_eq!(entities, vec!["customer".to_string()]);

    // Functions carry their signature and documentation.
    let expr = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": pos(&text, "days(web_events", 0) }),
    );
    let days = expr
        .as_array()
        .and_then(|a| a.iter().find(|i| i["label"] == "days"))
        .cloned()
        .expect("days");
    assert_eq!(days["detail"], "days(d) -> float");
    assert!(days["documentation"]["value"].as_str().is_some());
    assert!(client.shutdown());
}

#[test]
fn long_feature_lists_are_cut_to_what_was_typed_and_marked_incomplete() {
    let dir = copy_example("ecommerce", "complete-long");
    // 150 more features: more than one response lists.
    let mut many = String::from("features customer {\n");
    for i in 0..150 {
        many.push_str(&format!("  f_{i} = orders | count()\n"));
    }
    many.push_str("}\n");
    std::fs::write(dir.join("many.c360"), many).expect("write many.c360");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let (uri, text) = client.open(&dir.join("features.c360"));
    let end = text.rfind('}').expect("closing brace");
    let line = text[..end].matches('\n').count();
    let at = json!({ "line": line, "character": 0 });
    let typed = "  x = orders | where ";
    client.edit(&uri, 2, range(at.clone(), at), typed);
    let ask = |client: &mut Client, character: usize| {
        client.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        )
    };

    let result = ask(&mut client, typed.len());
    assert_eq!(result["isIncomplete"], true, "{result}");
    let all = labels(&result);
    let features = all.iter().filter(|l| l.starts_with("f_")).count();
    assert!(
        features > 0 && features <= 100,
        "{features} features listed"
    );
    // The short lists are never cut: the source's columns and the functions are all there.
    for kept in ["status", "amount", "coalesce", "lower"] {
        assert!(all.contains(&kept.to_string()), "`{kept}` missing: {all:?}");
    }

    // Typing narrows the list until it is complete.
    client.edit(
        &uri,
        3,
        range(
            json!({ "line": line, "character": typed.len() }),
            json!({ "line": line, "character": typed.len() }),
        ),
        "f_14",
    );
    let result = ask(&mut client, typed.len() + 4);
    let narrowed = labels(&result);
    assert!(
        result.get("isIncomplete").is_none_or(|v| v == false),
        "{result}"
    );
    for name in ["f_14", "f_140", "f_149"] {
        assert!(narrowed.contains(&name.to_string()), "{narrowed:?}");
    }
    assert!(!narrowed.contains(&"f_15".to_string()), "{narrowed:?}");
    assert!(client.shutdown());
}

#[test]
fn hover_definition_references_and_rename() {
    let dir = copy_example("ecommerce", "nav");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let (uri, text) = client.open(&dir.join("features.c360"));
    let sources_uri = file_uri(&dir.join("sources.c360"));
    let sources = std::fs::read_to_string(dir.join("sources.c360")).expect("sources");

    // Hover on a feature: type, doc, owner, tags.
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": pos(&text, "revenue_30d:", 2) }),
    );
    let value = hover["contents"]["value"].as_str().expect("markdown");
    for part in [
        "revenue_30d: decimal",
        "Revenue from completed orders",
        "growth",
        "revenue",
    ] {
        assert!(value.contains(part), "{value}");
    }
    // Hover on a column: its table, physical name and id type.
    let (identity_uri, identity) = client.open(&dir.join("sources.c360"));
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": identity_uri }, "position": pos_on_line(&identity, "CONTEXT_TRAITS_EMAIL", "email:") }),
    );
    let value = hover["contents"]["value"].as_str().expect("markdown");
    for part in [
        "email: string",
        "analytics.identifies",
        "CONTEXT_TRAITS_EMAIL",
        "id type `email`",
    ] {
        assert!(value.contains(part), "{value}");
    }

    // Definition of `orders` in a pipeline is the source declaration.
    let def = client.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": uri }, "position": pos(&text, "= orders |", 3) }),
    );
    assert_eq!(def[0]["uri"], sources_uri.as_str());
    assert_eq!(def[0]["range"]["start"], pos(&sources, "orders from", 0));

    // References of the feature `first_purchase_at`: declaration plus one use.
    let refs = client.request(
        "textDocument/references",
        json!({
            "textDocument": { "uri": uri },
            "position": pos(&text, "first_purchase_at =", 0),
            "context": { "includeDeclaration": true }
        }),
    );
    assert_eq!(refs.as_array().map(Vec::len), Some(2), "{refs}");

    // Rename the source `orders` across files.
    let edit = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": pos(&text, "= orders |", 3), "newName": "shop_orders" }),
    );
    let changes = edit["changes"].as_object().expect("changes");
    assert!(
        changes.contains_key(uri.as_str()) && changes.contains_key(sources_uri.as_str()),
        "{edit}"
    );
    let tests_uri = file_uri(&dir.join("tests.c360"));
    assert!(
        changes.contains_key(tests_uri.as_str()),
        "`given orders` is renamed too: {edit}"
    );
    assert!(changes
        .values()
        .flat_map(|v| v.as_array().cloned().unwrap_or_default())
        .all(|e| e["newText"] == "shop_orders"));

    // Keywords and clashes are refused with an error.
    let keyword = client.request_raw(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": pos(&text, "= orders |", 3), "newName": "where" }),
    );
    assert!(
        keyword["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("keyword"),
        "{keyword}"
    );
    let clash = client.request_raw(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": pos(&text, "= orders |", 3), "newName": "web_events" }),
    );
    assert!(
        clash["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("web_events"),
        "{clash}"
    );

    // Renaming a column keeps its physical name with `@column`.
    let edit = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": pos(&text, "sum(amount)", 4), "newName": "total" }),
    );
    let source_edits = edit["changes"][sources_uri.as_str()]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        source_edits
            .iter()
            .any(|e| e["newText"] == " @column(\"amount\")"),
        "{edit}"
    );
    assert!(client.shutdown());
}

#[test]
fn symbols_tokens_folding_hints_and_signatures() {
    let dir = copy_example("ecommerce", "misc");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let (uri, text) = client.open(&dir.join("features.c360"));
    let doc = json!({ "textDocument": { "uri": uri } });

    let symbols = client.request("textDocument/documentSymbol", doc.clone());
    assert_eq!(symbols[0]["name"], "features customer");
    let children: Vec<&str> = symbols[0]["children"]
        .as_array()
        .map(|c| c.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        children.contains(&"revenue_30d") && children.contains(&"is_active"),
        "{children:?}"
    );

    let found = client.request("workspace/symbol", json!({ "query": "webevents" }));
    assert!(
        found
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s["name"] == "web_events")),
        "{found}"
    );

    let tokens = client.request("textDocument/semanticTokens/full", doc.clone());
    let data = tokens["data"].as_array().expect("data");
    assert!(!data.is_empty() && data.len() % 5 == 0);
    // The first token is the file's leading comment (type 10 = comment).
    assert_eq!(data[3], 10);

    let folds = client.request("textDocument/foldingRange", doc.clone());
    assert!(folds.as_array().is_some_and(|f| f.len() >= 2), "{folds}");

    let hints = client.request(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": uri }, "range": range(json!({"line": 0, "character": 0}), json!({"line": 999, "character": 0})) }),
    );
    let labels: Vec<&str> = hints
        .as_array()
        .map(|h| h.iter().filter_map(|h| h["label"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        labels.contains(&": decimal") && labels.contains(&": int"),
        "{labels:?}"
    );
    assert!(
        !labels.iter().any(|l| l.contains("bool")),
        "declared types get no hint"
    );

    let help = client.request(
        "textDocument/signatureHelp",
        json!({ "textDocument": { "uri": uri }, "position": pos(&text, "last(product_id, 10)", 17) }),
    );
    assert_eq!(help["signatures"][0]["label"], "last(e, [N]) -> type of e");
    assert_eq!(help["activeParameter"], 1);
    assert!(client.shutdown());
}

#[test]
fn files_changed_on_disk_are_picked_up_and_deleted_files_cleared() {
    let dir = copy_example("ecommerce", "watch");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let broken = dir.join("extra.c360");
    std::fs::write(
        &broken,
        "features customer {\n  bad = nosuch | count()\n}\n",
    )
    .expect("write");
    let uri = file_uri(&broken);
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri, "type": 1 }] }),
    );
    let diags = client.diagnostics_where(&uri, |d| !d.is_empty());
    assert!(
        diags
            .iter()
            .any(|d| d["message"].as_str().unwrap_or("").contains("nosuch")),
        "{diags:?}"
    );

    std::fs::remove_file(&broken).expect("remove");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri, "type": 3 }] }),
    );
    client.diagnostics_where(&uri, |d| d.is_empty());
    assert!(client.shutdown());
}

#[test]
fn a_file_outside_every_folder_is_checked_alone_and_cleared_on_close() {
    let dir = copy_example("ecommerce", "lone");
    let elsewhere = copy_example("saas", "lone-other");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let lone = elsewhere.join("lone.c360");
    std::fs::write(&lone, "entity e { ids = [nope] }\n").expect("write");
    let (uri, _) = client.open(&lone);
    client.diagnostics_where(&uri, |d| !d.is_empty());
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    client.diagnostics_where(&uri, |d| d.is_empty());
    assert!(client.shutdown());
}

#[test]
fn bad_input_gets_errors_not_crashes() {
    let dir = copy_example("ecommerce", "bad");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    // A document nobody opened and that is not in the folder.
    let unknown = client.request_raw(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere/x.c360" }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(unknown.get("error").is_some(), "{unknown}");
    // A position past the end of the document.
    let (uri, _) = client.open(&dir.join("features.c360"));
    let far = client.request_raw(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 99999, "character": 3 } }),
    );
    assert!(far.get("error").is_some(), "{far}");
    // Garbage params and an unparsable message.
    client.notify("textDocument/didChange", json!({ "nonsense": true }));
    client.send_raw(b"Content-Length: 5\r\n\r\n{oops");
    client.notify("textDocument/didOpen", json!({ "textDocument": { "uri": "untitled:Untitled-1", "languageId": "c360", "version": 1, "text": "x" } }));
    // Still answering.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert!(symbols.as_array().is_some_and(|s| !s.is_empty()));
    assert!(client.shutdown());
}

#[test]
fn formatting_returns_the_canonical_layout_and_leaves_broken_files_alone() {
    let dir = copy_example("ecommerce", "fmt");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let (uri, text) = client.open(&dir.join("features.c360"));
    // Whatever the example's alignment, replace the whole `order_count` line.
    let start = text.find("  order_count").expect("order_count");
    let end = start + text[start..].find('\n').expect("end of line");
    client.edit(
        &uri,
        2,
        range(
            pos(&text, &text[start..end], 0),
            pos(&text, &text[start..end], end - start),
        ),
        "  order_count=orders|count( )",
    );
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let edits = edits.as_array().expect("edits");
    assert_eq!(edits.len(), 1, "{edits:?}");
    let formatted = edits[0]["newText"].as_str().expect("text");
    assert!(
        !formatted.contains("order_count=orders|count( )"),
        "{formatted}"
    );
    assert!(formatted.contains("orders | count()"), "{formatted}");

    // Text with a syntax error is not formatted.
    let start = json!({ "line": 0, "character": 0 });
    client.edit(&uri, 3, range(start.clone(), start), "features {{{\n");
    let none = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert!(none.is_null(), "{none}");
    assert!(client.shutdown());
}

#[test]
fn nested_projects_and_several_folders_stay_separate() {
    // One folder holding two projects (each with its own c360.toml, both declaring
    // `id_type email`): merged, they would clash.
    let parent = copy_example("ecommerce", "multi");
    let saas_src = copy_example("saas", "multi-saas");
    let saas = parent.join("saas");
    std::fs::rename(&saas_src, &saas).expect("move saas into the folder");
    let (mut client, _) = Client::initialized(&parent, &["utf-16"]);
    let (uri, text) = client.open(&saas.join("features/account.c360"));
    let end = text.rfind('}').expect("closing brace");
    let at = pos(&text, &text[end..], 0);
    client.edit(
        &uri,
        2,
        range(at.clone(), at),
        "  broken = nosuch | count()\n",
    );
    let diags = client.diagnostics_where(&uri, |d| !d.is_empty());
    assert!(
        diags
            .iter()
            .all(|d| d["message"].as_str().unwrap_or("").contains("nosuch")),
        "only the broken edit is reported: {diags:?}"
    );

    // `c360.toml` gets its diagnostics too.
    let toml = parent.join("c360.toml");
    let toml_uri = file_uri(&toml);
    let toml_text = std::fs::read_to_string(&toml).expect("toml");
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": toml_uri, "languageId": "toml", "version": 1, "text": format!("{toml_text}\n[projekt]\nname = \"x\"\n") } }),
    );
    let diags = client.diagnostics_where(&toml_uri, |d| !d.is_empty());
    assert!(
        diags
            .iter()
            .any(|d| d["message"].as_str().unwrap_or("").contains("projekt")),
        "{diags:?}"
    );
    assert!(client.shutdown());
}

#[test]
fn a_new_c360_toml_below_the_folder_splits_off_a_project() {
    let dir = copy_example("ecommerce", "split");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    // `id_type email` again, in a subdirectory of the same project: a duplicate.
    let sub = dir.join("other");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let extra = sub.join("ids.c360");
    std::fs::write(&extra, "id_type email\n").expect("write");
    let uri = file_uri(&extra);
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri, "type": 1 }] }),
    );
    let diags = client.diagnostics_where(&uri, |d| !d.is_empty());
    assert!(
        diags
            .iter()
            .any(|d| d["message"].as_str().unwrap_or("").contains("email")),
        "{diags:?}"
    );
    // With its own `c360.toml` the directory is a separate project: no clash any more.
    let toml = sub.join("c360.toml");
    std::fs::write(&toml, "[project]\nname = \"other\"\n").expect("write");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": file_uri(&toml), "type": 1 }] }),
    );
    // (Alone there, `email` is only unused: a warning.)
    let twice = |d: &[Value]| {
        d.iter().any(|d| {
            d["message"]
                .as_str()
                .unwrap_or("")
                .contains("declared twice")
        })
    };
    client.diagnostics_where(&uri, |d| !twice(d));
    // Removing it merges the directory back.
    std::fs::remove_file(&toml).expect("remove");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": file_uri(&toml), "type": 3 }] }),
    );
    client.diagnostics_where(&uri, twice);
    assert!(client.shutdown());
}

#[test]
fn adding_a_workspace_folder_moves_an_open_file_into_its_project() {
    let dir = copy_example("ecommerce", "folders");
    let elsewhere = copy_example("saas", "folders-other");
    // Started on another folder, the example's features file is checked alone: its sources
    // are unknown.
    let (mut client, _) = Client::initialized(&elsewhere, &["utf-16"]);
    let (uri, _) = client.open(&dir.join("features.c360"));
    client.diagnostics_where(&uri, |d| !d.is_empty());
    let folder = file_uri(&dir);
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [{ "uri": folder, "name": "ecommerce" }], "removed": [] } }),
    );
    client.diagnostics_where(&uri, |d| d.is_empty());
    // Removing the folder again leaves the open file alone, with its errors back.
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [], "removed": [{ "uri": folder, "name": "ecommerce" }] } }),
    );
    client.diagnostics_where(&uri, |d| !d.is_empty());
    assert!(client.shutdown());
}

/// What `c360_sql::compile_model(..).script()` gives for the project in `dir`, read from disk
/// the way `c360 compile` reads it.
fn expected_script(dir: &std::path::Path, dialect: c360_project::Dialect) -> String {
    let found = c360_project::discover(dir).expect("discover the project");
    let mut workspace = c360_sema::Workspace::default();
    for file in &found.files {
        let text = file.text.as_ref().expect("readable file");
        workspace.set_file(file.id.clone(), text.clone());
    }
    workspace.set_config(found.config.as_ref().and_then(|c| c.text.clone().ok()));
    let checked = workspace.check();
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let config = workspace
        .text(&c360_project::config_file_id())
        .and_then(|text| c360_project::parse_config(text).0);
    c360_sql::compile_model(&checked.model, config.as_ref(), dialect, None, None)
        .expect("the example compiles")
        .script()
}

/// The stdout of `c360 compile DIR --dialect D`.
fn cli_script(dir: &std::path::Path, dialect: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_c360"))
        .arg("compile")
        .arg(dir)
        .args(["--dialect", dialect])
        .output()
        .expect("run c360 compile");
    assert!(
        out.status.success(),
        "c360 compile failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 SQL")
}

#[test]
fn compiled_sql_is_byte_identical_to_the_compiler_and_the_cli() {
    use c360_project::Dialect;

    let dir = copy_example("ecommerce", "sql");
    let (mut client, init) = Client::initialized(&dir, &["utf-16"]);
    assert_eq!(
        init["capabilities"]["executeCommandProvider"]["commands"],
        json!(["c360.showCompiledSql"])
    );
    let uri = file_uri(&dir.join("features.c360"));
    for dialect in [Dialect::DuckDb, Dialect::Snowflake] {
        let result = client.request(
            "c360/compiledSql",
            json!({ "uri": uri, "dialect": dialect.name() }),
        );
        assert_eq!(result["dialect"], dialect.name());
        let sql = result["sql"].as_str().expect("sql is a string");
        assert_eq!(sql, expected_script(&dir, dialect), "{dialect}");
        assert_eq!(sql, cli_script(&dir, dialect.name()), "{dialect}");

        // The command gives the same answer, with the arguments in either form.
        for arguments in [
            json!([uri, dialect.name()]),
            json!([{ "uri": uri, "dialect": dialect.name() }]),
        ] {
            let by_command = client.request(
                "workspace/executeCommand",
                json!({ "command": "c360.showCompiledSql", "arguments": arguments }),
            );
            assert_eq!(by_command, result);
        }
    }
    // Without a dialect, the default target's (`dev`, DuckDB) is used, for any file of the
    // project (including `c360.toml`).
    for file in ["identity.c360", "c360.toml"] {
        let default = client.request(
            "c360/compiledSql",
            json!({ "uri": file_uri(&dir.join(file)) }),
        );
        assert_eq!(default["dialect"], "duckdb");
        assert_eq!(
            default["sql"],
            json!(expected_script(&dir, Dialect::DuckDb))
        );
    }
    assert!(client.shutdown());
}

#[test]
fn compiled_sql_explains_errors_unknown_dialects_and_unsupported_constructs() {
    const REQUEST_FAILED: i64 = -32803;
    const INVALID_PARAMS: i64 = -32602;

    let dir = copy_example("ecommerce", "sql-errors");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let (uri, text) = client.open(&dir.join("features.c360"));
    let ask = |client: &mut Client, dialect: &str| {
        client.request_raw(
            "c360/compiledSql",
            json!({ "uri": uri, "dialect": dialect }),
        )
    };

    let unknown = ask(&mut client, "snowflak");
    assert_eq!(unknown["error"]["code"], INVALID_PARAMS, "{unknown}");
    let message = unknown["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("did you mean `snowflake`?"), "{message}");
    for name in [
        "duckdb",
        "postgres",
        "snowflake",
        "bigquery",
        "redshift",
        "databricks",
    ] {
        assert!(message.contains(name), "{message}");
    }

    // Redshift has no ordered array aggregate: the E0300 diagnostic, with its place.
    let redshift = ask(&mut client, "redshift");
    assert_eq!(redshift["error"]["code"], REQUEST_FAILED, "{redshift}");
    let message = redshift["error"]["message"].as_str().unwrap_or_default();
    let at = pos(&text, "last_10_products =", 0);
    let place = format!(
        "features.c360:{}:{}",
        at["line"].as_u64().unwrap_or_default() + 1,
        at["character"].as_u64().unwrap_or_default() + 1
    );
    assert!(
        message.contains("cannot be compiled to redshift"),
        "{message}"
    );
    assert!(message.contains(&place), "{message}");
    assert!(
        message.contains("`last_10_products` uses `last(e, N)`"),
        "{message}"
    );

    // An unknown column: the count of errors and where the first one is.
    let start = pos(&text, "sum(amount)", 4);
    client.edit(
        &uri,
        2,
        range(start.clone(), pos(&text, "sum(amount)", 10)),
        "amout",
    );
    let diags = client.diagnostics_where(&uri, |d| !d.is_empty());
    let errors = diags.iter().filter(|d| d["severity"] == 1).count();
    assert!(errors >= 1, "{diags:?}");
    let failed = ask(&mut client, "duckdb");
    assert_eq!(failed["error"]["code"], REQUEST_FAILED, "{failed}");
    let message = failed["error"]["message"].as_str().unwrap_or_default();
    let count = if errors == 1 {
        "1 error".to_string()
    } else {
        format!("{errors} errors")
    };
    assert!(
        message.contains(&format!("the project has {count}")),
        "{message}"
    );
    let place = format!(
        "features.c360:{}:{}",
        start["line"].as_u64().unwrap_or_default() + 1,
        start["character"].as_u64().unwrap_or_default() + 1
    );
    assert!(message.contains(&place), "{message}");
    assert!(message.contains("amout"), "{message}");

    // Malformed params and an unknown command are refused, not crashes.
    let bad = client.request_raw("c360/compiledSql", json!({ "dialect": "duckdb" }));
    assert_eq!(bad["error"]["code"], INVALID_PARAMS, "{bad}");
    let bad = client.request_raw(
        "workspace/executeCommand",
        json!({ "command": "c360.nothing", "arguments": [] }),
    );
    assert_eq!(bad["error"]["code"], INVALID_PARAMS, "{bad}");
    let outside = client.request_raw(
        "c360/compiledSql",
        json!({ "uri": "file:///nowhere/x.c360" }),
    );
    assert_eq!(outside["error"]["code"], INVALID_PARAMS, "{outside}");
    assert!(client.shutdown());
}

#[test]
fn a_client_that_registers_the_command_itself_is_not_offered_it() {
    let dir = copy_example("ecommerce", "sql-client-command");
    let mut client = Client::start();
    let uri = file_uri(&dir);
    let result = client.request(
        "initialize",
        json!({
            "processId": null,
            "workspaceFolders": [{ "uri": uri, "name": "project" }],
            "capabilities": {},
            "initializationOptions": { "clientCommands": ["c360.showCompiledSql"] }
        }),
    );
    assert!(
        result["capabilities"]
            .get("executeCommandProvider")
            .is_none(),
        "{result}"
    );
    client.notify("initialized", json!({}));
    // The request still works: the client's own command sends it.
    let sql = client.request(
        "c360/compiledSql",
        json!({ "uri": file_uri(&dir.join("features.c360")), "dialect": "postgres" }),
    );
    assert_eq!(sql["dialect"], "postgres");
    assert!(client.shutdown());
}
